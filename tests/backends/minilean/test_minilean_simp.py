"""MiniLean's simp is no stronger than Lean 4 core's: fixed simp set, no ring normalisation."""

from __future__ import annotations

import pytest

from lean_gym.backends.minilean.repl_server import MiniLeanRepl
from lean_gym.backends.minilean.simp import SIMP_SET
from tests.backends.minilean.conftest import accepted, errors


def check(repl: MiniLeanRepl, statement: str, proof: str) -> dict:
    body = proof.replace("\n", "\n  ")
    return repl.handle({"cmd": f"theorem t {statement} := by\n  {body}"})


# Goals Lean's plain `simp` does not prove (no simp lemma for commutativity, associativity,
# linear facts from other facts, or `2 * x = x + x`).
REJECTED_BY_PLAIN_SIMP = [
    ("(a b : Nat) : a + b = b + a", "simp"),
    ("(x y : Nat) : x * y = y * x", "simp"),
    ("(a b c : Nat) : a + (b + c) = a + b + c", "simp"),
    ("(x : Nat) (h : x < 3) : x < 5", "simp [h]"),
    ("(x : Nat) (h : x < 3) : x < 5", "simp"),
    ("(x : Nat) : 2 * x = x + x", "simp"),
    ("(n : Nat) : n ^ 2 = n * n", "simp"),
    ("(a b : Int) : a + b = b + a", "simp"),
    ("(a b : Nat) : a + b = b + a", "simp only []"),
    ("(a b : Nat) : a + b = b + a", "simp_all"),
    ("(a b : Nat) : a + b = b + a", "simpa"),
    ("(x y : Nat) : x * y = y * x", "simp_arith"),
    ("(x y : Nat) : x * y = y * x", "simp +arith"),
    ("(n : Nat) : n ^ 2 = n * n", "simp +arith"),
    ("(x : Nat) (h : x < 3) : x < 5", "simp +arith [h]"),
    ("(x : Nat) : x + 0 = 0 + x", "simp only [Nat.add_zero]"),
    ("(x : Nat) (h : x = x + 0) : x + 0 = x + 0", "simp [h]"),
    ("(a b : Nat) : a + b = b + a", "simp [Nat.add_comm]"),
]


@pytest.mark.parametrize(("statement", "proof"), REJECTED_BY_PLAIN_SIMP)
def test_simp_rejects_what_lean_simp_cannot_prove(
    repl: MiniLeanRepl, statement: str, proof: str
) -> None:
    assert not accepted(check(repl, statement, proof))


ACCEPTED = [
    # the shipped dataset's simp uses
    ("(m : Nat) : 0 + m = m", "simp"),
    ("(x : Nat) : x + 0 = x", "simp"),
    ("(x : Int) : x + 0 = x", "simp"),
    ("(x : Int) : - -x = x", "simp"),
    ("(h : 2 + 2 = 5) : False", "simp at h"),
    ("(a : Nat) : a * 1 = a", "simp"),
    ("(a : Nat) : 1 * a = a", "simp"),
    ("(a : Nat) : a * 0 = 0", "simp"),
    ("(a b : Nat) (h : a = b) : a + 0 = b", "simp [h]"),
    ("(x y : Nat) (h : x = y) : x + 1 = y + 1", "simp [h]"),
    ("(a b : Nat) : a * 0 ≤ b * 0", "simp"),
    # simp-set lemmas
    ("(x : Nat) : x - x = 0", "simp"),
    ("(x : Nat) : 0 - x = 0", "simp"),
    ("(x : Nat) : x ^ 0 = 1", "simp"),
    ("(x : Nat) : x ^ 1 = x", "simp"),
    ("(x : Nat) : x + 1 ≠ 0", "simp"),
    ("(x : Nat) : x ≤ x", "simp"),
    ("(x : Nat) : ¬x < x", "simp"),
    ("(x : Nat) : 0 ≤ x", "simp"),
    ("(x y : Nat) : x + 1 = y + 1 ↔ x = y", "simp"),
    ("(p : Prop) (hp : p) : p ∧ True", "simp [hp]"),
    ("(p q : Prop) (hq : ¬q) : p ∨ q ↔ p", "simp [hq]"),
    ("(x y : Nat) (h : x ≠ y) : ¬x = y", "simp [h]"),
    (": 2 + 3 < 7", "simp"),
    ("(x : Nat) : (x + 0) * 1 = x", "simp only [Nat.add_zero, Nat.mul_one]"),
    ("(x y : Nat) (h : x = y) : x = y", "simp only [h]"),
    ("(x y : Nat) (h : x + 0 = y) : x = y", "simpa using h"),
    ("(x y : Nat) (h : x + 0 = y) : x = y", "simp at h\nexact h"),
    ("(x y : Nat) (h : y ≤ x) : ¬x < y ∧ True", "simp\nexact h"),
    # the linear normaliser behind `simp +arith`
    ("(a b : Nat) : a + b = b + a", "simp_arith"),
    ("(a b : Nat) : a + b = b + a", "simp +arith"),
    ("(a b : Nat) : a + b = b + a", "simp (config := { arith := true })"),
    ("(x : Nat) : 2 * x = x + x", "simp +arith"),
    ("(x : Nat) : x < x + 1", "simp +arith"),
    ("(x : Nat) (h : x + 1 ≤ x) : False", "simp +arith at h"),
]


