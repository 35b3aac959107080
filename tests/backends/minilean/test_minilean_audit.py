"""Regression tests of the over-acceptance audit: MiniLean must never accept what Lean rejects.

Each rejected proof below was accepted before the audit although real Lean 4 (core, v4.20+)
rejects it; where Lean accepts a neighbouring form, that form is checked to stay accepted.
"""

from __future__ import annotations

import pytest

from lean_gym.backends.minilean.repl_server import MiniLeanRepl
from tests.backends.minilean.conftest import accepted, errors


def _check(statement: str, proof: str, mathlib: bool = False) -> dict:
    repl = MiniLeanRepl()
    request: dict = {"cmd": f"theorem t {statement} := {proof}"}
    if mathlib:
        request["env"] = repl.handle({"cmd": "import Mathlib"})["env"]
    return repl.handle(request)


# (statement, proof, why Lean rejects it)
REJECTED = [
    # rw: kabstract only tries subterms with the pattern's head (`Nat.succ`, not `HAdd.hAdd`).
    ("(k : Nat) : k + 1 = k + 1", "by rw [Nat.succ_eq_add_one]", "no instance of n.succ"),
    # rw closes goals with `rfl`, which needs a relation: `True` stays open.
    ("(p : Prop) (h : p ↔ True) : p", "by rw [h]", "rfl does not close True"),
    # No `@[refl]` lemma for `Nat.le`/`Int.le` in core.
    ("(a : Nat) : a ≤ a", "by rfl", "Nat.le_refl is not @[refl] in core"),
    ("(a : Int) : a ≥ a", "by rfl", "Int.le_refl is not @[refl] in core"),
    # Namespaced lemmas take their own structure only.
    ("(p q : Prop) (h : p ∧ q) : q ∧ p", "Eq.symm h", "Eq.symm needs an equation"),
    ("(p q : Prop) (h : p ∧ q) : q ∧ p", "Iff.symm h", "Iff.symm needs an iff"),
    ("(a b : Nat) (h : a = b) : b = a", "Ne.symm h", "Ne.symm needs a disequality"),
    ("(a b : Nat) (h : a ≠ b) : b ≠ a", "Eq.symm h", "Eq.symm needs an equation"),
    ("(a b c : Nat) (h : a = b) (k : b = c) : a = c", "Iff.trans h k", "Iff.trans needs iffs"),
    ("(p q : Prop) (h : p ∧ q) : p", "And.elim h (fun a _ => a)", "And.elim takes f first"),
    # `Ne.elim h e : False`, unlike `Not.elim`.
    ("(a b : Nat) (h : a ≠ b) (e : a = b) : 1 = 2", "h.elim e", "Ne.elim proves False"),
    # `Eq.le` is Mathlib's.
    ("(a b : Nat) (h : a = b) : a ≤ b", "h.le", "Eq.le is not in core"),
    # Core binders: `Nat.add_sub_cancel (n m : Nat)`, `Nat.pow_succ (n m : Nat)` are explicit.
    ("(a b : Nat) : a + b - b = a", "Nat.add_sub_cancel", "explicit arguments"),
    ("(a b : Nat) : a + b - a = b", "Nat.add_sub_cancel_left", "explicit arguments"),
    ("(b n : Nat) : b ^ (n + 1) = b ^ n * b", "Nat.pow_succ", "explicit arguments"),
    # Root `em`/`not_not` come from Mathlib.
    ("(p : Prop) : p ∨ ¬p", "em p", "em is Mathlib's"),
    # Untyped binders whose type no unification fixes.
    (": ∀ x, x = x", "fun x => rfl", "failed to infer binder type"),
    (": ∀ x, True", "fun _ => trivial", "failed to infer binder type"),
    # omega's atoms: `↑x / ↑y` and `↑2 ^ n` carry no facts in Lean's omega.
    ("(x y : Nat) : x / y ≥ 0", "by omega", "no fact about ↑x / ↑y"),
    ("(n : Nat) : 2 ^ n > 0", "by omega", "no fact about 2 ^ n"),
    ("(n : Nat) : 2 ^ n < 2 ^ (n + 1)", "by\n  rw [Nat.pow_succ]\n  omega", "no fact about 2 ^ n"),
    ("(x : Int) : x % (-2) = 0 ∨ x % (-2) = 1", "by omega", "x % -2 is an atom"),
    # whnf does not evaluate powers beyond `exponentiation.threshold` (256).
    (": 2 ^ 300 % 7 = 1", "by decide", "exponent above the threshold"),
    (": 2 ^ 300 % 7 = 1", "rfl", "exponent above the threshold"),
]

