"""The widened fragment: ``calc``, ``h ▸ e``, ``Exists.elim``, ``cases`` on equations and
``induction ... generalizing``. Each feature is checked both ways: what Lean accepts is accepted
(with Lean's goals), what Lean rejects is rejected.
"""

from __future__ import annotations

import pytest

from lean_gym.backends.minilean.repl_server import MiniLeanRepl
from tests.backends.minilean.conftest import accepted, errors


def _check(statement: str, proof: str) -> dict:
    return MiniLeanRepl().handle({"cmd": f"theorem t {statement} := {proof}"})


def _unsolved(statement: str, proof: str) -> list[str]:
    """The ``unsolved goals`` errors of a proof ending in ``done``."""
    return [e for e in errors(_check(statement, proof)) if e.startswith("unsolved goals")]


ABC = "(a b c : Nat)"

# (statement, proof): Lean accepts each.
ACCEPTED = [
    # calc, tactic and term mode; `Trans Eq r r`, `Trans r Eq r` and the Nat/Int order instances.
    (f"{ABC} (h1 : a = b) (h2 : b = c) : a = c", "by\n  calc a = b := h1\n    _ = c := h2"),
    (f"{ABC} (h1 : a = b) (h2 : b < c) : a < c", "by\n  calc a = b := h1\n    _ < c := h2"),
    (f"{ABC} (h1 : a < b) (h2 : b = c) : a < c", "calc a < b := h1\n    _ = c := h2"),
    (f"{ABC} (h1 : a ≤ b) (h2 : b < c) : a < c", "calc a ≤ b := h1\n    _ < c := h2"),
    (f"{ABC} (h1 : a < b) (h2 : b ≤ c) : a < c", "by calc a < b := h1\n  _ ≤ c := h2"),
    (f"{ABC} (h1 : a ≤ b) (h2 : b ≤ c) : a ≤ c", "by\n  calc\n    a ≤ b := h1\n    _ ≤ c := h2"),
    ("(a b c : Int) (h1 : a < b) (h2 : b < c) : a < c", "calc a < b := h1\n    _ < c := h2"),
    # The result `a < c` is defeq to the goal `c > a`; `>` composes with `=`.
    (f"{ABC} (h1 : a ≤ b) (h2 : b < c) : c > a", "calc a ≤ b := h1\n    _ < c := h2"),
    (f"{ABC} (h1 : a > b) (h2 : b = c) : a > c", "calc a > b := h1\n    _ = c := h2"),
    (f"{ABC} (h1 : a = b) (h2 : b ≠ c) : a ≠ c", "calc a = b := h1\n    _ ≠ c := h2"),
    # Step proofs as tactic blocks; `calc a` alone is `a = a := rfl`.
    (
        "(a b : Nat) (h : a = b) : a + 0 = b",
        "by\n  calc a + 0 = a := by simp\n    _ = b := by rw [h]",
    ),
    ("(a b : Nat) (h : a = b) : a = b", "calc a\n    _ = b := h"),
    # ▸ with a known expected type: `e : P a` gives `P b` (and the other direction).
    ("(a b : Nat) (p : Nat → Prop) (h : a = b) (e : p a) : p b", "h ▸ e"),
    ("(a b : Nat) (p : Nat → Prop) (h : a = b) (e : p b) : p a", "h ▸ e"),
    ("(a b : Nat) (h : a = b) (e : a + 1 > 0) : b + 1 > 0", "by exact h ▸ e"),
    # Exists.elim and h.elim: the motive is the goal.
    ("(p : Nat → Prop) (h : ∃ x, p x) : ∃ y, p y", "Exists.elim h (fun x hx => ⟨x, hx⟩)"),
    ("(p : Nat → Prop) (q : Prop) (h : ∃ x, p x) (k : ∀ x, p x → q) : q", "h.elim k"),
    ("(p : Nat → Prop) (h : ∃ x, p x) : ∃ y, p y", "h.elim (fun x hx => ⟨x, hx⟩)"),
    # cases / rcases / obtain on an equation with a variable side.
    ("(x y : Nat) (h : x = y) : y = x", "by\n  cases h with\n  | refl => rfl"),
    ("(x : Nat) (h : x = 3) : x + 1 = 4", "by\n  cases h\n  rfl"),
    ("(x y : Nat) (hy : y > 0) (h : x = y) : x > 0", "by\n  obtain rfl := h\n  exact hy"),
    # induction generalizing: the hypothesis is quantified over the generalized variable.
    (
        "(n m : Nat) : n + m = m + n",
        "by\n  induction n generalizing m with\n  | zero => omega\n  | succ k ih =>\n"
        "    have := ih (m + 1)\n    omega",
    ),
]

