"""The search and eval performance targets of issue 12, measured side by side in one run.

1. Goal-aware rollout against step-level best-first, same theorems, policy and budget: policy
   calls (target: at least 30% fewer, i.e. a ratio <= 0.70) at an equal or better solved count.
   The two run theorem by theorem, alternately first, and again with the scripted policy's
   order sampled (``--sampled-temperature``; both searches get the same seed per theorem).
2. Search bookkeeping (wall time minus policy and Lean time) as a share of wall time, best-first
   with ScriptedPolicy on in-process MiniLean (target <= 20%).
3. Tactic calls per second through that search on one core (target >= 2,000), with the Lean
   time per call beside it (what MiniLean itself costs).
4. ``lean-gym eval --workers 2`` against ``--workers 1``: attempts per second, end to end
   (worker start-up included) and in steady state (first row to last row); rounds alternate
   1, 2, 1, 2, ... and the medians are compared (target >= 1.7x on 2 cores).
5. Resident memory of one eval worker over ``--memory-theorems`` attempts (the dataset repeated
   as attempts): RSS after the first 100 and after the last (target: flat).

Run: ``python benchmarks/search_targets.py [--limit 200] [--eval-limit 200] [--rounds 3]
[--memory-theorems 500]``; tiny: ``--limit 20 --eval-limit 20 --rounds 1 --memory-theorems 40``.
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

from agents.evaluate import EvalArgs, EvalWorker, WorkerSpec
from agents.executors import LocalExecutor, Task
from agents.policies.scripted import ScriptedPolicy
from agents.search import Budget, make_search
from lean_gym.backends import make_backend
from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace
from lean_gym.data import load_theorems


@dataclass
class Args:
    """Arguments of the targets benchmark.

    Attributes:
        dataset: The theorems of measurements 1-3.
        limit: Theorems for measurements 1-3 (all when unset).
        sampled_temperature: Measurement 1 again with the scripted policy's order sampled at
            this temperature (a policy whose siblings can mislead best-first); 0 skips it.
        budget: The search budget everywhere.
        eval_limit: Theorems per eval round of measurement 4.
        rounds: Rounds per worker count in measurement 4.
        memory_theorems: Attempts run by one worker in measurement 5.
        out: Where ``search_targets.json`` goes.
    """

    dataset: str = "minilean-bench"
    limit: int | None = None
    budget: str = "expansions=100"
    eval_limit: int = 200
    rounds: int = 3
    memory_theorems: int = 500
    sampled_temperature: float = 1.0
    out: str = "runs/bench/search_targets"


def rss_mb() -> float:
    """This process's resident set size in MB (Linux ``/proc``; else psutil)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover - not Linux
        import psutil

        return psutil.Process().memory_info().rss / 2**20


def rollout_and_bookkeeping(args: Args, temperature: float = 0.0) -> dict[str, Any]:
    """Measurements 1-3 with the scripted policy at ``temperature`` (0: its ranked order)."""
    theorems = load_theorems(args.dataset, limit=args.limit)
    budget = Budget.parse(args.budget)
    policy = ScriptedPolicy(temperature=temperature)
    searches = {
        "best-first": make_search("best-first", record_tree=False),
        "goal-aware-rollout": make_search("goal-aware-rollout", record_tree=False),
    }
    totals = {name: {"solved": 0, "policy_calls": 0, "lean_calls": 0, "expansions": 0,
                     "policy": 0.0, "lean": 0.0, "search": 0.0, "total": 0.0}
              for name in searches}  # fmt: skip
    with make_backend("minilean") as backend:
        for search in searches.values():  # warm-up: imports, caches, the policy thread
            search.search(theorems[0], backend, policy, budget)
        for index, theorem in enumerate(theorems):
            order = list(searches) if index % 2 == 0 else list(reversed(searches))
            for name in order:
                if temperature:  # both searches see the same sampled orders
                    policy.reseed(index)  # (it also clears the policy's cache: not when ranked)
                result = searches[name].search(theorem, backend, policy, budget)
                total = totals[name]
                total["solved"] += result.solved
                total["policy_calls"] += result.policy_calls
                total["lean_calls"] += result.lean_calls
                total["expansions"] += result.expansions
                total["policy"] += result.time_policy
                total["lean"] += result.time_lean
                total["search"] += result.time_search
                total["total"] += result.time_total
    best, rollout = totals["best-first"], totals["goal-aware-rollout"]
    return {
        "theorems": len(theorems),
        "temperature": temperature,
        "totals": totals,
        "rollout_policy_call_ratio": rollout["policy_calls"] / max(best["policy_calls"], 1),
        "rollout_solved_minus_best_first": rollout["solved"] - best["solved"],
        "bookkeeping_share": best["search"] / best["total"],
        "tactic_calls_per_second": best["lean_calls"] / best["total"],
        "lean_ms_per_call": 1000 * best["lean"] / max(best["lean_calls"], 1),
    }


