"""Search algorithms: one per file, registered by name with string entry points.

=======================  ====================================================  ===============
name                     algorithm                                             source
=======================  ====================================================  ===============
``best-first``           best-first on cumulative logprob, depth-normalised    ReProver,
                                                                               BFS-Prover-V2
``adaptive-beam``        best-first with a beam that shrinks with the budget   DoBeVi
``value-best-first``     ``a*logprob + (1-a)*V(s)`` with any value callable    CoProver,
                                                                               InternLM2.5-SP
``mcts``                 MCTS with PUCT, policy priors, value or rollouts      HTPS
``goal-aware-rollout``   any step search, each tactic continued greedily       SEG-ATP
                         until the number of goals changes
``segment-best-first``   best-first whose actions are proof segments           SEG-ATP
``whole-proof``          whole-proof sampling, optional truncate-and-resume    DeepSeek-Prover
                                                                               -V1.5
=======================  ====================================================  ===============

``make_search(name, **kwargs)`` builds one; ``register_search(name, "module:attr")`` adds one
(see ``examples/custom_search.py``).
"""

from __future__ import annotations

from agents.search.base import (
    BUDGET_REASONS,
    BUILTIN_SEARCHES,
    SEARCHES,
    STOP_REASONS,
    Budget,
    SearchAlgorithm,
    SearchResult,
    available_searches,
    make_search,
    register_search,
    resolve_search,
    tree_from_record,
    tree_to_record,
)
from agents.search.engine import SearchContext, Transition, TreeSearch

__all__ = [
    "BUDGET_REASONS",
    "BUILTIN_SEARCHES",
    "SEARCHES",
    "STOP_REASONS",
    "Budget",
    "SearchAlgorithm",
    "SearchContext",
    "SearchResult",
    "Transition",
    "TreeSearch",
    "available_searches",
    "make_search",
    "register_search",
    "resolve_search",
    "tree_from_record",
    "tree_to_record",
]
