"""MiniLean's ``omega`` on Lean's own ``omega`` tests, and on what Lean's algorithm cannot do.

``PROVED`` and ``NOT_PROVED`` restate, in MiniLean's fragment (no ``∣``, ``min``/``max``, ``if``,
``Fin``, ``natAbs``), the examples of Lean 4's ``tests/lean/run/omega.lean``: each
``example ... := by omega`` must be proved, each ``fail_if_success omega`` must fail. The error
messages are those of its ``#guard_msgs`` blocks, with the constraints sorted by their
coefficients as the v4.33 ``formatErrorMessage`` prints them (``qsort (·.1 < ·.1)``).

``NEEDS_DARK_SHADOW`` are true statements that the omega *test* proves but Lean's ``omega``
does not: it runs Fourier-Motzkin on the real shadow only ("Currently we do not implement either
the dark or grey shadows", ``Lean/Elab/Tactic/Omega.lean``).
"""

from __future__ import annotations

import pytest

from lean_gym.backends.minilean.repl_server import MiniLeanRepl
from tests.backends.minilean.conftest import accepted, errors


def check(repl: MiniLeanRepl, statement: str, proof: str = "omega") -> dict:
    return repl.handle({"cmd": f"theorem t {statement} := by\n  {proof}"})


PROVED = [
    "(_ : (1 : Int) < (0 : Int)) : False",
    "(_ : (0 : Int) < (0 : Int)) : False",
    "{x : Int} (_ : 0 ≤ x) (_ : x ≤ -1) : False",
    "{x : Int} (_ : x % 2 < x - 2 * (x / 2)) : False",
    "{x : Int} (_ : x % 2 > 5) : False",
    "{x : Int} (_ : 2 * (x / 2) > x) : False",
    "{x : Int} (_ : 2 * (x / 2) ≤ x - 2) : False",
    "{x : Nat} : x / 0 = 0",
    "{x : Int} : x / 0 = 0",
    "{x : Int} : x / 2 + x / (-2) = 0",
    "{x : Nat} (_ : x ≠ 0) : 0 < x",
    "(a b c : Nat) (_ : a ≤ c) (_ : b ≤ c) : a < Nat.succ c",
    "(_ : 7 < 3) : False",
    "(_ : 0 < 0) : False",
    "{x : Nat} (_ : x > 7) (_ : x < 3) : False",
    "{x : Nat} (_ : x ≥ 7) (_ : x ≤ 3) : False",
    "{x y : Nat} (_ : x + y > 10) (_ : x < 5) (_ : y < 5) : False",
    "{x y : Int} (_ : x + y > 10) (_ : 2 * x < 11) (_ : y < 5) : False",
    "{x y : Nat} (_ : x + y > 10) (_ : 2 * x < 11) (_ : y < 5) : False",
    "{x y : Int} (_ : 2 * x + 4 * y = 5) : False",
    "{x y : Nat} (_ : 2 * x + 4 * y = 5) : False",
    "{x y : Nat} (_ : 6 * x + 7 * y = 5) : False",
    "{x y : Nat} (_ : x * 6 + y * 7 = 5) : False",
    "{x y : Nat} (_ : 2 * (3 * x) + y * 7 = 5) : False",
    "{x y : Nat} (_ : 2 * x * 3 + y * 7 = 5) : False",
    "{x y : Nat} (_ : 2 * 3 * x + y * 7 = 5) : False",
    "{x : Nat} (_ : x < 0) : False",
    "{x y z : Int} (_ : x + y > z) (_ : x < 0) (_ : y < 0) (_ : z > 0) : False",
    "{x y : Nat} (_ : x - y = 0) (_ : x > y) : False",
    "{x y z : Int} (_ : x - y - z = 0) (_ : x > y + z) : False",
    "{x y z : Nat} (_ : x - y - z = 0) (_ : x > y + z) : False",
    "{a b c d e f : Nat} (_ : a - b - c - d - e - f = 0) (_ : a > b + c + d + e + f) : False",
    "{x y : Nat} (h₁ : x - y ≤ 0) (h₂ : y < x) : False",
    "{x y : Int} (_ : x / 2 - y / 3 < 1) (_ : 3 * x ≥ 2 * y + 6) : False",
    "{x y : Nat} (_ : x / 2 - y / 3 < 1) (_ : 3 * x ≥ 2 * y + 6) : False",
    "{x y : Nat} (_ : x / 2 - y / 3 < 1) (_ : 3 * x ≥ 2 * y + 4) : False",
    "{x y : Nat} (_ : x / 2 - y / 3 < x % 2) (_ : 3 * x ≥ 2 * y + 4) : False",
    "{x : Int} (h₁ : 5 ≤ x) (h₂ : x ≤ 4) : False",
    "{x : Nat} (h₁ : 5 ≤ x) (h₂ : x ≤ 4) : False",
    "{x : Nat} (h₁ : x / 3 ≥ 2) (h₂ : x < 6) : False",
    "{a b c : Nat} (_ : a - (b - c) ≤ 5) (_ : b ≥ c + 3) (_ : a + c ≥ b + 6) : False",
    "{x : Nat} : (x + 4) / 2 ≤ x + 2",
    "(h : (7 : Int) = 0) : False",
    "(h : (7 : Int) ≤ 0) : False",
    "(h : (-7 : Int) + 14 = 0) : False",
    "(h : (-7 : Int) + 14 ≤ 0) : False",
    "(h : (1 : Int) + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 = 0) : False",
    "(h : (7 : Int) - 14 = 0) : False",
    "(h : (14 : Int) - 7 ≤ 0) : False",
    "(h : (1 : Int) - 1 + 1 - 1 + 1 - 1 + 1 - 1 + 1 - 1 + 1 - 1 + 1 - 1 + 1 = 0) : False",
    "(h : -(7 : Int) = 0) : False",
    "(h : -(-7 : Int) ≤ 0) : False",
    "(h : 2 * (7 : Int) = 0) : False",
    "(h : (7 : Int) < 0) : False",
    "{x : Int} (h : x + x + 1 = 0) : False",
    "{x : Int} (h : 2 * x + 1 = 0) : False",
    "{x y : Int} (h : x + x + y + y + 1 = 0) : False",
    "{x y : Int} (h : 2 * x + 2 * y + 1 = 0) : False",
    "{x : Int} (h₁ : 0 ≤ -7 + x) (h₂ : 0 ≤ 3 - x) : False",
    "{x : Int} (h₁ : 0 ≤ -7 + x) (h₂ : 0 < 4 - x) : False",
    "{x : Int} (h₁ : 0 ≤ 2 * x + 1) (h₂ : 2 * x + 1 ≤ 0) : False",
    "{x : Int} (h₁ : 0 < 2 * x + 2) (h₂ : 2 * x + 1 ≤ 0) : False",
    "{x y : Int} (h₁ : 0 ≤ 2 * x + 1) (h₂ : x = y) (h₃ : 2 * y + 1 ≤ 0) : False",
    "{x y z : Int} (h₁ : 0 ≤ 2 * x + 1) (h₂ : x = y) (h₃ : y = z) (h₄ : 2 * z + 1 ≤ 0) : False",
    "{x1 x2 x3 x4 x5 x6 : Int} (h : 0 ≤ 2 * x1 + 1) (h : x1 = x2) (h : x2 = x3) (h : x3 = x4)"
    " (h : x4 = x5) (h : x5 = x6) (h : 2 * x6 + 1 ≤ 0) : False",
    "{x : Int} (_ : 1 ≤ -3 * x) (_ : 1 ≤ 2 * x) : False",
    "{x y : Int} (_ : 2 * x + 3 * y = 0) (_ : 1 ≤ x) (_ : 1 ≤ y) : False",
    "{x y z : Int} (_ : 2 * x + 3 * y = 0) (_ : 3 * y + 4 * z = 0) (_ : 1 ≤ x) (_ : 1 ≤ -z) :"
    " False",
    "{x y z : Int} (_ : 2 * x + 3 * y + 4 * z = 0) (_ : 1 ≤ x + y) (_ : 1 ≤ y + z)"
    " (_ : 1 ≤ x + z) : False",
    "{x y : Int} (_ : 1 ≤ 3 * x) (_ : y ≤ 2) (_ : 6 * x - 2 ≤ y) : False",
    "{x y : Int} (_ : y = x) (_ : 0 ≤ x - 2 * y) (_ : x - 2 * y ≤ 1) (_ : 1 ≤ x) : False",
    "{x y : Int} (_ : y = x) (_ : 0 ≤ x - 2 * y) (_ : x - 2 * y ≤ 1) (_ : x ≥ 1) : False",
    "{x y : Int} (_ : y = x) (_ : 0 ≤ x - 2 * y) (_ : x - 2 * y ≤ 1) (_ : 0 < x) : False",
    "{x y : Int} (_ : y = x) (_ : 0 ≤ x - 2 * y) (_ : x - 2 * y ≤ 1) (_ : x > 0) : False",
    "(x : Nat) : x % 4 - x % 8 = 0",
    "{n : Nat} (_ : n > 0) : (2*n - 1) % 2 = 1",
    "(x : Int) (_ : x > 0 ∧ x < -1) : False",
    "(x : Int) (_ : x > 7) : x < 0 ∨ x > 3",
    "(_ : ∃ n : Nat, n < 0) : False",
    "(a b c d e : Int) (ha : 2 * a + b + c + d + e = 4) (hb : a + 2 * b + c + d + e = 5)"
    " (hc : a + b + 2 * c + d + e = 6) (hd : a + b + c + 2 * d + e = 7)"
    " (he : a + b + c + d + 2 * e = 8) : e = 3",
    "(a b c d e : Int) (ha : 2 * a + b + c + d + e = 4) (hb : a + 2 * b + c + d + e = 5)"
    " (hc : a + b + 2 * c + d + e = 6) (hd : a + b + c + 2 * d + e = 7)"
    " (he : a + b + c + d + 2 * e = 8 ∨ e = 3) : e = 3",
    "{a b : Int} (h : a < b) (w : b < a) : False",
    "(_e b c a v0 v1 : Int) (_h1 : v0 = 5 * a) (_h2 : v1 = 3 * b) (h3 : v0 + v1 + c = 10) :"
    " v0 + 5 + (v1 - 3) + (c - 2) = 10",
    "(h : (1 : Int) < 0) (_ : ¬ (37 : Int) < 42) (_ : True) (_ : (-7 : Int) < 5) : (3 : Int) < 7",
    "(A B : Int) (h : 0 < A * B) : 0 < 8 * (A * B)",
    "(A B : Nat) (h : 7 < A * B) : 0 < A*B/8",
    "(A B : Int) (h : 7 < A * B) : 0 < A*B/8",
    "(ε : Int) (h1 : ε > 0) : ε / 2 + ε / 3 + ε / 7 < ε",
    "(x y z : Int) (h1 : 2*x < 3*y) (h2 : -4*x + z/2 < 0) (h3 : 12*y - z < 0) : False",
    "(ε : Int) (h1 : ε > 0) : ε / 2 < ε",
    "(ε : Int) (_ : ε > 0) : ε - 2 ≤ ε / 3 + ε / 3 + ε / 3",
    "(ε : Int) (_ : ε > 0) : ε / 3 + ε / 3 + ε / 3 ≤ ε",
    "(ε : Int) (_ : ε > 0) : ε - 2 ≤ ε / 3 + ε / 3 + ε / 3 ∧ ε / 3 + ε / 3 + ε / 3 ≤ ε",
    "(x : Int) (h : 0 < x) : 0 < x / 1",
    "(x : Int) (h : 5 < x) : 0 < x/2/3",
    "(_a b _c : Nat) (h2 : b + 2 > 3 + b) : False",
    "(_a b _c : Int) (h2 : b + 2 > 3 + b) : False",
    "(g v V c h : Int) (_ : h = 0) (_ : v = V) (_ : V > 0) (_ : g > 0) (_ : 0 ≤ c) (_ : c < 1) :"
    " v ≤ V",
    "(x y z : Int) (h1 : 2 * x < 3 * y) (h2 : -4 * x + 2 * z < 0) (h3 : 12 * y - 4 * z < 0) :"
    " False",
    "(x y z : Int) (h1 : 2 * x < 3 * y) (h2 : -4 * x + 2 * z < 0) (_h3 : x * y < 5)"
    " (h3 : 12 * y - 4 * z < 0) : False",
    "(a b c : Int) (h1 : a > 0) (h2 : b > 5) (h3 : c < -10) (h4 : a + b - c < 3) : False",
    "(x b y : Int) (h2 : b > 0) (h3 : ¬ b ≥ 0) : False",
    "(x y z : Int) (hx : x ≤ 3 * y) (h2 : y ≤ 2 * z) (h3 : x ≥ 6 * z) : x = 3 * y",
    "(x y z : Int) (h1 : 2 * x < 3 * y) (h2 : -4 * x + 2 * z < 0) (_h3 : x * y < 5) :"
    " ¬ 12 * y - 4 * z < 0",
    "(x y z : Int) (hx : ¬ x > 3 * y) (h2 : ¬ y > 2 * z) (h3 : x ≥ 6 * z) : x = 3 * y",
    "(x y : Int) (h : 6 + ((x + 4) * x + (6 + 3 * y) * y) = 3) (h' : (x + 4) * x ≥ 0)"
    " (h'' : (6 + 3 * y) * y ≥ 0) : False",
    "(a : Int) (ha : 0 ≤ a) : 0 * 0 ≤ 2 * a",
    "(x y : Int) (h : x < y) : x ≠ y",
    "(x y : Int) (h : x < y) : ¬ x = y",
    "(prime : Nat → Prop) (x y z : Int) (h1 : 2 * x + ((-3) * y) < 0) (h2 : (-4) * x + 2*  z < 0)"
    " (h3 : 12 * y + (-4) * z < 0) (_ : prime 7) : False",
    "(i n : Nat) (h : (2 : Int) ^ i ≤ 2 ^ n) : (0 : Int) ≤ 2 ^ n - 2 ^ i",
    "(prime : Nat → Prop) (x b y : Nat) (h2 : b > 0) (h3 : b < 0) : prime 10",
    "(a b c : Nat) (h2 : (2 : Nat) > 3)  : a + b - c ≥ 3",
    "(x y : Int) (h : 6 + ((x + 4) * x + (6 + 3 * y) * y) = 3 ∧ (x + 4) * x ≥ 0"
    " ∧ (6 + 3 * y) * y ≥ 0) : False",
    "(mess : Nat → Nat) (S n : Nat) :"
    " mess S + (n * mess S + n * 2 + 1) < n * mess S + mess S + (n * 2 + 2)",
    "(p n p' n' : Nat) (h : p + n' = p' + n) : n + p' = n' + p",
    "(a b c : Int) (h1 : 32 / a < b) (h2 : b < c) : 32 / a < c",
    ": 0 = 0",
    "(a b : Int) (h : a < 0 ↔ b < 0) (w : b > 3) : a ≥ 0",
    "(a b : Int) (h : a > 7) (w : b > 2) : a > 0 ↔ b > 0",
    "(a : Int) : a > 0 → a > -1",
    "(x y : Int) : x + 1 ≤ y → ¬ y + 1 ≤ x",
    "(x y : Int) (_ : x < y) (_ : ¬ ¬ y < x) : False",
    "{a₁ a₂ p₁ p₂ : Nat} (h₁ : a₁ = a₂ → ¬p₁ = p₂) :"
    " (a₁ < a₂ ∨ a₁ = a₂ ∧ p₁ < p₂) ∨ a₂ < a₁ ∨ a₂ = a₁ ∧ p₂ < p₁",
    "(a b : Nat) (h : a % b + 1 = 0) : False",
    "(x : Nat) : x < 2 →"
    " (0 = 0 → 0 = 0 → 0 = 0 → 0 = 0 → x < 2) ∧ (0 = 0 → 0 = 0 → 0 = 0 → 0 = 0 → x < 2 → x < 3)",
    "(s : Int) (s0 : s < (0 : Int)) : 63 + (s - 2 ^ 63) ≤ 62 - 2 ^ 63",
    "(x y : Nat) (_ : 2 ≤ x) (_ : x ≤ 3) (_ : 2 ≤ y) (_ : y ≤ 3) :"
    " 4 ≤ (x + y) % 8 ∧ (x + y) % 8 ≤ 6",
    "(x y z i : Nat) (hz : z ≤ 1) : x % 2 ^ i + y % 2 ^ i + z < 2 * 2^ i",
    "(x e : Nat) (hx : x < 2^(e+1)) : x < 2^e * 2",
    "(x e : Nat) (hx : x < 2^(e.succ)) : x < 2^e * 2",
    "(x : Int) (e : Nat) (hx : x < (2 : Int)^(e+1)) : x < 2^e * 2",
    ": 2^7 < 165",
    "(x : Nat) (_ : x % 2^7 < 3) : x % 128 < 5",
    "(a : Nat) :"
    " (((a + (2 ^ 64 - 1)) % 2 ^ 64 + 1) * 8 - 1 - (a + (2 ^ 64 - 1)) % 2 ^ 64 * 8 + 1) = 8",
    # coercions from Nat to Int
    "{x : Int} {y : Nat} (_ : 0 < x) (_ : x + y ≤ 0) : False",
    "{x : Nat} : 1 < (1 + ((x + 1 : Nat) : Int) + 2) / 2",
    "{x : Int} {m : Nat} (_ : 0 < m) (_ : ¬x % ↑m < (↑m + 1) / 2) : -↑m / 2 ≤ x % ↑m - ↑m",
    "(n : Nat) (i : Int) (h2n : (2 : Int) ^ n = ↑((2 : Nat) ^ (n : Nat)))"
    " (hlt : i % 2 ^ n < 2 ^ n) :  2 ^ n ≠ 0",
]

