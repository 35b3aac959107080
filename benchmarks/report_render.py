"""The report page with big search trees: build time, page size, and drawing time in Chromium.

For trees of each size in ``--sizes`` (a wide, failure-heavy synthetic search, the test suite's
``write_big_tree_run``), prints side by side, in one run: the time to write the page, its size,
and in headless Chromium (the DevTools driver of ``agents/report/browser.py``) the time to draw
the theorem's view (script plus layout, the median of ``--repeats``), the nodes drawn, and the
time to "open all" (drawing up to its 3,000-node budget). The ratio column divides each size's
first draw by the smallest size's: lazy drawing keeps it near 1 however big the tree.

Usage: ``python benchmarks/report_render.py [--sizes 1000,5000,20000] [--repeats 5]``
(needs Chromium: ``apt-get install -y chromium``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "agents" / "report"))

from report_runs import write_big_tree_run  # noqa: E402  (the tests' tree generator)

from agents.report import ReportOptions, write_report  # noqa: E402
from agents.report.browser import DevToolsBrowser, find_chromium, page_url  # noqa: E402

DRAW = """(() => {
  const row = document.querySelector('tr[data-name="big_tree"]');
  const t0 = performance.now();
  row.click();
  document.body.offsetHeight;  // include layout
  return [performance.now() - t0, document.querySelectorAll('.tree .node').length];
})()"""
OPEN_ALL = """(() => {
  const t0 = performance.now();
  document.querySelectorAll('.treebox .tools button')[1].click();
  document.body.offsetHeight;
  return [performance.now() - t0, document.querySelectorAll('.tree .node').length];
})()"""


@dataclass
class Args:
    """Command line arguments.

    Attributes:
        sizes: Tree sizes (nodes), comma separated.
        repeats: Draws per size (the median is printed).
        max_tree_nodes: The page's ``--max-tree-nodes``.
    """

    sizes: str = "1000,5000,20000"
    repeats: int = 5
    max_tree_nodes: int = 50000


def parse_args(argv: list[str] | None = None) -> Args:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for f in fields(Args):
        parser.add_argument(
            f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default
        )
    return Args(**{k.replace("-", "_"): v for k, v in vars(parser.parse_args(argv)).items()})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("needs Chromium: apt-get install -y chromium", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, DevToolsBrowser(chromium) as browser:
        for size in sizes:
            run = write_big_tree_run(Path(tmp) / f"t{size}", nodes=size)
            began = time.perf_counter()
            written = write_report(run, None, ReportOptions(max_tree_nodes=args.max_tree_nodes))
            build = time.perf_counter() - began
            page = browser.open(page_url(written.path))
            page.wait_for("document.body.dataset.ready === '1'")
            draws = [page.evaluate(DRAW) for _ in range(args.repeats)]
            first = statistics.median(d[0] for d in draws)
            open_ms, opened = page.evaluate(OPEN_ALL)
            rows.append((size, written.size / 1e6, build, first, draws[0][1], open_ms, opened))
    base = rows[0][3]
    print(
        f"{'nodes':>7} {'page MB':>8} {'build s':>8} {'first draw ms':>14} {'drawn':>6} "
        f"{'open all ms':>12} {'opened':>7} {'draw / smallest':>16}"
    )
    for size, mb, build, first, drawn, open_ms, opened in rows:
        print(
            f"{size:>7} {mb:>8.2f} {build:>8.2f} {first:>14.1f} {drawn:>6} {open_ms:>12.1f} "
            f"{opened:>7} {first / base:>16.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
