"""Goal-aware rollout: any step-level search whose actions continue greedily until the number of
open goals changes (SEG-ATP).

Source: SEG-ATP ("Rethinking Supervision Granularity", arXiv 2605.11905, NJU): the signal that
cuts proofs into segments, a change in the number of open goals, "triggers short rollouts
around structurally meaningful transitions" at inference. Each tactic the inner search samples
is continued greedily (the policy's single most likely tactic, ``k=1``) for up to ``horizon``
tactics while the number of goals stays what it was before the sampled tactic; the child the
inner search sees is the state where it changed (or the last state reached when the horizon
is hit or the greedy tactic fails). Every rollout state is recorded in the tree. The rollouts
of one expansion's children advance together: each greedy step is one ``propose_batch`` call
for all of them (one model call, as a vLLM server would serve it). Children that reach a state
seen before are not rolled out (the inner search drops them anyway).

The paper gives no rollout horizon or sampling settings (its source could not be found);
``horizon=4`` is our assumption, and the inner search keeps its own constants (by default
:class:`~agents.search.best_first.BestFirstSearch`). Rollout policy calls and Lean calls count
against the same budget; a rollout step is not an expansion.
"""

from __future__ import annotations

from typing import Any, ClassVar

from agents.search.base import Budget, SearchResult, make_search
from agents.search.engine import SearchContext, Transition, TreeSearch
from lean_gym.types import Theorem

__all__ = ["GoalAwareRollout", "rollout_hook"]


def rollout_hook(horizon: int):
    """The expansion hook that continues each child greedily while its number of goals is
    the one its parent had: all of an expansion's rollouts advance in lockstep, one batched
    policy call (``propose_batch``, ``k=1``) per step."""

    def rolls_on(transition: Transition) -> bool:
        state = transition.state
        return (
            state is not None
            and transition.new
            and not transition.solved
            and state.num_goals == transition.parent_goals
        )

    def hook(ctx: SearchContext, children: list[Transition]) -> list[Transition]:
        active = [i for i, child in enumerate(children) if rolls_on(child)]
        for _ in range(horizon):
            if not active or ctx.policy_blocked() is not None:
                break
            states = [children[i].state for i in active]
            proposals = ctx.propose(states, 1)  # type: ignore[arg-type]
            if proposals is None:
                break
            still: list[int] = []
            for i, candidates in zip(active, proposals, strict=True):
                if not candidates:
                    continue
                if ctx.lean_blocked() is not None:
                    return children
                extended = ctx.extend(children[i], candidates[0].text)
                if extended.state is None:
                    continue  # the greedy tactic failed: the child is where the rollout got to
                extended.logprob = children[i].logprob + candidates[0].logprob
                children[i] = extended
                if extended.solved:
                    return children[: i + 1]
                if rolls_on(extended):
                    still.append(i)
            active = still
        return children

    return hook


class GoalAwareRollout:
    """Wraps a step-level :class:`~agents.search.engine.TreeSearch` with goal-aware rollouts.

    Args:
        inner: The wrapped search: a registered name or an instance (default ``best-first``).
        horizon: Most greedy tactics per rollout.
        inner_kwargs: Options for an inner search built by name.
        **kwargs: Options for the inner search too (``k``, ``policy_timeout``, ...).

    Raises:
        TypeError: When ``inner`` is not a :class:`TreeSearch` (rollouts hook into its steps).
    """

    name: ClassVar[str] = "goal-aware-rollout"

    def __init__(
        self,
        *,
        inner: str | TreeSearch = "best-first",
        horizon: int = 4,
        inner_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ):
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon!r}")
        kwargs.setdefault("granularity", "step")
        built = (
            make_search(inner, **{**kwargs, **(inner_kwargs or {})})
            if isinstance(inner, str)
            else inner
        )
        if not isinstance(built, TreeSearch):
            raise TypeError(
                f"goal-aware rollout wraps a TreeSearch (its steps carry the rollout), got "
                f"{type(built).__name__}"
            )
        self.inner = built
        self.horizon = int(horizon)

    @property
    def granularity(self) -> str | None:
        return self.inner.granularity

    def search(
        self,
        theorem: Theorem,
        env_or_backend: Any,
        policy: Any,
        budget: Budget | None = None,
    ) -> SearchResult:
        ctx = self.inner.context(theorem, env_or_backend, policy, budget or Budget())
        ctx.search_name = f"{self.name}({self.inner.name})"
        ctx.hooks.append(rollout_hook(self.horizon))
        try:
            return ctx.result(self.inner.run(ctx))
        finally:
            ctx.close()

    def __repr__(self) -> str:
        return f"GoalAwareRollout(inner={self.inner!r}, horizon={self.horizon})"
