"""Negative value labels: the branches a known proof does not take.

Replayed proofs give value labels for the states on their path only, all positive
(``gamma ** d``); a value model trained on them alone learns a constant. Negatives come from
failed branches, as in the search trees of InternLM2.5-StepProver and CoProver: at every state
of a known proof's path, :func:`add_negative_branches` tries ``per_state`` other tactics
(drawn, seeded, from the goal-aware scripted library :class:`lean_gym.tactic_library.TacticLibrary`
and a few generic tactics) and then explores each new state with a small budget of Lean calls
(the library's most likely tactic first, depth first). The trajectory becomes a search tree:

* a tactic Lean refuses is a failed leaf (no state, so no value row; counted as ``failed``);
* a branch that reaches no solved state within the budget "leads nowhere": its states get
  value 0 (:mod:`lean_gym.data.values`), the negatives;
* a branch that does reach a solved state is another proof: its states get ``gamma ** d`` like
  the path's.

A negative is a state from which this budget found no proof, not a state proved unprovable;
the row's value is the label a value model is trained towards, as in the papers.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lean_gym.backends.base import ProverBackend
from lean_gym.data.trajectories import Trajectory, TreeBuilder, backend_info
from lean_gym.errors import BackendError
from lean_gym.tactic_library import TacticLibrary
from lean_gym.types import ProofState, Success

__all__ = ["GENERIC_TACTICS", "BranchCounts", "add_negative_branches"]

GENERIC_TACTICS = (
    "intro h",
    "constructor",
    "assumption",
    "rfl",
    "simp",
    "omega",
    "decide",
    "trivial",
    "left",
    "right",
    "exfalso",
    "contradiction",
)
"""Tried besides the library's suggestions (the library proposes what fits a goal's shape)."""


@dataclass(frozen=True)
class BranchCounts:
    """What :func:`add_negative_branches` did.

    Attributes:
        trajectories: Trajectories given.
        branched: Trajectories that got branches (their proof replayed on the backend).
        tried: Sampled tactics run off the proof paths.
        failed: Of those, tactics Lean refused (failed leaves, no value row).
        lean_calls: Tactic calls made, exploration included.
    """

    trajectories: int = 0
    branched: int = 0
    tried: int = 0
    failed: int = 0
    lean_calls: int = 0

    def __add__(self, other: BranchCounts) -> BranchCounts:
        return BranchCounts(
            self.trajectories + other.trajectories,
            self.branched + other.branched,
            self.tried + other.tried,
            self.failed + other.failed,
            self.lean_calls + other.lean_calls,
        )


def _candidates(library: TacticLibrary, state: ProofState) -> list[str]:
    out: list[str] = []
    for text in [s.text for s in library.suggest(state, 16)] + list(GENERIC_TACTICS):
        if text not in out:
            out.append(text)
    return out


def add_negative_branches(
    trajectories: Sequence[Trajectory],
    backend: ProverBackend,
    *,
    per_state: int = 4,
    budget: int = 8,
    seed: int = 0,
    timeout: float | None = None,
    progress: bool = False,
) -> tuple[list[Trajectory], BranchCounts]:
    """Each trajectory with a proof path, as a tree with sampled branches off that path.

    Args:
        trajectories: Linear trajectories (replays of known proofs) or trees; those without a
            proof path, or whose proof does not replay on ``backend``, are returned unchanged.
        backend: Runs the tactics (it must start the theorems).
        per_state: Tactics sampled at every unsolved state of the path.
        budget: Lean calls spent exploring each branch that opens a new state.
        seed: Seeds the sampling (the same seed gives the same branches).
        timeout: Seconds per tactic call (None: the backend's default).
        progress: Show a progress bar with live counts (needs tqdm).

    Returns:
        The trajectories (trees where branched) and the counts.
    """
    if per_state < 0 or budget < 0:
        raise ValueError(f"per_state and budget must be >= 0, got {per_state}, {budget}")
    rng = random.Random(seed)
    library = TacticLibrary(seed=seed)
    out: list[Trajectory] = []
    total = BranchCounts()
    bar = _progress_bar(len(trajectories)) if progress else None
    for trajectory in trajectories:
        branched, counts = _branch(trajectory, backend, per_state, budget, rng, library, timeout)
        out.append(branched)
        total = total + counts
        if bar is not None:
            bar.set_postfix(tried=total.tried, failed=total.failed, refresh=False)
            bar.update(1)
    if bar is not None:
        bar.close()
    return out, total


def _progress_bar(total: int) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a convenience: no tqdm, no bar
        return None
    return tqdm(total=total, desc="negatives", unit="trajectory", dynamic_ncols=True)


def _branch(
    trajectory: Trajectory,
    backend: ProverBackend,
    per_state: int,
    budget: int,
    rng: random.Random,
    library: TacticLibrary,
    timeout: float | None,
) -> tuple[Trajectory, BranchCounts]:
    paths = trajectory.proof_paths()
    if not paths or per_state == 0:
        return trajectory, BranchCounts(trajectories=1)
    path = paths[0]
    try:
        state = backend.start(trajectory.theorem, timeout=timeout)
    except BackendError:
        return trajectory, BranchCounts(trajectories=1)
    builder = TreeBuilder(trajectory.theorem)
    node = builder.add_root(state)
    states: list[tuple[int, ProofState]] = [(node, state)]
    calls = 0
    for step in path[1:]:
        assert step.tactic is not None
        result = backend.run_tactic(state, step.tactic, timeout=timeout)
        calls += 1
        if not isinstance(result, Success):
            return trajectory, BranchCounts(trajectories=1, lean_calls=calls)
        state = result.state
        node = builder.add_state(node, step.tactic, state)
        states.append((node, state))
    tried = failed = 0
    for (node, state), step in zip(states, [*path[1:], None], strict=True):
        if state.is_solved:
            continue
        on_path = step.tactic if step is not None else None
        options = [t for t in _candidates(library, state) if t != on_path]
        for tactic in rng.sample(options, min(per_state, len(options))):
            result = backend.run_tactic(state, tactic, timeout=timeout)
            calls += 1
            tried += 1
            child = builder.add_result(node, tactic, result)
            if not isinstance(result, Success):
                failed += 1
                continue
            calls += _explore(builder, backend, library, child, result.state, budget, timeout)
    name, version, lean_version = backend_info(backend)
    tree = builder.build(
        backend=name,
        backend_version=version,
        lean_version=lean_version,
        origin="negatives",
        proof=trajectory.proof,
        verified=trajectory.verified,
        verify_reason=trajectory.verify_reason,
        meta={**dict(trajectory.meta), "negatives": {"tried": tried, "failed": failed}},
    )
    return tree, BranchCounts(1, 1, tried, failed, calls)


def _explore(
    builder: TreeBuilder,
    backend: ProverBackend,
    library: TacticLibrary,
    node: int,
    state: ProofState,
    budget: int,
    timeout: float | None,
) -> int:
    """Depth-first from ``state``, the library's order, at most ``budget`` calls; stops at a
    solved state. Returns the calls made."""
    calls = 0
    stack: list[tuple[int, ProofState]] = [(node, state)]
    seen = {state.key()}
    while stack and calls < budget:
        node, state = stack.pop()
        if state.is_solved:
            return calls
        children: list[tuple[int, ProofState]] = []
        for tactic in _candidates(library, state):
            if calls >= budget:
                break
            result = backend.run_tactic(state, tactic, timeout=timeout)
            calls += 1
            if not isinstance(result, Success):
                continue  # failures while exploring are not kept: they label nothing
            if result.state.key() in seen:
                continue
            seen.add(result.state.key())
            child = builder.add_state(node, tactic, result.state)
            if result.state.is_solved:
                return calls
            children.append((child, result.state))
            if len(children) >= 2:
                break
        stack.extend(reversed(children))
    return calls
