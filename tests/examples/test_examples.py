"""Every script in examples/ runs in seconds with its defaults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.py"))


def test_there_are_examples() -> None:
    assert EXAMPLES


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip()


def test_custom_agent_proves_with_the_scripted_policy() -> None:
    script = Path(__file__).parents[2] / "examples" / "custom_agent.py"
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    lines = [line for line in proc.stdout.splitlines() if "reward=" in line]
    assert len(lines) == 5
    assert all("reward=1.0" in line for line in lines), proc.stdout
