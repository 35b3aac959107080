"""``lean-gym report``: writes the page; every mistake is one line on stderr and exit 2."""

from __future__ import annotations

import argparse
import os

import pytest
from report_runs import write_compare_run, write_eval_run

from agents.report.cli import register_report


def report_main(argv: list[str]) -> int:
    """``lean-gym report ...`` through the subcommand's own registration."""
    parser = argparse.ArgumentParser(prog="lean-gym")
    register_report(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *argv])
    return args.func(args)


@pytest.fixture(scope="module")
def eval_dir(tmp_path_factory):
    return write_eval_run(tmp_path_factory.mktemp("cli") / "eval", names=("smoke_and_left",))


def test_report_writes_the_page_next_to_the_run(eval_dir, capsys) -> None:
    assert report_main([str(eval_dir)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {eval_dir / 'report.html'} (eval: 2 theorems, 1 trees" in out
    assert (eval_dir / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_of_a_compare_folder_with_out(tmp_path, capsys) -> None:
    folder = write_compare_run(tmp_path / "cmp", names=("smoke_and_left",), unstartable=False)
    out = tmp_path / "cmp.html"
    assert report_main([str(folder), "--out", str(out), "--open-depth", "0"]) == 0
    assert "(compare: 1 theorems, 3 trees" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert '"open_depth":0' in page and '"kind":"compare"' in page


def _one_line_error(capsys, code: int, *needles: str) -> None:
    assert code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("lean-gym report: error: ")
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""


def test_a_missing_folder(tmp_path, capsys) -> None:
    _one_line_error(capsys, report_main([str(tmp_path / "nope")]), "no such folder")


def test_not_an_eval_folder(tmp_path, capsys) -> None:
    (tmp_path / "some.txt").write_text("x")
    _one_line_error(capsys, report_main([str(tmp_path)]), "not an eval folder", "lean-gym eval")


def test_an_out_in_a_missing_folder_writes_nothing(eval_dir, tmp_path, capsys) -> None:
    out = tmp_path / "missing" / "r.html"
    _one_line_error(capsys, report_main([str(eval_dir), "--out", str(out)]), "does not exist")
    assert not out.parent.exists()


def test_an_out_that_is_a_folder(eval_dir, tmp_path, capsys) -> None:
    _one_line_error(capsys, report_main([str(eval_dir), "--out", str(tmp_path)]), "is a folder")


def test_an_out_under_a_file(eval_dir, tmp_path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "r.html"
    _one_line_error(capsys, report_main([str(eval_dir), "--out", str(out)]), "cannot write")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_out(eval_dir, tmp_path, capsys) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        out = locked / "r.html"
        _one_line_error(capsys, report_main([str(eval_dir), "--out", str(out)]), "permission")
    finally:
        locked.chmod(0o700)


def test_select_names_a_theorem_of_the_run(eval_dir, tmp_path, capsys) -> None:
    code = report_main(
        [str(eval_dir), "--screenshot", str(tmp_path / "s.png"), "--select", "no_such"]
    )
    _one_line_error(capsys, code, "no theorem named 'no_such'")


def test_screenshot_without_chromium_is_a_clear_error(eval_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LEAN_GYM_CHROMIUM", str(tmp_path / "no-chromium-here"))
    code = report_main([str(eval_dir), "--screenshot", str(tmp_path / "s.png")])
    _one_line_error(capsys, code, "needs Chromium", "apt-get install -y chromium")
    assert not (tmp_path / "s.png").exists()


@pytest.mark.parametrize(
    "argv", [["--open-depth", "-1"], ["--max-tree-nodes", "0"], ["--window", "big"]]
)
def test_bad_option_values_are_usage_errors(eval_dir, argv, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        report_main([str(eval_dir), *argv])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
