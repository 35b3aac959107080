"""MiniLean never accepts a false statement, nor a wrong proof of a true one."""

from __future__ import annotations

import pytest

from tests.backends.minilean.conftest import accepted

FALSE_STATEMENTS = [
    ": 2 + 2 = 5",
    ": (1 : Nat) - 2 = 0 - 1 + 1",
    ": ∀ n : Nat, n + 1 = n",
    ": ∀ n : Nat, n - 1 + 1 = n",
    ": ∀ x : Int, x * x > 0",
    ": ∃ n : Nat, n + 5 = 2",
    "(p q : Prop) : p ∨ q → p",
    "(p q : Prop) (h : p → q) : q → p",
    "(p : Prop) : p",
    "(p : Prop) : ¬p",
    ": False",
    "(x : Nat) (h : x > 5) : x > 6",
    "(x y : Nat) (h : x < y) : y < x",
    "(a b : Nat) : a - b + b = a",
    "(x : Int) (h : 2 * x = 2) : x = 0 ∨ x = 2",
    ": (7 : Int) / 2 = 4",
    ": (-7 : Int) % 2 = -1",
    ": (10 : Nat) / 0 = 10",
    ": (5 : Nat) % 0 = 0",
    "(n : Nat) : n ^ 2 ≥ 2 * n + 1",
    "(p q : Prop) : (p → q) ↔ (q → p)",
    "(p : Prop) (h : ¬¬p) : ¬p",
    "(x : Nat) (h : x ≠ 0) : x ≥ 2",
    ": ∀ a b : Nat, a * b = a + b",
    "(a b : Int) (h : a < b) : a * a < b * b",
    ": (0 : Nat) = 1",
    "(x : Nat) : x + 0 = x + 1",
    "(p q : Prop) (hp : p) : p ∧ q",
    "(x y : Int) (h1 : x + y = 10) (h2 : x - y = 2) : x = 5",
    ": 2 ^ 10 = 1000",
    "(n : Nat) (h : n % 2 = 0) : n % 4 = 0",
    "(a : Nat) (h : a = a * 1) : True → a = 0 ∧ a = 1",
]

ATTACKS = [
    "omega",
    "decide",
    "simp",
    "simp_all",
    "rfl",
    "trivial",
    "assumption",
    "contradiction",
    "constructor",
    "exact rfl",
    "intro h\nexact h",
    "intros\nomega",
    "simp_arith",
    "exact trivial",
    "exfalso\nomega",
    "first | omega | simp | decide | rfl",
    "repeat constructor",
    "all_goals omega",
    "constructor <;> omega",
    "exact absurd rfl rfl",
    "exact False.elim (by omega)",
    "exact Nat.le_refl _",
    "apply Nat.le_of_lt\nomega",
    "rw [Nat.add_comm]",
    "induction n with\n| zero => rfl\n| succ k ih => omega",
    "exists 0",
    "left\nomega",
    "right\nomega",
    "try omega",
    "skip",
    "· omega",
    "exact ⟨0, rfl⟩",
    "intro x\nomega",
    "norm_num",
    "linarith",
]


@pytest.mark.parametrize("statement", FALSE_STATEMENTS)
def test_false_statements_are_never_accepted(repl, statement):
    env = repl.handle({"cmd": "import Mathlib"})["env"]
    for attack in ATTACKS:
        body = "\n".join("  " + line for line in attack.split("\n"))
        out = repl.handle({"cmd": f"theorem t {statement} := by\n{body}", "env": env})
        assert not accepted(out), (statement, attack, out)
        assert "env" in out


WRONG_PROOFS = [
    ("(n : Nat) : 0 + n = n", "rfl"),
    ("(n : Nat) : 0 + n = n", "exact rfl"),
    ("(n : Nat) : n * 1 = n", "rfl"),
    ("(x : Int) : x + 0 = x", "rfl"),
    ("(a b : Nat) : a + b = b + a", "rfl"),
    ("(a b : Nat) : a + b = b + a", "decide"),
    ("(p q : Prop) (hp : p) (hq : q) : p ∧ q", "exact ⟨hq, hp⟩"),
    ("(p q : Prop) (hp : p) : p ∨ q", "right\nexact hp"),
    ("(p q : Prop) (hp : p) : p ∨ q", "exact Or.inr hp"),
    ("(x : Nat) (h : x > 0) : x ≥ 1", "exact h.symm"),
    ("(p : Prop) (hp : p) : p", "exact hq"),
    ("(a b : Nat) (h : a = b) : b = a", "exact h"),
    ("(a b : Nat) (h : a ≤ b) : a < b + 1", "exact h"),
    ("(x : Nat) (h : x = 2) : x + x = 4", "rw [h]\nexact rfl\nrfl"),
    ("(p q : Prop) : p → q → p", "intro hp hq\nexact hq"),
    ("(n : Nat) : n = n", "induction n with\n| zero => rfl"),
    (": True", "exact ⟨1⟩"),
    ("(a b c : Nat) (h1 : a < b) (h2 : b < c) : a < c", "exact Nat.lt_trans h2 h1"),
    ("(x : Nat) : x + 1 > x", "linarith"),  # linarith is Mathlib-only: unknown tactic in core
    ("(x : Nat) : x = x", "use 1"),
    ("(x : Nat) : x = x", "norm_num"),
    # Lean's omega reads only facts about Nat and Int: it cannot use `p` and `¬p`.
    ("(p : Prop) (hp : p) (hn : ¬p) : 1 = 2", "omega"),
    ("(p : Prop) (hp : p) : p ∧ 1 = 1", "omega"),
]


@pytest.mark.parametrize(("statement", "proof"), WRONG_PROOFS)
def test_wrong_proofs_are_rejected(repl, statement, proof):
    body = "\n".join("  " + line for line in proof.split("\n"))
    out = repl.handle({"cmd": f"theorem t {statement} := by\n{body}"})
    assert not accepted(out), out


RIGHT_PROOFS = [
    ("(x : Int) (h : 2 * x = 1) : x = 0 ∨ x = 1 → False ∧ x = x", "omega"),
    ("(a : Nat) (h : a = a + 1) : True → a = 0 ∧ a = 1 ∧ False", "omega"),
    ("(n : Nat) : n + 0 = n", "rfl"),
    ("(n : Nat) : 0 + n = n", "omega"),
    ("(n : Nat) : 0 + n = n", "exact Nat.zero_add n"),
    ("(a b : Nat) : a + b = b + a", "exact Nat.add_comm a b"),
    (": (7 : Int) / 2 = 3", "decide"),
    (": (-7 : Int) % 2 = 1", "decide"),
    (": (10 : Nat) / 0 = 0", "decide"),
    (": 2 ^ 10 = 1024", "rfl"),
    ("(x : Nat) (h : x > 0) : x ≥ 1", "exact h"),
]


@pytest.mark.parametrize(("statement", "proof"), RIGHT_PROOFS)
def test_right_proofs_are_accepted(repl, statement, proof):
    body = "\n".join("  " + line for line in proof.split("\n"))
    out = repl.handle({"cmd": f"theorem t {statement} := by\n{body}"})
    assert accepted(out), out