# (statement, proof, the start of MiniLean's error, why Lean rejects).
REJECTED = [
    (
        f"{ABC} (h1 : a = b) (h2 : b = c) : a = c",
        "by\n  calc a = b := h1\n    c = c := rfl",
        "invalid 'calc' step, left-hand side is\n  c : Nat\nbut previous right-hand side is\n  b : Nat",
        "a step must start where the previous one ended",
    ),
    (
        f"{ABC} (h1 : a < b) (h2 : b < c) : a ≤ c",
        "calc a < b := h1\n    _ < c := h2",
        "MiniLean: the 'calc' chain proves",
        "`a < c` is not defeq to `a ≤ c`",
    ),
    (
        f"{ABC} (h1 : a > b) (h2 : b > c) : a > c",
        "by\n  calc a > b := h1\n    _ > c := h2",
        "MiniLean: invalid 'calc' step, failed to synthesize `Trans` instance",
        "core Lean has no `Trans GT.gt GT.gt` instance (Mathlib's)",
    ),
    (
        f"{ABC} (h1 : a = b) (h2 : b = c) : b = c",
        "calc a = b := h1\n    _ = c := h2",
        "invalid 'calc' step, left-hand side is\n  a : Nat\nbut is expected to be\n  b : Nat",
        "the chain starts at the wrong term",
    ),
    (
        f"{ABC} (h1 : a = b) : a = b",
        "calc a = b := h1\n    _ = c := by omega",
        "omega could not prove the goal",
        "the step `b = c` does not follow",
    ),
    (
        "(a b c : Nat) (p : Nat → Prop) (h : a = b) (e : p c) : p c",
        "h ▸ e",
        "invalid `▸` notation, expected result type of cast is \n  p c\n",
        "neither side of h occurs in the expected type",
    ),
    (
        "(a b : Nat) (p : Nat → Prop) (h : a ≤ b) (e : p a) : p b",
        "h ▸ e",
        "invalid `▸` notation, argument\n  h\nhas type\n  a ≤ b\nequality expected",
        "▸ needs an equation",
    ),
    (
        "(a b : Nat) (p : Nat → Prop) (h : a = b) (e : p b) : p b",
        "h ▸ e",
        "MiniLean: `▸` needs the argument to have type\n  p a",
        "rewriting `p b` with h gives `p a`, not e's type (Lean's retry is not modelled)",
    ),
    (
        "(p : Nat → Prop) (h : ∃ x, p x) : p 0",
        "h.elim (fun x hx => hx)",
        "type mismatch\n  hx\nhas type\n  p x : Prop\nbut is expected to have type\n  p 0 : Prop",
        "the motive cannot mention the witness",
    ),
    (
        "(p q : Prop) (h : p ∧ q) : q",
        "Exists.elim h (fun x hx => hx)",
        "application type mismatch",
        "Exists.elim needs an existential",
    ),
    (
        "(x : Nat) (h : x = x + 1) : False",
        "by\n  cases h",
        "MiniLean: `cases` on the equation\n  x = x + 1",
        "not a substitution (Lean closes it by acyclicity; outside the fragment)",
    ),
    (
        "(n m : Nat) (h : m > n) : n + m > 0",
        "by\n  induction n generalizing n",
        "variable cannot be generalized because target depends on it\n  n",
        "the target itself cannot be generalized",
    ),
    (
        "(n m : Nat) (h : m > n) : n + m > 0",
        "by\n  induction n generalizing h",
        "unnecessary 'generalizing' argument, variable 'h' is generalized automatically",
        "h depends on n",
    ),
    (
        "(n m : Nat) : n + m = m + n",
        "by\n  induction n with\n  | zero => omega\n  | succ k ih =>\n    have := ih (m + 1)\n"
        "    omega",
        "function expected",
        "without generalizing, ih is not quantified over m",
    ),
]


