"""What every registered lean_gym env must satisfy: Gymnasium's checker, seeding, pickling."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import lean_gym
from lean_gym.envs.base import LeanEnv
from lean_gym.spaces import LeanText

ENV_IDS = list(lean_gym.ENV_IDS)
# The envs whose actions and observations are text (LeanCandidates-v0's are numbers: its own
# tests, tests/envs/test_candidates.py, check its spaces and a proof through it).
TEXT_ENV_IDS = [env_id for env_id in ENV_IDS if env_id != "LeanCandidates-v0"]

DOC_SECTIONS = (
    "## Description",
    "## Action Space",
    "## Observation Space",
    "## Rewards",
    "## Starting State",
    "## Episode End",
    "## Arguments",
    "## Version History",
)


def test_every_env_class_is_registered():
    assert set(ENV_IDS) == {"LeanStep-v0", "LeanSegment-v0", "LeanProof-v0", "LeanCandidates-v0"}
    for env_id in ENV_IDS:
        assert env_id in gym.registry


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_check_env_unwrapped_minilean_warnings_as_errors(env_id):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(env_id, dataset="smoke", backend="minilean", render_mode="ansi")
        try:
            check_env(env.unwrapped)
        finally:
            env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_check_env_wrapped_minilean_warnings_as_errors(env_id):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # check_env always warns that a wrapped env is not the unwrapped one; nothing else may.
        warnings.filterwarnings("ignore", message=r".*different from the unwrapped version")
        env = gym.make(env_id, dataset="smoke", backend="minilean")
        try:
            check_env(env)
        finally:
            env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_check_env_scripted_backend(env_id, scripted_env_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = scripted_env_factory(env_id, render_mode="ansi")
        check_env(env.unwrapped)


@pytest.mark.parametrize("env_id", TEXT_ENV_IDS)
def test_make_through_module_prefix_and_spaces(env_id):
    env = gym.make(f"lean_gym:{env_id}", dataset="smoke", backend="minilean")
    try:
        assert isinstance(env.unwrapped, LeanEnv)
        assert isinstance(env.action_space, LeanText)
        assert isinstance(env.observation_space, LeanText)
        obs, _ = env.reset(seed=0)
        assert "⊢" in obs
    finally:
        env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_docstring_has_gymnasium_sections(env_id):
    env_class = gym.registry[env_id].entry_point
    module_name, _, attr = env_class.partition(":")
    cls = getattr(__import__(module_name, fromlist=[attr]), attr)
    doc = cls.__doc__ or ""
    positions = [doc.find(section) for section in DOC_SECTIONS]
    assert all(p >= 0 for p in positions), [
        s for s, p in zip(DOC_SECTIONS, positions, strict=True) if p < 0
    ]
    assert positions == sorted(positions)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_spec_pickles_and_remakes(env_id):
    env = gym.make(env_id, dataset="smoke", backend="minilean", max_episode_steps=7)
    try:
        spec = pickle.loads(pickle.dumps(env.spec))
    finally:
        env.close()
    assert spec.kwargs["dataset"] == "smoke"
    again = gym.make(spec)
    try:
        obs, info = again.reset(seed=3)
        assert obs in again.observation_space
        assert info["theorem"]
    finally:
        again.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_seeded_reset_is_deterministic(env_id):
    a = gym.make(env_id, dataset="smoke", backend="minilean")
    b = gym.make(env_id, dataset="smoke", backend="minilean")
    try:
        names_a = [a.reset(seed=11)[1]["theorem"]] + [a.reset()[1]["theorem"] for _ in range(8)]
        names_b = [b.reset(seed=11)[1]["theorem"]] + [b.reset()[1]["theorem"] for _ in range(8)]
        assert names_a == names_b
        assert len(set(names_a)) > 1, "seeded sampling never moved over the dataset"
        other = [a.reset(seed=12)[1]["theorem"]] + [a.reset()[1]["theorem"] for _ in range(8)]
        assert other != names_a
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_reset_by_name_and_unknown_name(env_id):
    env = gym.make(env_id, dataset="smoke", backend="minilean")
    try:
        names = [t.name for t in env.unwrapped.theorems]
        for name in names[:3]:
            _, info = env.reset(options={"theorem": name})
            assert info["theorem"] == name
        with pytest.raises(ValueError, match="unknown theorem 'no_such_theorem'") as excinfo:
            env.reset(options={"theorem": "no_such_theorem"})
        assert repr(names[0]) in str(excinfo.value)
    finally:
        env.close()


@pytest.mark.real_lean
@pytest.mark.parametrize("env_id", TEXT_ENV_IDS)
def test_check_env_and_a_smoke_proof_on_real_lean(env_id):
    import os

    from lean_gym.data.theorems import load_theorems

    project = os.environ["LEAN_GYM_PROJECT"]
    env = gym.make(env_id, dataset="smoke", backend="repl", backend_kwargs={"project": project})
    try:
        check_env(env.unwrapped)
        theorem = next(t for t in load_theorems("smoke") if t.proof)
        env.reset(options={"theorem": theorem.name})
        _, reward, terminated, _, info = env.step(theorem.proof)
        assert terminated and reward == 1.0, info
    finally:
        env.close()
