"""The whole loop in one command: segment SFT -> GRPO -> evaluation on held-out theorems.

::

    lean-gym train --config training/configs/cpu/quickstart.yaml

1. builds (or takes) the base model: ``model_name_or_path: tiny`` is the 2-layer Qwen2 with a
   locally trained tokenizer, so nothing is downloaded;
2. segment SFT on the train side of ``theorems`` (``sft_config``);
3. GRPO from the SFT model (``grpo_config``, any mode);
4. evaluates the base, SFT and GRPO models with the same search and budget on the held-out
   side (families never seen in training, :mod:`training.theorem_sets`), through
   ``agents.evaluate`` (``OUTPUT_DIR/eval/<stage>/``, ``lean-gym eval``'s run folders);
5. prints a table (stage, steps, loss or reward, held-out solved) and writes it to
   ``OUTPUT_DIR/quickstart.md`` / ``.json``; the held-out solved % goes to TensorBoard too
   (``OUTPUT_DIR/tensorboard``, next to each stage's own logs).

A progress bar follows the stages; the trainers and the evaluations show their own. Every
step is resumable: rerun the same command after a kill and finished stages are skipped.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from training.config import ConfigError, parse_stage_args, resolve_model
from training.pipeline import (
    PipelineArguments,
    evaluate_model,
    markdown_table,
    run_stage_once,
    stage_flags,
    write_json,
    write_scalars,
)

__all__ = ["QuickstartArguments", "run_quickstart", "main"]


@dataclass
class QuickstartArguments(PipelineArguments):
    """The quickstart pipeline (the shared fields are
    :class:`~training.pipeline.PipelineArguments`').

    Attributes:
        stage: Always ``quickstart``.
        sft_config: The SFT stage's config.
        sft_args: Extra flags for the SFT stage (``name=value`` items, or ``--name value``).
        grpo_config: The GRPO stage's config (empty: no GRPO).
        grpo_args: Extra flags for the GRPO stage.
        evaluate_base: Also evaluate the untrained base model.
    """

    stage: str = field(default="quickstart", metadata={"help": "always 'quickstart'"})
    output_dir: str = field(default="runs/quickstart", metadata={"help": "the run folder"})
    sft_config: str = field(
        default="training/configs/cpu/sft.yaml", metadata={"help": "SFT stage config"}
    )
    sft_args: list[str] = field(default_factory=list, metadata={"help": "extra SFT flags"})
    grpo_config: str = field(
        default="training/configs/cpu/grpo_segment.yaml", metadata={"help": "GRPO config"}
    )
    grpo_args: list[str] = field(default_factory=list, metadata={"help": "extra GRPO flags"})
    evaluate_base: bool = field(default=True, metadata={"help": "evaluate the base model"})


def _stage_figure(result: Any) -> str:
    metrics = result.metrics
    if "last_loss" in metrics:
        return f"loss {metrics['first_loss']:.3g} -> {metrics['last_loss']:.3g}"
    if "reward_mean" in metrics:
        return f"reward {metrics['first_reward']:.3g} -> {metrics['last_reward']:.3g}"
    return ""


def run_quickstart(args: QuickstartArguments) -> dict[str, Any]:
    """Runs (or resumes) the pipeline; returns what ``quickstart.json`` holds."""
    from tqdm.auto import tqdm

    from training.stage_args import apply_torch_threads

    apply_torch_threads(args.torch_threads)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("sft_config", "grpo_config"):
        path = getattr(args, name)
        if path and not Path(path).is_file():
            raise ConfigError(f"{name}: no such file {path}")
    heldout, heldout_file = args.held_out(out)
    settings = args.eval_settings()
    steps = ["sft", *(["grpo"] if args.grpo_config else [])]
    evals = [*(["base"] if args.evaluate_base else []), *steps]
    began = time.perf_counter()
    bar = tqdm(total=len(steps) + len(evals), desc="quickstart", unit="step")
    rows: list[dict[str, Any]] = []
    try:
        bar.set_postfix_str("base model")
        base = resolve_model(args.model_name_or_path, out, seed=args.model_seed)
        shared = args.stage_flags()
        models = {"base": base}
        results: dict[str, Any] = {}
        previous = base
        for step in steps:
            bar.set_postfix_str(step)
            config = args.sft_config if step == "sft" else args.grpo_config
            extra = stage_flags(args.sft_args if step == "sft" else args.grpo_args)
            flags = [*shared, "--model_name_or_path", previous, *extra]
            results[step] = run_stage_once(config, out / step, flags)
            models[step] = previous = str(out / step)
            bar.update(1)
        for name in evals:
            bar.set_postfix_str(f"eval {name}")
            summary = evaluate_model(models[name], heldout_file, out / "eval" / name, settings,
                                     policy=args.policy_spec(models[name]))  # fmt: skip
            stage = results.get(name)
            rows.append(
                {
                    "stage": name,
                    "steps": stage.steps if stage else 0,
                    "training": _stage_figure(stage) if stage else "untrained",
                    "solved": int(summary.get("solved", 0)),
                    "total": int(summary.get("total", 0)),
                    "solved_pct": float(summary.get("solved_pct", 0.0)),
                    "lean_calls_per_solved": (summary.get("per_solved") or {}).get("lean_calls"),
                    "eval_dir": str(out / "eval" / name),
                }
            )
            bar.update(1)
            bar.set_postfix(solved=f"{rows[-1]['solved']}/{rows[-1]['total']} ({name})")
    finally:
        bar.close()
    write_scalars(out / "tensorboard", "heldout/solved_pct", [r["solved_pct"] for r in rows])
    table = markdown_table(
        ["stage", "steps", "training", "held-out solved", "solved %", "Lean calls / solved"],
        [
            (
                r["stage"],
                r["steps"],
                r["training"],
                f"{r['solved']}/{r['total']}",
                r["solved_pct"],
                r["lean_calls_per_solved"],
            )  # fmt: skip
            for r in rows
        ],
    )
    report = {
        "args": asdict(args),
        "heldout": len(heldout),
        "rows": rows,
        "seconds": time.perf_counter() - began,
        "eval": asdict(settings),
    }
    write_json(out / "quickstart.json", report)
    (out / "quickstart.md").write_text(table + "\n", encoding="utf-8")
    report["table"] = table
    return report


def dataclass_types() -> tuple[type, ...]:
    """What this stage's ``TrlParser`` parses."""
    return (QuickstartArguments,)


def main(argv: Sequence[str] | None = None) -> int:
    """``lean-gym train --config training/configs/cpu/quickstart.yaml``."""
    try:
        (args,) = parse_stage_args(dataclass_types(), argv, prog="lean-gym train (quickstart)")
        report = run_quickstart(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print()
    print(f"held-out: {report['heldout']} theorems of {args.theorems} (families unseen in "
          f"training); search {args.search or 'default'} at {args.granularity} granularity, "
          f"budget {args.budget}, k={args.k}")  # fmt: skip
    print(report["table"])
    print(f"\n{json.dumps({'seconds': round(report['seconds'], 1), 'out': args.output_dir})}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
