"""LeanCandidates-v0 with stable-baselines3: its checker, short PPO and MaskablePPO runs, and a
trained agent that beats the uniformly random chooser on the same candidates."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest

import lean_gym  # noqa: F401  (registers the env ids)
from lean_gym.data import load_theorems

sb3 = pytest.importorskip(
    "stable_baselines3", reason="needs the sb3 extra: pip install 'lean-gym[sb3]'"
)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """These networks are tiny: one thread is ten times faster than a pool fighting the envs
    (and the other tests) for the cores."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


BENCH = list(load_theorems("minilean-bench"))
# Every fourth theorem is evaluated, the others are trained on (fixed: no sampling).
EVAL_SET = [t for i, t in enumerate(BENCH) if i % 4 == 0][::3][:32]
TRAIN_SET = [t for i, t in enumerate(BENCH) if i % 4 != 0]
ENV_KWARGS = {"backend": "minilean", "k": 8, "max_episode_steps": 12}


def make(theorems, **kwargs) -> gym.Env:
    return gym.make("LeanCandidates-v0", dataset=list(theorems), **{**ENV_KWARGS, **kwargs})


def mean_return(env: gym.Env, choose, seed: int) -> tuple[float, int]:
    """Mean episode return and proofs over every theorem of ``env``, one episode each."""
    rng = np.random.default_rng(seed)
    total, proved = 0.0, 0
    for index in range(len(env.unwrapped.theorems)):
        obs, _ = env.reset(seed=seed, options={"index": index})
        done = False
        while not done:
            obs, reward, terminated, truncated, info = env.step(choose(obs, rng))
            total += float(reward)
            done = terminated or truncated
        proved += bool(info["verification"] and info["verification"]["ok"])
    return total / len(env.unwrapped.theorems), proved


@pytest.mark.parametrize("granularity", ["step", "segment"])
def test_sb3_check_env_warnings_as_errors(granularity):
    from stable_baselines3.common.env_checker import check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make("LeanCandidates-v0", dataset="smoke", granularity=granularity, **ENV_KWARGS)
        try:
            check_env(env.unwrapped)
        finally:
            env.close()


def test_a_short_ppo_run_and_its_predictions():
    from stable_baselines3 import PPO

    env = make(BENCH[:20])
    try:
        model = PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
        model.learn(128)
        assert model.num_timesteps >= 128
        obs, _ = env.reset(seed=0)
        action, _ = model.predict(obs, deterministic=True)
        assert env.action_space.contains(int(action))
    finally:
        env.close()


def test_a_short_maskable_ppo_run_never_picks_a_masked_slot():
    pytest.importorskip("sb3_contrib", reason="needs the sb3 extra: pip install 'lean-gym[sb3]'")
    from sb3_contrib import MaskablePPO

    env = make(BENCH[:20], mask_failed=True)
    try:
        model = MaskablePPO(
            "MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu"
        )
        model.learn(128)
        unwrapped = env.unwrapped
        for index in range(5):
            obs, _ = env.reset(options={"index": index})
            for _ in range(4):
                mask = unwrapped.action_masks()
                action, _ = model.predict(obs, action_masks=mask, deterministic=False)
                assert mask[int(action)]
                obs, _, terminated, truncated, info = env.step(int(action))
                assert not (info["error"] and info["error"]["message"].startswith("no_candidate"))
                if terminated or truncated:
                    break
    finally:
        env.close()


def test_a_trained_ppo_agent_beats_the_uniformly_random_chooser():
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    train = make_vec_env(lambda: make(TRAIN_SET), n_envs=2, seed=0)
    evaluation = make(EVAL_SET)
    try:
        model = PPO(
            "MlpPolicy",
            train,
            learning_rate=1e-3,
            n_steps=128,
            batch_size=64,
            n_epochs=4,
            gamma=0.95,
            seed=0,
            device="cpu",
        )

        def agent(obs, rng):
            return int(model.predict(obs, deterministic=True)[0])

        def uniform(obs, rng):
            return int(rng.choice(np.flatnonzero(evaluation.unwrapped.action_masks())))

        untrained, _ = mean_return(evaluation, agent, seed=0)
        model.learn(1536)
        trained, trained_proved = mean_return(evaluation, agent, seed=0)
        randoms = [mean_return(evaluation, uniform, seed=seed) for seed in range(5)]
    finally:
        train.close()
        evaluation.close()
    best_random = max(r for r, _ in randoms)
    # The random chooser's return spreads over about 0.2 across the seeds on this set; an agent
    # that learned nothing scores far below it (empty slots and repeated failures: about -1).
    assert trained > best_random + 0.2, (trained, randoms, untrained)
    assert trained_proved >= max(p for _, p in randoms), (trained_proved, randoms)
    assert trained > untrained + 0.5, (trained, untrained)
