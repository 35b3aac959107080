"""Which theorem an episode gets and how long it lasts: the step limit, the order, start errors.

Issue 9's bugs 1, 2 and 4: one ``max_episode_steps`` wherever it is given, ``order`` (random,
cycle, shuffle) with a reproducible default, and ``on_start_error`` (raise, or skip: another
theorem, counted, logged once), also in async vector envs where the exception crosses a process.
"""

from __future__ import annotations

import logging
import pickle

import gymnasium as gym
import pytest
from scripted_world import scripted_theorems

import lean_gym
from lean_gym.envs import LeanProofEnv, LeanSegmentEnv, LeanStepEnv
from lean_gym.errors import BackendError, TheoremStartError
from lean_gym.types import Theorem

CLASSES = {
    "LeanStep-v0": LeanStepEnv,
    "LeanSegment-v0": LeanSegmentEnv,
    "LeanProof-v0": LeanProofEnv,
}
STEPPING = ["LeanStep-v0", "LeanSegment-v0"]  # the envs whose episodes last several steps

# Outside MiniLean's fragment (no Mathlib, no ℝ): loads fine, cannot start.
UNSTARTABLE = Theorem("real_refl", "(x : ℝ) : x = x", proof="rfl")
GOOD = Theorem("good_refl", "(p : Prop) (h : p) : p", proof="exact h")


def _truncation_step(env: gym.Env, limit: int) -> list[bool]:
    env.reset(options={"theorem": "t_two"})
    return [env.step("exact nope")[3] for _ in range(limit)]


# ----------------------------------------------------------------------------- one step limit


def test_registered_limits_are_the_classes_defaults() -> None:
    for env_id, cls in CLASSES.items():
        assert lean_gym.DEFAULT_MAX_EPISODE_STEPS[env_id] == cls.default_max_episode_steps
        assert gym.spec(env_id).max_episode_steps == cls.default_max_episode_steps


@pytest.mark.parametrize("env_id", STEPPING)
def test_gym_make_limit_is_the_envs_limit(env_id, scripted_env_factory) -> None:
    default = CLASSES[env_id].default_max_episode_steps
    assert default is not None
    for given in (None, default + 7, 3):
        expected = default if given is None else given
        kwargs = {} if given is None else {"max_episode_steps": given}
        env = scripted_env_factory(env_id, **kwargs)
        assert env.spec.max_episode_steps == expected
        assert env.unwrapped.max_episode_steps == expected
        assert _truncation_step(env, expected) == [False] * (expected - 1) + [True], given


@pytest.mark.parametrize("env_id", STEPPING)
def test_the_env_argument_is_the_limit_when_built_directly(env_id, scripted_backend) -> None:
    env = CLASSES[env_id](scripted_theorems(), scripted_backend, max_episode_steps=60)
    assert env.max_episode_steps == 60
    assert _truncation_step(env, 60) == [False] * 59 + [True]


@pytest.mark.parametrize("env_id", STEPPING)
def test_no_time_limit_means_no_step_limit(env_id, scripted_env_factory) -> None:
    env = scripted_env_factory(env_id, max_episode_steps=-1)
    assert env.unwrapped.max_episode_steps is None
    assert not any(_truncation_step(env, 80))


def test_proof_env_limit_agrees_and_one_action_still_ends_the_episode(scripted_env_factory) -> None:
    env = scripted_env_factory("LeanProof-v0")
    assert env.spec.max_episode_steps is None and env.unwrapped.max_episode_steps is None
    env = scripted_env_factory("LeanProof-v0", max_episode_steps=5)
    assert env.spec.max_episode_steps == env.unwrapped.max_episode_steps == 5
    env.reset(options={"theorem": "t_two"})
    _, _, terminated, truncated, _ = env.step("exact nope")
    assert (terminated, truncated) == (True, False)


@pytest.mark.parametrize("env_id", list(CLASSES))
def test_a_handed_over_limit_survives_pickling_and_remaking(env_id) -> None:
    env = gym.make(env_id, dataset="smoke", backend="minilean", max_episode_steps=9)
    try:
        env.reset(seed=0)
        clone = pickle.loads(pickle.dumps(env.unwrapped))
        assert clone.max_episode_steps == 9
        clone.close()
        again = gym.make(env.spec)
        assert again.unwrapped.max_episode_steps == 9 == again.spec.max_episode_steps
        again.close()
    finally:
        env.close()


def test_vector_envs_take_the_limit_given_to_make_vec() -> None:
    envs = gym.make_vec(
        "LeanStep-v0", num_envs=2, vectorization_mode="sync", dataset="smoke",
        backend="minilean", max_episode_steps=57,
    )  # fmt: skip
    try:
        envs.reset(seed=0)
        flags = [bool(envs.step(("exact nope", "exact nope"))[3][0]) for _ in range(57)]
        assert flags == [False] * 56 + [True]
    finally:
        envs.close()


# ----------------------------------------------------------------------------- order


