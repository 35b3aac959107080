"""Self-play (training/self_play.py): one round end to end on CPU with the tiny model, resumed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.conjecture import Conjecture, ConjectureScreen, RuleConjecturer
from agents.disproof import try_disprove
from lean_gym.backends.minilean.backend import MiniLeanBackend
from lean_gym.data.trajectories import build_trajectory, read_jsonl, write_jsonl
from lean_gym.tactic_text import join_tactics
from tests.training.conftest import CONFIGS
from training import self_play
from training.config import ConfigError
from training.self_play import (
    SelfPlayArguments,
    balanced_draw,
    in_band,
    run_self_play,
    success_rates,
)
from training.theorem_sets import load_split

MUTATIONS = ["numerals", "strengthen", "generalize"]


def _round_one_conjectures() -> list[Conjecture]:
    """The conjectures round 1 of the run below keeps (the same rules, seeds and screen)."""
    train = load_split("smoke", "train", test_fraction=0.2, seed=1)
    test = load_split("smoke", "test", test_fraction=0.2, seed=1)
    proposals = RuleConjecturer(MUTATIONS, per_theorem=4, per_rule=2, seed=1).propose(train)
    with MiniLeanBackend() as backend:
        screen = ConjectureScreen(backend, train, exclude=[t.statement for t in test])
        return [c for c in screen.screen_all(proposals) if c.kept]


@pytest.fixture(scope="module")
def prover_dir(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    """The tiny model after SFT on proofs of round 1's conjectures (found by the scripted
    prover), so that its attempts sometimes succeed: a prover for which the band is not
    empty."""
    from agents.policies.scripted import ScriptedPolicy
    from agents.search import Budget, make_search
    from training.sft import main

    folder = tmp_path_factory.mktemp("self-play-prover")
    search, policy = make_search("best-first"), ScriptedPolicy()
    trajectories = []
    with MiniLeanBackend() as backend:
        for conjecture in _round_one_conjectures():
            result = search.search(conjecture.theorem, backend, policy, Budget(expansions=40))
            if result.solved:
                trajectories.append(build_trajectory(backend, conjecture.theorem, result.proof))
    assert len(trajectories) >= 3
    write_jsonl(trajectories, folder / "proofs.jsonl")
    out = folder / "model"
    code = main(["--config", str(CONFIGS / "sft.yaml"), "--model_name_or_path",
                 str(tiny_model_dir), "--output_dir", str(out), "--trajectories",
                 str(folder / "proofs.jsonl"), "--num_train_epochs", "60",
                 "--learning_rate", "5e-3", "--logging_steps", "50", "--report_to", "none"])  # fmt: skip
    assert code == 0
    return out


def _argv(out: Path, prover: Path) -> list[str]:
    """The CPU config, with the tiny settings of this test."""
    return [
        "--config", str(CONFIGS / "self_play.yaml"),
        "--output_dir", str(out),
        "--model_name_or_path", str(prover),
        "--theorems", "smoke", "--test_fraction", "0.2", "--split_seed", "1",
        "--rounds", "1",
        "--mutations", *MUTATIONS,
        "--per_theorem", "4", "--per_rule", "2", "--max_conjectures", "0",
        "--conjecture_attempts", "4", "--band_low", "0.25", "--band_high", "1.0",
        "--known_proofs", "false",
        "--sft_config", str(CONFIGS / "sft.yaml"),
        "--sft_args", "num_train_epochs=1", "report_to=none", "logging_steps=1",
        "--conjecturer_sft_args", "num_train_epochs=1", "report_to=none",
        "--budget", "expansions=6",
        "--policy_args", "temperature=1.0,max_new_tokens=32",
    ]  # fmt: skip


def _args(out: Path, prover: Path) -> SelfPlayArguments:
    from training.config import parse_stage_args

    (args,) = parse_stage_args(self_play.dataclass_types(), _argv(out, prover))
    return args


@pytest.mark.slow
def test_one_round_end_to_end_and_resumed(tmp_path: Path, prover_dir: Path, monkeypatch) -> None:
    out = tmp_path / "run"
    args = _args(out, prover_dir)
    real_stage = self_play.run_stage_once

    def interrupted(*a, **k):
        raise KeyboardInterrupt  # killed while the prover trains

    monkeypatch.setattr(self_play, "run_stage_once", interrupted)
    with pytest.raises(KeyboardInterrupt):
        self_play.main(_argv(out, prover_dir))
    conjectures_file = out / "round-1" / "conjectures.jsonl"
    assert conjectures_file.is_file() and (out / "round-1" / "attempts" / "results.jsonl").is_file()
    screened = conjectures_file.read_text(encoding="utf-8")
    logged = [json.loads(line) for line in (out / "self_play.jsonl").read_text().splitlines()]
    assert [r["round"] for r in logged] == [0]  # the bootstrap eval, not the interrupted round

    monkeypatch.setattr(self_play, "run_stage_once", real_stage)
    assert self_play.main(_argv(out, prover_dir)) == 0
    summary = json.loads((out / "self_play.json").read_text(encoding="utf-8"))
    assert conjectures_file.read_text(encoding="utf-8") == screened  # not screened again
    record = summary["rounds"][-1]
    assert record["round"] == 1 and record["kept"] > 0 and record["statuses"]["disproved"] > 0
    results = [
        json.loads(x) for x in (out / "round-1/attempts/results.jsonl").read_text().splitlines()
    ]
    assert len(results) == record["attempted"] * args.conjecture_attempts  # resumed, not rerun
    assert record["band"] > 0 and record["proofs_verified"] > 0
    assert record["proofs_rejected"] == 0 and record["proofs_verified"] <= record["proofs_found"]
    assert record["prover_rows"] > 0 and (out / "round-1/prover-sft/stage_result.json").is_file()
    assert record["prover_after"] == str(out / "round-1" / "prover-sft")
    assert record["conjecturer_rows"] > 0
    assert (out / "round-1/conjecturer-sft/stage_result.json").is_file()
    heldout = load_split("smoke", "test", test_fraction=0.2, seed=1)
    assert 0 <= record["heldout_solved"] <= record["heldout_total"] == len(heldout) > 0
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))
    assert "| 1 |" in (out / "self_play.md").read_text()

    # Every proof that entered training verifies; no band conjecture is disprovable.
    band = {c["name"] for c in record["band_conjectures"]}
    screened_rows = [Conjecture.from_json(json.loads(x)) for x in screened.splitlines()]
    assert all(c.backend == "minilean" for c in screened_rows)
    with MiniLeanBackend() as backend:
        for trajectory in read_jsonl(out / "round-1" / "proofs.jsonl"):
            assert trajectory.theorem.name in band and trajectory.verified
            proof = join_tactics(trajectory.tactics_to(trajectory.proof_paths()[0][-1].id))
            assert backend.verify(trajectory.theorem, proof).ok
        for conjecture in screened_rows:
            if conjecture.theorem.name in band:
                assert conjecture.kept and try_disprove(backend, conjecture.theorem) is None

    # A third run finds everything done.
    before = (out / "round-1/prover-sft/stage_result.json").stat().st_mtime
    again = run_self_play(args)
    assert [r["round"] for r in again["rounds"]] == [0, 1]
    assert (out / "round-1/prover-sft/stage_result.json").stat().st_mtime == before
    assert len((out / "self_play.jsonl").read_text().splitlines()) == 2


def test_rates_band_and_draw() -> None:
    rows = [
        {"theorem": "a", "solved": True, "proof": "omega"},
        {"theorem": "a", "solved": True, "proof": "simp"},
        {"theorem": "a", "solved": False, "proof": None},
        {"theorem": "b", "solved": False, "proof": None},
        {"theorem": "c", "solved": True, "proof": "rfl"},  # a lost attempt counts as failed
    ]
    rates = success_rates(rows, attempts=3)
    assert rates["a"]["rate"] == pytest.approx(2 / 3) and rates["a"]["proofs"] == ["omega", "simp"]
    assert rates["b"]["rate"] == 0 and rates["c"]["rate"] == pytest.approx(1 / 3)
    assert in_band(0.25, 0.25, 0.75) and not in_band(1.0, 0.25, 0.75)

    class C:
        def __init__(self, rule: str, i: int):
            self.rule, self.i = rule, i

    pool = [C("conjoin", i) for i in range(20)] + [C("numerals", i) for i in range(3)]
    drawn = balanced_draw(pool, 6, seed=0)
    assert sum(c.rule == "numerals" for c in drawn) == 3 and len(drawn) == 6
    assert balanced_draw(pool, 0, seed=0) == pool


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"band_low": 0.0}, "band_low must be > 0"),
        ({"band_low": 0.8, "band_high": 0.5}, "band"),
        ({"conjecturer": "oracle"}, "conjecturer must be one of"),
        ({"mutations": ["nope"]}, "unknown mutation"),
        ({"conjecture_attempts": 0}, "attempts"),
        ({"sft_config": "missing.yaml"}, "no such file"),
    ],
)
def test_bad_settings_are_refused_before_anything_runs(tmp_path: Path, change, message) -> None:
    args = _args(tmp_path / "run", tmp_path)
    for key, value in change.items():
        setattr(args, key, value)
    with pytest.raises(ConfigError, match=message):
        run_self_play(args)
    assert not (tmp_path / "run").exists()


def test_the_cli_runs_the_self_play_config(tmp_path: Path, capsys) -> None:
    from training.cli import run_stage

    code = run_stage(str(CONFIGS / "self_play.yaml"), ["--band_low", "0"])
    assert code == 2 and "band_low must be > 0" in capsys.readouterr().err
