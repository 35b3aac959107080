"""Tactics and terms one by one (command mode: accepted or not, with Lean's messages)."""

from __future__ import annotations

import pytest

from tests.backends.minilean.conftest import accepted, errors

PROOFS = [
    ("(p q : Prop) (hp : p) (hq : q) : p ∧ q", "⟨hp, hq⟩", True),
    ("(p q : Prop) : p ∧ q → q ∧ p", "fun ⟨hp, hq⟩ => ⟨hq, hp⟩", True),
    ("(p q : Prop) : p ∨ q → q ∨ p", "fun h => h.elim Or.inr Or.inl", True),
    (
        "(p q : Prop) : p ∨ q → q ∨ p",
        "fun h => Or.elim h (fun hp => Or.inr hp) (fun hq => Or.inl hq)",
        True,
    ),
    ("(p q : Prop) (h : p ↔ q) (hq : q) : p", "h.mpr hq", True),
    ("(p q : Prop) (h : p ↔ q) (hq : q) : p", "h.2 hq", True),
    ("(p : Prop) (hp : p) (hn : ¬p) : False", "absurd hp hn", True),
    ("(p : Prop) (h : False) : p", "False.elim h", True),
    ("(x y z : Nat) (h1 : x = y) (h2 : y = z) : x = z", "Eq.trans h1 h2", True),
    ("(x y z : Nat) (h1 : x = y) (h2 : y = z) : x = z", "h1.trans h2", True),
    ("(n : Nat) (h : n = 3) : n + 1 = 3 + 1", "congrArg (fun x => x + 1) h", True),
    ("(a b : Nat) (h : a < b) : a.succ ≤ b", "Nat.succ_le_of_lt h", True),
    ("(n : Nat) : ¬n < n", "Nat.lt_irrefl n", True),
    ("(p : Prop) (hp : p) : p", "by exact hp", True),
    ("(p q : Prop) (hp : p) : q ∨ p", "Or.inr hp", True),
    ("(p q : Prop) (hp : p) : q ∨ p", "Or.inl hp", False),
]


@pytest.mark.parametrize(("statement", "term", "ok"), PROOFS)
def test_term_proofs(repl, statement, term, ok):
    out = repl.handle({"cmd": f"theorem t {statement} := {term}"})
    assert accepted(out) is ok, out


TACTIC_PROOFS = [
    (
        "(p q : Prop) : p ∨ q → q ∨ p",
        "intro h\ncases h with\n| inl hp => exact Or.inr hp\n| inr hq => exact Or.inl hq",
    ),
    ("(p q : Prop) : p ∨ q → q ∨ p", "rintro (hp | hq)\n· right; exact hp\n· left; exact hq"),
    ("(p q r : Prop) : p ∧ q ∧ r → r", "intro ⟨_, _, hr⟩\nexact hr"),
    ("(n : Nat) : 0 + n = n", "induction n with\n| zero => rfl\n| succ k ih => omega"),
    ("(n : Nat) (h : n > 0) : ∃ m, n = m + 1", "exact ⟨n - 1, by omega⟩"),
    ("(n : Nat) (h : n > 0) : ∃ m, n = m + 1", "refine ⟨n - 1, ?_⟩\nomega"),
    (": ∃ n : Nat, n + 3 = 10", "exists 7"),
    ("(a b : Nat) : a + b = b + a", "rw [Nat.add_comm]"),
    ("(a b c : Nat) (h : a = b) (h2 : b = c) : a = c", "rw [h, h2]"),
    ("(a b c : Nat) (h : a = b) (h2 : c = b) : a = c", "rw [← h2] at h\nexact h"),
    ("(a b : Nat) (h : a = b) : b = a", "subst h\nrfl"),
    ("(x : Nat) : x * 1 + 0 = x", "simp"),
    ("(p q : Prop) (hp : p) (hq : q) : p ∧ q", "constructor <;> assumption"),
    ("(p q : Prop) (hp : p) (hq : q) : p ∧ q", "constructor\nall_goals assumption"),
    (
        "(p q : Prop) (hp : p) (hq : q) : p ∧ q",
        "constructor\ncase right => exact hq\ncase left => exact hp",
    ),
    ("(p q : Prop) (hp : p) (hq : q) : p ∧ q", "exact ⟨by assumption, by assumption⟩"),
    ("(p q : Prop) (hp : p) (hq : q) : (p ∧ q) ∧ p", "repeat constructor\nall_goals assumption"),
    ("(p : Prop) : p ∨ ¬p", "by_cases h : p\n· exact Or.inl h\n· exact Or.inr h"),
    (
        "(x : Nat) (h : ∀ y : Nat, y > x → y > 0) : x + 1 > 0",
        "specialize h (x + 1) (by omega)\nexact h",
    ),
    ("(p q : Prop) (h : p ∧ q) : q", "obtain ⟨_, hq⟩ := h\nexact hq"),
    ("(h : 1 = 2) : False", "contradiction"),
    ("(p : Prop) (hp : p) (hn : ¬p) : 1 = 2", "exfalso\nexact hn hp"),
    ("(x y : Nat) (h : x = y) : y = x", "symm\nexact h"),
    ("(x : Nat) (h : x + 2 = 5) : x = 3", "have h2 : x = 5 - 2 := by omega\nsimpa using h2"),
    ("(p q : Prop) (hp : p) : p ∨ q", "first | exact Or.inr hp | exact Or.inl hp"),
    ("(p : Prop) (hp : p) : p", "try omega\nexact hp"),
    ("(p q : Prop) (hq : q) : p → q", "intro _\nshow q\nexact hq"),
    (": (3 : Int) - 5 = -2", "decide"),
    (": (3 : Nat) - 5 = 0", "rfl"),
    ("(a b : Nat) (h : a < b) : a ≤ b", "apply Nat.le_of_lt\nexact h"),
    ("(a b c : Nat) (h1 : a ≤ b) (h2 : b ≤ c) : a ≤ c", "exact Nat.le_trans h1 h2"),
    ("(n : Nat) : n = n", "cases n\n· rfl\n· rfl"),
]