ACCEPTED = [
    ("(k m : Nat) : (k + 1) * m = k * m + m", "by rw [Nat.succ_mul]"),
    ("(p : Prop) (h : p ↔ True) : p", "by\n  rw [h]\n  trivial"),
    ("(a : Nat) : a ≤ a", "Nat.le_refl a"),
    ("(a b : Nat) (h : a = b) : b = a", "Eq.symm h"),
    ("(a b : Nat) (h : a ≠ b) : b ≠ a", "Ne.symm h"),
    ("(a b : Nat) (h : ¬a = b) : b ≠ a", "Ne.symm h"),
    ("(p q : Prop) (h : p ∧ q) : q ∧ p", "h.symm"),
    ("(p q : Prop) (h : p ∧ q) : p", "And.elim (fun a _ => a) h"),
    ("(p q : Prop) (h : p ∧ q) : p", "h.elim (fun a _ => a)"),
    ("(a b : Nat) (h : a ≠ b) (e : a = b) : False", "h.elim e"),
    ("(p : Prop) (h : ¬p) (e : p) : 1 = 2", "h.elim e"),
    ("(a b : Nat) (h : a = b) : a ≤ b", "Nat.le_of_eq h"),
    ("(a b : Nat) : a + b - b = a", "Nat.add_sub_cancel a b"),
    ("(b n : Nat) : b ^ (n + 1) = b ^ n * b", "Nat.pow_succ b n"),
    ("(b n : Nat) : b ^ (n + 1) = b ^ n * b", "by rw [Nat.pow_succ]"),
    ("(p : Prop) : p ∨ ¬p", "Classical.em p"),
    (": ∀ x, x + 0 = x", "fun x => rfl"),
    ("(n : Nat) : ∀ x, x + n = n + x", "fun x => Nat.add_comm x n"),
    ("(x y : Nat) : x % y ≥ 0", "by omega"),
    ("(n : Nat) : n ^ 2 ≥ 0", "by omega"),
    ("(x : Nat) : x / 2 ≤ x", "by omega"),
    ("(x : Int) : x % 2 = 0 ∨ x % 2 = 1", "by omega"),
    (": 2 ^ 10 % 7 = 2", "by decide"),
    (": 2 ^ 10 % 7 = 2", "rfl"),
]

MATHLIB_ACCEPTED = [
    ("(a : ℕ) : a ≤ a", "by rfl"),
    ("(p : Prop) : p ∨ ¬p", "em p"),
    ("(a b : ℕ) (h : a = b) : a ≤ b", "h.le"),
]


@pytest.mark.parametrize(("statement", "proof", "why"), REJECTED)
def test_lean_rejects(statement: str, proof: str, why: str) -> None:
    out = _check(statement, proof)
    assert not accepted(out), why
    assert errors(out), out
    assert not any("unexpected token" in e for e in errors(out)), errors(out)


@pytest.mark.parametrize(("statement", "proof"), ACCEPTED)
def test_lean_accepts(statement: str, proof: str) -> None:
    out = _check(statement, proof)
    assert accepted(out), errors(out)


@pytest.mark.parametrize(("statement", "proof"), MATHLIB_ACCEPTED)
def test_mathlib_accepts(statement: str, proof: str) -> None:
    out = _check(statement, proof, mathlib=True)
    assert accepted(out), errors(out)


def test_unify_does_not_capture_bound_variables() -> None:
    # `?n := k` would capture the binder: the premise `k ≤ 0` would escape its scope.
    out = _check("(m : Nat) : ∀ k : Nat, k + k ≤ k + 0", "by\n  apply Nat.add_le_add_left\n  omega")
    assert not accepted(out)
