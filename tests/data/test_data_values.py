"""Value labels on a hand-built search tree with a failed branch."""

from __future__ import annotations

import pytest
from data_fakes import goal, linear

from lean_gym.data.trajectories import Trajectory, TreeBuilder
from lean_gym.data.values import distances_to_end, node_values, value_rows
from lean_gym.types import LeanError, ProofState, Theorem

THEOREM = Theorem("vt", "(p : Prop) (hp : p) : p ∧ p")


def _tree() -> Trajectory:
    """
    0 root ──a──> 1 (dead end) ──c──> 2 failed tactic
          ├─b──> 3 ──d──> 4 solved
          │        └─e──> 5 open, no children
          └─f──> 6 ──g──> 7 ──h──> 8 solved
    """
    b = TreeBuilder(THEOREM)

    def state(target: str | None) -> ProofState:
        return ProofState(THEOREM, () if target is None else (goal(target, "p : Prop"),))

    root = b.add_root(state("p ∧ p"))
    n1 = b.add_state(root, "a", state("q"))
    b.add_failure(n1, "c", LeanError("error", "unknown identifier 'c'"))
    n3 = b.add_state(root, "b", state("p"))
    b.add_state(n3, "d", state(None))
    b.add_state(n3, "e", state("r"))
    n6 = b.add_state(root, "f", state("s"))
    n7 = b.add_state(n6, "g", state("t"))
    b.add_state(n7, "h", state(None))
    return b.build(backend="hand")


def test_distances_and_values_match_hand_computation() -> None:
    tree = _tree()
    assert distances_to_end(tree) == {
        0: 2, 1: None, 3: 1, 4: 0, 5: None, 6: 2, 7: 1, 8: 0
    }  # fmt: skip
    values = node_values(tree, gamma=0.9)
    expected = {0: 0.81, 1: 0.0, 3: 0.9, 4: 1.0, 5: 0.0, 6: 0.81, 7: 0.9, 8: 1.0}
    assert values.keys() == expected.keys()
    for node_id, value in expected.items():
        assert values[node_id] == pytest.approx(value)


def test_value_rows() -> None:
    rows = value_rows([_tree()], gamma=0.9)
    by_state = {r["state"]: r for r in rows}
    # The two solved nodes print the same ("no goals") and give one row.
    assert len(rows) == 7
    assert by_state["p : Prop\n⊢ p ∧ p"] == {
        "state": "p : Prop\n⊢ p ∧ p", "value": pytest.approx(0.81), "depth_to_end": 2,
        "theorem": "vt",
    }  # fmt: skip
    assert by_state["p : Prop\n⊢ q"]["value"] == 0.0
    assert by_state["p : Prop\n⊢ q"]["depth_to_end"] is None
    assert by_state["p : Prop\n⊢ r"]["value"] == 0.0
    assert by_state["p : Prop\n⊢ t"]["value"] == pytest.approx(0.9)
    assert by_state["no goals"]["value"] == 1.0
    without_solved = value_rows([_tree()], gamma=0.9, include_solved=False)
    assert len(without_solved) == 6 and "no goals" not in {r["state"] for r in without_solved}


def test_linear_trajectory_values_and_default_gamma() -> None:
    trajectory = linear(THEOREM, [1, 2, 1, 0])
    rows = value_rows([trajectory])
    assert [r["depth_to_end"] for r in rows] == [3, 2, 1, 0]
    assert [r["value"] for r in rows] == pytest.approx([0.95**3, 0.95**2, 0.95, 1.0])
    unfinished = linear(THEOREM, [1, 2, 1])
    assert [r["value"] for r in value_rows([unfinished])] == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="gamma"):
        node_values(trajectory, gamma=0.0)
