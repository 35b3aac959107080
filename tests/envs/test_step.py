"""LeanStep-v0: one tactic per step."""

from __future__ import annotations

import gymnasium as gym
import pytest
from scripted_world import ScriptedBackend, proof_tactics, scripted_theorems, smoke_with_proofs

from lean_gym.envs.base import TRUNCATION_MARKER, RewardContext
from lean_gym.envs.step import LeanStepEnv
from lean_gym.tactic_text import join_tactics
from lean_gym.types import LeanError, Success

SMOKE = smoke_with_proofs()


@pytest.fixture
def minilean_step():
    env = gym.make("LeanStep-v0", dataset="smoke", backend="minilean")
    yield env
    env.close()


BACKENDS = [
    pytest.param("minilean", id="minilean"),
    pytest.param("minilean-subprocess", id="minilean-subprocess"),
    pytest.param("repl", id="real-lean", marks=pytest.mark.real_lean),
]


@pytest.fixture(scope="module", params=BACKENDS)
def step_env(request):
    """LeanStep-v0 on each backend: in-process MiniLean, MiniLean behind the REPL client, and
    real Lean when LEAN_GYM_PROJECT names a Lake project with the REPL."""
    import os

    kwargs = {"project": os.environ["LEAN_GYM_PROJECT"]} if request.param == "repl" else {}
    env = gym.make("LeanStep-v0", dataset="smoke", backend=request.param, backend_kwargs=kwargs)
    yield env
    env.close()


@pytest.mark.parametrize("theorem", SMOKE, ids=lambda t: t.name)
def test_smoke_proof_tactic_by_tactic(step_env, theorem):
    env = step_env
    obs, info = env.reset(options={"theorem": theorem.name})
    assert obs == env.unwrapped.state.pp()
    tactics = proof_tactics(theorem)
    for i, tactic in enumerate(tactics):
        obs, reward, terminated, truncated, info = env.step(tactic)
        assert info["error"] is None, (tactic, info["error"])
        last = i == len(tactics) - 1
        assert terminated is last
        assert truncated is False
        assert reward == (1.0 if last else 0.0)
    assert obs == "no goals"
    assert info["num_goals"] == 0 and info["goals"] == []
    assert info["verification"]["ok"] is True
    assert info["proof"] == join_tactics(tactics)
    assert info["lean_calls"] == len(tactics) + 1  # every tactic, then the whole-proof check


BAD_ACTIONS = [
    pytest.param("", "rejected", id="empty"),
    pytest.param("   \n ", "rejected", id="blank"),
    pytest.param("x" * 100_000, "rejected", id="100KB"),
    pytest.param("exact h\x00", "rejected", id="null-byte"),
    pytest.param("#eval 1 + 1", "rejected", id="eval-command"),
    pytest.param("sorry", "rejected", id="sorry"),
    pytest.param(3, "rejected", id="int"),
    pytest.param(None, "rejected", id="none"),
    pytest.param(b"intro h", "rejected", id="bytes"),
    pytest.param("exact (h", ("parse", "error"), id="unbalanced"),
    pytest.param("exact ⟨h.2, h.1", ("parse", "error"), id="unbalanced-angle"),
    pytest.param("no_such_tactic_xyz", ("parse", "error"), id="unknown-tactic"),
]


@pytest.mark.parametrize(("action", "kinds"), BAD_ACTIONS)
def test_bad_action_is_an_error_and_the_episode_goes_on(step_env, action, kinds):
    env = step_env
    theorem = SMOKE[0]
    obs0, _ = env.reset(options={"theorem": theorem.name})
    state0 = env.unwrapped.state
    obs, reward, terminated, truncated, info = env.step(action)
    assert info["error"] is not None
    assert info["error"]["kind"] in ((kinds,) if isinstance(kinds, str) else kinds)
    assert info["error"]["message"]
    assert obs == obs0
    assert env.unwrapped.state == state0
    assert (reward, terminated, truncated) == (0.0, False, False)
    if info["error"]["kind"] == "rejected":
        assert info["lean_calls"] == 0  # refused before reaching Lean
    # The episode is intact: the known proof still goes through.
    for tactic in proof_tactics(theorem):
        obs, reward, terminated, truncated, info = env.step(tactic)
    assert terminated and reward == 1.0


def test_penalties(scripted_env_factory):
    env = scripted_env_factory("LeanStep-v0", step_penalty=0.1, error_penalty=0.5)
    env.reset(options={"theorem": "t_two"})
    assert env.step("intro h")[1] == pytest.approx(-0.1)
    assert env.step("exact nope")[1] == pytest.approx(-0.6)
    assert env.step("")[1] == pytest.approx(-0.6)
    assert env.step("exact h")[1] == pytest.approx(0.9)


