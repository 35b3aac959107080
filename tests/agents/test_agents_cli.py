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
        ("eval", "--backend", "no-such-backend"),
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


def test_real_lean_without_lean_says_how_to_install_it(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("LEAN_GYM_PROJECT", raising=False)
    out = tmp_path / "run"
    code, _, stderr = run(capsys, "eval", "--backend", "repl", "--out", str(out))
    assert code == 2 and "install elan" in stderr and len(stderr.strip().splitlines()) == 1
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


def test_the_readme_first_command_is_the_eval_and_ci_runs_it():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    first = readme.split("```bash\n", 1)[1].split("\n```", 1)[0]
    eval_command = first.split(" && ")[-1]
    assert eval_command.startswith("lean-gym eval --dataset smoke --policy scripted")
    assert eval_command in (root / ".ci" / "run").read_text()
