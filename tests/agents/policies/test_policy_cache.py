"""CachedPolicy: hits per (state key, k, settings), one call for the misses of a batch, LRU
bounds, failures not cached; and the shared sampling settings and candidate ranking."""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import pytest

from agents.policies.base import Candidate, Policy, PolicyBase
from agents.policies.cache import CachedPolicy
from agents.policies.generation import Completion, SamplingSettings, to_candidates
from lean_gym.data.templates import get_template
from lean_gym.types import Goal, ProofState

pytest_plugins = ["policy_fixtures"]  # the tiny model and states (see its docstring)


class CountingPolicy(PolicyBase):
    """Answers ``k`` numbered candidates per state and records every batch it is asked."""

    def __init__(self, settings: str = "a") -> None:
        self.settings = settings
        self.batches: list[list[str]] = []
        self.fail = False

    def cache_key(self) -> tuple[str, str]:
        return ("counting", self.settings)

    def propose_batch(self, states: Sequence[ProofState], k: int) -> list[list[Candidate]]:
        if self.fail:
            raise RuntimeError("model down")
        self.batches.append([s.key() for s in states])
        n = len(self.batches)
        return [[Candidate(f"tac{n}_{i}", -float(i)) for i in range(k)] for _ in states]

    def propose(self, state: ProofState, k: int) -> list[Candidate]:
        return self.propose_batch([state], k)[0]


def test_hits_and_batched_misses(states: list[ProofState]) -> None:
    inner = CountingPolicy()
    cached = CachedPolicy(inner)
    assert isinstance(cached, Policy)
    first = cached.propose(states[0], 2)
    assert cached.propose(states[0], 2) == first
    assert (cached.hits, cached.misses, len(inner.batches)) == (1, 1, 1)
    # A state with the same goals reached by another path (another prefix) is a hit too.
    same_goals = ProofState(states[0].theorem, states[0].goals, ("skip",))
    assert cached.propose(same_goals, 2) == first
    # A batch: the cached state is served, the other two asked in one call, a repeat once.
    answers = cached.propose_batch([states[1], states[0], states[2], states[1]], 2)
    assert inner.batches[-1] == [states[1].key(), states[2].key()]
    assert answers[1] == first and answers[0] == answers[3]
    assert (cached.hits, cached.misses) == (4, 3)
    # Another k is another answer.
    assert len(cached.propose(states[0], 3)) == 3
    assert cached.misses == 4


def test_lru_bound(states: list[ProofState]) -> None:
    inner = CountingPolicy()
    cached = CachedPolicy(inner, max_entries=2)
    for state in states:
        cached.propose(state, 1)
    assert len(cached) == 2
    cached.propose(states[2], 1)  # still cached
    cached.propose(states[0], 1)  # evicted: asked again
    assert (cached.hits, cached.misses) == (1, 4)
    with pytest.raises(ValueError):
        CachedPolicy(inner, max_entries=0)


def test_settings_are_part_of_the_key(states: list[ProofState]) -> None:
    a, b = CachedPolicy(CountingPolicy("a")), CachedPolicy(CountingPolicy("b"))
    assert a.key(states[0], 2) != b.key(states[0], 2)
    assert a.key(states[0], 2) != a.key(states[0], 3)
    assert a.key(states[0], 2) != a.key(states[2], 2)


def test_failures_are_not_cached(states: list[ProofState]) -> None:
    inner = CountingPolicy()
    cached = CachedPolicy(inner)
    inner.fail = True
    with pytest.raises(RuntimeError):
        cached.propose(states[0], 2)
    inner.fail = False
    assert cached.propose(states[0], 2)
    assert len(cached) == 1


def test_wrapper_pickles_and_forwards_attributes(states: list[ProofState]) -> None:
    cached = CachedPolicy(CountingPolicy("z"))
    cached.propose(states[0], 1)
    copy = pickle.loads(pickle.dumps(cached))
    assert copy.settings == "z" and len(copy) == 1
    assert copy.propose(states[0], 1) == cached.propose(states[0], 1)


def test_model_policy_keys_hold_the_sampling_settings(tiny_model_dir, states) -> None:
    pytest.importorskip("torch")
    from agents.policies.transformers import TransformersPolicy

    hot = CachedPolicy(TransformersPolicy(tiny_model_dir, temperature=1.0, max_new_tokens=6))
    cold = CachedPolicy(TransformersPolicy(tiny_model_dir, temperature=0.5, max_new_tokens=6))
    assert hot.key(states[0], 2) != cold.key(states[0], 2)
    assert hot.propose(states[0], 2) == hot.propose(states[0], 2)
    assert (hot.hits, hot.misses, hot.calls) == (1, 1, 1)  # one generation call only


# ------------------------------------------------------------------ shared generation pieces


def test_sampling_settings() -> None:
    settings = SamplingSettings(temperature=1.1, oversample=1.5, seed=3)
    assert settings.num_samples(4) == 6 and settings.num_samples(1) == 2
    assert SamplingSettings(temperature=0).num_samples(8) == 1
    assert settings.call_seed(2) == 5 and SamplingSettings().call_seed(2) is None
    assert SamplingSettings.from_json(settings.to_json()) == settings
    for bad in ({"temperature": -0.1}, {"top_p": 1.5}, {"top_k": -1}, {"oversample": 0.5}):
        with pytest.raises(ValueError):
            SamplingSettings(**bad)


def test_to_candidates_dedups_ranks_and_strips_restated_prefixes() -> None:
    state = ProofState(states_theorem(), (Goal(("p : Prop", "hp : p"), "p"),), ("constructor",))
    samples = [
        Completion("exact hp", -2.0, 2),
        Completion("exact hp\n[GOAL]\n⊢ p", -1.0, 3),
        Completion("   ", -0.1, 1),
        Completion("assumption", float("nan"), 1),
        Completion("simp", -0.5, 1),
    ]
    got = to_candidates(get_template("leandojo"), state, samples, 5)
    assert [(c.text, c.logprob) for c in got] == [
        ("simp", -0.5),
        ("exact hp", -1.0),
        ("assumption", float("-inf")),
    ]
    assert to_candidates(get_template("leandojo"), state, samples, 1) == got[:1]
    # A chat whole-proof prover restates the proof: the prefix already applied is dropped.
    restated = "Plan: ...\n```lean4\ntheorem t : p := by\n  constructor\n  · exact hp\n```"
    kimina = to_candidates(get_template("kimina-prover"), state, [Completion(restated, -3.0, 9)], 2)
    assert [c.text for c in kimina] == ["· exact hp"]


def states_theorem():
    from lean_gym.types import Theorem

    return Theorem("t", "(p : Prop) (hp : p) : p")
