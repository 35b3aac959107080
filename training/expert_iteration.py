"""Expert iteration: search with the current policy, learn from what it found, repeat.

The rounds of InternLM2.5-StepProver (expert iteration with a critic-selected curriculum),
CoProver (the generator and the value model trained every round: ``co_train``) and BFS-Prover
(step-level DPO on the search trees)::

    bootstrap   SFT on the known proofs of the train side (optional, ``known_proofs``)
                and a first value model (when ``value_config`` is set)
    round r     problems  <- the unsolved train theorems, uniformly sampled or the ones the
                             value model scores highest at their root (``curriculum: critic``:
                             "a critic model to select relatively easy problems")
                search    <- agents.evaluate with the current policy (value-guided best-first
                             when ``value_search``), trees kept in round-r/search/trees/
                data      <- every verified tree so far (+ the known proofs): segments,
                             gamma**d values, preference pairs
                sft       <- segment SFT from the current policy (then GRPO / DPO when configured)
                value     <- the value model (every round with ``co_train``)
                eval      <- the new policy on the held-out side

A proof counts only when the eval runner's re-verification through integrity accepted it: the
trees of attempts it did not accept are marked ``verified: false`` and give no training rows.
Every step leaves its folder (``stage_result.json`` for a stage, the eval's run folder), so
the run resumes from any round and step; ``OUTPUT_DIR/expert_iteration.json`` has the
per-round table.

::

    lean-gym train --config training/configs/cpu/expert_iteration.yaml
"""

from __future__ import annotations

import dataclasses
import json
import random
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

__all__ = [
    "ExpertIterationArguments",
    "CURRICULA",
    "select_problems",
    "verified_trees",
    "run_expert_iteration",
    "main",
]

CURRICULA = ("uniform", "critic")
STATE_FILE = "expert_iteration.json"