@pytest.mark.parametrize(("statement", "proof"), TACTIC_PROOFS)
def test_tactic_proofs_are_accepted(repl, statement, proof):
    body = "\n".join("  " + line for line in proof.split("\n"))
    out = repl.handle({"cmd": f"theorem t {statement} := by\n{body}"})
    assert accepted(out), out


def test_messages_use_lean_wording(repl):
    out = repl.handle({"cmd": "theorem t (p q : Prop) (hp : p) : q := by\n  exact hp"})
    assert errors(out) == [
        "type mismatch\n  hp\nhas type\n  p : Prop\nbut is expected to have type\n  q : Prop"
    ]
    out = repl.handle({"cmd": "theorem t (x : Nat) : x = x + 1 := by\n  omega"})
    assert errors(out)[0].startswith("omega could not prove the goal")
    out = repl.handle({"cmd": "theorem t (p : Prop) : p := by\n  simp"})
    assert errors(out) == ["simp made no progress"]
    out = repl.handle({"cmd": "theorem t (p : Prop) : p := by\n  exact foo"})
    assert errors(out) == ["Unknown identifier `foo`"]
    out = repl.handle({"cmd": "theorem t : 2 + 2 = 5 := by\n  decide"})
    assert errors(out) == ["tactic 'decide' proved that the proposition\n  2 + 2 = 5\nis false"]


def test_error_recovery_in_bullets(repl):
    out = repl.handle(
        {
            "cmd": "theorem t (p q : Prop) (hp : p) : p ∧ q := by\n  constructor\n  · exact hp\n  · exact hp"
        }
    )
    errs = errors(out)
    assert len(errs) == 1 and errs[0].startswith("type mismatch")
    assert out["messages"][0]["pos"] == {"line": 4, "column": 10}


def test_mathlib_tactics_need_mathlib(repl):
    out = repl.handle({"cmd": "theorem t (x : Nat) (h : x > 1) : x > 0 := by\n  linarith"})
    assert errors(out)
    env = repl.handle({"cmd": "import Mathlib"})["env"]
    out = repl.handle(
        {"cmd": "theorem t (x : ℕ) (h : x > 1) : x > 0 := by\n  linarith", "env": env}
    )
    assert accepted(out), out
    out = repl.handle({"cmd": "theorem t : (2 : ℕ) + 2 = 4 := by\n  norm_num", "env": env})
    assert accepted(out), out
    out = repl.handle({"cmd": "theorem t : ∃ n : ℕ, n + 1 = 3 := by\n  use 2", "env": env})
    assert accepted(out), out


def test_subscript_digits_are_not_numerals(repl):
    # `₂` is a digit to Python's str.isdigit, not to Lean's lexer: `h₂` is a name, a lone `₂`
    # is a parse error (it used to reach int() and come back as an internal error).
    out = repl.handle({"cmd": "theorem t (p : Prop) (h₂ : p) : p := by\n  exact h₂"})
    assert accepted(out), out
    out = repl.handle({"cmd": "theorem t (p : Prop) (h₂ : p) : p := by\n  exact ₂"})
    assert not accepted(out)
    assert any("unexpected character" in e for e in errors(out)), out
