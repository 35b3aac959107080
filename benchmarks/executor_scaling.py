"""The same eval on the local executor and on Ray, over the same cores, side by side.

Runs ``agents.evaluate.evaluate`` (the code behind ``lean-gym eval``) on one dataset with the
same policy, search, budget and number of workers, alternating the executors for ``--rounds``
rounds so that machine noise hits them alike: ``local`` (worker processes), ``ray`` (Ray actors
on a Ray instance on this machine with ``--workers`` CPUs, started once before the rounds and
timed apart: a cluster is started once, not per eval) and ``ray-1`` (the same with one attempt
per call, as searches of seconds on real Lean travel). Each executor is wrapped so that the
time of every row it hands back is recorded; from those rows and times it prints:

* throughput (attempts per second) over the whole eval, worker start included, and in steady
  state (from the first row to the last), and the Ray / local ratio of both (target: >= 0.8);
* the measured per-attempt costs: search time in the worker (the row's ``time.total``),
  the executor's overhead per attempt (``workers x steady wall / attempts - search time``:
  dispatch, transfer, writing the row), the driver's CPU time per attempt (what bounds one
  driver on a cluster), the time to the first row and the Ray instance's start time;
* estimates (labelled so: computed, not measured) of the steady throughput on N nodes of
  ``--cores-per-node`` cores each, ``min(N x cores / (search + overhead), 1 / driver CPU)``,
  for this workload and for an assumed ``--lean-seconds`` search per attempt (with ``ray-1``'s
  per-call costs).

Writes ``OUT/executor_scaling.json``. Every round checks that the executors gave the same
per-theorem results (solved, proof, Lean calls).

Run: ``python benchmarks/executor_scaling.py [--dataset minilean-bench] [--attempts 4]
[--workers 2] [--rounds 3]`` (needs ``pip install 'lean-gym[ray]'``).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from agents.evaluate import EvalArgs, evaluate, read_results
from agents.executors import register_executor, resolve_executor
from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace

# ray-1: the ray executor with one attempt per call (no batches), as a search of seconds on
# real Lean gets; its costs are the per-call costs of the second estimate.
EXECUTORS = ("local", "ray", "ray-1")


@dataclass
class Args:
    """Arguments of the executor scaling benchmark.

    Attributes:
        dataset: A shipped set or a jsonl path.
        limit: Use only the first N theorems.
        attempts: Attempts per theorem (more work per eval; the scripted policy repeats).
        budget: The budget of every search.
        workers: Workers of both executors (and the CPUs of the Ray instance).
        rounds: Rounds; each runs the local eval, then the two Ray evals.
        nodes: Node counts for the estimate, comma-separated.
        cores_per_node: Cores (one worker each) per node in the estimate.
        lean_seconds: The search time per attempt assumed in the second estimate (a search on
            real Lean; an assumption, not measured here).
        ray_niceness: The nice value of Ray's worker processes (``RAY_worker_niceness``). 0,
            the local workers' priority, is what the ray executor's own local instance uses;
            Ray's default is 15, which on a machine that also runs other work gives the actors
            a fraction of the CPU; -1 leaves the environment as it is.
    """

    dataset: str = "minilean-bench"
    limit: int | None = None
    attempts: int = 4
    budget: str = "expansions=600"
    workers: int = 2
    rounds: int = 3
    nodes: str = "1,2,4,8,16,32"
    cores_per_node: int = 16
    lean_seconds: float = 30.0
    ray_niceness: int = 0
    out: str = "runs/executor_scaling"


class _Timed:
    """An executor that records the time of each row (and the driver's CPU time) it hands on."""

    last: _Timed | None = None

    def __init__(self, inner: Any):
        self.inner = inner
        self.began = time.perf_counter()
        self.row_times: list[float] = []
        self.cpu = 0.0
        _Timed.last = self

    def run(self, tasks: Any, handle: Any) -> None:
        cpu = time.process_time()

        def timed(event: Any) -> None:
            if event[0] == "row":
                self.row_times.append(time.perf_counter())
            handle(event)

        try:
            self.inner.run(tasks, timed)
        finally:
            self.cpu = time.process_time() - cpu

    def close(self) -> None:
        self.inner.close()


def _register_timed() -> None:
    for name in EXECUTORS:

        def factory(spec: Any, workers: int, name: str = name) -> _Timed:
            if name == "ray-1":
                return _Timed(resolve_executor("ray")(spec, workers, batch_seconds=0.0))
            return _Timed(resolve_executor(name)(spec, workers))

        register_executor(f"timed-{name}", factory)


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["index"], row["attempt"], row["solved"], row["proof"], row["lean_calls"])


