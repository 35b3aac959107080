"""GRPO in its three modes on the smoke-trained tiny model, rewarded by real MiniLean verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lean_gym.data.trajectories import read_jsonl
from tests.training.conftest import CONFIGS
from training.grpo import GRPOScriptArguments, build_dataset, main
from training.rewards import parse_theorem

pytest.importorskip("trl")

# Outcomes only a backend run can produce (a completion the template cannot even read is
# "no_tactics"; everything else went through MiniLean or its integrity rules).
MINILEAN_OUTCOMES = {
    "verified", "closed_goals", "no_goal_closed", "tactic_error", "tactic_parse", "lean_error",
    "turn_limit", "token_limit", "sorry", "control_char", "tactic_after_end",
}  # fmt: skip


def run(tmp_path: Path, model: Path, config: str, *extra: str) -> dict:
    out = tmp_path / "grpo"
    code = main(
        [
            "--config", str(CONFIGS / config),
            "--model_name_or_path", str(model),
            "--output_dir", str(out),
            "--theorems", "smoke",
            "--theorems_split", "all",
            "--max_steps", "2",
            "--per_device_train_batch_size", "4",
            "--num_generations", "2",
            "--report_to", "none",
            *extra,
        ]
    )  # fmt: skip
    assert code == 0
    return json.loads((out / "stage_result.json").read_text())


def outcomes(result: dict, reward: str) -> dict[str, float]:
    prefix = f"{reward}/"
    return {k[len(prefix) :]: v for k, v in result["metrics"].items() if k.startswith(prefix)}


@pytest.mark.parametrize("mode", ["proof", "segment", "episode"])
def test_datasets_carry_the_reward_columns(mode: str) -> None:
    rows = build_dataset(GRPOScriptArguments(mode=mode, theorems="smoke", theorems_split="all"))
    assert rows
    for row in rows:
        assert set(row) >= {"prompt", "theorem", "theorem_json", "prefix"}
        assert parse_theorem(row["theorem_json"]).name == row["theorem"]
    if mode != "segment":
        assert all(row["prefix"] == [] for row in rows)
    else:
        assert any(row["prefix"] for row in rows)  # states below the root


def test_proof_mode(tmp_path: Path, smoke_sft_dir: Path) -> None:
    result = run(tmp_path, smoke_sft_dir, "grpo_segment.yaml", "--mode", "proof",
                 "--rewards", "proof", "format", "--max_completion_length", "32")  # fmt: skip
    assert result["steps"] == 2
    seen = outcomes(result, "proof")
    assert sum(seen.values()) == pytest.approx(1.0)
    assert set(seen) & MINILEAN_OUTCOMES, seen
    assert sum(outcomes(result, "format").values()) == pytest.approx(1.0)


def test_segment_mode(tmp_path: Path, smoke_sft_dir: Path) -> None:
    result = run(tmp_path, smoke_sft_dir, "grpo_segment.yaml", "--max_completion_length", "32")
    assert result["steps"] == 2
    seen = outcomes(result, "segment")
    assert set(seen) & MINILEAN_OUTCOMES, seen
    assert "reward_mean" in result["metrics"]


def test_episode_mode_keeps_the_trajectories(tmp_path: Path, smoke_sft_dir: Path) -> None:
    result = run(tmp_path, smoke_sft_dir, "grpo_episode.yaml", "--max_completion_length", "160",
                 "--max_turns", "3")  # fmt: skip
    assert result["steps"] == 2
    assert result["metrics"]["episodes"] == 8  # 2 steps x 4 rollouts
    seen = outcomes(result, "episode")
    assert set(seen) <= MINILEAN_OUTCOMES | {"unverified"} and seen, seen
    records = read_jsonl(tmp_path / "grpo" / "episodes.jsonl")
    assert len(records) == 8
    assert {r.origin for r in records} == {"rl-episode"}
    assert all(r.meta["turns"] >= 1 for r in records)
