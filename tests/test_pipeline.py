"""The main job (``lean-gym run``) end to end on MiniLean."""

from __future__ import annotations

import json
from pathlib import Path

from lean_gym.cli import main as cli_main
from lean_gym.data import load_theorems, read_jsonl
from lean_gym.pipeline import RunArgs, run


def test_run_proves_every_smoke_theorem_in_every_env(tmp_path: Path) -> None:
    summary = run(RunArgs(dataset="smoke", out=str(tmp_path)))
    n = len(load_theorems("smoke"))
    assert summary.theorems == n and summary.verified == n
    assert {r.env_id for r in summary.results} == {"LeanStep-v0", "LeanSegment-v0", "LeanProof-v0"}
    for result in summary.results:
        assert result.proved == n, result.failures
    by_env = {r.env_id: r for r in summary.results}
    # The granularity shows in the step counts: one step per proof, fewer segments than tactics.
    assert by_env["LeanProof-v0"].steps == n
    assert by_env["LeanSegment-v0"].steps < by_env["LeanStep-v0"].steps
    assert len(read_jsonl(tmp_path / "trajectories.jsonl")) == n
    segments = (tmp_path / "segments.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(segments) == summary.segment_rows > 0
    values = [json.loads(line) for line in (tmp_path / "values.jsonl").read_text().splitlines()]
    assert values and all(0.0 <= row["value"] <= 1.0 for row in values)
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["theorems"] == n


def test_run_counts_a_wrong_proof_as_not_proved(tmp_path: Path) -> None:
    rows = [
        {"name": "good", "formal_statement": "theorem good (p : Prop) (h : p) : p := by",
         "header": "", "proof": "exact h"},
        {"name": "bad", "formal_statement": "theorem bad (p q : Prop) (h : p) : q := by",
         "header": "", "proof": "exact h"},
    ]  # fmt: skip
    path = tmp_path / "two.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    summary = run(RunArgs(dataset=str(path), out=str(tmp_path / "out")))
    assert summary.verified == 1
    for result in summary.results:
        assert result.proved == 1
        assert len(result.failures) == 1 and result.failures[0].startswith("bad:")
    assert summary.rejections.get("lean_error", 0) >= 1


def test_cli_run_exit_codes(tmp_path: Path, capsys) -> None:
    assert cli_main(["run", "--dataset", "smoke", "--limit", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "LeanSegment-v0" in out and "3/3" in out


def _with_an_unstartable_theorem(tmp_path: Path) -> Path:
    rows = [
        {"name": "good", "formal_statement": "theorem good (p : Prop) (h : p) : p := by",
         "header": "", "proof": "exact h"},
        {"name": "broken", "formal_statement": "theorem broken (h : NoSuchType) : True := by",
         "header": "", "proof": "trivial"},
    ]  # fmt: skip
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_a_theorem_that_cannot_start_is_reported_and_skipped(tmp_path: Path, capsys) -> None:
    """``lean-gym run`` and ``lean-gym data trajectories`` share one policy: report and skip."""
    dataset = _with_an_unstartable_theorem(tmp_path)
    summary = run(RunArgs(dataset=str(dataset), out=str(tmp_path / "run")))
    assert summary.theorems == 2 and summary.trajectories == 1
    assert len(summary.could_not_start) == 1 and summary.could_not_start[0].startswith("broken:")
    assert all(r.episodes == r.proved == 1 for r in summary.results)
    assert not summary.all_proved
    saved = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert saved["could_not_start"] == list(summary.could_not_start)

    code = cli_main(["run", "--dataset", str(dataset), "--out", str(tmp_path / "cli")])
    captured = capsys.readouterr()
    assert code == 1 and "Traceback" not in captured.err
    assert "could not start: 1" in captured.out and "broken:" in captured.out
    out = tmp_path / "T.jsonl"
    code = cli_main(["data", "trajectories", "--dataset", str(dataset), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0 and "could not start: 1" in captured.out and "broken:" in captured.out
    assert [t.theorem.name for t in read_jsonl(out)] == ["good"]
