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


def test_plugins_add_subcommands_through_the_entry_point_group(monkeypatch, capsys) -> None:
    """What agents and training do: a ``register(subparsers)`` named in ``lean_gym.commands``,
    its flags from a dataclass (lean_gym.cli_args); a refused value is one line and exit 2."""
    from dataclasses import dataclass

    import lean_gym.cli as cli
    from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace

    @dataclass
    class HelloArgs:
        """Arguments of ``lean-gym hello``.

        Attributes:
            times: How often to greet (at least once).
        """

        times: int = 1

        def __post_init__(self) -> None:
            if self.times < 1:
                raise ValueError(f"--times must be >= 1, got {self.times}")

    def register(subparsers):
        parser = subparsers.add_parser("hello", help="greet")
        add_dataclass_arguments(parser, HelloArgs)
        parser.set_defaults(
            func=lambda ns: print("hello " * dataclass_from_namespace(HelloArgs, ns).times)
        )

    class FakeEntryPoint:
        name = "hello-plugin"

        def load(self):
            return register

    def fake_entry_points(*, group: str):
        assert group == cli.COMMANDS_GROUP
        return [FakeEntryPoint()]

    monkeypatch.setattr(cli, "entry_points", fake_entry_points)
    assert main(["hello", "--times", "2"]) == 0
    assert capsys.readouterr().out.strip() == "hello hello"
    assert main(["hello", "--times", "0"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "lean-gym: error: --times must be >= 1, got 0"


def test_a_closed_pipe_stops_the_command_without_a_traceback() -> None:
    # `lean-gym ... | head`: the reader leaves before the command has written.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; time.sleep(0.5); from lean_gym.cli import main; main(['backends'])",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err, err.decode()
