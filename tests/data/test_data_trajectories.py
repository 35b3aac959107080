"""Trajectories: building from a known proof, the tree structure, and the jsonl round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from data_fakes import AND_HYPS, AND_THEOREM, and_backend, goal, linear, proj_backend

import lean_gym
from lean_gym.data.trajectories import (
    FORMAT_NAME,
    Trajectory,
    TrajectoryNode,
    TreeBuilder,
    build_trajectory,
    read_jsonl,
    trajectory_from_all_tactics,
    write_jsonl,
)
from lean_gym.types import LeanError, ProofState, Theorem


def test_replay_of_a_known_proof_is_a_linear_trajectory() -> None:
    backend = and_backend()
    trajectory = build_trajectory(backend, AND_THEOREM)
    assert backend.calls == [
        ("constructor",),
        ("constructor", "exact hp"),
        ("constructor", "exact hp", "exact hq"),
    ]
    assert backend.verify_calls == [AND_THEOREM.proof]
    assert trajectory.is_linear and trajectory.kind == "linear"
    assert [n.tactic for n in trajectory.nodes] == [None, "constructor", "exact hp", "exact hq"]
    assert [n.num_goals for n in trajectory.nodes] == [1, 2, 1, 0]
    assert [n.depth for n in trajectory.nodes] == [0, 1, 2, 3]
    assert all(n.on_proof_path for n in trajectory.nodes)
    assert trajectory.complete and trajectory.verified is True
    assert trajectory.origin == "replay"
    assert trajectory.backend == "scripted"
    assert trajectory.backend_version == "scripted-1"
    assert trajectory.lean_version == "Lean (scripted) 4.0.0"
    assert trajectory.lean_gym_version == lean_gym.__version__
    assert trajectory.nodes[0].state == "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q"
    assert trajectory.nodes[1].state.startswith("case left\n")
    assert trajectory.nodes[-1].state == "no goals"


def test_a_failing_tactic_ends_the_replay_as_a_failed_leaf() -> None:
    backend = and_backend(verified=False)
    trajectory = build_trajectory(backend, AND_THEOREM, "constructor\nexact hq\nexact hp")
    assert len(trajectory.nodes) == 3
    failed = trajectory.nodes[-1]
    assert failed.failed and failed.error.kind == "error"
    assert "type mismatch" in failed.error.message
    assert failed.state is None and failed.goals is None and failed.num_goals is None
    assert not trajectory.complete
    assert trajectory.verified is False and trajectory.verify_reason == "lean_error"
    assert not any(n.on_proof_path for n in trajectory.nodes)
    # Nothing after the failure was tried.
    assert backend.calls[-1] == ("constructor", "exact hq")


def test_no_proof_and_no_verification() -> None:
    with pytest.raises(ValueError, match="no known proof"):
        build_trajectory(and_backend(), Theorem("t", ": True"))
    with pytest.raises(ValueError, match="no tactic"):
        build_trajectory(and_backend(), AND_THEOREM, "-- only a comment\n")
    backend = proj_backend()
    trajectory = build_trajectory(backend, Theorem("p", ": True", proof="intro h\nexact h.1"),
                                  verify=False)  # fmt: skip
    assert backend.verify_calls == []
    assert trajectory.verified is None and trajectory.complete


def test_jsonl_round_trip_of_linear_and_tree_records(tmp_path: Path) -> None:
    linear_traj = build_trajectory(and_backend(), AND_THEOREM)
    tree = _search_tree()
    path = tmp_path / "t.jsonl"
    assert write_jsonl([linear_traj, tree], path) == 2
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["format"] == FORMAT_NAME and first["kind"] == "linear"
    assert first["complete"] is True and first["verified"] is True
    assert json.loads(lines[1])["kind"] == "tree"
    back = read_jsonl(path)
    assert back == [linear_traj, tree]
    assert back[1].to_json() == tree.to_json()
    assert [n.on_proof_path for n in back[1].nodes] == [n.on_proof_path for n in tree.nodes]


def test_reader_rejects_broken_records_with_their_line(tmp_path: Path) -> None:
    good = build_trajectory(and_backend(), AND_THEOREM).to_json()
    broken = json.loads(json.dumps(good))
    broken["nodes"][2]["parent"] = 5  # a parent after its child
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(broken) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: .*parent 5"):
        read_jsonl(path)
    wrong = {**good, "format": "something-else"}
    path.write_text(json.dumps(wrong) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r":1: .*not a lean-gym.trajectory record"):
        read_jsonl(path)


def test_node_invariants() -> None:
    with pytest.raises(ValueError, match="exactly one of state and error"):
        TrajectoryNode(1, 0, "t", None, None, None)
    with pytest.raises(ValueError, match="num_goals"):
        TrajectoryNode(0, None, None, "⊢ p", (goal("p"),), 2)
    with pytest.raises(ValueError, match="root"):
        TrajectoryNode(0, None, "t", "⊢ p", (goal("p"),), 1)


def _search_tree() -> Trajectory:
    """root -a-> n1 (dead end: n1 -c-> failure), root -b-> n2 -d-> solved; n2 -e-> n4 open."""
    theorem = Theorem("tree_ex", "(p : Prop) (hp : p) : p ∧ p")
    builder = TreeBuilder(theorem)
    root = builder.add_root(ProofState(theorem, (goal("p ∧ p", "p : Prop", "hp : p"),)))
    n1 = builder.add_state(root, "a", ProofState(theorem, (goal("q"),), ("a",)))
    builder.add_failure(n1, "c", LeanError("error", "unknown identifier 'c'"))
    n2 = builder.add_state(root, "b", ProofState(theorem, (goal("p"),), ("b",)))
    builder.add_state(n2, "d", ProofState(theorem, (), ("b", "d")))
    builder.add_state(n2, "e", ProofState(theorem, (goal("r"),), ("b", "e")))
    return builder.build(backend="hand", origin="search", proof="b\nd", meta={"expanded": 3})


def test_tree_builder_marks_proof_paths() -> None:
    tree = _search_tree()
    assert not tree.is_linear and tree.complete
    assert [n.on_proof_path for n in tree.nodes] == [True, False, False, True, True, False]
    assert [len(p) for p in tree.proof_paths()] == [3]
    assert tree.tactics_to(4) == ["b", "d"]
    assert [c.id for c in tree.children(0)] == [1, 3]
    assert tree.meta == {"expanded": 3}
    builder = TreeBuilder(tree.theorem)
    with pytest.raises(ValueError, match="unknown parent"):
        builder.add_state(3, "x", ProofState(tree.theorem, ()))


def test_all_tactics_output_is_used_when_the_backend_offers_it() -> None:
    left = goal("p", *AND_HYPS, case="left")
    right = goal("q", *AND_HYPS, case="right")
    # Positions are in theorem.declaration(proof): the proof starts on line 2, column 2.
    entries = [
        {"tactic": "constructor", "goals": "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q",
         "pos": {"line": 2, "column": 2}, "endPos": {"line": 2, "column": 13}},
        {"tactic": "exact hp", "goals": f"{left.pp()}\n\n{right.pp()}",
         "pos": {"line": 3, "column": 2}, "endPos": {"line": 3, "column": 10}},
        {"tactic": "exact hq", "goals": right.pp(),
         "pos": {"line": 4, "column": 2}, "endPos": {"line": 4, "column": 10}},
    ]  # fmt: skip
    backend = and_backend(all_tactics_entries=entries)
    trajectory = build_trajectory(backend, AND_THEOREM)
    assert trajectory.origin == "allTactics"
    assert backend.calls == []  # no step-by-step replay was needed
    replayed = build_trajectory(and_backend(), AND_THEOREM)
    assert [n.state for n in trajectory.nodes] == [n.state for n in replayed.nodes]
    assert [n.goals for n in trajectory.nodes] == [n.goals for n in replayed.nodes]
    assert [n.tactic for n in trajectory.nodes] == [n.tactic for n in replayed.nodes]


def test_all_tactics_falls_back_to_replay_when_a_tactic_is_not_listed() -> None:
    # A bullet is not listed by the REPL at its own position: replay instead.
    theorem = Theorem(
        "b", "(p : Prop) (hp : p) : p ∧ p", proof="constructor\n· exact hp\n· exact hp"
    )
    entries = [{"tactic": "constructor", "goals": "⊢ p ∧ p", "pos": {"line": 2, "column": 2}},
               {"tactic": "exact hp", "goals": "⊢ p", "pos": {"line": 3, "column": 4}}]  # fmt: skip
    assert trajectory_from_all_tactics(theorem, theorem.proof, entries, backend="x") is None
    # An unverified proof never uses allTactics (its final state would be unknown).
    backend = and_backend(verified=False, all_tactics_entries=[])
    assert build_trajectory(backend, AND_THEOREM).origin == "replay"


def test_linear_helper_builds_consistent_paths() -> None:
    trajectory = linear(AND_THEOREM, [1, 2, 2, 1, 0])
    assert trajectory.is_linear and trajectory.complete
    assert [n.num_goals for n in trajectory.nodes] == [1, 2, 2, 1, 0]


def test_all_tactics_positions_may_include_the_header_lines() -> None:
    theorem = Theorem("h", "(p : Prop) (hp : p) : p", header="import Mathlib", proof="exact hp")
    # The backend sent "import Mathlib\n\ntheorem h ... := by\n  exact hp": 2 more lines.
    entries = [{"tactic": "exact hp", "goals": "p : Prop\nhp : p\n⊢ p",
                "pos": {"line": 4, "column": 2}}]  # fmt: skip
    trajectory = trajectory_from_all_tactics(theorem, theorem.proof, entries, backend="x")
    assert trajectory is not None
    assert [n.state for n in trajectory.nodes] == ["p : Prop\nhp : p\n⊢ p", "no goals"]
    shifted = [{**entries[0], "pos": {"line": 9, "column": 2}}]
    assert trajectory_from_all_tactics(theorem, theorem.proof, shifted, backend="x") is None
