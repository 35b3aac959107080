"""The value model: a one-output sequence-classification head on a causal-LM backbone.

CoProver's critic (``value_guided_search.py``): states are labelled ``gamma**d`` (``d``: tactics
to the nearest solved descendant in the tree, ``gamma`` 0.95) and 0 on failed branches (states
with no solved descendant), positives oversampled 3x, 3 epochs; InternLM2.5-StepProver's critic
plays the same role. Training uses transformers' ``Trainer`` with
``AutoModelForSequenceClassification(num_labels=1)``: with float labels it is a regression (MSE,
``problem_type="regression"``; ``transformers/loss/loss_utils.py``). The labels come from the
data layer (:func:`lean_gym.data.values.value_rows`) over search trees (``trajectories``) or,
without trees, over replays of known proofs grown by one probe step
(:func:`training.corpus.with_sibling_branches`) so that there are negatives.

:class:`ValueModel` loads the result as the batched value callable that value-guided best-first
search and MCTS take: ``value(states) -> list[float]``, each in [0, 1], 1.0 for a solved state.

::

    lean-gym train --config training/configs/cpu/value.yaml
"""

from __future__ import annotations

import logging
import os
import random
import sys
import time
from collections import OrderedDict
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
from training.trainers import stage_main, stage_result

__all__ = [
    "ValueScriptArguments",
    "build_value_rows",
    "train_value",
    "ValueModel",
    "value_model_search",
    "main",
]

logger = logging.getLogger(__name__)


@dataclass
class ValueScriptArguments(StageArguments):
    """Where the value labels come from (the trainer's settings are ``TrainingArguments``'; the
    shared fields are :class:`~training.stage_args.StageArguments`').

    Attributes:
        probe_branches: Grow replayed proofs into one-step trees for negatives (see
            :func:`training.corpus.with_sibling_branches`).
        gamma: The discount of the labels.
        positive_oversample: Copies of every state with a positive label (CoProver: 3).
        max_length: Longest state, in tokens.
    """

    stage: str = field(default="value", metadata={"help": "always 'value'"})
    probe_branches: bool = field(
        default=True, metadata={"help": "grow replays into one-step trees for negatives"}
    )
    gamma: float = field(default=0.95, metadata={"help": "discount of the gamma**d labels"})
    positive_oversample: int = field(default=3, metadata={"help": "copies of positive states"})
    max_length: int = field(default=512, metadata={"help": "longest state in tokens"})

    expected_stage = "value"


def build_value_rows(args: ValueScriptArguments) -> list[dict[str, Any]]:
    """``{"state", "value", "depth_to_end", "theorem"}`` rows, positives oversampled, shuffled."""
    from lean_gym.data.values import value_rows
    from training.corpus import with_sibling_branches

    if not 0.0 < args.gamma <= 1.0:
        raise ConfigError(f"gamma must be in (0, 1], got {args.gamma}")
    if args.positive_oversample < 1:
        raise ConfigError("positive_oversample must be >= 1")
    trajectories = args.load_trajectories()
    if args.probe_branches:
        trajectories = with_sibling_branches(trajectories, args.backend)
    rows = value_rows(trajectories, args.gamma)
    if not rows:
        raise ConfigError("no value rows: the trajectories have no states")
    out = []
    for row in rows:
        out.extend([row] * (args.positive_oversample if row["value"] > 0 else 1))
    random.Random(args.split_seed).shuffle(out)
    return out


def train_value(
    script_args: ValueScriptArguments, training_args: Any, model_args: Any
) -> StageResult:
    """Trains the value head (and backbone) and saves it to ``training_args.output_dir``."""
    from datasets import Dataset
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
    )

    check_device_flags(training_args)
    script_args.setup()
    began = time.perf_counter()
    rows = build_value_rows(script_args)
    model_path = resolve_model(
        model_args.model_name_or_path, training_args.output_dir, seed=script_args.model_seed
    )
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    init: dict[str, Any] = {"num_labels": 1, "problem_type": "regression"}
    if model_args.dtype and model_args.dtype != "auto":
        import torch

        init["dtype"] = getattr(torch, model_args.dtype)
    model = AutoModelForSequenceClassification.from_pretrained(model_path, **init)
    model.config.pad_token_id = tokenizer.pad_token_id
    if model_args.use_peft:
        from peft import get_peft_model
        from trl import get_peft_config

        peft_config = get_peft_config(model_args)
        peft_config.task_type = "SEQ_CLS"
        model = get_peft_model(model, peft_config)

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        encoded = tokenizer(batch["state"], truncation=True, max_length=script_args.max_length)
        encoded["labels"] = [float(v) for v in batch["value"]]
        return encoded

    dataset = Dataset.from_list([{"state": r["state"], "value": r["value"]} for r in rows])
    dataset = dataset.map(encode, batched=True, remove_columns=["state", "value"])
    with tensorboard_dir(training_args.output_dir, "value"):
        trainer = Trainer(
            model=model,
            args=training_args,
            train_dataset=dataset,
            data_collator=DataCollatorWithPadding(tokenizer),
            processing_class=tokenizer,
        )
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    model.save_pretrained(training_args.output_dir)
    tokenizer.save_pretrained(training_args.output_dir)
    losses = log_values(trainer.state.log_history, "loss")
    positives = sum(1 for r in rows if r["value"] > 0)
    metrics = {"positive_share": positives / len(rows), "seconds": time.perf_counter() - began}
    if losses:
        metrics.update(first_loss=losses[0], last_loss=losses[-1])
    return stage_result("value", trainer, len(rows), metrics)


