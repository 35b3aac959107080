"""``lean-gym data ...`` subcommands, driven through the argparse registration."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from data_fakes import AND_THEOREM, and_backend, linear

from lean_gym.backends import register_backend
from lean_gym.data.cli import length_histogram, register, validation_path
from lean_gym.data.trajectories import build_trajectory, read_jsonl, write_jsonl
from lean_gym.types import Theorem


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="lean-gym")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["data", *argv])
    return args.func(args)


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_histogram_and_validation_path() -> None:
    text = length_histogram([1, 1, 3], width=4, label="len")
    assert text.splitlines() == ["len:", "  1 | #### 2", "  2 |  0", "  3 | ## 1"]
    assert length_histogram([], label="len") == "len: (none)"
    assert validation_path("out/S.jsonl") == Path("out/S.val.jsonl")
    assert validation_path("S") == Path("S.val")


def test_trajectories_command_with_a_registered_backend(tmp_path: Path, capsys) -> None:
    register_backend("scripted-and-test", lambda **kw: and_backend())
    dataset = tmp_path / "d.jsonl"
    rows = [
        AND_THEOREM.to_json(),
        {**AND_THEOREM.to_json(), "name": "no_proof", "proof": None},
        {"name": "broken"},
    ]
    dataset.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "t" / "T.jsonl"
    with pytest.warns(UserWarning, match="line 3"):
        code = run(["trajectories", "--dataset", str(dataset), "--out", str(out),
                    "--backend", "scripted-and-test"])  # fmt: skip
    assert code == 0
    trajectories = read_jsonl(out)
    assert [t.theorem.name for t in trajectories] == ["and_intro_ex"]
    assert trajectories[0].complete and trajectories[0].verified
    printed = capsys.readouterr().out
    assert "theorems: 2 loaded" in printed and "1 skipped" in printed
    assert "with a known proof: 1; no proof: 1" in printed
    assert "complete: 1; verified: 1" in printed
    assert "tactics per trajectory:" in printed and "3 | " in printed


def test_trajectories_command_reports_bad_input(tmp_path: Path, capsys) -> None:
    code = run(["trajectories", "--dataset", str(tmp_path / "missing.jsonl"),
                "--out", str(tmp_path / "T.jsonl")])  # fmt: skip
    assert code == 2
    assert "not found" in capsys.readouterr().err
    dataset = tmp_path / "d.jsonl"
    dataset.write_text(json.dumps(AND_THEOREM.to_json()) + "\n", encoding="utf-8")
    code = run(["trajectories", "--dataset", str(dataset), "--out", str(tmp_path / "T.jsonl"),
                "--backend", "no-such-backend"])  # fmt: skip
    assert code == 2
    assert "unknown backend" in capsys.readouterr().err


def _trajectory_file(tmp_path: Path) -> Path:
    trajectories = [build_trajectory(and_backend(), AND_THEOREM)]
    trajectories += [linear(Theorem(f"lin_{i}", ": True"), [1, 1, 2, 1, 0]) for i in range(30)]
    path = tmp_path / "T.jsonl"
    write_jsonl(trajectories, path)
    return path


def test_segments_command_writes_train_and_validation(tmp_path: Path, capsys) -> None:
    trajectories = _trajectory_file(tmp_path)
    out = tmp_path / "S.jsonl"
    code = run(["segments", "--trajectories", str(trajectories), "--segmenter", "goal-change",
                "--val-fraction", "0.3", "--seed", "1", "--out", str(out)])  # fmt: skip
    assert code == 0
    train, val = read_rows(out), read_rows(tmp_path / "S.val.jsonl")
    assert train and val
    assert not {r["theorem"] for r in train} & {r["theorem"] for r in val}
    every = train + val
    # and_intro_ex: 3 one-tactic segments; each lin_i: [tac1, tac2] then [tac3] then [tac4].
    assert sum(1 for r in every if r["theorem"] == "and_intro_ex") == 3
    lin = sorted((r["start_depth"], r["num_tactics"]) for r in every if r["theorem"] == "lin_0")
    assert lin == [(0, 2), (2, 1), (3, 1)]
    assert {r["segmenter"] for r in every} == {"goal-change"}
    assert all(r["prompt"].startswith("[GOAL]\n") for r in every)
    printed = capsys.readouterr().out
    assert f"train: {len(train)} rows" in printed and f"validation: {len(val)} rows" in printed
    assert "tactics per segment:" in printed

    code = run(["segments", "--trajectories", str(trajectories), "--segmenter", "fixed", "--k",
                "3", "--template", "bfs-prover", "--val-fraction", "0", "--out", str(out)])  # fmt: skip
    assert code == 0
    rows = read_rows(out)
    assert read_rows(tmp_path / "S.val.jsonl") == []
    assert {r["num_tactics"] for r in rows if r["theorem"].startswith("lin_")} == {3, 1}
    assert all(r["prompt"].endswith(":::") for r in rows)


def test_values_command(tmp_path: Path, capsys) -> None:
    trajectories = _trajectory_file(tmp_path)
    out = tmp_path / "V.jsonl"
    assert run(["values", "--trajectories", str(trajectories), "--gamma", "0.5",
                "--out", str(out)]) == 0  # fmt: skip
    rows = read_rows(out)
    lin0 = [r for r in rows if r["theorem"] == "lin_0"]
    assert sorted(r["value"] for r in lin0) == [0.0625, 0.125, 0.25, 0.5, 1.0]
    assert "states:" in capsys.readouterr().out
    assert run(["values", "--trajectories", str(trajectories), "--gamma", "2",
                "--out", str(out)]) == 2  # fmt: skip


def test_commands_report_a_missing_or_bad_trajectory_file(tmp_path: Path, capsys) -> None:
    missing = str(tmp_path / "none.jsonl")
    assert run(["values", "--trajectories", missing, "--out", str(tmp_path / "V.jsonl")]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "other"}\n', encoding="utf-8")
    assert run(["segments", "--trajectories", str(bad), "--out", str(tmp_path / "S.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and "bad.jsonl:1" in err
