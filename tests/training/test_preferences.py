"""Preference pairs from search trees and a few DPO steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lean_gym.data.trajectories import TreeBuilder
from lean_gym.types import Goal, LeanError, ProofState
from tests.training.conftest import CONFIGS, smoke_theorem
from training.preferences import DPOScriptArguments, build_pairs, main, preference_pairs

pytest.importorskip("trl")


def tree():
    theorem = smoke_theorem("smoke_or_inl")
    builder = TreeBuilder(theorem)
    builder.add_root(ProofState(theorem, (Goal(("p q : Prop", "hp : p"), "p ∨ q"),)))
    builder.add_failure(0, "exact hp", LeanError("error", "type mismatch"))
    builder.add_failure(0, "omega", LeanError("error", "omega could not prove the goal"))
    dead = builder.add_state(
        0, "right", ProofState(theorem, (Goal(("p q : Prop", "hp : p"), "q"),))
    )
    builder.add_failure(dead, "exact hp", LeanError("error", "type mismatch"))
    left = builder.add_state(0, "left", ProofState(theorem, (Goal(("p q : Prop", "hp : p"), "p"),)))
    builder.add_failure(left, "exact hq", LeanError("error", "unknown identifier 'hq'"))
    builder.add_state(left, "exact hp", ProofState(theorem, ()))
    return builder.build(backend="minilean")


def test_pairs_are_proof_path_tactics_against_failed_siblings() -> None:
    pairs = preference_pairs([tree()], "leandojo")
    got = {(p["prompt"].split("⊢ ")[1].split("\n")[0], p["chosen"], p["rejected"]) for p in pairs}
    assert got == {("p ∨ q", "left", "exact hp"), ("p ∨ q", "left", "omega"),
                   ("p", "exact hp", "exact hq")}  # fmt: skip
    with_dead = preference_pairs([tree()], "leandojo", include_dead_ends=True)
    assert ("left", "right") in {(p["chosen"], p["rejected"]) for p in with_dead}
    assert preference_pairs([tree()], "leandojo", max_pairs_per_state=1).__len__() == 2


def test_pairs_from_probed_replays() -> None:
    pairs = build_pairs(DPOScriptArguments(theorems="smoke", theorems_split="all"))
    assert pairs and all(p["chosen"] != p["rejected"] for p in pairs)


def test_dpo_runs_a_few_steps(tmp_path: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "dpo"
    code = main(["--config", str(CONFIGS / "dpo.yaml"), "--model_name_or_path",
                 str(tiny_model_dir), "--output_dir", str(out), "--theorems", "smoke",
                 "--theorems_split", "all", "--max_steps", "3", "--per_device_train_batch_size",
                 "8", "--report_to", "none"])  # fmt: skip
    assert code == 0
    result = json.loads((out / "stage_result.json").read_text())
    assert result["steps"] == 3 and result["rows"] > 0
    assert (out / "model.safetensors").is_file()
