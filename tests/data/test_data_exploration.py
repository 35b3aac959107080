"""Proof-state exploration (lean_gym/data/exploration.py) and ``lean-gym data explore``."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
from data_fakes import AND_THEOREM, and_backend, linear

from lean_gym.backends.minilean.backend import MiniLeanBackend
from lean_gym.data.cli import register
from lean_gym.data.exploration import (
    ExplorationConfig,
    ExplorationReport,
    ExplorationRow,
    explore,
    read_rows_jsonl,
    set_policy_factory,
    write_rows_jsonl,
)
from lean_gym.data.segments import make_segmenter, segment_rows
from lean_gym.data.theorems import load_theorems
from lean_gym.data.trajectories import (
    TreeBuilder,
    build_trajectories,
    read_jsonl,
    write_jsonl,
)
from lean_gym.data.values import value_rows
from lean_gym.tactic_text import join_tactics
from lean_gym.types import LeanError


@pytest.fixture(scope="module")
def smoke_trajectories():
    with MiniLeanBackend() as backend:
        trajectories, failures = build_trajectories(backend, load_theorems("smoke"))
    assert not failures
    return trajectories


@pytest.fixture(scope="module")
def smoke_exploration(smoke_trajectories):
    with MiniLeanBackend() as backend:
        return explore(backend, smoke_trajectories, ExplorationConfig(depth=2))


def test_exploration_finds_more_valid_tactics_per_state_than_the_known_proofs(
    smoke_exploration,
) -> None:
    report = smoke_exploration.report
    assert report.theorems == 13 and report.skipped == 0 and report.replay_failures == 0
    # One known tactic per state of a replayed proof; exploration keeps it and finds others.
    assert report.mean_known_per_state == 1.0
    assert report.mean_valid_per_known_state > 2 * report.mean_known_per_state
    assert all(
        valid >= known
        for valid, known in zip(report.valid_per_known_state, report.known_per_state, strict=True)
    )
    assert report.states_explored > len(report.known_per_state)  # depth 2 went further
    assert report.new_proofs > 0 and report.lean_calls > 0
    assert sum(report.histogram().values()) == report.states_explored


def test_every_proof_of_an_explored_tree_verifies_and_the_rows_are_honest(
    smoke_exploration,
) -> None:
    with MiniLeanBackend() as backend:
        for tree in smoke_exploration.trees:
            assert tree.backend == "minilean" and tree.origin == "exploration"
            assert tree.verified is True
            paths = tree.proof_paths()
            assert paths
            for path in paths:
                proof = join_tactics([node.tactic for node in path[1:]])
                assert backend.verify(tree.theorem, proof).ok, (tree.theorem.name, proof)
    rows = smoke_exploration.rows
    keys = [(r.statement, r.state, r.tactic) for r in rows]
    assert len(keys) == len(set(keys))
    assert {r.source for r in rows} == {"known", "library"}
    assert {r.backend for r in rows} == {"minilean"}
    for row in rows:
        assert (row.next_state is not None) == row.valid
        assert (row.error is not None) == (row.outcome in ("error", "rejected"))
        assert not row.closes_goal or row.valid
        assert not row.on_proof or row.valid
    # Every known tactic of a replayed proof is on a proof path.
    assert all(r.on_proof for r in rows if r.source == "known")


def test_segments_and_values_with_real_negatives_follow(
    smoke_trajectories, smoke_exploration
) -> None:
    segmenter = make_segmenter("goal-change")
    known = segment_rows(smoke_trajectories, segmenter)
    explored = segment_rows(smoke_exploration.trees, segmenter)
    assert len(explored) > 2 * len(known)
    values = value_rows(smoke_exploration.trees)
    assert any(v["value"] == 0.0 for v in values)
    assert any(v["value"] > 0.0 for v in values)
    assert not any(v["value"] == 0.0 for v in value_rows(smoke_trajectories))


class _Proposer:
    """A policy that proposes what it is told, counting its calls."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.calls = 0

    def propose(self, state, k):
        self.calls += 1
        return self.texts[:k]


