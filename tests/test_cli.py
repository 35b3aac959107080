from __future__ import annotations

import subprocess
import sys

import pytest

from lean_gym.cli import main


def test_backends_lists_names(capsys) -> None:
    assert main(["backends"]) == 0
    names = capsys.readouterr().out.split()
    assert {"minilean", "minilean-subprocess", "repl", "auto"} <= set(names)


def test_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2


def test_console_entry_point_runs_as_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lean_gym.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("lean-gym ")
