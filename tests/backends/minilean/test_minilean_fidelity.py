"""Issue 10's fidelity items: each false rejection, over-acceptance and hidden cause is a test.

``ACCEPTED`` holds proofs real Lean 4 accepts that MiniLean refused (the outside audit and the
core-Lean proofs of Batteries, TPiL and the logic game); ``REJECTED`` proofs that real Lean
refuses, which MiniLean must refuse too (soundness first), including neighbours of the new
constructs (divisibility, casts, core functions) that a sloppy model would accept.
"""

from __future__ import annotations

from typing import Any

import pytest

from lean_gym.backends.minilean.repl_server import MiniLeanRepl
from lean_gym.integrity import check_proof_text
from tests.backends.minilean.conftest import accepted, errors

MATHLIB = "import Mathlib\nimport Aesop\nset_option maxHeartbeats 400000\nopen Nat"


def _check(statement: str, proof: str, header: str = "") -> dict:
    repl = MiniLeanRepl()
    request: dict = {"cmd": f"theorem t {statement} := {proof}"}
    if header:
        request["env"] = repl.handle({"cmd": header})["env"]
    return repl.handle(request)


# (statement, proof, header, what real Lean does)
ACCEPTED = [
    # The audit's false rejections.
    ("(f : Nat → Nat) (h : ∀ x, f x = x + 1) : f 2 = 3", "by simp [h]", "", "∀-hyp simp rule"),
    ("(f : Nat → Nat) (h : ∀ x, f x = x + 1) (a : Nat) : f a = a + 1", "by simp [h]", "", ""),
    ("(P : Nat → Prop) (h : ∀ x, P x) : P 3", "by simp [h]", "", "∀-hyp as P x = True"),
    ("(x : Int) : x / 0 = 0", "by simp", "", "Int.ediv_zero"),
    ("(x : Int) : x % 0 = x", "by simp", "", "Int.emod_zero"),
    ("(x : Int) : 0 / x = 0", "by simp", "", "Int.zero_ediv"),
    ("(a b : Nat) (h : a = b) : a + 1 = b + 1", "congrArg (· + 1) h", "", "· function"),
    ("(a b : Nat) (h : a = b) : 2 * a = 2 * b", "by exact congrArg (2 * ·) h", "", ""),
    (": 2 + 2 = 4", "by exact of_decide_eq_true rfl", "", "of_decide_eq_true"),
    ("(p : Prop) : p → p", "λ h => h", "", "λ"),
    ("(p : Prop) : p → p", "fun h ↦ h", "", "↦"),
    # The core-proof mistakes.
    ("(p q : Prop) (hp : p) (hq : q) : p ∧ q", "by\n  constructor\n  repeat assumption", "", ""),
    ("(n m : Nat) (h : n = m) : n.succ = m + 1", "by rw [h]", "", "rfl sees n.succ = n + 1"),
    ("(n : Nat) (h : n = 0) : n + 1 = 0 + 1", "by rw [h]", "", "rfl sees 0 + 1 = 1"),
    ("(P : Nat → Prop) (hs : ∀ n, P (Nat.succ n)) (n : Nat) : P (n + 1)", "by apply hs", "", ""),
    ("(P : Nat → Prop) (hs : ∀ n, P (Nat.succ n)) : P 5", "by apply hs", "", "5 = succ 4"),
    ("(a b : Int) : -a * -b = a * b", "by simp", "", "Int.neg_mul_neg"),
    ("(n : Nat) : n / 0 = 0", "by simp", "", "Nat.div_zero"),
    ("(n m : Nat) : n ≤ m + n", "by simp", "", "Nat.le_add_left"),
    ("(q : Prop) (p : False) : q", "by simp at p", "", "a False hypothesis closes"),
    ("(h : ∃ n : Nat, n < 0) : 1 = 2", "by omega", "", "omega opens ∃"),
    ("(x : Nat) (h : ∃ k, x = 2 * k) : x % 2 = 0", "by omega", "", ""),
    ("(x i : Nat) : x % 2 ^ i < 2 ^ i", "by omega", "", "2 ^ i > 0"),
    ("(p : Prop) (hp : p) : True → p", "by\n  intro hp\n  assumption", "", "shadowed hp✝"),
    ("(p : Prop) (hp : p) : p", "by\n  have hp : True := trivial\n  assumption", "", ""),
    ("(p : Prop) (hp : p) : p ∧ p", "by\n  refine ⟨?a, ?a⟩\n  exact hp", "", "one ?a"),
    ("(a b c : Int) (h : a ≤ b) : a + c ≤ b + c", "Int.add_le_add_right h c", "", ""),
    ("(a b : Int) : a - b = a + -b", "Int.sub_eq_add_neg", "", ""),
    ("(p q : Prop) (h : p → q) (hq : ¬q) : ¬p", "mt h hq", "", ""),
    ("(p : Prop) (h : ¬p) : p ↔ False", "iff_false_intro h", "", ""),
    ("(n : Nat) : n = n", "by exact Eq.refl _", "", "Eq.refl _"),
    # The new constructs, as Lean proves them.
    (": Nat.gcd 180 168 = 12", "by decide", "", "Nat.gcd reduces"),
    (": Nat.gcd 180 168 = 12", "by rfl", "", ""),
    (": Nat.lcm 4 6 = 12", "by decide", "", ""),
    (": 7 ∣ 14", "by decide", "", "Nat.decidable_dvd"),
    (": ¬ 7 ∣ 15", "by decide", "", ""),
    (": (3 : Int) ∣ -9", "by decide", "", "Int.decidableDvd"),
    (": (3 : Int) ∣ 9", "⟨3, rfl⟩", "", "a ∣ b is ∃ c, b = a * c"),
    (": (3 : Nat) ∣ 12", "by exists 4", "", ""),
    ("(n : Nat) (h : 6 ∣ n) : 3 ∣ n", "by omega", "", "omega: k ∣ e by a numeral"),
    ("(n : Nat) (h : n % 3 = 0) : 3 ∣ n", "by omega", "", ""),
    ("(a b : Nat) (h : a.gcd 40 = b + 3) (h2 : b = 1) : a.gcd 40 = 4", "by omega", "", "atom"),
    ("(a b : Nat) (h : a ∣ b) (k : b ∣ 7) : a ∣ 7", "Nat.dvd_trans h k", "", ""),
    (
        "(a b : Nat) (h : a ∣ b) : ∃ c, b = a * c",
        "by\n  obtain ⟨c, hc⟩ := h\n  exact ⟨c, hc⟩",
        "",
        "",
    ),
    (": Int.natAbs (-5) = 5", "by decide", "", ""),
    # omega reads casts natively (its Nat-to-Int translation).
    ("(c b d : ℕ) (h : (c : ℤ) - b = d) : d ≤ c", "by omega", MATHLIB, "↑c - ↑b = ↑d"),
    ("(x : ℕ) : (x : ℤ) ≥ 0", "by omega", MATHLIB, "0 ≤ ↑x"),
    ("(a b : ℕ) (h : b ≤ a) : ((a - b : ℕ) : ℤ) = (a : ℤ) - (b : ℤ)", "by omega", MATHLIB, ""),
    ("(x : ℕ → ℤ) (h : ∀ n ≥ 5, x n = 0) : x 6 = 0", "h 6 (by decide)", MATHLIB, ""),
]


