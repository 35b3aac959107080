"""What an eval run reports: pass@k, the spread over repeated runs, and the summary of a run
folder's rows.

pass@k is the unbiased estimator of Chen et al. (2021, ``openai/human-eval``
``human_eval/evaluation.py``): with ``n`` attempts of which ``c`` succeed,
``pass@k = 1 - C(n - c, k) / C(n, k)``, computed stably as
``1 - prod(1 - k / arange(n - c + 1, n + 1))``, averaged over problems, and reported only for
``k <= n`` of every problem. "Mean and spread over repeated runs" treats attempt ``a`` of every
theorem as run ``a`` (DeepSeek-Prover's mean ± std over repeated runs).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "pass_at_k",
    "pass_at_k_table",
    "mean_and_spread",
    "start_error_reason",
    "summarize",
    "summary_markdown",
]


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased pass@k estimate for one problem with ``c`` successes in ``n`` attempts.

    Raises:
        ValueError: Unless ``0 <= c <= n`` and ``1 <= k <= n``.
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    product = 1.0
    for i in range(n - c + 1, n + 1):
        product *= 1.0 - k / i
    return 1.0 - product


def pass_at_k_table(counts: Sequence[tuple[int, int]]) -> dict[int, float]:
    """Mean pass@k over problems ``(n, c)`` for every ``k`` from 1 to the smallest ``n``."""
    if not counts:
        return {}
    smallest = min(n for n, _ in counts)
    return {
        k: sum(pass_at_k(n, c, k) for n, c in counts) / len(counts) for k in range(1, smallest + 1)
    }


def mean_and_spread(values: Sequence[float]) -> dict[str, float]:
    """``{"mean", "std", "min", "max"}`` (sample standard deviation; 0 for one value)."""
    if not values:
        return {"mean": 0.0, "std": 0.0, "min": 0.0, "max": 0.0}
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {
        "mean": statistics.fmean(values),
        "std": std,
        "min": min(values),
        "max": max(values),
    }


def start_error_reason(message: str | None) -> str:
    """A short, countable reason from a start error's message (its first line, trimmed)."""
    if not message:
        return "unknown"
    first = message.strip().split("\n", 1)[0].strip()
    if first.startswith("cannot start theorem") and ": " in first:
        first = first.split(": ", 1)[1]
    return first[:80] or "unknown"


def _mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return statistics.fmean(items) if items else None


def summarize(rows: Iterable[Mapping[str, Any]], *, theorems: int | None = None) -> dict[str, Any]:
    """The summary of a run folder's rows (``DIR/summary.json``).

    Args:
        rows: One per (theorem, attempt), as in ``results.jsonl``.
        theorems: The number of theorems in the run (default: those with rows).
    """
    by_theorem: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_theorem[int(row["index"])].append(row)
    total = theorems if theorems is not None else len(by_theorem)
    started = solved = 0
    could_not_start: Counter[str] = Counter()
    failed_by_reason: Counter[str] = Counter()
    counts: list[tuple[int, int]] = []
    per_attempt: dict[int, int] = defaultdict(int)
    attempts_seen: set[int] = set()
    solved_rows: list[Mapping[str, Any]] = []
    time_totals = {"policy": 0.0, "lean": 0.0, "search": 0.0, "total": 0.0}
    for theorem_rows in by_theorem.values():
        theorem_started = any(r.get("started") for r in theorem_rows)
        started += theorem_started
        if not theorem_started:
            could_not_start[start_error_reason(theorem_rows[0].get("start_error"))] += 1
        wins = sum(bool(r.get("solved")) for r in theorem_rows)
        solved += wins > 0
        counts.append((len(theorem_rows), wins))
        for row in theorem_rows:
            attempts_seen.add(int(row["attempt"]))
            if row.get("solved"):
                per_attempt[int(row["attempt"])] += 1
                solved_rows.append(row)
            elif row.get("started"):
                failed_by_reason[str(row.get("reason"))] += 1
            for key in time_totals:
                time_totals[key] += float((row.get("time") or {}).get(key, 0.0))
    # Theorems of the run without any row yet count as unsolved, unstarted attempts.
    missing = max(0, total - len(by_theorem))
    pass_counts = counts + [(min((n for n, _ in counts), default=1), 0)] * missing
    pass_table = pass_at_k_table(pass_counts)
    runs = [100.0 * per_attempt.get(a, 0) / total if total else 0.0 for a in sorted(attempts_seen)]
    per_solved = {
        key: _mean(float(r.get(key) or 0) for r in solved_rows)
        for key in ("lean_calls", "policy_calls", "expansions", "tokens")
    }
    return {
        "total": total,
        "started": started,
        "solved": solved,
        "solved_pct": 100.0 * solved / total if total else 0.0,
        "solved_pct_of_started": 100.0 * solved / started if started else 0.0,
        "attempts": max((n for n, _ in counts), default=0),
        "pass_at_k": {str(k): v for k, v in pass_table.items()},
        "runs": {"solved_pct": runs, **mean_and_spread(runs)},
        "per_solved": per_solved,
        "time": time_totals,
        "could_not_start": dict(could_not_start.most_common()),
        "failed_by_reason": dict(failed_by_reason.most_common()),
    }


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.{digits}f}"
    return str(value)


def summary_markdown(summary: Mapping[str, Any], *, title: str = "") -> str:
    """``DIR/summary.md``: the summary as markdown tables."""
    per = summary.get("per_solved") or {}
    time = summary.get("time") or {}
    runs = summary.get("runs") or {}
    lines = [f"# {title}" if title else "# eval summary", ""]
    lines.append(
        "| theorems | started | solved | solved % | runs: mean ± std % | Lean calls / solved "
        "| policy calls / solved | expansions / solved | tokens / solved |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    lines.append(
        f"| {summary['total']} | {summary['started']} | {summary['solved']} | "
        f"{_fmt(summary['solved_pct'])} | {_fmt(runs.get('mean'))} ± {_fmt(runs.get('std'))} | "
        f"{_fmt(per.get('lean_calls'))} | {_fmt(per.get('policy_calls'))} | "
        f"{_fmt(per.get('expansions'))} | {_fmt(per.get('tokens'))} |"
    )
    pass_table = summary.get("pass_at_k") or {}
    if pass_table:
        lines += ["", "| " + " | ".join(f"pass@{k}" for k in pass_table) + " |"]
        lines.append("|" + "---|" * len(pass_table))
        lines.append("| " + " | ".join(f"{100 * v:.1f}%" for v in pass_table.values()) + " |")
    lines += [
        "",
        "| time (s) | policy | Lean | search | total |",
        "|---|---|---|---|---|",
        f"| sum over attempts | {_fmt(time.get('policy'), 2)} | {_fmt(time.get('lean'), 2)} | "
        f"{_fmt(time.get('search'), 2)} | {_fmt(time.get('total'), 2)} |",
    ]
    for heading, key in (
        ("could not start", "could_not_start"),
        ("not solved", "failed_by_reason"),
    ):
        table = summary.get(key) or {}
        if table:
            lines += ["", f"| {heading} | count |", "|---|---|"]
            lines += [f"| {reason} | {count} |" for reason, count in table.items()]
    return "\n".join(lines) + "\n"
