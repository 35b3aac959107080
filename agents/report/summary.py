"""The summary section of the page, written as HTML by the server (it needs no script).

One table with a row per measure and a column per run (one for an eval folder, one per
granularity for a compare folder): theorems, started, solved, solved %, pass@k, Lean calls,
policy calls, expansions and tokens per solved theorem, the time split (with a bar), why
theorems could not start and why the others failed; then each run's arguments and its PNG plots.
Every value goes through :func:`agents.report.escaping.text`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from agents.report.escaping import png_data_uri, text
from agents.report.run import EvalRun, PlotImage

__all__ = ["format_number", "pass_at_k_percent", "summary_html", "plots_html", "config_html"]

_TIME_KEYS = ("policy", "lean", "search")


def format_number(value: Any, *, digits: int = 1) -> str:
    """An int as is, a float to ``digits`` decimals (more when it is small), ``–`` for none."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.2g}"
        return f"{value:.{digits}f}"
    return str(value)


def pass_at_k_percent(summary: Mapping[str, Any]) -> dict[str, float | None]:
    """``pass_at_k`` in percent (``summary.json`` holds fractions, the unbiased estimator's)."""
    raw = summary.get("pass_at_k")
    if not isinstance(raw, Mapping):
        return {}
    return {
        str(k): 100.0 * v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        for k, v in raw.items()
    }


def _reason_list(counts: Any) -> str:
    if not isinstance(counts, Mapping) or not counts:
        return "–"
    items = sorted(counts.items(), key=lambda kv: (-_count(kv[1]), str(kv[0])))
    lines = "".join(
        f'<li><span class="reason">{text(reason)}</span> <span class="count">{text(format_number(n))}'
        "</span></li>"
        for reason, n in items
    )
    return f'<ul class="reasons">{lines}</ul>'


