"""``lean-gym report``: a self-contained HTML view of an eval run or a compare folder.

One concept per module: :mod:`~agents.report.run` loads a run folder, :mod:`~agents.report
.payload` turns it into the page's data, :mod:`~agents.report.summary` writes the summary table,
:mod:`~agents.report.escaping` makes untrusted text safe, :mod:`~agents.report.page` writes the
page (with the script and style sheet of ``static/``, package data), :mod:`~agents.report.browser`
drives headless Chromium (``--dump-dom``, ``--screenshot`` and a DevTools session over a pipe),
:mod:`~agents.report.cli` is the subcommand (``register_report``, and ``report_after_compare``
for ``lean-gym compare``).

Example::

    from agents.report import write_report
    written = write_report("runs/eval")  # runs/eval/report.html
"""

from __future__ import annotations

from agents.report.errors import ReportError
from agents.report.page import ReportOptions, WrittenReport, report_html, write_report
from agents.report.run import CompareRun, EvalRun, load_run

__all__ = [
    "ReportError",
    "ReportOptions",
    "WrittenReport",
    "write_report",
    "report_html",
    "load_run",
    "EvalRun",
    "CompareRun",
]
