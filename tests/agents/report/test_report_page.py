"""The report page as written (no browser): self-contained, escaped, data that round-trips."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_runs import (
    HOSTILE,
    HOSTILE_NAME,
    write_big_tree_run,
    write_compare_run,
    write_eval_run,
    write_hostile_run,
)

from agents.report import ReportOptions, load_run, report_html, write_report
from agents.report.escaping import script_json, text
from agents.report.payload import NODE_FIELDS, proof_blocks, tree_payload
from agents.report.summary import pass_at_k_percent

URL_ATTRIBUTES = {"src", "href", "action", "srcset", "poster", "data", "formaction", "background"}


class Collect(HTMLParser):
    """Every start tag with its attributes, and the text of each script element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script, self._text = dict(attrs), []

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, "".join(self._text)))
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self._text.append(data)


def parse(page: str) -> Collect:
    collector = Collect()
    collector.feed(page)
    collector.close()
    return collector


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("page")
    return {
        "eval": write_eval_run(base / "eval", attempts=2),
        "compare": write_compare_run(base / "cmp", names=("smoke_and_intro", "smoke_or_elim")),
        "hostile": write_hostile_run(base / "hostile"),
    }


def data_of(page: str, element_id: str):
    for attrs, body in parse(page).scripts:
        if attrs.get("id") == element_id:
            assert attrs.get("type") == "application/json"
            return json.loads(body)
    raise AssertionError(f"no element {element_id}")


@pytest.mark.parametrize("kind", ["eval", "compare", "hostile"])
def test_the_page_fetches_nothing_and_runs_only_its_own_script(runs, kind) -> None:
    page = report_html(load_run(runs[kind]))
    doc = parse(page)
    for tag, attrs in doc.tags:
        assert tag not in {"link", "iframe", "object", "embed", "base", "frame"}, tag
        for name, value in attrs.items():
            if name in URL_ATTRIBUTES:
                assert value is not None and value.startswith(("data:image/png;base64,", "#")), (
                    tag,
                    name,
                )
            assert not name.startswith("on"), (tag, name)  # no inline handlers at all
    assert not re.search(r"@import|url\(", page.split("<style>", 1)[1].split("</style>", 1)[0])
    executable = [(a, body) for a, body in doc.scripts if a.get("type") != "application/json"]
    assert len(executable) == 1 and "src" not in executable[0][0]
    digest = base64.b64encode(hashlib.sha256(executable[0][1].encode()).digest()).decode()
    (csp,) = [a["content"] for t, a in doc.tags if t == "meta" and a.get("http-equiv")]
    assert "default-src 'none'" in csp and f"script-src 'sha256-{digest}'" in csp
    assert "connect-src" not in csp  # nothing loosens default-src for fetches


def test_markup_in_every_text_stays_text(runs) -> None:
    page = report_html(load_run(runs["hostile"]))
    for raw in ("<script>window", "<img", "</script><", 'onerror="', "\u2028", "\u2029"):
        assert raw not in page, raw
    doc = parse(page)
    assert not [t for t, _ in doc.tags if t == "img"]  # the hostile run wrote no plot
    scripts = [t for t, _ in doc.tags if t == "script"]
    assert len(scripts) == len(doc.scripts) == 1 + 1 + 3  # the code, the index, 3 theorems
    # The server-written parts show the strings escaped: the header line and summary table.
    assert text(HOSTILE[0]) in page and "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    index = data_of(page, "lg-index")
    assert [t["name"] for t in index["theorems"]][0] == HOSTILE_NAME
    detail = data_of(page, "lg-d-0")
    assert detail["name"] == HOSTILE_NAME
    attempt = detail["columns"][0]["attempts"][0]
    nodes = attempt["tree"]["nodes"]
    tactics = [n[NODE_FIELDS.index("tactic")] for n in nodes]
    assert f"intro {HOSTILE[0]}" in tactics and f"exact {HOSTILE[1]}" in tactics
    messages = [n[NODE_FIELDS.index("error_message")] for n in nodes if n[5] is not None]
    assert messages == ["unknown " + " ".join(HOSTILE)]
    assert HOSTILE[3] in nodes[0][NODE_FIELDS.index("state")]
    assert attempt["blocks"] == [[f"intro {HOSTILE[0]}"], [f"trivial -- {HOSTILE[2]}", HOSTILE[3]]]
    rejected = data_of(page, "lg-d-1")["columns"][0]["attempts"][0]
    assert rejected["verification"]["messages"][0]["data"] == "bad " + " ".join(HOSTILE)


