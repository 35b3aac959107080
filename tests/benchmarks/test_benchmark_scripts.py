"""The measurement scripts in ``benchmarks/`` run end to end with tiny settings and print (or
write) what the README records; their figures are not checked here (timings are noisy), only
that every measurement is there and well formed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MINIF2F = ROOT.parent / "shared" / "data" / "minif2f" / "minif2f-valid.jsonl"


def _run(script: str, *argv: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *argv],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def test_backend_latency_tiny() -> None:
    proc = _run(
        "backend_latency.py", "--theorems", "4", "--calls", "500", "--kills", "1", "--rounds", "1"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for measured in ("median", "restart+replay", "resident memory"):
        assert measured in proc.stdout, proc.stdout


def test_env_overhead_tiny() -> None:
    proc = _run("env_overhead.py", "--limit", "10", "--rounds", "1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ratio" in proc.stdout.lower(), proc.stdout


def test_search_granularity_tiny(tmp_path: Path) -> None:
    out = tmp_path / "granularity"
    proc = _run("search_granularity.py", "--limit", "6", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((out / "search_granularity.json").read_text())
    assert (out / "search_granularity.png").stat().st_size > 0
    assert (out / "search_granularity_curves.png").stat().st_size > 0
    assert "best-first@step" in proc.stdout and "whole-proof@proof" in proc.stdout
    if MINIF2F.exists():  # the startable part of miniF2F-valid is measured too
        assert result["minif2f"]["total"] == 6


def test_search_targets_tiny(tmp_path: Path) -> None:
    out = tmp_path / "targets"
    proc = _run(
        "search_targets.py", "--limit", "8", "--eval-limit", "6", "--rounds", "1",
        "--memory-theorems", "20", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((out / "search_targets.json").read_text())
    assert result["search"]["theorems"] == 8
    assert result["search_sampled"]["temperature"] == 1.0
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 6, proc.stdout  # the header and six measurements
    assert all(line.rstrip().endswith(("| yes |", "| no |")) for line in rows[1:])
