"""The ray executor on a local Ray instance: the same results as the local executor, faults
accounted for exactly once, Ctrl-C resumable, argument mistakes as one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path

import pytest
from ray_local import ROOT, ray_instance, register_fakes, require_ray  # noqa: F401 (a fixture)

from agents.evaluate import EvalArgs, EvalArgsError, WorkerSpec, evaluate, read_results
from agents.executors import Task, WorkerSetupError
from lean_gym.data import load_theorems

# What a row says about its theorem; the rest is timing.
RESULT_KEYS = ("theorem", "index", "attempt", "started", "start_error", "solved", "proof",
               "verification", "reason", "expansions", "lean_calls", "policy_calls",
               "unique_states", "tokens", "search", "granularity", "policy", "tree")  # fmt: skip


def results(rows):
    return sorted(
        tuple(json.dumps(row.get(k), sort_keys=True) for k in RESULT_KEYS) for row in rows
    )


def pairs(rows):
    return sorted((row["index"], row["attempt"]) for row in rows)


def bench_tasks(limit: int, attempts: tuple[int, ...] = (0,)) -> list[Task]:
    return [
        Task(i, t, attempts) for i, t in enumerate(load_theorems("minilean-bench", limit=limit))
    ]


def spec_for(tmp_path: Path, **kwargs) -> WorkerSpec:
    args = EvalArgs(dataset="minilean-bench", out=str(tmp_path), progress=False, **kwargs)
    return WorkerSpec(asdict(args), args.out)


@pytest.mark.usefixtures("ray_instance")
def test_the_smoke_set_through_ray_gives_the_local_results(tmp_path):
    common = {"dataset": "smoke", "workers": 2, "progress": False, "attempts": 2}
    local = evaluate(EvalArgs(**common, out=str(tmp_path / "local")))
    remote = evaluate(EvalArgs(**common, out=str(tmp_path / "ray"), executor="ray"))
    local_rows = read_results(local.out / "results.jsonl")
    ray_rows = read_results(remote.out / "results.jsonl")
    assert pairs(ray_rows) == [(i, a) for i in range(13) for a in (0, 1)]
    assert results(ray_rows) == results(local_rows)
    assert remote.summary["solved"] == local.summary["solved"] == 13
    # The trees came back with their rows and were written by the driver, the same files.
    for row in ray_rows:
        tree = row["tree"]
        assert (remote.out / tree).read_text() == (local.out / tree).read_text()
    summary = json.loads((remote.out / "summary.json").read_text())
    assert summary["complete"] is True and summary["total"] == 13


@pytest.mark.usefixtures("ray_instance")
def test_an_actor_killed_mid_run_loses_nothing(tmp_path):
    from agents.executors_ray import RayExecutor

    tasks = bench_tasks(80, (0, 1))
    executor = RayExecutor(spec_for(tmp_path, save_trees=False), 2, retries=2)
    rows, killed = [], []

    def handle(event):
        if event[0] == "row":
            rows.append(event[1])
            if len(rows) == 10:
                killed.append(executor.worker_pids()[0])
                os.kill(killed[0], signal.SIGKILL)

    try:
        executor.run(tasks, handle)
    finally:
        executor.close()
    assert killed and killed[0] not in executor.worker_pids()
    assert executor.actors_started == 3  # the dead actor was replaced once
    assert pairs(rows) == [(i, a) for i in range(80) for a in (0, 1)]  # each exactly once
    assert not [row for row in rows if row["reason"] == "worker_crash"]
    assert sum(row["solved"] for row in rows) == 160


@pytest.mark.usefixtures("ray_instance")
def test_a_theorem_that_keeps_killing_actors_is_recorded_as_a_crash(tmp_path):
    from agents.executors_ray import RayExecutor

    register_fakes()
    tasks = bench_tasks(12)
    doomed = tasks[5].theorem.name
    spec = spec_for(tmp_path, policy=f"killer:{doomed}", save_trees=False, ray_retries=1)
    executor = RayExecutor(spec, 2)
    rows = []
    try:
        executor.run(tasks, lambda event: rows.append(event[1]) if event[0] == "row" else None)
    finally:
        executor.close()
    assert pairs(rows) == [(i, 0) for i in range(12)]
    crashed = [row for row in rows if row["reason"] == "worker_crash"]
    assert [row["index"] for row in crashed] == [5]
    assert crashed[0]["crash"].startswith("2 Ray workers died running this attempt")
    assert not crashed[0]["solved"]
    assert executor.deaths == {(5, 0): 2}
    assert all(row["solved"] for row in rows if row["index"] != 5)


@pytest.mark.usefixtures("ray_instance")
def test_an_actor_that_cannot_build_its_worker_stops_the_run(tmp_path):
    from agents.executors_ray import RayExecutor

    spec = spec_for(tmp_path, policy_args="granularity=bogus", save_trees=False)
    executor = RayExecutor(spec, 1)
    try:
        with pytest.raises(WorkerSetupError):
            executor.run(bench_tasks(2), lambda event: None)
    finally:
        executor.close()


@pytest.mark.usefixtures("ray_instance")
def test_ctrl_c_stops_the_actors_and_leaves_a_resumable_folder(tmp_path):
    args = EvalArgs(dataset="minilean-bench", limit=120, attempts=2, workers=2, executor="ray",
                    out=str(tmp_path / "run"), progress=False, save_trees=False)  # fmt: skip
    results_path = Path(args.out) / "results.jsonl"
    main_thread = threading.main_thread().ident
    stop = threading.Event()

    def interrupt_after_rows():
        while not stop.wait(0.05):
            if results_path.exists() and len(read_results(results_path)) >= 20:
                import _thread

                _thread.interrupt_main()  # a KeyboardInterrupt in the driver, as Ctrl-C
                return

    watcher = threading.Thread(target=interrupt_after_rows, daemon=True)
    watcher.start()
    try:
        report = evaluate(args)
    finally:
        stop.set()
    assert main_thread is not None
    assert report.interrupted and not report.summary["complete"]
    before = read_results(results_path)
    assert 20 <= len(before) < 240
    assert len(pairs(before)) == len(set(pairs(before)))
    resumed = evaluate(args)
    after = read_results(results_path)
    assert not resumed.interrupted and resumed.summary["complete"]
    assert pairs(after) == [(i, a) for i in range(120) for a in (0, 1)]
    assert after[: len(before)] == before


def test_argument_mistakes_are_one_line_and_write_nothing(tmp_path):
    require_ray()
    out = tmp_path / "run"
    with pytest.raises(EvalArgsError, match="--ray-address needs --executor ray"):
        evaluate(EvalArgs(out=str(out), ray_address="auto", progress=False))
    with pytest.raises(EvalArgsError, match="--workers >= 1"):
        evaluate(EvalArgs(out=str(out), executor="ray", workers=0, progress=False))
    with pytest.raises(EvalArgsError, match="--ray-retries"):
        evaluate(EvalArgs(out=str(out), executor="ray", ray_retries=-1, progress=False))
    assert not out.exists()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "lean_gym.cli", "eval", "--out", str(out)]
    proc = subprocess.run(
        [*cli, "--ray-address", "auto"], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--ray-address needs --executor ray" in proc.stderr
    assert not out.exists()


def test_an_unreachable_cluster_is_one_line(tmp_path):
    """A cluster address nobody answers at: one line and exit 1, no traceback (no Ray
    instance is started: the driver only tries to connect)."""
    require_ray()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_ADDRESS": ""}
    command = [sys.executable, "-m", "lean_gym.cli", "eval", "--executor", "ray",
               "--ray-address", "127.0.0.1:9", "--out", str(tmp_path / "run"),
               "--no-progress"]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "cannot connect to the Ray cluster at 127.0.0.1:9" in proc.stderr


@pytest.mark.usefixtures("ray_instance")
def test_the_scaling_benchmark_runs_with_tiny_settings(tmp_path, capsys):
    import importlib.util

    path = ROOT / "benchmarks" / "executor_scaling.py"
    spec = importlib.util.spec_from_file_location("executor_scaling", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["executor_scaling"] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    result = module.main(
        ["--limit", "8", "--attempts", "1", "--rounds", "1", "--nodes", "1,4", "--out",
         str(tmp_path)]
    )  # fmt: skip
    assert result["attempts"] == 8 and result["ratio_ray_over_local"] > 0
    assert [row["nodes"] for row in result["estimate_ray_on_n_nodes"]] == [1, 4]
    assert (tmp_path / "executor_scaling.json").exists()
    assert "Ray / local throughput" in capsys.readouterr().out


def test_without_ray_the_executor_is_one_line_with_the_install_hint(tmp_path):
    out = tmp_path / "run"
    script = (
        "import sys; sys.modules['ray'] = None\n"  # as if Ray were not installed
        "from lean_gym.cli import main\n"
        f"sys.exit(main(['eval', '--executor', 'ray', '--out', {str(out)!r}]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "pip install 'lean-gym[ray]'" in proc.stderr
    assert not out.exists()