class ValueModel:
    """A trained value model as the batched value callable of value-guided search and MCTS.

    ``value(states)`` takes :class:`~lean_gym.types.ProofState` objects or state texts and
    returns one float in [0, 1] each (the regression output, clamped), batched; ``value(state)``
    returns one float (what ``agents.search`` calls per state). A solved state is 1.0 without
    a model call. Answers are cached per state text.

    Args:
        path: A directory written by :func:`train_value`.
        device: ``cpu``, ``cuda``...; default: CUDA when available.
        batch_size: States per forward pass.
        max_length: Longest state, in tokens.
        cache_size: States whose values are kept.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        device: str | None = None,
        batch_size: int = 32,
        max_length: int = 512,
        cache_size: int = 65536,
    ):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.path = str(path)
        if not Path(self.path).is_dir():
            raise FileNotFoundError(f"no value model at {self.path}")
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.padding_side = "right"
        self.model = AutoModelForSequenceClassification.from_pretrained(self.path)
        self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.model.to(self.device).eval()
        self.batch_size = int(batch_size)
        self.max_length = int(max_length)
        self._cache: OrderedDict[str, float] = OrderedDict()
        self._cache_size = int(cache_size)
        self.calls = 0

    @staticmethod
    def _text(state: Any) -> str:
        return state if isinstance(state, str) else state.pp()

    def __call__(self, states: Any) -> Any:
        """``value(states) -> list[float]`` for a sequence (one batched forward pass per
        ``batch_size`` new states); ``value(state) -> float`` for one state, the form
        ``agents.search``'s value-guided best-first and MCTS call."""
        if isinstance(states, str) or hasattr(states, "goals"):
            return self.batch([states])[0]
        return self.batch(states)

    def batch(self, states: Sequence[Any]) -> list[float]:
        """The values of many states (ProofState or state text), in order."""
        import torch

        texts = [self._text(s) for s in states]
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache and t != "no goals"]
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start : start + self.batch_size]
            encoded = self.tokenizer(
                chunk,
                truncation=True,
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            ).to(self.device)
            with torch.no_grad():
                logits = self.model(**encoded).logits[:, 0].float().tolist()
            self.calls += 1
            for text, logit in zip(chunk, logits, strict=True):
                self._cache[text] = min(1.0, max(0.0, float(logit)))
        values = [1.0 if t == "no goals" else self._cache[t] for t in texts]
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return values

    def score(self, state: Any) -> float:
        """The value of one state."""
        return self.batch([state])[0]


def value_model_search(*, value_model: str, **kwargs: Any) -> Any:
    """Value-guided best-first search (``agents.search.value_guided``) with the value model of
    a folder: ``make_search("value-model-best-first", value_model=DIR, alpha=0.3)``.

    Registered under that name when :mod:`training.value` is imported, so that an eval's
    ``--search value-model-best-first --search-args value_model=DIR`` can name a trained value
    model by its path (the eval's searches then run in the importing process: ``workers=0``).
    """
    from agents.search.value_guided import ValueGuidedSearch

    return ValueGuidedSearch(value=ValueModel(value_model), **kwargs)


def _register() -> None:
    from agents.search import register_search

    register_search("value-model-best-first", value_model_search)


_register()


def dataclass_types() -> tuple[type, ...]:
    """What this stage's ``TrlParser`` parses: (script arguments, trainer config, model)."""
    from transformers import TrainingArguments
    from trl import ModelConfig

    return (ValueScriptArguments, TrainingArguments, ModelConfig)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m training.value --config FILE [--field value ...]``."""
    return stage_main(dataclass_types, train_value, argv, "lean-gym train (value)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
