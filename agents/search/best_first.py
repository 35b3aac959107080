"""Best-first search on cumulative logprob, with BFS-Prover-V2's depth normalisation.

Sources:

* ReProver / LeanDojo (``prover/proof_search.py``): a node's priority is the cumulative
  logprob of the tactics from the root; pop the best node, sample candidates, run them in
  descending logprob order, enqueue each new state, stop as soon as a proof is found; states
  already seen are not enqueued again.
* BFS-Prover-V2 (``src/search``): an edge scores the per-token mean logprob of its tactic
  (``Candidate.mean_logprob``), and the queue key is ``cum_logprob / depth**depth_reward``.
  Since the sum is negative, ``depth_reward > 0`` favours deeper nodes (length normalisation).

Constants: ``depth_reward=0.0`` (BFS-Prover-V2's class default, which is ReProver's plain
cumulative logprob; its run script uses 2.0), ``edge_score="mean"`` (BFS-Prover-V2; ``"sum"``
is ReProver's summed logprob), ``k=8`` candidates per expansion (ours: BFS-Prover-V2's script
samples 4, ReProver 64).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agents.policies.base import Candidate
from agents.search.engine import SearchContext, TreeSearch
from lean_gym.types import ProofState

__all__ = ["BestFirstSearch", "SearchNode"]


@dataclass(order=True)
class SearchNode:
    """A frontier entry: ordered by ``sort_key`` (smaller first)."""

    sort_key: tuple[float, int]
    state: ProofState = field(compare=False)
    tree_node: int = field(compare=False)
    depth: int = field(compare=False)
    cum_logprob: float = field(compare=False)
    failures: int = field(default=0, compare=False)


class BestFirstSearch(TreeSearch):
    """Best-first search (see the module docstring).

    Args:
        depth_reward: The exponent ``α`` of ``cum_logprob / depth**α``.
        edge_score: ``"mean"`` (per-token mean logprob of a candidate) or ``"sum"``.
        **kwargs: :class:`~agents.search.engine.TreeSearch` options (``k``, ``granularity``,
            ``policy_timeout``, ``record_tree``, ``env_kwargs``).
    """

    name: ClassVar[str] = "best-first"
    default_granularity: ClassVar[str | None] = None
    default_k: ClassVar[int] = 8

    def __init__(self, *, depth_reward: float = 0.0, edge_score: str = "mean", **kwargs: Any):
        super().__init__(**kwargs)
        if edge_score not in ("mean", "sum"):
            raise ValueError(f"edge_score must be 'mean' or 'sum', got {edge_score!r}")
        if depth_reward < 0:
            raise ValueError(f"depth_reward must be >= 0, got {depth_reward!r}")
        self.depth_reward = float(depth_reward)
        self.edge_score = edge_score

    # -- what subclasses change

    def candidates_per_expansion(self, ctx: SearchContext) -> int:
        """How many candidates to ask for at the next expansion."""
        return self.k

    def edge(self, candidate: Candidate) -> float:
        """The score an edge adds to its child's cumulative logprob."""
        return candidate.mean_logprob if self.edge_score == "mean" else candidate.logprob

    def priority(
        self, ctx: SearchContext, state: ProofState, cum_logprob: float, depth: int
    ) -> float:
        """The node's priority (larger is expanded first)."""
        if self.depth_reward and depth > 0:
            return cum_logprob / depth**self.depth_reward
        return cum_logprob

    # -- the loop

    def run(self, ctx: SearchContext) -> ProofState | str:
        counter = itertools.count()
        frontier: list[SearchNode] = []

        def push(state: ProofState, tree_node: int, depth: int, cum: float) -> None:
            key = (-self.priority(ctx, state, cum, depth), next(counter))
            heapq.heappush(frontier, SearchNode(key, state, tree_node, depth, cum))

        push(ctx.root, 0, 0, 0.0)
        while frontier:
            blocked = ctx.blocked()
            if blocked is not None:
                return blocked
            node = heapq.heappop(frontier)
            ctx.begin_expansion(node.tree_node)
            proposals = ctx.propose([node.state], self.candidates_per_expansion(ctx))
            if proposals is None:
                if node.failures < self.policy_retries:
                    node.failures += 1
                    heapq.heappush(frontier, node)
                continue
            ordered = sorted(proposals[0], key=lambda c: -c.logprob)
            for transition in ctx.apply_candidates(node.state, node.tree_node, ordered):
                if transition.end is not None:
                    return transition.end
                if transition.state is not None and transition.new:
                    assert transition.candidate is not None
                    edge = self.edge(transition.candidate) + transition.logprob
                    push(transition.state, transition.node, node.depth + 1, node.cum_logprob + edge)
        return "exhausted"
