"""Plots of eval runs (matplotlib, imported when a plot is drawn)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["plot_solved_vs_lean_calls", "pyplot", "MATPLOTLIB_HINT"]

MATPLOTLIB_HINT = "plots need matplotlib: pip install 'lean-gym[plots]'"


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (raises ImportError with an install hint)."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(MATPLOTLIB_HINT) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_solved_vs_lean_calls(
    runs: Mapping[str, Sequence[Mapping[str, Any]]], theorems: int, path: Path
) -> Path:
    """Success against Lean calls: for each run, the share of theorems solved (by any attempt)
    within at most ``x`` Lean calls, where a theorem's cost is its cheapest solved attempt.

    Raises:
        ImportError: Without matplotlib (with an install hint).
    """
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    largest = 1
    for label, rows in runs.items():
        cheapest: dict[int, int] = {}
        for row in rows:
            if row.get("solved"):
                index = int(row["index"])
                calls = int(row.get("lean_calls") or 0)
                cheapest[index] = min(calls, cheapest.get(index, calls))
        costs = sorted(cheapest.values())
        if not costs:
            axes.plot([0], [0], marker="o", label=f"{label} (0 solved)")
            continue
        largest = max(largest, costs[-1])
        xs = [0]
        ys = [0.0]
        for count, cost in enumerate(costs, start=1):
            xs += [cost, cost]
            ys += [ys[-1], 100.0 * count / max(theorems, 1)]
        axes.plot(xs, ys, label=f"{label} ({len(costs)} solved)")
    axes.set_xlabel("Lean calls per theorem (cheapest solved attempt)")
    axes.set_ylabel("solved (% of theorems)")
    axes.set_xscale("symlog", linthresh=10)
    axes.set_xlim(0, largest * 1.1)
    axes.set_ylim(0, 100)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return Path(path)