@pytest.mark.parametrize(("statement", "proof"), ACCEPTED)
def test_accepted(statement: str, proof: str) -> None:
    out = _check(statement, proof)
    assert accepted(out), out


@pytest.mark.parametrize(("statement", "proof", "message", "why"), REJECTED)
def test_rejected(statement: str, proof: str, message: str, why: str) -> None:
    out = _check(statement, proof)
    assert not accepted(out), why
    assert any(e.startswith(message) for e in errors(out)), (why, errors(out))


def test_calc_repl_suite_case() -> None:
    # repl test/calc.in: the step proofs' sorries are reported with their own goals.
    out = MiniLeanRepl().handle(
        {"cmd": "example : 3 = 5 := by calc\n  3 = 4 := by sorry\n  4 = 5 := by sorry"}
    )
    assert [s["goal"] for s in out["sorries"]] == ["⊢ 3 = 4", "⊢ 4 = 5"]
    assert [(s["pos"]["line"], s["pos"]["column"]) for s in out["sorries"]] == [(2, 14), (3, 14)]
    assert [m["severity"] for m in out["messages"]] == ["warning"]


def test_calc_tactic_adds_the_last_step_goal() -> None:
    # Lean's `calc` tactic: proving `a = b` for the goal `a ≤ c` leaves `case calc.step ⊢ b ≤ c`.
    unsolved = _unsolved(f"{ABC} (h1 : a = b) : a ≤ c", "by\n  calc a = b := h1\n  done")
    assert unsolved == ["unsolved goals\ncase calc.step\na b c : Nat\nh1 : a = b\n⊢ b ≤ c"]


def test_calc_steps_may_sit_left_of_the_tactic_block() -> None:
    # As in the REPL suite: `by calc` on the first line, steps at column 2 below.
    out = _check(
        f"{ABC} (h1 : a = b) (h2 : b = c) : a = c", "by calc\n  a = b := h1\n  _ = c := h2"
    )
    assert accepted(out), out


def test_cases_on_equation_moves_dependents_after_the_rest() -> None:
    # `cases` reverts the eliminated variable's dependents and reintroduces them at the end.
    unsolved = _unsolved(
        "(x y : Nat) (hy : y > 0) (hx : x > 5) (h : x = y) : y > 0", "by\n  cases h\n  done"
    )
    assert unsolved == ["unsolved goals\ncase refl\nx : Nat\nhx : x > 5\nhy : x > 0\n⊢ x > 0"]


def test_cases_on_equation_replaces_the_variable_side() -> None:
    unsolved = _unsolved("(x y : Nat) (h : x = y + 1) : x > 0", "by\n  cases h\n  done")
    assert unsolved == ["unsolved goals\ncase refl\ny : Nat\n⊢ y + 1 > 0"]


def test_induction_generalizing_goals() -> None:
    unsolved = _unsolved(
        "(n m : Nat) (h : m > 0) : n + m > 0",
        "by\n  induction n generalizing m with\n  | zero => done\n  | succ k ih => done",
    )
    assert unsolved == [
        "unsolved goals\ncase zero\nm : Nat\nh : m > 0\n⊢ 0 + m > 0",
        "unsolved goals\ncase succ\nk : Nat\nih : ∀ (m : Nat), m > 0 → k + m > 0\nm : Nat\n"
        "h : m > 0\n⊢ k + 1 + m > 0",
    ]


def test_constructor_on_exists_still_rejected() -> None:
    out = _check("(p : Nat → Prop) (h : p 1) : ∃ x, p x", "by\n  constructor\n  exact h")
    assert not accepted(out)