@pytest.mark.parametrize(("statement", "proof", "header", "why"), ACCEPTED)
def test_lean_accepts_and_so_does_minilean(
    statement: str, proof: str, header: str, why: str
) -> None:
    out = _check(statement, proof, header)
    assert accepted(out), (why, errors(out) or out)


REJECTED = [
    # `rewrite` does not try `rfl` afterwards (only `rw` does): `b = b` is left open.
    ("(a b : Nat) (h : a = b) : a = b", "by rewrite [h]", "", "unsolved goals"),
    # Reducible `rfl` does not unfold `Nat.mul`.
    ("(n m : Nat) (h : n = m) : n * 1 = m", "by rw [h]", "", "unsolved goals"),
    # `repeat` of a tactic that never fails exhausts Lean's recursion depth.
    ("(p : Prop) (hp : p) : p", "by\n  repeat skip\n  exact hp", "", "maximum recursion"),
    # Two uses of `?a` are one metavariable: one type.
    ("(p q : Prop) (hp : p) : p ∧ q", "by\n  refine ⟨?a, ?a⟩\n  exact hp", "", "type mismatch"),
    # A ∀-hypothesis rewrites only what it states.
    ("(f : Nat → Nat) (h : ∀ x, f x = x + 1) : f 2 = 4", "by simp [h]", "", "False"),
    # Divisibility and core functions: true-looking falsehoods.
    (": Nat.gcd 4 6 = 3", "by decide", "", "is false"),
    (": Nat.gcd 4 6 = 3", "by rfl", "", ""),
    (": 7 ∣ 15", "by decide", "", "is false"),
    ("(n : Nat) (h : 6 ∣ n) : 4 ∣ n", "by omega", "", "omega could not prove"),
    ("(n : Nat) (h : 2 ∣ n) : 4 ∣ n", "by omega", "", ""),
    (": (3 : Nat) ∣ 10", "⟨3, rfl⟩", "", "type mismatch"),
    ("(a b : Nat) : a ∣ b", "by omega", "", "omega could not prove"),
    # omega treats `Nat.gcd` as an atom: it cannot evaluate it.
    (": Nat.gcd 180 168 = 12", "by omega", "", "omega could not prove"),
    # `↑(a - b)` is not `↑a - ↑b` (Nat subtraction truncates).
    ("(a b : Nat) : ((a - b : Nat) : Int) = (a : Int) - (b : Int)", "by omega", "", "omega"),
    ("(x : ℕ) (h : x = 3) : (x : ℤ) + 1 = 5", "by omega", MATHLIB, "omega could not prove"),
    ("(a b : Nat) : ((a - b : Nat) : Int) = (a : Int) - (b : Int)", "by rfl", "", ""),
    ("(x : Int) : (x.natAbs : Int) = x", "by omega", "", ""),
    ("(x : Int) : x.toNat = x.natAbs", "by rfl", "", ""),
    # `of_decide_eq_true` needs a closed decidable proposition.
    ("(n : Nat) : n = n", "of_decide_eq_true rfl", "", "cannot evaluate"),
    (": 2 + 2 = 5", "of_decide_eq_true rfl", "", "type mismatch"),
    # `↦` is `fun`'s alone: a `cases` alternative takes `=>`.
    (
        "(p q : Prop) (h : p ∨ q) : q ∨ p",
        "by\n  cases h with\n  | inl h ↦ exact Or.inr h\n  | inr h => exact Or.inl h",
        "",
        "expected '=>'",
    ),
    # Binder predicates expand to implications: the bound must be proved.
    ("(x : ℕ → ℤ) (h : ∀ n ≥ 5, x n = 0) : x 4 = 0", "h 4 (by decide)", MATHLIB, "is false"),
]


