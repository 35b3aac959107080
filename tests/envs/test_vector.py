"""Vector envs and pickling: what RL libraries need to run lean_gym envs in parallel."""

from __future__ import annotations

import pickle

import gymnasium as gym
import pytest
from scripted_world import proof_tactics, smoke_with_proofs

import lean_gym
from lean_gym.data.theorems import load_theorems
from lean_gym.tactic_text import join_tactics

SMOKE = smoke_with_proofs()
# The envs whose actions are text (LeanCandidates-v0's vector and pickling tests are in
# tests/envs/test_candidates.py).
TEXT_ENV_IDS = [env_id for env_id in lean_gym.ENV_IDS if env_id != "LeanCandidates-v0"]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("env_id", TEXT_ENV_IDS)
def test_make_vec_with_minilean(env_id, mode):
    envs = gym.make_vec(
        env_id, num_envs=2, vectorization_mode=mode, dataset="smoke", backend="minilean"
    )
    try:
        obs, infos = envs.reset(seed=[1, 2])
        assert isinstance(obs, tuple) and len(obs) == 2
        assert all(isinstance(o, str) and "⊢" in o for o in obs)
        names = list(infos["theorem"])
        by_name = {t.name: t for t in load_theorems("smoke")}
        actions = []
        for name in names:
            theorem = by_name[name]
            if env_id == "LeanProof-v0" or env_id == "LeanSegment-v0":
                actions.append(theorem.proof or "trivial")
            else:
                actions.append(proof_tactics(theorem)[0] if theorem.proof else "trivial")
        obs, rewards, terminated, truncated, infos = envs.step(tuple(actions))
        assert len(obs) == 2 and rewards.shape == (2,)
        for i, name in enumerate(names):
            theorem = by_name[name]
            if theorem.proof and (env_id != "LeanStep-v0" or len(proof_tactics(theorem)) == 1):
                assert terminated[i] and rewards[i] == 1.0
            elif theorem.proof:
                assert not terminated[i] and infos["error"][i] is None
        # A bad action in one sub-env is an error there, not a crash of the vector env.
        obs, rewards, terminated, truncated, infos = envs.step(("#eval 1", "\x00"))
        assert len(obs) == 2
    finally:
        envs.close()


def test_async_vector_env_runs_a_whole_smoke_proof():
    theorem = SMOKE[0]
    envs = gym.make_vec(
        "LeanStep-v0",
        num_envs=2,
        vectorization_mode="async",
        dataset=[theorem],
        backend="minilean",
    )
    try:
        envs.reset(seed=0)
        for tactic in proof_tactics(theorem):
            obs, rewards, terminated, truncated, infos = envs.step((tactic, tactic))
        assert list(terminated) == [True, True]
        assert list(rewards) == [1.0, 1.0]
    finally:
        envs.close()


@pytest.mark.parametrize("env_id", TEXT_ENV_IDS)
def test_env_pickles_mid_episode_and_resumes(env_id):
    theorem = next(t for t in SMOKE if len(proof_tactics(t)) >= 2)
    env = gym.make(env_id, dataset="smoke", backend="minilean").unwrapped
    try:
        env.reset(seed=5, options={"theorem": theorem.name})
        tactics = proof_tactics(theorem)
        if env_id != "LeanProof-v0":
            env.step(tactics[0])
        clone = pickle.loads(pickle.dumps(env))
    finally:
        env.close()
    try:
        assert clone.state == env.state  # same goals and path; the handle was dropped
        assert clone.state.handle is None
        assert clone.backend is not env.backend
        if env_id == "LeanStep-v0":
            actions = tactics[1:]
        elif env_id == "LeanSegment-v0":
            actions = [join_tactics(tactics[1:])]
        else:
            actions = [join_tactics(tactics)]
        for action in actions:
            obs, reward, terminated, *_ = clone.step(action)
        assert (obs, reward, terminated) == ("no goals", 1.0, True)
    finally:
        clone.close()
