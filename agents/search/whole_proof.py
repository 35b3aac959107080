"""Whole-proof sampling, with optional truncate-and-resume (DeepSeek-Prover-V1.5).

Source: DeepSeek-Prover-V1.5 (deepseek-ai/DeepSeek-Prover-V1.5, ``prover/algorithms``,
``configs``). The policy writes complete proofs; each is checked as a whole declaration
(``LeanProof-v0``'s semantics: one Lean call, through the integrity rules). With
truncate-and-resume, a failed proof is cut at its first failing tactic (the env replays its
top-level tactics to find it) and the policy is asked to continue from the state after the
valid prefix: the resumed proof is the prefix followed by the continuation, checked whole
again. DeepSeek-Prover-V1.5's RMaxTS chooses where to resume with a UCB over the tree of goal
changes; here resume points are taken first in, first out (a breadth-first tree of resumes),
at most ``max_resumes`` deep.

One expansion is one sampling round: ``k`` samples from one state (the root, or a resume
point) and their checks. ``rounds`` is how many rounds are sampled from the root (None: until
the budget is spent; useful with a sampling policy, wasted on a deterministic one).

Constants: ``k=16`` samples per round (DeepSeek-Prover-V1.5's table: 32 x 16 x 400 =
passes x samples x rounds), ``rounds=1``, ``truncate_resume=False``, ``max_resumes=2``.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar

from agents.search.engine import SearchContext, TreeSearch
from lean_gym.types import ProofState

__all__ = ["WholeProofSampling"]


class WholeProofSampling(TreeSearch):
    """Whole-proof sampling (see the module docstring).

    Args:
        rounds: Sampling rounds from the root (None: until the budget is spent).
        truncate_resume: Resume failed proofs from the state after their valid prefix.
        max_resumes: How many resumes may be stacked on one proof.
        **kwargs: :class:`~agents.search.engine.TreeSearch` options (``k`` is the number of
            samples per round).
    """

    name: ClassVar[str] = "whole-proof"
    default_granularity: ClassVar[str | None] = "proof"
    default_k: ClassVar[int] = 16

    def __init__(
        self,
        *,
        rounds: int | None = 1,
        truncate_resume: bool = False,
        max_resumes: int = 2,
        **kwargs: Any,
    ):
        env_kwargs = dict(kwargs.pop("env_kwargs", None) or {})
        # Locating the first error costs Lean calls; only resuming needs it.
        env_kwargs.setdefault("trace_errors", bool(truncate_resume))
        super().__init__(env_kwargs=env_kwargs, **kwargs)
        if rounds is not None and rounds < 1:
            raise ValueError(f"rounds must be >= 1 or None, got {rounds!r}")
        self.rounds = rounds
        self.truncate_resume = bool(truncate_resume)
        self.max_resumes = int(max_resumes)

    def run(self, ctx: SearchContext) -> ProofState | str:
        root_rounds = 0
        resumes: deque[tuple[ProofState, int, int]] = deque()
        failures = 0
        while True:
            if resumes:
                state, node, depth = resumes.popleft()
            elif self.rounds is None or root_rounds < self.rounds:
                state, node, depth = ctx.root, 0, 0
                root_rounds += 1
            else:
                return "exhausted"
            blocked = ctx.blocked()
            if blocked is not None:
                return blocked
            ctx.begin_expansion(node)
            proposals = ctx.propose([state], self.k)
            if proposals is None:
                if failures < self.policy_retries:
                    failures += 1
                    resumes.appendleft((state, node, depth))
                continue
            for candidate in proposals[0]:
                transition = ctx.apply(state, node, candidate.text)
                if transition.end is not None:
                    return transition.end
                prefix = transition.prefix
                if (
                    self.truncate_resume
                    and depth < self.max_resumes
                    and prefix is not None
                    and len(prefix.tactics) > len(state.tactics)
                ):
                    resumes.append((prefix, transition.node, depth + 1))