@pytest.mark.parametrize(
    "value", [*HOSTILE, HOSTILE_NAME, "\ud800 lone", "<!--<script>", "x</SCRIPT >"]
)
def test_script_json_has_nothing_the_html_parser_reads(value) -> None:
    encoded = script_json({"k": value, value: [value]})
    assert not set(encoded) & set("<>&\u2028\u2029")
    assert json.loads(encoded) == {"k": value, value: [value]}
    assert "\ud800" not in text("\ud800")  # not encodable: replaced in HTML text


def test_the_compare_page_has_a_column_per_granularity(runs) -> None:
    page = report_html(load_run(runs["compare"]))
    index = data_of(page, "lg-index")
    assert index["kind"] == "compare"
    assert [c["key"] for c in index["columns"]] == ["step", "segment", "proof"]
    first = index["theorems"][0]
    assert first["name"] == "smoke_and_intro"
    assert [c["status"] for c in first["cells"]] == ["solved"] * 3
    detail = data_of(page, "lg-d-0")
    blocks = [col["attempts"][0]["blocks"] for col in detail["columns"]]
    assert blocks[0] == [["constructor"], ["exact hp"], ["exact hq"]]  # step: a tactic each
    assert blocks[1] == [["constructor", "exact hp"], ["exact hq"]]  # segment: as searched
    assert len(blocks[2]) == 1  # proof: the whole proof is one action
    assert "compare.png" in page and "step/solved_vs_calls.png" in page


def test_summary_values_and_pass_at_k_units(runs) -> None:
    page = report_html(load_run(runs["eval"]))
    table = page.split('<table class="summary">', 1)[1].split("</table>", 1)[0]
    assert '<th scope="row">solved %</th><td>60.0 %</td>' in table
    assert '<th scope="row">pass@1</th><td>60.0 %</td>' in table  # written as a fraction
    assert pass_at_k_percent({"pass_at_k": {"1": 0.25, "2": 0.5, "3": None}}) == {
        "1": 25.0,
        "2": 50.0,
        "3": None,
    }
    assert "solved % per attempt" not in table  # one attempt: no spread to show


def test_nan_in_a_summary_shows_as_a_dash(tmp_path) -> None:
    path = write_eval_run(tmp_path / "nan", names=("smoke_and_left",), unstartable=False)
    summary = json.loads((path / "summary.json").read_text())
    summary["per_solved"]["lean_calls"] = float("nan")
    (path / "summary.json").write_text(json.dumps(summary))  # Python writes NaN
    page = report_html(load_run(path))
    assert '<th scope="row">Lean calls / solved</th><td>–</td>' in page


def test_a_big_tree_keeps_its_first_nodes_and_its_proof_path(tmp_path) -> None:
    path = write_big_tree_run(tmp_path / "big", nodes=3000)
    run = load_run(path)
    record = run.tree(run.rows[0])
    payload = tree_payload(record, max_nodes=200)
    rows = payload["nodes"]
    on_path = [r for r in rows if r[NODE_FIELDS.index("on_proof_path")]]
    assert payload["total"] == 3000 and 200 < payload["shown"] < 200 + 20
    assert len(on_path) == len(record.trajectory.proof_paths()[0])
    hidden = NODE_FIELDS.index("hidden_children")
    assert rows[0][NODE_FIELDS.index("descendants")] == 2999
    kept_ids = {r[0] for r in rows}
    parents = [n.parent for n in record.trajectory.nodes if n.id not in kept_ids]
    assert sum(r[hidden] for r in rows) == sum(1 for p in parents if p in kept_ids) > 0
    for position, r in enumerate(rows[1:], start=1):  # parents are earlier rows
        assert r[NODE_FIELDS.index("parent")] < position
    page = report_html(run, ReportOptions(max_tree_nodes=200))
    assert data_of(page, "lg-d-0")["columns"][0]["attempts"][0]["tree"]["shown"] == payload["shown"]
    assert proof_blocks(record, run.rows[0].proof) == [[t] for t in run.rows[0].proof.split("\n")]


