"""The backend contract: one suite, every backend (``backend_targets.py`` lists them).

What every :class:`~lean_gym.backends.base.ProverBackend` must do, tested the same way on each:
start a theorem and print its goal as Lean does, run tactics (a multi-tactic action as its
top-level tactics in turn), give errors and timeouts as values, survive losing its prover
(restart and replay), verify whole proofs through the integrity rules (including a spoofed
``#print axioms`` answer), check batches with ``verify_many``, check one theorem twice, print the
goals of the REPL's own recorded sessions (``conformance_cases.py``) and start the miniF2F
problems with the goal real Lean printed (``../shared/data/minif2f/minif2f-valid.jsonl``).

MiniLean (in-process and subprocess), the lsp backend against its leanclient stand-in and the
kimina client against its server stand-in always run. ``repl`` and ``lsp`` run against real
Lean with ``LEAN_GYM_PROJECT=/path/to/lake/project`` (made by ``lean-gym setup-lean``), the
kimina client against a real server with ``LEAN_GYM_KIMINA_URL``; otherwise they skip, saying
so. A backend without tactic mode (kimina) skips the tactic tests and is held to the rest.
"""

from __future__ import annotations

import importlib.util
import json
import pickle
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lean_gym.backends.base import BackendError, TheoremStartError
from lean_gym.integrity import IntegrityPolicy
from lean_gym.types import LeanError, ProofState, Success, Theorem


