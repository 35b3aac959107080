"""benchmarks/learning_signal.py runs end to end with its --tiny settings (the smoke set, one
seed, a few steps) and writes its table, json and plot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_learning_signal_tiny(tmp_path: Path) -> None:
    pytest.importorskip("trl")
    out = tmp_path / "ls"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "learning_signal.py"), "--tiny", "--out",
         str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "learning_signal.json").read_text())
    (seed,) = report["per_seed"]
    assert set(seed) == {"untrained", "step-sft", "segment-sft", "whole-sft", "segment-grpo"}
    sft_tokens = [seed[arm]["train_tokens"] for arm in ("step-sft", "segment-sft", "whole-sft")]
    assert max(sft_tokens) < 1.5 * min(sft_tokens)  # the same compute, within a batch
    assert "| segment-sft | segment |" in (out / "learning_signal.md").read_text()
    assert "segment SFT proves" in proc.stdout
