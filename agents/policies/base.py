"""The policy interface: what proposes the next tactic, segment or whole proof.

A policy looks at a :class:`~lean_gym.types.ProofState` and returns ``k`` candidates, each a
text (one tactic, a segment of tactics, or a whole proof: the granularity is the prompt
template's) with its log-probability under the policy. Search algorithms only see this
interface, so a scripted library, a local Hugging Face model and a vLLM or OpenAI-compatible
server are interchangeable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

from lean_gym.types import ProofState

__all__ = ["Candidate", "Policy", "PolicyBase"]


@dataclass(frozen=True)
class Candidate:
    """One proposal of a policy.

    Attributes:
        text: The tactic, segment or whole proof, as the template's ``parse`` leaves it.
        logprob: The summed log-probability of the text's tokens under the policy (a scripted
            policy gives an honest pseudo-logprob: the log of the probability it assigns).
        num_tokens: How many tokens were generated for it (0 for a policy without tokens).
    """

    text: str
    logprob: float
    num_tokens: int = 0

    @property
    def mean_logprob(self) -> float:
        """The per-token mean log-probability (BFS-Prover-V2's edge score)."""
        return self.logprob / self.num_tokens if self.num_tokens > 0 else self.logprob

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Candidate:
        return cls(
            text=str(obj["text"]),
            logprob=float(obj["logprob"]),
            num_tokens=int(obj.get("num_tokens", 0)),
        )


@runtime_checkable
class Policy(Protocol):
    """What every policy provides."""

    def propose(self, state: ProofState, k: int) -> list[Candidate]:
        """Up to ``k`` distinct candidates for ``state``, most likely first."""
        ...

    def propose_batch(self, states: Sequence[ProofState], k: int) -> list[list[Candidate]]:
        """:meth:`propose` for many states at once (one model call for a search frontier)."""
        ...


class PolicyBase:
    """A base whose ``propose_batch`` calls ``propose`` per state (models override it)."""

    def propose(self, state: ProofState, k: int) -> list[Candidate]:
        raise NotImplementedError

    def propose_batch(self, states: Sequence[ProofState], k: int) -> list[list[Candidate]]:
        return [self.propose(state, k) for state in states]

    def close(self) -> None:
        """Releases what the policy holds (a model, a connection); a no-op by default."""