def run_once(args: Args, executor: str, out: Path) -> dict[str, Any]:
    """One eval on ``executor``; its timings and rows."""
    eval_args = EvalArgs(
        dataset=args.dataset,
        limit=args.limit,
        attempts=args.attempts,
        budget=args.budget,
        workers=args.workers,
        executor=f"timed-{executor}",
        out=str(out),
        overwrite=True,
        progress=False,
        save_trees=False,
    )
    began = time.perf_counter()
    report = evaluate(eval_args)
    wall = time.perf_counter() - began
    timed = _Timed.last
    assert timed is not None and timed.row_times
    rows = read_results(out / "results.jsonl")
    attempts = len(rows)
    first, last = timed.row_times[0], timed.row_times[-1]
    search = statistics.fmean(float(row["time"]["total"]) for row in rows)
    steady_rows = max(1, attempts - 1)
    steady_wall = max(last - first, 1e-9)
    return {
        "executor": executor,
        "attempts": attempts,
        "solved": report.summary["solved"],
        "wall": wall,
        "throughput": attempts / wall,
        "steady_throughput": steady_rows / steady_wall,
        "first_row": first - timed.began,
        "search_per_attempt": search,
        "overhead_per_attempt": max(0.0, args.workers * steady_wall / steady_rows - search),
        "driver_cpu_per_attempt": timed.cpu / attempts,
        "keys": sorted(_key(row) for row in rows),
    }


def _median(runs: list[dict[str, Any]], field: str) -> float:
    return statistics.median(run[field] for run in runs)


