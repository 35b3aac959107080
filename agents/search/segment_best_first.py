"""Segment-level best-first search: best-first whose actions are proof segments.

Source: SEG-ATP ("Rethinking Supervision Granularity", arXiv 2605.11905): a segment is a
locally coherent chunk of a proof, cut where the number of open goals changes. Here each
candidate is a segment (several tactics, newline separated, as a segment-trained policy or
``ScriptedPolicy(granularity="segment")`` proposes them), run through ``LeanSegment-v0``'s
semantics (``expand``: its top-level tactics in order, each one Lean call). Every intermediate
state is recorded in the tree as a node of its own, and the segment's last node carries the
``segment`` field, so the tree feeds ``lean-gym data segments|values`` like any other.

The frontier, priorities and constants are :class:`~agents.search.best_first.BestFirstSearch`'s
(a segment is one edge: its logprob is the candidate's).
"""

from __future__ import annotations

from typing import ClassVar

from agents.search.best_first import BestFirstSearch

__all__ = ["SegmentBestFirstSearch"]


class SegmentBestFirstSearch(BestFirstSearch):
    """:class:`BestFirstSearch` at the segment granularity."""

    name: ClassVar[str] = "segment-best-first"
    default_granularity: ClassVar[str | None] = "segment"
