"""Expert iteration: one round end to end, resumed into a second; problem selection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lean_gym.backends import make_backend
from lean_gym.data.theorems import load_theorems
from tests.training.conftest import CONFIGS
from training.expert_iteration import main, select_problems

pytest.importorskip("trl")


def test_uniform_and_critic_selection() -> None:
    theorems = list(load_theorems("smoke"))
    uniform = select_problems(theorems, 4, "uniform", seed=3)
    assert len(uniform) == 4 and uniform == select_problems(theorems, 4, "uniform", seed=3)

    def value(states):  # a critic that prefers fewer hypotheses
        return [1.0 / (1 + len(s.goals[0].hypotheses)) for s in states]

    with make_backend("minilean") as backend:
        picked = select_problems(theorems, 3, "critic", value=value, backend=backend)
        roots = {t.name: backend.start(t) for t in theorems}
    scores = sorted((value([roots[t.name]])[0] for t in theorems), reverse=True)
    assert [value([roots[t.name]])[0] for t in picked] == scores[:3]
    assert select_problems(theorems, 0, "uniform") != [] and len(
        select_problems(theorems, 0, "uniform")) == len(theorems)  # fmt: skip


def test_one_round_end_to_end_then_resume(tmp_path: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "ei"
    argv = [
        "--config", str(CONFIGS / "expert_iteration.yaml"),
        "--output_dir", str(out),
        "--model_name_or_path", str(tiny_model_dir),
        "--theorems", "smoke", "--test_fraction", "0.4",
        "--rounds", "1", "--problems_per_round", "6",
        "--sft_args", "num_train_epochs=30", "report_to=none",
        "--value_args", "max_steps=3", "report_to=none",
        "--value_search", "true",
        "--dpo_config", str(CONFIGS / "dpo.yaml"), "--dpo_args", "max_steps=2", "report_to=none",
        "--budget", "expansions=3", "--k", "4", "--workers", "0",
    ]  # fmt: skip
    assert main(argv) == 0
    state = json.loads((out / "expert_iteration.json").read_text())
    (first,) = state["rounds"]
    assert first["problems"] == 6 and first["heldout_total"] == 5
    for step in ("sft", "value", "search", "eval"):
        assert (out / "round-0" / step).is_dir(), step
    results = (out / "round-0" / "search" / "results.jsonl").read_text().splitlines()
    assert len(results) == 6 and all(json.loads(r)["search"] == "value-model-best-first"
                                     for r in results)  # fmt: skip
    stamp = (out / "round-0" / "sft" / "model.safetensors").stat().st_mtime_ns

    # Resume with one more round: round 0 is not redone, round 1 runs from its policy.
    argv[argv.index("--rounds") + 1] = "2"
    assert main(argv) == 0
    assert (out / "round-0" / "sft" / "model.safetensors").stat().st_mtime_ns == stamp
    state = json.loads((out / "expert_iteration.json").read_text())
    assert [r["round"] for r in state["rounds"]] == [0, 1]
    assert state["rounds"][1]["policy"] == state["rounds"][0]["policy_after"]
    solved_before = {json.loads(r)["theorem"] for r in results if json.loads(r)["solved"]}
    second = {json.loads(line)["name"] for line in
              (out / "round-1" / "problems.jsonl").read_text().splitlines()}  # fmt: skip
    assert not second & solved_before  # solved theorems are not searched again
