"""Does segment-level supervision teach a model more than step-level or whole-proof supervision?

The measured comparison of issue 13, on minilean-bench: the train side (families) for
training, the held-out families (:mod:`training.theorem_sets`) for evaluation, the tiny
2-layer Qwen2 built locally from the same seed for every arm of a seed:

==================  ===================================================================
arm                 what                                       evaluated with
==================  ===================================================================
``untrained``       the model as built                         segment-best-first
``step-sft``        SFT on one-tactic rows (``step``)           best-first (step)
``segment-sft``     SFT on goal-change segments                segment-best-first
``whole-sft``       SFT on whole proofs from the root          whole-proof sampling
``segment-grpo``    ``segment-sft`` + segment-mode GRPO        segment-best-first
==================  ===================================================================

Same compute: every SFT arm trains on the same number of tokens (``token_budget``, prompt and
completion, counted with the model's tokenizer), whatever its number of rows. Same search
budget: every eval makes at most ``expansions`` policy calls of ``k`` samples each (whole-proof
sampling: ``expansions`` rounds of ``k`` proofs), with the same sampling settings. A tree
search stops when no open state is left (a failed search of the tiny model usually ends after
one or two policy calls), while whole-proof sampling spends every round, so the table also
shows what each arm spent (policy calls and Lean calls per theorem) and, as the equal-samples
view, the theorems solved within the first policy call (``k`` samples from the root, for every
arm). A proof counts only when the eval runner's re-verification (integrity rules) accepts it. All arms of a
seed run in one process, one after the other; the table gives the mean and the standard
deviation over the seeds, and the per-seed numbers.

Writes ``OUT/learning_signal.json``, ``OUT/learning_signal.md`` and ``OUT/learning_signal.png``.

Run (the full measurement, under an hour on 2 CPU cores)::

    python benchmarks/learning_signal.py --out runs/learning-signal

and ``--tiny`` for a smoke run in about a minute (the smoke set, one seed, a few steps).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace  # noqa: E402

CONFIGS = ROOT / "training" / "configs" / "cpu"
ARMS = ("untrained", "step-sft", "segment-sft", "whole-sft", "segment-grpo")
# arm -> (segmenter, eval granularity, eval search)
SFT_ARMS = {
    "step-sft": ("step", "step", "best-first"),
    "segment-sft": ("goal-change", "segment", "segment-best-first"),
    "whole-sft": ("whole", "proof", "whole-proof"),
}


@dataclass
class Args:
    """Arguments of the learning-signal benchmark.

    Attributes:
        out: The output folder (models, eval run folders, the table and the plot).
        seeds: How many seeds (model initialisation, data order, sampling).
        theorems: The theorem set.
        test_fraction: Share of families held out (when the rows carry no split).
        eval_limit: Evaluate on at most this many held-out theorems (0: all).
        token_budget: Tokens every SFT arm trains on.
        learning_rate: SFT learning rate.
        grpo_steps: GRPO steps of the segment-grpo arm.
        grpo_learning_rate: GRPO learning rate.
        expansions: Policy calls per search.
        k: Samples per policy call.
        temperature: Sampling temperature of the evals.
        max_new_tokens: Longest sample of the evals.
        workers: Eval worker processes (0: in this process).
        tiny: Smoke settings (the smoke set, one seed, a few steps): seconds, not minutes.
    """

    out: str = "runs/learning-signal"
    seeds: int = 3
    theorems: str = "minilean-bench"
    test_fraction: float = 0.2
    eval_limit: int = 0
    token_budget: int = 240000
    learning_rate: float = 3e-3
    grpo_steps: int = 60
    grpo_learning_rate: float = 5e-5
    expansions: int = 8
    k: int = 8
    temperature: float = 1.0
    max_new_tokens: int = 96
    workers: int = 1
    tiny: bool = False

    def apply_tiny(self) -> None:
        if self.tiny:
            self.seeds, self.theorems, self.test_fraction = 1, "smoke", 0.4
            self.token_budget, self.grpo_steps, self.expansions, self.k = 3000, 2, 2, 2
            self.workers = 0


def _sft_flags(args: Args, segmenter: str, seed: int) -> list[str]:
    return [
        "--theorems", args.theorems, "--test_fraction", str(args.test_fraction),
        "--segmenter", segmenter, "--template", "leandojo",
        "--token_budget", str(args.token_budget), "--learning_rate", str(args.learning_rate),
        "--seed", str(seed), "--report_to", "none", "--logging_steps", "10",
    ]  # fmt: skip


def run_seed(args: Args, seed: int, heldout_file: Path, out: Path) -> dict[str, Any]:
    """Trains and evaluates every arm for one seed; ``{arm: {solved, total, ...}}``."""
    from agents.models.tiny import build_tiny_model
    from training.pipeline import EvalSettings, evaluate_model, run_stage_once

    base = str(build_tiny_model(out / "tiny-model", seed=seed))
    models: dict[str, tuple[str, str, str]] = {"untrained": (base, "segment", "")}
    trained: dict[str, Any] = {}
    for arm, (segmenter, granularity, search) in SFT_ARMS.items():
        flags = ["--model_name_or_path", base, *_sft_flags(args, segmenter, seed)]
        trained[arm] = run_stage_once(CONFIGS / "sft.yaml", out / arm, flags)
        models[arm] = (str(out / arm), granularity, search)
    grpo_flags = [
        "--model_name_or_path", str(out / "segment-sft"), "--theorems", args.theorems,
        "--test_fraction", str(args.test_fraction), "--max_steps", str(args.grpo_steps),
        "--learning_rate", str(args.grpo_learning_rate), "--max_prompts", "100000",
        "--per_device_train_batch_size", "16", "--num_generations", "8",
        "--seed", str(seed), "--report_to", "none",
    ]  # fmt: skip
    trained["segment-grpo"] = run_stage_once(CONFIGS / "grpo_segment.yaml", out / "segment-grpo",
                                             grpo_flags)  # fmt: skip
    models["segment-grpo"] = (str(out / "segment-grpo"), "segment", "")
    results: dict[str, Any] = {}
    for arm in ARMS:
        path, granularity, search = models[arm]
        settings = EvalSettings(
            granularity=granularity,
            search=search,
            budget=f"expansions={args.expansions}",
            k=args.k,
            workers=args.workers,
            template="leandojo",
            policy_args=f"temperature={args.temperature},max_new_tokens={args.max_new_tokens}",
            search_args="rounds=none" if search == "whole-proof" else "",
            seed=seed,
        )
        summary = evaluate_model(path, heldout_file, out / "eval" / arm, settings, progress=False)
        spent = _spending(out / "eval" / arm)
        stage = trained.get(arm)
        tokens = (stage.tokens if stage else 0) + (
            trained["segment-sft"].tokens if arm == "segment-grpo" else 0
        )
        results[arm] = {
            "solved": int(summary["solved"]),
            "total": int(summary["total"]),
            "solved_pct": float(summary["solved_pct"]),
            "lean_calls_per_solved": (summary.get("per_solved") or {}).get("lean_calls"),
            "train_tokens": tokens,
            "train_steps": stage.steps if stage else 0,
            "train_rows": stage.rows if stage else 0,
            "granularity": granularity,
            **spent,
        }
        print(f"  seed {seed} {arm:>13}: {results[arm]['solved']}/{results[arm]['total']} "
              f"held-out solved ({results[arm]['train_tokens']} training tokens)", flush=True)  # fmt: skip
    return results


def _spending(eval_dir: Path) -> dict[str, float]:
    """What the searches actually spent, per theorem, and the theorems solved within the
    first policy call (the same k samples from the root for every arm)."""
    from agents.evaluate import read_results

    rows = read_results(eval_dir / "results.jsonl")
    n = max(1, len(rows))
    return {
        "policy_calls_per_theorem": sum(r["policy_calls"] for r in rows) / n,
        "lean_calls_per_theorem": sum(r["lean_calls"] for r in rows) / n,
        "solved_first_call": sum(1 for r in rows if r["solved"] and r["policy_calls"] <= 1),
    }


def table(per_seed: list[dict[str, Any]]) -> tuple[str, dict[str, dict[str, float]]]:
    """The markdown table (mean ± std over seeds, per-seed counts) and the stats."""
    from training.pipeline import markdown_table

    stats: dict[str, dict[str, float]] = {}
    rows = []
    for arm in ARMS:
        pct = [seed[arm]["solved_pct"] for seed in per_seed]
        counts = [seed[arm]["solved"] for seed in per_seed]
        tokens = [seed[arm]["train_tokens"] for seed in per_seed]
        first = [100.0 * seed[arm]["solved_first_call"] / seed[arm]["total"] for seed in per_seed]
        calls = [seed[arm]["policy_calls_per_theorem"] for seed in per_seed]
        lean = [seed[arm]["lean_calls_per_theorem"] for seed in per_seed]
        std = statistics.stdev(pct) if len(pct) > 1 else 0.0
        first_std = statistics.stdev(first) if len(first) > 1 else 0.0
        stats[arm] = {"mean": statistics.fmean(pct), "std": std,
                      "first_call_mean": statistics.fmean(first), "first_call_std": first_std}  # fmt: skip
        rows.append((
            arm, per_seed[0][arm]["granularity"], f"{statistics.fmean(pct):.1f} ± {std:.1f}",
            " / ".join(str(c) for c in counts),
            f"{statistics.fmean(first):.1f} ± {first_std:.1f}",
            f"{statistics.fmean(calls):.2f}", f"{statistics.fmean(lean):.1f}",
            int(statistics.fmean(tokens)),
        ))  # fmt: skip
    return markdown_table(
        ["arm", "eval", "held-out solved % (mean ± std)", "solved per seed",
         "solved within the first k samples %", "policy calls / theorem", "Lean calls / theorem",
         "training tokens (GRPO: SFT's + its own)"],
        rows,
    ), stats  # fmt: skip


def plot(stats: dict[str, dict[str, float]], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axis = plt.subplots(figsize=(7, 3.5))
    axis.bar(list(stats), [s["mean"] for s in stats.values()],
             yerr=[s["std"] for s in stats.values()], capsize=4, color="#4c72b0")  # fmt: skip
    axis.set_ylabel("held-out solved %")
    axis.set_title("tiny model, minilean-bench held-out families, same tokens and budget")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_dataclass_arguments(parser, Args)
    args = dataclass_from_namespace(Args, parser.parse_args(argv))
    args.apply_tiny()

    from training.stage_args import apply_torch_threads
    from training.theorem_sets import load_split, write_theorems

    apply_torch_threads(1)
    out = Path(args.out)
    heldout = load_split(args.theorems, "test", test_fraction=args.test_fraction)
    if args.eval_limit:
        heldout = heldout[: args.eval_limit]
    heldout_file = write_theorems(heldout, out / "heldout.jsonl")
    began = time.perf_counter()
    per_seed = []
    for seed in range(args.seeds):
        print(f"seed {seed}:", flush=True)
        per_seed.append(run_seed(args, seed, heldout_file, out / f"seed-{seed}"))
    text, stats = table(per_seed)
    seconds = time.perf_counter() - began
    report = {"args": asdict(args), "per_seed": per_seed, "stats": stats, "seconds": seconds,
              "heldout": [t.name for t in heldout]}  # fmt: skip
    (out / "learning_signal.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "learning_signal.md").write_text(text + "\n")
    plotted = plot(stats, out / "learning_signal.png")
    print()
    print(text)
    seg, others = stats["segment-sft"]["mean"], {a: stats[a]["mean"] for a in ARMS}
    print()
    for arm in ("untrained", "step-sft", "whole-sft"):
        verdict = ("more held-out theorems than" if seg > others[arm] else
                   "as many held-out theorems as" if seg == others[arm] else
                   "fewer held-out theorems than")  # fmt: skip
        print(f"segment SFT proves {verdict} {arm} ({seg:.1f}% vs {others[arm]:.1f}%)")
    grpo = others["segment-grpo"]
    print(f"GRPO after segment SFT: {grpo:.1f}% vs {seg:.1f}% for SFT alone "
          f"({'at least as many' if grpo >= seg else 'fewer'})")  # fmt: skip
    print(f"\n{seconds / 60:.1f} minutes; {out / 'learning_signal.md'}"
          f"{' and learning_signal.png' if plotted else ''}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
