"""Adaptive beam best-first search (DoBeVi).

Source: DoBeVi (NJU, arXiv 2505.12031; ``search/layer_dropout_algo.py``). The number of
candidates sampled per expansion (the beam) shrinks linearly from ``max_beam`` to
``min_beam`` within the first 1/15 of the expansion budget::

    beam = int(min_beam + (max_beam - min_beam) * max(0, 1 - 15 * e / E))

where ``e`` is the number of expansions so far and ``E`` the expansion budget. A node's
priority is its parent's plus the candidate's summed logprob (no length normalisation);
candidates run in descending score order; states seen before are not enqueued (DoBeVi skips
back-edges to ancestors; deduplication by state key covers that).

Constants: ``min_beam=4`` and ``decay=15`` (DoBeVi), ``E`` = the budget's expansions or
``schedule_expansions=600`` (DoBeVi's ``MAX_EXPANSIONS``) when the budget has none,
``max_beam=16`` (ours: DoBeVi's template sets ``NUM_SAMPLED_TACTICS=4`` for both ends, which
makes the beam constant).
"""

from __future__ import annotations

from typing import Any, ClassVar

from agents.search.best_first import BestFirstSearch
from agents.search.engine import SearchContext

__all__ = ["AdaptiveBeamSearch", "adaptive_beam"]


def adaptive_beam(
    expansions: int, total: int, *, min_beam: int, max_beam: int, decay: float
) -> int:
    """DoBeVi's beam width after ``expansions`` of ``total`` expansions."""
    fraction = max(0.0, 1.0 - decay * expansions / max(total, 1))
    return int(min_beam + (max_beam - min_beam) * fraction)


class AdaptiveBeamSearch(BestFirstSearch):
    """Best-first search whose beam shrinks as the budget is spent (see the module docstring).

    Args:
        max_beam: Candidates per expansion at the start.
        min_beam: Candidates per expansion after the first ``1/decay`` of the budget.
        decay: How fast the beam shrinks.
        schedule_expansions: The ``E`` of the schedule when the budget sets no expansions.
        **kwargs: :class:`~agents.search.engine.TreeSearch` options.
    """

    name: ClassVar[str] = "adaptive-beam"

    def __init__(
        self,
        *,
        max_beam: int = 16,
        min_beam: int = 4,
        decay: float = 15.0,
        schedule_expansions: int = 600,
        **kwargs: Any,
    ):
        kwargs.setdefault("k", max_beam)
        kwargs.setdefault("edge_score", "sum")
        super().__init__(**kwargs)
        if not 1 <= min_beam <= max_beam:
            raise ValueError(f"need 1 <= min_beam <= max_beam, got {min_beam}, {max_beam}")
        self.max_beam = int(max_beam)
        self.min_beam = int(min_beam)
        self.decay = float(decay)
        self.schedule_expansions = int(schedule_expansions)

    def candidates_per_expansion(self, ctx: SearchContext) -> int:
        total = ctx.budget.expansions or self.schedule_expansions
        # ``ctx.expansions`` already counts the expansion being made.
        return adaptive_beam(
            ctx.expansions - 1,
            total,
            min_beam=self.min_beam,
            max_beam=self.max_beam,
            decay=self.decay,
        )
