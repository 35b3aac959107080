"""LeanCandidates-v0: the numeric observation, the candidate actions, masks, proposers, errors."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import warnings
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from scripted_world import ScriptedBackend, scripted_theorems

import lean_gym  # noqa: F401  (registers the env ids)
from lean_gym.data import load_theorems
from lean_gym.envs.candidates import (
    CANDIDATE_FIELDS,
    STATE_FIELDS,
    LeanCandidatesEnv,
    TacticLibraryProposer,
    hashed_ngrams,
)
from lean_gym.types import ProofState


@dataclass(frozen=True)
class Cand:
    text: str
    logprob: float


class DepthProposer:
    """Proposes ``lists[d]`` at a state ``d`` tactics deep (whatever the goals)."""

    def __init__(self, lists: list[list[tuple[str, float]]]):
        self.lists = lists
        self.calls = 0

    def propose(self, state: ProofState, k: int) -> list[Cand]:
        self.calls += 1
        depth = len(state.tactics)
        items = self.lists[depth] if depth < len(self.lists) else []
        return [Cand(text, logprob) for text, logprob in items]  # the env cuts to k


# t_two's accepted proof is "intro h" then "exact h" (tests/envs/scripted_world.py).
T_TWO = [[("bogus", -0.5), ("intro h", -1.5)], [("exact h", -0.1), ("nope", -3.0)]]


def scripted_env(proposer, **kwargs) -> LeanCandidatesEnv:
    kwargs.setdefault("k", 4)
    return LeanCandidatesEnv(scripted_theorems(), ScriptedBackend(), proposer=proposer, **kwargs)


def smoke_env(**kwargs) -> LeanCandidatesEnv:
    return LeanCandidatesEnv("smoke", "minilean", **kwargs)


def embed_lengths(texts):
    """A deterministic stand-in for a text encoder: three numbers per text."""
    return np.array([[len(t) / 10.0, t.count(" "), -len(t) * 100.0] for t in texts])


# --------------------------------------------------------------------------- checkers


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"granularity": "segment"},
        {"mask_failed": True, "shuffle_candidates": True, "k": 3},
        {"embed": embed_lengths},
        {"hash_dim": 7, "ngram": 3, "step_penalty": 0.01, "render_mode": "ansi"},
    ],
    ids=["step", "segment", "masked-shuffled", "embedding", "options"],
)
def test_gymnasium_check_env_warnings_as_errors(kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make("LeanCandidates-v0", dataset="smoke", backend="minilean", **kwargs)
        try:
            check_env(env.unwrapped)
        finally:
            env.close()


def test_spaces_and_layout():
    env = smoke_env(k=5, hash_dim=16)
    try:
        layout = env.layout
        assert env.action_space == gym.spaces.Discrete(5)
        assert env.observation_space.shape == (
            len(STATE_FIELDS) + 16 + 5 * (len(CANDIDATE_FIELDS) + 16),
        )
        assert env.observation_space.dtype == np.float32
        assert layout.size == env.observation_space.shape[0] == 5 + 16 + 5 * 21
        assert layout.candidates[0].start == layout.state.stop
        assert layout.candidate_text(4).stop == layout.size
        text = layout.goal_text()
        assert env.observation_space.low[text].min() == -1.0
        assert env.observation_space.low[layout.state_field("num_goals")] == 0.0
    finally:
        env.close()


# --------------------------------------------------------------------------- observation


def test_observation_fields_follow_the_documented_layout():
    env = scripted_env(DepthProposer(T_TWO), max_episode_steps=10)
    layout = env.layout
    obs, info = env.reset(options={"theorem": "t_two"})
    assert obs in env.observation_space
    assert obs[layout.state_field("num_goals")] == pytest.approx(1 / 8)
    assert obs[layout.state_field("num_hypotheses")] == pytest.approx(1 / 16)  # "h : p"
    assert obs[layout.state_field("depth")] == 0.0
    assert obs[layout.state_field("time")] == 0.0
    assert obs[layout.state_field("num_candidates")] == pytest.approx(2 / 4)
    assert np.linalg.norm(obs[layout.goal_text()]) == pytest.approx(1.0, abs=1e-5)
    for slot, (text, logprob) in enumerate(T_TWO[0]):
        assert obs[layout.candidate_field(slot, "valid")] == 1.0
        assert obs[layout.candidate_field(slot, "prior")] == pytest.approx(math.exp(logprob))
        assert obs[layout.candidate_field(slot, "neg_logprob")] == pytest.approx(-logprob / 20)
        assert obs[layout.candidate_field(slot, "tried")] == 0.0
        np.testing.assert_allclose(obs[layout.candidate_text(slot)], hashed_ngrams(text, 32, 2))
    for slot in (2, 3):
        assert not obs[layout.candidates[slot]].any()
    assert info["candidates"] == ["bogus", "intro h", "", ""]
    assert info["num_candidates"] == 2
    assert info["action_text"] is None and info["theorem"] == "t_two"

    obs, reward, terminated, truncated, info = env.step(1)  # intro h
    assert info["error"] is None and info["action_text"] == "intro h"
    assert obs[layout.state_field("depth")] == pytest.approx(1 / 32)
    assert obs[layout.state_field("time")] == pytest.approx(1 / 10)
    assert info["candidates"][:2] == ["exact h", "nope"]
    # Another goal, other goal features.
    root, _ = env.reset(options={"theorem": "t_two"})
    assert not np.allclose(obs[layout.goal_text()], root[layout.goal_text()])


def test_hashed_ngrams_are_unit_length_bounded_and_stable_across_processes():
    vector = hashed_ngrams("h : p ∧ q ⊢ q ∧ p", 32, 2)
    assert vector.dtype == np.float32 and vector.shape == (32,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)
    assert np.abs(vector).max() <= 1.0
    assert not hashed_ngrams("", 8).any()
    assert not np.allclose(hashed_ngrams("intro h"), hashed_ngrams("intro x"))
    assert not np.allclose(hashed_ngrams("p", salt="a"), hashed_ngrams("p", salt="b"))
    code = (
        "from lean_gym.envs.candidates import hashed_ngrams; "
        "print(repr(hashed_ngrams('h : p ∧ q ⊢ q ∧ p', 32, 2).tolist()))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert eval(other.stdout) == vector.tolist()


def test_embedding_callable_replaces_the_hashed_features():
    seen = []

    def embed(texts):
        seen.append(list(texts))
        return embed_lengths(texts)

    env = scripted_env(DepthProposer(T_TWO), embed=embed, embedding_bound=5.0)
    layout = env.layout
    assert layout.text_dim == 3  # found by one probe call
    assert env.observation_space.high[layout.candidate_text(0)].tolist() == [5.0] * 3
    obs, _ = env.reset(options={"theorem": "t_two"})
    assert seen[-1][1:] == ["bogus", "intro h"]
    goal_text = seen[-1][0]
    assert "⊢" in goal_text
    np.testing.assert_allclose(
        obs[layout.goal_text()], np.clip(embed_lengths([goal_text])[0], -5, 5)
    )
    assert obs[layout.candidate_text(1)].tolist() == pytest.approx([0.7, 1.0, -5.0])
    assert obs in env.observation_space


def test_embedding_of_the_wrong_shape_is_a_type_error():
    with pytest.raises(TypeError, match="shape"):
        scripted_env(DepthProposer(T_TWO), embed=lambda texts: np.zeros(3))
    env = scripted_env(DepthProposer(T_TWO), embed=lambda texts: np.zeros((1, 2)), embedding_dim=2)
    with pytest.raises(TypeError, match=r"expected \(3, 2\)"):
        env.reset(options={"theorem": "t_two"})


# --------------------------------------------------------------------------- actions


def test_a_failing_candidate_is_an_error_and_a_penalty_and_the_proof_pays_one():
    env = scripted_env(DepthProposer(T_TWO))
    layout = env.layout
    env.reset(options={"theorem": "t_two"})
    calls = env.lean_calls
    obs, reward, terminated, truncated, info = env.step(0)  # bogus
    assert reward == pytest.approx(-0.1)
    assert not terminated and not truncated
    assert info["error"]["kind"] != "rejected" and info["action_text"] == "bogus"
    assert env.state.tactics == ()
    assert env.lean_calls == calls + 1
    assert obs[layout.candidate_field(0, "tried")] == 1.0
    assert obs[layout.candidate_field(0, "failed")] == 1.0
    assert obs[layout.candidate_field(1, "tried")] == 0.0
    _, reward, terminated, _, info = env.step(1)  # intro h
    assert reward == 0.0 and not terminated and info["error"] is None
    _, reward, terminated, truncated, info = env.step(0)  # exact h
    assert terminated and not truncated and reward == 1.0
    assert info["verification"]["ok"] and info["proof"] == "intro h\nexact h"
    assert info["steps"] == 3 and not info["dead_end"]


@pytest.mark.parametrize("action", [2, 3, np.int64(3), 7, -1, 1.5, "0", None, True])
def test_an_empty_slot_or_a_bad_action_is_an_error_without_a_lean_call(action):
    env = scripted_env(DepthProposer(T_TWO), step_penalty=0.01, error_penalty=0.2)
    env.reset(options={"theorem": "t_two"})
    calls = env.lean_calls
    obs, reward, terminated, truncated, info = env.step(action)
    assert reward == pytest.approx(-0.21)
    assert info["error"]["kind"] == "rejected"
    assert info["error"]["message"].startswith("no_candidate: ")
    assert env.lean_calls == calls and info["action_text"] is None
    assert not terminated and not truncated and info["steps"] == 1
    assert obs in env.observation_space


def test_truncation_at_max_episode_steps_counts_failed_and_empty_choices():
    env = scripted_env(DepthProposer(T_TWO), max_episode_steps=3)
    env.reset(options={"theorem": "t_two"})
    assert env.step(0)[3] is False
    assert env.step(3)[3] is False
    _, _, terminated, truncated, info = env.step(0)
    assert truncated and not terminated and info["steps"] == 3


def test_action_masks_hide_empty_slots_and_with_mask_failed_failed_candidates():
    env = scripted_env(DepthProposer(T_TWO))
    env.reset(options={"theorem": "t_two"})
    assert env.action_masks().tolist() == [True, True, False, False]
    env.step(0)
    assert env.action_masks().tolist() == [True, True, False, False]
    masked = scripted_env(DepthProposer(T_TWO), mask_failed=True)
    masked.reset(options={"theorem": "t_two"})
    masked.step(0)
    assert masked.action_masks().tolist() == [False, True, False, False]


def test_a_state_whose_candidates_all_failed_is_a_dead_end_with_mask_failed():
    proposer = DepthProposer([[("bogus", -0.1), ("nonsense", -0.2)]])
    env = scripted_env(proposer, mask_failed=True)
    env.reset(options={"theorem": "t_two"})
    _, _, terminated, _, info = env.step(0)
    assert not terminated and not info["dead_end"]
    _, _, terminated, truncated, info = env.step(1)
    assert terminated and not truncated and info["dead_end"]
    assert env.action_masks().tolist() == [True, False, False, False]
    # Without mask_failed the agent may retry: no dead end.
    plain = scripted_env(DepthProposer([[("bogus", -0.1)]]))
    plain.reset(options={"theorem": "t_two"})
    assert plain.step(0)[2] is False


def test_no_candidates_at_the_root_leaves_one_legal_move_that_ends_the_episode():
    env = scripted_env(DepthProposer([[]]))
    obs, info = env.reset(options={"theorem": "t_two"})
    assert info["num_candidates"] == 0 and info["candidates"] == [""] * 4
    assert obs[env.layout.state_field("num_candidates")] == 0.0
    assert env.action_masks().tolist() == [True, False, False, False]
    _, reward, terminated, _, info = env.step(0)
    assert terminated and info["dead_end"] and info["error"]["kind"] == "rejected"
    assert reward == pytest.approx(-0.1)


def test_a_proposer_that_raises_leaves_the_state_without_candidates():
    class Broken:
        def propose(self, state, k):
            raise RuntimeError("model server down")

    env = scripted_env(Broken())
    _, info = env.reset(options={"theorem": "t_two"})
    assert info["proposer_error"] == "RuntimeError: model server down"
    assert info["num_candidates"] == 0
    assert env.step(0)[2] is True


def test_a_malformed_proposer_is_a_programming_error():
    with pytest.raises(TypeError, match="propose"):
        scripted_env(object())
    with pytest.raises(ValueError, match="proposer_kwargs"):
        scripted_env(DepthProposer(T_TWO), proposer_kwargs={"seed": 1})

    class ReturnsNumbers:
        def propose(self, state, k):
            return [1, 2]

    with pytest.raises(TypeError, match="text"):
        scripted_env(ReturnsNumbers()).reset(options={"theorem": "t_two"})
    with pytest.raises(ValueError, match="module:attr"):
        scripted_env("no_colon")


def test_candidates_are_deduplicated_cut_to_k_and_their_logprobs_sanitised():
    proposer = DepthProposer(
        [
            [
                ("a", -0.1),
                ("a", -0.2),
                ("  ", -0.3),
                ("b", float("nan")),
                ("c", 0.5),
                ("d", -1),
                ("e", -2),
            ]
        ]
    )
    env = scripted_env(proposer, k=3)
    obs, info = env.reset(options={"theorem": "t_two"})
    assert info["candidates"] == ["a", "b", "c"]
    assert [c.logprob for c in env.candidates] == [-0.1, -math.inf, 0.0]
    assert obs[env.layout.candidate_field(1, "prior")] == 0.0
    assert obs[env.layout.candidate_field(1, "neg_logprob")] == 1.0
    assert np.isfinite(obs).all()


def test_the_proposer_is_asked_once_per_state_of_the_episode():
    proposer = DepthProposer(T_TWO)
    env = scripted_env(proposer)
    env.reset(options={"theorem": "t_two"})
    for _ in range(3):
        env.step(0)  # bogus fails: same state, same candidates
    assert proposer.calls == 1
    env.step(1)
    assert proposer.calls == 2


def test_shuffled_candidates_keep_track_of_the_proposers_first():
    proposer = DepthProposer([[(f"t{i}", -0.1 * (i + 1)) for i in range(6)]])
    env = scripted_env(proposer, k=6, shuffle_candidates=True)
    orders = set()
    for seed in range(6):
        _, info = env.reset(seed=seed, options={"theorem": "t_two"})
        assert info["candidates"][env.first_action()] == "t0"
        orders.add(tuple(info["candidates"]))
        again = env.reset(seed=seed, options={"theorem": "t_two"})[1]["candidates"]
        assert tuple(again) in orders
    assert len(orders) > 1


# --------------------------------------------------------------------------- proposers


def first_candidate_proves(env: gym.Env, name: str) -> bool:
    env.reset(options={"theorem": name})
    for _ in range(env.unwrapped.max_episode_steps):
        _, reward, terminated, truncated, info = env.step(env.unwrapped.first_action())
        if terminated or truncated:
            return bool(info["verification"] and info["verification"]["ok"] and reward == 1.0)
    return False


@pytest.mark.parametrize("granularity", ["step", "segment"])
def test_the_default_library_proposer_proves_smoke_theorems(granularity):
    env = gym.make(
        "LeanCandidates-v0", dataset="smoke", backend="minilean", granularity=granularity
    )
    try:
        assert isinstance(env.unwrapped.proposer, TacticLibraryProposer)
        proved = [first_candidate_proves(env, t.name) for t in env.unwrapped.theorems]
    finally:
        env.close()
    assert sum(proved) >= 10, proved


def test_agents_scripted_policy_as_an_instance_and_as_a_string_spec():
    from agents.policies.scripted import ScriptedPolicy

    by_instance = smoke_env(granularity="segment", proposer=ScriptedPolicy(granularity="segment"))
    by_spec = smoke_env(
        granularity="segment",
        proposer="agents.policies.scripted:ScriptedPolicy",
        proposer_kwargs={"granularity": "segment"},
    )
    try:
        for env in (by_instance, by_spec):
            _, info = env.reset(options={"theorem": "smoke_and_intro"})
            assert info["num_candidates"] >= 2
        assert by_instance.reset(seed=0)[1]["candidates"] == by_spec.reset(seed=0)[1]["candidates"]
        assert first_candidate_proves(by_spec, "smoke_and_intro")
    finally:
        by_instance.close()
        by_spec.close()
    spec = gym.make(
        "LeanCandidates-v0",
        dataset="smoke",
        backend="minilean",
        proposer="agents.policies.scripted:ScriptedPolicy",
    ).spec
    assert pickle.loads(pickle.dumps(spec)).kwargs["proposer"].endswith(":ScriptedPolicy")


def test_lean_gym_imports_neither_torch_nor_agents():
    code = (
        "import sys, gymnasium as gym, lean_gym\n"
        "env = gym.make('LeanCandidates-v0', dataset='smoke', backend='minilean')\n"
        "env.reset(seed=0); env.step(0); env.close()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'agents', 'training')]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


# --------------------------------------------------------------------------- the rest of Gymnasium


def test_pickles_mid_episode_and_continues_alike():
    env = smoke_env()
    env.reset(options={"theorem": "smoke_and_intro"})
    env.step(env.action_space.n - 1)
    copy = pickle.loads(pickle.dumps(env))
    try:
        a = env.step(0)
        b = copy.step(0)
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1:4] == b[1:4]
        assert a[4]["candidates"] == b[4]["candidates"] and a[4]["steps"] == b[4]["steps"] == 2
    finally:
        env.close()
        copy.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_vector_env_batches_infos(mode):
    envs = gym.make_vec(
        "LeanCandidates-v0",
        num_envs=2,
        vectorization_mode=mode,
        dataset="smoke",
        backend="minilean",
        k=16,
    )
    try:
        obs, infos = envs.reset(seed=0)
        assert obs.shape == (2, *envs.single_observation_space.shape)
        empty = int(infos["num_candidates"][1])  # the first empty slot of env 1
        assert empty < 16
        obs, rewards, terminated, truncated, infos = envs.step(np.array([0, empty]))
        assert len(infos["candidates"]) == 2 and rewards[1] == pytest.approx(-0.1)
        message = infos["error"][1]["message"]
        assert message.startswith(f"no_candidate: slot {empty} holds no candidate"), message
    finally:
        envs.close()


def test_render_ansi_lists_the_candidates():
    env = scripted_env(DepthProposer(T_TWO), render_mode="ansi")
    assert env.render() == "(no episode: call reset)"
    env.reset(options={"theorem": "t_two"})
    env.step(0)
    text = env.render()
    assert "theorem t_two" in text and "candidates:" in text
    assert "[0] p=0.607 bogus (failed)" in text and "[1] p=0.223 intro h" in text


def test_bad_constructor_arguments():
    for kwargs, match in [
        ({"granularity": "proof"}, "granularity"),
        ({"k": 0}, "k must be"),
        ({"hash_dim": 0}, "hash_dim"),
        ({"max_episode_steps": 0}, "max_episode_steps"),
        ({"render_mode": "human"}, "render_mode"),
        ({"embedding_bound": 0}, "embedding_bound"),
    ]:
        with pytest.raises(ValueError, match=match):
            LeanCandidatesEnv("smoke", "minilean", **kwargs)


def test_reset_before_step_is_required():
    env = scripted_env(DepthProposer(T_TWO))
    with pytest.raises(gym.error.ResetNeeded):
        env.step(0)


@pytest.mark.real_lean
@pytest.mark.parametrize("granularity", ["step", "segment"])
def test_check_env_and_a_first_candidate_proof_on_real_lean(granularity):
    import os

    project = os.environ["LEAN_GYM_PROJECT"]
    env = LeanCandidatesEnv(
        "smoke", "repl", backend_kwargs={"project": project}, granularity=granularity
    )
    try:
        check_env(env)
        theorem = next(t for t in load_theorems("smoke") if t.name == "smoke_and_intro")
        assert first_candidate_proves(env, theorem.name)
    finally:
        env.close()


# --------------------------------------------------------------------------- the step limit


def test_registered_limit_is_the_class_default():
    assert lean_gym.DEFAULT_MAX_EPISODE_STEPS["LeanCandidates-v0"] == 50
    assert LeanCandidatesEnv.default_max_episode_steps == 50
    assert gym.spec("LeanCandidates-v0").max_episode_steps == 50


@pytest.mark.parametrize("given", [None, 57, 3])
def test_gym_make_limit_is_the_envs_and_the_wrapped_envs_limit(given):
    kwargs = {} if given is None else {"max_episode_steps": given}
    env = gym.make(
        "LeanCandidates-v0",
        dataset=scripted_theorems(),
        backend=ScriptedBackend(),
        proposer=DepthProposer(T_TWO),
        **kwargs,
    )
    expected = 50 if given is None else given
    try:
        assert env.spec.max_episode_steps == expected
        assert env.unwrapped.max_episode_steps == expected
        assert env.unwrapped.lean_env.max_episode_steps == expected
        env.reset(options={"theorem": "t_two"})
        flags = [env.step(0)[3] for _ in range(expected)]  # "bogus" fails every time
        assert flags == [False] * (expected - 1) + [True]
    finally:
        env.close()


def test_no_time_limit_means_no_step_limit():
    env = gym.make(
        "LeanCandidates-v0",
        dataset=scripted_theorems(),
        backend=ScriptedBackend(),
        proposer=DepthProposer(T_TWO),
        max_episode_steps=-1,
    )
    try:
        assert env.unwrapped.max_episode_steps is None
        obs, _ = env.reset(options={"theorem": "t_two"})
        for _ in range(80):
            obs, _, terminated, truncated, _ = env.step(0)
            assert not (terminated or truncated)
        assert obs[env.unwrapped.layout.state_field("time")] == 0.0
    finally:
        env.close()


def test_a_handed_over_limit_survives_pickling_and_remaking():
    env = gym.make("LeanCandidates-v0", dataset="smoke", backend="minilean", max_episode_steps=9)
    try:
        env.reset(seed=0)
        clone = pickle.loads(pickle.dumps(env.unwrapped))
        assert clone.max_episode_steps == clone.lean_env.max_episode_steps == 9
        clone.close()
        again = gym.make(env.spec)
        assert again.unwrapped.max_episode_steps == 9 == again.spec.max_episode_steps
        again.close()
    finally:
        env.close()