def test_reward_fn_sees_the_context(scripted_env_factory):
    seen: list[RewardContext] = []

    def reward_fn(context: RewardContext) -> float:
        seen.append(context)
        return 10.0 * context.default_reward + context.state_after.num_goals

    env = scripted_env_factory("LeanStep-v0", reward_fn=reward_fn, error_penalty=0.25)
    env.reset(options={"theorem": "t_three"})
    assert env.step("constructor")[1] == 2.0
    assert env.step("exact wrong")[1] == pytest.approx(-2.5 + 2)
    env.step("exact a")
    assert env.step("exact b")[1] == 10.0
    assert [c.action for c in seen] == ["constructor", "exact wrong", "exact a", "exact b"]
    assert seen[1].error is not None and seen[1].state_after == seen[1].state_before
    assert seen[-1].proof_complete and seen[-1].verification.ok
    assert seen[-1].steps == 4


def test_complete_but_unverified_proof_terminates_without_reward(scripted_env_factory):
    env = scripted_env_factory("LeanStep-v0")
    env.reset(options={"theorem": "t_axiom"})
    obs, reward, terminated, truncated, info = env.step("cheat")
    assert obs == "no goals"
    assert (reward, terminated, truncated) == (0.0, True, False)
    assert info["verification"]["ok"] is False
    assert info["verification"]["reason"] == "axiom:sorryAx"


def test_env_truncates_by_itself_at_max_episode_steps(scripted_backend):
    env = LeanStepEnv(scripted_theorems(), scripted_backend, max_episode_steps=3)
    env.reset(options={"theorem": "t_two"})
    flags = [env.step("exact nope")[3] for _ in range(3)]
    assert flags == [False, False, True]
    env.reset(options={"theorem": "t_two"})
    assert env.step("exact nope")[3] is False  # the count restarts with the episode


def test_gym_make_max_episode_steps_adds_time_limit(scripted_env_factory):
    env = scripted_env_factory("LeanStep-v0", max_episode_steps=2)
    env.reset(options={"theorem": "t_two"})
    assert env.step("exact nope")[3] is False
    assert env.step("exact nope")[3] is True


