"""Self-improvement at fixed compute: SFT on trajectories, SFT with exploration data, self-play.

Three ways to train the same tiny prover from minilean-bench's training families, each given
the same number of prover training tokens (``--token-budget``, TRL's SFT through
``training.sft``'s ``token_budget``), each evaluated with the same search and budget on the
held-out test split (families no training command reads; :mod:`training.theorem_sets`):

* ``sft``: segment SFT on the replayed known proofs of the train side;
* ``sft+explore``: the same, on the trees ``lean_gym.data.exploration`` grows from them (the
  scripted library at every state of every known proof, each new proof verified), so that the
  segments of every verified alternative are training rows;
* ``self-play``: :mod:`training.self_play`, a bootstrap SFT on the known proofs with
  ``--bootstrap-share`` of the tokens (half by default), then ``--rounds`` rounds (conjectures
  screened by MiniLean, attempted ``--attempts`` times each, the band's proofs and the known
  proofs trained on with an equal share of the rest). Its searches and screens cost Lean calls and policy calls the SFT
  runs do not spend; the table reports them.

Each method runs for every seed (``--seeds``: the tiny model's initialisation, the trainer's
and the searches' seeds); the table gives the held-out solved count per seed and their mean
and standard deviation side by side, and the PNG the learning curve: held-out solved against
prover training tokens, one point per self-play round (bootstrap = round 0) and one per SFT
method. Every step resumes (stage results, eval folders, the self-play log), so a killed run
continues where it stopped.

Run (full, under one hour on a quiet 2-core CPU)::

    python benchmarks/self_improvement.py --out runs/bench/self_improvement

Smoke run (a minute)::

    python benchmarks/self_improvement.py --tiny --out runs/bench/self_improvement_tiny
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("sft", "sft+explore", "self-play")


@dataclass
class Args:
    """Arguments of the self-improvement benchmark.

    Attributes:
        out: The run folder (resumable).
        theorems: The theorem set: its train side trains, its test side is held out.
        test_fraction: Share of families held out when the rows carry no split field.
        split_seed: Seed of that family split.
        seeds: Comma-separated seeds; each method runs once per seed.
        token_budget: Prover SFT tokens per method (self-play: bootstrap_share of them for
            the bootstrap, the rest shared equally by the rounds).
        bootstrap_share: The self-play bootstrap's share of token_budget.
        rounds: Self-play rounds.
        budget: Search budget of every evaluation and self-play attempt.
        k: Candidates per expansion.
        attempts: Self-play attempts per conjecture.
        max_conjectures: Conjectures attempted per self-play round.
        band_low: Lowest success rate of the self-play band.
        band_high: Highest.
        conjecturer: Self-play conjecturer: rules, model or both.
        explore_depth: Exploration depth from the known states.
        explore_calls: Exploration Lean calls per theorem.
        limit: At most this many train theorems.
        eval_limit: At most this many held-out theorems (0: all).
        methods: Comma-separated methods to run (sft, sft+explore, self-play).
        tiny: Smoke settings: the smoke set, one seed, tiny budgets (overrides the above).
    """

    out: str = "runs/bench/self_improvement"
    theorems: str = "minilean-bench"
    test_fraction: float = 0.2
    split_seed: int = 0
    seeds: str = "0,1,2"
    token_budget: int = 240_000
    bootstrap_share: float = 0.5
    rounds: int = 2
    budget: str = "expansions=16"
    k: int = 8
    attempts: int = 4
    max_conjectures: int = 100
    band_low: float = 0.25
    band_high: float = 0.75
    conjecturer: str = "both"
    explore_depth: int = 1
    explore_calls: int = 200
    limit: int | None = None
    eval_limit: int = 0
    methods: str = ",".join(METHODS)
    tiny: bool = False

    def __post_init__(self) -> None:
        if self.tiny:
            self.theorems, self.test_fraction, self.split_seed = "smoke", 0.2, 1
            self.seeds, self.token_budget, self.rounds = "0", 6_000, 1
            self.budget, self.attempts, self.max_conjectures = "expansions=4", 2, 12
            self.band_low, self.band_high, self.explore_calls = 0.5, 1.0, 60
        if not self.seed_list:
            raise ValueError("--seeds must list at least one seed, e.g. 0,1,2")
        unknown = set(self.method_list) - set(METHODS)
        if unknown or not self.method_list:
            raise ValueError(f"--methods must be among {', '.join(METHODS)}, got {self.methods}")
        if self.token_budget < 1000:
            raise ValueError("--token-budget must be >= 1000")
        if not 0.0 < self.bootstrap_share < 1.0:
            raise ValueError("--bootstrap-share must be in (0, 1)")
        if self.rounds < 1:
            raise ValueError("--rounds must be >= 1")

    @property
    def seed_list(self) -> list[int]:
        try:
            return [int(s) for s in self.seeds.split(",") if s.strip()]
        except ValueError:
            raise ValueError(
                f"--seeds must be integers separated by commas, got {self.seeds!r}"
            ) from None

    @property
    def method_list(self) -> list[str]:
        return [m.strip() for m in self.methods.split(",") if m.strip()]


def _sft_flags(args: Args, seed: int, tokens: int) -> list[str]:
    return [f"token_budget={tokens}", f"seed={seed}", "report_to=tensorboard", "logging_steps=10"]


def _prepare(args: Args, out: Path) -> dict[str, Any]:
    """The splits, the known proofs' trajectories and the explored trees (shared by seeds)."""
    from lean_gym.backends import make_backend
    from lean_gym.data.exploration import ExplorationConfig, explore
    from lean_gym.data.trajectories import read_jsonl, write_jsonl
    from training.corpus import replay_trajectories
    from training.theorem_sets import load_split, write_theorems

    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    train = load_split(args.theorems, "train", test_fraction=args.test_fraction,
                       seed=args.split_seed, limit=args.limit)  # fmt: skip
    heldout = load_split(args.theorems, "test", test_fraction=args.test_fraction,
                         seed=args.split_seed)  # fmt: skip
    if args.eval_limit:
        heldout = heldout[: args.eval_limit]
    heldout_file = write_theorems(heldout, data / "heldout.jsonl")
    known_file = data / "known.jsonl"
    if not known_file.is_file():
        write_jsonl(replay_trajectories(train, "minilean"), known_file)
    explored_file = data / "explored.jsonl"
    report_file = data / "explored.report.json"
    if not explored_file.is_file() or not report_file.is_file():
        config = ExplorationConfig(depth=args.explore_depth, max_lean_calls=args.explore_calls)
        with make_backend("minilean") as backend:
            result = explore(backend, read_jsonl(known_file), config, progress=True)
        write_jsonl(result.trees, explored_file)
        report_file.write_text(json.dumps(result.report.to_json(), indent=2) + "\n")
    return {
        "train": len(train),
        "heldout": len(heldout),
        "heldout_file": heldout_file,
        "known_file": known_file,
        "explored_file": explored_file,
        "exploration": json.loads(report_file.read_text()),
    }


