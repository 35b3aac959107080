"""LeanProof-v0: one whole proof per episode."""

from __future__ import annotations

import gymnasium as gym
import pytest
from scripted_world import proof_tactics, scripted_theorems, smoke_with_proofs

from lean_gym.envs.proof import LeanProofEnv
from lean_gym.tactic_text import join_tactics

SMOKE = smoke_with_proofs()


@pytest.fixture
def minilean_proof():
    env = gym.make("LeanProof-v0", dataset="smoke", backend="minilean")
    yield env
    env.close()


@pytest.mark.parametrize("theorem", SMOKE, ids=lambda t: t.name)
def test_smoke_proof_whole(minilean_proof, theorem):
    env = minilean_proof
    obs, info = env.reset(options={"theorem": theorem.name})
    assert "⊢" in obs
    obs, reward, terminated, truncated, info = env.step(theorem.proof)
    assert (obs, reward, terminated, truncated) == ("no goals", 1.0, True, False)
    assert info["error"] is None and info["verification"]["ok"] is True
    assert info["state_at_error"] is None and info["valid_prefix"] is None
    assert info["lean_calls"] == 1  # one check, no replay for an accepted proof


def test_full_declaration_with_the_dataset_statement(minilean_proof):
    theorem = SMOKE[0]
    env = minilean_proof
    env.reset(options={"theorem": theorem.name})
    obs, reward, terminated, _, info = env.step(theorem.declaration(theorem.proof))
    assert (obs, reward, terminated) == ("no goals", 1.0, True)
    assert info["proof"] == join_tactics(proof_tactics(theorem))


def test_full_declaration_with_another_statement_is_rejected(minilean_proof):
    theorem = SMOKE[0]
    env = minilean_proof
    obs0, _ = env.reset(options={"theorem": theorem.name})
    cheat = f"theorem {theorem.name} : True := by\n  trivial"
    obs, reward, terminated, truncated, info = env.step(cheat)
    assert (reward, terminated, truncated) == (0.0, True, False)
    assert info["error"]["kind"] == "rejected"
    assert info["lean_calls"] == 0
    assert obs == obs0


@pytest.mark.parametrize("theorem", SMOKE, ids=lambda t: t.name)
def test_failing_proof_reports_the_state_at_the_first_error(minilean_proof, theorem):
    env = minilean_proof
    env.reset(options={"theorem": theorem.name})
    tactics = proof_tactics(theorem)
    keep = len(tactics) // 2
    broken = join_tactics([*tactics[:keep], "exact no_such_identifier_xyz", *tactics[keep:]])
    obs, reward, terminated, truncated, info = env.step(broken)
    assert (reward, terminated, truncated) == (0.0, True, False)
    assert info["verification"]["ok"] is False
    assert info["error"]["kind"] == "error"
    assert info["error"]["pos"] is not None
    assert any(m["severity"] == "error" for m in info["messages"])
    assert info["failed_tactic_index"] == keep
    assert info["valid_prefix"] == join_tactics(tactics[:keep])
    # The observation is the state the failing tactic ran on: resume from there.
    assert obs == info["state_at_error"]
    resumed = gym.make("LeanStep-v0", dataset="smoke", backend="minilean")
    try:
        resumed.reset(options={"theorem": theorem.name})
        for tactic in tactics[:keep]:
            step_obs = resumed.step(tactic)[0]
        if keep:
            assert step_obs == obs
    finally:
        resumed.close()


def test_unsolved_goals_report_the_remaining_state(scripted_env_factory):
    env = scripted_env_factory("LeanProof-v0")
    env.reset(options={"theorem": "t_three"})
    obs, reward, terminated, _, info = env.step("constructor\nexact a")
    assert (reward, terminated) == (0.0, True)
    assert info["failed_tactic_index"] == -1
    assert info["valid_prefix"] == "constructor\nexact a"
    assert obs == info["state_at_error"] and "t_three after constructor ; exact a" in obs


def test_trace_errors_off_saves_the_replay(scripted_backend):
    env = LeanProofEnv(scripted_theorems(), scripted_backend, trace_errors=False)
    env.reset(options={"theorem": "t_three"})
    *_, info = env.step("constructor\nexact b")
    assert info["state_at_error"] is None and info["lean_calls"] == 1
    assert scripted_backend.tactic_calls == 0


@pytest.mark.parametrize("action", ["", "sorry", "exact h\x00", "#eval 1", "x" * 100_000, None, 7])
def test_bad_whole_proofs_are_errors(scripted_env_factory, action):
    env = scripted_env_factory("LeanProof-v0")
    obs0, _ = env.reset(options={"theorem": "t_two"})
    obs, reward, terminated, truncated, info = env.step(action)
    assert (reward, terminated, truncated) == (0.0, True, False)
    assert info["error"]["kind"] == "rejected" and info["lean_calls"] == 0
    assert obs == obs0
    # A new episode works as usual.
    env.reset(options={"theorem": "t_two"})
    assert env.step("intro h\nexact h")[1] == 1.0


def test_unverified_complete_proof_reports_the_reason(scripted_env_factory):
    env = scripted_env_factory("LeanProof-v0")
    env.reset(options={"theorem": "t_axiom"})
    obs, reward, terminated, _, info = env.step("cheat")
    assert (reward, terminated) == (0.0, True)
    assert info["verification"]["reason"] == "axiom:sorryAx"
    assert info["error"]["kind"] == "rejected"
    assert "axiom:sorryAx" in info["error"]["message"]


def test_a_second_proof_in_one_episode_is_refused(scripted_env_factory, scripted_backend):
    env = scripted_env_factory("LeanProof-v0")
    env.reset(options={"theorem": "t_two"})
    assert env.step("intro h\nexact h")[1] == 1.0
    obs, reward, terminated, _, info = env.unwrapped.step("intro h\nexact h")
    assert (reward, terminated) == (0.0, True)
    assert info["error"]["kind"] == "rejected" and "reset" in info["error"]["message"]
    assert scripted_backend.verify_calls == 1
