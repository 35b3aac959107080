"""One JSON codec per value type: ``X.from_json(x.to_json()) == x``, through real JSON text."""

from __future__ import annotations

import json

import pytest

from lean_gym.data.theorems import load_theorems
from lean_gym.types import (
    Goal,
    LeanError,
    Message,
    Outcome,
    Position,
    ProofState,
    Success,
    Theorem,
    TraceEntry,
    Verification,
)

THEOREM = Theorem(
    "and_swap",
    "(p q : Prop) (h : p ∧ q) : q ∧ p",
    header="import Mathlib",
    proof="constructor\nexact h.2\nexact h.1",
    source="smoke",
    difficulty="easy",
)
GOAL = Goal(("p q : Prop", "h : p ∧ q"), "q ∧ p", case="intro")
STATE = ProofState(THEOREM, (GOAL, Goal((), "p")), ("constructor",), handle=object())
ERROR = LeanError("error", "unknown identifier 'x'", Position(2, 4))
MESSAGE = Message("error", "unsolved goals", Position(2, 2), Position(3, 0))
VERIFICATION = Verification(False, (MESSAGE,), ("propext",), "lean_error", "unsolved goals")
SOLVED = ProofState(THEOREM, (), ("constructor", "exact h.2", "exact h.1"))

VALUES = [
    THEOREM,
    Theorem("t", ": True"),
    GOAL,
    Goal((), "True"),
    Position(1, 0),
    MESSAGE,
    Message("info", "ok"),
    ERROR,
    LeanError("timeout", "took too long"),
    VERIFICATION,
    Verification(False, reason="sorry"),
    TraceEntry("exact x", ERROR, 1),
    TraceEntry("constructor", None, 2),
    Outcome(
        Success(SOLVED, (Message("warning", "unused"),)),
        SOLVED,
        (STATE, SOLVED),
        (TraceEntry("constructor", None, 2),),
        VERIFICATION,
        4,
    ),  # fmt: skip
    Outcome(ERROR, STATE, (), (TraceEntry("exact x", ERROR, 2),), None, 1),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_codec_round_trips_through_json_text(value: object) -> None:
    text = json.dumps(value.to_json(), ensure_ascii=False)  # type: ignore[attr-defined]
    assert type(value).from_json(json.loads(text)) == value  # type: ignore[attr-defined]


def test_a_state_travels_without_its_handle() -> None:
    obj = STATE.to_json()
    assert "handle" not in obj and obj["theorem"] == THEOREM.to_json()
    back = ProofState.from_json(obj)
    assert back == STATE and back.handle is None and back.key() == STATE.key()


def test_a_theorem_json_is_a_dataset_row() -> None:
    """Theorem.to_json is also what load_theorems reads (the shipped sets' format)."""
    loaded = load_theorems([THEOREM.to_json(), {**THEOREM.to_json(), "statement": None}])
    assert loaded[0] == THEOREM
    for row in ({"formal_statement": THEOREM.formal_statement},
                {**THEOREM.to_json(), "statement": None}):  # fmt: skip
        assert Theorem.from_json(row).statement == THEOREM.statement


def test_the_info_forms_are_the_codecs() -> None:
    assert ERROR.to_json() == {"kind": "error", "message": ERROR.message,
                               "pos": {"line": 2, "column": 4}}  # fmt: skip
    assert GOAL.to_json() == {"hypotheses": list(GOAL.hypotheses), "target": "q ∧ p",
                              "case": "intro"}  # fmt: skip
    assert TraceEntry("t", None, 0).to_json() == {"tactic": "t", "ok": True, "error": None,
                                                  "num_goals": 0}  # fmt: skip
    assert set(VERIFICATION.to_json()) == {"ok", "reason", "detail", "axioms", "messages"}
