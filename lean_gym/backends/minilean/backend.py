"""MiniLeanBackend: the in-process fast path to MiniLean.

It drives a :class:`MiniLeanRepl` with the same JSON requests a REPL subprocess would get and
reads the answers with :mod:`lean_gym.backends.repl_answers`, so the in-process and subprocess
paths read Lean the same way. Proof-state handles are small objects; when the last
:class:`ProofState` holding one is garbage collected, a weakref finalizer discards the state in
the REPL, so memory stays flat in long searches.
"""

from __future__ import annotations

import itertools
import time
import weakref
from typing import Any

from lean_gym.backends.base import (
    DEFAULT_TACTIC_TIMEOUT,
    DEFAULT_VERIFY_TIMEOUT,
    BackendBase,
    TheoremStartError,
)
from lean_gym.backends.minilean.repl_server import MiniLeanRepl
from lean_gym.backends.repl_answers import (
    bare_error,
    is_unknown_proof_state,
    messages_of,
    parse_axioms,
    sorries_of,
    tactic_result,
)
from lean_gym.backends.tactic_calls import run_action
from lean_gym.types import CheckOutput, Goal, LeanError, ProofState, TacticResult, Theorem

__all__ = ["MiniLeanBackend", "MiniLeanHandle"]

_instance_tokens = itertools.count(1)


class MiniLeanHandle:
    """Identifies a proof state inside one MiniLeanBackend instance."""

    __slots__ = ("token", "proof_state", "__weakref__")

    def __init__(self, token: int, proof_state: int):
        self.token = token
        self.proof_state = proof_state

    def __repr__(self) -> str:
        return f"MiniLeanHandle({self.token}, {self.proof_state})"


def _discard_quietly(repl_ref: weakref.ref[MiniLeanRepl], proof_state: int) -> None:
    repl = repl_ref()
    if repl is not None:
        repl.proof_states.pop(proof_state, None)


