"""Errors a user can read: every ``lean-gym run`` / ``lean-gym data`` mistake of issue 9.

Each case must give exit code 2, exactly one line on stderr saying what is wrong and how to fix
it, no traceback, and no file written (everything is checked before anything is written).
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from pathlib import Path

import pytest

import lean_gym.backends as backends
from lean_gym.backends.kimina import KiminaBackend
from lean_gym.cli import build_parser, main


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def no_lean(monkeypatch):
    monkeypatch.delenv("LEAN_GYM_PROJECT", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")


@pytest.fixture
def no_leanclient(monkeypatch):
    monkeypatch.setitem(sys.modules, "leanclient", None)  # `import leanclient` raises


@pytest.fixture
def kimina_without_server(monkeypatch):
    """``--backend kimina`` aimed at a port nobody listens on; counts the HTTP requests."""
    calls = []
    url = f"http://127.0.0.1:{_free_port()}"

    class Counting(KiminaBackend):
        def _post(self, payload, *args, **kwargs):
            calls.append(len(payload["snippets"]))
            return super()._post(payload, *args, **kwargs)

    monkeypatch.setitem(backends._REGISTRY, "kimina", lambda **kw: Counting(url=url, **kw))
    return calls


def _one_line_error(capsys, code: int) -> str:
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("lean-gym"), lines[0]
    assert "error:" in lines[0] and "Traceback" not in captured.err
    return lines[0]


RUN_CASES = {
    "unknown dataset": (["--dataset", "no-such-set"], "not a shipped dataset"),
    "missing file": (["--dataset", "{tmp}/missing.jsonl"], "not found"),
    "unknown backend": (["--backend", "no-such-backend"], "known: auto"),
    "limit 0": (["--limit", "0"], "--limit must be at least 1"),
    "gamma 2": (["--gamma", "2"], "--gamma must be in (0, 1]"),
    "negative max-len": (["--segmenter", "goal-change", "--max-len", "0"], "--max-len"),
    "not an int": (["--limit", "x"], "invalid int value"),
    "empty split": (["--dataset", "minilean-bench", "--split", "valid"], "test, train"),
}


@pytest.mark.parametrize("case", list(RUN_CASES))
def test_run_mistakes_are_one_line_and_write_nothing(case, tmp_path, capsys) -> None:
    argv, expected = RUN_CASES[case]
    out = tmp_path / "out"
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    line = _one_line_error(capsys, _main(["run", *argv, "--out", str(out)]))
    assert expected in line
    assert not out.exists()


def test_run_out_pointing_at_a_file(tmp_path, capsys) -> None:
    existing = tmp_path / "results.txt"
    existing.write_text("keep me\n")
    line = _one_line_error(capsys, main(["run", "--out", str(existing)]))
    assert "is an existing file, not a directory" in line
    assert existing.read_text() == "keep me\n"


def test_run_repl_without_lean_says_how_to_install_it(no_lean, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    line = _one_line_error(capsys, main(["run", "--backend", "repl", "--out", str(out)]))
    assert "install elan" in line and "LEAN_GYM_PROJECT" in line and "minilean" in line
    assert not out.exists()


def test_run_lsp_without_leanclient(no_leanclient, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    line = _one_line_error(capsys, main(["run", "--backend", "lsp", "--out", str(out)]))
    assert "pip install 'lean-gym[lsp]'" in line
    assert not out.exists()


def test_run_kimina_without_a_server_is_checked_once_up_front(
    kimina_without_server, tmp_path, capsys
) -> None:
    out = tmp_path / "out"
    line = _one_line_error(capsys, main(["run", "--backend", "kimina", "--out", str(out)]))
    assert "does not answer" in line and "cannot reach the kimina server" in line
    assert kimina_without_server == [1]  # one probe, not one request per theorem
    assert not out.exists()


def test_a_theorem_that_cannot_start_does_not_abort_the_run(tmp_path, capsys) -> None:
    rows = [
        {"name": "good", "formal_statement": "theorem good (p : Prop) (h : p) : p := by",
         "proof": "exact h"},
        {"name": "real", "formal_statement": "theorem real (x : ℝ) : x = x := by", "proof": "rfl"},
        {"name": "also_good", "formal_statement": "theorem also_good : True := by",
         "proof": "trivial"},
    ]  # fmt: skip
    dataset = tmp_path / "mixed.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code = main(["run", "--dataset", str(dataset), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 1 and captured.err.strip() == ""
    assert "could not start: 1" in captured.out and "real:" in captured.out
    assert "2/2" in captured.out  # the other two were played in every env
    assert (tmp_path / "out" / "summary.json").exists()


DATA_CASES = {
    "val-fraction 1.5": (
        ["segments", "--trajectories", "{traj}", "--out", "{out}", "--val-fraction", "1.5"],
        "--val-fraction must be in [0, 1]",
    ),
    "trajectories limit 0": (
        ["trajectories", "--dataset", "smoke", "--out", "{out}", "--limit", "0"],
        "--limit must be at least 1",
    ),
    "values gamma 2": (
        ["values", "--trajectories", "{traj}", "--out", "{out}", "--gamma", "2"],
        "--gamma must be in (0, 1]",
    ),
    "unknown dataset": (
        ["trajectories", "--dataset", "no-such-set", "--out", "{out}"],
        "not a shipped dataset",
    ),
    "missing trajectories": (
        ["values", "--trajectories", "{tmp}/none.jsonl", "--out", "{out}"],
        "file not found",
    ),
    "out is a directory": (
        ["trajectories", "--dataset", "smoke", "--out", "{tmp}"],
        "is a directory",
    ),
    "unknown backend": (
        ["check", "--dataset", "smoke", "--backend", "nope", "--keep", "{out}"],
        "unknown backend",
    ),
    "negative negatives": (
        ["values", "--trajectories", "{traj}", "--out", "{out}", "--negatives", "-1"],
        "--negatives must be >= 0",
    ),
}


@pytest.fixture
def trajectories_file(tmp_path) -> Path:
    path = tmp_path / "T.jsonl"
    assert (
        main(["data", "trajectories", "--dataset", "smoke", "--limit", "2", "--out", str(path)])
        == 0
    )
    return path


@pytest.mark.parametrize("case", list(DATA_CASES))
def test_data_mistakes_are_one_line_and_write_nothing(
    case, tmp_path, trajectories_file, capsys
) -> None:
    capsys.readouterr()
    argv, expected = DATA_CASES[case]
    out = tmp_path / "written.jsonl"
    fill = {"{traj}": str(trajectories_file), "{out}": str(out), "{tmp}": str(tmp_path)}
    for key, value in fill.items():
        argv = [a.replace(key, value) for a in argv]
    line = _one_line_error(capsys, main(["data", *argv]))
    assert expected in line
    assert not out.exists() and not out.with_name("written.val.jsonl").exists()


def test_data_lsp_without_leanclient(no_leanclient, tmp_path, capsys) -> None:
    out = tmp_path / "T.jsonl"
    code = main(
        ["data", "trajectories", "--dataset", "smoke", "--backend", "lsp", "--out", str(out)]
    )
    assert "pip install 'lean-gym[lsp]'" in _one_line_error(capsys, code)
    assert not out.exists()


def test_data_kimina_without_a_server(kimina_without_server, tmp_path, capsys) -> None:
    out = tmp_path / "T.jsonl"
    code = main(["data", "trajectories", "--dataset", "smoke", "--backend", "kimina",
                 "--out", str(out)])  # fmt: skip
    assert "does not answer" in _one_line_error(capsys, code)
    assert kimina_without_server == [1] and not out.exists()


def test_kimina_with_a_server_is_refused_for_tactic_replay(monkeypatch, tmp_path, capsys) -> None:
    """A kimina server that answers still cannot replay tactics: one line, up front."""
    from lean_gym.types import CheckOutput

    class Answering(KiminaBackend):
        def check_many(self, items, timeout=None):
            return [CheckOutput(messages=(), axioms=()) for _ in items]

    monkeypatch.setitem(backends._REGISTRY, "kimina", lambda **kw: Answering(**kw))
    code = main(["run", "--backend", "kimina", "--out", str(tmp_path / "out")])
    line = _one_line_error(capsys, code)
    assert "cannot run tactics" in line and "--backend minilean or repl" in line


def _main(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own errors exit from inside parse_args
        return int(exc.code or 0)


# ----------------------------------------------------------------------------- --help


def _lean_gym_parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    parser = build_parser()
    found = []
    stack = [("lean-gym", parser)]
    while stack:
        name, current = stack.pop()
        found.append((name, current))
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub, child in action.choices.items():
                    if sub in ("eval", "compare", "train", "report", "setup-lean"):
                        continue  # other packages' and branches' commands
                    stack.append((f"{name} {sub}", child))
    return found


def test_help_text_for_every_option_without_markup() -> None:
    parsers = _lean_gym_parsers()
    names = {name for name, _ in parsers}
    assert {"lean-gym run", "lean-gym data trajectories", "lean-gym data values",
            "lean-gym data check", "lean-gym verify"} <= names  # fmt: skip
    for name, parser in parsers:
        text = parser.format_help()
        for marker in ("``", ":func:", ":class:", ":mod:", ":data:"):
            assert marker not in text, (name, marker)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) or not action.option_strings:
                continue
            assert action.help and action.help.strip(), (name, action.option_strings)
