"""The quickstart pipeline with tiny settings: SFT -> GRPO -> held-out eval, a table, resumable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.training.conftest import CONFIGS
from training.quickstart import main

pytest.importorskip("trl")


def test_quickstart_runs_and_resumes(tmp_path: Path, tiny_model_dir: Path, capsys) -> None:
    out = tmp_path / "qs"
    argv = [
        "--config", str(CONFIGS / "quickstart.yaml"),
        "--output_dir", str(out),
        "--model_name_or_path", str(tiny_model_dir),
        "--theorems", "smoke", "--test_fraction", "0.4",
        "--sft_args", "num_train_epochs=30", "report_to=none",
        "--grpo_args", "max_steps=2", "max_prompts=8", "report_to=none",
        "--budget", "expansions=2", "--k", "2", "--workers", "0",
    ]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "| stage | steps |" in printed and "| grpo |" in printed
    report = json.loads((out / "quickstart.json").read_text())
    assert [r["stage"] for r in report["rows"]] == ["base", "sft", "grpo"]
    assert all(r["total"] == report["heldout"] == 5 for r in report["rows"])
    assert report["rows"][0]["solved"] == 0  # the untrained model
    for stage in ("sft", "grpo"):
        assert (out / stage / "stage_result.json").is_file()
        assert (out / "eval" / stage / "summary.json").is_file()
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))
    heldout = {
        json.loads(line)["name"] for line in (out / "heldout.jsonl").read_text().splitlines()
    }
    trained_on = {json.loads(line)["theorem"] for line in
                  (out / "eval" / "sft" / "results.jsonl").read_text().splitlines()}  # fmt: skip
    assert trained_on == heldout

    # A rerun finds every stage done and every eval complete: nothing is trained again.
    stamp = (out / "sft" / "model.safetensors").stat().st_mtime_ns
    assert main(argv) == 0
    assert (out / "sft" / "model.safetensors").stat().st_mtime_ns == stamp
    again = json.loads((out / "quickstart.json").read_text())
    assert [r["solved"] for r in again["rows"]] == [r["solved"] for r in report["rows"]]
