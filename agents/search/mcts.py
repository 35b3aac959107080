"""Monte Carlo tree search with PUCT, the policy's priors and a value callable or rollouts.

Source: HTPS (Lample et al. 2022; facebookresearch/Evariste
``formal/evariste/backward/prover/{args,policy}.py``). Selection follows AlphaZero's PUCT::

    score(s, a) = Q(s, a) + c * P(s, a) * sqrt(N(s)) / (1 + N(s, a))

with the HTPS defaults ``exploration c = 5``, first-play urgency ``init_tactic_scores = 0.5``
(the Q of an unvisited edge), ``depth_penalty = 1`` (the discount of a backed-up value, here
``discount``); invalid tactics (Lean errors, states seen elsewhere) get no score, as HTPS
zeroes them. Priors are the candidates' probabilities renormalised over the expansion.

Each iteration is one expansion: select a leaf, ask the policy for ``k`` candidates, run them
all (Lean calls), stop at once if one solves the theorem, evaluate the leaf with ``value``
(any ``ProofState -> float`` in [0, 1]; default ``gamma ** goals``) or, with
``rollout_depth > 0``, with a greedy policy rollout of that many tactics (1 if it proves the
theorem, which ends the search), and back the value up the path. A node whose tactics all fail
is dead (value 0) and never selected again.

Simplification: HTPS searches a hypergraph whose nodes are single goals (AND-OR); here a node
is a whole proof state (all its goals), as in the other algorithms of this package.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agents.search.engine import SearchContext, TreeSearch
from agents.search.value_guided import goal_count_value
from lean_gym.types import ProofState

__all__ = ["MCTSSearch"]


@dataclass
class _Edge:
    prior: float
    child: _Node
    visits: int = 0
    total: float = 0.0


@dataclass
class _Node:
    state: ProofState
    tree_node: int
    edges: list[_Edge] = field(default_factory=list)
    visits: int = 0
    expanded: bool = False
    dead: bool = False
    failures: int = 0


class MCTSSearch(TreeSearch):
    """MCTS with PUCT (see the module docstring).

    Args:
        exploration: PUCT's ``c``.
        fpu: The Q of an unvisited edge.
        discount: Multiplies the value at each level of the backup.
        value: Leaf evaluation ``ProofState -> float`` (default :func:`goal_count_value`).
        rollout_depth: Greedy policy rollout length for leaf evaluation (0: use ``value``).
        **kwargs: :class:`~agents.search.engine.TreeSearch` options.
    """

    name: ClassVar[str] = "mcts"
    default_k: ClassVar[int] = 8

    def __init__(
        self,
        *,
        exploration: float = 5.0,
        fpu: float = 0.5,
        discount: float = 1.0,
        value: Callable[[ProofState], float] | None = None,
        rollout_depth: int = 0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if exploration < 0 or not 0 < discount <= 1 or rollout_depth < 0:
            raise ValueError("need exploration >= 0, 0 < discount <= 1, rollout_depth >= 0")
        self.exploration = float(exploration)
        self.fpu = float(fpu)
        self.discount = float(discount)
        self.value_fn = value or goal_count_value
        self.rollout_depth = int(rollout_depth)

    def _select(self, node: _Node) -> _Edge | None:
        best: _Edge | None = None
        best_score = -math.inf
        scale = self.exploration * math.sqrt(max(node.visits, 1))
        for edge in node.edges:
            if edge.child.dead:
                continue
            q = edge.total / edge.visits if edge.visits else self.fpu
            score = q + scale * edge.prior / (1 + edge.visits)
            if score > best_score:
                best, best_score = edge, score
        return best

    def run(self, ctx: SearchContext) -> ProofState | str:
        root = _Node(ctx.root, 0)
        while not root.dead:
            path: list[tuple[_Node, _Edge]] = []
            node = root
            while node.expanded and not node.dead:
                edge = self._select(node)
                if edge is None:
                    node.dead = True
                    break
                path.append((node, edge))
                node = edge.child
            if node.dead:
                self._backup(path, 0.0)
                continue
            blocked = ctx.blocked()
            if blocked is not None:
                return blocked
            outcome = self._expand(ctx, node)
            if isinstance(outcome, ProofState):
                return outcome
            if isinstance(outcome, str):
                return outcome
            self._backup(path, outcome)
        return "exhausted"

    def _expand(self, ctx: SearchContext, node: _Node) -> ProofState | str | float:
        """Expands a leaf: its solved state, a stop reason, or its value."""
        ctx.begin_expansion(node.tree_node)
        node.expanded = True
        proposals = ctx.propose([node.state], self.k)
        if proposals is None and node.failures < self.policy_retries:
            node.failures += 1
            node.expanded = False  # selected again later
            return 0.0
        if proposals is None or not proposals[0]:
            node.dead = True
            return 0.0
        candidates = sorted(proposals[0], key=lambda c: -c.logprob)
        top = max(c.logprob for c in candidates)
        norm = sum(math.exp(c.logprob - top) for c in candidates)
        for transition in ctx.apply_candidates(node.state, node.tree_node, candidates):
            if transition.end is not None:
                return transition.end
            if transition.state is not None and transition.new:
                assert transition.candidate is not None
                prior = math.exp(transition.candidate.logprob - top) / norm
                node.edges.append(_Edge(prior, _Node(transition.state, transition.node)))
        if not node.edges:
            node.dead = True
            return 0.0
        if self.rollout_depth:
            return self._rollout(ctx, node)
        return ctx.value(self.value_fn, node.state)

    def _rollout(self, ctx: SearchContext, node: _Node) -> ProofState | str | float:
        state, tree_node = node.state, node.tree_node
        for _ in range(self.rollout_depth):
            if ctx.policy_blocked() is not None or ctx.lean_blocked() is not None:
                break
            proposals = ctx.propose([state], 1)
            if not proposals or not proposals[0]:
                break
            transition = ctx.apply(state, tree_node, proposals[0][0].text)
            if transition.end is not None:
                return transition.end
            if transition.state is None:
                break
            state, tree_node = transition.state, transition.node
        return ctx.value(self.value_fn, state)

    def _backup(self, path: list[tuple[_Node, _Edge]], value: float) -> None:
        for node, edge in reversed(path):
            edge.visits += 1
            edge.total += value
            node.visits += 1
            value *= self.discount