def _segment_rows(path: Path) -> int:
    from lean_gym.data.segments import dedup_rows, make_segmenter, segment_rows
    from lean_gym.data.trajectories import read_jsonl

    return len(dedup_rows(segment_rows(read_jsonl(path), make_segmenter("goal-change"))))


def _eval_cost(folder: Path) -> dict[str, float]:
    from agents.evaluate import read_results

    rows = read_results(folder / "results.jsonl")
    return {
        "lean_calls": float(sum(r.get("lean_calls") or 0 for r in rows)),
        "policy_calls": float(sum(r.get("policy_calls") or 0 for r in rows)),
    }


def _run_sft(args: Args, data: dict[str, Any], seed: int, method: str, model: str,
             out: Path) -> dict[str, Any]:  # fmt: skip
    from training.pipeline import EvalSettings, evaluate_model, run_stage_once, stage_flags

    trajectories = data["known_file"] if method == "sft" else data["explored_file"]
    folder = out / f"seed-{seed}" / method
    flags = ["--trajectories", str(trajectories), "--model_name_or_path", model,
             "--template", "leandojo", *stage_flags(_sft_flags(args, seed, args.token_budget))]  # fmt: skip
    result = run_stage_once(ROOT / "training/configs/cpu/sft.yaml", folder / "sft", flags)
    settings = EvalSettings(granularity="step", budget=args.budget, k=args.k, workers=0,
                            policy_args="temperature=1.0,max_new_tokens=48", seed=seed)  # fmt: skip
    summary = evaluate_model(folder / "sft", data["heldout_file"], folder / "eval", settings)
    return {
        "solved": int(summary.get("solved", 0)),
        "total": int(summary.get("total", 0)),
        "tokens": args.token_budget,
        "sft_rows": result.rows,
        "sft_steps": result.steps,
        "search_cost": {},
        "curve": [(args.token_budget, int(summary.get("solved", 0)))],
    }


