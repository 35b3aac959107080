"""``simp +arith`` decides a relation exactly as Lean's ``Nat.Linear`` / ``Int.Linear`` does.

The source (Lean 4 core, v4.33): ``simpArith`` in ``Lean/Meta/Tactic/Simp/Rewrite.lean`` calls
``Arith.Nat.simpCnstr?`` on a Nat relation (``Lean/Meta/Tactic/Simp/Arith/Nat/Simp.lean``), which
closes it when ``PolyCnstr.isValid`` and refutes it when ``PolyCnstr.isUnsat``
(``src/Init/Data/Nat/Linear.lean``): after cancelling common terms, an equation is refuted only
when one side is zero and the other has a positive constant, an inequality ``lhs ≤ rhs`` only
when ``lhs`` has a positive constant and ``rhs`` is zero. There is no divisibility test on Nat.
On Int, ``Arith.Int.simpEq?`` refutes ``p = 0`` also when the gcd of the coefficients does not
divide the constant (``Int.Linear.eq_eq_false_of_divCoeff``, ``Arith/Int/Simp.lean``), and
``simpLe?`` decides ``p ≤ 0`` when ``p`` is a constant.

What MiniLean does with each outcome, as Lean does: a relation rewritten to ``True`` closes the
goal (or clears the hypothesis), one rewritten to ``False`` leaves the goal ``False`` (or closes
the goal from the hypothesis), one already in normal form with nothing else to do is "simp made
no progress", and one Lean rewrites to another normal form is refused with MiniLean's honest
"outside the fragment" message (MiniLean does not print Lean's normal forms).
"""

from __future__ import annotations

import pytest

from lean_gym.backends.minilean import arith
from lean_gym.backends.minilean.repl_server import MiniLeanRepl
from tests.backends.minilean.conftest import accepted, errors


def check(repl: MiniLeanRepl, statement: str, proof: str) -> dict:
    body = proof.replace("\n", "\n  ")
    return repl.handle({"cmd": f"theorem t {statement} := by\n  {body}"})


TACTICS = ["simp_arith", "simp +arith"]

CLOSED = [
    # Nat: the cancelled sides settle it
    "(x : Nat) : x + 1 ≠ 0",
    "(x : Nat) : x < x + 1",
    "(x y : Nat) : x ≤ x + y",
    "(x : Nat) : 3 ≤ 2 * x + 4",
    "(a b : Nat) : a + b = b + a",
    "(x : Nat) : 2 * x = x + x",
    "(x : Nat) : ¬x + 1 ≤ x",
    "(x y : Nat) : x + 2 * y + 1 ≠ y + x",
    "(x : Nat) : 3 * x ≠ 3 * x + 1 + x",
    # Int: a constant difference, or a gcd that does not divide the constant
    "(x : Int) : 2 * x ≠ 1",
    "(x y : Int) : 2 * x + 4 * y ≠ 5",
    "(x : Int) : 6 * x ≠ 4 * x + 1",
    "(x : Int) : x < x + 1",
    "(x y : Int) : x - y ≤ x - y + 3",
    "(x : Int) : ¬x + 1 ≤ x",
]

NOT_CLOSED = [
    # Nat: no gcd test (the audit's over-acceptances)
    "(x : Nat) : 2 * x ≠ 1",
    "(x : Nat) : x + x ≠ 1",
    "(x y : Nat) : 2 * x + 4 * y ≠ 5",
    # nonlinear terms are atoms, different when written differently
    "(x y : Nat) : x * y = y * x",
    "(x y : Int) : x * y = y * x",
    # Int: the gcd divides the constant, or an inequality that only tightens
    "(x : Int) : 3 * x ≠ 6",
    "(x : Int) : 2 * x ≠ 2 * x",
]


@pytest.mark.parametrize("tactic", TACTICS)
@pytest.mark.parametrize("statement", CLOSED)
def test_simp_arith_closes_what_lean_closes(
    repl: MiniLeanRepl, statement: str, tactic: str
) -> None:
    out = check(repl, statement, tactic)
    assert accepted(out), (statement, errors(out))


@pytest.mark.parametrize("tactic", TACTICS)
@pytest.mark.parametrize("statement", NOT_CLOSED)
def test_simp_arith_leaves_what_lean_leaves(
    repl: MiniLeanRepl, statement: str, tactic: str
) -> None:
    assert not accepted(check(repl, statement, tactic))


def test_nat_gcd_refutation_is_refused_and_int_one_accepted(repl: MiniLeanRepl) -> None:
    # Lean leaves `¬2 * x = 1` on Nat, whatever comes after it can close.
    out = check(repl, "(x : Nat) : 2 * x ≠ 1", "simp +arith")
    assert [e for e in errors(out) if e.startswith("MiniLean:")]
    assert accepted(check(repl, "(x : Nat) : 2 * x ≠ 1", "omega"))
    # On Int the same goal is closed by `Int.Linear.eq_eq_false_of_divCoeff`.
    assert accepted(check(repl, "(x : Int) : 2 * x ≠ 1", "simp +arith"))
    # Plain simp has no linear normaliser.
    assert not accepted(check(repl, "(x : Int) : 2 * x ≠ 1", "simp"))