def _eval_round(theorems: list[Any], workers: int, budget: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        args = EvalArgs(budget=budget, out=out, workers=workers, progress=False)
        executor = LocalExecutor(WorkerSpec(asdict(args), out), workers)
        stamps: list[float] = []
        tasks = [Task(i, t, (0,)) for i, t in enumerate(theorems)]
        began = time.perf_counter()
        try:
            executor.run(
                tasks, lambda event: event[0] == "row" and stamps.append(time.perf_counter())
            )
        finally:
            executor.close()
        ended = time.perf_counter()
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return {"end_to_end": len(stamps) / (ended - began), "steady": steady}


def workers_throughput(args: Args) -> dict[str, Any]:
    """Measurement 4."""
    theorems = load_theorems(args.dataset, limit=args.eval_limit)
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    for _ in range(args.rounds):
        for workers in (1, 2):
            runs[workers].append(_eval_round(theorems, workers, args.budget))
    median = {
        w: {k: statistics.median(r[k] for r in rs) for k in ("end_to_end", "steady")}
        for w, rs in runs.items()
    }
    return {
        "theorems": len(theorems),
        "rounds": runs,
        "median": median,
        "speedup_end_to_end": median[2]["end_to_end"] / median[1]["end_to_end"],
        "speedup_steady": median[2]["steady"] / median[1]["steady"],
        "cores": os.cpu_count(),
    }


def worker_memory(args: Args) -> dict[str, Any]:
    """Measurement 5: one eval worker, in this process, over many attempts."""
    theorems = load_theorems(args.dataset)
    with tempfile.TemporaryDirectory() as out:
        spec = WorkerSpec(asdict(EvalArgs(budget=args.budget, out=out, progress=False)), out)
        worker = EvalWorker(spec)
        samples: list[tuple[int, float]] = [(0, rss_mb())]
        for count in range(1, args.memory_theorems + 1):
            index = (count - 1) % len(theorems)
            attempt = (count - 1) // len(theorems)
            worker.run_task(Task(index, theorems[index], (attempt,)), lambda event: None)
            if count % 50 == 0 or count == args.memory_theorems:
                samples.append((count, rss_mb()))
        worker.close()
    after_100 = next((mb for n, mb in samples if n >= 100), samples[-1][1])
    return {
        "attempts": args.memory_theorems,
        "rss_mb": samples,
        "rss_after_100_mb": after_100,
        "rss_at_end_mb": samples[-1][1],
        "growth_after_100_mb": samples[-1][1] - after_100,
    }


def rollout_line(search: dict[str, Any]) -> tuple[str, str, str, bool]:
    """The table row of measurement 1."""
    best = search["totals"]["best-first"]
    rollout = search["totals"]["goal-aware-rollout"]
    policy = (
        f"sampled at temperature {search['temperature']:g}" if search["temperature"] else "ranked"
    )
    return (
        f"goal-aware rollout / best-first policy calls (scripted policy, {policy})",
        f"{search['rollout_policy_call_ratio']:.2f} ({rollout['policy_calls']} / "
        f"{best['policy_calls']}; solved {rollout['solved']} vs {best['solved']} of "
        f"{search['theorems']})",
        "<= 0.70 at >= solved",
        search["rollout_policy_call_ratio"] <= 0.70
        and search["rollout_solved_minus_best_first"] >= 0,
    )


def main(args: Args) -> dict[str, Any]:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("1-3: goal-aware rollout vs best-first, bookkeeping, tactic calls/s ...", file=sys.stderr)
    search = rollout_and_bookkeeping(args)
    sampled = None
    if args.sampled_temperature > 0:
        print(f"1 again, the policy sampled at temperature {args.sampled_temperature} ...",
              file=sys.stderr)  # fmt: skip
        sampled = rollout_and_bookkeeping(args, args.sampled_temperature)
    print("4: --workers 2 vs --workers 1 ...", file=sys.stderr)
    workers = workers_throughput(args)
    print("5: worker memory ...", file=sys.stderr)
    memory = worker_memory(args)
    result = {
        "args": asdict(args),
        "search": search,
        "search_sampled": sampled,
        "workers": workers,
        "memory": memory,
    }
    (out / "search_targets.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [rollout_line(search)] + ([rollout_line(sampled)] if sampled else []) + [
        ("search bookkeeping share (best-first)", f"{100 * search['bookkeeping_share']:.1f}%",
         "<= 20%", search["bookkeeping_share"] <= 0.20),
        ("tactic calls / s through best-first (1 core)",
         f"{search['tactic_calls_per_second']:.0f} (Lean {search['lean_ms_per_call']:.2f} ms/call)",
         ">= 2000", search["tactic_calls_per_second"] >= 2000),
        ("eval --workers 2 / --workers 1 throughput",
         f"{workers['speedup_end_to_end']:.2f}x end to end, {workers['speedup_steady']:.2f}x "
         f"steady ({workers['cores']} cores)",
         ">= 1.7x", workers["speedup_end_to_end"] >= 1.7),
        (f"worker RSS over {memory['attempts']} attempts",
         f"{memory['rss_after_100_mb']:.1f} MB after 100, {memory['rss_at_end_mb']:.1f} MB at "
         f"the end ({memory['growth_after_100_mb']:+.1f} MB)",
         "flat", memory["growth_after_100_mb"] <= 0.05 * memory["rss_after_100_mb"]),
    ]  # fmt: skip
    print("| what | measured | target | met |")
    print("|---|---|---|---|")
    for what, measured, target, met in lines:
        print(f"| {what} | {measured} | {target} | {'yes' if met else 'no'} |")
    return result


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataclass_arguments(parser, Args)
    main(dataclass_from_namespace(Args, parser.parse_args()))
