"""What every stage does around its trainer: the script's ``main``, saving, the result.

* :func:`stage_main`: parse (``TrlParser``), train, print the result; a configuration mistake
  is one line on stderr and exit code 2.
* :func:`save_model`: the model and tokenizer in ``output_dir``, a LoRA adapter merged first
  (so that ``hf:OUTPUT_DIR`` and the next stage load a plain checkpoint).
* :func:`stage_result`: the :class:`~training.results.StageResult` of a finished trainer,
  written to ``OUTPUT_DIR/stage_result.json`` (what the pipelines resume on).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from training.config import ConfigError, parse_stage_args
from training.results import StageResult

__all__ = ["stage_main", "save_model", "stage_result"]


def stage_main(
    dataclass_types: Callable[[], tuple[type, ...]],
    train: Callable[..., StageResult],
    argv: Sequence[str] | None,
    prog: str,
) -> int:
    """Parses ``argv`` into the stage's dataclasses, runs ``train(*parsed)``, prints the result.

    Returns:
        0, or 2 for a :class:`~training.config.ConfigError` (printed as one line).
    """
    try:
        parsed = parse_stage_args(dataclass_types(), argv, prog=prog)
        result = train(*parsed)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_json(), indent=2))
    return 0


def save_model(trainer: Any, output_dir: str, tokenizer: Any = None, *, merge: bool = True) -> None:
    """Saves the trained model and its tokenizer, merging a LoRA adapter when ``merge``."""
    model = trainer.accelerator.unwrap_model(trainer.model)
    if merge and hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
        model.save_pretrained(output_dir)
        (tokenizer or trainer.processing_class).save_pretrained(output_dir)
    else:
        trainer.save_model(output_dir)
    if hasattr(trainer, "end"):  # transformers >= 5.18 finishes its trackers here
        trainer.end()


def stage_result(
    stage: str, trainer: Any, rows: int, metrics: Mapping[str, float], *, tokens: int | None = None
) -> StageResult:
    """The result of a finished trainer, written next to the model."""
    seen = tokens if tokens is not None else int(trainer.state.num_input_tokens_seen or 0)
    result = StageResult(
        stage=stage,
        output_dir=str(trainer.args.output_dir),
        rows=int(rows),
        steps=int(trainer.state.global_step),
        tokens=int(seen),
        metrics=dict(metrics),
    )
    result.write()
    return result
