"""The search API every env offers: expand's outcomes, the Lean-call budget, verify, pickling of
any subclass's arguments, and a known proof as each env's actions."""

from __future__ import annotations

import pickle
from typing import Any

import gymnasium as gym
import pytest
from scripted_world import ScriptedBackend, scripted_theorems, smoke_with_proofs

import lean_gym
from lean_gym.data import build_trajectory, make_segmenter
from lean_gym.envs.proof import LeanProofEnv
from lean_gym.envs.segment import LeanSegmentEnv
from lean_gym.envs.step import LeanStepEnv
from lean_gym.types import Outcome


class BonusStepEnv(LeanStepEnv):
    """A new env written the way a user would: one extra argument, no pickling code."""

    def __init__(self, *args: Any, bonus: float = 0.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.bonus = bonus


def test_a_new_env_subclass_pickles_its_own_arguments() -> None:
    env = BonusStepEnv(scripted_theorems(), "minilean", bonus=0.5, max_episode_steps=7)
    env.reset(options={"theorem": "t_two"})
    env.step("intro h")
    clone = pickle.loads(pickle.dumps(env))
    try:
        assert clone.bonus == 0.5 and clone.max_episode_steps == 7
        assert clone.state == env.state and clone.lean_calls == env.lean_calls == 1
        obs, reward, terminated, _, _ = clone.step("exact h")
        assert terminated and reward == 1.0 and obs == "no goals"
    finally:
        env.close()
        clone.close()


def test_lean_calls_is_the_sum_of_the_outcomes(scripted_env_factory) -> None:
    env = scripted_env_factory("LeanSegment-v0")
    env.reset(options={"theorem": "t_three"})
    root = env.unwrapped.state
    outcomes = [
        env.unwrapped.expand(root, "constructor\nexact a"),
        env.unwrapped.expand(root, "constructor\nexact nope\nexact b"),
        env.unwrapped.expand(root, "#eval 1"),
    ]
    assert [o.lean_calls for o in outcomes] == [2, 2, 0]
    assert env.unwrapped.lean_calls == 4
    *_, info = env.step("constructor\nexact a\nexact b")
    # the segment's three tactics and the check of the completed proof
    assert info["lean_calls"] == env.unwrapped.lean_calls == 4 + 3 + 1


def test_budget_refuses_actions_without_calling_lean_and_truncates(
    scripted_env_factory, scripted_backend: ScriptedBackend
) -> None:
    env = scripted_env_factory("LeanStep-v0", max_lean_calls=2)
    env.reset(options={"theorem": "t_three"})
    root = env.unwrapped.state
    env.unwrapped.expand(root, "exact nope")
    _, _, terminated, truncated, info = env.step("constructor")
    assert info["lean_calls"] == 2 and truncated and not terminated
    calls = scripted_backend.tactic_calls
    refused = env.unwrapped.expand(root, "constructor")
    assert refused.error.kind == "rejected" and refused.error.message.startswith("budget:")
    assert refused.lean_calls == 0 and refused.state is root
    _, reward, terminated, truncated, info = env.step("exact a")
    assert info["error"]["message"].startswith("budget:") and truncated and reward == 0.0
    assert scripted_backend.tactic_calls == calls and env.unwrapped.lean_calls == 2
    assert env.unwrapped.stats.rejection_reasons["budget"] == 2


def test_budget_stops_a_segment_part_way(scripted_env_factory) -> None:
    env = scripted_env_factory("LeanSegment-v0", max_lean_calls=2, partial=True)
    env.reset(options={"theorem": "t_three"})
    *_, truncated, info = env.step("constructor\nexact a\nexact b")
    assert [entry["ok"] for entry in info["trace"]] == [True, True, False]
    assert info["trace"][2]["error"]["message"].startswith("budget:")
    assert info["lean_calls"] == 2 and info["failed_tactic_index"] == 2 and truncated
    assert env.unwrapped.state.tactics == ("constructor", "exact a")


def test_the_check_of_a_found_proof_is_never_refused(scripted_env_factory) -> None:
    env = scripted_env_factory("LeanStep-v0", max_lean_calls=2)
    env.reset(options={"theorem": "t_two"})
    env.step("intro h")
    _, reward, terminated, truncated, info = env.step("exact h")
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["lean_calls"] == 3 and info["verification"]["ok"] is True


def test_verify_is_public_and_counts_one_call(scripted_env_factory) -> None:
    env = scripted_env_factory("LeanStep-v0")
    env.reset(options={"theorem": "t_three"})
    assert env.unwrapped.verify("exact ⟨a, b⟩").ok
    assert not env.unwrapped.verify("constructor").ok
    assert env.unwrapped.lean_calls == 2
    assert env.unwrapped.state.tactics == ()  # the env did not move


def test_proof_env_expand_carries_the_verdict_and_does_not_move(scripted_env_factory) -> None:
    env = scripted_env_factory("LeanProof-v0")
    env.reset(options={"theorem": "t_three"})
    root = env.unwrapped.state
    accepted = env.unwrapped.expand(root, "exact ⟨a, b⟩")
    assert accepted.ok and accepted.verification.ok and accepted.state.is_solved
    assert accepted.lean_calls == 1
    failed = env.unwrapped.expand(root, "constructor\nexact nope")
    assert not failed.ok and failed.verification is not None and not failed.verification.ok
    # the state at the first error, after the valid prefix, and the replay's trace
    assert failed.state.tactics == ("constructor",) and failed.failed_tactic_index == 1
    assert failed.lean_calls == 3  # the check, then two tactics replayed
    assert env.unwrapped.state is root
    # expand is no step: the episode's one action is still there to take
    _, reward, terminated, _, _ = env.step("exact ⟨a, b⟩")
    assert reward == 1.0 and terminated


def test_outcomes_round_trip_through_json(scripted_env_factory) -> None:
    env = scripted_env_factory("LeanProof-v0")
    env.reset(options={"theorem": "t_three"})
    for action in ("exact ⟨a, b⟩", "constructor\nexact nope", "sorry"):
        outcome = env.unwrapped.expand(env.unwrapped.state, action)
        assert Outcome.from_json(outcome.to_json()) == outcome


def test_actions_for_proof_of_each_env() -> None:
    proof = "constructor\nexact a\nexact b"
    assert LeanStepEnv.actions_for_proof(proof) == ["constructor", "exact a", "exact b"]
    assert LeanProofEnv.actions_for_proof(proof) == [proof]
    # without states the goal changes are unknown: goal-change cuts at max_len only
    assert LeanSegmentEnv.actions_for_proof(proof) == [proof]
    fixed = make_segmenter("fixed", k=2)
    assert LeanSegmentEnv.actions_for_proof(proof, segmenter=fixed) == [
        "constructor\nexact a",
        "exact b",
    ]


@pytest.mark.parametrize("env_id", sorted(lean_gym.ENV_IDS))
def test_actions_for_proof_prove_the_smoke_set(env_id: str) -> None:
    """What the main job relies on: each env class turns a known proof into its own actions."""
    theorems = smoke_with_proofs()
    env = gym.make(env_id, dataset=theorems, backend="minilean")
    segmenter = make_segmenter("goal-change")
    try:
        for theorem in theorems:
            assert theorem.proof is not None
            trajectory = build_trajectory(env.unwrapped.backend, theorem)
            actions = type(env.unwrapped).actions_for_proof(
                theorem.proof, trajectory=trajectory, segmenter=segmenter
            )
            env.reset(options={"theorem": theorem.name})
            for action in actions:
                _, reward, terminated, truncated, info = env.step(action)
                assert info["error"] is None, (theorem.name, action, info["error"])
            assert terminated and reward == 1.0, theorem.name
    finally:
        env.close()