class MiniLeanBackend(BackendBase):
    """The embedded MiniLean prover behind the ProverBackend interface."""

    name = "minilean"

    def __init__(
        self,
        *,
        tactic_timeout: float = DEFAULT_TACTIC_TIMEOUT,
        verify_timeout: float = DEFAULT_VERIFY_TIMEOUT,
    ):
        super().__init__(tactic_timeout=tactic_timeout, verify_timeout=verify_timeout)
        self._repl = MiniLeanRepl()
        self._token = next(_instance_tokens)
        self._header_envs: dict[str, int] = {}
        self._closed = False

    # ------------------------------------------------------------------ plumbing
    def _request(self, request: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        deadline = time.monotonic() + timeout if timeout else None
        response = self._repl.handle(request, deadline=deadline)
        if _is_timeout(response):
            self.stats.timeouts += 1
        return response

    def _make_handle(self, proof_state: int) -> MiniLeanHandle:
        handle = MiniLeanHandle(self._token, proof_state)
        weakref.finalize(handle, _discard_quietly, weakref.ref(self._repl), proof_state)
        return handle

    def _header_env(self, header: str, timeout: float | None) -> int | LeanError:
        env = self._header_envs.get(header)
        if env is not None:
            return env
        response = self._request({"cmd": header}, timeout)
        self.stats.commands += 1
        err = _error_of(response)
        if err is not None:
            return err
        errors = [m for m in messages_of(response) if m.severity == "error"]
        if errors:
            return LeanError(
                kind="error", message="\n".join(m.data for m in errors), pos=errors[0].pos
            )
        env = int(response["env"])
        self._header_envs[header] = env
        return env

    # ------------------------------------------------------------------ protocol
    def start(self, theorem: Theorem, timeout: float | None = None) -> ProofState:
        timeout = timeout or self.tactic_timeout
        env = self._header_env(theorem.header, timeout)
        if isinstance(env, LeanError):
            raise TheoremStartError(theorem, env)
        response = self._request(
            {"cmd": f"theorem {theorem.name} {theorem.statement} := by sorry", "env": env}, timeout
        )
        self.stats.commands += 1
        err = _error_of(response)
        if err is not None:
            raise TheoremStartError(theorem, err)
        errors = [m for m in messages_of(response) if m.severity == "error"]
        if errors:
            raise TheoremStartError(
                theorem,
                LeanError(
                    kind="error", message="\n".join(m.data for m in errors), pos=errors[0].pos
                ),
            )
        self._repl.handle({"discardEnv": [response.get("env")]})
        sorries = sorries_of(response)
        if len(sorries) != 1 or "proofState" not in sorries[0]:
            raise TheoremStartError(
                theorem,
                LeanError(kind="error", message="MiniLean: the statement gave no proof state"),
            )
        goal = Goal.parse(sorries[0]["goal"])
        handle = self._make_handle(int(sorries[0]["proofState"]))
        return ProofState(theorem=theorem, goals=(goal,), tactics=(), handle=handle)

    def _own_handle(self, state: ProofState) -> MiniLeanHandle | None:
        handle = state.handle
        if (
            isinstance(handle, MiniLeanHandle)
            and handle.token == self._token
            and handle.proof_state in self._repl.proof_states
        ):
            return handle
        return None

    def _rebuild(self, state: ProofState, timeout: float | None) -> ProofState | LeanError:
        """Replays ``state.tactics`` from the theorem's root; returns the rebuilt state."""
        self.stats.replays += 1
        try:
            current = self.start(state.theorem, timeout)
        except TheoremStartError as exc:
            return LeanError(kind="crash", message=f"replay failed: {exc.error.message}")
        for tactic in state.tactics:
            self.stats.replayed_tactics += 1
            result = run_action(self._run_on, current, tactic, timeout or self.tactic_timeout)
            if not result.ok:
                assert isinstance(result, LeanError)
                return LeanError(
                    kind="crash", message=f"replay failed at {tactic!r}: {result.message}"
                )
            current = result.state  # type: ignore[union-attr]
        return state.with_handle(current.handle)

    def _run_on(self, state: ProofState, tactic: str, timeout: float | None) -> TacticResult:
        handle = state.handle
        assert isinstance(handle, MiniLeanHandle)
        response = self._request({"tactic": tactic, "proofState": handle.proof_state}, timeout)
        self.stats.tactic_calls += 1
        if _is_timeout(response):
            return LeanError(kind="timeout", message=str(response["message"]))
        self._drop_sorry_states(response)
        new_handle = (
            self._make_handle(int(response["proofState"])) if "proofState" in response else None
        )
        return tactic_result(state, tactic, response, new_handle)

    def _drop_sorry_states(self, response: dict[str, Any]) -> None:
        """The proof states of `sorry`s are never handed out by this backend: free them."""
        ids = [
            s["proofState"] for s in sorries_of(response) if isinstance(s.get("proofState"), int)
        ]
        if ids:
            self._repl.handle({"discard": ids})

    def run_tactic(
        self, state: ProofState, tactic: str, timeout: float | None = None
    ) -> TacticResult:
        timeout = timeout or self.tactic_timeout
        if not isinstance(tactic, str):
            return LeanError(kind="rejected", message="the tactic must be a string")
        working = state
        if self._own_handle(state) is None:
            rebuilt = self._rebuild(state, timeout)
            if isinstance(rebuilt, LeanError):
                return rebuilt
            working = rebuilt
        # One tactic per request, as the REPL parses it: an action's tactics in turn.
        result = run_action(self._run_on, working, tactic, timeout)
        if isinstance(result, LeanError) and result.message == "Unknown proof state.":
            rebuilt = self._rebuild(state, timeout)
            if isinstance(rebuilt, LeanError):
                return rebuilt
            result = run_action(self._run_on, rebuilt, tactic, timeout)
        return result

    def discard(self, state: ProofState) -> None:
        handle = self._own_handle(state)
        if handle is not None:
            self._repl.handle({"discard": [handle.proof_state]})

    def check_declaration(
        self, theorem: Theorem, text: str, timeout: float | None = None
    ) -> CheckOutput:
        timeout = timeout or self.verify_timeout
        deadline = time.monotonic() + timeout
        env = self._header_env(theorem.header, timeout)
        if isinstance(env, LeanError):
            return CheckOutput(error=env)
        response = self._request({"cmd": text, "env": env}, max(0.001, deadline - time.monotonic()))
        self.stats.commands += 1
        err = _error_of(response)
        if err is not None:
            return CheckOutput(error=err)
        messages = messages_of(response)
        self._drop_sorry_states(response)
        axioms_resp = self._request(
            {"cmd": f"#print axioms _root_.{theorem.name}", "env": int(response["env"])},
            max(0.001, deadline - time.monotonic()),
        )
        self._repl.handle({"discardEnv": [response.get("env"), axioms_resp.get("env")]})
        err = _error_of(axioms_resp)
        if err is not None:
            return CheckOutput(messages=messages, error=err)
        axioms = parse_axioms(messages_of(axioms_resp), theorem.name)
        return CheckOutput(messages=messages, axioms=axioms)

    def close(self) -> None:
        if getattr(self, "_closed", True):
            return
        self._closed = True
        self._repl.proof_states.clear()
        self._header_envs.clear()

    @property
    def live_proof_states(self) -> int:
        """How many proof states the embedded REPL holds (for memory checks)."""
        return len(self._repl.proof_states)


def _is_timeout(response: dict[str, Any]) -> bool:
    msg = response.get("message")
    return (
        isinstance(msg, str)
        and msg.startswith("MiniLean: timeout")
        and "proofState" not in response
    )


def _error_of(response: dict[str, Any]) -> LeanError | None:
    if _is_timeout(response):
        return LeanError(kind="timeout", message=str(response["message"]))
    if is_unknown_proof_state(response):
        return LeanError(kind="error", message=str(response["message"]))
    return bare_error(response)
