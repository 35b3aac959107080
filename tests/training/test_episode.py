"""The episode rollout: one LeanSegment-v0 episode per prompt, env tokens masked out."""

from __future__ import annotations

from pathlib import Path

import pytest

from lean_gym.data.templates import get_template
from lean_gym.data.trajectories import read_jsonl
from tests.training.conftest import smoke_theorem
from training.episode import EpisodeRollout, feedback_text

pytest.importorskip("trl")


def test_feedback_shows_the_error_and_the_state() -> None:
    theorem = smoke_theorem("smoke_or_inl")
    text = feedback_text(get_template("leandojo"), theorem, "⊢ p", [], "unknown identifier")
    assert text == "\nerror: unknown identifier\n[GOAL]\n⊢ p\n[PROOFSTEP]\n"
    long = feedback_text(get_template("leandojo"), theorem, "⊢ p", [], "x" * 1000)
    assert len(long) < 400


def test_rollout_masks_the_env_tokens(tmp_path: Path, smoke_sft_dir: Path) -> None:
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from lean_gym.backends import make_backend
    from training.rewards import EpisodeReward

    template = get_template("leandojo")
    names = ["smoke_or_inl", "smoke_and_intro", "smoke_imp_chain"]
    backend = make_backend("minilean")
    prompts = {}
    for name in names:
        theorem = smoke_theorem(name)
        prompts[template.render(backend.start(theorem).pp(), theorem)] = theorem
    rollout = EpisodeRollout(prompts, template=template, backend=backend, max_turns=4,
                             max_turn_tokens=24, output_dir=tmp_path)  # fmt: skip
    tokenizer = AutoTokenizer.from_pretrained(smoke_sft_dir, padding_side="left")
    args = GRPOConfig(output_dir=str(tmp_path), use_cpu=True, bf16=False,
                      activation_checkpointing=False, report_to="none",
                      per_device_train_batch_size=2, num_generations=2,
                      max_completion_length=96, temperature=1.5, seed=1)  # fmt: skip
    trainer = GRPOTrainer(model=str(smoke_sft_dir), reward_funcs=[EpisodeReward()], args=args,
                          train_dataset=Dataset.from_list([{"prompt": p} for p in prompts]),
                          processing_class=tokenizer, rollout_func=rollout)  # fmt: skip
    batch = [p for p in prompts for _ in range(2)]  # TRL passes each prompt G times
    out = rollout(batch, trainer)
    backend.close()

    assert len(out["completion_ids"]) == len(batch) == len(out["proved"])
    for ids, mask, logps, turns in zip(
        out["completion_ids"], out["env_mask"], out["logprobs"], out["turns"], strict=True
    ):
        assert len(ids) == len(mask) == len(logps) <= 96
        assert mask[0] == 1  # the model speaks first
        assert (0 in mask) == (turns > 1)  # every later turn follows the env's answer
        assert all(lp == 0.0 for lp, m in zip(logps, mask, strict=True) if m == 0)
        assert all(lp <= 0.0 for lp in logps)
    for prompt, ids in zip(batch, out["prompt_ids"], strict=True):
        assert tokenizer.decode(ids) == prompt
    assert set(out["end_reason"]) <= {"verified", "turn_limit", "token_limit", "lean_error"}
    records = read_jsonl(tmp_path / "episodes.jsonl")
    assert len(records) == len(batch)
    for record, proved in zip(records, out["proved"], strict=True):
        if proved:
            assert record.verified is True and record.complete and record.proof
