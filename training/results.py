"""What a training stage reports when it ends (``OUTPUT_DIR/stage_result.json``)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["StageResult", "RESULT_FILE", "log_values", "read_result"]

RESULT_FILE = "stage_result.json"


def log_values(log_history: Sequence[Mapping[str, Any]], key: str) -> list[float]:
    """The finite values of ``key`` in a trainer's ``state.log_history``, in order."""
    values = []
    for entry in log_history:
        value = entry.get(key)
        if isinstance(value, (int, float)) and math.isfinite(float(value)):
            values.append(float(value))
    return values


@dataclass(frozen=True)
class StageResult:
    """The outcome of one stage.

    Attributes:
        stage: ``sft``, ``grpo``, ``value``, ``dpo``...
        output_dir: Where the model (and the TensorBoard logs) were written.
        rows: Training rows (prompts for GRPO, pairs for DPO, states for the value model).
        steps: Optimizer steps run.
        tokens: Tokens the trainer processed (prompt and completion), when it counts them.
        metrics: Stage-specific figures: ``first_loss``/``last_loss`` (SFT, DPO, value),
            ``first_reward``/``last_reward`` (GRPO: means over the first and last quarter of
            the logged steps), ``reward_mean``, ``seconds``...
    """

    stage: str
    output_dir: str
    rows: int
    steps: int
    tokens: int = 0
    metrics: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        obj = asdict(self)
        obj["metrics"] = dict(self.metrics)
        return obj

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> StageResult:
        return cls(
            stage=str(obj["stage"]),
            output_dir=str(obj["output_dir"]),
            rows=int(obj.get("rows", 0)),
            steps=int(obj.get("steps", 0)),
            tokens=int(obj.get("tokens", 0)),
            metrics={str(k): float(v) for k, v in (obj.get("metrics") or {}).items()},
        )

    def write(self) -> Path:
        path = Path(self.output_dir) / RESULT_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        return path


def read_result(output_dir: str | os.PathLike[str]) -> StageResult | None:
    """The result a finished stage left in ``output_dir`` (None when it did not finish)."""
    path = Path(output_dir) / RESULT_FILE
    if not path.is_file():
        return None
    try:
        return StageResult.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError):
        return None
