"""The reward functions: MiniLean verdicts through integrity, partial credit, timeouts and
crashes that give 0 without raising, and outcome metrics through ``log_metric``."""

from __future__ import annotations

import time

import pytest

from lean_gym.backends.minilean.backend import MiniLeanBackend
from tests.training.conftest import smoke_theorem, theorem_json
from training.rewards import (
    EpisodeReward,
    FormatReward,
    ProofReward,
    SegmentReward,
    make_reward,
)
from training.verifier_pool import VerifierPool


class Metrics:
    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}

    def __call__(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)


def columns(theorem, n, prefix=()):
    return {"theorem_json": [theorem_json(theorem)] * n, "prefix": [list(prefix)] * n}


def test_proof_reward_pays_only_verified_proofs() -> None:
    theorem = smoke_theorem("smoke_and_intro")
    metrics = Metrics()
    with VerifierPool("minilean", size=2, timeout=10) as pool:
        reward = ProofReward(pool=pool, template="leandojo")
        completions = [
            "constructor\n· exact hp\n· exact hq",
            "```lean\nconstructor\n· exact hp\n· exact hq\n```",  # fenced: still the proof
            "constructor\n· exact hp",  # goals left
            "sorry",  # integrity
            "exact hq",  # Lean error
            "",  # nothing
        ]
        got = reward(
            prompts=["p"] * len(completions),
            completions=completions,
            log_metric=metrics,
            **columns(theorem, len(completions)),
        )
    assert got == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    assert reward.outcomes["verified"] == 2
    assert reward.outcomes["sorry"] == 1
    assert reward.outcomes["no_tactics"] == 1
    assert metrics.values["outcomes/proof/verified"] == [pytest.approx(2 / 6)]
    assert sum(v[0] for v in metrics.values.values()) == pytest.approx(1.0)


def test_proof_reward_continues_after_the_prefix() -> None:
    theorem = smoke_theorem("smoke_or_inl")
    reward = ProofReward(backend="minilean", timeout=10)
    try:
        got = reward(
            prompts=["p", "p"],
            completions=["exact hp", "exact hq"],
            **columns(theorem, 2, prefix=["left"]),
        )
    finally:
        reward.close()
    assert got == [1.0, 0.0]


def test_segment_reward_partial_credit_and_verified_finish() -> None:
    theorem = smoke_theorem("smoke_and_intro")
    reward = SegmentReward(backend="minilean", timeout=10, partial_credit=0.5, valid_credit=0.1)
    try:
        # After `constructor` there are two goals: closing one earns half the partial credit.
        got = reward(
            prompts=["p"] * 4,
            completions=["exact hp", "exact hp\nexact hq", "exact hq", "skip"],
            **columns(theorem, 4, prefix=["constructor"]),
        )
        root = reward(prompts=["p"], completions=["constructor"], **columns(theorem, 1))
    finally:
        reward.close()
    assert got == [pytest.approx(0.25), 1.0, 0.0, pytest.approx(0.1)]
    assert root == [pytest.approx(0.1)]  # runs, closes nothing (one goal becomes two)
    assert reward.outcomes["verified"] == 1 and reward.outcomes["closed_goals"] == 1


def test_format_reward() -> None:
    fmt = FormatReward(template="leandojo")
    completions = [
        "intro h\nexact h",
        "```lean4\nintro h\nexact h\n```",
        "Here is the proof of the theorem:\nintro h",
        "```lean\nintro h\n```\nThis closes the goal.",
        "#eval 1",
        "",
        "exact h -- the hypothesis closes it.",  # a comment, not prose
    ]
    assert fmt(prompts=[""] * len(completions), completions=completions) == [
        1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0,
    ]  # fmt: skip


def test_episode_reward_reads_the_rollout_verdict() -> None:
    reward = EpisodeReward()
    got = reward(
        prompts=["a", "b", "c"],
        completions=["x", "y", "z"],
        proved=[True, False, False],
        end_reason=["verified", "turn_limit", "token_limit"],
    )
    assert got == [1.0, 0.0, 0.0]
    assert reward.outcomes == {"verified": 1, "turn_limit": 1, "token_limit": 1}


def test_a_missing_column_is_a_clear_error() -> None:
    reward = make_reward("proof", backend="minilean")
    try:
        with pytest.raises(KeyError, match="theorem_json"):
            reward(prompts=["p"], completions=["omega"])
    finally:
        reward.close()


class SlowBackend(MiniLeanBackend):
    """MiniLean that hangs on any declaration or tactic mentioning ``trivial``."""

    def check_declaration(self, theorem, text, timeout=None):
        if "trivial" in text:
            time.sleep(3.0)
        return super().check_declaration(theorem, text, timeout)

    def run_tactic(self, state, tactic, timeout=None):
        if "trivial" in tactic:
            time.sleep(3.0)
        return super().run_tactic(state, tactic, timeout)


class CrashingBackend(MiniLeanBackend):
    def check_declaration(self, theorem, text, timeout=None):
        raise RuntimeError("the checker died")


def test_a_slow_proof_gives_zero_and_does_not_block_the_batch(caplog) -> None:
    theorem = smoke_theorem("smoke_add_comm")
    with VerifierPool(SlowBackend, size=2, timeout=0.3, grace=0.3) as pool:
        reward = ProofReward(pool=pool)
        began = time.monotonic()
        got = reward(
            prompts=["p"] * 3,
            completions=["trivial", "omega", "exact Nat.add_comm a b"],
            **columns(theorem, 3),
        )
        elapsed = time.monotonic() - began
        # The pool replaced the stuck worker: the next batch runs at full speed.
        again = reward(prompts=["p"], completions=["omega"], **columns(theorem, 1))
        segment = SegmentReward(pool=pool)
        seg = segment(prompts=["p"] * 2, completions=["trivial", "omega"], **columns(theorem, 2))
    assert got == [0.0, 1.0, 1.0] and again == [1.0] and seg == [0.0, 1.0]
    assert elapsed < 2.5
    assert reward.outcomes["timeout"] == 1 and segment.outcomes["timeout"] == 1
    assert pool.timeouts == 2
    assert "timed out" in caplog.text


def test_a_crashing_backend_gives_zero() -> None:
    theorem = smoke_theorem("smoke_add_comm")
    with VerifierPool(CrashingBackend, size=1, timeout=5) as pool:
        reward = ProofReward(pool=pool)
        got = reward(prompts=["p"], completions=["omega"], **columns(theorem, 1))
    assert got == [0.0]
    assert reward.outcomes["crash"] == 1


def test_pool_map_keeps_order_and_reports_errors() -> None:
    def task(ctx, item):
        if item == 3:
            raise ValueError("bad item")
        return item * 2

    with VerifierPool("minilean", size=2, timeout=5) as pool:
        results = pool.map(task, [1, 2, 3, 4])
    assert [r.value for r in results] == [2, 4, None, 8]
    assert [r.status for r in results] == ["ok", "ok", "error", "ok"]
    assert "bad item" in results[2].detail