NOT_PROVED = [
    ": True",
    "(_ : (0 : Int) < (1 : Int)) : True",
    "{x : Int} (_ : 0 ≤ x) (_ : x ≤ 1) : True",
    "{x y : Int} (_ : 6 * x + 7 * y = 5) : True",
]


@pytest.mark.parametrize("statement", PROVED)
def test_lean_suite_examples_are_proved(repl: MiniLeanRepl, statement: str) -> None:
    out = check(repl, statement)
    assert accepted(out), (statement, errors(out) or out)


@pytest.mark.parametrize("statement", NOT_PROVED)
def test_lean_suite_fail_if_success_examples_fail(repl: MiniLeanRepl, statement: str) -> None:
    out = check(repl, statement)
    assert not accepted(out)
    assert errors(out) and errors(out)[0].startswith("omega could not prove the goal")


GUARD_MSGS = [
    (
        ": 0 < 0",
        "omega could not prove the goal:\nNo usable constraints found. You may need to unfold "
        "definitions so `omega` can see linear arithmetic facts about `Nat` and `Int`, which may "
        "also involve multiplication, division, and modular remainder by constants.",
    ),
    (
        "(x : Nat) : x < 0",
        "omega could not prove the goal:\na possible counterexample may satisfy the constraints\n"
        "  a ≥ 0\nwhere\n a := ↑x",
    ),
    (
        "(x : Nat) (y : Int) : x < y",
        "omega could not prove the goal:\na possible counterexample may satisfy the constraints\n"
        "  a ≥ 0\n  a - b ≥ 0\nwhere\n a := ↑x\n b := y",
    ),
    (
        "(x y : Int) : 5 < x ∧ x < 10 → y > 0",
        "omega could not prove the goal:\na possible counterexample may satisfy the constraints\n"
        "  b ≤ 0\n  6 ≤ a ≤ 9\nwhere\n a := x\n b := y",
    ),
    (
        "(reallyreallyreallyreally longlonglonglong namenamename : Nat) :"
        " reallyreallyreallyreally < longlonglonglong + namenamename",
        "omega could not prove the goal:\na possible counterexample may satisfy the constraints\n"
        "  c ≥ 0\n  b ≥ 0\n  a ≥ 0\n  a - b - c ≥ 0\nwhere\n a := ↑reallyreallyreallyreally\n"
        " b := ↑longlonglonglong\n c := ↑namenamename",
    ),
    (
        # Lean's test has `def a := 1` in scope as well, so its first name is `q`, not `a`.
        "(b c d e f g h i j k l m n o p : Nat) :"
        " b + c + d + e + f + g + h + i + j + k + l + m + n + o + p < 100",
        "omega could not prove the goal:\na possible counterexample may satisfy the constraints\n"
        + "".join(f"  {v} ≥ 0\n" for v in ["d_1", "c_1", "b_1", "a_1", *"zyxwvutsrq", "a"])
        + "  a + q + r + s + t + u + v + w + x + y + z + a_1 + b_1 + c_1 + d_1 ≥ 100\nwhere\n"
        + " a := ↑b\n"
        + "".join(f" {n} := ↑{v}\n" for n, v in zip("qrstuvwxyz", "cdefghijkl", strict=True))
        + " a_1 := ↑m\n b_1 := ↑n\n c_1 := ↑o\n d_1 := ↑p",
    ),
]


