"""Every registered search algorithm: proves the smoke set, records its tree in the data
layer's format, dedups states, survives a misbehaving policy and takes any env or backend."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
from agent_fakes import FixedPolicy, FlakyPolicy, policy_for

import lean_gym  # noqa: F401  (registers the env ids)
from agents.search import (
    BUILTIN_SEARCHES,
    STOP_REASONS,
    Budget,
    SearchAlgorithm,
    SearchResult,
    make_search,
    register_search,
    tree_from_record,
    tree_to_record,
)
from agents.search.adaptive_beam import adaptive_beam
from lean_gym.data import make_segmenter, segment_rows, value_rows
from lean_gym.data.trajectories import Trajectory

ALGORITHMS = list(BUILTIN_SEARCHES)  # not what other test modules registered


def test_registry_lists_the_seven_algorithms():
    assert set(ALGORITHMS) >= {
        "best-first",
        "adaptive-beam",
        "value-best-first",
        "mcts",
        "goal-aware-rollout",
        "segment-best-first",
        "whole-proof",
    }
    for name in ALGORITHMS:
        assert isinstance(make_search(name), SearchAlgorithm)
    with pytest.raises(ValueError, match="unknown search algorithm"):
        make_search("depth-first-nope")


@pytest.mark.parametrize("name", ALGORITHMS)
def test_every_algorithm_proves_the_smoke_set(name, backend, smoke):
    search = make_search(name)
    policy = policy_for(name)
    budget = Budget(expansions=50)
    for theorem in smoke:
        result = search.search(theorem, backend, policy, budget)
        assert result.solved, (name, theorem.name, result.reason)
        assert result.reason is None
        assert backend.verify(theorem, result.proof).ok, (name, theorem.name, result.proof)
        assert result.expansions <= 50
        assert result.time_total >= result.time_policy + result.time_lean - 1e-6
        assert result.unique_states >= 2


@pytest.mark.parametrize("name", ALGORITHMS)
def test_trees_feed_the_data_layer(name, backend, bench):
    search = make_search(name)
    policy = policy_for(name)
    theorems = [t for t in bench if t.difficulty == "hard"][:4]
    trees = []
    for theorem in theorems:
        result = search.search(theorem, backend, policy, Budget(expansions=30))
        tree = result.tree
        assert isinstance(tree, Trajectory) and tree.origin == "search"
        record = tree_to_record(tree)
        assert record["format"] == "lean-gym.trajectory"
        assert all("expanded" in node for node in record["nodes"])
        expanded = [n["expanded"] for n in record["nodes"] if n["expanded"] is not None]
        assert sorted(expanded) == list(range(1, len(expanded) + 1))
        assert len(expanded) == result.expansions or result.policy_failures
        # The record reads back (the reader checks ids, parents and depths).
        again = tree_from_record(json.loads(json.dumps(record)))
        assert tree_to_record(again) == record
        assert tree.complete == result.solved
        trees.append(again)
    rows = list(segment_rows(trees, make_segmenter("goal-change")))
    values = value_rows(trees, gamma=0.95)
    solved = [t for t in trees if t.complete]
    assert (len(rows) > 0) == bool(solved)
    assert any(v["value"] == 1.0 for v in values) == bool(solved)


def test_segment_edges_record_every_intermediate_state(backend, smoke):
    theorem = next(t for t in smoke if t.name == "smoke_imp_chain")
    policy = FixedPolicy(["intro hp\nexact hqr (hpq hp)"])
    result = make_search("segment-best-first").search(theorem, backend, policy, Budget())
    assert result.solved
    record = tree_to_record(result.tree)
    nodes = record["nodes"]
    assert [n["tactic"] for n in nodes] == [None, "intro hp", "exact hqr (hpq hp)"]
    assert nodes[2]["segment"] == ["intro hp", "exact hqr (hpq hp)"]
    assert "segment" not in nodes[1]
    assert result.lean_calls == 2


def test_result_json_round_trip(backend, smoke):
    result = make_search("best-first").search(smoke[3], backend, policy_for("best-first"))
    again = SearchResult.from_json(json.loads(json.dumps(result.to_json())))
    assert again == result
    assert "tree" not in result.to_json(include_tree=False)


def test_dedup_by_state_key(backend, smoke):
    """``skip`` and a restated goal give states seen before: never expanded twice."""
    theorem = next(t for t in smoke if t.name == "smoke_and_intro")
    policy = FixedPolicy(["skip", "show p ∧ q", "exfalso", "constructor", "exact hp", "exact hq"])
    result = make_search("best-first", k=6).search(theorem, backend, policy, Budget(expansions=40))
    assert result.solved
    nodes = tree_to_record(result.tree)["nodes"]
    expanded_states = [n["state"] for n in nodes if n["expanded"] is not None]
    keys = [
        " ".join(s.replace("case left", "").replace("case right", "").split())
        for s in expanded_states
    ]
    assert len(keys) == len(set(keys))
    assert result.unique_states < sum(n["state"] is not None for n in nodes)


@pytest.mark.parametrize("mode", ["raise", "hang", "garbage", "nan"])
@pytest.mark.parametrize("name", ALGORITHMS)
def test_a_misbehaving_policy_costs_one_expansion(name, mode, backend, smoke):
    theorem = next(t for t in smoke if t.name == "smoke_and_left")
    policy = FlakyPolicy(mode, failures=1, hang_seconds=20.0)
    search = make_search(name, policy_timeout=0.3)
    try:
        result = search.search(theorem, backend, policy, Budget(expansions=10))
    finally:
        policy.release.set()
    assert result.solved, (name, mode, result.reason)
    assert result.policy_failures == 1
    assert result.expansions == 2
    assert result.time_total < 5


@pytest.mark.parametrize("name", ALGORITHMS)
def test_a_policy_that_always_fails_ends_the_search_with_a_reason(name, backend, smoke):
    policy = FlakyPolicy("raise", failures=10**6)
    result = make_search(name).search(smoke[0], backend, policy, Budget(expansions=10))
    assert not result.solved
    assert result.reason == "policy_error"
    assert result.reason in STOP_REASONS
    assert result.expansions == result.policy_failures <= 10


def test_any_env_or_backend(smoke):
    theorem = smoke[2]
    policy = policy_for("best-first")
    search = make_search("best-first")
    env = gym.make("LeanStep-v0", dataset="smoke", backend="minilean")
    try:
        for target in (env, env.unwrapped, env.unwrapped.backend, "minilean"):
            assert search.search(theorem, target, policy).solved
        # A step env given to a segment search: a sibling segment env on the same backend.
        seg = make_search("segment-best-first")
        assert seg.search(theorem, env, policy_for("segment-best-first")).solved
        assert env.unwrapped.max_lean_calls is None  # the budget was put back
    finally:
        env.close()


def test_adaptive_beam_schedule():
    widths = [adaptive_beam(e, 600, min_beam=4, max_beam=16, decay=15) for e in range(0, 60, 10)]
    assert widths == [16, 13, 10, 7, 4, 4]  # 4 + 12 * max(0, 1 - 15 e / 600)
    assert adaptive_beam(40, 600, min_beam=4, max_beam=16, decay=15) == 4
    assert adaptive_beam(500, 600, min_beam=4, max_beam=16, decay=15) == 4


def test_register_search_with_a_string_entry_point(backend, smoke):
    register_search("best-first-again", "agents.search.best_first:BestFirstSearch")
    try:
        result = make_search("best-first-again").search(smoke[0], backend, policy_for("best-first"))
        assert result.solved
    finally:
        from agents.search import SEARCHES

        del SEARCHES["best-first-again"]
