"""A scripted prover world for testing the env logic apart from any real prover.

``ScriptedBackend`` knows, per theorem, a set of accepted proofs (lists of tactics). A tactic is
accepted at a state when the state's path followed by the tactic is a prefix of an accepted
proof; the state's goals are named after that path, so different paths give different goals.
It keeps state handles like a REPL does and counts replays (a call on a state whose handle it
does not hold), which is how the tests see that ``expand`` does not replay.
"""

from __future__ import annotations

import itertools

from lean_gym.backends.base import BackendBase
from lean_gym.tactic_text import split_tactics
from lean_gym.types import (
    CheckOutput,
    Goal,
    LeanError,
    Message,
    Position,
    ProofState,
    Success,
    TacticResult,
    Theorem,
    Verification,
)

SCRIPTED_PROOFS: dict[str, list[list[str]]] = {
    "t_two": [["intro h", "exact h"]],
    "t_three": [["constructor", "exact a", "exact b"], ["exact ⟨a, b⟩"]],
    "t_axiom": [["cheat"]],
}


def scripted_theorems() -> list[Theorem]:
    return [
        Theorem("t_two", "(p : Prop) : p → p", proof="intro h\nexact h"),
        Theorem(
            "t_three", "(p q : Prop) (a : p) (b : q) : p ∧ q", proof="constructor\nexact a\nexact b"
        ),
        Theorem("t_axiom", "(p : Prop) : p", proof="cheat"),
    ]


class ScriptedBackend(BackendBase):
    """A backend over :data:`SCRIPTED_PROOFS` (see the module docstring)."""

    name = "scripted"

    def __init__(self) -> None:
        super().__init__()
        self.closed = False
        self.replays = 0
        self.tactic_calls = 0
        self.verify_calls = 0
        self._handles: dict[int, tuple[str, ...]] = {}
        self._ids = itertools.count(1)

    def _goals(self, theorem: Theorem, path: tuple[str, ...]) -> tuple[Goal, ...]:
        if any(list(path) == proof for proof in SCRIPTED_PROOFS[theorem.name]):
            return ()
        label = " ; ".join(path) if path else "root"
        goals = [Goal(("h : p",), f"{theorem.name} after {label}")]
        if path == ("constructor",):
            goals.append(Goal(("b : q",), "q", case="right"))
        return tuple(goals)

    def _state(self, theorem: Theorem, path: tuple[str, ...]) -> ProofState:
        handle = next(self._ids)
        self._handles[handle] = path
        return ProofState(theorem, self._goals(theorem, path), path, handle)

    def start(self, theorem: Theorem, timeout: float | None = None) -> ProofState:
        return self._state(theorem, ())

    def run_tactic(
        self, state: ProofState, tactic: str, timeout: float | None = None
    ) -> TacticResult:
        self.tactic_calls += 1
        if self._handles.get(state.handle) != state.tactics:
            self.replays += 1
        path = state.tactics
        for step in split_tactics(tactic):
            if step.count("(") != step.count(")"):
                return LeanError("parse", "<input>:1:0: unexpected end of input", Position(1, 0))
            candidate = (*path, step)
            if not any(
                list(candidate) == proof[: len(candidate)]
                for proof in SCRIPTED_PROOFS[state.theorem.name]
            ):
                return LeanError("error", f"tactic '{step}' failed", Position(1, 0))
            path = candidate
        return Success(self._state(state.theorem, path))

    def check_declaration(
        self, theorem: Theorem, text: str, timeout: float | None = None
    ) -> CheckOutput:
        raise NotImplementedError("ScriptedBackend judges proofs in verify()")

    def verify(self, theorem, proof, timeout=None, policy=None) -> Verification:  # type: ignore[override]
        self.verify_calls += 1
        tactics = split_tactics(proof)
        if tactics == ["cheat"]:
            return Verification(ok=False, axioms=("sorryAx",), reason="axiom:sorryAx")
        if any(tactics == p for p in SCRIPTED_PROOFS[theorem.name]):
            return Verification(ok=True, axioms=("propext",))
        message = Message("error", "unsolved goals", Position(2, 2))
        return Verification(ok=False, messages=(message,), reason="lean_error")

    def close(self) -> None:
        self.closed = True


def smoke_with_proofs() -> list[Theorem]:
    """The shipped smoke theorems that come with a known proof."""
    from lean_gym.data.theorems import load_theorems

    theorems = [t for t in load_theorems("smoke") if t.proof]
    assert theorems, "the smoke dataset has no theorem with a known proof"
    return theorems


def proof_tactics(theorem: Theorem) -> list[str]:
    assert theorem.proof is not None
    return split_tactics(theorem.proof)
