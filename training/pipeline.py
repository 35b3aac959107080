"""What the multi-stage runs (``quickstart``, ``expert-iteration``) share: running a stage's
config once (resumable), evaluating a model on held-out theorems, and the results table.

A stage run here is the same script ``lean-gym train --config`` runs, in this process, with
flags that point it at the pipeline's folders (``--output_dir``, ``--model_name_or_path``,
...). A stage whose ``OUTPUT_DIR/stage_result.json`` exists has finished and is not run again,
so a pipeline killed anywhere resumes where it stopped. Evaluations are ``agents.evaluate``
run folders (``lean-gym eval``'s format), which resume by themselves.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.config import ConfigError, read_stage_name
from training.results import StageResult, read_result

__all__ = [
    "PipelineArguments",
    "EvalSettings",
    "stage_flags",
    "run_stage_once",
    "evaluate_model",
    "markdown_table",
    "write_scalars",
]

logger = logging.getLogger(__name__)


def stage_flags(items: Sequence[str]) -> list[str]:
    """Extra flags for a stage: ``name=value`` items become ``--name value`` (what a command
    line can pass: ``--sft_args num_train_epochs=4 learning_rate=1e-3``); items that are flags
    already (``--name``, then values) are kept as they are."""
    flags: list[str] = []
    for item in items:
        name, sep, value = item.partition("=")
        if sep and not item.startswith("-") and name.isidentifier():
            flags += [f"--{name}", value]
        else:
            flags.append(item)
    return flags


# Runs made of stages themselves: a pipeline step must be one training stage, not one of these.
MULTI_STAGE_RUNS = ("quickstart", "expert-iteration", "self-play")


def run_stage_once(
    config: str | os.PathLike[str], output_dir: str | os.PathLike[str], flags: Sequence[str] = ()
) -> StageResult:
    """Runs the stage ``config`` names into ``output_dir`` unless it already finished there.

    Raises:
        ConfigError: For a bad config or flag, or a stage that did not finish.
    """
    from training.cli import STAGES

    done = read_result(output_dir)
    if done is not None:
        logger.info("%s: done already (%s)", output_dir, done.stage)
        return done
    stage = read_stage_name(config)
    if stage not in STAGES or stage in MULTI_STAGE_RUNS:
        raise ConfigError(f"{config}: a pipeline step must be a training stage, not {stage!r}")
    module_name, _, attr = STAGES[stage].partition(":")
    entry = getattr(importlib.import_module(module_name), attr)
    code = entry(["--config", str(config), *flags, "--output_dir", str(output_dir)])
    result = read_result(output_dir)
    if code != 0 or result is None:
        raise ConfigError(f"stage {stage} ({config}) failed with exit code {code}")
    return result


@dataclass(frozen=True)
class EvalSettings:
    """How a pipeline evaluates a model (``agents.evaluate.EvalArgs`` fields).

    Attributes:
        granularity: ``step``, ``segment`` or ``proof``.
        search: The search algorithm (empty: the granularity's default).
        budget: Per search, e.g. ``expansions=16``.
        k: Candidates per expansion (0: the algorithm's default).
        attempts: Attempts per theorem.
        workers: Worker processes (0: this process).
        template: The prompt template the model was trained with.
        policy_args: Extra policy arguments (``temperature=1.0,max_new_tokens=64``).
        search_args: Extra search arguments.
        backend: The backend.
        seed: The base seed.
    """

    granularity: str = "segment"
    search: str = ""
    budget: str = "expansions=16"
    k: int = 4
    attempts: int = 1
    workers: int = 1
    template: str = "leandojo"
    policy_args: str = ""
    search_args: str = ""
    backend: str = "minilean"
    seed: int = 0


@dataclass
class PipelineArguments:
    """What the multi-stage runs (quickstart, expert iteration) share.

    Attributes:
        output_dir: The run folder.
        model_name_or_path: The starting model (``tiny``: built locally).
        model_seed: Seed of the tiny model.
        theorems: The theorem set; training reads its train side, evaluation its test side.
        test_fraction: Share of families held out when the rows carry no ``split``.
        split_seed: Seed of that family split.
        eval_limit: Evaluate on at most this many held-out theorems (0: all).
        granularity: Search granularity (``step``, ``segment``, ``proof``).
        search: The search algorithm (empty: the granularity's default).
        budget: Search budget per theorem.
        k: Candidates per expansion.
        attempts: Attempts per theorem.
        workers: Search worker processes (0: this process).
        template: The prompt template of the trained model.
        policy: How the searches sample: ``hf`` (transformers) or ``vllm``.
        policy_args: Extra policy arguments (``temperature=1.0,max_new_tokens=48``).
        backend: The backend.
        seed: Base seed of the searches.
        torch_threads: torch CPU threads here and in the eval workers (None: torch's default).
    """

    output_dir: str = field(default="runs/pipeline", metadata={"help": "the run folder"})
    model_name_or_path: str = field(default="tiny", metadata={"help": "starting model (tiny)"})
    model_seed: int = field(default=0, metadata={"help": "seed of the tiny model"})
    theorems: str = field(default="minilean-bench", metadata={"help": "theorem set"})
    test_fraction: float = field(default=0.2, metadata={"help": "held-out family share"})
    split_seed: int = field(default=0, metadata={"help": "seed of the family split"})
    eval_limit: int = field(default=0, metadata={"help": "at most N held-out theorems (0: all)"})
    granularity: str = field(default="segment", metadata={"help": "step, segment or proof"})
    search: str = field(default="", metadata={"help": "search algorithm"})
    budget: str = field(default="expansions=16", metadata={"help": "search budget"})
    k: int = field(default=4, metadata={"help": "candidates per expansion"})
    attempts: int = field(default=1, metadata={"help": "attempts per theorem"})
    workers: int = field(default=1, metadata={"help": "search worker processes"})
    template: str = field(default="leandojo", metadata={"help": "prompt template"})
    policy: str = field(default="hf", metadata={"help": "policy kind: hf or vllm"})
    policy_args: str = field(
        default="temperature=1.0,max_new_tokens=48", metadata={"help": "policy arguments"}
    )
    backend: str = field(default="minilean", metadata={"help": "backend"})
    seed: int = field(default=0, metadata={"help": "base seed of the searches"})
    torch_threads: int | None = field(default=None, metadata={"help": "torch CPU threads"})

    def eval_settings(self) -> EvalSettings:
        return EvalSettings(
            granularity=self.granularity,
            search=self.search,
            budget=self.budget,
            k=self.k,
            attempts=self.attempts,
            workers=self.workers,
            template=self.template,
            policy_args=self.policy_args,
            backend=self.backend,
            seed=self.seed,
        )

    def train_theorems(self, limit: int | None = None) -> list[Any]:
        """The train side of the split (at most ``limit`` theorems).

        Raises:
            ConfigError: When the theorem set cannot be read.
        """
        from training.theorem_sets import load_split

        try:
            return load_split(self.theorems, "train", test_fraction=self.test_fraction,
                              seed=self.split_seed, limit=limit)  # fmt: skip
        except (ValueError, FileNotFoundError) as exc:
            raise ConfigError(f"theorems: {exc}") from None

    def held_out(self, out: Path) -> tuple[list[Any], Path]:
        """The held-out theorems (``eval_limit`` applied), also written to OUT/heldout.jsonl."""
        from training.theorem_sets import load_split, write_theorems

        try:
            heldout = load_split(self.theorems, "test", test_fraction=self.test_fraction,
                                 seed=self.split_seed)  # fmt: skip
        except (ValueError, FileNotFoundError) as exc:
            raise ConfigError(f"theorems: {exc}") from None
        if self.eval_limit:
            heldout = heldout[: self.eval_limit]
        return heldout, write_theorems(heldout, out / "heldout.jsonl")

    def stage_flags(self) -> list[str]:
        """The flags every stage of the pipeline gets (the same theorems, split and template)."""
        return ["--theorems", self.theorems, "--test_fraction", str(self.test_fraction),
                "--split_seed", str(self.split_seed), "--template", self.template,
                "--backend", self.backend]  # fmt: skip

    def policy_spec(self, model: str) -> str:
        return f"{self.policy}:{model}"


def evaluate_model(
    model: str | os.PathLike[str] | None,
    theorems_file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    settings: EvalSettings,
    *,
    policy: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Evaluates ``hf:MODEL`` (or ``policy``) on the theorems of a jsonl file; the summary.

    Raises:
        ConfigError: For eval settings ``agents.evaluate`` refuses.
    """
    from agents.evaluate import EvalArgs, EvalArgsError, evaluate

    spec = policy or f"hf:{model}"
    args = EvalArgs(
        dataset=str(theorems_file),
        policy=spec,
        search=settings.search,
        granularity=settings.granularity,
        budget=settings.budget,
        attempts=settings.attempts,
        workers=settings.workers,
        out=str(out),
        backend=settings.backend,
        seed=settings.seed,
        k=settings.k,
        policy_args="" if spec == "scripted" else settings.policy_args,
        search_args=settings.search_args,
        template="" if spec == "scripted" else settings.template,
        progress=progress,
    )
    try:
        report = evaluate(args)
    except EvalArgsError as exc:
        raise ConfigError(f"eval: {exc}") from None
    return dict(report.summary)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A markdown table (floats with 3 significant digits)."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3g}"
        return "" if value is None else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_scalars(
    log_dir: str | os.PathLike[str], tag: str, values: Mapping[int, float] | Sequence[float]
) -> None:
    """Writes ``tag`` at steps 0, 1, ... (or the mapping's steps) to TensorBoard."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # pragma: no cover - tensorboard ships with the train extra
        logger.info("tensorboard is not installed; %s not logged", tag)
        return
    items = values.items() if isinstance(values, Mapping) else enumerate(values)
    writer = SummaryWriter(log_dir=str(log_dir))
    try:
        for step, value in items:
            writer.add_scalar(tag, float(value), int(step))
    finally:
        writer.close()


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Writes ``obj`` as indented JSON (atomically: a temporary file, then a rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, target)
    return target
