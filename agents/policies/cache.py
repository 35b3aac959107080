"""A policy's answers remembered per (state, k, sampling settings): any policy can be wrapped.

Searches reach the same goals along different paths (``ProofState.key()`` is what dedups
them), and evaluation repeats theorems; a model call for a state already answered is wasted
GPU time. :class:`CachedPolicy` keeps the last ``max_entries`` answers in LRU order, keyed by
the state's ``key()``, ``k`` and the wrapped policy's ``cache_key()`` (its class, template,
model and sampling settings; a policy without one is keyed by its identity), so two wrappers
around differently configured policies never share answers. Candidates valid for some state
are valid for every state with the same goals, whatever path led there.

A failed call (an exception) is not cached: the next request tries again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

from agents.policies.base import Candidate, Policy, PolicyBase
from lean_gym.types import ProofState

__all__ = ["CachedPolicy"]


class CachedPolicy(PolicyBase):
    """Wraps a policy with a bounded LRU cache of its answers.

    Args:
        policy: The policy to wrap.
        max_entries: The most (state, k) answers kept; the least recently used go first.

    Attributes:
        hits: Answers served from the cache.
        misses: Answers the wrapped policy had to compute.
    """

    def __init__(self, policy: Policy, *, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be >= 1, got {max_entries}")
        self.policy = policy
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[Candidate, ...]] = OrderedDict()
        self._lock = threading.Lock()
        key = getattr(policy, "cache_key", None)
        self._policy_key: Hashable = key() if callable(key) else ("id", id(policy))

    def __len__(self) -> int:
        return len(self._entries)

    def key(self, state: ProofState, k: int) -> Hashable:
        """The cache key of an answer: the state's goals, ``k`` and the policy's settings."""
        return (state.key(), k, self._policy_key)

    def _get(self, key: Hashable) -> tuple[Candidate, ...] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _put(self, key: Hashable, candidates: Sequence[Candidate]) -> None:
        with self._lock:
            self._entries[key] = tuple(candidates)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def propose(self, state: ProofState, k: int) -> list[Candidate]:
        return self.propose_batch([state], k)[0]

    def propose_batch(self, states: Sequence[ProofState], k: int) -> list[list[Candidate]]:
        keys = [self.key(state, k) for state in states]
        answers: list[tuple[Candidate, ...] | None] = [self._get(key) for key in keys]
        # One call for the states not cached, each distinct key asked once.
        todo: dict[Hashable, ProofState] = {}
        for key, state, answer in zip(keys, states, answers, strict=True):
            if answer is None and key not in todo:
                todo[key] = state
        self.misses += len(todo)
        self.hits += len(states) - len(todo)
        if todo:
            fresh = self.policy.propose_batch(list(todo.values()), k)
            if len(fresh) != len(todo):
                raise RuntimeError(
                    f"{type(self.policy).__name__}.propose_batch returned {len(fresh)} answers "
                    f"for {len(todo)} states"
                )
            computed = dict(zip(todo, (tuple(c) for c in fresh), strict=True))
            for key, candidates in computed.items():
                self._put(key, candidates)
            answers = [
                computed[key] if a is None else a for key, a in zip(keys, answers, strict=True)
            ]
        return [list(answer or ()) for answer in answers]

    def clear(self) -> None:
        """Forgets every answer (the counters stay)."""
        with self._lock:
            self._entries.clear()

    def close(self) -> None:
        close = getattr(self.policy, "close", None)
        if callable(close):
            close()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        # The wrapped policy's attributes (template, sampling, ...) stay visible.
        if name == "policy" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.policy, name)