class _Recording(MiniLeanBackend):
    """MiniLean, remembering every tactic it was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def run_tactic(self, state, tactic, timeout=None):
        self.sent.append(tactic)
        return super().run_tactic(state, tactic, timeout)


def test_policy_tactics_are_used_and_forbidden_ones_never_sent(smoke_trajectories) -> None:
    policy = _Proposer(["sorry", "intro hp", "exact nonsense_xyz"])
    imp = [t for t in smoke_trajectories if t.theorem.name == "smoke_imp_chain"]
    with _Recording() as backend:
        result = explore(backend, imp, ExplorationConfig(sources="policy"), policy=policy)
    assert policy.calls > 0
    assert "sorry" not in backend.sent
    outcomes = {(r.tactic, r.outcome) for r in result.rows}
    assert ("sorry", "rejected") in outcomes
    assert ("exact nonsense_xyz", "error") in outcomes
    assert {r.source for r in result.rows} == {"known", "policy"}
    assert result.report.rejected >= 1
    with pytest.raises(ValueError, match="needs a policy"):
        explore(MiniLeanBackend(), imp, ExplorationConfig(sources="both"))


def test_the_budget_bounds_the_lean_calls(smoke_trajectories) -> None:
    with MiniLeanBackend() as backend:
        result = explore(backend, smoke_trajectories[:3], ExplorationConfig(max_lean_calls=4))
    assert result.report.budget_exhausted >= 1
    # Starting and replaying the known tactics are not limited; exploration stops at the limit.
    replay = sum(len(t.nodes) for t in smoke_trajectories[:3])
    assert result.report.lean_calls <= replay + 3 * (4 + 1)


def test_known_nodes_that_do_not_replay_are_dropped(smoke_trajectories) -> None:
    """A tree made on another backend: only what this backend reproduces is kept."""
    source = next(t for t in smoke_trajectories if t.theorem.name == "smoke_and_intro")
    builder = TreeBuilder(source.theorem)
    with MiniLeanBackend() as backend:
        root = backend.start(source.theorem)
    node = builder.add_root(root)
    builder.add_goals(node, "not_a_tactic_here", root.goals)
    builder.add_failure(node, "exact oops", LeanError("error", "unknown identifier 'oops'"))
    foreign = builder.build(backend="repl", origin="search")
    with MiniLeanBackend() as backend:
        result = explore(backend, [foreign], ExplorationConfig(depth=0))
    assert result.report.replay_failures == 1
    tree = result.trees[0]
    assert tree.backend == "minilean" and tree.meta["source_backends"] == ["repl"]
    assert [n.tactic for n in tree.nodes] == [None, "not_a_tactic_here", "exact oops"]
    assert all(n.failed for n in tree.nodes[1:])


def test_scripted_backend_and_row_codec(tmp_path: Path) -> None:
    backend = and_backend()
    trajectory = linear(AND_THEOREM, [1, 2, 1, 0], ["constructor", "exact hp", "exact hq"])
    result = explore(backend, [trajectory], ExplorationConfig(depth=1))
    assert result.trees[0].backend == "scripted"
    path = tmp_path / "rows.jsonl"
    write_rows_jsonl(result.rows, path)
    assert read_rows_jsonl(path) == list(result.rows)
    report = result.report
    assert ExplorationReport.from_json(json.loads(json.dumps(report.to_json()))) == report
    row = result.rows[0]
    assert ExplorationRow.from_json(row.to_json()) == row


# --------------------------------------------------------------------------- the command


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="lean-gym")
    register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return args.func(args)


def test_explore_command_writes_trees_rows_and_report(
    tmp_path: Path, capsys, smoke_trajectories
) -> None:
    source = tmp_path / "T.jsonl"
    write_jsonl(smoke_trajectories, source)
    out = tmp_path / "E.jsonl"
    assert run(["data", "explore", "--trajectories", str(source), "--out", str(out),
                "--no-progress", "--limit", "4"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "distinct valid tactics per state" in printed and "Lean calls" in printed
    trees = read_jsonl(out)
    assert len(trees) == 4 and all(t.origin == "exploration" for t in trees)
    rows = read_rows_jsonl(tmp_path / "E.rows.jsonl")
    assert rows and {r.theorem for r in rows} == {t.theorem.name for t in trees}
    report = json.loads((tmp_path / "E.report.json").read_text())
    assert report["theorems"] == 4 and report["lean_calls"] > 0


def test_explore_command_policy_through_the_registered_factory(
    tmp_path: Path, capsys, smoke_trajectories
) -> None:
    source = tmp_path / "T.jsonl"
    write_jsonl(smoke_trajectories[:2], source)
    made: list[tuple[str, dict]] = []

    def factory(spec, **kwargs):
        made.append((spec, kwargs))
        return _Proposer(["rw [Nat.add_comm]", "omega"])

    set_policy_factory(factory)
    try:
        code = run(["data", "explore", "--trajectories", str(source), "--out",
                    str(tmp_path / "E.jsonl"), "--sources", "both", "--policy", "fake:x",
                    "--policy-args", "temperature=1.5,k=3", "--no-progress"])  # fmt: skip
    finally:
        set_policy_factory(None)
    assert code == 0
    assert made == [("fake:x", {"temperature": 1.5, "k": 3})]
    rows = read_rows_jsonl(tmp_path / "E.rows.jsonl")
    assert "policy" in {r.source for r in rows}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--depth", "-1"], "--depth must be >= 0"),
        (["--sources", "policy"], "--sources policy needs --policy"),
        (["--sources", "both", "--policy", "x"], "no policy factory is registered"),
        (["--policy-args", "nonsense", "--sources", "both", "--policy", "x"], "name=value"),
        (["--rows", "SAME"], "must be different files"),
        (["--backend", "no-such-backend"], "no-such-backend"),
    ],
)
def test_explore_command_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys, smoke_trajectories, extra: list[str], message: str
) -> None:
    source = tmp_path / "T.jsonl"
    write_jsonl(smoke_trajectories[:1], source)
    out = tmp_path / "E.jsonl"
    extra = [str(out) if item == "SAME" else item for item in extra]
    code = run(["data", "explore", "--trajectories", str(source), "--out", str(out), *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == ["T.jsonl"]


def test_explore_command_missing_trajectories(tmp_path: Path, capsys) -> None:
    code = run(["data", "explore", "--trajectories", str(tmp_path / "none.jsonl"), "--out",
                str(tmp_path / "E.jsonl")])  # fmt: skip
    assert code == 2 and "not found" in capsys.readouterr().err


@pytest.mark.real_lean
def test_real_lean_exploration_keeps_only_what_lean_accepts(smoke_trajectories) -> None:
    from lean_gym.backends.repl import ReplBackend

    with ReplBackend(project=os.environ["LEAN_GYM_PROJECT"]) as lean:
        result = explore(lean, smoke_trajectories[:4], ExplorationConfig(max_lean_calls=60))
        assert result.report.mean_valid_per_known_state >= result.report.mean_known_per_state
        for tree in result.trees:
            assert tree.backend == lean.name
            for path in tree.proof_paths():
                proof = join_tactics([node.tactic for node in path[1:]])
                assert lean.verify(tree.theorem, proof).ok


def test_theorems_sharing_a_statement_count_alike(smoke_trajectories) -> None:
    """Rows are kept once per (statement, state, tactic), but each theorem's states count."""
    import dataclasses

    source = next(t for t in smoke_trajectories if t.theorem.name == "smoke_and_intro")
    twin = dataclasses.replace(source, theorem=dataclasses.replace(source.theorem, name="twin"))
    with MiniLeanBackend() as backend:
        result = explore(backend, [source, twin], ExplorationConfig(depth=1))
    report = result.report
    half = len(report.valid_per_known_state) // 2
    assert report.valid_per_known_state[:half] == report.valid_per_known_state[half:]
    assert report.mean_known_per_state == 1.0
    assert {r.theorem for r in result.rows} == {"smoke_and_intro"}  # the twin's were duplicates


def test_explore_command_reads_an_eval_runs_trees(tmp_path: Path, capsys) -> None:
    from agents.evaluate import EvalArgs, evaluate

    run_dir = tmp_path / "eval"
    evaluate(EvalArgs(dataset="smoke", limit=3, out=str(run_dir), workers=0, progress=False))
    out = tmp_path / "E.jsonl"
    assert run(["data", "explore", "--trajectories", str(run_dir / "trees"), "--out", str(out),
                "--no-progress"]) == 0  # fmt: skip
    trees = read_jsonl(out)
    assert len(trees) == 3 and all(t.meta["explored_from"] == ["search"] for t in trees)
    assert run(["data", "explore", "--trajectories", str(run_dir), "--out",
                str(run_dir / "E.jsonl")]) == 2  # fmt: skip
    assert "inside" in capsys.readouterr().err