@dataclass
class ExpertIterationArguments(PipelineArguments):
    """The rounds (the shared fields are :class:`~training.pipeline.PipelineArguments'`; the
    search fields apply to the rounds' searches and to the held-out evals alike).

    Attributes:
        stage: Always ``expert-iteration``.
        limit: At most this many train theorems.
        rounds: Rounds to run (rerun with more to continue a finished run).
        problems_per_round: Unsolved theorems searched per round (0: all of them).
        curriculum: ``uniform`` or ``critic`` (needs ``value_config``).
        co_train: Train the value model every round (CoProver); else only at bootstrap.
        value_search: Search with the value model (value-guided best-first) once there is one.
        alpha: Weight of the policy's logprob in value-guided search (CoProver: 0.3).
        known_proofs: Bootstrap on the known proofs and keep them in every round's data.
        sft_config: The SFT stage's config.
        sft_args: Extra SFT flags (``name=value`` items, or ``--name value``).
        grpo_config: A GRPO stage after each round's SFT (empty: none).
        grpo_args: Extra GRPO flags.
        dpo_config: A DPO stage on each round's preference pairs (empty: none).
        dpo_args: Extra DPO flags.
        value_config: The value stage's config (empty: no value model).
        value_args: Extra value flags.
    """

    stage: str = field(default="expert-iteration", metadata={"help": "always this"})
    output_dir: str = field(default="runs/expert-iteration", metadata={"help": "run folder"})
    limit: int | None = field(default=None, metadata={"help": "at most N train theorems"})
    rounds: int = field(default=2, metadata={"help": "rounds to run"})
    problems_per_round: int = field(default=0, metadata={"help": "problems per round (0: all)"})
    curriculum: str = field(default="uniform", metadata={"help": "uniform or critic"})
    co_train: bool = field(default=False, metadata={"help": "value model every round"})
    value_search: bool = field(default=False, metadata={"help": "value-guided search"})
    alpha: float = field(default=0.3, metadata={"help": "logprob weight of value search"})
    known_proofs: bool = field(default=True, metadata={"help": "bootstrap on known proofs"})
    sft_config: str = field(
        default="training/configs/cpu/sft.yaml", metadata={"help": "SFT stage config"}
    )
    sft_args: list[str] = field(default_factory=list, metadata={"help": "extra SFT flags"})
    grpo_config: str = field(default="", metadata={"help": "GRPO config (empty: none)"})
    grpo_args: list[str] = field(default_factory=list, metadata={"help": "extra GRPO flags"})
    dpo_config: str = field(default="", metadata={"help": "DPO config (empty: none)"})
    dpo_args: list[str] = field(default_factory=list, metadata={"help": "extra DPO flags"})
    value_config: str = field(default="", metadata={"help": "value config (empty: none)"})
    value_args: list[str] = field(default_factory=list, metadata={"help": "extra value flags"})
    granularity: str = field(default="step", metadata={"help": "step, segment or proof"})
    k: int = field(default=8, metadata={"help": "candidates per expansion"})

    def check(self) -> None:
        """Refuses inconsistent settings before anything runs."""
        if self.rounds < 0:
            raise ConfigError("rounds must be >= 0")
        if self.curriculum not in CURRICULA:
            raise ConfigError(f"curriculum must be one of {CURRICULA}, got {self.curriculum!r}")
        needs_value = self.curriculum == "critic" or self.co_train or self.value_search
        if needs_value and not self.value_config:
            raise ConfigError("curriculum: critic, co_train and value_search need value_config")
        for name in ("sft_config", "grpo_config", "dpo_config", "value_config"):
            path = getattr(self, name)
            if path and not Path(path).is_file():
                raise ConfigError(f"{name}: no such file {path}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ConfigError("alpha must be in [0, 1]")


def select_problems(
    candidates: Sequence[Any],
    count: int,
    curriculum: str,
    *,
    value: Any = None,
    backend: Any = None,
    seed: int = 0,
) -> list[Any]:
    """The theorems a round searches.

    ``uniform``: ``count`` drawn at random (seeded). ``critic``: the ``count`` whose root state
    the value model scores highest, the relatively easy ones (InternLM2.5-StepProver); a theorem
    that cannot start scores 0.

    Args:
        candidates: The unsolved train theorems.
        count: How many (0 or more than there are: all of them, in the curriculum's order).
        curriculum: ``uniform`` or ``critic``.
        value: The value callable (``critic``).
        backend: A backend to start the theorems on (``critic``).
        seed: The draw's seed (``uniform``).
    """
    from lean_gym.errors import LeanGymError

    pool = list(candidates)
    count = len(pool) if count <= 0 else min(count, len(pool))
    if curriculum == "uniform":
        return random.Random(seed).sample(pool, count)
    if curriculum != "critic":
        raise ValueError(f"curriculum must be one of {CURRICULA}, got {curriculum!r}")
    if value is None or backend is None:
        raise ValueError("the critic curriculum needs a value model and a backend")
    roots: list[Any] = []
    for theorem in pool:
        try:
            roots.append(backend.start(theorem))
        except LeanGymError:
            roots.append(None)
    started = [r for r in roots if r is not None]
    scores = iter(value(started) if started else [])
    scored = [(next(scores) if root is not None else 0.0, i) for i, root in enumerate(roots)]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [pool[i] for _, i in scored[:count]]


def verified_trees(eval_dir: str | Path) -> tuple[list[Any], set[str]]:
    """The search trees of an eval folder, each marked with the runner's verdict.

    A tree whose attempt the runner did not count as solved gets ``verified: false`` when it
    holds a solved node (so that no training row comes from an unverified proof).

    Returns:
        The trees and the names of the theorems solved.
    """
    from agents.evaluate import read_results
    from lean_gym.data.trajectories import read_jsonl

    folder = Path(eval_dir)
    trees: list[Any] = []
    solved: set[str] = set()
    for row in read_results(folder / "results.jsonl"):
        if row.get("solved"):
            solved.add(str(row["theorem"]))
        if not row.get("tree"):
            continue
        path = folder / str(row["tree"])
        if not path.is_file():
            continue
        for tree in read_jsonl(path):
            verified = True if row.get("solved") else (False if tree.complete else None)
            reason = None if verified else ((row.get("verification") or {}).get("reason"))
            trees.append(dataclasses.replace(tree, verified=verified, verify_reason=reason))
    return trees, solved


def _state(out: Path) -> dict[str, Any]:
    path = out / STATE_FILE
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"rounds": []}


