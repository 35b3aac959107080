"""Test doubles for the data layer: a scripted backend and hand-built trajectories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lean_gym.data.trajectories import Trajectory, TreeBuilder
from lean_gym.types import Goal, LeanError, ProofState, Success, Theorem, Verification


def goal(target: str, *hyps: str, case: str | None = None) -> Goal:
    return Goal(hypotheses=tuple(hyps), target=target, case=case)


class ScriptedBackend:
    """A backend whose answers are a table: tactic path -> goals (or an error).

    Args:
        root: The goals of the initial state.
        table: Maps a tuple of tactics (the path from the root) to the goals after the last
            one, or to a LeanError.
        verified: What ``verify`` answers.
        all_tactics_entries: If given, the backend offers ``all_tactics`` returning these.
    """

    name = "scripted"
    version = "scripted-1"
    lean_version = "Lean (scripted) 4.0.0"

    def __init__(
        self,
        root: Sequence[Goal],
        table: Mapping[tuple[str, ...], Sequence[Goal] | LeanError],
        *,
        verified: bool = True,
        all_tactics_entries: list[dict[str, Any]] | None = None,
    ):
        self.root = tuple(root)
        self.table = dict(table)
        self.verified = verified
        self.calls: list[tuple[str, ...]] = []
        self.verify_calls: list[str] = []
        if all_tactics_entries is not None:
            self._entries = all_tactics_entries
            self.all_tactics = self._all_tactics

    def _all_tactics(self, theorem: Theorem, proof: str) -> dict[str, Any]:
        return {"tactics": self._entries}

    def start(self, theorem: Theorem, timeout: float | None = None) -> ProofState:
        return ProofState(theorem, self.root, (), handle=0)

    def run_tactic(self, state: ProofState, tactic: str, timeout: float | None = None):
        path = (*state.tactics, tactic)
        self.calls.append(path)
        answer = self.table.get(path, LeanError("error", f"unknown tactic path {path}"))
        if isinstance(answer, LeanError):
            return answer
        return Success(ProofState(state.theorem, tuple(answer), path, handle=len(self.calls)))

    def verify(self, theorem, proof, timeout=None, policy=None) -> Verification:
        self.verify_calls.append(proof)
        if self.verified:
            return Verification(ok=True)
        return Verification(ok=False, reason="lean_error", detail="scripted rejection")

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


AND_THEOREM = Theorem(
    name="and_intro_ex",
    statement="(p q : Prop) (hp : p) (hq : q) : p ∧ q",
    proof="constructor\nexact hp\nexact hq",
)
AND_HYPS = ("p q : Prop", "hp : p", "hq : q")


def and_backend(**kwargs: Any) -> ScriptedBackend:
    """`constructor` / `exact hp` / `exact hq` on `p ∧ q` (1 -> 2 -> 1 -> 0 goals)."""
    left = goal("p", *AND_HYPS, case="left")
    right = goal("q", *AND_HYPS, case="right")
    return ScriptedBackend(
        [goal("p ∧ q", *AND_HYPS)],
        {
            ("constructor",): [left, right],
            ("constructor", "exact hp"): [right],
            ("constructor", "exact hp", "exact hq"): [],
            ("constructor", "exact hq"): LeanError("error", "type mismatch\n  hq\nhas type q"),
        },
        **kwargs,
    )


PROJ_THEOREM = Theorem(
    name="and_left_ex", statement="(p q : Prop) : p ∧ q → p", proof="intro h\nexact h.1"
)


def proj_backend() -> ScriptedBackend:
    """`intro h` / `exact h.1` (1 -> 1 -> 0 goals)."""
    return ScriptedBackend(
        [goal("p ∧ q → p", "p q : Prop")],
        {
            ("intro h",): [goal("p", "p q : Prop", "h : p ∧ q")],
            ("intro h", "exact h.1"): [],
        },
    )


def linear(theorem: Theorem, goal_counts: Sequence[int], tactics: Sequence[str] | None = None,
           *, solved: bool | None = None) -> Trajectory:  # fmt: skip
    """A linear trajectory whose states have the given goal counts (distinct targets)."""
    tactics = list(tactics) if tactics is not None else [
        f"tac{i}" for i in range(1, len(goal_counts))
    ]  # fmt: skip
    assert len(tactics) == len(goal_counts) - 1
    builder = TreeBuilder(theorem)

    def state(index: int, count: int) -> ProofState:
        goals = tuple(goal(f"{theorem.name}_g{index}_{j}", "x : Nat") for j in range(count))
        return ProofState(theorem, goals, tuple(tactics[:index]))

    node = builder.add_root(state(0, goal_counts[0]))
    for index, tactic in enumerate(tactics, start=1):
        node = builder.add_state(node, tactic, state(index, goal_counts[index]))
    return builder.build(backend="hand", origin="manual", proof="\n".join(tactics))