def _run_self_play(args: Args, data: dict[str, Any], seed: int, model: str,
                   out: Path) -> dict[str, Any]:  # fmt: skip
    from training.self_play import SelfPlayArguments, run_self_play

    half = int(args.token_budget * args.bootstrap_share)
    per_round = (args.token_budget - half) // args.rounds
    folder = out / f"seed-{seed}" / "self-play"
    sp = SelfPlayArguments(
        output_dir=str(folder),
        model_name_or_path=model,
        model_seed=seed,
        theorems=args.theorems,
        test_fraction=args.test_fraction,
        split_seed=args.split_seed,
        limit=args.limit,
        eval_limit=args.eval_limit,
        rounds=args.rounds,
        conjecturer=args.conjecturer,
        max_conjectures=args.max_conjectures,
        conjecture_attempts=args.attempts,
        band_low=args.band_low,
        band_high=args.band_high,
        sft_config=str(ROOT / "training/configs/cpu/sft.yaml"),
        sft_args=_sft_flags(args, seed, per_round),
        bootstrap_sft_args=[f"token_budget={half}"],
        conjecturer_sft_args=["num_train_epochs=4", f"seed={seed}", "report_to=none"],
        budget=args.budget,
        k=args.k,
        workers=0,
        seed=seed,
        torch_threads=1,
    )
    summary = run_self_play(sp)
    rounds = summary["rounds"]
    final = rounds[-1]
    curve = []
    for record in rounds:
        r = int(record["round"])
        tokens = half + per_round * r
        curve.append((tokens, int(record["heldout_solved"])))
    cost = {"lean_calls": 0.0, "policy_calls": 0.0, "screen_lean_calls": 0.0}
    for r in range(1, args.rounds + 1):
        attempts = folder / f"round-{r}" / "attempts"
        if (attempts / "results.jsonl").is_file():
            for key, value in _eval_cost(attempts).items():
                cost[key] += value
    cost["screen_lean_calls"] = float(sum(x.get("screen_lean_calls", 0) for x in rounds))
    return {
        "solved": int(final["heldout_solved"]),
        "total": int(final["heldout_total"]),
        "tokens": half + per_round * args.rounds,
        "search_cost": cost,
        "curve": curve,
        "rounds": [{k: v for k, v in x.items() if k != "band_conjectures"} for x in rounds],
        "disproved": sum(int(x.get("disproved", 0)) for x in rounds),
        "kept": sum(int(x.get("kept", 0)) for x in rounds),
        "band": sum(int(x.get("band", 0)) for x in rounds),
        "proofs_verified": sum(int(x.get("proofs_verified", 0)) for x in rounds),
    }


def _spread(values: list[int]) -> str:
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{mean:.1f} ± {std:.1f}"


def _table(args: Args, results: dict[str, dict[int, dict[str, Any]]], total: int) -> str:
    seeds = args.seed_list
    lines = [
        "| method | " + " | ".join(f"seed {s}" for s in seeds)
        + f" | mean ± sd (of {total}) | prover SFT tokens | extra search (Lean / policy calls) |",
        "|---|" + "---|" * len(seeds) + "---|---|---|",
    ]  # fmt: skip
    for method in args.method_list:
        runs = results.get(method, {})
        if not runs:
            continue
        solved = [runs[s]["solved"] for s in seeds if s in runs]
        cells = [str(runs[s]["solved"]) if s in runs else "" for s in seeds]
        costs = [runs[s]["search_cost"] for s in seeds if s in runs and runs[s]["search_cost"]]
        extra = "none"
        if costs:
            lean = statistics.fmean(c["lean_calls"] + c.get("screen_lean_calls", 0) for c in costs)
            policy = statistics.fmean(c["policy_calls"] for c in costs)
            extra = f"{lean:,.0f} / {policy:,.0f} per seed"
        tokens = statistics.fmean(runs[s]["tokens"] for s in seeds if s in runs)
        lines.append(
            f"| {method} | " + " | ".join(cells) + f" | {_spread(solved)} | {tokens:,.0f} | "
            f"{extra} |"
        )
    return "\n".join(lines)