def _count(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _time_cell(time: Any) -> str:
    if not isinstance(time, Mapping):
        return "–"
    parts = {k: time.get(k) for k in _TIME_KEYS}
    total = time.get("total")
    known = [v for v in parts.values() if isinstance(v, (int, float)) and math.isfinite(v)]
    base = total if isinstance(total, (int, float)) and total > 0 else sum(known)
    bar = ""
    if base and base > 0:
        segments = "".join(
            f'<span class="t-{key}" style="width:{100.0 * v / base:.1f}%" '
            f'title="{key} {format_number(v, digits=2)} s"></span>'
            for key, v in parts.items()
            if isinstance(v, (int, float)) and math.isfinite(v) and v > 0
        )
        bar = f'<div class="timebar">{segments}</div>'
    labels = " · ".join(
        f"{key} {format_number(v, digits=2)} s" for key, v in parts.items() if v is not None
    )
    return f'{bar}<div class="timesplit">{text(labels)}</div>'


def summary_html(columns: Sequence[tuple[str, EvalRun]]) -> str:
    """The summary table: a row per measure, a column per run."""
    summaries = [run.summary for _, run in columns]

    def row(label: str, cells: Sequence[str], cls: str = "") -> str:
        tds = "".join(f"<td>{c}</td>" for c in cells)
        attr = f' class="{cls}"' if cls else ""
        return f'<tr{attr}><th scope="row">{text(label)}</th>{tds}</tr>'

    def number_row(label: str, get: Any, digits: int = 1, suffix: str = "") -> str:
        cells = []
        for summary in summaries:
            value = get(summary)
            shown = format_number(value, digits=digits)
            cells.append(text(shown + (suffix if shown != "–" else "")))
        return row(label, cells)

    def per_solved(key: str) -> Any:
        return lambda s: (s.get("per_solved") or {}).get(key)

    rows = [
        number_row("theorems", lambda s: s.get("total")),
        number_row("started", lambda s: s.get("started")),
        number_row("solved", lambda s: s.get("solved")),
        number_row("solved %", lambda s: s.get("solved_pct"), suffix=" %"),
    ]
    if any(s.get("solved_pct_of_started") is not None for s in summaries):
        rows.append(
            number_row("solved % of started", lambda s: s.get("solved_pct_of_started"), suffix=" %")
        )
    if any(len((s.get("runs") or {}).get("solved_pct") or ()) > 1 for s in summaries):
        cells = []
        for summary in summaries:
            runs = summary.get("runs") or {}
            mean, std = runs.get("mean"), runs.get("std")
            shown = "–" if mean is None else f"{format_number(mean)} ± {format_number(std)} %"
            cells.append(text(shown))
        rows.append(row("solved % per attempt", cells))
    pass_tables = [pass_at_k_percent(s) for s in summaries]
    ks = sorted({k for table in pass_tables for k in table}, key=lambda k: (len(k), k))
    for k in ks:
        cells = []
        for table in pass_tables:
            shown = format_number(table.get(k))
            cells.append(text(shown + (" %" if shown != "–" else "")))
        rows.append(row(f"pass@{k}", cells))
    rows += [
        number_row("Lean calls / solved", per_solved("lean_calls")),
        number_row("policy calls / solved", per_solved("policy_calls")),
        number_row("expansions / solved", per_solved("expansions")),
        number_row("tokens / solved", per_solved("tokens")),
        number_row("time total (s)", lambda s: (s.get("time") or {}).get("total"), digits=2),
        row("time split", [_time_cell(s.get("time")) for s in summaries]),
        row("could not start", [_reason_list(s.get("could_not_start")) for s in summaries]),
        row("failed by reason", [_reason_list(s.get("failed_by_reason")) for s in summaries]),
    ]
    notes = [
        f"{key}: results.jsonl has {len(run.bad_lines)} unreadable line(s) "
        f"({', '.join(map(str, run.bad_lines[:10]))}{'…' if len(run.bad_lines) > 10 else ''})"
        for key, run in columns
        if run.bad_lines
    ]
    notes += [
        f"{key}: no summary.json yet (the run is incomplete); computed from results.jsonl"
        for key, run in columns
        if run.summary_computed
    ]
    notes += [
        f"{key}: the run did not finish (interrupted or still going); rerun `lean-gym eval` "
        "with the same --out to resume"
        for key, run in columns
        if not run.summary_computed and run.summary.get("complete") is False
    ]
    heads = "".join(f'<th scope="col">{text(key)}</th>' for key, _ in columns)
    note_html = "".join(f'<p class="note">{text(n)}</p>' for n in notes)
    return (
        '<table class="summary"><thead><tr><th scope="col">measure</th>'
        f"{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note_html}"
    )


def config_html(columns: Sequence[tuple[str, EvalRun]]) -> str:
    """Each run's arguments (``config.json``), folded."""
    parts = []
    for key, run in columns:
        items = sorted(run.args.items())
        extra = [
            ("lean_gym_version", run.config.get("lean_gym_version")),
            ("started", run.config.get("started")),
        ]
        rows = "".join(
            f'<tr><th scope="row">{text(k)}</th><td><code>{text(_arg(v))}</code></td></tr>'
            for k, v in [*items, *extra]
            if v is not None
        )
        parts.append(
            f'<details class="config"><summary>arguments of {text(key)} '
            f'<span class="path">{text(run.path)}</span></summary>'
            f'<table class="kv">{rows}</table></details>'
        )
    return "".join(parts)


def _arg(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def plots_html(plots: Sequence[tuple[str, PlotImage]]) -> str:
    """The PNGs, embedded as data URIs, each with its file name."""
    figures = "".join(
        f'<figure class="plot"><img alt="{text(label)}" src="{png_data_uri(plot.data)}">'
        f"<figcaption>{text(label)}</figcaption></figure>"
        for label, plot in plots
    )
    return f'<div class="plots">{figures}</div>' if figures else ""
