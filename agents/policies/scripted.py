"""``ScriptedPolicy``: the goal-aware tactic library as a policy, the baseline that runs anywhere.

It wraps :class:`lean_gym.tactic_library.TacticLibrary` (pure text: no model, no GPU, no
download) at the three granularities:

* ``step``: one tactic per candidate (:meth:`TacticLibrary.suggest`);
* ``segment``: chains of tactics up to the one that changes the number of goals
  (:meth:`TacticLibrary.segments`, SEG-ATP's goal-change cut);
* ``proof``: whole proofs with ``·`` bullets (:meth:`TacticLibrary.proofs`); from a state
  deeper than the root, the candidates continue the proof from that state.

Each candidate's ``logprob`` is the library's honest pseudo-logprob (one state's candidates
have probabilities that sum to at most 1) and ``num_tokens`` is 0: the policy generates no
tokens. ``seed`` breaks ties between equally likely tactics and seeds ``temperature`` sampling,
so independent attempts with different seeds differ and pass@k is meaningful.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agents.policies.base import Candidate, PolicyBase
from lean_gym.tactic_library import TacticLibrary
from lean_gym.types import ProofState

__all__ = ["ScriptedPolicy", "GRANULARITIES"]

GRANULARITIES = ("step", "segment", "proof")


class ScriptedPolicy(PolicyBase):
    """The scripted tactic library as a :class:`~agents.policies.base.Policy`.

    Args:
        spec: The tail of a ``scripted:GRANULARITY`` spec (``""``, ``step``, ``segment`` or
            ``proof``); ``granularity`` wins when both are given.
        granularity: ``step``, ``segment`` or ``proof``.
        seed: Tie-breaking and sampling seed.
        temperature: 0 for the library's order; > 0 samples the order.
        library: A ready :class:`TacticLibrary` (its own seed and temperature are then used).
        **library_kwargs: Passed to :class:`TacticLibrary` (``rules``, ``reserve``,
            ``max_segment_length``, ``max_proof_tactics``).

    Raises:
        ValueError: For an unknown granularity.
    """

    def __init__(
        self,
        spec: str = "",
        *,
        granularity: str | None = None,
        seed: int = 0,
        temperature: float = 0.0,
        library: TacticLibrary | None = None,
        **library_kwargs: Any,
    ):
        chosen = granularity or spec or "step"
        if chosen not in GRANULARITIES:
            raise ValueError(
                f"unknown granularity {chosen!r} for the scripted policy; "
                f"choose one of {', '.join(GRANULARITIES)}"
            )
        self.granularity = chosen
        self.library = library or TacticLibrary(
            seed=seed, temperature=temperature, **library_kwargs
        )

    @property
    def seed(self) -> int:
        return self.library.seed

    def reseed(self, seed: int) -> None:
        """Sets the seed (the eval runner gives attempt ``a`` the seed ``seed + a``)."""
        self.library.reseed(seed)

    def propose(self, state: ProofState, k: int) -> list[Candidate]:
        """Up to ``k`` distinct candidates at the policy's granularity, most likely first."""
        if k <= 0 or state.is_solved:
            return []
        if self.granularity == "step":
            suggestions = self.library.suggest(state, k)
        elif self.granularity == "segment":
            suggestions = self.library.segments(state, k)
        else:
            suggestions = self.library.proofs(state, k)
        return [Candidate(s.text, s.logprob, 0) for s in suggestions]

    def propose_batch(self, states: Sequence[ProofState], k: int) -> list[list[Candidate]]:
        return [self.propose(state, k) for state in states]

    def __repr__(self) -> str:
        return (
            f"ScriptedPolicy(granularity={self.granularity!r}, seed={self.library.seed}, "
            f"temperature={self.library.temperature})"
        )
