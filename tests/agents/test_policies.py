"""ScriptedPolicy and the policy registry."""

from __future__ import annotations

import pytest

from agents.policies import (
    POLICIES,
    Policy,
    available_policies,
    make_policy,
    policy_granularity,
    register_policy,
)
from agents.policies.base import Candidate
from agents.policies.scripted import ScriptedPolicy


def test_registry_names_the_four_policies():
    assert POLICIES["scripted"] == "agents.policies.scripted:ScriptedPolicy"
    assert POLICIES["hf"] == "agents.policies.transformers:TransformersPolicy"
    assert POLICIES["vllm"] == "agents.policies.vllm:VLLMPolicy"
    assert POLICIES["openai"] == "agents.policies.openai:OpenAIPolicy"
    assert {"scripted", "hf", "vllm", "openai"} <= set(available_policies())


def test_make_policy_specs():
    policy = make_policy("scripted")
    assert isinstance(policy, ScriptedPolicy) and isinstance(policy, Policy)
    assert policy.granularity == "step"
    assert make_policy("scripted:segment").granularity == "segment"
    assert make_policy("scripted", granularity="proof").granularity == "proof"
    assert policy_granularity(make_policy("scripted:proof")) == "proof"
    with pytest.raises(ValueError, match="unknown policy"):
        make_policy("nope:x")
    with pytest.raises(ValueError, match="granularity"):
        make_policy("scripted:sideways")


def test_register_policy_with_a_callable():
    class Echo:
        def __init__(self, tail: str, **kwargs):
            self.tail = tail

        def propose(self, state, k):
            return [Candidate(self.tail, 0.0)]

        def propose_batch(self, states, k):
            return [self.propose(s, k) for s in states]

    register_policy("echo", Echo)
    try:
        assert make_policy("echo:omega").tail == "omega"
    finally:
        del POLICIES["echo"]
    with pytest.raises(ValueError):
        register_policy("a:b", Echo)


def test_scripted_candidates(backend, smoke):
    theorem = next(t for t in smoke if t.name == "smoke_and_intro")
    root = backend.start(theorem)
    for granularity in ("step", "segment", "proof"):
        policy = ScriptedPolicy(granularity=granularity, seed=1)
        candidates = policy.propose(root, 4)
        assert 1 <= len(candidates) <= 4
        assert all(c.num_tokens == 0 and c.logprob <= 0 for c in candidates)
        assert policy.propose_batch([root, root], 2) == [candidates[:2], candidates[:2]]
    assert ScriptedPolicy().propose(root, 0) == []
