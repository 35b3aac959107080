"""Keeping the theorems a backend can start, and saying why the others cannot."""

from __future__ import annotations

import json
from pathlib import Path

from lean_gym.backends import make_backend
from lean_gym.cli import main
from lean_gym.data import load_theorems
from lean_gym.data.startable import startable_theorems
from lean_gym.envs import LeanStepEnv

ROWS = [
    {"name": "good", "formal_statement": "theorem good (p : Prop) (h : p) : p := by",
     "proof": "exact h"},
    {"name": "real", "formal_statement": "theorem real (x : ℝ) : x = x := by", "proof": "rfl"},
    {"name": "undefined", "formal_statement": "theorem undefined (h : NoSuchType) : True := by",
     "proof": "trivial"},
]  # fmt: skip


def _dataset(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


def test_startable_theorems_keeps_what_starts_and_says_why_not(tmp_path: Path) -> None:
    theorems = load_theorems(_dataset(tmp_path))
    with make_backend("minilean") as backend:
        result = startable_theorems(backend, theorems)
    assert [t.name for t in result.kept] == ["good"]
    assert set(result.dropped) == {"real", "undefined"}
    assert all(reason for reason in result.dropped.values())
    assert sum(result.report.reasons.values()) == 2
    # The kept set is one every env can reset to with the default policy.
    env = LeanStepEnv(list(result.kept), "minilean")
    assert [env.reset()[1]["theorem"] for _ in range(3)] == ["good"] * 3
    env.close()


def test_data_check_keep_writes_the_startable_rows(tmp_path: Path, capsys) -> None:
    kept = tmp_path / "kept.jsonl"
    code = main(["data", "check", "--dataset", str(_dataset(tmp_path)), "--keep", str(kept),
                 "--no-progress"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "started: 1" in out and "kept: 1 of 3" in out
    assert [t.name for t in load_theorems(kept)] == ["good"]
