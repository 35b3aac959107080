"""``lean-gym eval`` and ``lean-gym compare`` on the command line: mistakes are one line and exit
code 2, nothing is written; the README's first eval command works."""

from __future__ import annotations

import json

import pytest

from lean_gym.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own refusals
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ("eval", "--search", "nope"),
        ("eval", "--granularity", "sideways"),
        ("eval", "--budget", "expansion=600"),
        ("eval", "--budget", "expansions=many"),
        ("eval", "--attempts", "0"),
        ("eval", "--attempts", "abc"),
        ("eval", "--workers", "-1"),
        ("eval", "--policy", "nope"),
        ("eval", "--policy", "hf"),
        ("eval", "--dataset", "/no/such/file.jsonl"),
        ("eval", "--search-args", "alpha"),
        ("eval", "--search-args", "no_such_option=1"),
        ("compare", "--searches", "diagonal=best-first"),
        ("compare", "--budget", "lean_calls=-3"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(capsys, tmp_path, argv):
    out = tmp_path / "run"
    code, stdout, stderr = run(capsys, *argv, "--out", str(out))
    assert code == 2, (argv, stderr)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "error" in lines[0] and "Traceback" not in stderr
    assert not out.exists()


def test_eval_on_the_smoke_set(capsys, tmp_path):
    out = tmp_path / "smoke"
    argv = ("eval", "--dataset", "smoke", "--policy", "scripted", "--no-progress")
    code, stdout, _ = run(capsys, *argv, "--out", str(out), "--workers", "0")
    assert code == 0
    assert "solved 13/13 (100.0%)" in stdout
    assert json.loads((out / "summary.json").read_text())["solved"] == 13


def test_help_lists_the_flags(capsys):
    code, stdout, _ = run(capsys, "eval", "--help")
    assert code == 0
    for flag in ("--dataset", "--policy", "--search", "--granularity", "--budget", "--workers",
                 "--attempts", "--out"):  # fmt: skip
        assert flag in stdout
