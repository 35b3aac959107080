"""Building the report page: one self-contained HTML file for an eval or a compare folder.

The file fetches nothing: the style sheet and the script (``agents/report/static/``, package
data) are inlined, the plots are data URIs, and a Content-Security-Policy meta tag forbids every
fetch (``default-src 'none'``) and runs only the page's own script (by its SHA-256), so even a
string that slipped through escaping could not execute. The summary is HTML written here; the
theorem list and the per-theorem views are rendered by the script from JSON data elements: an
index, and one element per theorem that the script parses only when that theorem is opened.

The page is written as a stream, theorem by theorem, so a large run is never held in memory
twice; it goes to a temporary file beside ``out`` that replaces ``out`` only when complete.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import IO, Any

from agents.report.errors import ReportError
from agents.report.escaping import script_json, text
from agents.report.payload import NODE_FIELDS, index_entry, theorem_payload
from agents.report.run import CompareRun, EvalRun, PlotImage, TheoremAttempts, load_run
from agents.report.summary import config_html, plots_html, summary_html

__all__ = [
    "ReportOptions",
    "WrittenReport",
    "render_report",
    "report_html",
    "check_output_path",
    "write_report",
]


@dataclass(frozen=True)
class ReportOptions:
    """How the page shows a run.

    Attributes:
        open_depth: Tree nodes shallower than this start open; deeper ones start collapsed.
        max_tree_nodes: A tree with more nodes keeps its first ones (creation order) and its
            proof path; the page says how many were left out.
        title: The page title; defaults to the run folder's name.
    """

    open_depth: int = 2
    max_tree_nodes: int = 5000
    title: str | None = None

    def __post_init__(self) -> None:
        if self.open_depth < 0:
            raise ValueError(f"open_depth must be >= 0, got {self.open_depth}")
        if self.max_tree_nodes < 1:
            raise ValueError(f"max_tree_nodes must be >= 1, got {self.max_tree_nodes}")


@dataclass(frozen=True)
class WrittenReport:
    """What :func:`write_report` wrote.

    Attributes:
        path: The HTML file.
        kind: ``eval`` or ``compare``.
        theorems: Theorems on the page.
        trees: Search trees embedded.
        tree_errors: Trees named by a result row that could not be read.
        size: The file's size in bytes.
    """

    path: Path
    kind: str
    theorems: int
    trees: int
    tree_errors: int
    size: int


def _asset(name: str) -> str:
    return (files("agents.report") / "static" / name).read_text(encoding="utf-8")


def _columns(run: EvalRun | CompareRun) -> list[tuple[str, EvalRun]]:
    if isinstance(run, CompareRun):
        return list(run.runs.items())
    return [(run.granularity or "run", run)]


def _theorem_table(
    columns: Sequence[tuple[str, EvalRun]],
) -> list[tuple[str, list[TheoremAttempts | None]]]:
    """The theorems of every column, matched by dataset position (by name without one)."""
    table: dict[tuple[Any, ...], tuple[str, list[TheoremAttempts | None]]] = {}
    order: dict[tuple[Any, ...], tuple[float, int]] = {}
    for position, (_, run) in enumerate(columns):
        for seen, theorem in enumerate(run.theorems()):
            key = ("index", theorem.index) if theorem.index is not None else ("name", theorem.name)
            _, cells = table.setdefault(key, (theorem.name, [None] * len(columns)))
            cells[position] = theorem
            rank = (float("inf") if theorem.index is None else theorem.index, seen)
            order[key] = min(order.get(key, rank), rank)
    return [table[key] for key in sorted(table, key=lambda k: (order[k], str(k)))]


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def _header_line(columns: Sequence[tuple[str, EvalRun]]) -> str:
    """The run in one line: dataset, policy, budget (once when the runs share them), searches."""

    def shared(run: EvalRun) -> dict[str, Any]:
        return {
            "dataset": run.args.get("dataset"),
            "policy": run.policy,
            "budget": run.args.get("budget"),
        }

    commons = [shared(run) for _, run in columns]
    if all(c == commons[0] for c in commons):
        bits = [f"{k} {v}" for k, v in commons[0].items() if v]
        searches = [(key, run.search) for key, run in columns if run.search]
        if len(columns) > 1 and searches:
            bits.append("search " + ", ".join(f"{k}: {v}" for k, v in searches))
        elif searches:
            bits.insert(1, f"search {searches[0][1]}")
        return f"<span>{text(' · '.join(bits))}</span>"
    parts = []
    for (key, run), common in zip(columns, commons, strict=True):
        bits = [f"{k} {v}" for k, v in {**common, "search": run.search}.items() if v]
        parts.append(f"<span>{text(key + ': ' + ' · '.join(bits))}</span>")
    return "".join(parts)


def render_report(
    run: EvalRun | CompareRun,
    out: IO[str],
    options: ReportOptions = ReportOptions(),
    *,
    progress: bool = False,
) -> WrittenReport:
    """Writes the page of ``run`` to the text stream ``out``.

    Returns:
        The counts (``path`` is the run folder and ``size`` the characters written).
    """
    script = _asset("report.js")
    style = _asset("report.css")
    if "</script" in script.lower() or "</style" in style.lower():
        raise ReportError("the report's static assets must not close their own element")
    kind = "compare" if isinstance(run, CompareRun) else "eval"
    columns = _columns(run)
    title = options.title or f"lean-gym report · {run.path.resolve().name}"
    size = 0

    def emit(chunk: str) -> None:
        nonlocal size
        out.write(chunk)
        size += len(chunk)

    emit(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{text(_csp(script))}">'
        f'<meta name="generator" content="lean-gym report"><title>{text(title)}</title>'
        f"<style>{style}</style></head>\n"
        f'<body data-kind="{kind}"><header class="top"><h1>{text(title)}</h1>'
        f'<p class="sub">{_header_line(columns)}</p></header>\n<main>'
        '<section id="summary"><h2>Summary</h2>'
    )
    emit('<div class="summary-row">')
    emit(summary_html(columns))
    plots: list[tuple[str, PlotImage]] = []
    if isinstance(run, CompareRun):
        plots += [(plot.name, plot) for plot in run.plots]
    for key, sub in columns:
        label = f"{key}/" if isinstance(run, CompareRun) else ""
        plots += [(label + plot.name, plot) for plot in sub.plots]
    emit(plots_html(plots))
    emit("</div>")
    emit(config_html(columns))
    emit(
        '</section>\n<section id="theorems"><h2>Theorems</h2><div id="lg-list">'
        "<noscript>The theorem list and the search trees need JavaScript.</noscript></div>"
        '</section>\n<section id="theorem"><div id="lg-detail"></div></section></main>\n'
    )
    table = _theorem_table(columns)
    entries = []
    trees = tree_errors = 0
    solved = 0
    for position, (name, cells) in enumerate(_progress(table, progress)):
        detail = theorem_payload(
            name,
            [None if c is None else (columns[i][1], c) for i, c in enumerate(cells)],
            options.max_tree_nodes,
        )
        for column in detail["columns"]:
            for attempt in column["attempts"] if column else ():
                trees += attempt["tree"] is not None
                tree_errors += attempt["tree_error"] is not None
        entry = index_entry(name, cells, detail)
        solved += any(c is not None and c["status"] == "solved" for c in entry["cells"])
        entries.append(entry)
        emit(f'<script type="application/json" id="lg-d-{position}">')
        emit(script_json(detail))
        emit("</script>\n")
    index: dict[str, Any] = {
        "kind": kind,
        "title": title,
        "columns": [
            {
                "key": key,
                "granularity": sub.granularity,
                "search": sub.search,
                "policy": sub.policy,
            }
            for key, sub in columns
        ],
        "open_depth": options.open_depth,
        "node_fields": list(NODE_FIELDS),
        "theorems": entries,
    }
    emit('<script type="application/json" id="lg-index">')
    emit(script_json(index))
    emit(f"</script>\n<script>{script}</script>\n</body></html>\n")
    return WrittenReport(run.path, kind, len(entries), trees, tree_errors, size)


def _progress(items: list[Any], enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield from items
        return
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a nicety; the report does not need tqdm
        yield from items
        return
    with tqdm(total=len(items), desc="report", unit="theorem") as bar:
        for item in items:
            yield item
            bar.update(1)


def report_html(run: EvalRun | CompareRun, options: ReportOptions = ReportOptions()) -> str:
    """The page of ``run`` as one string (for tests and small runs)."""
    import io

    buffer = io.StringIO()
    render_report(run, buffer, options)
    return buffer.getvalue()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output_path(out: str | Path) -> Path:
    """Checks that ``out`` can be written, before any work is done.

    Raises:
        ReportError: When its folder is missing or not writable, or ``out`` is a folder.
    """
    out = Path(out)
    parent = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise ReportError(f"--out {out} is a folder; give a file name such as {out}/report.html")
    if not parent.is_dir():
        raise ReportError(f"cannot write {out}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise ReportError(f"cannot write {out}: permission denied")
    return out


def write_report(
    run_dir: str | Path,
    out: str | Path | None = None,
    options: ReportOptions = ReportOptions(),
    *,
    progress: bool = False,
) -> WrittenReport:
    """Reads the eval or compare folder ``run_dir`` and writes its page.

    Args:
        run_dir: An eval folder (``lean-gym eval --out``) or a compare folder.
        out: The HTML file; defaults to ``run_dir/report.html``.
        options: How to show the run.
        progress: Show a progress bar over the theorems.

    Raises:
        ReportError: When ``run_dir`` is not a run, or ``out`` cannot be written.
    """
    run = load_run(run_dir)
    out = check_output_path(Path(run_dir) / "report.html" if out is None else out)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise ReportError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="replace", newline="\n") as stream:
            written = render_report(run, stream, options, progress=progress)
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, out)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise ReportError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return WrittenReport(
        out,
        written.kind,
        written.theorems,
        written.trees,
        written.tree_errors,
        out.stat().st_size,
    )
