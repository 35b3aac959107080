"""Loading eval and compare folders for the report (agents/report/run.py)."""

from __future__ import annotations

import json
import pickle

import pytest
from report_runs import write_compare_run, write_eval_run

from agents.report.errors import ReportError
from agents.report.run import (
    CompareRun,
    EvalRun,
    ResultRow,
    is_compare_folder,
    is_eval_folder,
    load_run,
    load_tree,
    summarize_rows,
)


@pytest.fixture(scope="module")
def eval_dir(tmp_path_factory):
    return write_eval_run(tmp_path_factory.mktemp("runs") / "eval", attempts=2)


def test_eval_folder_is_read_with_rows_summary_plots_and_trees(eval_dir) -> None:
    run = load_run(eval_dir)
    assert isinstance(run, EvalRun)
    assert run.granularity == "step"
    assert not run.summary_computed and run.summary["total"] == 5
    assert [p.name for p in run.plots] == ["solved_vs_calls.png"]
    theorems = run.theorems()
    assert [t.name for t in theorems] == [
        "smoke_and_intro",
        "smoke_and_left",
        "smoke_add_comm",
        "smoke_or_elim",
        "cannot_start",
    ]
    by_name = {t.name: t for t in theorems}
    assert by_name["smoke_and_intro"].status == "solved"
    assert by_name["smoke_and_intro"].best.attempt == 0
    assert by_name["cannot_start"].status == "not started"
    assert by_name["smoke_or_elim"].status == "failed"
    assert by_name["smoke_or_elim"].reasons  # the failing attempts' reasons
    tree = run.tree(by_name["smoke_and_intro"].best)
    assert tree.trajectory.complete
    assert tree.expanded[0] == 0  # the root was expanded first
    assert any(n.error is not None for n in tree.trajectory.nodes)


def test_compare_folder_is_read_in_granularity_order(tmp_path) -> None:
    path = write_compare_run(tmp_path / "cmp", names=("smoke_and_intro",), unstartable=False)
    assert is_compare_folder(path) and not is_eval_folder(path)
    run = load_run(path)
    assert isinstance(run, CompareRun)
    assert list(run.runs) == ["step", "segment", "proof"]
    assert [p.name for p in run.plots] == ["compare.png"]
    segment = run.runs["segment"]
    best = segment.theorems()[0].best
    record = segment.tree(best)
    assert any(s is not None and len(s) == 2 for s in record.segments)


def test_a_run_still_going_is_summarised_from_its_rows(tmp_path) -> None:
    path = write_eval_run(tmp_path / "partial", attempts=2, summary=False)
    with open(path / "results.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"theorem": "half a line\n\nnot json at all\n')
    run = load_run(path)
    assert run.summary_computed
    assert run.bad_lines == (11, 13)  # the truncated line and the garbage line
    summary = run.summary  # as the eval runner computes it (agents.metrics.summarize)
    assert summary["total"] == 5 and summary["started"] == 4 and summary["solved"] == 3
    assert summary["solved_pct"] == pytest.approx(60.0)
    assert summary["pass_at_k"]["2"] == pytest.approx(0.6)
    assert summary["could_not_start"] and sum(summary["could_not_start"].values()) == 1
    assert summary["failed_by_reason"]["exhausted"] == 1


def test_the_last_row_of_a_theorem_attempt_wins(tmp_path) -> None:
    path = write_eval_run(tmp_path / "dup", names=("smoke_and_left",), unstartable=False)
    row = json.loads((path / "results.jsonl").read_text().splitlines()[0])
    row.update(solved=False, reason="worker_crash", tree=None)
    with open(path / "results.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    (theorem,) = load_run(path).theorems()
    assert len(theorem.attempts) == 1 and theorem.attempts[0].reason == "worker_crash"


def test_rows_tolerate_missing_and_odd_fields() -> None:
    row = ResultRow.from_json(
        {"theorem": "t", "solved": True, "time": {"total": "1.5"}, "index": "x"}
    )
    assert (
        row.index is None and row.time == {"total": 1.5} and row.started and row.status == "solved"
    )
    assert ResultRow.from_json(row.to_json()) == row
    with pytest.raises(ValueError):
        ResultRow.from_json({"solved": True})
    assert summarize_rows([])["total"] == 0


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "no such folder"),
        (lambda p: p.mkdir(), "not an eval folder"),
        (
            lambda p: (p.mkdir(), (p / "config.json").write_text('{"format": "other"}')),
            "not an eval",
        ),
        (lambda p: (p.mkdir(), (p / "config.json").write_text("{not json")), "not valid JSON"),
        (
            lambda p: (
                p.mkdir(),
                (p / "config.json").write_text('{"format": "lean-gym.eval", "format_version": 9}'),
            ),
            "unsupported",
        ),
        (lambda p: p.write_text("a file"), "not a folder"),
    ],
)
def test_what_is_not_a_run_is_a_report_error(tmp_path, setup, message) -> None:
    path = tmp_path / "x"
    setup(path)
    with pytest.raises(ReportError, match=message) as info:
        load_run(path)
    assert "\n" not in str(info.value)
    assert str(pickle.loads(pickle.dumps(info.value))) == str(info.value)


def test_tree_paths_stay_inside_the_run_and_bad_trees_are_errors(tmp_path, eval_dir) -> None:
    with pytest.raises(ReportError, match="outside the run folder"):
        load_tree(eval_dir, "../../etc/passwd")
    (eval_dir / "trees" / "bad.jsonl").write_text('{"format": "lean-gym.trajectory"}\n')
    with pytest.raises(ReportError, match="not a valid trajectory"):
        load_tree(eval_dir, "trees/bad.jsonl")
    (eval_dir / "trees" / "empty.jsonl").write_text("\n")
    with pytest.raises(ReportError, match="empty"):
        load_tree(eval_dir, "trees/empty.jsonl")
    with pytest.raises(ReportError, match="cannot read"):
        load_tree(eval_dir, "trees/missing.jsonl")


def test_two_theorems_with_one_name_stay_two(tmp_path) -> None:
    path = write_eval_run(tmp_path / "twins", names=("smoke_and_left",), unstartable=False)
    row = json.loads((path / "results.jsonl").read_text().splitlines()[0])
    row.update(index=7, solved=False, reason="exhausted", tree=None)
    with open(path / "results.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    theorems = load_run(path).theorems()
    assert [(t.name, t.index, t.status) for t in theorems] == [
        ("smoke_and_left", 0, "solved"),
        ("smoke_and_left", 7, "failed"),
    ]
