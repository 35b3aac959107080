"""The report of real runs: ``lean-gym compare`` and ``lean-gym eval`` on the smoke set and on
miniF2F's validation split, reported through ``lean-gym report``, and read back in Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_chromium import chromium_binary  # noqa: F401  (the `chromium` fixture)

from agents.report.browser import dump_dom
from lean_gym.cli import main as lean_gym_main
from lean_gym.data.theorems import load_theorems

REPO = Path(__file__).resolve().parents[3]
MINIF2F = REPO / ".." / "shared" / "data" / "minif2f" / "minif2f-valid.jsonl"
SMOKE = [t.name for t in load_theorems("smoke")]


def run_eval(out: Path, *flags: str) -> Path:
    """``lean-gym eval --out OUT FLAGS`` (in this process, on MiniLean)."""
    argv = ["eval", "--out", str(out), "--workers", "0", "--no-progress", "--overwrite", *flags]
    assert lean_gym_main(argv) == 0
    return out


def data_of(page: str, element_id: str):
    start = page.index(f'<script type="application/json" id="{element_id}">')
    body = page[page.index(">", start) + 1 : page.index("</script>", start)]
    return json.loads(body)


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory) -> Path:
    """``lean-gym compare`` on the smoke set: an eval folder per granularity and the report."""
    out = tmp_path_factory.mktemp("real") / "compare"
    argv = ["compare", "--dataset", "smoke", "--out", str(out), "--workers", "0"]
    assert lean_gym_main([*argv, "--budget", "expansions=50", "--no-progress"]) == 0
    return out


def test_lean_gym_compare_writes_the_report(compare_dir) -> None:
    page = (compare_dir / "report.html").read_text(encoding="utf-8")
    assert '"kind":"compare"' in page and "compare.png" in page


def test_lean_gym_report_of_a_real_smoke_eval(tmp_path, capsys) -> None:
    run = run_eval(tmp_path / "eval", "--dataset", "smoke", "--budget", "expansions=50")
    capsys.readouterr()
    assert lean_gym_main(["report", str(run)]) == 0  # through the lean_gym.commands entry point
    assert "(eval: 13 theorems, 13 trees" in capsys.readouterr().out
    page = (run / "report.html").read_text(encoding="utf-8")
    index = data_of(page, "lg-index")
    assert [t["name"] for t in index["theorems"]] == SMOKE
    assert all(t["cells"][0]["status"] == "solved" for t in index["theorems"])
    summary = json.loads((run / "summary.json").read_text())
    table = page.split('<table class="summary">', 1)[1].split("</table>", 1)[0]
    assert f"<td>{summary['solved_pct']:.1f} %</td>" in table
    assert f"<td>{100 * summary['pass_at_k']['1']:.1f} %</td>" in table
    assert "solved_vs_lean_calls.png" in page and "data:image/png;base64," in page
    for position in range(len(SMOKE)):
        attempt = data_of(page, f"lg-d-{position}")["columns"][0]["attempts"][0]
        assert attempt["tree"] is not None and attempt["blocks"], SMOKE[position]
        assert "\n".join(t for b in attempt["blocks"] for t in b) == attempt["proof"]


def test_the_real_compare_folder_side_by_side(compare_dir, tmp_path) -> None:
    out = tmp_path / "compare.html"
    assert lean_gym_main(["report", str(compare_dir), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    index = data_of(page, "lg-index")
    assert [c["key"] for c in index["columns"]] == ["step", "segment", "proof"]
    searches = [c["search"] for c in index["columns"]]
    assert searches == ["best-first", "segment-best-first", "whole-proof"]
    multi_tactic_segments = 0
    for position in range(len(SMOKE)):
        detail = data_of(page, f"lg-d-{position}")
        step, segment, proof = (col["attempts"][0] for col in detail["columns"])
        assert step["blocks"] == [[t] for t in step["proof"].split("\n")]
        assert "\n".join(t for b in segment["blocks"] for t in b) == segment["proof"]
        assert proof["blocks"] == [[proof["proof"]]]  # the whole proof is one action
        # The runner records a segment as one node per tactic; the page draws one edge whose
        # folded nodes are the segment's first tactics.
        tree = segment["tree"]
        folded = [row for row in tree["nodes"] if row[-1]]
        assert tree["drawn"] == tree["total"] - sum(len(row[-1]) for row in folded)
        for row in folded:
            assert [step[1] for step in row[-1]] + [row[2]] == row[8]
        multi_tactic_segments += sum(1 for b in segment["blocks"] if len(b) > 1)
    assert multi_tactic_segments > 0


@pytest.mark.skipif(not MINIF2F.is_file(), reason=f"{MINIF2F} is not there (../shared)")
def test_minif2f_theorems_that_cannot_start_are_reported_with_why(tmp_path) -> None:
    run = run_eval(
        tmp_path / "f2f", "--dataset", str(MINIF2F), "--limit", "3", "--budget", "expansions=5"
    )
    assert lean_gym_main(["report", str(run)]) == 0
    page = (run / "report.html").read_text(encoding="utf-8")
    summary = json.loads((run / "summary.json").read_text())
    index = data_of(page, "lg-index")
    statuses = {t["cells"][0]["status"] for t in index["theorems"]}
    assert len(index["theorems"]) == 3
    for reason, count in summary["could_not_start"].items():
        assert reason.replace("'", "&#x27;") in page and f">{count}</span>" in page
    if "not started" in statuses:
        not_started = next(
            i for i, t in enumerate(index["theorems"]) if t["cells"][0]["status"] == "not started"
        )
        attempt = data_of(page, f"lg-d-{not_started}")["columns"][0]["attempts"][0]
        assert attempt["start_error"]


@pytest.mark.slow
def test_the_real_report_in_chromium(compare_dir, chromium) -> None:
    html = compare_dir / "report.html"
    assert lean_gym_main(["report", str(compare_dir), "--out", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    chained = next(  # a theorem whose segment proof has a folded chain of two or more tactics
        (position, row)
        for position in range(len(SMOKE))
        for row in data_of(page, f"lg-d-{position}")["columns"][1]["attempts"][0]["tree"]["nodes"]
        if row[-1] and row[9]
    )
    name, steps = SMOKE[chained[0]], len(chained[1][-1])
    dom = dump_dom(html, fragment=f"t={name}&open=path")
    assert 'data-ready="1"' in dom
    assert dom.count('class="pane"') == 3
    for theorem in SMOKE:
        assert f'data-name="{theorem}"' in dom
    segment_pane = dom[dom.index('data-column="segment"') : dom.index('data-column="proof"')]
    noun = "intermediate state" if steps == 1 else "intermediate states"
    assert f"{steps} {noun}</summary>" in segment_pane  # the chain drawn as one edge
