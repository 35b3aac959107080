"""miniF2F on MiniLean: the header as written, the core subset starting and printing as Lean does.

``../shared/data/minif2f/minif2f-valid.jsonl`` records, for each of its 244 problems, the goal
real Lean 4 + Mathlib printed (``goal``): the only real-Lean output on these machines. The
counts below are lower bounds (they may only go up); every problem that starts must print that
goal character for character, and every other one must be refused with the one
"outside MiniLean's fragment" error naming what it met.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lean_gym.backends.minilean.backend import MiniLeanBackend
from lean_gym.backends.minilean.fragment import OUTSIDE_FRAGMENT
from lean_gym.backends.minilean.repl_server import MiniLeanRepl
from lean_gym.data.check import check_theorems, recorded_goals
from lean_gym.data.theorems import MATHLIB_HEADER, load_theorems
from lean_gym.types import Theorem

MINIF2F_VALID = (
    Path(__file__).resolve().parents[3]
    / ".."
    / "shared"
    / "data"
    / "minif2f"
    / "minif2f-valid.jsonl"
)
MINIF2F_HEADER = (
    "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\n"
    "open BigOperators Real Nat Topology Rat\n\n"
)
# Measured on the validation split (issue 10): lower bounds.
MIN_STARTED = 54
MIN_GOAL_EXACT = 54

needs_minif2f = pytest.mark.skipif(
    not MINIF2F_VALID.is_file(), reason=f"the shared miniF2F split is not at {MINIF2F_VALID}"
)


def _start(statement: str, header: str = MINIF2F_HEADER) -> dict[str, Any]:
    repl = MiniLeanRepl()
    env = repl.handle({"cmd": header})
    assert not env.get("messages"), env
    return repl.handle({"cmd": f"theorem t {statement} := by sorry", "env": env["env"]})


def _goal(statement: str, header: str = MINIF2F_HEADER) -> str:
    out = _start(statement, header)
    assert "sorries" in out, out
    return out["sorries"][0]["goal"]


def _error(statement: str, header: str = MINIF2F_HEADER) -> str:
    out = _start(statement, header)
    errors = [m["data"] for m in out.get("messages", []) if m["severity"] == "error"]
    assert errors, out
    return errors[0]


# ---------------------------------------------------------------------------------------------
# Headers


@pytest.mark.parametrize(
    "header",
    [
        MINIF2F_HEADER,
        MATHLIB_HEADER,
        "import Batteries",
        "import Aesop",
        "import Mathlib\nopen Nat",
    ],
)
def test_dataset_headers_are_accepted(header: str) -> None:
    out = MiniLeanRepl().handle({"cmd": header})
    assert not out.get("messages"), out


def test_an_unknown_import_is_still_refused() -> None:
    out = MiniLeanRepl().handle({"cmd": "import Foo"})
    assert "unknown module prefix 'Foo'" in out["messages"][0]["data"]


def test_open_nat_makes_nat_functions_available_unqualified() -> None:
    assert _goal(": gcd 4 6 = 2", "open Nat") == "⊢ Nat.gcd 4 6 = 2"
    assert "Unknown identifier `gcd`" in _error(": gcd 4 6 = 2", "import Batteries")
    # With Mathlib, `gcd` is also Mathlib's root `gcd`: Lean reports an ambiguity.
    assert "ambiguous" in _error(": gcd 4 6 = 2")


def test_open_in_scopes_the_next_command_only() -> None:
    repl = MiniLeanRepl()
    out = repl.handle({"cmd": "open Nat in\ntheorem a : gcd 4 6 = 2 := by decide\n"
                              "theorem b : gcd 4 6 = 2 := by decide"})  # fmt: skip
    errors = [m for m in out["messages"] if m["severity"] == "error"]
    assert len(errors) == 1 and errors[0]["pos"]["line"] == 3


# ---------------------------------------------------------------------------------------------
# The validation split


@needs_minif2f
def test_minif2f_valid_start_and_print_as_lean() -> None:
    theorems = load_theorems(MINIF2F_VALID)
    goals = recorded_goals(MINIF2F_VALID)
    assert len(theorems) == len(goals) == 244
    with MiniLeanBackend() as backend:
        report = check_theorems(backend, theorems, goals=goals)
    assert report.started >= MIN_STARTED
    assert report.goal_exact >= MIN_GOAL_EXACT
    mismatched = [r.name for r in report.results if r.goal_matches is False]
    assert mismatched == [], "started but printed differently from Lean"
    unnamed = {reason for reason in report.reasons if not reason.startswith(OUTSIDE_FRAGMENT)}
    assert unnamed == set(), "refusals without the named-gap error"


# Problems of the core subset that need divisibility, gcd/lcm, coercions, binder predicates.
CORE_SUBSET = [
    "imo_1984_p2",
    "imo_1964_p1_2",
    "imo_1964_p1_1",
    "imo_1990_p3",
    "induction_divisibility_3divnto3m2n",
    "induction_divisibility_9div10tonm1",
    "induction_divisibility_3div2tooddnp1",
    "algebra_xmysqpymzsqpzmxsqeqxyz_xpypzp6dvdx3y3z3",
    "numbertheory_2dvd4expn",
    "mathd_numbertheory_188",
    "mathd_numbertheory_45",
    "mathd_numbertheory_37",
    "mathd_numbertheory_156",
    "mathd_numbertheory_126",
    "aimeII_2001_p3",
    "mathd_numbertheory_301",
    "mathd_algebra_144",
]


@needs_minif2f
@pytest.mark.parametrize("name", CORE_SUBSET)
def test_core_subset_problem_prints_the_recorded_goal(name: str) -> None:
    rows = [json.loads(line) for line in MINIF2F_VALID.read_text(encoding="utf-8").splitlines()]
    row = next(r for r in rows if r["name"] == name)
    theorem = next(t for t in load_theorems([row]))
    with MiniLeanBackend() as backend:
        state = backend.start(theorem)
    assert state.goals[0].pp() == row["goal"]


# ---------------------------------------------------------------------------------------------
# Printing the new constructs as Lean does (goals of the validation split, and neighbours)


@pytest.mark.parametrize(
    ("statement", "goal"),
    [
        ("(a : ℤ) (h : ¬7 ∣ a) : 7 ^ 7 ∣ a ^ 7 - a", "a : ℤ\nh : ¬7 ∣ a\n⊢ 7 ^ 7 ∣ a ^ 7 - a"),
        ("(n : ℕ) : 3 ∣ n ^ 3 + 2 * n", "n : ℕ\n⊢ 3 ∣ n ^ 3 + 2 * n"),
        ("(c b d : ℕ) (h : (c : ℤ) - b = d) : d < 10", "c b d : ℕ\nh : ↑c - ↑b = ↑d\n⊢ d < 10"),
        ("(x : ℕ) (y : ℤ) : x + y = y + x", "x : ℕ\ny : ℤ\n⊢ ↑x + y = y + ↑x"),
        ("(n : ℕ) : ((n : ℤ) + 1) * 2 = 2", "n : ℕ\n⊢ (↑n + 1) * 2 = 2"),
        ("(a b : ℕ) : ((a - b : ℕ) : ℤ) = 0", "a b : ℕ\n⊢ ↑(a - b) = 0"),
        ("(j : ℕ) : 3 * (7 * ↑j + 3) % 7 = 2", "j : ℕ\n⊢ 3 * (7 * j + 3) % 7 = 2"),
        ("(p : ℕ) (n : ℤ) : ↑p ∣ n", "p : ℕ\nn : ℤ\n⊢ ↑p ∣ n"),
        ("(n : ℕ) : Nat.gcd (n + 7) (2 * n + 1) ≤ 13", "n : ℕ\n⊢ (n + 7).gcd (2 * n + 1) ≤ 13"),
        (": Nat.gcd 180 168 = 12", "⊢ Nat.gcd 180 168 = 12"),
        ("(a : ℕ) : a.lcm 40 = Nat.lcm 40 a", "a : ℕ\n⊢ a.lcm 40 = Nat.lcm 40 a"),
        ("(x : ℤ) : x.natAbs = Int.natAbs (-5)", "x : ℤ\n⊢ x.natAbs = (-5).natAbs"),
        ("(x : ℤ) : x.toNat ≤ x.natAbs", "x : ℤ\n⊢ x.toNat ≤ x.natAbs"),
        (
            "(x : ℕ → ℤ) (h : ∀ n ≥ 5, x n = 0) : x 6 = 0",
            "x : ℕ → ℤ\nh : ∀ n ≥ 5, x n = 0\n⊢ x 6 = 0",
        ),
        (": ∃ k > 0, k = 1", "⊢ ∃ k > 0, k = 1"),
        (": ∀ n < 10, n ≤ 9", "⊢ ∀ n < 10, n ≤ 9"),
        (": ∀ x ≠ 0, x > 0", "⊢ ∀ (x : ℕ), x ≠ 0 → x > 0"),
        (": ∃ x, ∃ y > x, y = 1", "⊢ ∃ x, ∃ y > x, y = 1"),
        (": ∃ x > 0, ∃ y, y = x", "⊢ ∃ x > 0, ∃ y, y = x"),
        ("(n : ℕ) : ∃ m, n < m ∧ ∃ p, m * p ≤ m + p", "n : ℕ\n⊢ ∃ m, n < m ∧ ∃ p, m * p ≤ m + p"),
    ],
)
def test_goals_print_as_lean_with_mathlib(statement: str, goal: str) -> None:
    assert _goal(statement) == goal


def test_binder_predicates_are_mathlib_delaborators() -> None:
    """Core Lean has the notation but not the delaborators: it prints the expansion."""
    assert _goal(": ∀ n ≥ 5, n > 4", "") == "⊢ ∀ (n : Nat), n ≥ 5 → n > 4"
    assert _goal(": ∃ k > 0, k = 1", "") == "⊢ ∃ k, k > 0 ∧ k = 1"


def test_untyped_binders_whose_type_nothing_fixes_are_refused() -> None:
    assert _error(": ∃ m p, m * p = p * m") == "failed to infer binder type"
    assert _error(": ∀ x y, x + y = y + x") == "failed to infer binder type"


def test_an_untyped_binder_is_never_coerced() -> None:
    """`∀ n, f n = 0` with `f : ℤ → ℤ`: Lean makes `n : ℤ` (unification), not `f ↑n`."""
    assert _goal("(f : ℤ → ℤ) : ∀ n, f n = 0") == "f : ℤ → ℤ\n⊢ ∀ (n : ℤ), f n = 0"
    assert _goal("(f : ℕ → ℤ) : ∀ n, f n = 0") == "f : ℕ → ℤ\n⊢ ∀ (n : ℕ), f n = 0"


# ---------------------------------------------------------------------------------------------
# Mathlib notions: one named error


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("(x : ℝ) : x = x", "ℝ"),
        ("(n : ℕ) : ∑ k in Finset.range n, k = 0", "∑ (Finset.sum)"),
        ("(n : ℕ) : n ! > 0", "n ! (Nat.factorial)"),
        ("(p : ℕ) (h : Nat.Prime p) : p ≥ 2", "Nat.Prime"),
        ("(a : ℕ) (h : a ≡ 2 [MOD 3]) : a > 0", "≡ [MOD n] (Nat.ModEq)"),
        (": IsLeast { x : ℕ | 0 < x } 1", "{ x | p } (Set)"),
        ("(n : ℕ) (h : Even n) : n ≠ 1", "Even"),
        ("(x : ℤ) : |x| ≥ 0", "|x| (abs)"),
        ("(x : ℤ) : abs x ≥ 0", "abs"),
        ("(n : ℕ) : Real.sqrt n ≥ 0", "Real.sqrt"),
        ("(n : ℕ) : sqrt n ≥ 0", "Real.sqrt"),
        (": ∀ x > 0, Real.sqrt x ≥ 0", "Real.sqrt"),
    ],
)
def test_mathlib_notions_get_the_named_gap_error(statement: str, named: str) -> None:
    assert _error(statement) == f"{OUTSIDE_FRAGMENT}{named}"


def test_without_mathlib_the_names_are_unknown() -> None:
    assert "Unknown identifier `ℕ`" in _error("(n : ℕ) : n = n", "")


@needs_minif2f
def test_the_check_command_reports_the_counts(capsys: pytest.CaptureFixture[str]) -> None:
    from lean_gym.cli import main

    code = main(["data", "check", "--dataset", str(MINIF2F_VALID), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    counts = dict(
        line.split(": ", 1) for line in out.splitlines() if line.startswith(("problems", "started"))
    )
    assert counts["problems"] == "244"
    assert int(counts["started"]) >= MIN_STARTED
    exact = next(line for line in out.splitlines() if line.startswith("printed the recorded goal"))
    assert int(exact.split(": ")[1].split(" of ")[0]) >= MIN_GOAL_EXACT
    assert f"{OUTSIDE_FRAGMENT}ℝ" in out


def test_check_theorems_groups_reasons() -> None:
    theorems = [
        Theorem("ok", "(n : Nat) : n = n"),
        Theorem("bad", "(x : ℝ) : x = x", header="import Mathlib"),
        Theorem("diff", "(n : Nat) : n = n"),
    ]
    goals = {"ok": "n : Nat\n⊢ n = n", "diff": "n : ℕ\n⊢ n = n"}
    with MiniLeanBackend() as backend:
        report = check_theorems(backend, theorems, goals=goals)
    assert (report.total, report.started, report.with_recorded_goal, report.goal_exact) == (
        3,
        2,
        2,
        1,
    )
    assert report.reasons == {f"{OUTSIDE_FRAGMENT}ℝ": 1, "printed differently": 1}
    assert type(report).from_json(report.to_json()) == report
    assert "printed differently: diff" in report.summary()


def test_open_nat_reaches_unprotected_lemmas_only() -> None:
    def verdict(proof: str, header: str) -> list[str]:
        repl = MiniLeanRepl()
        env = repl.handle({"cmd": header})["env"]
        out = repl.handle({"cmd": f"theorem t (n : Nat) : n.succ = n + 1 := {proof}", "env": env})
        return [m["data"] for m in out.get("messages", []) if m["severity"] == "error"]

    assert verdict("succ_eq_add_one n", "open Nat") == []
    assert verdict("rfl", "open Nat") == []
    # `Nat.add_comm` is protected: `open Nat` does not make `add_comm` name it.
    repl = MiniLeanRepl()
    env = repl.handle({"cmd": "open Nat"})["env"]
    out = repl.handle({"cmd": "theorem t (n m : Nat) : n + m = m + n := add_comm n m", "env": env})
    assert "Unknown identifier `add_comm`" in out["messages"][0]["data"]
    # With Mathlib, root lemmas of the same names would make them ambiguous: refused.
    assert verdict("succ_eq_add_one n", "import Mathlib\nopen Nat") != []
