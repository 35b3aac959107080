"""Goals print as Lean 4 prints them (grouping, tags, ✝, binders, negation, precedence)."""

from __future__ import annotations

import pytest


def goal_of(repl, statement: str, header: str | None = None) -> str:
    env = repl.handle({"cmd": header})["env"] if header else None
    req = {"cmd": f"theorem t {statement} := by sorry"}
    if env is not None:
        req["env"] = env
    return repl.handle(req)["sorries"][0]["goal"]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "(p q r : Prop) (h1 : p ∧ q) (h2 : q → r) : p ∧ r",
            "p q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ p ∧ r",
        ),
        ("(x y : Nat) (z : Int) : x = y", "x y : Nat\nz : Int\n⊢ x = y"),
        ("(a b : Nat) (h : ¬a = b) : a ≠ b", "a b : Nat\nh : ¬a = b\n⊢ a ≠ b"),
        ("(p q : Prop) : ¬(p ∧ q) ↔ (p → ¬q)", "p q : Prop\n⊢ ¬(p ∧ q) ↔ p → ¬q"),
        ("(p q r : Prop) : (p ∧ q) ∧ r → p ∧ q ∧ r", "p q r : Prop\n⊢ (p ∧ q) ∧ r → p ∧ q ∧ r"),
        ("(p q r : Prop) : (p → q) → r", "p q r : Prop\n⊢ (p → q) → r"),
        (
            "(a b c : Nat) : a - (b - c) = a - b + c * (a + b)",
            "a b c : Nat\n⊢ a - (b - c) = a - b + c * (a + b)",
        ),
        (": ∀ n : Nat, ∃ m, m > n", "⊢ ∀ (n : Nat), ∃ m, m > n"),
        (
            ": ∀ (a b : Nat) (c : Int), a + b = b + a ∧ c = c",
            "⊢ ∀ (a b : Nat) (c : Int), a + b = b + a ∧ c = c",
        ),
        (": ∃ a b : Nat, a + b = 3", "⊢ ∃ a b, a + b = 3"),
        ("(p : Prop) : (∃ x : Nat, x = 1) ∧ p", "p : Prop\n⊢ (∃ x, x = 1) ∧ p"),
        ("(p : Prop) : p ∧ ∃ x : Nat, x = 1", "p : Prop\n⊢ p ∧ ∃ x, x = 1"),
        ("(x : Int) : -x + 2 ^ 3 ^ 2 = (-x) * 2", "x : Int\n⊢ -x + 2 ^ 3 ^ 2 = -x * 2"),
        ("(x : Nat) : x > 0 → x ≥ 1", "x : Nat\n⊢ x > 0 → x ≥ 1"),
    ],
)
def test_statement_printing(repl, statement, expected):
    assert goal_of(repl, statement) == expected


def test_mathlib_prints_blackboard_nat(repl):
    assert goal_of(repl, "(n : ℕ) (z : ℤ) : n = n", "import Mathlib") == "n : ℕ\nz : ℤ\n⊢ n = n"


def test_nat_notation_is_unknown_without_mathlib(repl):
    out = repl.handle({"cmd": "theorem t (n : ℕ) : n = n := by sorry"})
    assert any("Unknown identifier `ℕ`" in m["data"] for m in out["messages"])


def test_case_tags_and_inaccessible_names(repl, start):
    ps = start("(p q : Prop) (h : p ∨ q) : q ∨ p")
    out = repl.handle({"tactic": "cases h", "proofState": ps})
    assert out["goals"] == [
        "case inl\np q : Prop\nh✝ : p\n⊢ q ∨ p",
        "case inr\np q : Prop\nh✝ : q\n⊢ q ∨ p",
    ]


def test_induction_goals_match_lean(repl, start):
    ps = start("(x : Nat) : x = x")
    out = repl.handle({"tactic": "induction x", "proofState": ps})
    assert out["goals"] == [
        "case zero\n⊢ 0 = 0",
        "case succ\nn✝ : Nat\na✝ : n✝ = n✝\n⊢ n✝ + 1 = n✝ + 1",
    ]
    out = repl.handle(
        {"tactic": "induction x with\n| zero => sorry\n| succ x => sorry", "proofState": ps}
    )
    assert [s["goal"] for s in out["sorries"]] == [
        "case zero\n⊢ 0 = 0",
        "case succ\nx : Nat\na✝ : x = x\n⊢ x + 1 = x + 1",
    ]


def test_shadowed_hypotheses_get_daggers(repl, start):
    ps = start("(p : Prop) : p → p → p")
    once = repl.handle({"tactic": "intro h", "proofState": ps})  # one tactic per request
    out = repl.handle({"tactic": "intro h", "proofState": once["proofState"]})
    assert out["goals"] == ["p : Prop\nh✝ h : p\n⊢ p"]
    out = repl.handle({"tactic": "intros", "proofState": ps})
    assert out["goals"] == ["p : Prop\na✝¹ a✝ : p\n⊢ p"]


def test_iff_constructor_tags(repl, start):
    ps = start("(p q : Prop) : p ↔ q")
    out = repl.handle({"tactic": "constructor", "proofState": ps})
    assert out["goals"] == ["case mp\np q : Prop\n⊢ p → q", "case mpr\np q : Prop\n⊢ q → p"]


def test_by_cases_tags(repl, start):
    ps = start("(x : Int) : x = x")
    out = repl.handle({"tactic": "by_cases h : x < 0", "proofState": ps})
    assert out["goals"] == [
        "case pos\nx : Int\nh : x < 0\n⊢ x = x",
        "case neg\nx : Int\nh : ¬x < 0\n⊢ x = x",
    ]


def test_left_gives_case_h(repl, start):
    ps = start("(p q : Prop) (hp : p) : p ∨ q")
    out = repl.handle({"tactic": "left", "proofState": ps})
    assert out["goals"] == ["case h\np q : Prop\nhp : p\n⊢ p"]