def _names(env: LeanStepEnv, n: int, seed: int | None = None) -> list[str]:
    names = [env.reset(seed=seed)[1]["theorem"]]
    names += [env.reset()[1]["theorem"] for _ in range(n - 1)]
    return names


def test_shuffle_is_the_default_and_takes_every_theorem_once_per_pass() -> None:
    env = LeanStepEnv("smoke", "minilean")
    n = len(env.theorems)
    assert env.order == "shuffle"
    names = _names(env, 2 * n, seed=3)
    assert sorted(names[:n]) == sorted(names[n:]) == sorted(t.name for t in env.theorems)
    assert names[:n] != names[n:]  # each pass has its own order
    env.close()


def test_the_default_order_is_reproducible_without_a_seed() -> None:
    first, second = LeanStepEnv("smoke", "minilean"), LeanStepEnv("smoke", "minilean")
    assert _names(first, 20) == _names(second, 20)
    seeded = LeanStepEnv("smoke", "minilean")
    assert _names(seeded, 20, seed=5) == _names(first, 20, seed=5)
    assert _names(seeded, 13, seed=5) != _names(seeded, 13, seed=6)
    for env in (first, second, seeded):
        env.close()


def test_cycle_goes_through_the_dataset_in_order_and_index_moves_it() -> None:
    env = LeanStepEnv("smoke", "minilean", order="cycle")
    names = [t.name for t in env.theorems]
    assert _names(env, len(names) + 2) == names + names[:2]
    env.reset(options={"index": 5})
    assert env.reset()[1]["theorem"] == names[6]
    env.close()


def test_random_draws_with_replacement_reproducibly() -> None:
    env = LeanStepEnv("smoke", "minilean", order="random")
    names = _names(env, 40, seed=1)
    assert len(set(names)) < len(names)
    assert _names(env, 40, seed=1) == names
    env.close()


def test_the_order_position_survives_pickling() -> None:
    env = LeanStepEnv("smoke", "minilean")
    _names(env, 4, seed=2)
    clone = pickle.loads(pickle.dumps(env))
    assert _names(clone, 12)[1:] == _names(env, 12)[1:]
    for e in (env, clone):
        e.close()


def test_bad_order_and_policy_values_are_refused() -> None:
    with pytest.raises(ValueError, match="order"):
        LeanStepEnv("smoke", "minilean", order="sorted")
    with pytest.raises(ValueError, match="on_start_error"):
        LeanStepEnv("smoke", "minilean", on_start_error="ignore")


# ----------------------------------------------------------------------------- start errors


def test_raise_is_the_default() -> None:
    env = LeanStepEnv([UNSTARTABLE], "minilean")
    with pytest.raises(TheoremStartError) as caught:
        env.reset(seed=0)
    assert caught.value.theorem == UNSTARTABLE
    env.close()


def test_skip_draws_another_theorem_counts_and_logs_once(caplog) -> None:
    env = LeanStepEnv([UNSTARTABLE, GOOD], "minilean", on_start_error="skip", order="cycle")
    with caplog.at_level(logging.WARNING, logger="lean_gym.envs.base"):
        names = _names(env, 6, seed=0)
    assert names == ["good_refl"] * 6
    assert env.stats.start_errors == 1
    assert list(env.start_errors) == ["real_refl"] and env.start_errors["real_refl"]
    logged = [r for r in caplog.records if "real_refl" in r.getMessage()]
    assert len(logged) == 1 and "cannot start" in logged[0].getMessage()
    # A theorem asked for by name still raises: the caller wanted that one.
    with pytest.raises(TheoremStartError):
        env.reset(options={"theorem": "real_refl"})
    env.close()


def test_skip_with_nothing_startable_says_so() -> None:
    env = LeanStepEnv([UNSTARTABLE], "minilean", on_start_error="skip")
    with pytest.raises(BackendError, match="none of the dataset's 1 theorems can start"):
        env.reset(seed=0)
    env.close()


@pytest.mark.filterwarnings("ignore::UserWarning")  # Gymnasium logs the worker's error
def test_async_vector_env_raises_the_real_start_error() -> None:
    envs = gym.make_vec(
        "LeanStep-v0", num_envs=2, vectorization_mode="async", dataset=[UNSTARTABLE],
        backend="minilean",
    )  # fmt: skip
    try:
        with pytest.raises(TheoremStartError) as caught:
            envs.reset(seed=0)
        assert caught.value.theorem == UNSTARTABLE
        assert caught.value.error.message
    finally:
        envs.close(terminate=True)


def test_async_vector_env_skips_what_cannot_start() -> None:
    envs = gym.make_vec(
        "LeanStep-v0", num_envs=2, vectorization_mode="async", dataset=[UNSTARTABLE, GOOD],
        backend="minilean", on_start_error="skip",
    )  # fmt: skip
    try:
        _, infos = envs.reset(seed=0)
        assert list(infos["theorem"]) == ["good_refl", "good_refl"]
        _, rewards, terminated, _, _ = envs.step(("exact h", "exact h"))
        assert list(terminated) == [True, True] and list(rewards) == [1.0, 1.0]
    finally:
        envs.close()