def _plot(
    args: Args, results: dict[str, dict[int, dict[str, Any]]], total: int, path: Path
) -> None:
    try:
        from agents.plots import pyplot
    except ImportError as exc:  # pragma: no cover
        print(f"no plot: {exc}", file=sys.stderr)
        return
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    markers = {"sft": "s", "sft+explore": "D", "self-play": "o"}
    for method, runs in results.items():
        if not runs:
            continue
        curves = [runs[s]["curve"] for s in sorted(runs)]
        length = min(len(c) for c in curves)
        xs = [curves[0][i][0] for i in range(length)]
        means = [statistics.fmean(c[i][1] for c in curves) for i in range(length)]
        stds = [statistics.stdev([c[i][1] for c in curves]) if len(curves) > 1 else 0.0
                for i in range(length)]  # fmt: skip
        axes.errorbar(xs, means, yerr=stds, marker=markers.get(method, "o"), capsize=4,
                      label=f"{method} ({len(curves)} seed{'s' if len(curves) > 1 else ''})")  # fmt: skip
        if method == "self-play":
            for i, (x, y) in enumerate(zip(xs, means, strict=True)):
                axes.annotate(f"round {i}", (x, y), textcoords="offset points", xytext=(4, 6),
                              fontsize=8)  # fmt: skip
    axes.set_xlabel("prover SFT tokens")
    axes.set_ylabel(f"held-out solved (of {total})")
    axes.set_title(f"Self-improvement at fixed compute ({args.theorems}, held-out families)")
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(args: Args) -> dict[str, Any]:
    """Runs (or resumes) every method for every seed; writes the json, the table and the PNG."""
    from tqdm.auto import tqdm

    from agents.models.tiny import build_tiny_model
    from training.stage_args import apply_torch_threads

    apply_torch_threads(1)
    out = Path(args.out)
    began = time.perf_counter()
    data = _prepare(args, out)
    rows = {"sft": _segment_rows(data["known_file"]),
            "sft+explore": _segment_rows(data["explored_file"])}  # fmt: skip
    results: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in args.method_list}
    steps = [(s, m) for s in args.seed_list for m in args.method_list]
    bar = tqdm(steps, desc="self-improvement", unit="run")
    for seed, method in bar:
        bar.set_postfix_str(f"seed {seed}: {method}")
        model = str(build_tiny_model(out / f"seed-{seed}" / "tiny-model", seed=seed))
        if method == "self-play":
            results[method][seed] = _run_self_play(args, data, seed, model, out)
        else:
            results[method][seed] = _run_sft(args, data, seed, method, model, out)
        results[method][seed]["seconds"] = time.perf_counter() - began
    bar.close()
    total = data["heldout"]
    table = _table(args, results, total)
    exploration = data["exploration"]
    notes = [
        f"train theorems: {data['train']}; held-out (test split): {total}; search: best-first, "
        f"{args.budget}, k={args.k}",
        f"SFT rows (goal-change segments): sft {rows['sft']}, sft+explore {rows['sft+explore']}"
        f" (exploration: {exploration['states_explored']} states, "
        f"{exploration['mean_valid_per_known_state']:.2f} valid tactics per known state "
        f"against {exploration['mean_known_per_state']:.2f} known, {exploration['new_proofs']} "
        f"new proofs, {exploration['lean_calls']} Lean calls)",
    ]
    if "self-play" in results and results["self-play"]:
        sp = list(results["self-play"].values())
        notes.append(
            "self-play per seed: conjectures kept "
            + ", ".join(str(x["kept"]) for x in sp) + "; disproved "
            + ", ".join(str(x["disproved"]) for x in sp) + "; in the band "
            + ", ".join(str(x["band"]) for x in sp) + "; proofs verified and trained on "
            + ", ".join(str(x["proofs_verified"]) for x in sp)
        )  # fmt: skip
    report = {
        "args": asdict(args),
        "table": table,
        "notes": notes,
        "results": {m: {str(s): r for s, r in runs.items()} for m, runs in results.items()},
        "seconds": time.perf_counter() - began,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "self_improvement.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (out / "self_improvement.md").write_text(table + "\n\n" + "\n".join(notes) + "\n")
    _plot(args, results, total, out / "self_improvement.png")
    print(table)
    print()
    for note in notes:
        print(note)
    print(f"\n{out / 'self_improvement.png'}; {report['seconds'] / 60:.1f} minutes")
    return report


if __name__ == "__main__":
    import argparse

    from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace
    from lean_gym.errors import UsageError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataclass_arguments(parser, Args)
    try:
        parsed = dataclass_from_namespace(Args, parser.parse_args())
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    main(parsed)
