"""Segment SFT: TRL's ``SFTTrainer`` on the prompt/completion rows of ``lean-gym data segments``.

The supervised half of the method (SEG-ATP): proof paths are cut into locally coherent segments
(by default where the number of open goals changes) and the model learns ``state prompt ->
segment``. Any segmenter gives any granularity (``step``: one tactic, ``goal-change``:
segments, ``whole``: the whole proof from the root) and any template of
:mod:`lean_gym.data.templates` renders the prompts, the same text the policies use at
inference. Prompt/completion data gets TRL's completion-only loss (the prompt tokens are
labelled -100; the completion and its EOS are trained), and LoRA through peft with
``use_peft: true`` (merged into the saved model by default, so ``hf:OUTPUT_DIR`` loads it).

Rows come from, in order of precedence: ``dataset_name`` (a jsonl of prompt/completion rows, as
``lean-gym data segments`` writes, or a Hugging Face dataset id), ``trajectories`` (trajectory
or search-tree jsonl files, cut here), or ``theorems`` (a theorem set whose known proofs are
replayed and cut here; only its train side, see :mod:`training.theorem_sets`).

::

    lean-gym train --config training/configs/cpu/sft.yaml [--field value ...]
    python -m training.sft --config training/configs/gpu/sft.yaml
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.config import (
    ConfigError,
    check_device_flags,
    resolve_model,
    tensorboard_dir,
)
from training.results import StageResult, log_values
from training.stage_args import StageArguments
from training.trainers import save_model, stage_main, stage_result

__all__ = ["SFTScriptArguments", "build_sft_rows", "train_sft", "main"]

logger = logging.getLogger(__name__)


@dataclass
class SFTScriptArguments(StageArguments):
    """Where the SFT rows come from (the trainer's own settings are ``SFTConfig``'s; the shared
    fields are :class:`~training.stage_args.StageArguments`').

    Attributes:
        segmenter: ``goal-change``, ``fixed``, ``step`` or ``whole``.
        max_len: Longest goal-change segment.
        k: Tactics per segment of the ``fixed`` segmenter.
        val_fraction: Share of theorems whose rows go to evaluation (0: none).
        token_budget: Train on this many tokens (prompt + completion) instead of
            ``num_train_epochs``: the equal-compute setting of the granularity comparison.
        merge_lora: Merge a LoRA adapter into the saved model.
    """

    stage: str = field(default="sft", metadata={"help": "always 'sft'"})
    segmenter: str = field(
        default="goal-change", metadata={"help": "goal-change, fixed, step or whole"}
    )
    max_len: int = field(default=8, metadata={"help": "goal-change: longest segment"})
    k: int = field(default=2, metadata={"help": "fixed: tactics per segment"})
    val_fraction: float = field(
        default=0.0, metadata={"help": "share of theorems whose rows are held out for eval"}
    )
    token_budget: int | None = field(
        default=None, metadata={"help": "train on this many tokens instead of num_train_epochs"}
    )
    merge_lora: bool = field(default=True, metadata={"help": "merge LoRA into the saved model"})

    expected_stage = "sft"


def _read_rows(path: Path) -> list[dict[str, Any]]:
    from lean_gym.data.jsonl import parse_lines

    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, row in parse_lines(handle):
            if isinstance(row, ValueError):
                raise ConfigError(f"{path}:{number}: {row}")
            if not isinstance(row, dict) or "prompt" not in row or "completion" not in row:
                raise ConfigError(f"{path}:{number}: a row needs 'prompt' and 'completion'")
            rows.append(row)
    return rows


def build_sft_rows(args: SFTScriptArguments) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train rows, eval rows) of prompt/completion pairs, as ``args`` says.

    Raises:
        ConfigError: For a missing file, an unknown segmenter/template, or no rows at all.
    """
    from lean_gym.data.cli import validation_path
    from lean_gym.data.segments import dedup_rows, make_segmenter, segment_rows, split_by_theorem

    if args.dataset_name:
        path = Path(args.dataset_name)
        if path.suffix == ".jsonl" or path.is_file():
            if not path.is_file():
                raise ConfigError(f"dataset_name: no such file {path}")
            train = _read_rows(path)
            val_path = validation_path(path)
            val = _read_rows(val_path) if val_path.is_file() else []
        else:
            from datasets import load_dataset

            loaded = load_dataset(args.dataset_name, name=args.dataset_config)
            train = [dict(r) for r in loaded[args.dataset_train_split]]
            test = args.dataset_test_split
            val = [dict(r) for r in loaded[test]] if test in loaded else []
        if not train:
            raise ConfigError(f"dataset_name {args.dataset_name!r} has no rows")
        return train, val

    options: dict[str, Any] = {}
    if args.segmenter == "goal-change":
        options["max_len"] = args.max_len
    elif args.segmenter == "fixed":
        options["k"] = args.k
    try:
        segmenter = make_segmenter(args.segmenter, **options)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    trajectories = args.load_trajectories()
    try:
        rows = dedup_rows(segment_rows(trajectories, segmenter, args.template))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if not rows:
        raise ConfigError("no training rows: no trajectory has a verified proof path")
    if args.val_fraction > 0:
        return split_by_theorem(rows, args.val_fraction, args.split_seed)
    return rows, []


def _count_tokens(tokenizer: Any, rows: Sequence[dict[str, Any]]) -> int:
    texts = [row["prompt"] + row["completion"] for row in rows]
    encoded = tokenizer(texts, add_special_tokens=False)["input_ids"]
    return sum(len(ids) + 1 for ids in encoded)  # + EOS, which SFTTrainer appends


def train_sft(script_args: SFTScriptArguments, training_args: Any, model_args: Any) -> StageResult:
    """Runs segment SFT and saves the model (and tokenizer) to ``training_args.output_dir``."""
    from transformers import AutoTokenizer
    from trl import SFTTrainer, get_peft_config

    check_device_flags(training_args)
    script_args.setup()
    began = time.perf_counter()
    train_rows, eval_rows = build_sft_rows(script_args)
    model_path = resolve_model(
        model_args.model_name_or_path, training_args.output_dir, seed=script_args.model_seed
    )
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if script_args.token_budget:
        per_epoch = _count_tokens(tokenizer, train_rows)
        training_args.num_train_epochs = script_args.token_budget / max(1, per_epoch)
        training_args.max_steps = -1

    from datasets import Dataset

    columns = ("prompt", "completion")
    train_ds = Dataset.from_list([{c: r[c] for c in columns} for r in train_rows])
    eval_ds = (
        Dataset.from_list([{c: r[c] for c in columns} for r in eval_rows]) if eval_rows else None
    )
    if eval_ds is None:
        training_args.eval_strategy = "no"

    init_kwargs: dict[str, Any] = {"dtype": model_args.dtype} if model_args.dtype else {}
    if model_args.attn_implementation:
        init_kwargs["attn_implementation"] = model_args.attn_implementation
    if training_args.model_init_kwargs:
        init_kwargs.update(training_args.model_init_kwargs)
    training_args.model_init_kwargs = init_kwargs or None

    with tensorboard_dir(training_args.output_dir, "sft"):
        trainer = SFTTrainer(
            model=model_path,
            args=training_args,
            train_dataset=train_ds,
            eval_dataset=eval_ds,
            processing_class=tokenizer,
            peft_config=get_peft_config(model_args),
        )
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    save_model(trainer, training_args.output_dir, merge=script_args.merge_lora)
    losses = log_values(trainer.state.log_history, "loss")
    metrics = {"seconds": time.perf_counter() - began, "eval_rows": float(len(eval_rows))}
    if losses:
        metrics.update(first_loss=losses[0], last_loss=losses[-1])
    # SFTTrainer counts the tokens it trained on (prompt and completion) itself.
    tokens = int(getattr(trainer, "_total_train_tokens", 0) or 0)
    return stage_result("sft", trainer, len(train_rows), metrics, tokens=tokens)


def dataclass_types() -> tuple[type, ...]:
    """What this stage's ``TrlParser`` parses: (script arguments, trainer config, model)."""
    from trl import ModelConfig, SFTConfig

    return (SFTScriptArguments, SFTConfig, ModelConfig)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m training.sft --config FILE [--field value ...]``."""
    return stage_main(dataclass_types, train_sft, argv, "lean-gym train (sft)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
