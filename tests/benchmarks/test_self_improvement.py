"""benchmarks/self_improvement.py runs end to end with its --tiny settings (the smoke set, one
seed, one self-play round) and writes its table, json and learning-curve PNG; bad flags are one
line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*argv: str, timeout: float = 280) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "self_improvement.py"), *argv],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


@pytest.mark.slow
def test_self_improvement_tiny(tmp_path: Path) -> None:
    pytest.importorskip("trl")
    out = tmp_path / "si"
    proc = _run("--tiny", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "self_improvement.json").read_text())
    results = report["results"]
    assert set(results) == {"sft", "sft+explore", "self-play"}
    tokens = {method: runs["0"]["tokens"] for method, runs in results.items()}
    assert len(set(tokens.values())) == 1  # the same prover training compute
    rounds = results["self-play"]["0"]["rounds"]
    assert [r["round"] for r in rounds] == [0, 1] and rounds[1]["prover_rows"] > 0
    table = (out / "self_improvement.md").read_text()
    for method in ("sft", "sft+explore", "self-play"):
        assert f"| {method} |" in table
    assert (out / "self_improvement.png").stat().st_size > 0
    assert "valid tactics per known state" in proc.stdout


def test_bad_flags_are_one_line(tmp_path: Path) -> None:
    proc = _run("--seeds", "a,b", "--out", str(tmp_path / "x"), timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: --seeds must be integers separated by commas, got 'a,b'"
    ]
    assert not (tmp_path / "x").exists()