def estimate(
    measured: dict[str, float], nodes: list[int], cores: int, search: float | None = None
) -> list[dict[str, Any]]:
    """Steady throughput on N nodes from measured per-attempt costs (an estimate): each worker
    does one attempt per ``search + overhead`` seconds, the driver one per ``driver CPU``."""
    search = measured["search_per_attempt"] if search is None else search
    per_worker = 1.0 / (search + measured["overhead_per_attempt"])
    driver_bound = 1.0 / max(measured["driver_cpu_per_attempt"], 1e-9)
    table = []
    for count in nodes:
        workers = count * cores
        table.append(
            {
                "nodes": count,
                "workers": workers,
                "attempts_per_s": min(workers * per_worker, driver_bound),
                "bound": "driver" if workers * per_worker > driver_bound else "workers",
            }
        )
    return table


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dataclass_arguments(parser, Args)
    args = dataclass_from_namespace(Args, parser.parse_args(argv))
    from agents.ray_session import connect_ray, import_ray

    if args.ray_niceness >= 0:
        os.environ["RAY_worker_niceness"] = str(args.ray_niceness)  # noqa: SIM112 (Ray's name)
    ray = import_ray()
    began = time.perf_counter()
    owns = connect_ray(None, num_cpus=args.workers)
    ray_start = time.perf_counter() - began if owns else None
    _register_timed()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in EXECUTORS}
    try:
        with tempfile.TemporaryDirectory(dir=out) as scratch:
            for round_number in range(args.rounds):
                for name in EXECUTORS:
                    run = run_once(args, name, Path(scratch) / f"{name}-{round_number}")
                    runs[name].append(run)
                    print(
                        f"round {round_number + 1}/{args.rounds} {name:5}: {run['attempts']} "
                        f"attempts in {run['wall']:.2f} s ({run['throughput']:.1f}/s; steady "
                        f"{run['steady_throughput']:.1f}/s)",
                        file=sys.stderr,
                    )
                keys = {runs[name][-1]["keys"] == runs["local"][-1]["keys"] for name in EXECUTORS}
                if keys != {True}:
                    raise SystemExit("the executors gave different per-theorem results")
    finally:
        if owns:
            ray.shutdown()
    fields = (
        "wall",
        "throughput",
        "steady_throughput",
        "first_row",
        "search_per_attempt",
        "overhead_per_attempt",
        "driver_cpu_per_attempt",
    )
    medians = {name: {f: _median(runs[name], f) for f in fields} for name in EXECUTORS}
    ratio = medians["ray"]["throughput"] / medians["local"]["throughput"]
    steady_ratio = medians["ray"]["steady_throughput"] / medians["local"]["steady_throughput"]
    nodes = [int(n) for n in args.nodes.split(",") if n.strip()]
    table = estimate(medians["ray"], nodes, args.cores_per_node)
    lean_table = estimate(medians["ray-1"], nodes, args.cores_per_node, args.lean_seconds)
    result = {
        "args": asdict(args),
        "attempts": runs["local"][0]["attempts"],
        "ray_instance_start_s": ray_start,
        "median": medians,
        "ratio_ray_over_local": ratio,
        "steady_ratio_ray_over_local": steady_ratio,
        "estimate_ray_on_n_nodes": table,
        "estimate_ray_on_n_nodes_lean": lean_table,
        "runs": {name: [{f: r[f] for f in fields} for r in runs[name]] for name in EXECUTORS},
    }
    (out / "executor_scaling.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")

    attempts = result["attempts"]
    print(
        f"{args.dataset}, {attempts} attempts, {args.workers} workers, {args.rounds} rounds "
        "(medians)"
    )
    print("| executor | wall (s) | attempts/s | steady attempts/s | first row (s) | "
          "search / attempt (ms) | overhead / attempt (ms) | driver CPU / attempt (ms) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name in EXECUTORS:
        m = medians[name]
        name = "ray (one attempt per call)" if name == "ray-1" else name
        print(
            f"| {name} | {m['wall']:.2f} | {m['throughput']:.1f} | {m['steady_throughput']:.1f} "
            f"| {m['first_row']:.2f} | {1000 * m['search_per_attempt']:.1f} | "
            f"{1000 * m['overhead_per_attempt']:.1f} | {1000 * m['driver_cpu_per_attempt']:.2f} |"
        )
    print(
        f"Ray / local throughput: {ratio:.2f}x whole eval, {steady_ratio:.2f}x steady state "
        "(target >= 0.8x)"
    )
    if ray_start is not None:
        print(f"Ray instance start (once per cluster, not in the figures above): {ray_start:.1f} s")
    ray1 = medians["ray-1"]
    print(
        "Estimates (computed from the costs above, not measured on a cluster), one worker per "
        f"core, {args.cores_per_node} cores per node; attempts/s = min(workers / (search + "
        "overhead), 1 / driver CPU):"
    )
    print(
        f"| nodes | workers | this workload ({1000 * medians['ray']['search_per_attempt']:.0f} "
        f"ms/attempt, batched) | {args.lean_seconds:g} s/attempt (assumed real-Lean search; "
        f"one per call: overhead {1000 * ray1['overhead_per_attempt']:.1f} ms, driver "
        f"{1000 * ray1['driver_cpu_per_attempt']:.2f} ms) |"
    )
    print("|---|---|---|---|")
    for row, lean in zip(table, lean_table, strict=True):
        print(
            f"| {row['nodes']} | {row['workers']} | {row['attempts_per_s']:.0f}/s "
            f"({row['bound']}-bound) | {lean['attempts_per_s']:.2f}/s ({lean['bound']}-bound) |"
        )
    return result


if __name__ == "__main__":
    main()
