"""``lean-gym report RUN_DIR [--out report.html]``: the HTML view of an eval or compare folder.

::

    lean-gym report runs/eval                       # writes runs/eval/report.html
    lean-gym report runs/compare --out cmp.html     # a compare folder: panes side by side
    lean-gym report runs/eval --screenshot docs/report.png --select smoke_and_intro

Exit status: 0 when the page was written, 2 for a mistake (a missing folder, a folder that is
not a run, an ``--out`` that cannot be written, no Chromium for ``--screenshot``), reported in
one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

__all__ = ["register_report", "cmd_report", "report_after_compare", "screenshot_fragment"]


def _positive_int(minimum: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def _window(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    if width < 200 or height < 200:
        raise argparse.ArgumentTypeError(f"window too small: {text}")
    return width, height


def register_report(subparsers: Any) -> None:
    """Adds ``report`` to ``lean-gym``'s subcommands."""
    parser = subparsers.add_parser(
        "report",
        help="write a self-contained HTML view of an eval or compare folder",
        description=(
            "Write one offline HTML file showing an eval run (lean-gym eval --out DIR) or a "
            "compare folder (lean-gym compare --out DIR): the summary, a sortable and "
            "filterable theorem list, and per theorem the statement, the proof with its "
            "segments marked and the search tree."
        ),
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="an eval folder or a compare folder")
    parser.add_argument(
        "--out", metavar="FILE", default=None, help="the HTML file (default: RUN_DIR/report.html)"
    )
    parser.add_argument(
        "--open-depth",
        type=_positive_int(0),
        default=2,
        help="tree nodes shallower than this start open (default: 2)",
    )
    parser.add_argument(
        "--max-tree-nodes",
        type=_positive_int(1),
        default=5000,
        help="per tree, keep this many nodes (plus the proof path) in the page (default: 5000)",
    )
    parser.add_argument("--title", default=None, help="the page title")
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        default=None,
        help="also render the page in headless Chromium and save the view as a PNG",
    )
    parser.add_argument(
        "--select",
        metavar="THEOREM",
        default=None,
        help="with --screenshot: the theorem to show (default: the first)",
    )
    parser.add_argument(
        "--window",
        metavar="WxH",
        type=_window,
        default=(1280, 1000),
        help="with --screenshot: the browser window (default: 1280x1000)",
    )
    parser.set_defaults(func=cmd_report)


def screenshot_fragment(
    theorem: str | None, *, open_mode: str = "path", scroll: str | None = None
) -> str:
    """The URL fragment that shows ``theorem`` with its trees opened along the proof path
    (and the page scrolled to ``list`` or ``theorem``)."""
    params = {"open": open_mode}
    if theorem is not None:
        params = {"t": theorem, **params}
    if scroll is not None:
        params["scroll"] = scroll
    return urlencode(params)


def _theorem_names(run: Any) -> set[str]:
    runs = run.runs.values() if hasattr(run, "runs") else [run]
    return {row.theorem for sub in runs for row in sub.rows}


def _fail(message: str) -> int:
    print(f"lean-gym report: error: {message}", file=sys.stderr)
    return 2


def cmd_report(args: argparse.Namespace) -> int:
    """Runs ``lean-gym report``; returns the exit status."""
    from agents.report.browser import CHROMIUM_INSTALL_HINT, capture, find_chromium
    from agents.report.errors import ReportError
    from agents.report.page import ReportOptions, check_output_path, write_report
    from agents.report.run import load_run

    run_dir = Path(args.run_dir)
    try:
        run = load_run(run_dir)  # validate before writing anything
        if args.select is not None and args.select not in _theorem_names(run):
            return _fail(f"--select: no theorem named {args.select!r} in {run_dir}")
        out = check_output_path(run_dir / "report.html" if args.out is None else args.out)
        png = None
        if args.screenshot is not None:
            png = check_output_path(args.screenshot)
            if find_chromium() is None:
                return _fail(f"--screenshot needs Chromium: {CHROMIUM_INSTALL_HINT}")
        options = ReportOptions(
            open_depth=args.open_depth, max_tree_nodes=args.max_tree_nodes, title=args.title
        )
        written = write_report(run_dir, out, options, progress=sys.stderr.isatty())
        print(
            f"wrote {written.path} ({written.kind}: {written.theorems} theorems, "
            f"{written.trees} trees, {written.size / 1e6:.1f} MB)"
        )
        if written.tree_errors:
            print(f"  {written.tree_errors} tree file(s) could not be read (see the page)")
        if png is not None:
            capture(
                written.path,
                png,
                fragment=screenshot_fragment(args.select, scroll="list"),
                window=args.window,
            )
            print(f"wrote {png}")
    except ReportError as exc:
        return _fail(str(exc))
    return 0


def report_after_compare(folder: str | Path) -> Path | None:
    """Writes ``folder/report.html`` after ``lean-gym compare`` and says where.

    A report that cannot be written is a warning (one line on stderr), never a failed
    comparison: the comparison's own files are already on disk.
    """
    from agents.report.errors import ReportError
    from agents.report.page import write_report

    try:
        written = write_report(folder, progress=sys.stderr.isatty())
    except ReportError as exc:
        print(f"lean-gym compare: no report: {exc}", file=sys.stderr)
        return None
    print(f"report in {written.path} (open it in a browser; `lean-gym report` rewrites it)")
    return written.path
