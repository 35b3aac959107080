"""``lean-gym data values --negatives N``: value labels of both signs, counted in the output."""

from __future__ import annotations

import json
from pathlib import Path

from lean_gym.backends import make_backend
from lean_gym.cli import main
from lean_gym.data import build_trajectories, load_theorems, value_rows
from lean_gym.data.negatives import add_negative_branches


def _trajectories():
    theorems = load_theorems("minilean-bench", split="train", limit=40)
    with make_backend("minilean") as backend:
        trajectories, _ = build_trajectories(backend, theorems)
    return trajectories


def test_replayed_proofs_alone_give_no_negative() -> None:
    rows = value_rows(_trajectories())
    assert rows and all(r["value"] > 0 for r in rows)


def test_branches_off_the_proof_paths_give_negatives() -> None:
    trajectories = _trajectories()
    with make_backend("minilean") as backend:
        trees, counts = add_negative_branches(trajectories, backend, per_state=3, budget=4)
        again, _ = add_negative_branches(trajectories, backend, per_state=3, budget=4)
    assert counts.branched == len(trajectories) and counts.tried > 0
    rows = value_rows(trees)
    negatives = [r for r in rows if r["value"] == 0.0]
    positives = [r for r in rows if r["value"] > 0]
    assert negatives and positives
    # The states of the known proofs keep their positive labels.
    assert {(r["theorem"], r["state"]) for r in value_rows(trajectories)} <= {
        (r["theorem"], r["state"]) for r in positives
    }
    # A negative is a state no budgeted search from it proved: not on any proof path.
    assert all(r["depth_to_end"] is None for r in negatives)
    # Seeded: the same branches twice.
    assert [len(t.nodes) for t in trees] == [len(t.nodes) for t in again]


def test_values_command_writes_and_counts_both_labels(tmp_path: Path, capsys) -> None:
    traj, values = tmp_path / "T.jsonl", tmp_path / "V.jsonl"
    assert main(["data", "trajectories", "--dataset", "minilean-bench", "--limit", "30",
                 "--out", str(traj)]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["data", "values", "--trajectories", str(traj), "--out", str(values),
                 "--negatives", "3", "--budget", "4"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    rows = [json.loads(line) for line in values.read_text().splitlines()]
    positive = sum(r["value"] > 0 for r in rows)
    negative = sum(r["value"] == 0 for r in rows)
    assert positive and negative
    assert f"labels: {positive} positive" in out and f"{negative} negative (value 0)" in out
    assert "negatives: " in out and "refused by Lean" in out
