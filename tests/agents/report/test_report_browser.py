"""The report in a real browser: headless Chromium renders it, the DOM is read after the script
ran, interactions are driven, and screenshots are kept.

Screenshots go to ``out/browser/`` at the repository root (``LEAN_GYM_ARTIFACTS`` overrides), the
folder CI keeps as an artifact. Without a Chromium binary these tests skip with the reason
(``report_chromium.py``; in CI, where ``.ci/run`` installs one, they fail instead).
"""

from __future__ import annotations

import os
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_chromium import chromium_binary  # noqa: F401  (the `chromium` fixture)
from report_runs import (
    HOSTILE,
    HOSTILE_NAME,
    write_big_tree_run,
    write_compare_run,
    write_eval_run,
    write_hostile_run,
)

from agents.report import ReportOptions, write_report
from agents.report.browser import DevToolsBrowser, dump_dom, page_url, screenshot
from agents.report.cli import screenshot_fragment

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("LEAN_GYM_ARTIFACTS") or REPO / "out" / "browser")

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def chromium_present(chromium: str) -> None:
    """Every test here needs Chromium (report_chromium skips, or fails in CI, without one)."""


# ------------------------------------------------------------------------------ a tiny DOM


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]):
        self.tag, self.attrs, self.children = tag, attrs, []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str):
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag)
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def find(self, *args, **kwargs) -> Element:
        found = self.find_all(*args, **kwargs)
        assert found, (args, kwargs)
        return found[0]


VOID = {"meta", "img", "input", "br", "hr", "link", "col", "source", "wbr"}


class DomBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def dom(html: str) -> Element:
    builder = DomBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def png_ink(data: bytes) -> float:
    """The share of pixels darker than light grey in an 8-bit RGB(A) or palette PNG (0: blank)."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, header, palette = 8, b"", b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"PLTE":
            palette = body
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 3, 6), (depth, color)
    channels = {2: 3, 3: 1, 6: 4}[color]
    red = (lambda v: palette[3 * v]) if color == 3 else (lambda v: v)
    raw, stride = zlib.decompress(idat), width * channels
    previous, dark = bytearray(stride), 0
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (
                    line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)
                ) & 255
        dark += sum(1 for x in range(0, stride, channels) if red(line[x]) < 200)
        previous = line
    return dark / (width * height)


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def eval_page(tmp_path_factory) -> Path:
    run = write_eval_run(tmp_path_factory.mktemp("browser") / "eval", attempts=2)
    return write_report(run).path


@pytest.fixture(scope="module")
def browser(chromium: str):
    with DevToolsBrowser(chromium, window=(1280, 900)) as devtools:
        yield devtools


# ------------------------------------------------------------------------------ --dump-dom


def test_dump_dom_shows_theorems_proof_path_and_failure_messages(eval_page) -> None:
    page = dom(dump_dom(eval_page, fragment=screenshot_fragment("smoke_and_intro")))
    assert page.find("body").attrs.get("data-ready") == "1"  # the script ran to its end
    rows = page.find("table", id="lg-table").find_all("tr", cls=None)
    names = [r.attrs["data-name"] for r in rows if "data-name" in r.attrs]
    assert names == [
        "smoke_and_intro",
        "smoke_and_left",
        "smoke_add_comm",
        "smoke_or_elim",
        "cannot_start",
    ]
    statuses = {
        r.attrs["data-name"]: r.find("span", cls="badge").text()
        for r in rows
        if "data-name" in r.attrs
    }
    assert statuses["smoke_and_intro"] == "solved" and statuses["cannot_start"] == "not started"
    selected = [r.attrs["data-name"] for r in rows if "selected" in r.classes]
    assert selected == ["smoke_and_intro"]
    article = page.find("article", cls="thm")
    assert article.attrs["data-name"] == "smoke_and_intro"
    assert "theorem smoke_and_intro (p q : Prop) (hp : p) (hq : q) : p ∧ q := by" in article.text()
    blocks = [b.find("pre").text() for b in article.find_all("li", cls="block")]
    assert blocks == ["constructor", "exact hp", "exact hq"]
    # The proof path, highlighted in the tree: root -> constructor -> exact hp -> exact hq.
    on_path = article.find_all("div", cls="onpath")
    path_edges = [n.find("span", cls="edge").text() for n in on_path]
    assert path_edges == ["initial state", "constructor", "exact hp", "exact hq"]
    assert "⊢ p ∧ q" in on_path[0].find("pre", cls="goals").text()
    # Failed edges carry Lean's (MiniLean's) message.
    failed = article.find_all("div", cls="failed")
    assert failed
    messages = [n.find("pre", cls="msg").text() for n in failed]
    assert any("insufficient number of binders" in m for m in messages)
    # Expansion order is shown, and unexpanded nodes say so.
    assert article.find_all("span", cls="order-b")[0].text() == "#0"


def test_the_hash_filters_and_sorts_the_list(eval_page) -> None:
    fragment = "status=failed&sort=0%3Alean_calls&dir=desc&t=smoke_or_elim"
    page = dom(dump_dom(eval_page, fragment=fragment))
    rows = [r for r in page.find("table", id="lg-table").find_all("tr") if "data-name" in r.attrs]
    visible = [r.attrs["data-name"] for r in rows if "hidden" not in r.attrs]
    assert visible == ["smoke_or_elim"]
    assert page.find("span", id="lg-count").text() == "1 of 5 theorems"
    order = [r.attrs["data-name"] for r in rows]
    calls = [int(r.find_all("td")[5].text()) for r in rows]
    assert calls == sorted(calls, reverse=True), order
    assert page.find("article").attrs["data-name"] == "smoke_or_elim"
    assert "exhausted" in page.find("article").find("p", cls="status").text()


def test_cli_screenshot_is_kept_as_an_artifact(eval_page) -> None:
    png = screenshot(
        eval_page,
        artifact("report-eval.png"),
        fragment=screenshot_fragment("smoke_and_intro"),
        window=(1280, 1000),
    )
    assert png_ink(png.read_bytes()) > 0.02  # drawn, not blank


def test_report_screenshot_option_draws_the_list_and_the_tree(eval_page, capsys) -> None:
    from test_report_cli import report_main

    png = artifact("report-cli.png")
    argv = [str(eval_page.parent), "--screenshot", str(png), "--select", "smoke_and_intro"]
    assert report_main(argv) == 0
    assert f"wrote {png}" in capsys.readouterr().out
    assert png_ink(png.read_bytes()) > 0.02


# ------------------------------------------------------------------------------ driven


def test_interactions_sort_filter_select_expand(eval_page, browser) -> None:
    page = browser.open(page_url(eval_page))
    page.wait_for("document.body.dataset.ready === '1'")
    names = "Array.from(document.querySelectorAll('#lg-table tbody tr')).filter(r => !r.hidden).map(r => r.dataset.name)"
    assert page.evaluate(names)[0] == "smoke_and_intro"
    # Sort by Lean calls, twice: descending.
    page.click("button.sort[data-key='0:lean_calls']")
    page.click("button.sort[data-key='0:lean_calls']")
    assert page.evaluate(names)[0] == "smoke_and_intro"  # 25 calls, the most
    assert (
        page.evaluate(
            "document.querySelector(\"button.sort[data-key='0:lean_calls']\").parentElement.getAttribute('aria-sort')"
        )
        == "descending"
    )
    assert "dir=desc" in page.evaluate("location.hash")
    # Filter by name.
    page.type_into("#lg-filter", "AND_")
    assert sorted(page.evaluate(names)) == ["smoke_and_intro", "smoke_and_left"]
    page.type_into("#lg-filter", "")
    page.select_option("#lg-status", "not started")
    assert page.evaluate(names) == ["cannot_start"]
    page.select_option("#lg-status", "all")
    # Select a theorem by clicking its row: the detail and the hash follow.
    page.click("tr[data-name='smoke_and_left']")
    assert page.evaluate("document.querySelector('article.thm').dataset.name") == "smoke_and_left"
    assert "t=smoke_and_left" in page.evaluate("location.hash")
    # j / k move through the list in its current order (Lean calls, descending).
    page.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'j'}))")
    assert page.evaluate("document.querySelector('article.thm').dataset.name") == "cannot_start"
    page.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'k'}))")
    page.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'k'}))")
    assert page.evaluate("document.querySelector('article.thm').dataset.name") == "smoke_add_comm"
    # Back to smoke_and_intro; its tree opens lazily.
    page.click("tr[data-name='smoke_and_intro']")
    drawn = "document.querySelectorAll('.attempt .tree .node').length"
    before = page.evaluate(drawn)
    page.click("button.tool:nth-of-type(3)")  # collapse
    closed = page.evaluate(
        "Array.from(document.querySelectorAll('.tree .tog[aria-expanded=true]')).length"
    )
    assert closed == 0
    page.click(".tree .node .tog")  # open the root again
    assert (
        page.evaluate("document.querySelector('.tree .tog').getAttribute('aria-expanded')")
        == "true"
    )
    page.click("button.tool:nth-of-type(2)")  # open all
    assert page.evaluate(drawn) >= before
    assert page.evaluate(drawn) == 25  # the whole tree: 25 nodes
    # Hide failed edges.
    page.click(".treebox input.hide-failed")
    shown_failed = page.evaluate(
        "Array.from(document.querySelectorAll('.tree .node.failed')).filter(n => n.offsetParent !== null).length"
    )
    assert shown_failed == 0
    # Expansion order: a list of the expanded nodes; clicking one reveals it.
    page.click("button.tool:nth-of-type(4)")
    order = page.evaluate(
        "Array.from(document.querySelectorAll('.order-list li')).map(li => li.dataset.node)"
    )
    assert order == ["0", "1", "13"]
    page.click(".order-list li:nth-child(3)")
    assert page.evaluate("document.querySelector('.node.flash').dataset.node") == "13"
    # Attempts: the second attempt of the same theorem, in its tab.
    page.click(".tabs .tab:nth-child(2)")
    assert page.evaluate("document.querySelector('.attempt').dataset.attempt") == "1"
    # A failed message folds and unfolds.
    page.click(".tree .node.failed > pre.msg")
    assert page.exceptions == []
    page.screenshot(artifact("report-eval-driven.png"))


def test_the_page_requests_nothing_but_itself(eval_page, browser) -> None:
    page = browser.open(page_url(eval_page, "t=smoke_and_intro&open=all"))
    page.wait_for("document.body.dataset.ready === '1'")
    page.click("tr[data-name='smoke_or_elim']")
    requests = [u for u in page.requests if not u.startswith("data:")]
    assert requests == [page_url(eval_page)]  # the document itself, nothing else
    assert page.exceptions == []


def test_hostile_text_is_shown_as_text_and_never_runs(tmp_path, browser) -> None:
    html = write_report(write_hostile_run(tmp_path / "hostile")).path
    page = browser.open(page_url(html, "open=all"))
    page.wait_for("document.body.dataset.ready === '1'")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 5
    assert (
        page.evaluate("document.querySelector('article.thm h2 .tname').textContent") == HOSTILE_NAME
    )
    assert page.evaluate("document.querySelector('#lg-table a.tname').textContent") == HOSTILE_NAME
    edges = page.evaluate(
        "Array.from(document.querySelectorAll('.tree .edge')).map(e => e.textContent)"
    )
    assert f"intro {HOSTILE[0]}" in edges and f"exact {HOSTILE[1]}" in edges
    assert f"trivial -- {HOSTILE[2]}{HOSTILE[3]}" in edges  # the segment's two tactics
    message = page.evaluate("document.querySelector('.tree .node.failed pre.msg').textContent")
    assert message == "unknown " + " ".join(HOSTILE)
    goals = page.evaluate("document.querySelector('.tree pre.goals').textContent")
    assert HOSTILE[0] in goals and HOSTILE[3] in goals
    assert HOSTILE[0] in page.evaluate("document.querySelector('header.top .sub').textContent")
    page.click("tr[data-name^='rejected']")
    verification = page.evaluate("document.querySelector('.verification').textContent")
    assert "bad " + " ".join(HOSTILE) in verification
    page.click("tr[data-name^='nostart']")
    assert "elaboration failed: " + " ".join(HOSTILE) in page.evaluate(
        "document.querySelector('article.thm').textContent"
    )
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.exceptions == []
    page.screenshot(artifact("report-hostile.png"))


def test_a_tree_of_thousands_of_nodes_draws_lazily(tmp_path, browser) -> None:
    html = write_report(
        write_big_tree_run(tmp_path / "big", nodes=6000), None, ReportOptions()
    ).path
    page = browser.open(page_url(html))
    page.wait_for("document.body.dataset.ready === '1'")
    drawn = "document.querySelectorAll('.tree .node').length"
    first = page.evaluate(drawn)
    assert 1 < first <= 450  # the first levels, within the initial budget, out of 5000 kept
    assert page.evaluate("document.querySelector('.tree').dataset.rendered") == str(first)
    page.click("button.tool:nth-of-type(1)")  # open the proof path, deep in the tree
    assert page.evaluate("document.querySelectorAll('.tree .node.onpath').length") >= 3
    assert page.evaluate("document.querySelector('.tree .node.solved').dataset.node") == "5999"
    page.click("button.tool:nth-of-type(2)")  # open all: stops at its budget
    assert page.evaluate(drawn) <= 3000 + 50
    more = page.evaluate("document.querySelectorAll('.tree .more').length")
    assert more > 0  # the rest is a click away ("show more" / left out)
    assert page.exceptions == []


def test_compare_shows_the_three_granularities_side_by_side(tmp_path, browser) -> None:
    html = write_report(write_compare_run(tmp_path / "cmp")).path
    page = browser.open(page_url(html, "t=smoke_and_intro&open=path"))
    page.wait_for("document.body.dataset.ready === '1'")
    panes = page.evaluate(
        "Array.from(document.querySelectorAll('.pane')).map(p => p.dataset.column)"
    )
    assert panes == ["step", "segment", "proof"]
    tops = page.evaluate(
        "Array.from(document.querySelectorAll('.pane')).map(p => Math.round(p.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1  # one row: side by side
    blocks = page.evaluate(
        "Array.from(document.querySelectorAll('.pane')).map(p => p.querySelectorAll('li.block').length)"
    )
    assert blocks == [3, 2, 1]
    trees = page.evaluate("document.querySelectorAll('.pane .tree').length")
    assert trees == 3
    page.select_option("#lg-status", "failed")
    assert page.evaluate(
        "Array.from(document.querySelectorAll('#lg-table tbody tr')).filter(r => !r.hidden).map(r => r.dataset.name)"
    ) == ["smoke_or_elim"]
    assert page.exceptions == []
    page.screenshot(artifact("report-compare.png"))
