"""Segment SFT on the tiny model: rows at every granularity, the loss falls, LoRA merges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.training.conftest import CONFIGS
from training.sft import SFTScriptArguments, build_sft_rows, main

pytest.importorskip("trl")


def run(tmp_path: Path, tiny_model_dir: Path, *extra: str) -> dict:
    out = tmp_path / "sft"
    code = main(
        [
            "--config", str(CONFIGS / "sft.yaml"),
            "--model_name_or_path", str(tiny_model_dir),
            "--output_dir", str(out),
            "--theorems", "smoke",
            "--theorems_split", "all",
            "--report_to", "tensorboard",
            *extra,
        ]
    )  # fmt: skip
    assert code == 0
    return json.loads((out / "stage_result.json").read_text())


@pytest.mark.parametrize(
    ("segmenter", "template"),
    [("step", "leandojo"), ("goal-change", "bfs-prover"), ("whole", "whole-proof")],
)
def test_rows_at_every_granularity(segmenter: str, template: str) -> None:
    args = SFTScriptArguments(theorems="smoke", theorems_split="all", segmenter=segmenter,
                              template=template)  # fmt: skip
    train, val = build_sft_rows(args)
    assert train and not val
    assert all(row["segmenter"] == segmenter for row in train)
    if segmenter == "whole":
        assert all(row["start_depth"] == 0 for row in train)
        assert all(row["prompt"].startswith("theorem ") for row in train)
    if template == "bfs-prover":
        assert all(row["prompt"].endswith(":::") for row in train)


def test_rows_from_a_segments_file(tmp_path: Path) -> None:
    rows = [{"prompt": "[GOAL]\n⊢ True\n[PROOFSTEP]\n", "completion": "trivial", "theorem": "t"}]
    path = tmp_path / "S.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    (tmp_path / "S.val.jsonl").write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    train, val = build_sft_rows(SFTScriptArguments(dataset_name=str(path)))
    assert train == rows and val == rows


def test_sft_runs_and_the_loss_falls(tmp_path: Path, tiny_model_dir: Path) -> None:
    result = run(tmp_path, tiny_model_dir, "--max_steps", "12", "--per_device_train_batch_size",
                 "8", "--learning_rate", "3e-3", "--logging_steps", "1")  # fmt: skip
    assert result["steps"] == 12
    assert result["metrics"]["last_loss"] < result["metrics"]["first_loss"] - 0.5
    out = tmp_path / "sft"
    assert (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file()
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))


def test_sft_with_lora_saves_a_merged_model(tmp_path: Path, tiny_model_dir: Path) -> None:
    from transformers import AutoModelForCausalLM

    result = run(tmp_path, tiny_model_dir, "--max_steps", "3", "--use_peft", "--lora_r", "4",
                 "--lora_alpha", "8", "--lora_target_modules", "q_proj", "v_proj",
                 "--learning_rate", "1e-3", "--report_to", "none")  # fmt: skip
    assert result["steps"] == 3
    out = tmp_path / "sft"
    assert not (out / "adapter_config.json").exists()
    model = AutoModelForCausalLM.from_pretrained(out)
    assert not any("lora" in name for name, _ in model.named_parameters())


def test_token_budget_sets_the_compute(tmp_path: Path, tiny_model_dir: Path) -> None:
    result = run(tmp_path, tiny_model_dir, "--token_budget", "3000", "--num_train_epochs", "50",
                 "--report_to", "none")  # fmt: skip
    # ~3000 tokens, not 50 epochs: a few steps of batch 16 over the smoke rows
    assert 0 < result["tokens"] <= 4500
