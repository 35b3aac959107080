"""Value labels for a value model (DESIGN.md section 8).

For every state of a trajectory: ``gamma ** d`` when a solved state is reachable below it in
the tree, ``d`` being the number of tactics from the state to the nearest solved descendant
(the state itself when it is solved, ``d = 0``); ``0.0`` for a state with no solved
descendant (a dead end of a failed branch, or a state of a trajectory that never reached the
end). Failed tactics have no state and give no row.

Rows are ``{"state": <ProofState.pp() text>, "value": float, "depth_to_end": int | None,
"theorem": name}``. The same state of the same theorem met more than once (two branches
reaching it, or two trajectories of one theorem) keeps its highest value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lean_gym.data.trajectories import Trajectory

__all__ = ["DEFAULT_GAMMA", "distances_to_end", "node_values", "value_rows"]

DEFAULT_GAMMA = 0.95


def distances_to_end(trajectory: Trajectory) -> dict[int, int | None]:
    """For every state node: tactics to its nearest solved descendant, or None."""
    distance: dict[int, int | None] = {}
    # Children come after their parent, so one reverse sweep sees every child first.
    for node in reversed(trajectory.nodes):
        if node.failed:
            continue
        own = 0 if node.is_solved else None
        best = distance.get(node.id)
        if own is not None:
            best = 0
        distance[node.id] = best
        if node.parent is not None and best is not None:
            up = distance.get(node.parent)
            if up is None or best + 1 < up:
                distance[node.parent] = best + 1
    return {node.id: distance.get(node.id) for node in trajectory.nodes if not node.failed}


def node_values(trajectory: Trajectory, gamma: float = DEFAULT_GAMMA) -> dict[int, float]:
    """``gamma ** d`` per state node (0.0 without a solved descendant)."""
    if not 0.0 < gamma <= 1.0:
        raise ValueError(f"gamma must be in (0, 1], got {gamma}")
    return {
        node_id: 0.0 if d is None else gamma**d
        for node_id, d in distances_to_end(trajectory).items()
    }


def value_rows(
    trajectories: Iterable[Trajectory],
    gamma: float = DEFAULT_GAMMA,
    *,
    include_solved: bool = True,
) -> list[dict[str, Any]]:
    """Value rows for every state of every trajectory.

    Args:
        trajectories: Linear trajectories and search trees.
        gamma: The discount, in (0, 1].
        include_solved: Also emit the solved states themselves (``no goals``, value 1.0).
    """
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for trajectory in trajectories:
        distances = distances_to_end(trajectory)
        values = node_values(trajectory, gamma)
        for node in trajectory.nodes:
            if node.failed or node.state is None:
                continue
            if node.is_solved and not include_solved:
                continue
            row = {
                "state": node.state,
                "value": values[node.id],
                "depth_to_end": distances[node.id],
                "theorem": trajectory.theorem.name,
            }
            key = (row["theorem"], row["state"])
            if key not in best or row["value"] > best[key]["value"]:
                best[key] = row
    return list(best.values())