def test_relation_rewritten_to_false(repl: MiniLeanRepl) -> None:
    # The goal becomes `False` and stays open, as in Lean.
    out = check(repl, "(x : Int) : 2 * x = 1", "simp +arith")
    assert errors(out) == ["unsolved goals\nx : Int\n⊢ False"]
    out = check(repl, "(x : Nat) : x + 2 ≤ 1", "simp +arith")
    assert errors(out) == ["unsolved goals\nx : Nat\n⊢ False"]
    # A hypothesis rewritten to False closes the goal.
    assert accepted(check(repl, "(x : Int) (h : 2 * x = 1) : False", "simp +arith at h"))
    assert accepted(check(repl, "(x : Nat) (h : 2 * x + 1 ≤ x) : False", "simp +arith at h"))
    assert accepted(check(repl, "(x : Int) (h : 2 * x + 4 = 3) : x = 7", "simp +arith at h"))
    # but not on Nat without a cancellation that settles it.
    assert not accepted(check(repl, "(x : Nat) (h : 2 * x = 1) : False", "simp +arith at h"))


def test_normal_form_without_progress(repl: MiniLeanRepl) -> None:
    # `2 * x = 1` is already Nat.Linear's normal form and no simp lemma applies.
    assert errors(check(repl, "(x : Nat) : 2 * x = 1", "simp +arith")) == ["simp made no progress"]
    out = check(repl, "(x : Nat) (h : 2 * x = 1) : False", "simp +arith at h")
    assert errors(out) == ["simp made no progress"]


def test_hypothesis_rewritten_to_true_is_cleared(repl: MiniLeanRepl) -> None:
    out = check(repl, "(x : Int) (h : 2 * x ≠ 1) : x = x + 0", "simp +arith at h")
    assert errors(out) == ["unsolved goals\nx : Int\n⊢ x = x + 0"]


DECIDES = [
    # Nat
    (("≠", ("*", "Nat", ("lit", 2, "Nat"), ("var", "x", "Nat")), ("lit", 1, "Nat")), None),
    (("=", ("+", "Nat", ("var", "x", "Nat"), ("var", "x", "Nat")), ("lit", 1, "Nat")), None),
    (("=", ("+", "Nat", ("var", "x", "Nat"), ("lit", 3, "Nat")), ("lit", 1, "Nat")), False),
    (("=", ("lit", 0, "Nat"), ("+", "Nat", ("var", "x", "Nat"), ("lit", 1, "Nat"))), False),
    (("≤", ("+", "Nat", ("var", "x", "Nat"), ("lit", 1, "Nat")), ("var", "x", "Nat")), False),
    (("≥", ("+", "Nat", ("var", "x", "Nat"), ("lit", 1, "Nat")), ("var", "x", "Nat")), True),
    (("<", ("var", "x", "Nat"), ("var", "x", "Nat")), False),
    (("<", ("var", "x", "Nat"), ("var", "y", "Nat")), None),
    (("≤", ("lit", 0, "Nat"), ("var", "x", "Nat")), True),
    # Nat `x - y` is an atom: `x - y ≤ x` is not decided by the normaliser
    (("≤", ("-", "Nat", ("var", "x", "Nat"), ("var", "y", "Nat")), ("var", "x", "Nat")), None),
    # Int
    (("≠", ("*", "Int", ("lit", 2, "Int"), ("var", "x", "Int")), ("lit", 1, "Int")), True),
    (("=", ("*", "Int", ("lit", 3, "Int"), ("var", "x", "Int")), ("lit", 6, "Int")), None),
    (("=", ("-", "Int", ("var", "x", "Int"), ("var", "x", "Int")), ("lit", 1, "Int")), False),
    (("≤", ("var", "x", "Int"), ("+", "Int", ("var", "x", "Int"), ("lit", 1, "Int"))), True),
    (("<", ("var", "x", "Int"), ("var", "x", "Int")), False),
    (("≥", ("var", "x", "Int"), ("lit", 0, "Int")), None),
    (("≤", ("*", "Int", ("lit", 2, "Int"), ("var", "x", "Int")), ("lit", 1, "Int")), None),
    (
        (
            "=",
            ("*", "Int", ("neg", "Int", ("lit", 4, "Int")), ("var", "x", "Int")),
            ("lit", 2, "Int"),
        ),
        False,
    ),
]


@pytest.mark.parametrize(("relation", "value"), DECIDES)
def test_simp_arith_decides(relation: tuple, value: bool | None) -> None:
    assert arith.simp_arith_decides(relation) is value
