"""Lean REPL conformance cases, as data: requests and the answers real Lean gives.

Each case is one REPL session. Most cases restate, in our own encoding, a test of the
leanprover-community/repl suite (``test/NAME.in`` with ``test/NAME.expected.out``, REPL built for
Lean v4.33); the comment on each names its source. Cases from that suite outside MiniLean's
fragment are left out (Mathlib, pickling, file mode, infotrees, ``#check``/``#print``,
``set_option``, ``exact?``, kernel and termination errors); the others come from the
examples of ``shared/DESIGN.md`` section 4 and ``shared/REPL-PROTOCOL.md``, with answers written
the way the REPL's own tests show Lean answering.

Ids are symbolic: in an expected answer, a string ``"$env0"`` or ``"$ps3"`` binds that name to the
id the target actually returned (and must agree with any earlier binding); in a request, the same
string is replaced by the bound id. Distinct names must be bound to distinct ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AnyOf",
    "StartsWith",
    "Step",
    "ConformanceCase",
    "CASES",
    "SORRY_WARNING",
]


@dataclass(frozen=True)
class AnyOf:
    """Matches a string equal to one of ``options`` (wording that differs between Lean versions)."""

    options: tuple[str, ...]

    def matches(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.options


@dataclass(frozen=True)
class StartsWith:
    """Matches a string with this prefix (for messages whose tail lists solver internals)."""

    prefix: str

    def matches(self, value: Any) -> bool:
        return isinstance(value, str) and value.startswith(self.prefix)


@dataclass(frozen=True)
class Step:
    """One request and the answer expected for it.

    Attributes:
        request: The JSON request (with symbolic ids), or None when ``raw`` is given.
        raw: Text sent to a server process as is, followed by a blank line (framing cases).
        expect: The expected answer, with symbolic ids and matchers.
        ends_session: True if real Lean may end the process instead of answering (its answer is
            then read from the ``uncaught exception: {...}`` line on stderr).
    """

    expect: dict[str, Any]
    request: dict[str, Any] | None = None
    raw: str | None = None
    ends_session: bool = False


@dataclass(frozen=True)
class ConformanceCase:
    """One REPL session.

    Attributes:
        name: The case id.
        source: Where the expected answers come from.
        steps: The requests in order.
        process_only: The case needs the text framing (it cannot be written as a Python dict).
        protocol_only: The case is about the REPL's own protocol, which lean_gym's backends
            answer differently on purpose (a backend runs a multi-tactic action as its tactics
            in turn); the backend suite leaves it out.
        minilean_divergence: Why MiniLean deliberately answers differently from the recorded
            real answer (a REPL defect MiniLean does not copy), or None. Such a case still runs
            on every target; on MiniLean's it is a strict expected failure, so it turns red the
            day the answers agree.
    """

    name: str
    source: str
    steps: tuple[Step, ...]
    process_only: bool = False
    minilean_divergence: str | None = None
    protocol_only: bool = False


SORRY_WARNING = AnyOf(("declaration uses `sorry`", "declaration uses 'sorry'"))


def _pos(line: int, column: int) -> dict[str, int]:
    return {"line": line, "column": column}


def sorry_warning(line: int, column: int, end_column: int) -> dict[str, Any]:
    """The warning Lean gives on a declaration's name (or ``example``) when it uses sorry."""
    return {
        "severity": "warning",
        "pos": _pos(line, column),
        "endPos": _pos(line, end_column),
        "data": SORRY_WARNING,
    }


def sorry_entry(ps: str, goal: str, line: int, col: int, end_col: int) -> dict[str, Any]:
    return {"proofState": ps, "pos": _pos(line, col), "goal": goal, "endPos": _pos(line, end_col)}


