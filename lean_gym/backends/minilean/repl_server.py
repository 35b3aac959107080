"""The REPL request handler: leanprover-community/repl's JSON protocol, answered by MiniLean.

``MiniLeanRepl().handle(request)`` takes the decoded JSON object of one request and returns the
JSON object Lean's REPL would answer (empty lists omitted). Extensions: ``{"discard": [ids]}``
frees proof states, and a ``"timeout"`` field (seconds) on any request sets a cooperative
deadline. ``handle`` never raises: internal failures become a bare ``{"message": ...}``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from lean_gym.backends.minilean.commands import CommandRunner, Environment, LineIndex
from lean_gym.backends.minilean.errors import DeadlineExceeded, LeanFailure, RecoverableElabError
from lean_gym.backends.minilean.goals import Goal
from lean_gym.backends.minilean.pretty import pp_goal
from lean_gym.backends.minilean.syntax import Node, ParseError, Parser
from lean_gym.backends.minilean.tactics import TACTICS, Session

logger = logging.getLogger(__name__)

MAX_INPUT_CHARS = 200_000
UNKNOWN_PROOF_STATE = "Unknown proof state."
UNKNOWN_ENVIRONMENT = "Unknown environment."
_ZERO_POS = {"line": 0, "column": 0}


@dataclass(frozen=True)
class StoredProofState:
    """A proof state the REPL holds: goals plus what the path to it used."""

    goals: tuple[Goal, ...]
    mathlib: bool
    uses_sorry: bool = False
    axioms: frozenset[str] = frozenset()
    decls: dict[str, Any] = field(default_factory=dict)  # the environment's declarations
    opens: tuple[str, ...] = ()  # the environment's opened namespaces


class MiniLeanRepl:
    """One MiniLean REPL session (the state a REPL process would hold)."""

    def __init__(self) -> None:
        self.envs: list[Environment | None] = []
        self.proof_states: dict[int, StoredProofState] = {}
        self.next_proof_state = 0

    # ------------------------------------------------------------------ entry point
    def handle(self, request: Any, deadline: float | None = None) -> dict[str, Any]:
        """Answers one request (see module docstring); never raises."""
        try:
            if not isinstance(request, dict):
                return {
                    "message": "Could not parse as a valid JSON command:\nexpected a JSON object"
                }
            timeout = request.get("timeout")
            timeout_s = 0.0
            if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
                timeout_s = float(timeout)
                own = time.monotonic() + timeout_s
                deadline = own if deadline is None else min(deadline, own)
            elif deadline is not None:
                timeout_s = max(0.0, deadline - time.monotonic())
            return self._dispatch(request, deadline, timeout_s)
        except DeadlineExceeded as exc:
            return {"message": f"MiniLean: timeout after {exc.seconds:g} s"}
        except RecursionError:
            return {"message": "Lean error:\nMiniLean: maximum recursion depth reached"}
        except Exception as exc:  # noqa: BLE001 - the server must keep serving
            logger.exception("MiniLean internal error")
            return {"message": f"MiniLean internal error: {type(exc).__name__}: {exc}"}

    def _dispatch(
        self, req: dict[str, Any], deadline: float | None, timeout_s: float
    ) -> dict[str, Any]:
        if "discardEnv" in req:
            ids = req["discardEnv"]
            n = 0
            for k in ids if isinstance(ids, list) else [ids]:
                if isinstance(k, int) and 0 <= k < len(self.envs) and self.envs[k] is not None:
                    self.envs[k] = None  # type: ignore[call-overload]
                    n += 1
            return {"discarded": n}
        if "discard" in req:
            ids = req["discard"]
            if not isinstance(ids, list):
                ids = [ids]
            n = 0
            for k in ids:
                if isinstance(k, int) and self.proof_states.pop(k, None) is not None:
                    n += 1
            return {"discarded": n}
        if "pickleTo" in req or "unpickleEnvFrom" in req or "unpickleProofStateFrom" in req:
            return {
                "message": "MiniLean does not support pickling (pickleTo/unpickleEnvFrom/unpickleProofStateFrom)."
            }
        if "tactic" in req and "proofState" in req:
            tactic, ps = req["tactic"], req["proofState"]
            if not isinstance(tactic, str) or not isinstance(ps, int) or isinstance(ps, bool):
                return {
                    "message": "Could not parse as a valid JSON command:\nfield 'tactic' must be a string and 'proofState' a number"
                }
            return self._tactic(tactic, ps, deadline, timeout_s)
        if "cmd" in req:
            cmd = req["cmd"]
            env = req.get("env")
            if not isinstance(cmd, str) or (
                env is not None and (not isinstance(env, int) or isinstance(env, bool))
            ):
                return {
                    "message": "Could not parse as a valid JSON command:\nfield 'cmd' must be a string and 'env' a number"
                }
            return self._command(
                cmd,
                env,
                bool(req.get("allTactics")),
                bool(req.get("rootGoals")),
                deadline,
                timeout_s,
            )
        if "path" in req:
            return {"message": "MiniLean does not support file mode (path)."}
        return {
            "message": "Could not parse as a valid JSON command:\nno 'cmd', 'tactic'/'proofState' or 'discard' field"
        }

    # ------------------------------------------------------------------ proof states
    def _store(self, state: StoredProofState) -> int:
        k = self.next_proof_state
        self.next_proof_state += 1
        self.proof_states[k] = state
        return k

    def _sorry_entry(
        self,
        goal: Goal,
        mathlib: bool,
        index: LineIndex | None,
        start: int | None,
        end: int | None,
        decls: dict[str, Any],
        opens: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        k = self._store(
            StoredProofState((goal.with_tag(goal.tag),), mathlib, decls=decls, opens=opens)
        )
        entry: dict[str, Any] = {"proofState": k}
        if index is not None and start is not None:
            entry["pos"] = index.pos(start)
            entry["goal"] = pp_goal(goal, mathlib)
            entry["endPos"] = index.pos(end if end is not None else start)
        else:
            entry["goal"] = pp_goal(goal, mathlib)
        return entry

    # ------------------------------------------------------------------ command mode
    def _command(
        self,
        cmd: str,
        env_id: int | None,
        all_tactics: bool,
        root_goals: bool,
        deadline: float | None,
        timeout_s: float,
    ) -> dict[str, Any]:
        if env_id is not None:
            if env_id < 0 or env_id >= len(self.envs) or self.envs[env_id] is None:
                return {"message": UNKNOWN_ENVIRONMENT}
            env = self.envs[env_id]
        else:
            env = Environment()
        if len(cmd) > MAX_INPUT_CHARS:
            return {
                "message": f"MiniLean: input too large ({len(cmd)} characters; the limit is {MAX_INPUT_CHARS})"
            }
        session_args = {"mathlib": env.mathlib, "deadline": deadline, "timeout_s": timeout_s}
        try:
            runner = CommandRunner(cmd, env, session_args, all_tactics, root_goals)
        except ParseError as exc:
            index = LineIndex(cmd)
            new_id = len(self.envs)
            self.envs.append(env)
            return {
                "messages": [
                    {
                        "severity": "error",
                        "pos": index.pos(exc.offset),
                        "endPos": index.pos(exc.offset),
                        "data": exc.message,
                    }
                ],
                "env": new_id,
            }
        # Mathlib import changes the session's printing; the runner updates env as it goes.
        result = runner.run(imports_allowed=env_id is None)
        if result.env.mathlib != env.mathlib:
            session_args["mathlib"] = result.env.mathlib
        index = LineIndex(cmd)
        mathlib = result.env.mathlib
        out: dict[str, Any] = {}
        sorries = []
        regular = [ev for ev, is_root in result.sorries if not is_root]
        roots = [ev for ev, is_root in result.sorries if is_root]
        for ev in regular + roots:
            sorries.append(
                self._sorry_entry(
                    ev.goal, mathlib, index, ev.start, ev.end, ev.decls, result.env.opens
                )
            )
        tactics = []
        for rec in result.tactics:
            k = self._store(
                StoredProofState(tuple(rec.goals), mathlib, decls=rec.decls, opens=result.env.opens)
            )
            tactics.append(
                {
                    "tactic": cmd[rec.node.start : rec.node.end],
                    "proofState": k,
                    "pos": index.pos(rec.node.start),
                    "goals": "\n\n".join(pp_goal(g, mathlib) for g in rec.goals)
                    if rec.goals
                    else "no goals",
                    "endPos": index.pos(rec.node.end),
                    "usedConstants": [],
                }
            )
        messages = [
            {
                "severity": m.severity,
                "pos": index.pos(m.start),
                "endPos": index.pos(m.end),
                "data": m.text,
            }
            for m in result.messages
        ]
        if tactics:
            out["tactics"] = tactics
        if sorries:
            out["sorries"] = sorries
        if messages:
            out["messages"] = messages
        new_id = len(self.envs)
        self.envs.append(result.env)
        out["env"] = new_id
        return out

    # ------------------------------------------------------------------ tactic mode
    def _tactic(
        self, text: str, ps: int, deadline: float | None, timeout_s: float
    ) -> dict[str, Any]:
        state = self.proof_states.get(ps)
        if state is None:
            return {"message": UNKNOWN_PROOF_STATE}
        if len(text) > MAX_INPUT_CHARS:
            return {
                "message": f"Lean error:\nMiniLean: input too large ({len(text)} characters; the limit is {MAX_INPUT_CHARS})"
            }
        try:
            seq = _one_tactic(Parser(text), text)
        except ParseError as exc:
            pos = LineIndex(text).pos(min(exc.offset, len(text)))
            return {"message": f"Lean error:\n<input>:{pos['line']}:{pos['column']}: {exc.message}"}
        session = Session(
            tactics=TACTICS,
            mathlib=state.mathlib,
            deadline=deadline,
            timeout_s=timeout_s,
            source=text,
            decls=state.decls,
            opens=state.opens,
        )
        try:
            goals = session.run_seq(seq, list(state.goals))
        except RecoverableElabError as exc:
            # An elaboration error Lean recovers from: logged, the goal closed with `sorry`.
            session.log_error(exc)
            session.synthetic_sorry = True
            goals = list(state.goals[1:])
        except LeanFailure as exc:
            return {"message": f"Lean error:\n{exc.message}"}
        sorries = [
            self._sorry_entry(ev.goal, state.mathlib, None, None, None, state.decls, state.opens)
            for ev in session.sorries
        ]
        new_state = StoredProofState(
            tuple(goals),
            state.mathlib,
            state.uses_sorry or session.uses_sorry or session.synthetic_sorry,
            state.axioms | frozenset(session.axioms),
            state.decls,
            state.opens,
        )
        k = self._store(new_state)
        out: dict[str, Any] = {}
        if sorries:
            out["sorries"] = sorries
        if goals:
            status = "Incomplete: open goals remain"
        elif new_state.uses_sorry:
            status = "Incomplete: contains sorry"
        else:
            status = "Completed"
        out["proofStatus"] = status
        out["proofState"] = k
        messages = [
            {"severity": m.severity, "pos": _ZERO_POS, "endPos": _ZERO_POS, "data": m.text}
            for m in session.messages
        ]
        if messages:
            out["messages"] = messages
        out["goals"] = [pp_goal(g, state.mathlib) for g in goals]
        return out


def _one_tactic(parser: Parser, text: str) -> Node:
    """Parses exactly one tactic, as the REPL does (``REPL/Snapshots.lean`` ``runString``:
    ``Parser.runParserCategory env `tactic``): text left after it is ``expected end of input``
    at its first token (``Lean/Parser/Extension.lean``), so ``tac1; tac2`` or two lines of
    tactics fail at the second one (leanprover-community/repl#43: ``ext1 x; ext1 n`` gives
    ``<input>:1:6: expected end of input``). Clients send a sequence as its tactics in turn."""
    first = parser.peek()
    if first.kind == "eof":
        raise ParseError("unexpected end of input; expected tactic", len(text))
    parser.barrier.append(first.col if first.first else parser._column_of(first))
    try:
        tactic = parser.tactic()
    finally:
        parser.barrier.pop()
    rest = parser.toks[parser.i]
    if rest.kind != "eof":
        raise ParseError("expected end of input", rest.start)
    return Node("seq", [[tactic]], tactic.start, tactic.end)