def test_an_unreadable_tree_is_a_message_on_its_theorem(tmp_path) -> None:
    path = write_eval_run(tmp_path / "broken", names=("smoke_and_left",), unstartable=False)
    (path / "trees" / "0-0.jsonl").write_text("garbage\n")
    written = write_report(path)
    assert written.tree_errors == 1 and written.trees == 0
    attempt = data_of(written.path.read_text(), "lg-d-0")["columns"][0]["attempts"][0]
    assert "not a valid trajectory record" in attempt["tree_error"]


def test_writing_is_atomic(tmp_path, monkeypatch) -> None:
    path = write_eval_run(tmp_path / "atomic", names=("smoke_and_left",), unstartable=False)
    out = tmp_path / "report.html"
    out.write_text("old report")
    import agents.report.page as page_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(page_module, "theorem_payload", broken)
    with pytest.raises(RuntimeError):
        write_report(path, out)
    assert out.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atomic", "report.html"]


def _chain_record(*, branch: bool, expanded_inner: bool):
    """A tree with a two-tactic segment recorded as a chain root -> a -> b (segment on b)."""
    from agents.report.run import TreeRecord
    from lean_gym.data.trajectories import TreeBuilder
    from lean_gym.types import Goal, LeanError, ProofState, Theorem

    theorem = Theorem("chain", "(p : Prop) (hp : p) : p ∧ p")
    state = ProofState(theorem, (Goal(("hp : p",), "p ∧ p"),))
    builder = TreeBuilder(theorem)
    root = builder.add_root(state)
    a = builder.add_state(root, "constructor", state)
    b = builder.add_state(a, "exact hp", ProofState(theorem, ()))
    if branch:
        builder.add_failure(a, "exact foo", LeanError("error", "unknown identifier 'foo'"))
    trajectory = builder.build(backend="minilean", proof="constructor\nexact hp")
    segments = [None] * len(trajectory.nodes)
    segments[b] = ("constructor", "exact hp")
    expanded = [0, 1 if expanded_inner else None] + [None] * (len(trajectory.nodes) - 2)
    return TreeRecord(trajectory, tuple(expanded), tuple(segments))


@pytest.mark.parametrize(
    ("branch", "expanded_inner", "folds"),
    [(False, False, True), (True, False, False), (False, True, False)],
)
def test_segment_chains_fold_into_one_edge_only_when_nothing_hangs_off_them(
    branch, expanded_inner, folds
) -> None:
    record = _chain_record(branch=branch, expanded_inner=expanded_inner)
    payload = tree_payload(record, max_nodes=100)
    rows = payload["nodes"]
    steps = NODE_FIELDS.index("steps")
    parent = NODE_FIELDS.index("parent")
    if folds:
        assert [r[0] for r in rows] == [0, 2] and rows[1][parent] == 0
        assert rows[1][steps] == [[1, "constructor", rows[1][steps][0][2]]]
        assert rows[1][NODE_FIELDS.index("depth")] == 1 and payload["max_depth"] == 1
    else:
        assert all(r[steps] is None for r in rows) and len(rows) == payload["total"]
        assert rows[2][NODE_FIELDS.index("segment")] is None  # the edge is "exact hp" alone
    assert proof_blocks(record, "constructor\nexact hp") == [["constructor", "exact hp"]]