def step_answer(ps: str, goals: list[str], status: str, **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {"proofStatus": status, "proofState": ps, "goals": goals}
    answer.update(extra)
    return answer


OPEN = "Incomplete: open goals remain"
DONE = "Completed"
HAS_SORRY = "Incomplete: contains sorry"


def _unknown_identifier(name: str) -> AnyOf:
    return AnyOf((f"Unknown identifier `{name}`", f"unknown identifier '{name}'"))


CASES: tuple[ConformanceCase, ...] = (
    # --- from the leanprover-community/repl test suite ---------------------------------------
    # repl test/assumption_proof.in
    ConformanceCase(
        "assumption_proof",
        "repl test/assumption_proof",
        (
            Step(
                request={"cmd": "theorem aa (x : Nat) (h1 : x  = 2) : x = 2 := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "x : Nat\nh1 : x = 2\n⊢ x = 2", 1, 49, 54)],
                    "messages": [sorry_warning(1, 8, 10)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "assumption", "proofState": "$ps0"},
                expect=step_answer("$ps1", [], DONE),
            ),
        ),
    ),
    # repl test/by_cases.in
    ConformanceCase(
        "by_cases",
        "repl test/by_cases",
        (
            Step(
                request={"cmd": "theorem foo (x : Int) : x = x := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "x : Int\n⊢ x = x", 1, 36, 41)],
                    "messages": [sorry_warning(1, 8, 11)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"proofState": "$ps0", "tactic": "by_cases h : x < 0"},
                expect=step_answer(
                    "$ps1",
                    [
                        "case pos\nx : Int\nh : x < 0\n⊢ x = x",
                        "case neg\nx : Int\nh : ¬x < 0\n⊢ x = x",
                    ],
                    OPEN,
                ),
            ),
            Step(
                request={"proofState": "$ps1", "tactic": "case pos => rfl"},
                expect=step_answer("$ps2", ["case neg\nx : Int\nh : ¬x < 0\n⊢ x = x"], OPEN),
            ),
            Step(
                request={"proofState": "$ps1", "tactic": "all_goals sorry"},
                expect={
                    "sorries": [
                        {"proofState": "$ps3", "goal": "case pos\nx : Int\nh : x < 0\n⊢ x = x"},
                        {"proofState": "$ps4", "goal": "case neg\nx : Int\nh : ¬x < 0\n⊢ x = x"},
                    ],
                    "proofStatus": HAS_SORRY,
                    "proofState": "$ps5",
                    "goals": [],
                },
            ),
        ),
    ),
    # repl test/dup_sorries.in
    ConformanceCase(
        "dup_sorries",
        "repl test/dup_sorries",
        (
            Step(
                request={"cmd": "theorem thm1 : 1 = 1 := sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "⊢ 1 = 1", 1, 24, 29)],
                    "messages": [sorry_warning(1, 8, 12)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"cmd": "theorem thm2 : 2 = 2 := sorry", "env": "$env0"},
                expect={
                    "sorries": [sorry_entry("$ps1", "⊢ 2 = 2", 1, 24, 29)],
                    "messages": [sorry_warning(1, 8, 12)],
                    "env": "$env1",
                },
            ),
        ),
    ),
    # repl test/have_by_sorry.in
    ConformanceCase(
        "have_by_sorry",
        "repl test/have_by_sorry",
        (
            Step(
                request={
                    "cmd": "theorem foo (x : Int) : x = x := by\n  have h : x = 1 := by sorry"
                },
                expect={
                    "sorries": [sorry_entry("$ps0", "x : Int\n⊢ x = 1", 2, 23, 28)],
                    "messages": [
                        {
                            "severity": "error",
                            "pos": _pos(1, 33),
                            "endPos": _pos(2, 28),
                            "data": "unsolved goals\nx : Int\nh : x = 1\n⊢ x = x",
                        }
                    ],
                    "env": "$env0",
                },
            ),
            Step(
                request={"cmd": "theorem foo (x : Int) : x = x := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps1", "x : Int\n⊢ x = x", 1, 36, 41)],
                    "messages": [sorry_warning(1, 8, 11)],
                    "env": "$env1",
                },
            ),
            Step(
                request={"proofState": "$ps1", "tactic": "have h : x = 1 := by sorry"},
                expect={
                    "sorries": [{"proofState": "$ps2", "goal": "x : Int\n⊢ x = 1"}],
                    "proofStatus": OPEN,
                    "proofState": "$ps3",
                    "goals": ["x : Int\nh : x = 1\n⊢ x = 1"],
                },
            ),
        ),
        minilean_divergence=(
            "the REPL (Lean v4.33) prints the main goal after `have h : x = 1 := by sorry` as "
            "`⊢ x = 1`, but the goal left is `⊢ x = x` (the command form of the same proof, step "
            "0 here, reports `⊢ x = x` in its unsolved-goals error). MiniLean reports the goal "
            "later tactics really face; see test_have_by_sorry_keeps_the_true_goal."
        ),
    ),
    # repl test/invalid_tactic.in
    ConformanceCase(
        "invalid_tactic",
        "repl test/invalid_tactic",
        (
            Step(
                request={"cmd": "theorem my_theorem (x : Nat) : x = x := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "x : Nat\n⊢ x = x", 1, 43, 48)],
                    "messages": [sorry_warning(1, 8, 18)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "exact my_fake_premise", "proofState": "$ps0"},
                expect={
                    "proofStatus": HAS_SORRY,
                    "proofState": "$ps1",
                    "messages": [
                        {
                            "severity": "error",
                            "pos": _pos(0, 0),
                            "endPos": _pos(0, 0),
                            "data": _unknown_identifier("my_fake_premise"),
                        }
                    ],
                    "goals": [],
                },
            ),
        ),
    ),
    # repl test/proof_branching.in
    ConformanceCase(
        "proof_branching",
        "repl test/proof_branching",
        (
            Step(
                request={
                    "cmd": "theorem complex_and (p q r : Prop) (h1 : p ∧ q) (h2 : q → r) : p ∧ r "
                    ":= by sorry"
                },
                expect={
                    "sorries": [
                        sorry_entry(
                            "$ps0", "p q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ p ∧ r", 1, 75, 80
                        )
                    ],
                    "messages": [sorry_warning(1, 8, 19)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "apply And.intro", "proofState": "$ps0"},
                expect=step_answer(
                    "$ps1",
                    [
                        "case left\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ p",
                        "case right\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ r",
                    ],
                    OPEN,
                ),
            ),
            Step(
                request={"tactic": "exact h1.left", "proofState": "$ps1"},
                expect=step_answer(
                    "$ps2", ["case right\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ r"], OPEN
                ),
            ),
            Step(
                request={"tactic": "apply h2", "proofState": "$ps2"},
                expect=step_answer(
                    "$ps3", ["case right\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ q"], OPEN
                ),
            ),
            Step(
                request={"tactic": "exact h1.right", "proofState": "$ps3"},
                expect=step_answer("$ps4", [], DONE),
            ),
        ),
    ),
    # repl test/proof_branching2.in
    ConformanceCase(
        "proof_branching2",
        "repl test/proof_branching2",
        (
            Step(
                request={"cmd": "example (p q : Prop) : p ∧ q → q ∧ p := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "p q : Prop\n⊢ p ∧ q → q ∧ p", 1, 43, 48)],
                    "messages": [sorry_warning(1, 0, 7)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "intro h", "proofState": "$ps0"},
                expect=step_answer("$ps1", ["p q : Prop\nh : p ∧ q\n⊢ q ∧ p"], OPEN),
            ),
            Step(
                request={"tactic": "have hp : p := h.left", "proofState": "$ps1"},
                expect=step_answer("$ps2", ["p q : Prop\nh : p ∧ q\nhp : p\n⊢ q ∧ p"], OPEN),
            ),
            Step(
                request={"tactic": "have hq : q := h.right", "proofState": "$ps2"},
                expect=step_answer(
                    "$ps3", ["p q : Prop\nh : p ∧ q\nhp : p\nhq : q\n⊢ q ∧ p"], OPEN
                ),
            ),
            Step(
                request={"tactic": "apply And.intro", "proofState": "$ps3"},
                expect=step_answer(
                    "$ps4",
                    [
                        "case left\np q : Prop\nh : p ∧ q\nhp : p\nhq : q\n⊢ q",
                        "case right\np q : Prop\nh : p ∧ q\nhp : p\nhq : q\n⊢ p",
                    ],
                    OPEN,
                ),
            ),
            Step(
                request={"tactic": "exact hq", "proofState": "$ps4"},
                expect=step_answer(
                    "$ps5", ["case right\np q : Prop\nh : p ∧ q\nhp : p\nhq : q\n⊢ p"], OPEN
                ),
            ),
            Step(
                request={"tactic": "exact hp", "proofState": "$ps5"},
                expect=step_answer("$ps6", [], DONE),
            ),
        ),
    ),
    # repl test/proof_transitivity.in
    ConformanceCase(
        "proof_transitivity",
        "repl test/proof_transitivity",
        (
            Step(
                request={
                    "cmd": "example (x y z : Nat) (h1 : x = y) (h2 : y = z) : x = z := by sorry"
                },
                expect={
                    "sorries": [
                        sorry_entry(
                            "$ps0", "x y z : Nat\nh1 : x = y\nh2 : y = z\n⊢ x = z", 1, 62, 67
                        )
                    ],
                    "messages": [sorry_warning(1, 0, 7)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "exact Eq.trans h1 h2", "proofState": "$ps0"},
                expect=step_answer("$ps1", [], DONE),
            ),
            Step(
                request={
                    "cmd": "example (f : Nat → Nat) (n : Nat) (h : n = 3) : f n = f 3 := by sorry"
                },
                expect={
                    "sorries": [
                        sorry_entry(
                            "$ps2", "f : Nat → Nat\nn : Nat\nh : n = 3\n⊢ f n = f 3", 1, 64, 69
                        )
                    ],
                    "messages": [sorry_warning(1, 0, 7)],
                    "env": "$env1",
                },
            ),
            Step(
                request={"tactic": "exact congrArg f h", "proofState": "$ps2"},
                expect=step_answer("$ps3", [], DONE),
            ),
        ),
    ),
    # repl test/sorry_hypotheses.in
    ConformanceCase(
        "sorry_hypotheses",
        "repl test/sorry_hypotheses",
        (
            Step(
                request={"cmd": "theorem foo (x : Int) : x = x := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "x : Int\n⊢ x = x", 1, 36, 41)],
                    "messages": [sorry_warning(1, 8, 11)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"proofState": "$ps0", "tactic": "have h : x = 1 := sorry"},
                expect={
                    "sorries": [{"proofState": "$ps1", "goal": "x : Int\n⊢ x = 1"}],
                    "proofStatus": OPEN,
                    "proofState": "$ps2",
                    "goals": ["x : Int\nh : x = 1\n⊢ x = x"],
                },
            ),
        ),
    ),
    # repl test/no_goal_sorry_2.in
    ConformanceCase(
        "no_goal_sorry_2",
        "repl test/no_goal_sorry_2",
        (
            Step(
                request={"cmd": "example : True := by\n  sorry\n  sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "⊢ True", 2, 2, 7)],
                    "messages": [
                        {
                            "severity": "error",
                            "pos": _pos(3, 2),
                            "endPos": _pos(3, 7),
                            "data": "No goals to be solved",
                        }
                    ],
                    "env": "$env0",
                },
            ),
        ),
    ),
    # repl test/all_tactics-20250622.in
    ConformanceCase(
        "all_tactics_exact",
        "repl test/all_tactics-20250622",
        (
            Step(
                request={
                    "cmd": "example (P : Prop) (hp : P) : P := by\n  exact hp\n",
                    "allTactics": True,
                },
                expect={
                    "tactics": [
                        {
                            "usedConstants": [],
                            "tactic": "exact hp",
                            "proofState": "$ps0",
                            "pos": _pos(2, 2),
                            "goals": "P : Prop\nhp : P\n⊢ P",
                            "endPos": _pos(2, 10),
                        }
                    ],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "exact hp", "proofState": "$ps0"},
                expect=step_answer("$ps1", [], DONE),
            ),
        ),
    ),
    # repl test/tactic_sorry.in (a `def` of a Nat, the REPL's own smallest example)
    ConformanceCase(
        "tactic_sorry",
        "repl test/tactic_sorry",
        (
            Step(
                request={"cmd": "def f : Nat := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "⊢ Nat", 1, 18, 23)],
                    "messages": [sorry_warning(1, 4, 5)],
                    "env": "$env0",
                },
            ),
        ),
    ),
    # repl test/term_sorry.in
    ConformanceCase(
        "term_sorry",
        "repl test/term_sorry",
        (
            Step(
                request={"cmd": "def f : Nat := sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "⊢ Nat", 1, 15, 20)],
                    "messages": [sorry_warning(1, 4, 5)],
                    "env": "$env0",
                },
            ),
        ),
    ),
    # repl test/tactic_mode_sorry.in
    ConformanceCase(
        "tactic_mode_sorry",
        "repl test/tactic_mode_sorry",
        (
            Step(
                request={"cmd": "def f : Nat := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "⊢ Nat", 1, 18, 23)],
                    "messages": [sorry_warning(1, 4, 5)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"proofState": "$ps0", "tactic": "sorry"},
                expect={
                    "sorries": [{"proofState": "$ps1", "goal": "⊢ Nat"}],
                    "proofStatus": HAS_SORRY,
                    "proofState": "$ps2",
                    "goals": [],
                },
            ),
        ),
    ),
    # repl test/unfinished_tactic_block.in
    ConformanceCase(
        "unfinished_tactic_block",
        "repl test/unfinished_tactic_block",
        (
            Step(
                request={"cmd": "def f : Nat := by"},
                expect={
                    "messages": [
                        {
                            "severity": "error",
                            "pos": _pos(1, 15),
                            "endPos": _pos(1, 17),
                            "data": "unsolved goals\n⊢ Nat",
                        }
                    ],
                    "env": "$env0",
                },
            ),
        ),
    ),
    # repl test/unknown_environment.in
    ConformanceCase(
        "unknown_environment",
        "repl test/unknown_environment",
        (
            Step(
                request={"cmd": "def f : Nat := by sorry", "env": 5},
                expect={"message": "Unknown environment."},
            ),
        ),
    ),
    # repl test/unknown_proof_state.in
    ConformanceCase(
        "unknown_proof_state",
        "repl test/unknown_proof_state",
        (
            Step(
                request={"cmd": "def f : Nat := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "⊢ Nat", 1, 18, 23)],
                    "messages": [sorry_warning(1, 4, 5)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "exact 42", "proofState": 1},
                expect={"message": "Unknown proof state."},
            ),
        ),
    ),
    # repl test/unknown_tactic.in
    ConformanceCase(
        "unknown_tactic",
        "repl test/unknown_tactic",
        (
            Step(
                request={"cmd": "def f : Nat := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "⊢ Nat", 1, 18, 23)],
                    "messages": [sorry_warning(1, 4, 5)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "exat 42", "proofState": "$ps0"},
                expect={"message": "Lean error:\n<input>:1:1: unknown tactic"},
            ),
        ),
    ),
    # repl test/invalid_line_break.in: a raw line break inside a JSON string. The REPL reads a
    # request line by line and joins the lines without the break, so Lean sees `bysorry`.
    ConformanceCase(
        "invalid_line_break",
        "repl test/invalid_line_break",
        (
            Step(
                raw='{"cmd": "theorem foo : 1 = 1 := by\nsorry"}',
                expect={
                    "messages": [
                        {
                            "severity": "error",
                            "pos": _pos(1, 23),
                            "endPos": _pos(1, 30),
                            "data": _unknown_identifier("bysorry"),
                        }
                    ],
                    "env": "$env0",
                },
            ),
            Step(
                raw='{"cmd": "theorem bar : 1 = 1 := by\nrfl"}',
                expect={
                    "messages": [
                        {
                            "severity": "error",
                            "pos": _pos(1, 23),
                            "endPos": _pos(1, 28),
                            "data": _unknown_identifier("byrfl"),
                        }
                    ],
                    "env": "$env1",
                },
            ),
        ),
    ),
    # repl test/line_breaks.in: escaped `\n` plus a raw break (which the framing drops).
    ConformanceCase(
        "line_breaks",
        "repl test/line_breaks",
        (
            Step(
                raw='{"cmd": "theorem foo : 1 = 1 := by\\n\nsorry"}',
                expect={
                    "messages": [
                        {
                            "severity": "error",
                            "pos": _pos(1, 23),
                            "endPos": _pos(1, 25),
                            "data": "unsolved goals\n⊢ 1 = 1",
                        },
                        {
                            "severity": "error",
                            "pos": _pos(2, 0),
                            "endPos": _pos(2, 5),
                            "data": "unexpected token 'sorry'; expected command",
                        },
                    ],
                    "env": "$env0",
                },
            ),
            Step(
                raw='{"cmd": "theorem foo : 1 = 1 := by\\n\n  sorry"}',
                expect={
                    "sorries": [sorry_entry("$ps0", "⊢ 1 = 1", 2, 2, 7)],
                    "messages": [sorry_warning(1, 8, 11)],
                    "env": "$env1",
                },
            ),
            Step(
                raw='{"cmd": "theorem bar : 1 = 1 := by\\n\n/- Some long comment here -/\\n\n  rfl"}',
                expect={"env": "$env2"},
            ),
        ),
    ),
    # --- examples of DESIGN.md section 4 and REPL-PROTOCOL.md --------------------------------
    # A command whose proof is complete: only the environment comes back.
    ConformanceCase(
        "complete_command",
        "DESIGN 4 (command mode); empty lists are omitted (REPL/JSON.lean)",
        (
            Step(
                request={
                    "cmd": "theorem swap_t (p q : Prop) : p ∧ q → q ∧ p := by\n"
                    "  intro h\n  exact ⟨h.2, h.1⟩"
                },
                expect={"env": "$env0"},
            ),
            Step(
                request={
                    "cmd": "theorem use_swap (a b : Prop) (h : a ∧ b) : b ∧ a := swap_t a b h",
                    "env": "$env0",
                },
                expect={"env": "$env1"},
            ),
        ),
    ),
    # An error inside a normal command answer: unsolved goals reported at `by`.
    ConformanceCase(
        "unsolved_goals_command",
        "DESIGN 4 (error inside a normal response); positions as in repl test/have_by_sorry",
        (
            Step(
                request={
                    "cmd": "theorem and_partial (p q : Prop) (hp : p) : p ∧ q := by\n"
                    "  constructor\n  exact hp"
                },
                expect={
                    "messages": [
                        {
                            "severity": "error",
                            "pos": _pos(1, 53),
                            "endPos": _pos(3, 10),
                            "data": "unsolved goals\ncase right\np q : Prop\nhp : p\n⊢ q",
                        }
                    ],
                    "env": "$env0",
                },
            ),
        ),
    ),
    # Tactic mode: constructor on ∧ gives `case left` / `case right`, then Completed.
    ConformanceCase(
        "constructor_and",
        "REPL-PROTOCOL (tactic mode example)",
        (
            Step(
                request={
                    "cmd": "theorem and_intro_t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by sorry"
                },
                expect={
                    "sorries": [
                        sorry_entry("$ps0", "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q", 1, 65, 70)
                    ],
                    "messages": [sorry_warning(1, 8, 19)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "constructor", "proofState": "$ps0"},
                expect=step_answer(
                    "$ps1",
                    [
                        "case left\np q : Prop\nhp : p\nhq : q\n⊢ p",
                        "case right\np q : Prop\nhp : p\nhq : q\n⊢ q",
                    ],
                    OPEN,
                ),
            ),
            Step(
                request={"tactic": "exact hp", "proofState": "$ps1"},
                expect=step_answer("$ps2", ["case right\np q : Prop\nhp : p\nhq : q\n⊢ q"], OPEN),
            ),
            # Branching: the earlier state is still usable and gets a fresh id.
            Step(
                request={"tactic": "exact hp", "proofState": "$ps1"},
                expect=step_answer("$ps3", ["case right\np q : Prop\nhp : p\nhq : q\n⊢ q"], OPEN),
            ),
            Step(
                request={"tactic": "exact hq", "proofState": "$ps2"},
                expect=step_answer("$ps4", [], DONE),
            ),
        ),
    ),
    # Iff: `case mp` / `case mpr`; all_goals.
    ConformanceCase(
        "constructor_iff",
        "DESIGN 4 (goal printing: mp/mpr tags)",
        (
            Step(
                request={"cmd": "theorem iff_refl_t (p : Prop) : p ↔ p := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "p : Prop\n⊢ p ↔ p", 1, 44, 49)],
                    "messages": [sorry_warning(1, 8, 18)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "constructor", "proofState": "$ps0"},
                expect=step_answer(
                    "$ps1", ["case mp\np : Prop\n⊢ p → p", "case mpr\np : Prop\n⊢ p → p"], OPEN
                ),
            ),
            Step(
                request={"tactic": "all_goals intro h", "proofState": "$ps1"},
                expect=step_answer(
                    "$ps2",
                    ["case mp\np : Prop\nh : p\n⊢ p", "case mpr\np : Prop\nh : p\n⊢ p"],
                    OPEN,
                ),
            ),
            Step(
                request={"tactic": "all_goals exact h", "proofState": "$ps2"},
                expect=step_answer("$ps3", [], DONE),
            ),
        ),
    ),
    # Quantifier printing: `∀ (m : Nat), ...` with the binder type, `∃ k, ...` without.
    ConformanceCase(
        "quantifier_printing",
        "DESIGN 4 (goal printing of ∀ and ∃; grouped hypotheses)",
        (
            Step(
                request={
                    "cmd": "theorem forall_exists (n : Nat) : ∀ m : Nat, ∃ k, k = n + m := by sorry"
                },
                expect={
                    "sorries": [
                        sorry_entry("$ps0", "n : Nat\n⊢ ∀ (m : Nat), ∃ k, k = n + m", 1, 66, 71)
                    ],
                    "messages": [sorry_warning(1, 8, 21)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "intro m", "proofState": "$ps0"},
                expect=step_answer("$ps1", ["n m : Nat\n⊢ ∃ k, k = n + m"], OPEN),
            ),
            Step(
                request={"tactic": "exact ⟨n + m, rfl⟩", "proofState": "$ps1"},
                expect=step_answer("$ps2", [], DONE),
            ),
        ),
    ),
    # `≠` prints as `≠`; intro goes through it to `False`.
    ConformanceCase(
        "ne_intro",
        "DESIGN 4 (goal printing of ≠ and ¬)",
        (
            Step(
                request={"cmd": "theorem ne_symm_t (a b : Nat) (h : a ≠ b) : b ≠ a := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "a b : Nat\nh : a ≠ b\n⊢ b ≠ a", 1, 56, 61)],
                    "messages": [sorry_warning(1, 8, 17)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "intro hba", "proofState": "$ps0"},
                expect=step_answer("$ps1", ["a b : Nat\nh : a ≠ b\nhba : b = a\n⊢ False"], OPEN),
            ),
            Step(
                request={"tactic": "exact h hba.symm", "proofState": "$ps1"},
                expect=step_answer("$ps2", [], DONE),
            ),
        ),
    ),
    # cases on ∨: `case inl` / `case inr` with inaccessible hypotheses; rcases names them.
    ConformanceCase(
        "cases_or",
        "DESIGN 4 (inl/inr tags, inaccessible names h✝)",
        (
            Step(
                request={"cmd": "theorem or_cases_t (p q : Prop) (h : p ∨ q) : q ∨ p := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "p q : Prop\nh : p ∨ q\n⊢ q ∨ p", 1, 58, 63)],
                    "messages": [sorry_warning(1, 8, 18)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "cases h", "proofState": "$ps0"},
                expect=step_answer(
                    "$ps1",
                    [
                        "case inl\np q : Prop\nh✝ : p\n⊢ q ∨ p",
                        "case inr\np q : Prop\nh✝ : q\n⊢ q ∨ p",
                    ],
                    OPEN,
                ),
            ),
            Step(
                request={"tactic": "rcases h with hp | hq", "proofState": "$ps0"},
                expect=step_answer(
                    "$ps2",
                    [
                        "case inl\np q : Prop\nhp : p\n⊢ q ∨ p",
                        "case inr\np q : Prop\nhq : q\n⊢ q ∨ p",
                    ],
                    OPEN,
                ),
            ),
            Step(
                request={"tactic": "exact Or.inr hp", "proofState": "$ps2"},
                expect=step_answer("$ps3", ["case inr\np q : Prop\nhq : q\n⊢ q ∨ p"], OPEN),
            ),
            Step(
                request={"tactic": "exact Or.inl hq", "proofState": "$ps3"},
                expect=step_answer("$ps4", [], DONE),
            ),
        ),
    ),
    # cases on a Nat: `case zero` / `case succ` with `n✝ + 1` (as in repl test/app_type_mismatch).
    ConformanceCase(
        "cases_nat",
        "DESIGN 4 (zero/succ tags, `x + 1` not `Nat.succ x`); goals as in repl test/app_type_mismatch",
        (
            Step(
                request={"cmd": "theorem zero_add_t (n : Nat) : 0 + n = n := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "n : Nat\n⊢ 0 + n = n", 1, 47, 52)],
                    "messages": [sorry_warning(1, 8, 18)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "cases n", "proofState": "$ps0"},
                expect=step_answer(
                    "$ps1",
                    ["case zero\n⊢ 0 + 0 = 0", "case succ\nn✝ : Nat\n⊢ 0 + (n✝ + 1) = n✝ + 1"],
                    OPEN,
                ),
            ),
            Step(
                request={"tactic": "rfl", "proofState": "$ps1"},
                expect=step_answer("$ps2", ["case succ\nn✝ : Nat\n⊢ 0 + (n✝ + 1) = n✝ + 1"], OPEN),
            ),
            Step(
                request={"tactic": "omega", "proofState": "$ps2"},
                expect=step_answer("$ps3", [], DONE),
            ),
        ),
    ),
    # A failing tactic is a bare `{"message": "Lean error:\n..."}` (repl REPL/Main.lean).
    ConformanceCase(
        "omega_failure",
        "REPL-PROTOCOL (bare message channel); wording of core omega",
        (
            Step(
                request={"cmd": "theorem omega_fail_t (x : Nat) : x < 5 := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "x : Nat\n⊢ x < 5", 1, 45, 50)],
                    "messages": [sorry_warning(1, 8, 20)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "omega", "proofState": "$ps0"},
                expect={"message": StartsWith("Lean error:\nomega could not prove the goal")},
            ),
            # The failed call did not consume the state.
            Step(
                request={"tactic": "exfalso", "proofState": "$ps0"},
                expect=step_answer("$ps1", ["x : Nat\n⊢ False"], OPEN),
            ),
        ),
    ),
    # `example`: the sorry warning sits on the keyword.
    ConformanceCase(
        "example_rw",
        "DESIGN 4 (rw closes with rfl)",
        (
            Step(
                request={"cmd": "example (a b : Nat) (h : a = b) : b = a := by sorry"},
                expect={
                    "sorries": [sorry_entry("$ps0", "a b : Nat\nh : a = b\n⊢ b = a", 1, 46, 51)],
                    "messages": [sorry_warning(1, 0, 7)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "rw [h]", "proofState": "$ps0"},
                expect=step_answer("$ps1", [], DONE),
            ),
            Step(
                request={"tactic": "exact h.symm", "proofState": "$ps0"},
                expect=step_answer("$ps2", [], DONE),
            ),
        ),
    ),
    # repl test/calc.in, without `allTactics`: that option only adds the `tactics` list, whose
    # `usedConstants` MiniLean does not compute; the sorries and messages are the recorded ones.
    ConformanceCase(
        "calc_sorry_steps",
        "repl test/calc",
        (
            Step(
                request={
                    "cmd": "example : 3 = 5 := by calc\n  3 = 4 := by sorry\n  4 = 5 := by sorry"
                },
                expect={
                    "sorries": [
                        sorry_entry("$ps0", "⊢ 3 = 4", 2, 14, 19),
                        sorry_entry("$ps1", "⊢ 4 = 5", 3, 14, 19),
                    ],
                    "messages": [sorry_warning(1, 0, 7)],
                    "env": "$env0",
                },
            ),
        ),
    ),
    # One tactic per request (REPL/Snapshots.lean runString: runParserCategory `tactic`): text
    # left after the first tactic is "expected end of input" at its first token
    # (Lean/Parser/Extension.lean), as leanprover-community/repl#43 records for `ext1 x; ext1 n`
    # (`<input>:1:6: expected end of input`). `<;>` and a bullet block are one tactic.
    ConformanceCase(
        "one_tactic_per_request",
        "repl#43 (wording and position of the answer); REPL/Snapshots.lean runString",
        (
            Step(
                request={
                    "cmd": "theorem one_tac_t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by sorry"
                },
                expect={
                    "sorries": [
                        sorry_entry("$ps0", "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q", 1, 63, 68)
                    ],
                    "messages": [sorry_warning(1, 8, 17)],
                    "env": "$env0",
                },
            ),
            Step(
                request={"tactic": "constructor; exact hp", "proofState": "$ps0"},
                expect={"message": "Lean error:\n<input>:1:11: expected end of input"},
            ),
            Step(
                request={"tactic": "constructor\nexact hp", "proofState": "$ps0"},
                expect={"message": "Lean error:\n<input>:2:0: expected end of input"},
            ),
            Step(
                request={"tactic": "constructor <;> assumption", "proofState": "$ps0"},
                expect=step_answer("$ps1", [], DONE),
            ),
            Step(
                request={"tactic": "· constructor\n  exact hp\n  exact hq", "proofState": "$ps0"},
                expect=step_answer("$ps2", [], DONE),
            ),
        ),
        protocol_only=True,
    ),
    # Bare message for a proof state id that was never given out (REPL-PROTOCOL).
    ConformanceCase(
        "unknown_proof_state_fresh",
        "REPL-PROTOCOL (bare message: Unknown proof state.)",
        (
            Step(
                request={"tactic": "trivial", "proofState": 0},
                expect={"message": "Unknown proof state."},
            ),
        ),
    ),
    # Unparsable JSON (REPL/Main.lean `parse`): real Lean ends the session with an uncaught
    # exception whose text is the same `{"message": "Could not parse JSON:\n..."}` object.
    ConformanceCase(
        "unparsable_json",
        "repl REPL/Main.lean (parse)",
        (
            Step(
                raw='{"cmd": "theorem t : True := by trivial"',
                expect={"message": StartsWith("Could not parse JSON:\n")},
                ends_session=True,
            ),
        ),
        process_only=True,
    ),
)