@pytest.mark.parametrize(("statement", "proof", "header", "why"), REJECTED)
def test_lean_rejects_and_so_does_minilean(
    statement: str, proof: str, header: str, why: str
) -> None:
    out = _check(statement, proof, header)
    assert not accepted(out)
    if why:
        assert any(why in e for e in errors(out)), errors(out)


def test_an_unusable_forall_hypothesis_in_simp_says_why() -> None:
    out = _check("(f : Nat → Nat) (h : ∀ x, x + 0 = f x) : f 2 = 2", "by simp [h]")
    (error,) = errors(out)
    assert error.startswith("MiniLean: simp cannot use the ∀-hypothesis")
    assert "left-hand side is not an application of a local function" in error


def test_a_placeholder_says_it_cannot_be_synthesized() -> None:
    (error,) = errors(_check("(p : Prop) (hp : p) : p", "by exact _"))
    assert error.startswith("don't know how to synthesize placeholder\ncontext:\np : Prop\nhp : p")
    assert "Unknown identifier `_`" not in error


def test_headers_stay_out_of_proofs() -> None:
    """`import`, `set_option` and a dedented `open` in a proof are refused by integrity."""
    for proof in (
        "set_option maxHeartbeats 0 in\n  simp",
        "simp\nimport Mathlib",
        "simp\nopen Nat",
    ):
        assert check_proof_text(proof) is not None, proof


# ---------------------------------------------------------------------------------------------
# The same verdicts from real Lean, where it is configured


@pytest.fixture(scope="module")
def real_lean() -> Any:
    from tests.backends.conformance_cases import Step
    from tests.backends.test_protocol_conformance import open_session

    session = open_session("real_lean")
    envs: dict[str, int | None] = {}

    def ask(statement: str, proof: str, header: str) -> dict:
        if header not in envs:
            answer = session.ask(Step(expect={}), {"cmd": header}) if header else {"env": None}
            ok = answer is not None and not [
                m for m in answer.get("messages", []) if m["severity"] == "error"
            ]
            envs[header] = answer.get("env") if ok else -1
        env = envs[header]
        if env == -1:
            pytest.skip(f"the real-Lean project cannot import {header.splitlines()[0]!r}")
        request: dict = {"cmd": f"theorem t {statement} := {proof}"}
        if env is not None:
            request["env"] = env
        answer = session.ask(Step(expect={}), request)
        assert answer is not None
        return answer

    yield ask
    session.close()


@pytest.mark.real_lean
@pytest.mark.parametrize(
    ("statement", "proof", "header", "lean_accepts"),
    [(s, p, h, True) for s, p, h, _ in ACCEPTED] + [(s, p, h, False) for s, p, h, _ in REJECTED],
)
def test_real_lean_gives_the_same_verdict(
    real_lean: Any, statement: str, proof: str, header: str, lean_accepts: bool
) -> None:
    assert accepted(real_lean(statement, proof, header)) is lean_accepts
