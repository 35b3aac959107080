"""Recording a search tree in the data layer's trajectory format.

:class:`SearchTree` wraps :class:`lean_gym.data.trajectories.TreeBuilder` and adds the two
optional node fields of a search tree: ``expanded`` (the order in which the search expanded the
node) and ``segment`` (on the last node of a multi-tactic edge: its tactics). A segment edge is
recorded as one node per tactic, every intermediate state included, so the segmenters and the
value labels of ``lean-gym data`` see ordinary one-tactic edges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lean_gym.data.trajectories import Trajectory, TreeBuilder, backend_info
from lean_gym.types import LeanError, ProofState, Theorem

__all__ = ["SearchTree"]


class SearchTree:
    """The nodes of one search (ids ``0..n-1``, node 0 the root).

    Args:
        theorem: The theorem searched.
        root: Its root state.
        enabled: False records nothing (every method is then a cheap no-op returning -1).
    """

    def __init__(self, theorem: Theorem, root: ProofState, *, enabled: bool = True):
        self.enabled = enabled
        self._builder = TreeBuilder(theorem) if enabled else None
        self._expanded: dict[int, int] = {}
        self._segments: dict[int, list[str]] = {}
        self._count = 0
        if self._builder is not None:
            self._builder.add_root(root)
        self._count = 1

    def __len__(self) -> int:
        return self._count

    def add_state(self, parent: int, tactic: str, state: ProofState) -> int:
        self._count += 1
        if self._builder is None:
            return -1
        return self._builder.add_state(parent, tactic, state)

    def add_failure(self, parent: int, tactic: str, error: LeanError) -> int:
        self._count += 1
        if self._builder is None:
            return -1
        return self._builder.add_failure(parent, tactic, error)

    def mark_expanded(self, node: int, order: int) -> None:
        if self._builder is not None and node >= 0:
            self._expanded.setdefault(node, order)

    def mark_segment(self, node: int, tactics: Sequence[str]) -> None:
        if self._builder is not None and node >= 0 and len(tactics) > 1:
            self._segments[node] = list(tactics)

    def build(
        self,
        backend: Any,
        *,
        proof: str | None,
        meta: Mapping[str, Any] | None = None,
    ) -> Trajectory | None:
        """The tree as a :class:`Trajectory` (None when recording was off)."""
        if self._builder is None:
            return None
        name, version, lean_version = backend_info(backend)
        full_meta = dict(meta or {})
        full_meta["node_fields"] = {
            "expanded": dict(self._expanded),
            "segment": dict(self._segments),
        }
        return self._builder.build(
            backend=name,
            backend_version=version,
            lean_version=lean_version,
            origin="search",
            proof=proof,
            meta=full_meta,
        )