@pytest.mark.parametrize(("statement", "proof"), ACCEPTED)
def test_simp_accepts_simp_set_proofs(repl: MiniLeanRepl, statement: str, proof: str) -> None:
    out = check(repl, statement, proof)
    assert accepted(out), out


def test_partial_simp_prints_lean_normal_form(repl: MiniLeanRepl) -> None:
    out = check(repl, "(x : Nat) : x + 0 = 3", "simp")
    assert errors(out) == ["unsolved goals\nx : Nat\n⊢ x = 3"]
    out = check(repl, "(x y : Nat) : ¬x < y ∧ True", "simp")
    assert errors(out) == ["unsolved goals\nx y : Nat\n⊢ y ≤ x"]


def test_unpredictable_partial_result_fails_honestly(repl: MiniLeanRepl) -> None:
    # Lean's full simp set may rewrite `x + 2 ≤ y` further; MiniLean does not guess.
    out = check(repl, "(x y : Nat) : x + 2 + 0 ≤ y", "simp")
    assert [e for e in errors(out) if e.startswith("MiniLean:")]


def test_simp_no_progress_and_loops(repl: MiniLeanRepl) -> None:
    assert errors(check(repl, "(p : Prop) : p", "simp")) == ["simp made no progress"]
    out = check(repl, "(x : Nat) (h : x = x + 0) : x = 1", "simp [h]")
    assert errors(out) and errors(out)[0].startswith("maximum recursion depth")


def test_simp_set_is_documented() -> None:
    assert "Nat.add_zero" in SIMP_SET and "Int.neg_neg" in SIMP_SET
    assert "Nat.add_comm" not in SIMP_SET and "Nat.mul_comm" not in SIMP_SET


@pytest.mark.parametrize("tactic", ["exact?", "apply?"])
def test_library_search_is_an_honest_error(repl: MiniLeanRepl, tactic: str) -> None:
    out = check(repl, "(p : Prop) (hp : p) : p", tactic)
    assert errors(out) == [f"MiniLean: the tactic '{tactic}' is outside MiniLean's fragment"]


@pytest.mark.parametrize("tactic", ["ring", "aesop", "positivity", "field_simp", "linarith"])
def test_mathlib_tactics_are_unknown_without_mathlib(repl: MiniLeanRepl, tactic: str) -> None:
    out = check(repl, "(a b : Nat) : a + b = b + a", tactic)
    assert not accepted(out)
    assert "unknown tactic" in (out.get("message", "") + "".join(errors(out)))


def _mathlib_errors(statement: str, tactic: str) -> list[str]:
    from lean_gym.backends.minilean.repl_server import MiniLeanRepl

    repl = MiniLeanRepl()
    env = repl.handle({"cmd": "import Mathlib"})["env"]
    out = repl.handle({"cmd": f"theorem t {statement} := by\n  {tactic}", "env": env})
    return [m["data"] for m in out.get("messages", []) if m["severity"] == "error"]


def test_norm_num_is_no_stronger_than_simp() -> None:
    # Mathlib's norm_num does not do linear arithmetic over hypotheses (that is linarith).
    assert _mathlib_errors("(x : Nat) (h : x < 3) : x < 5", "norm_num [h]")
    assert _mathlib_errors("(x : Nat) (h : x < 3) : x < 5", "norm_num") == [
        "norm_num failed to simplify"
    ]
    assert _mathlib_errors("(x y : Nat) : x * y = y * x", "norm_num")
    assert _mathlib_errors("(x : Nat) (h : x < 3) : x < 5", "linarith") == []
    assert _mathlib_errors("(x : Nat) : x + 0 = x", "norm_num") == []
    assert _mathlib_errors(": (2 : Nat) + 3 = 5", "norm_num") == []
    assert _mathlib_errors(": (7 : Nat) < 10", "norm_num") == []
    assert _mathlib_errors(": (2 : Nat) + 2 = 5", "norm_num")
