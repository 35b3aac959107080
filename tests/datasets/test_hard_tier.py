"""The hard tier is hard for the baselines, and benchmarks/tier_baselines.py runs.

The claim of ``lean_gym/datasets/README.md``: neither the random nor the greedy one-step
lookahead agent of ``benchmarks/tier_baselines.py`` proves any hard-tier theorem (with the
script's default budget), while both prove part of the easy tier.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from lean_gym.data import load_theorems

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "tier_baselines.py"


@pytest.fixture(scope="module")
def baselines():
    spec = importlib.util.spec_from_file_location("tier_baselines", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_no_baseline_proves_a_hard_theorem(baselines) -> None:
    hard = [t for t in load_theorems("minilean-bench") if t.difficulty == "hard"]
    assert len(hard) >= 30
    defaults = baselines.Args()
    table = baselines.measure(hard, max_steps=defaults.max_steps, k=defaults.candidates)
    row = table["hard"]
    assert row["theorems"] == len(hard)
    assert row["random_proved"] == [] and row["greedy_proved"] == [], row


def test_the_baselines_prove_easy_theorems(baselines) -> None:
    easy = [t for t in load_theorems("minilean-bench", split="test") if t.difficulty == "easy"]
    table = baselines.measure(easy[:12], max_steps=10, k=8)
    assert table["easy"]["greedy"] > 0 and table["easy"]["random"] > 0, table


def test_the_script_prints_the_table(baselines, capsys) -> None:
    table = baselines.main(["--split", "test", "--limit", "6", "--max-steps", "5"])
    out = capsys.readouterr().out
    assert "| tier | theorems | random proves | greedy proves |" in out
    assert sum(row["theorems"] for row in table.values()) == 6
