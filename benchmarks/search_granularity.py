"""Every search algorithm at every granularity, with ScriptedPolicy, at one fixed budget.

Datasets: minilean-bench by difficulty tier (easy, medium, hard) and the part of miniF2F-valid
the backend can start (how many could not, and why, is reported too). The combinations run
side by side in one process: for each theorem, every combination in turn, so that machine
noise hits them alike. Each algorithm runs at the granularities it is defined for: the
step-level tree searches at ``step`` and ``segment`` (segment actions through LeanSegment-v0;
``best-first`` at ``segment`` is ``segment-best-first``), goal-aware rollout at ``step`` (its
rollouts are tactic-level), whole-proof sampling (with and without truncate-and-resume) and
best-first over whole-proof continuations at ``proof``.

Writes ``OUT/search_granularity.json``, ``OUT/search_granularity.png`` (solved % per tier)
and ``OUT/search_granularity_curves.png`` (success against Lean calls on minilean-bench).

Run: ``python benchmarks/search_granularity.py [--budget expansions=100] [--limit N]``.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.policies.scripted import ScriptedPolicy
from agents.search import Budget, make_search
from lean_gym.backends import make_backend
from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace
from lean_gym.data import load_theorems
from lean_gym.errors import TheoremStartError

ROOT = Path(__file__).resolve().parents[1]

# (label, registered search, granularity, search options)
COMBINATIONS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("best-first", "best-first", "step", {}),
    ("adaptive-beam", "adaptive-beam", "step", {}),
    ("value-best-first", "value-best-first", "step", {}),
    ("mcts", "mcts", "step", {}),
    ("goal-aware-rollout", "goal-aware-rollout", "step", {}),
    ("segment-best-first", "segment-best-first", "segment", {}),
    ("adaptive-beam", "adaptive-beam", "segment", {}),
    ("value-best-first", "value-best-first", "segment", {}),
    ("mcts", "mcts", "segment", {}),
    ("whole-proof", "whole-proof", "proof", {}),
    ("whole-proof+resume", "whole-proof", "proof", {"truncate_resume": True}),
    ("best-first", "best-first", "proof", {}),
]


@dataclass
class Args:
    """Arguments of the granularity benchmark.

    Attributes:
        budget: The budget of every search.
        limit: Use only the first N theorems of each dataset.
        minif2f: miniF2F-valid's jsonl (relative paths are from the repository root).
        backend: The backend.
        out: Where the json and the PNGs go.
    """

    budget: str = "expansions=100"
    limit: int | None = None
    minif2f: str = "../shared/data/minif2f/minif2f-valid.jsonl"
    backend: str = "minilean"
    out: str = "runs/bench/search_granularity"


def _datasets(args: Args, backend: Any) -> tuple[dict[str, list[Any]], dict[str, Any]]:
    """Theorems per tier, and what could not start on miniF2F."""
    from agents.metrics import start_error_reason

    tiers: dict[str, list[Any]] = defaultdict(list)
    for theorem in load_theorems("minilean-bench", limit=args.limit):
        tiers[f"bench-{theorem.difficulty}"].append(theorem)
    report: dict[str, Any] = {"total": 0, "started": 0, "could_not_start": {}}
    path = Path(args.minif2f)
    path = path if path.is_absolute() else ROOT / path
    if path.exists():
        reasons: dict[str, int] = defaultdict(int)
        for theorem in load_theorems(str(path), limit=args.limit):
            report["total"] += 1
            try:
                backend.start(theorem)
            except TheoremStartError as exc:
                reasons[start_error_reason(exc.error.message)] += 1
                continue
            report["started"] += 1
            tiers["minif2f-startable"].append(theorem)
        report["could_not_start"] = dict(sorted(reasons.items(), key=lambda kv: -kv[1]))
    else:
        report["missing"] = str(path)
    return dict(tiers), report


def main(args: Args) -> dict[str, Any]:
    budget = Budget.parse(args.budget)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    backend = make_backend(args.backend)
    tiers, minif2f = _datasets(args, backend)
    searches = [
        (f"{label}@{granularity}", make_search(name, record_tree=False, **options), granularity)
        for label, name, granularity, options in COMBINATIONS
    ]
    policies = {g: ScriptedPolicy(granularity=g) for g in ("step", "segment", "proof")}
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    warm = next(iter(tiers.values()))[0]  # imports, caches and threads start before timing
    for _, search, granularity in searches:
        search.search(warm, backend, policies[granularity], budget)
    started = time.perf_counter()
    from tqdm import tqdm

    bar = tqdm(total=sum(len(t) for t in tiers.values()), unit="theorem", file=sys.stderr)
    for tier, theorems in tiers.items():
        for theorem in theorems:
            for label, search, granularity in searches:
                result = search.search(theorem, backend, policies[granularity], budget)
                rows[label].append(
                    {
                        "tier": tier,
                        "index": len(rows[label]),
                        "theorem": theorem.name,
                        "solved": result.solved,
                        "lean_calls": result.lean_calls,
                        "policy_calls": result.policy_calls,
                        "expansions": result.expansions,
                        "time": [result.time_policy, result.time_lean, result.time_search],
                    }
                )
            bar.update(1)
            bar.set_postfix_str(tier)
    bar.close()
    backend.close()
    table = _table(rows, tiers)
    result = {
        "budget": str(budget),
        "tiers": {tier: len(theorems) for tier, theorems in tiers.items()},
        "minif2f": minif2f,
        "combinations": table,
        "seconds": time.perf_counter() - started,
    }
    (out / "search_granularity.json").write_text(json.dumps(result, indent=2) + "\n")
    _print(result)
    _plots(table, rows, tiers, out)
    return result


def _table(rows: dict[str, list[dict[str, Any]]], tiers: dict[str, list[Any]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for label, items in rows.items():
        solved = [r for r in items if r["solved"]]
        times = [sum(r["time"][i] for r in items) for i in range(3)]
        total = sum(times) or 1.0

        def per(key: str, chosen: list[dict[str, Any]] = solved) -> float | None:
            return sum(r[key] for r in chosen) / len(chosen) if chosen else None

        table[label] = {
            "solved_pct": {
                tier: 100.0 * sum(r["solved"] for r in items if r["tier"] == tier) / len(group)
                for tier, group in tiers.items()
                if group
            },
            "solved": len(solved),
            "total": len(items),
            "lean_calls_per_solved": per("lean_calls"),
            "policy_calls_per_solved": per("policy_calls"),
            "expansions_per_solved": per("expansions"),
            "lean_calls_per_theorem": per("lean_calls", items),
            "time": {"policy": times[0], "lean": times[1], "search": times[2]},
            "bookkeeping_share": times[2] / total,
        }
    return table


def _print(result: dict[str, Any]) -> None:
    tiers = list(result["tiers"])
    print(f"budget {result['budget']}; theorems per tier: {result['tiers']}")
    minif2f = result["minif2f"]
    if minif2f.get("total"):
        reasons = ", ".join(f"{n} × {r}" for r, n in list(minif2f["could_not_start"].items())[:4])
        print(f"miniF2F-valid: {minif2f['started']}/{minif2f['total']} start ({reasons})")
    head = " | ".join(f"{t} %" for t in tiers)
    print(
        f"| search@granularity | {head} | Lean calls / solved | policy calls / solved | bookkeeping |"
    )
    print("|---|" + "---|" * len(tiers) + "---|---|---|")

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    for label, row in result["combinations"].items():
        cells = " | ".join(fmt(row["solved_pct"].get(t)) for t in tiers)
        print(
            f"| {label} | {cells} | {fmt(row['lean_calls_per_solved'])} | "
            f"{fmt(row['policy_calls_per_solved'])} | {100 * row['bookkeeping_share']:.1f}% |"
        )


def _plots(
    table: dict[str, Any], rows: dict[str, list[dict[str, Any]]], tiers: dict[str, Any], out: Path
) -> None:
    try:
        from agents.plots import plot_solved_vs_lean_calls, pyplot
    except ImportError as exc:  # pragma: no cover
        print(f"no plots: {exc}", file=sys.stderr)
        return
    plt = pyplot()
    labels = list(table)
    names = [t for t in tiers if tiers[t]]
    figure, axes = plt.subplots(figsize=(max(8, len(labels) * 0.9), 4.5))
    width = 0.8 / max(len(names), 1)
    for offset, tier in enumerate(names):
        xs = [i + offset * width for i in range(len(labels))]
        axes.bar(
            xs, [table[label]["solved_pct"].get(tier, 0.0) for label in labels], width, label=tier
        )
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(labels))])
    axes.set_xticklabels(labels, rotation=35, ha="right", fontsize=8)
    axes.set_ylabel("solved %")
    axes.set_ylim(0, 100)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out / "search_granularity.png", dpi=120)
    plt.close(figure)
    bench = {
        label: [r for r in items if r["tier"].startswith("bench-")] for label, items in rows.items()
    }
    total = sum(len(v) for k, v in tiers.items() if k.startswith("bench-"))
    plot_solved_vs_lean_calls(bench, total, out / "search_granularity_curves.png")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataclass_arguments(parser, Args)
    main(dataclass_from_namespace(Args, parser.parse_args()))