@pytest.mark.parametrize(("statement", "message"), GUARD_MSGS)
def test_lean_suite_error_messages(repl: MiniLeanRepl, statement: str, message: str) -> None:
    assert errors(check(repl, statement)) == [message]


# ---------------------------------------------------------------------------------------------
# What Lean's omega does not prove: no dark and grey shadows.

NEEDS_DARK_SHADOW = [
    (
        # The omega test's classic example (Pugh 1991): the real shadow is not empty, there is no
        # integer point.
        "(x y : Int) (h1 : 27 ≤ 11 * x + 13 * y) (h2 : 11 * x + 13 * y ≤ 45)"
        " (h3 : -10 ≤ 7 * x - 9 * y) (h4 : 7 * x - 9 * y ≤ 4) : False",
        "omega could not prove the goal:\na possible counterexample may satisfy the constraints\n"
        "  -10 ≤ 7*a - 9*b ≤ 4\n  27 ≤ 11*a + 13*b ≤ 45\nwhere\n a := x\n b := y",
    ),
]


@pytest.mark.parametrize(("statement", "message"), NEEDS_DARK_SHADOW)
def test_no_dark_shadow(repl: MiniLeanRepl, statement: str, message: str | None) -> None:
    out = check(repl, statement)
    assert not accepted(out)
    if message is not None:
        assert errors(out) == [message]


