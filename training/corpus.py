"""The trajectories a stage trains on: replays of known proofs and search trees from files.

Every stage reads the data layer's records (``lean_gym/data/FORMATS.md``): a stage given a
theorem set replays the known proofs into linear trajectories through a backend
(:func:`lean_gym.data.build_trajectory`, each proof verified through integrity); a stage given
trajectory files (``lean-gym data trajectories``, the eval runner's ``trees/``, expert
iteration's rounds) reads them as they are.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lean_gym.data.trajectories import Trajectory, build_trajectories, iter_jsonl
from lean_gym.types import Theorem

__all__ = [
    "PROBE_TACTICS",
    "replay_trajectories",
    "read_trajectories",
    "trajectory_files",
    "with_sibling_branches",
]

logger = logging.getLogger(__name__)


def replay_trajectories(
    theorems: Iterable[Theorem], backend: str | object = "minilean", *, timeout: float | None = None
) -> list[Trajectory]:
    """Linear trajectories of the theorems' known proofs (theorems without one are skipped).

    Args:
        theorems: The theorems.
        backend: A backend name or instance (an instance is left open).
        timeout: Seconds per backend call.
    """
    from lean_gym.backends import make_backend

    owned = isinstance(backend, str)
    instance: Any = make_backend(backend) if owned else backend
    try:
        trajectories, failures = build_trajectories(instance, theorems, timeout=timeout)
    finally:
        if owned:
            instance.close()
    for failure in failures:
        logger.warning("skipping %s", failure)
    return trajectories


def trajectory_files(spec: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The jsonl files of a spec: a file, a directory (every ``*.jsonl`` below it), or a
    comma-separated list / sequence of those."""
    items: list[str | os.PathLike[str]]
    if isinstance(spec, (str, os.PathLike)):
        items = [part for part in str(spec).split(",") if part.strip()]
    else:
        items = list(spec)
    files: list[Path] = []
    for item in items:
        path = Path(str(item).strip())
        if path.is_dir():
            files.extend(sorted(path.rglob("*.jsonl")))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no trajectory file or directory at {path}")
    return files


def read_trajectories(
    spec: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
) -> list[Trajectory]:
    """Every trajectory record in the files of ``spec`` (see :func:`trajectory_files`).

    Lines of other jsonl files in a directory (an eval's ``results.jsonl``) are not trajectory
    records: files whose first record is not one are skipped with a log line.
    """
    trajectories: list[Trajectory] = []
    for path in trajectory_files(spec):
        try:
            records = list(iter_jsonl(path))
        except ValueError as exc:
            logger.info("skipping %s: %s", path, exc)
            continue
        trajectories.extend(records)
    return trajectories


# Tactics tried next to every proof-path state to grow failed branches when no search tree is
# at hand: generic moves of the fragment, most of which fail or lead off the proof path.
PROBE_TACTICS = (
    "intro h",
    "constructor",
    "assumption",
    "simp",
    "omega",
    "rfl",
    "decide",
    "left",
    "right",
    "trivial",
    "contradiction",
    "exact h",
)


def with_sibling_branches(
    trajectories: Iterable[Trajectory],
    backend: str | object = "minilean",
    *,
    tactics: Sequence[str] = PROBE_TACTICS,
    timeout: float | None = None,
) -> list[Trajectory]:
    """Each linear trajectory grown into a small search tree: every tactic of ``tactics`` is
    tried on every state of its proof path, its result (a new state, or a failed leaf) added as
    a sibling of the path's own next node.

    What a search would have produced around a known proof, for the value labels (states off
    the proof path with no solved descendant are the ``gamma**d`` value model's negatives) and
    the preference pairs (a failed sibling is a rejected tactic). Trees and incomplete
    trajectories are passed through unchanged.
    """
    from lean_gym.backends import make_backend
    from lean_gym.data.trajectories import TreeBuilder, backend_info
    from lean_gym.errors import BackendError, TheoremStartError
    from lean_gym.types import Success

    owned = isinstance(backend, str)
    instance: Any = make_backend(backend) if owned else backend
    name, version, lean_version = backend_info(instance)
    grown: list[Trajectory] = []
    try:
        for trajectory in trajectories:
            paths = trajectory.proof_paths()
            if not trajectory.is_linear or not paths:
                grown.append(trajectory)
                continue
            path = paths[0]
            try:
                state = instance.start(trajectory.theorem, timeout)
            except (TheoremStartError, BackendError) as exc:
                logger.warning("not branching %s: %s", trajectory.theorem.name, exc)
                grown.append(trajectory)
                continue
            builder = TreeBuilder(trajectory.theorem)
            node = builder.add_root(state)
            for step in path[1:]:
                assert step.tactic is not None
                for tactic in tactics:
                    if tactic == step.tactic:
                        continue
                    builder.add_result(node, tactic, instance.run_tactic(state, tactic, timeout))
                result = instance.run_tactic(state, step.tactic, timeout)
                node = builder.add_result(node, step.tactic, result)
                if not isinstance(result, Success):
                    break
                state = result.state
            grown.append(
                builder.build(
                    backend=name,
                    backend_version=version,
                    lean_version=lean_version,
                    origin="probe",
                    proof=trajectory.proof,
                    verified=trajectory.verified,
                    verify_reason=trajectory.verify_reason,
                    meta={"probe_tactics": list(tactics)},
                )
            )
    finally:
        if owned:
            instance.close()
    return grown
