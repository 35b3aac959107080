"""Projections chains, core lemmas, postponed arguments, earlier declarations, function types."""

from __future__ import annotations

import pytest

from tests.backends.minilean.conftest import accepted, errors

ACCEPTED = [
    # `h.2.1` lexes as two projections, not as the decimal `2.1`.
    ("(p q r : Prop) (h : p ∧ (q ∧ r)) : (p ∧ q) ∧ r", "⟨⟨h.1, h.2.1⟩, h.2.2⟩"),
    # `show T by tac` as an argument; Nat.mod_lt's implicit divisor comes from it.
    ("(a : Nat) : a % 2 < 2", "Nat.mod_lt a (show 2 > 0 by decide)"),
    ("(x : Nat) : x = 0 ∨ x > 0", "Nat.eq_zero_or_pos x"),
    ("(x : Nat) : 5 < x ∨ 5 ≥ x", "Nat.lt_or_ge 5 x"),
    ("(a k : Nat) : a * (k + 1) = a * k + a", "Nat.mul_succ a k"),
    ("(n : Nat) : n < n + 1", "Nat.lt_succ_self n"),
    ("(n : Nat) : 0 < n + 1", "Nat.succ_pos n"),
    ("(x : Nat) (h : 0 ≠ 0) : 0 < x", "absurd rfl h"),
    ("(n : Nat) (h : n = 3) : n + 1 = 3 + 1", "congrArg (fun t => t + 1) h"),
    ("(f : Nat → Nat) (n : Nat) (h : n = 3) : f n = f 3", "congrArg f h"),
    ("(P : Nat → Prop) (h : ∀ n, P n) : P 5", "h 5"),
]


@pytest.mark.parametrize(("statement", "term"), ACCEPTED)
def test_term_proofs_accepted(repl, statement, term):
    out = repl.handle({"cmd": f"theorem t {statement} := {term}"})
    assert accepted(out), out


TACTIC_ACCEPTED = [
    # Lean's omega knows nothing about the atom `2 ^ n` (not even `0 < 2 ^ n`): the positivity
    # fact must be given (see test_minilean_audit.py for the rejection without it).
    ("(n : Nat) (h : 0 < 2 ^ n) : 2 ^ n < 2 ^ (n + 1)", "rw [Nat.pow_succ]\nomega"),
    (
        "(a b n : Nat) (h : a ≤ b) : a * n ≤ b * n",
        "induction n with\n| zero => simp\n| succ k ih =>\n  rw [Nat.mul_succ, Nat.mul_succ]\n  omega",
    ),
    ("(f : Nat → Nat) (n : Nat) (h : n = 3) : f n = f 3", "rw [h]"),
    ("(f : Nat → Nat) (n : Nat) (h : n = 3) : f n = f 3", "subst h\nrfl"),
    ("(f : Nat → Nat) (a : Nat) (h : f a = 2) : f a + f a = 4", "omega"),
    ("(f : Nat → Nat) (a : Nat) (h : ∀ x, f x = x) : f (f a) = a", "rw [h, h]"),
    (
        "(P : Nat → Prop) (h0 : P 0) (hs : ∀ n, P n → P (n + 1)) : ∀ n, P n",
        "intro n\ninduction n with\n| zero => exact h0\n| succ k ih => exact hs k ih",
    ),
]


@pytest.mark.parametrize(("statement", "proof"), TACTIC_ACCEPTED)
def test_tactic_proofs_accepted(repl, statement, proof):
    body = "\n".join("  " + line for line in proof.split("\n"))
    out = repl.handle({"cmd": f"theorem t {statement} := by\n{body}"})
    assert accepted(out), out


REJECTED = [
    # Uninterpreted functions: nothing is known about different arguments.
    ("(f : Nat → Nat) : f 0 = f 1", "by omega"),
    ("(f : Nat → Nat) : f 0 = f 1", "by simp"),
    ("(f : Nat → Nat) : f 0 = f 1", "by decide"),
    ("(f : Nat → Nat) : f 0 = f 1", "rfl"),
    ("(f : Nat → Nat) (a : Nat) (h : f a = 2) : f a = 3", "by omega"),
    ("(P : Nat → Prop) (h : P 0) : P 1", "h"),
    ("(P : Nat → Prop) (h : ∀ n, P n) : P 5", "h 6"),
    # congrArg with the wrong function or an equation of the wrong sort.
    ("(f g : Nat → Nat) (h : 1 = 2) : f 1 = g 2", "congrArg f h"),
    ("(f : Int → Int) (a b : Nat) (h : a = b) : f 1 = f 1", "congrArg f h"),
    ("(n : Nat) (h : n = 3) : n + 1 = 3 + 2", "congrArg (fun t => t + 1) h"),
    # `absurd` still checks both arguments.
    ("(x : Nat) (h : x ≠ 3) : False", "absurd rfl h"),
    # Core lemmas are stated exactly: `Nat.lt_or_ge 5 x` is not `x < 5 ∨ ...`.
    ("(x : Nat) : x < 5 ∨ x ≥ 5", "Nat.lt_or_ge 5 x"),
    ("(a k : Nat) : a * (k + 1) = a + a * k", "Nat.mul_succ a k"),
    ("(p q r : Prop) (h : p ∧ (q ∧ r)) : q", "h.2.2"),
]


