"""Misbehaving and fixed policies for the agents tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from agents.policies.base import Candidate, PolicyBase
from agents.policies.scripted import ScriptedPolicy
from lean_gym.types import ProofState

# The shared data beside the repository (``../shared``).
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


class TokenPolicy(PolicyBase):
    """The scripted policy, with one token per character of each candidate."""

    def __init__(self, granularity: str = "step"):
        self.inner = ScriptedPolicy(granularity=granularity)

    def propose(self, state: ProofState, k: int) -> list[Candidate]:
        return [Candidate(c.text, c.logprob, len(c.text)) for c in self.inner.propose(state, k)]


class FlakyPolicy(PolicyBase):
    """The scripted policy, except that the first ``failures`` calls misbehave.

    Args:
        mode: ``raise``, ``hang`` (sleeps ``hang_seconds``) or ``garbage`` (returns a string).
    """

    def __init__(self, mode: str, failures: int = 1, hang_seconds: float = 30.0):
        self.inner = ScriptedPolicy()
        self.mode = mode
        self.failures = failures
        self.hang_seconds = hang_seconds
        self.calls = 0
        self.release = threading.Event()

    def propose(self, state: ProofState, k: int):  # type: ignore[override]
        self.calls += 1
        if self.calls <= self.failures:
            if self.mode == "raise":
                raise RuntimeError("the model server fell over")
            if self.mode == "hang":
                self.release.wait(self.hang_seconds)
            if self.mode == "garbage":
                return "constructor"  # a string, not a list of candidates
            if self.mode == "nan":
                return [Candidate("omega", float("nan"))]
        return self.inner.propose(state, k)


class SlowPolicy(PolicyBase):
    """The scripted policy, sleeping ``seconds`` per call."""

    def __init__(self, seconds: float, granularity: str = "step"):
        self.inner = ScriptedPolicy(granularity=granularity)
        self.seconds = seconds

    def propose(self, state: ProofState, k: int) -> list[Candidate]:
        time.sleep(self.seconds)
        return self.inner.propose(state, k)


class FixedPolicy(PolicyBase):
    """Proposes the same tactics at every state."""

    def __init__(self, tactics: Sequence[str]):
        self.tactics = list(tactics)

    def propose(self, state: ProofState, k: int) -> list[Candidate]:
        return [Candidate(t, -float(i + 1)) for i, t in enumerate(self.tactics[:k])]


def policy_for(search_name: str, granularity: str | None = None) -> ScriptedPolicy:
    """The scripted policy at the granularity a registered algorithm works at."""
    from agents.search import make_search

    search = make_search(search_name)
    chosen = granularity or getattr(search, "granularity", None) or "step"
    return ScriptedPolicy(granularity=chosen)