def _load_targets():
    # Loaded by path so that the import works under every pytest import mode.
    if "backend_targets" in sys.modules:
        return sys.modules["backend_targets"]
    path = Path(__file__).with_name("backend_targets.py")
    spec = importlib.util.spec_from_file_location("backend_targets", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["backend_targets"] = module
    spec.loader.exec_module(module)
    return module


_targets = _load_targets()
TARGETS = _targets.TARGETS
Target = _targets.Target
kill_prover = _targets.kill_prover
open_backend = _targets.open_backend
project_has_mathlib = _targets.project_has_mathlib
_cases = _targets.load_local("conformance_cases")
AnyOf = _cases.AnyOf
StartsWith = _cases.StartsWith

MINIF2F = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "minif2f"
MINIF2F_VALID = MINIF2F / "minif2f-valid.jsonl"

AND = Theorem("lean_gym_conf_and", "(p q : Prop) (hp : p) (hq : q) : p ∧ q")
AND_GOAL = "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q"
MULTILINE = Theorem("lean_gym_conf_multiline", "(a b : Nat)\n    (h : a = b) :\n    b = a")
EM = Theorem("lean_gym_conf_em", "(p : Prop) : p ∨ ¬p")
OMEGA = Theorem("lean_gym_conf_omega", "(x : Nat) (h : x < 3) : x < 5")
STRICT = IntegrityPolicy(allowed_axioms=frozenset())


# `-m real_lean` selects the targets that need LEAN_GYM_PROJECT (conftest skips them without it).
_PARAMS = [
    pytest.param(t, id=t.name, marks=pytest.mark.real_lean if t.name in ("repl", "lsp") else ())
    for t in TARGETS
]


@pytest.fixture(scope="module", params=_PARAMS)
def target(request: pytest.FixtureRequest) -> Target:
    return request.param


@pytest.fixture(scope="module")
def backend(target: Target):
    """One backend per target for the module: a Lean process (and a Mathlib import) is paid
    once, and every test also checks that the previous ones left the backend usable."""
    with pytest.MonkeyPatch.context() as monkeypatch, open_backend(target, monkeypatch) as b:
        yield b


def needs_tactics(target: Target) -> None:
    if not target.tactics:
        pytest.skip(f"{target.name} checks whole proofs only (no tactic mode)")


def ok(result: Any) -> ProofState:
    assert isinstance(result, Success), result
    return result.state


# ------------------------------------------------------------------------------------------
# start


def test_start_prints_the_root_goal(target, backend):
    needs_tactics(target)
    root = backend.start(AND)
    assert root.pp() == AND_GOAL
    assert root.tactics == () and root.theorem == AND


def test_start_of_a_statement_over_several_lines(target, backend):
    needs_tactics(target)
    assert backend.start(MULTILINE).pp() == "a b : Nat\nh : a = b\n⊢ b = a"


def test_start_error_is_a_value(target, backend):
    needs_tactics(target)
    bad = Theorem("lean_gym_conf_bad", "(x : Nat) : x = lean_gym_no_such_constant")
    with pytest.raises(TheoremStartError) as info:
        backend.start(bad)
    assert isinstance(info.value.error, LeanError) and info.value.error.kind == "error"
    assert "lean_gym_no_such_constant" in info.value.error.message
    assert backend.start(AND).pp() == AND_GOAL  # the backend still works


def test_kimina_refuses_tactic_mode_clearly(target, backend):
    if target.tactics:
        pytest.skip("has tactic mode")
    with pytest.raises(BackendError, match="whole-proof checks only"):
        backend.start(AND)


# ------------------------------------------------------------------------------------------
# run_tactic


def test_run_tactic_moves_the_state(target, backend):
    needs_tactics(target)
    root = backend.start(AND)
    split = ok(backend.run_tactic(root, "constructor"))
    assert [g.pp() for g in split.goals] == [
        "case left\np q : Prop\nhp : p\nhq : q\n⊢ p",
        "case right\np q : Prop\nhp : p\nhq : q\n⊢ q",
    ]
    assert split.tactics == ("constructor",)
    left = ok(backend.run_tactic(split, "exact hp"))
    assert left.num_goals == 1
    done = ok(backend.run_tactic(left, "exact hq"))
    assert done.is_solved and done.pp() == "no goals"
    # Branching: the earlier state is still usable.
    assert ok(backend.run_tactic(split, "exact hp")).goals == left.goals


@pytest.mark.parametrize(
    "action",
    [
        "constructor; exact hp; exact hq",
        "constructor\nexact hp\nexact hq",
        "constructor\n· exact hp\n· exact hq",
        "constructor <;> assumption",
    ],
    ids=["semicolons", "lines", "bullets", "then"],
)
def test_a_multi_tactic_action_runs_its_tactics_in_turn(target, backend, action):
    """The REPL parses one tactic per request (``REPL/Snapshots.lean`` ``runString``), so the
    client runs an action's top-level tactics in turn; every backend gives the same result."""
    needs_tactics(target)
    root = backend.start(AND)
    done = ok(backend.run_tactic(root, action))
    assert done.is_solved
    assert done.tactics == (action,)  # the action is one step of the path
    # The path replays (the client splits it again).
    rebuilt = pickle.loads(pickle.dumps(done))
    assert rebuilt.handle is None and rebuilt.tactics == (action,)


def test_a_failing_tactic_inside_an_action_fails_the_action(target, backend):
    needs_tactics(target)
    root = backend.start(AND)
    result = backend.run_tactic(root, "constructor\nexact hq\nexact hq")
    assert isinstance(result, LeanError) and result.kind == "error"
    # The state is unchanged and usable.
    assert ok(backend.run_tactic(root, "exact ⟨hp, hq⟩")).is_solved


def test_errors_are_values(target, backend):
    needs_tactics(target)
    root = backend.start(AND)
    unknown = backend.run_tactic(root, "lean_gym_no_such_tactic")
    assert isinstance(unknown, LeanError) and unknown.kind in ("parse", "error")
    wrong = backend.run_tactic(root, "exact hq")
    assert isinstance(wrong, LeanError) and wrong.kind == "error"
    assert "mismatch" in wrong.message
    garbage = backend.run_tactic(root, "exact (")
    assert isinstance(garbage, LeanError) and garbage.kind in ("parse", "error")
    assert ok(backend.run_tactic(root, "exact ⟨hp, hq⟩")).is_solved


def test_timeout_is_a_value_and_the_backend_recovers(target, backend):
    needs_tactics(target)
    root = backend.start(AND)
    began = time.monotonic()
    slow = backend.run_tactic(root, "sleep 20000", timeout=1.0)
    assert isinstance(slow, LeanError) and slow.kind == "timeout", slow
    assert time.monotonic() - began < 15
    # The state taken before the timeout still works (rebuilt by replay if its process died).
    assert ok(backend.run_tactic(root, "exact ⟨hp, hq⟩")).is_solved


def test_restart_and_replay(target, backend):
    needs_tactics(target)
    root = backend.start(AND)
    split = ok(backend.run_tactic(root, "constructor"))
    left = ok(backend.run_tactic(split, "exact hp"))
    kill_prover(backend)
    # A state whose prover is gone is rebuilt from its tactic path.
    assert ok(backend.run_tactic(left, "exact hq")).is_solved
    # So is a state that travelled through pickle (its handle is dropped).
    moved = pickle.loads(pickle.dumps(left))
    assert moved.handle is None
    assert ok(backend.run_tactic(moved, "exact hq")).is_solved


# ------------------------------------------------------------------------------------------
# verify


def test_verify_through_integrity(target, backend):
    good = backend.verify(AND, "constructor\nexact hp\nexact hq")
    assert good.ok and good.axioms == (), good
    wrong = backend.verify(AND, "constructor\nexact hp")
    assert not wrong.ok and wrong.reason == "lean_error"
    sorry = backend.verify(AND, "sorry")
    assert not sorry.ok and sorry.reason == "sorry"
    classical = backend.verify(EM, "exact Classical.em p", policy=STRICT)
    assert not classical.ok and classical.reason is not None
    assert classical.reason.startswith("axiom:"), classical
    assert backend.verify(EM, "exact Classical.em p").ok


def test_a_spoofed_axioms_answer_is_not_believed(target, backend):
    """A proof can print text that looks like ``#print axioms``'s answer (``trace``); only the
    answer of the ``#print axioms`` command itself counts."""
    spoof = f"trace \"'{EM.name}' does not depend on any axioms\"\nexact Classical.em p"
    verdict = backend.verify(EM, spoof, policy=STRICT)
    assert not verdict.ok, verdict
    assert verdict.reason is not None and verdict.reason.startswith("axiom:"), verdict


def test_verify_timeout_is_a_value(target, backend):
    began = time.monotonic()
    verdict = backend.verify(AND, "sleep 20000\nexact ⟨hp, hq⟩", timeout=2)
    assert not verdict.ok and verdict.reason == "timeout", verdict
    assert time.monotonic() - began < 30
    assert backend.verify(AND, "exact ⟨hp, hq⟩").ok


def test_one_theorem_checked_twice(target, backend):
    """kimina with a blank header and reuse ran the second body on the first body's env
    ("has already been declared"); every backend checks each proof on its own."""
    first = backend.verify(AND, "exact ⟨hp, hq⟩")
    second = backend.verify(AND, "constructor\nexact hp\nexact hq")
    assert first.ok and second.ok, (first, second)


def test_verify_many_matches_verify(target, backend):
    items = [
        (AND, "exact ⟨hp, hq⟩"),
        (AND, "exact hp"),
        (OMEGA, "omega"),
        (AND, "constructor\nexact hp\nexact hq"),
        (EM, "exact Classical.em p"),
        (AND, "sorry"),
    ]
    many = backend.verify_many(items)
    assert len(many) == len(items)
    single = [backend.verify(theorem, proof) for theorem, proof in items]
    assert [v.ok for v in many] == [True, False, True, True, True, False]
    assert [v.reason for v in many] == [v.reason for v in single]
    assert [v.axioms for v in many if v.ok] == [v.axioms for v in single if v.ok]


# ------------------------------------------------------------------------------------------
# goal printing on the REPL's recorded sessions


def _recorded_sessions() -> list[tuple[str, list[dict[str, Any]]]]:
    """The cases of ``conformance_cases.py`` that are theorems in tactic mode, as backend calls.

    Each item is ``(case name, events)``; an event starts a theorem (``{"start", "symbol",
    "goal"}``) or runs a tactic (``{"tactic", "on", "symbol", "goals" | "fails"}``).
    """
    pattern = re.compile(r"^(?:theorem\s+\S+|example)\s+([\s\S]*?)\s*:=\s*by sorry$")
    sessions = []
    for case in _cases.CASES:
        if case.process_only or case.minilean_divergence or case.protocol_only:
            continue  # framing cases; recorded REPL defects are test_protocol_conformance's
        events: list[dict[str, Any]] = []
        usable = True
        for index, step in enumerate(case.steps):
            request, expect = step.request, step.expect
            if request is None:
                usable = False
                break
            if "cmd" in request:
                m = pattern.match(request["cmd"])
                sorries = expect.get("sorries") or []
                if m is None or "env" in request or len(sorries) != 1:
                    usable = False
                    break
                theorem = Theorem(f"lean_gym_case_{case.name}_{index}", m.group(1))
                events.append(
                    {
                        "start": theorem,
                        "symbol": sorries[0]["proofState"],
                        "goal": sorries[0]["goal"],
                    }
                )
            elif "tactic" in request and isinstance(request.get("proofState"), str):
                event: dict[str, Any] = {"tactic": request["tactic"], "on": request["proofState"]}
                errors = [
                    msg for msg in expect.get("messages", []) if msg.get("severity") == "error"
                ]
                if "message" in expect or errors:
                    event["fails"] = True
                else:
                    event["symbol"] = expect["proofState"]
                    event["goals"] = expect["goals"]
                events.append(event)
            else:
                usable = False
                break
        if usable and events and "start" in events[0]:
            sessions.append((case.name, events))
    return sessions


SESSIONS = _recorded_sessions()


def _matches(expected: Any, actual: str) -> bool:
    if isinstance(expected, (AnyOf, StartsWith)):
        return expected.matches(actual)
    return expected == actual


@pytest.mark.parametrize("case_name,events", SESSIONS, ids=[name for name, _ in SESSIONS])
def test_goal_printing_on_the_repl_recorded_sessions(target, backend, case_name, events):
    needs_tactics(target)
    states: dict[str, ProofState] = {}
    for event in events:
        if "start" in event:
            root = backend.start(event["start"])
            assert _matches(event["goal"], root.pp()), (case_name, root.pp())
            states[event["symbol"]] = root
            continue
        result = backend.run_tactic(states[event["on"]], event["tactic"])
        if event.get("fails"):
            assert isinstance(result, LeanError), (case_name, event, result)
            continue
        state = ok(result)
        printed = [goal.pp() for goal in state.goals]
        assert len(printed) == len(event["goals"]), (case_name, event, printed)
        for want, got in zip(event["goals"], printed, strict=True):
            assert _matches(want, got), (case_name, event["tactic"], want, got)
        states[event["symbol"]] = state


def test_the_recorded_sessions_are_many():
    assert len(SESSIONS) >= 15, [name for name, _ in SESSIONS]


# ------------------------------------------------------------------------------------------
# miniF2F: initial goals as real Lean printed them


def _minif2f_rows() -> list[dict[str, Any]]:
    if not MINIF2F_VALID.is_file():
        pytest.skip(f"miniF2F data not found at {MINIF2F_VALID} (../shared beside the repo)")
    return [json.loads(line) for line in MINIF2F_VALID.read_text(encoding="utf-8").splitlines()]


def test_minif2f_initial_goals_print_as_real_lean(target, backend):
    """For every miniF2F problem the backend can start, its root state prints exactly as real
    Lean 4 with Mathlib printed it (the ``goal`` field). Real Lean with Mathlib must start all
    of them."""
    needs_tactics(target)
    rows = _minif2f_rows()
    if target.real_lean and not project_has_mathlib():
        pytest.skip("the Lean project has no Mathlib (lean-gym setup-lean --mathlib makes one)")
    started, mismatches, not_started, crashed = 0, [], [], []
    for row in rows:
        theorem = Theorem.from_formal_statement(row["formal_statement"], header=row["header"])
        try:
            root = backend.start(theorem, timeout=300 if target.real_lean else 30)
        except TheoremStartError as exc:
            # Refusing a statement is an answer; a dying prover is a bug.
            if exc.error.kind == "crash":
                crashed.append((row["name"], exc.error.message[-300:]))
            reason = re.sub(r"\d+", "N", exc.error.message.splitlines()[0])[:80]
            not_started.append((row["name"], reason))
            continue
        started += 1
        if root.pp() != row["goal"]:
            mismatches.append((row["name"], root.pp(), row["goal"]))
    assert not crashed, f"the prover crashed on {len(crashed)} statements: {crashed[:2]}"
    assert not mismatches, f"{len(mismatches)} of {started} started goals differ: {mismatches[:3]}"
    if target.real_lean:
        assert not not_started, f"real Lean could not start {len(not_started)}: {not_started[:3]}"
    if started == 0:
        reasons: dict[str, int] = {}
        for _, reason in not_started:
            reasons[reason] = reasons.get(reason, 0) + 1
        pytest.skip(f"{target.name} started none of the {len(rows)} problems: {reasons}")