def test_long_observation_is_cut_deterministically(scripted_backend):
    env = LeanStepEnv(scripted_theorems(), scripted_backend, max_observation_length=40)
    _, info = env.reset(options={"theorem": "t_three"})
    assert info["observation_truncated"] is False
    obs, *_, info = env.step("constructor")
    full = env.state.pp()
    assert len(full) > 40
    assert info["observation_truncated"] is True
    assert len(obs) == 40 and obs.endswith(TRUNCATION_MARKER)
    assert obs == full[: 40 - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER
    assert obs in env.observation_space


def test_error_in_observation_option(scripted_backend):
    env = LeanStepEnv(scripted_theorems(), scripted_backend, error_in_observation=True)
    obs0, _ = env.reset(options={"theorem": "t_two"})
    obs, *_ = env.step("exact nope")
    assert obs.startswith(obs0) and "error: tactic 'exact nope' failed" in obs
    obs, *_ = env.step("intro h")
    assert "error:" not in obs


def test_expand_does_not_move_the_env_and_does_not_replay(scripted_env_factory, scripted_backend):
    env = scripted_env_factory("LeanStep-v0")
    env.reset(options={"theorem": "t_three"})
    root = env.unwrapped.state
    outcome = env.unwrapped.expand(root, "constructor")
    assert isinstance(outcome.result, Success) and outcome.ok
    assert outcome.state.num_goals == 2 and outcome.states == (outcome.state,)
    assert [(e.tactic, e.ok, e.num_goals) for e in outcome.trace] == [("constructor", True, 2)]
    assert outcome.lean_calls == 1 and outcome.verification is None
    assert env.unwrapped.state is root
    deeper = env.unwrapped.expand(outcome.state, "exact a")
    assert deeper.ok and deeper.state.tactics == ("constructor", "exact a")
    assert scripted_backend.replays == 0
    failed = env.unwrapped.expand(root, "exact nope")
    assert isinstance(failed.result, LeanError) and failed.error.kind == "error"
    assert failed.state is root and failed.states == () and failed.lean_calls == 1
    assert failed.trace[0].error == failed.error and failed.trace[0].num_goals == 1
    rejected = env.unwrapped.expand(root, "#eval 1")
    assert rejected.error.kind == "rejected" and rejected.lean_calls == 0 and not rejected.trace
    assert env.unwrapped.lean_calls == 3
    # restore jumps to the expanded state; stepping continues from there.
    env.unwrapped.restore(deeper.state)
    obs, reward, terminated, _, info = env.step("exact b")
    assert terminated and reward == 1.0
    assert info["proof"] == "constructor\nexact a\nexact b"
    assert scripted_backend.replays == 0


def test_restore_refuses_another_theorem(scripted_env_factory):
    env = scripted_env_factory("LeanStep-v0")
    env.reset(options={"theorem": "t_two"})
    other = env.unwrapped.state
    env.reset(options={"theorem": "t_three"})
    with pytest.raises(ValueError, match="t_two"):
        env.unwrapped.restore(other)


def test_restore_and_expand_on_minilean(minilean_step):
    env = minilean_step
    theorem = next(t for t in SMOKE if len(proof_tactics(t)) >= 2)
    env.reset(options={"theorem": theorem.name})
    root = env.unwrapped.state
    first, *rest = proof_tactics(theorem)
    branch = env.unwrapped.expand(root, first)
    assert isinstance(branch.result, Success)
    assert env.unwrapped.state is root
    env.step("exact no_such_identifier_xyz")
    env.unwrapped.restore(branch.state)
    for tactic in rest:
        obs, reward, terminated, *_ = env.step(tactic)
    assert terminated and reward == 1.0
    env.unwrapped.restore(root)
    assert env.unwrapped.state.pp() == root.pp()


def test_render_ansi_shows_state_and_last_error(scripted_backend):
    env = LeanStepEnv(scripted_theorems(), scripted_backend, render_mode="ansi")
    env.reset(options={"theorem": "t_two"})
    env.step("exact nope")
    text = env.render()
    assert "theorem t_two" in text and "⊢ t_two after root" in text
    assert "tactic 'exact nope' failed" in text


def test_render_mode_validation(scripted_backend):
    with pytest.raises(ValueError, match="render_mode"):
        LeanStepEnv(scripted_theorems(), scripted_backend, render_mode="human")


def test_step_before_reset_raises(scripted_backend):
    env = LeanStepEnv(scripted_theorems(), scripted_backend)
    with pytest.raises(gym.error.ResetNeeded):
        env.step("intro h")


def test_backend_ownership_on_close():
    given = ScriptedBackend()
    env = LeanStepEnv(scripted_theorems(), given)
    env.close()
    env.close()
    assert given.closed is False
    built = LeanStepEnv("smoke", "minilean")
    closed: list[bool] = []
    original_close = built.backend.close
    built.backend.close = lambda: (closed.append(True), original_close())[1]
    built.close()
    built.close()
    assert closed == [True]


def test_timings_live_in_stats_not_info(scripted_env_factory):
    env = scripted_env_factory("LeanStep-v0")
    _, info = env.reset(options={"theorem": "t_two"})
    _, _, _, _, info = env.step("intro h")
    stats = env.unwrapped.stats
    assert stats.steps == 1 and stats.lean_calls == 1 and stats.tactic_seconds > 0
    assert not any("time" in key or "second" in key for key in info)


def test_empty_dataset_and_bad_items_raise(scripted_backend):
    with pytest.raises(ValueError, match="no theorems"):
        LeanStepEnv([], scripted_backend)
    with pytest.raises(TypeError, match="Theorem"):
        LeanStepEnv(["not a theorem"], scripted_backend)


def test_steps_after_the_end_earn_nothing(scripted_env_factory, scripted_backend):
    env = scripted_env_factory("LeanStep-v0")
    env.reset(options={"theorem": "t_two"})
    env.step("intro h")
    assert env.step("exact h")[1] == 1.0
    obs, reward, terminated, _, info = env.unwrapped.step("exact h")
    assert (obs, reward, terminated) == ("no goals", 0.0, True)
    assert scripted_backend.verify_calls == 1


def test_integrity_policy_decides_what_reaches_lean(scripted_backend):
    from lean_gym.integrity import IntegrityPolicy

    strict = LeanStepEnv(scripted_theorems(), scripted_backend)
    strict.reset(options={"theorem": "t_two"})
    info = strict.step("native_decide")[-1]
    assert info["error"]["kind"] == "rejected" and "native_decide" in info["error"]["message"]
    assert scripted_backend.tactic_calls == 0
    lenient = LeanStepEnv(
        scripted_theorems(), scripted_backend, integrity_policy=IntegrityPolicy(True)
    )
    lenient.reset(options={"theorem": "t_two"})
    info = lenient.step("native_decide")[-1]
    assert info["error"]["kind"] == "error"  # Lean's (here the script's) answer
    assert scripted_backend.tactic_calls == 1
    assert strict.stats.rejection_reasons == {"native_decide": 1}


def test_reset_by_index(scripted_backend):
    env = LeanStepEnv(scripted_theorems(), scripted_backend)
    assert env.reset(options={"index": 1})[1]["theorem"] == "t_three"
    with pytest.raises(ValueError, match="out of range"):
        env.reset(options={"index": 3})