def run_expert_iteration(args: ExpertIterationArguments) -> dict[str, Any]:
    """Runs (or resumes) the rounds; returns what ``expert_iteration.json`` holds."""
    from tqdm.auto import tqdm

    from lean_gym.backends import make_backend
    from lean_gym.data.trajectories import write_jsonl
    from training.corpus import replay_trajectories
    from training.stage_args import apply_torch_threads
    from training.theorem_sets import write_theorems

    args.check()
    apply_torch_threads(args.torch_threads)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    train = args.train_theorems(args.limit)
    _, heldout_file = args.held_out(out)
    settings = args.eval_settings()
    shared = args.stage_flags()
    began = time.perf_counter()
    state = _state(out)
    steps_per_round = 4 + bool(args.grpo_config) + bool(args.dpo_config) + bool(args.co_train)
    bar = tqdm(total=args.rounds * steps_per_round + 2, desc="expert iteration", unit="step")

    def advance(label: str) -> None:
        bar.update(1)
        bar.set_postfix_str(label)

    try:
        policy = resolve_model(args.model_name_or_path, out, seed=args.model_seed)
        known_file: Path | None = None
        if args.known_proofs:
            known_file = out / "bootstrap" / "known_proofs.jsonl"
            if not known_file.is_file():
                write_jsonl(replay_trajectories(train, args.backend), known_file)
            policy = str(out / "bootstrap" / "sft")
            run_stage_once(args.sft_config, policy, [*shared, "--trajectories", str(known_file),
                           "--model_name_or_path", resolve_model(args.model_name_or_path, out,
                           seed=args.model_seed), *stage_flags(args.sft_args)])  # fmt: skip
        advance("bootstrap sft")
        value_dir: str | None = None
        if args.value_config:
            value_dir = str(out / "bootstrap" / "value")
            value_flags = [*shared, "--model_name_or_path", policy, *stage_flags(args.value_args)]
            if known_file is not None:
                value_flags += ["--trajectories", str(known_file)]
            run_stage_once(args.value_config, value_dir, value_flags)
        advance("bootstrap value")

        solved: set[str] = set()
        tree_dirs: list[Path] = []
        for r in range(args.rounds):
            round_dir = out / f"round-{r}"
            record: dict[str, Any] = {"round": r, "policy": policy, "value": value_dir}
            # -- problems
            problems_file = round_dir / "problems.jsonl"
            if problems_file.is_file():
                from lean_gym.data.theorems import load_theorems

                problems = list(load_theorems(problems_file))
            else:
                unsolved = [t for t in train if t.name not in solved]
                value = backend = None
                if args.curriculum == "critic":
                    from training.value import ValueModel

                    value = ValueModel(value_dir)  # type: ignore[arg-type]
                    backend = make_backend(args.backend)
                try:
                    problems = select_problems(unsolved, args.problems_per_round,
                                               args.curriculum, value=value, backend=backend,
                                               seed=args.seed + r)  # fmt: skip
                finally:
                    if backend is not None:
                        backend.close()
                if not problems:
                    bar.write(f"round {r}: every train theorem is solved; stopping")
                    break
                write_theorems(problems, problems_file)
            record["problems"] = len(problems)
            # -- search
            round_settings = dataclasses.replace(settings, seed=args.seed + 1000 * r)
            if args.value_search and value_dir:
                import training.value  # noqa: F401  (registers value-model-best-first)

                round_settings = dataclasses.replace(
                    round_settings, search="value-model-best-first", workers=0,
                    search_args=f"value_model={value_dir},alpha={args.alpha}",
                )  # fmt: skip
            search_summary = evaluate_model(policy, problems_file, round_dir / "search",
                                            round_settings, policy=args.policy_spec(policy))  # fmt: skip
            trees_of_round, solved_now = verified_trees(round_dir / "search")
            solved |= solved_now
            tree_dirs.append(round_dir / "search")
            record["search_solved"] = int(search_summary.get("solved", 0))
            record["solved_so_far"] = len(solved)
            advance(f"round {r} search: {record['search_solved']}/{len(problems)}")
            # -- data: every verified tree so far
            data_file = round_dir / "data" / "trees.jsonl"
            trees = [t for d in tree_dirs for t in verified_trees(d)[0]]
            write_jsonl(trees, data_file)
            sources = ",".join(str(p) for p in (known_file, data_file) if p is not None)
            record["trees"] = len(trees)
            advance(f"round {r} data: {len(trees)} trees")
            # -- policy stages
            sft_dir = str(round_dir / "sft")
            sft = run_stage_once(args.sft_config, sft_dir, [*shared, "--trajectories", sources,
                                 "--model_name_or_path", policy, *stage_flags(args.sft_args)])  # fmt: skip
            record["sft_rows"] = sft.rows
            policy = sft_dir
            advance(f"round {r} sft")
            if args.grpo_config:
                grpo_dir = str(round_dir / "grpo")
                run_stage_once(args.grpo_config, grpo_dir, [*shared, "--trajectories", sources,
                               "--model_name_or_path", policy, *stage_flags(args.grpo_args)])  # fmt: skip
                policy = grpo_dir
                advance(f"round {r} grpo")
            if args.dpo_config:
                from training.preferences import preference_pairs

                record["dpo_pairs"] = len(preference_pairs(trees, args.template))
                if record["dpo_pairs"]:  # a round whose trees have no failed sibling has none
                    dpo_dir = str(round_dir / "dpo")
                    run_stage_once(args.dpo_config, dpo_dir, [*shared, "--trajectories",
                                   str(data_file), "--model_name_or_path", policy,
                                   *stage_flags(args.dpo_args)])  # fmt: skip
                    policy = dpo_dir
                advance(f"round {r} dpo: {record['dpo_pairs']} pairs")
            if args.co_train and args.value_config:
                value_dir = str(round_dir / "value")
                run_stage_once(args.value_config, value_dir, [*shared, "--trajectories", sources,
                               "--model_name_or_path", policy, *stage_flags(args.value_args)])  # fmt: skip
                advance(f"round {r} value")
            record["policy_after"] = policy
            record["value_after"] = value_dir
            # -- held-out eval
            summary = evaluate_model(policy, heldout_file, round_dir / "eval", settings,
                                     policy=args.policy_spec(policy))  # fmt: skip
            record["heldout_solved"] = int(summary.get("solved", 0))
            record["heldout_total"] = int(summary.get("total", 0))
            record["heldout_solved_pct"] = float(summary.get("solved_pct", 0.0))
            advance(f"round {r} eval: {record['heldout_solved']}/{record['heldout_total']}")
            rounds = [x for x in state["rounds"] if x["round"] != r] + [record]
            state["rounds"] = sorted(rounds, key=lambda x: x["round"])
            write_json(out / STATE_FILE, state)
    finally:
        bar.close()
    done = [x for x in state["rounds"] if x["round"] < args.rounds]
    write_scalars(out / "tensorboard", "heldout/solved_pct",
                  {x["round"]: x["heldout_solved_pct"] for x in done})  # fmt: skip
    table = markdown_table(
        ["round", "problems", "solved in search", "solved so far", "trees", "SFT rows",
         "held-out solved", "solved %"],
        [(x["round"], x["problems"], x["search_solved"], x["solved_so_far"], x["trees"],
          x["sft_rows"], f"{x['heldout_solved']}/{x['heldout_total']}",
          x["heldout_solved_pct"]) for x in done],
    )  # fmt: skip
    state.update(args=asdict(args), seconds=time.perf_counter() - began)
    write_json(out / STATE_FILE, state)
    (out / "expert_iteration.md").write_text(table + "\n", encoding="utf-8")
    return {**state, "table": table}


def dataclass_types() -> tuple[type, ...]:
    """What this stage's ``TrlParser`` parses."""
    return (ExpertIterationArguments,)


def main(argv: Sequence[str] | None = None) -> int:
    """``lean-gym train --config training/configs/cpu/expert_iteration.yaml``."""
    try:
        (args,) = parse_stage_args(
            dataclass_types(), argv, prog="lean-gym train (expert-iteration)"
        )
        report = run_expert_iteration(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print()
    print(report["table"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
