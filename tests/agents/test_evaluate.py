"""The eval runner: the run folder, resuming, workers, crashes, kills and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest
from agent_fakes import SHARED

from agents.evaluate import (
    CompareArgs,
    EvalArgs,
    EvalArgsError,
    EvalWorker,
    WorkerSpec,
    compare,
    evaluate,
    read_results,
)
from agents.executors import LocalExecutor, Task
from lean_gym.data import load_theorems
from lean_gym.data.trajectories import read_jsonl

ROOT = Path(__file__).resolve().parents[2]
ROW_KEYS = {
    "theorem", "index", "attempt", "statement", "header", "started", "start_error", "solved",
    "proof", "verification", "reason", "expansions", "lean_calls", "policy_calls",
    "unique_states", "tokens", "time", "search", "granularity", "policy", "tree",
}  # fmt: skip


def run_args(tmp_path: Path, **kwargs) -> EvalArgs:
    defaults = {"dataset": "smoke", "out": str(tmp_path / "run"), "workers": 0, "progress": False}
    return EvalArgs(**{**defaults, **kwargs})


def test_run_folder_format(tmp_path):
    report = evaluate(run_args(tmp_path, attempts=2))
    out = Path(report.out)
    config = json.loads((out / "config.json").read_text())
    assert config["format"] == "lean-gym.eval" and config["format_version"] == 1
    assert config["args"]["dataset"] == "smoke" and "started" in config
    rows = read_results(out / "results.jsonl")
    assert len(rows) == 26 and {(r["index"], r["attempt"]) for r in rows} == {
        (i, a) for i in range(13) for a in range(2)
    }
    for row in rows:
        assert set(row) >= ROW_KEYS
        assert row["solved"] and row["verification"]["ok"] and row["started"]
        assert set(row["time"]) == {"policy", "lean", "search", "total"}
        tree = read_jsonl(out / row["tree"])
        assert tree[0].origin == "search" and tree[0].kind in ("linear", "tree")
    summary = json.loads((out / "summary.json").read_text())
    for key in ("total", "started", "solved", "solved_pct", "pass_at_k", "per_solved", "time"):
        assert key in summary
    assert summary["could_not_start"] == {} and summary["failed_by_reason"] == {}
    assert summary["pass_at_k"] == {"1": 1.0, "2": 1.0} and summary["complete"] is True
    assert "| 13 | 13 | 13 | 100.0 |" in (out / "summary.md").read_text()
    assert (out / "solved_vs_lean_calls.png").stat().st_size > 1000


def test_rerun_resumes_and_refuses_other_arguments(tmp_path):
    first = evaluate(run_args(tmp_path, limit=5))
    assert first.ran == 5
    again = evaluate(run_args(tmp_path, limit=5))
    assert again.ran == 0 and again.skipped == 5
    more = evaluate(run_args(tmp_path, limit=7, attempts=2))
    assert more.ran == 9  # two new theorems, and a second attempt of every one
    rows = read_results(Path(more.out) / "results.jsonl")
    assert len(rows) == 14 == len({(r["index"], r["attempt"]) for r in rows})
    with pytest.raises(EvalArgsError, match="other arguments"):
        evaluate(run_args(tmp_path, limit=7, search="mcts"))
    fresh = evaluate(run_args(tmp_path, limit=3, search="mcts", overwrite=True))
    assert fresh.ran == 3 and len(read_results(Path(fresh.out) / "results.jsonl")) == 3


def test_a_torn_last_line_is_dropped_on_resume(tmp_path):
    report = evaluate(run_args(tmp_path, limit=4))
    path = Path(report.out) / "results.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:3]) + "\n" + lines[3][:40])  # killed mid-write
    again = evaluate(run_args(tmp_path, limit=4))
    assert again.ran == 1
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert sorted(r["index"] for r in rows) == [0, 1, 2, 3]


def test_minif2f_reports_what_could_not_start(tmp_path):
    dataset = SHARED / "data" / "minif2f" / "minif2f-valid.jsonl"
    if not dataset.exists():
        pytest.skip(f"{dataset} is not there (the shared data sits beside the repository)")
    report = evaluate(run_args(tmp_path, dataset=str(dataset), limit=12))
    summary = report.summary
    assert summary["total"] == 12
    assert sum(summary["could_not_start"].values()) == 12 - summary["started"]
    rows = read_results(Path(report.out) / "results.jsonl")
    for row in rows:
        assert row["started"] == (row["start_error"] is None)
        if not row["started"]:
            assert row["reason"] == "start_error" and not row["solved"]


def test_every_found_proof_is_verified(tmp_path, monkeypatch):
    """A proof the search found but the integrity rules refuse is not counted."""
    from lean_gym.types import Verification

    def refuse(self, theorem, proof, timeout=None, policy=None):
        return Verification(False, reason="axiom:sorryAx", detail="test")

    worker = EvalWorker(WorkerSpec(asdict(run_args(tmp_path)), str(tmp_path / "run")))
    monkeypatch.setattr(type(worker.backend), "verify", refuse)
    theorem = load_theorems("smoke")[0]
    row = worker.run_attempt(Task(0, theorem, (0,)), 0)
    worker.close()
    assert row["proof"] is not None and not row["solved"]
    assert row["reason"] == "verification:axiom:sorryAx"


def test_two_workers(tmp_path):
    report = evaluate(run_args(tmp_path, dataset="minilean-bench", limit=30, workers=2))
    assert report.summary["solved"] == 30
    rows = read_results(Path(report.out) / "results.jsonl")
    assert sorted(r["index"] for r in rows) == list(range(30))


def test_a_dying_worker_costs_the_attempt_it_ran(tmp_path):
    args = run_args(tmp_path, dataset="minilean-bench", limit=40, attempts=2, workers=1)
    (tmp_path / "run").mkdir()
    theorems = load_theorems("minilean-bench", limit=40)
    tasks = [Task(i, t, (0, 1)) for i, t in enumerate(theorems)]
    executor = LocalExecutor(WorkerSpec(asdict(args), args.out), 1)
    rows = []
    killed = []

    def handle(event):
        if event[0] == "row":
            rows.append(event[1])
            if not killed:
                killed.extend(executor.worker_pids())
                os.kill(killed[0], signal.SIGKILL)

    try:
        executor.run(tasks, handle)
    finally:
        executor.close()
    pairs = [(r["index"], r["attempt"]) for r in rows]
    assert sorted(pairs) == sorted((i, a) for i in range(40) for a in (0, 1))
    crashed = [r for r in rows if r["reason"] == "worker_crash"]
    assert len(crashed) == 1 and not crashed[0]["solved"]
    assert killed[0] not in executor.worker_pids()


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "lean_gym.cli", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _wait_for_rows(path: Path, count: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(read_results(path)) >= count:
            return
        if process.poll() is not None:
            pytest.fail(f"the eval ended before {count} rows: {process.stderr.read()}")
        time.sleep(0.05)
    pytest.fail("no rows appeared")


EVAL = ("eval", "--dataset", "minilean-bench", "--limit", "150", "--attempts", "2",
        "--workers", "1", "--no-progress")  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("how", ["kill", "interrupt"])
def test_the_eval_resumes_after_being_stopped(tmp_path, how):
    out = tmp_path / "run"
    command = _cli(*EVAL, "--out", str(out))
    process = subprocess.Popen(
        command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for_rows(out / "results.jsonl", 5, process)
        process.send_signal(signal.SIGKILL if how == "kill" else signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    before = read_results(out / "results.jsonl")
    assert 5 <= len(before) < 300
    if how == "interrupt":
        assert process.returncode == 130, stderr
        assert "Traceback" not in stderr and "resume" in stderr
        summary = json.loads((out / "summary.json").read_text())
        assert summary["complete"] is False
    finished = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    after = read_results(out / "results.jsonl")
    pairs = [(r["index"], r["attempt"]) for r in after]
    assert sorted(pairs) == sorted((i, a) for i in range(150) for a in (0, 1))
    assert after[: len(before)] == before  # what was written stays as it was
    assert json.loads((out / "summary.json").read_text())["complete"] is True


def test_compare_writes_one_table_and_a_plot(tmp_path):
    report = compare(
        CompareArgs(
            dataset="minilean-bench", limit=12, out=str(tmp_path / "c"), workers=0, progress=False
        )
    )
    out = Path(report.out)
    table = json.loads((out / "compare.json").read_text())
    assert set(table) == {"step", "segment", "proof"}
    assert table["step"]["search"] == "best-first" and table["proof"]["search"] == "whole-proof"
    for granularity in table:
        assert (out / granularity / "results.jsonl").exists()
    text = (out / "compare.md").read_text()
    assert text.count("\n") == 5 and "| segment | segment-best-first |" in text
    assert (out / "compare.png").stat().st_size > 1000


def test_argument_mistakes_write_nothing(tmp_path):
    for kwargs in (
        {"search": "nope"},
        {"granularity": "sideways"},
        {"budget": "expansion=3"},
        {"attempts": 0},
        {"policy": "nope"},
        {"policy": "hf"},
        {"dataset": str(tmp_path / "missing.jsonl")},
        {"search_args": "depth_reward"},
        {"search_args": "no_such_option=1"},
    ):
        with pytest.raises(EvalArgsError):
            evaluate(run_args(tmp_path, **kwargs))
        assert not (tmp_path / "run").exists(), kwargs
