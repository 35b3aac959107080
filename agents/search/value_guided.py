"""Value- or critic-guided best-first search (CoProver, InternLM2.5-StepProver).

Sources:

* CoProver (``value_guided_search.py``): a ReProver best-first search whose priority is
  ``alpha * cumulative_logprob + (1 - alpha) * V(state)`` with ``alpha=0.3``; ``V`` (a value
  model trained on ``gamma**d`` labels, in [0, 1]) is cached per state.
* InternLM2.5-StepProver: the critic's score alone is the priority (``alpha=0``).

``value`` is any callable ``ProofState -> float`` (a trained value model, a critic, a
heuristic); the default :func:`goal_count_value` is a model-free heuristic, ``gamma ** goals``
(fewer open goals look closer to the end). Value calls are timed as model time and cached per
state key; a value function that raises scores 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from agents.search.best_first import BestFirstSearch
from agents.search.engine import SearchContext
from lean_gym.types import ProofState

__all__ = ["ValueGuidedSearch", "goal_count_value"]


def goal_count_value(state: ProofState, gamma: float = 0.95) -> float:
    """``gamma ** (number of open goals)``: 1 for a solved state."""
    return gamma**state.num_goals


class ValueGuidedSearch(BestFirstSearch):
    """Best-first on ``alpha * logprob + (1 - alpha) * V(s)`` (see the module docstring).

    Args:
        value: ``ProofState -> float`` (default :func:`goal_count_value`).
        alpha: Weight of the cumulative logprob (CoProver 0.3; 0 is critic-only).
        **kwargs: :class:`BestFirstSearch` options.
    """

    name: ClassVar[str] = "value-best-first"

    def __init__(
        self,
        *,
        value: Callable[[ProofState], float] | None = None,
        alpha: float = 0.3,
        **kwargs: Any,
    ):
        kwargs.setdefault("edge_score", "sum")
        super().__init__(**kwargs)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
        self.value_fn = value or goal_count_value
        self.alpha = float(alpha)

    def priority(
        self, ctx: SearchContext, state: ProofState, cum_logprob: float, depth: int
    ) -> float:
        value = ctx.value(self.value_fn, state)
        return self.alpha * cum_logprob + (1.0 - self.alpha) * value
