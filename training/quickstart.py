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
    EvalSettings,
    evaluate_model,
    markdown_table,
    run_stage_once,
    stage_flags,
    write_json,
    write_scalars,
)

__all__ = ["QuickstartArguments", "run_quickstart", "main"]


@dataclass
class QuickstartArguments:
    """The quickstart pipeline.

    Attributes:
        stage: Always ``quickstart``.
        output_dir: The run folder (``sft/``, ``grpo/``, ``eval/``, ``heldout.jsonl``, tables).
        model_name_or_path: The base model (``tiny``: built locally).
        model_seed: Seed of the tiny model.
        theorems: The theorem set; training reads its train side, evaluation its test side.
        test_fraction: Share of families held out when the rows carry no ``split``.
        split_seed: Seed of that family split.
        eval_limit: Evaluate on at most this many held-out theorems (0: all).
        sft_config: The SFT stage's config.
        sft_args: Extra flags for the SFT stage (``name=value`` items, or ``--name value``).
        grpo_config: The GRPO stage's config (empty: no GRPO).
        grpo_args: Extra flags for the GRPO stage.
        evaluate_base: Also evaluate the untrained base model.
        granularity: Evaluation granularity (``step``, ``segment``, ``proof``).
        search: The search algorithm (empty: the granularity's default).
        budget: Search budget per theorem.
        k: Candidates per expansion.
        attempts: Attempts per theorem.
        workers: Evaluation worker processes (0: this process).
        template: The prompt template of the trained model.
        policy_args: Extra policy arguments (``temperature=1.0,max_new_tokens=48``).
        backend: The backend.
        seed: Base seed of the evaluations.
        torch_threads: torch CPU threads here and in the eval workers (None: torch's default).
    """

    stage: str = field(default="quickstart", metadata={"help": "always 'quickstart'"})
    output_dir: str = field(default="runs/quickstart", metadata={"help": "the run folder"})
    model_name_or_path: str = field(default="tiny", metadata={"help": "base model (tiny)"})
    model_seed: int = field(default=0, metadata={"help": "seed of the tiny model"})
    theorems: str = field(default="minilean-bench", metadata={"help": "theorem set"})
    test_fraction: float = field(default=0.2, metadata={"help": "held-out family share"})
    split_seed: int = field(default=0, metadata={"help": "seed of the family split"})
    eval_limit: int = field(default=0, metadata={"help": "at most N held-out theorems (0: all)"})
    sft_config: str = field(
        default="training/configs/cpu/sft.yaml", metadata={"help": "SFT stage config"}
    )
    sft_args: list[str] = field(default_factory=list, metadata={"help": "extra SFT flags"})
    grpo_config: str = field(
        default="training/configs/cpu/grpo_segment.yaml", metadata={"help": "GRPO config"}
    )
    grpo_args: list[str] = field(default_factory=list, metadata={"help": "extra GRPO flags"})
    evaluate_base: bool = field(default=True, metadata={"help": "evaluate the base model"})
    granularity: str = field(default="segment", metadata={"help": "step, segment or proof"})
    search: str = field(default="", metadata={"help": "search algorithm"})
    budget: str = field(default="expansions=16", metadata={"help": "search budget"})
    k: int = field(default=4, metadata={"help": "candidates per expansion"})
    attempts: int = field(default=1, metadata={"help": "attempts per theorem"})
    workers: int = field(default=1, metadata={"help": "eval worker processes"})
    template: str = field(default="leandojo", metadata={"help": "prompt template"})
    policy_args: str = field(
        default="temperature=1.0,max_new_tokens=48", metadata={"help": "policy arguments"}
    )
    backend: str = field(default="minilean", metadata={"help": "backend"})
    seed: int = field(default=0, metadata={"help": "base seed of the evaluations"})
    torch_threads: int | None = field(default=None, metadata={"help": "torch CPU threads"})


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
    from training.theorem_sets import load_split, write_theorems

    apply_torch_threads(args.torch_threads)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("sft_config", "grpo_config"):
        path = getattr(args, name)
        if path and not Path(path).is_file():
            raise ConfigError(f"{name}: no such file {path}")
    try:
        heldout = load_split(args.theorems, "test", test_fraction=args.test_fraction,
                             seed=args.split_seed)  # fmt: skip
    except (ValueError, FileNotFoundError) as exc:
        raise ConfigError(f"theorems: {exc}") from None
    if args.eval_limit:
        heldout = heldout[: args.eval_limit]
    heldout_file = write_theorems(heldout, out / "heldout.jsonl")
    settings = EvalSettings(
        granularity=args.granularity,
        search=args.search,
        budget=args.budget,
        k=args.k,
        attempts=args.attempts,
        workers=args.workers,
        template=args.template,
        policy_args=args.policy_args,
        backend=args.backend,
        seed=args.seed,
    )
    steps = ["sft", *(["grpo"] if args.grpo_config else [])]
    evals = [*(["base"] if args.evaluate_base else []), *steps]
    began = time.perf_counter()
    bar = tqdm(total=len(steps) + len(evals), desc="quickstart", unit="step")
    rows: list[dict[str, Any]] = []
    try:
        bar.set_postfix_str("base model")
        base = resolve_model(args.model_name_or_path, out, seed=args.model_seed)
        shared = ["--theorems", args.theorems, "--test_fraction", str(args.test_fraction),
                  "--split_seed", str(args.split_seed), "--template", args.template]  # fmt: skip
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
            summary = evaluate_model(models[name], heldout_file, out / "eval" / name, settings)
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


def main(argv: Sequence[str] | None = None) -> int:
    """``lean-gym train --config training/configs/cpu/quickstart.yaml``."""
    try:
        (args,) = parse_stage_args((QuickstartArguments,), argv, prog="lean-gym train (quickstart)")
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