@pytest.mark.parametrize(("statement", "proof"), REJECTED)
def test_false_or_wrong_proofs_rejected(repl, statement, proof):
    out = repl.handle({"cmd": f"theorem t {statement} := {proof}"})
    assert not accepted(out), out


def test_function_types_print_as_lean(start, repl):
    ps = start("(f : Nat → Nat) (P : Nat → Prop) (n : Nat) (h : P (f (n + 1))) : f n = f 3")
    out = repl.handle({"tactic": "skip", "proofState": ps})
    assert out["goals"] == [
        "f : Nat → Nat\nP : Nat → Prop\nn : Nat\nh : P (f (n + 1))\n⊢ f n = f 3"
    ]


def test_omega_treats_applications_as_atoms(repl):
    out = repl.handle({"cmd": "theorem t (f : Nat → Nat) : f 0 = f 1 := by omega"})
    assert errors(out) and errors(out)[0].startswith("omega could not prove the goal")
    assert "f 0" in errors(out)[0] and "f 1" in errors(out)[0]


def test_earlier_theorem_is_usable_and_keeps_its_axioms(repl):
    env0 = repl.handle(
        {"cmd": "theorem swap_t (p q : Prop) : p ∧ q → q ∧ p := fun h => ⟨h.2, h.1⟩"}
    )
    assert accepted(env0), env0
    out = repl.handle(
        {
            "cmd": "theorem use_swap (a b : Prop) (h : a ∧ b) : b ∧ a := swap_t a b h\n"
            "#print axioms use_swap",
            "env": env0["env"],
        }
    )
    assert accepted(out), out
    assert out["messages"][0]["data"] == "'use_swap' does not depend on any axioms"
    # The statement is used exactly: arguments in the wrong order are a type mismatch.
    bad = repl.handle(
        {"cmd": "theorem u (a b : Prop) (h : a ∧ b) : b ∧ a := swap_t b a h", "env": env0["env"]}
    )
    assert not accepted(bad), bad
    # Not visible from a fresh environment.
    fresh = repl.handle({"cmd": "theorem u (a b : Prop) (h : a ∧ b) : b ∧ a := swap_t a b h"})
    assert errors(fresh) == ["Unknown identifier `swap_t`"]


def test_sorried_theorem_makes_users_depend_on_sorry(repl):
    env0 = repl.handle({"cmd": "theorem bad_t (n : Nat) : n = 0 := sorry"})
    out = repl.handle(
        {"cmd": "theorem u (n : Nat) : n = 0 := bad_t n\n#print axioms u", "env": env0["env"]}
    )
    infos = [m["data"] for m in out["messages"] if m["severity"] == "info"]
    assert infos == ["'u' depends on axioms: [sorryAx]"]
    wrong = repl.handle({"cmd": "theorem u (n : Nat) : n = 1 := bad_t n", "env": env0["env"]})
    assert not accepted(wrong), wrong


def test_earlier_theorem_in_tactic_mode(repl):
    env0 = repl.handle({"cmd": "theorem le_t {a b : Nat} (h : a < b) : a ≤ b := Nat.le_of_lt h"})
    out = repl.handle({"cmd": "theorem u (x : Nat) : x ≤ x + 1 := by sorry", "env": env0["env"]})
    ps = out["sorries"][0]["proofState"]
    step = repl.handle({"tactic": "exact le_t (Nat.lt_succ_self x)", "proofState": ps})
    assert step["proofStatus"] == "Completed", step


def test_core_lemma_names_cannot_be_redeclared(repl):
    out = repl.handle({"cmd": "theorem Nat.add_comm (a b : Nat) : a = b := sorry"})
    assert errors(out) == ["'Nat.add_comm' has already been declared"]
