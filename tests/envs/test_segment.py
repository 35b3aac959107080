"""LeanSegment-v0: several tactics per step, with a per-tactic trace."""

from __future__ import annotations

import gymnasium as gym
import pytest
from scripted_world import proof_tactics, scripted_theorems, smoke_with_proofs

from lean_gym.envs.segment import LeanSegmentEnv
from lean_gym.tactic_text import join_tactics
from lean_gym.types import LeanError, Success

SMOKE = smoke_with_proofs()


def segments_of(tactics: list[str], size: int) -> list[str]:
    return [join_tactics(tactics[i : i + size]) for i in range(0, len(tactics), size)]


@pytest.fixture
def minilean_segment():
    env = gym.make("LeanSegment-v0", dataset="smoke", backend="minilean")
    yield env
    env.close()


@pytest.mark.parametrize("theorem", SMOKE, ids=lambda t: t.name)
def test_smoke_proof_segment_by_segment(minilean_segment, theorem):
    env = minilean_segment
    env.reset(options={"theorem": theorem.name})
    tactics = proof_tactics(theorem)
    segments = segments_of(tactics, 2)
    for i, segment in enumerate(segments):
        obs, reward, terminated, truncated, info = env.step(segment)
        assert info["error"] is None and info["failed_tactic_index"] == -1, info["trace"]
        assert [entry["ok"] for entry in info["trace"]] == [True] * len(info["trace"])
        assert join_tactics([entry["tactic"] for entry in info["trace"]]) == segment
        last = i == len(segments) - 1
        assert terminated is last and truncated is False
        assert reward == (1.0 if last else 0.0)
    assert obs == "no goals"
    assert info["steps"] == len(segments)
    assert info["lean_calls"] == len(tactics) + 1  # every tactic, then the whole-proof check
    assert info["proof"] == join_tactics(tactics)


@pytest.mark.parametrize("theorem", SMOKE[:3], ids=lambda t: t.name)
def test_whole_smoke_proof_as_one_segment(minilean_segment, theorem):
    env = minilean_segment
    env.reset(options={"theorem": theorem.name})
    obs, reward, terminated, _, info = env.step(theorem.proof)
    assert (obs, reward, terminated) == ("no goals", 1.0, True)
    assert len(info["trace"]) == len(proof_tactics(theorem))


def test_failure_part_way_restores_the_state_before_the_segment(scripted_env_factory):
    env = scripted_env_factory("LeanSegment-v0")
    obs0, _ = env.reset(options={"theorem": "t_three"})
    obs, reward, terminated, truncated, info = env.step("constructor\nexact a\nexact nope\nexact b")
    assert obs == obs0
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert info["failed_tactic_index"] == 2
    assert info["error"]["message"] == "tactic 'exact nope' failed"
    assert [(e["tactic"], e["ok"], e["num_goals"]) for e in info["trace"]] == [
        ("constructor", True, 2),
        ("exact a", True, 1),
        ("exact nope", False, 1),
    ]
    assert info["trace"][2]["error"]["kind"] == "error"
    assert info["lean_calls"] == 3  # the tactic after the failure is not run
    assert info["proof"] == ""
    # The episode goes on from the old state.
    obs, reward, terminated, _, info = env.step("constructor\nexact a\nexact b")
    assert terminated and reward == 1.0


def test_partial_keeps_the_valid_prefix(scripted_backend):
    env = LeanSegmentEnv(scripted_theorems(), scripted_backend, partial=True)
    env.reset(options={"theorem": "t_three"})
    obs, reward, terminated, _, info = env.step("constructor\nexact a\nexact nope")
    assert info["failed_tactic_index"] == 2
    assert info["proof"] == "constructor\nexact a"
    assert env.state.tactics == ("constructor", "exact a")
    assert obs == env.state.pp() and not terminated
    obs, reward, terminated, _, info = env.step("exact b")
    assert terminated and reward == 1.0


def test_first_tactic_failing_with_partial_keeps_the_old_state(scripted_backend):
    env = LeanSegmentEnv(scripted_theorems(), scripted_backend, partial=True)
    obs0, _ = env.reset(options={"theorem": "t_three"})
    obs, *_, info = env.step("exact nope\nconstructor")
    assert obs == obs0 and info["failed_tactic_index"] == 0


def test_segment_counts_as_one_step_toward_truncation(scripted_backend):
    env = LeanSegmentEnv(scripted_theorems(), scripted_backend, max_episode_steps=2)
    env.reset(options={"theorem": "t_three"})
    assert env.step("constructor\nexact a")[3] is False
    *_, truncated, info = env.step("exact nope\nexact b")
    assert truncated is True and info["lean_calls"] == 3


@pytest.mark.parametrize("action", ["", "-- only a comment", "#eval 1", 42, "exact h\x00"])
def test_bad_segments_are_errors(scripted_env_factory, action):
    env = scripted_env_factory("LeanSegment-v0")
    obs0, _ = env.reset(options={"theorem": "t_two"})
    obs, reward, terminated, truncated, info = env.step(action)
    assert obs == obs0 and info["error"]["kind"] == "rejected"
    assert info["trace"] == [] and info["lean_calls"] == 0
    assert env.step("intro h\nexact h")[2] is True


def test_expand_runs_the_whole_segment_without_moving(scripted_env_factory, scripted_backend):
    env = scripted_env_factory("LeanSegment-v0")
    env.reset(options={"theorem": "t_three"})
    root = env.unwrapped.state
    outcome = env.unwrapped.expand(root, "constructor\nexact a")
    assert isinstance(outcome.result, Success) and outcome.ok and outcome.error is None
    assert outcome.state.tactics == ("constructor", "exact a")
    # Every state the segment passed through, the final one last, and one trace entry a tactic.
    assert [s.tactics for s in outcome.states] == [("constructor",), ("constructor", "exact a")]
    assert outcome.states[-1] == outcome.state == outcome.result.state
    assert [(e.tactic, e.ok, e.num_goals) for e in outcome.trace] == [
        ("constructor", True, 2),
        ("exact a", True, 1),
    ]
    assert outcome.verification is None and outcome.lean_calls == 2
    failed = env.unwrapped.expand(root, "constructor\nexact b")
    assert isinstance(failed.result, LeanError) and failed.error is failed.result
    assert failed.state is root  # the state before the segment, as a step would leave it
    assert [s.tactics for s in failed.states] == [("constructor",)]  # the valid prefix
    assert failed.failed_tactic_index == 1 and failed.trace[1].error == failed.error
    assert env.unwrapped.state is root and scripted_backend.replays == 0
    assert env.unwrapped.lean_calls == 4


def test_expand_is_what_step_does(scripted_env_factory):
    env = scripted_env_factory("LeanSegment-v0", partial=True)
    env.reset(options={"theorem": "t_three"})
    root = env.unwrapped.state
    outcome = env.unwrapped.expand(root, "constructor\nexact a\nexact nope")
    obs, _, _, _, info = env.step("constructor\nexact a\nexact nope")
    assert env.unwrapped.state == outcome.state and outcome.state.tactics == (
        "constructor",
        "exact a",
    )
    assert info["trace"] == [entry.to_json() for entry in outcome.trace]
    assert info["failed_tactic_index"] == outcome.failed_tactic_index == 2
    assert info["error"] == outcome.error.to_json()
    assert obs == outcome.state.pp()