# ---------------------------------------------------------------------------------------------
# Fourier-Motzkin's choice of variable (`fourierMotzkinSelect`): an elimination with no new
# constraint, else an exact one (unit coefficients in all lower or all upper bounds), else the
# fewest new constraints, ties to the lowest atom index (atoms are numbered in the order Lean's
# `asLinearCombo` meets them). On these true statements the choice decides success.


def test_exact_elimination_is_preferred_to_a_smaller_one(repl: MiniLeanRepl) -> None:
    # y is exact (unit coefficients in its upper bounds) with 4 new constraints, x is not, with 2:
    # Lean eliminates y and refutes; eliminating x first would leave a satisfiable real shadow.
    statement = (
        "(x y : Int) (h1 : 3 * x + 2 * y ≤ 6) (h2 : -14 ≤ x + y) (h3 : -1 ≤ y)"
        " (h4 : 15 ≤ 5 * x - 2 * y) : False"
    )
    assert accepted(check(repl, statement))


def test_fewest_new_constraints_even_when_the_other_order_would_refute(repl: MiniLeanRepl) -> None:
    # Neither variable is exact; y makes 3 new constraints and x 4, so Lean eliminates y, and the
    # real shadow that is left is satisfiable, although eliminating x would refute the problem.
    statement = (
        "(x y : Int) (h1 : 0 ≤ 2 * x + y) (h2 : 2 ≤ 3 * x + y) (h3 : x - 5 * y ≤ -5)"
        " (h4 : 2 * x + 5 * y ≤ 9) : False"
    )
    assert errors(check(repl, statement)) == [
        "omega could not prove the goal:\na possible counterexample may satisfy the constraints\n"
        "  a - 5*b ≤ -5\n  2*a + b ≥ 0\n  2*a + 5*b ≤ 9\n  3*a + b ≥ 2\nwhere\n a := x\n b := y"
    ]


def test_ties_go_to_the_first_atom_so_the_order_of_the_terms_matters(repl: MiniLeanRepl) -> None:
    # x and y tie (inexact, 2 new constraints each). With `x + 6 * y` x is atom 0 and is
    # eliminated: refuted. Written `6 * y + x`, y is atom 0 and is eliminated: not refuted.
    proved = (
        "(x y : Int) (h1 : 2 ≤ x + 6 * y) (h2 : 1 ≤ 3 * x - 2 * y) (h3 : 5 * x + 6 * y ≤ 9) : False"
    )
    assert accepted(check(repl, proved))
    swapped = proved.replace("x + 6 * y)", "6 * y + x)")
    assert errors(check(repl, swapped)) == [
        "omega could not prove the goal:\na possible counterexample may satisfy the constraints\n"
        "  2*a - 3*b ≤ -1\n  6*a + b ≥ 2\n  6*a + 5*b ≤ 9\nwhere\n a := y\n b := x"
    ]
