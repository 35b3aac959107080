"""The value model: gamma**d labels with negatives, training, and the batched value callable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lean_gym.data.trajectories import TreeBuilder, write_jsonl
from lean_gym.types import Goal, LeanError, ProofState
from tests.training.conftest import CONFIGS, smoke_theorem
from training.value import ValueModel, ValueScriptArguments, build_value_rows, main

pytest.importorskip("trl")


def test_labels_have_negatives_and_oversampled_positives() -> None:
    rows = build_value_rows(
        ValueScriptArguments(theorems="smoke", theorems_split="all", positive_oversample=3)
    )
    values = [r["value"] for r in rows]
    assert 0.0 in values and 1.0 in values
    assert any(0.0 < v < 1.0 for v in values)  # gamma**d below the root
    distinct = {(r["theorem"], r["state"]) for r in rows if r["value"] > 0}
    assert sum(1 for r in rows if r["value"] > 0) == 3 * len(distinct)


def test_labels_from_a_search_tree(tmp_path: Path) -> None:
    theorem = smoke_theorem("smoke_or_inl")
    root = ProofState(theorem, (Goal(("p q : Prop", "hp : p"), "p ∨ q"),))
    builder = TreeBuilder(theorem)
    builder.add_root(root)
    left = builder.add_state(0, "left", ProofState(theorem, (Goal(("p q : Prop", "hp : p"), "p"),)))
    right = builder.add_state(
        0, "right", ProofState(theorem, (Goal(("p q : Prop", "hp : p"), "q"),))
    )
    builder.add_failure(right, "exact hp", LeanError("error", "type mismatch"))
    builder.add_state(left, "exact hp", ProofState(theorem, ()))
    path = tmp_path / "tree.jsonl"
    write_jsonl([builder.build(backend="minilean")], path)
    rows = build_value_rows(ValueScriptArguments(trajectories=str(path), probe_branches=False,
                                                 positive_oversample=1, gamma=0.5))  # fmt: skip
    by_state = {r["state"].split("⊢ ")[-1]: r["value"] for r in rows}
    assert by_state == {"p ∨ q": 0.25, "p": 0.5, "q": 0.0, "no goals": 1.0}


def test_value_model_trains_and_scores_batches(tmp_path: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "value"
    code = main(["--config", str(CONFIGS / "value.yaml"), "--model_name_or_path",
                 str(tiny_model_dir), "--output_dir", str(out), "--theorems", "smoke",
                 "--theorems_split", "all", "--max_steps", "15", "--logging_steps", "1",
                 "--per_device_train_batch_size", "16"])  # fmt: skip
    assert code == 0
    result = json.loads((out / "stage_result.json").read_text())
    assert result["metrics"]["last_loss"] < result["metrics"]["first_loss"]
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))

    value = ValueModel(out, batch_size=2)
    theorem = smoke_theorem("smoke_and_intro")
    states = [
        ProofState(theorem, (Goal(("p q : Prop", "hp : p", "hq : q"), "p ∧ q"),)),
        ProofState(theorem, ()),
        "p q : Prop\nhp : p\nhq : q\n⊢ p",
    ]
    scores = value(states)
    assert len(scores) == 3 and scores[1] == 1.0
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert value(states) == scores and value.calls == 1  # cached; two states, one batch of 2
    assert value.score(states[2]) == scores[2]

    # The value callable plugs into value-guided best-first search and MCTS.
    from agents.policies.scripted import ScriptedPolicy
    from agents.search import Budget, make_search
    from lean_gym.backends import make_backend

    asked: list[object] = []

    def counted(state):
        asked.append(state)
        return value(state)

    target = smoke_theorem("smoke_imp_chain")
    with make_backend("minilean") as backend:
        for name in ("value-best-first", "mcts"):
            search = make_search(name, value=counted)
            result = search.search(target, backend, ScriptedPolicy(), Budget(expansions=20))
            assert result.solved and result.proof, (name, result.reason)
            assert backend.verify(target, result.proof).ok
    assert asked and all(0.0 <= value(s) <= 1.0 for s in asked)  # one state: a float
