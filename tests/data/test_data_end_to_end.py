"""End to end on the embedded prover: smoke theorems -> trajectories -> segments and values.

This needs the MiniLean backend (``make_backend("minilean")``); it is not skipped when MiniLean
is missing, because the data layer is only done when this runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from lean_gym.backends import make_backend
from lean_gym.data import (
    build_trajectory,
    load_theorems,
    make_segmenter,
    read_jsonl,
    segment_rows,
    value_rows,
    write_jsonl,
)
from lean_gym.data.cli import register
from lean_gym.tactic_text import split_tactics

SMOKE_LIMIT = 6


@pytest.fixture(scope="module")
def smoke_trajectories():
    theorems = [t for t in load_theorems("smoke") if t.proof is not None][:SMOKE_LIMIT]
    assert len(theorems) >= 3, "the smoke set should carry known proofs"
    with make_backend("minilean") as backend:
        trajectories = [build_trajectory(backend, t, timeout=60) for t in theorems]
    return theorems, trajectories


def test_smoke_proofs_replay_to_complete_verified_trajectories(smoke_trajectories) -> None:
    theorems, trajectories = smoke_trajectories
    for theorem, trajectory in zip(theorems, trajectories, strict=True):
        assert trajectory.backend == "minilean"
        assert trajectory.complete, (theorem.name, trajectory.to_json())
        assert trajectory.verified is True, (theorem.name, trajectory.verify_reason)
        assert trajectory.is_linear
        assert [n.tactic for n in trajectory.nodes[1:]] == split_tactics(theorem.proof)
        assert trajectory.nodes[-1].state == "no goals"
        assert trajectory.root.num_goals >= 1 and "⊢" in trajectory.root.state


def test_smoke_trajectories_segment_and_label(smoke_trajectories, tmp_path: Path) -> None:
    _, trajectories = smoke_trajectories
    path = tmp_path / "T.jsonl"
    write_jsonl(trajectories, path)
    back = read_jsonl(path)
    assert back == trajectories
    total_tactics = sum(len(t.nodes) - 1 for t in back)
    for name in ("goal-change", "fixed", "step", "whole"):
        rows = segment_rows(back, make_segmenter(name))
        assert sum(r["num_tactics"] for r in rows) == total_tactics
        assert {r["theorem"] for r in rows} == {t.theorem.name for t in back}
    values = value_rows(back)
    assert values and all(0.0 < r["value"] <= 1.0 for r in values)
    assert all(r["depth_to_end"] is not None for r in values)


def test_cli_pipeline_on_minilean(tmp_path: Path, capsys) -> None:
    def run(argv: list[str]) -> int:
        parser = argparse.ArgumentParser(prog="lean-gym")
        register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(["data", *argv])
        return args.func(args)

    traj, seg, val = tmp_path / "T.jsonl", tmp_path / "S.jsonl", tmp_path / "V.jsonl"
    assert run(["trajectories", "--dataset", "smoke", "--limit", "4", "--out", str(traj)]) == 0
    assert len(read_jsonl(traj)) >= 1
    assert run(["segments", "--trajectories", str(traj), "--out", str(seg)]) == 0
    assert run(["values", "--trajectories", str(traj), "--out", str(val)]) == 0
    rows = [json.loads(x) for x in seg.read_text(encoding="utf-8").splitlines()]
    rows += [json.loads(x) for x in (tmp_path / "S.val.jsonl").read_text().splitlines()]
    assert rows and all(set(r) == {"prompt", "completion", "theorem", "statement", "family",
                                   "start_depth", "num_tactics", "segmenter"} for r in rows)  # fmt: skip
    out = capsys.readouterr().out
    assert "trajectories:" in out and "tactics per segment:" in out


def test_all_tactics_and_replay_give_the_same_trajectories() -> None:
    """The REPL client's allTactics path (one command) and step-by-step replay agree."""
    from lean_gym.backends.minilean.backend import MiniLeanBackend
    from lean_gym.backends.repl import minilean_subprocess_backend
    from lean_gym.data import build_trajectory, load_theorems

    theorems = load_theorems("smoke")
    with minilean_subprocess_backend() as repl, MiniLeanBackend() as inproc:
        for theorem in theorems:
            entries = repl.all_tactics(theorem, theorem.proof)
            assert entries, theorem.name
            one_command = build_trajectory(repl, theorem)
            replayed = build_trajectory(inproc, theorem)
            assert one_command.origin == "allTactics" and replayed.origin == "replay"
            assert [(n.tactic, n.state) for n in one_command.nodes] == [
                (n.tactic, n.state) for n in replayed.nodes
            ], theorem.name
        assert repl.all_tactics(theorems[0], "exact nonsense_xyz") is None


@pytest.mark.real_lean
def test_real_lean_trajectories_come_from_all_tactics() -> None:
    import os

    from lean_gym.backends.repl import ReplBackend
    from lean_gym.data import build_trajectory, load_theorems

    with ReplBackend(project=os.environ["LEAN_GYM_PROJECT"]) as lean:
        for theorem in load_theorems("smoke"):
            trajectory = build_trajectory(lean, theorem)
            assert trajectory.complete and trajectory.verified, theorem.name
            assert trajectory.origin == "allTactics", theorem.name
