"""The main job, ``lean-gym run``: one dataset through every env and the segment data pipeline.

For every theorem with a known proof it:

1. replays the proof on the backend into a trajectory (``s0 -a0-> s1 ... -> sn``) and verifies it
   through the integrity rules;
2. cuts the trajectories into goal-change segments (SFT rows) and ``gamma**d`` value labels;
3. plays the theorem in ``LeanStep-v0`` (one tactic per step), ``LeanSegment-v0`` (one
   goal-change segment per step) and ``LeanProof-v0`` (the whole proof), and counts proofs that
   earn reward, steps and Lean calls per granularity.

It is the end-to-end check that a setup works (backend, envs, integrity, data) and the first
table of the granularity experiment: the same theorems and verifier, only the action size
changes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["RunArgs", "GranularityResult", "RunSummary", "run", "register", "main"]


@dataclass
class RunArgs:
    """Arguments of ``lean-gym run``."""

    dataset: str = "smoke"
    """A shipped set name (``smoke``, ``minilean-bench``) or a jsonl path."""
    backend: str = "minilean"
    """A backend name (``minilean``, ``minilean-subprocess``, ``repl``, ``auto``)."""
    out: str = "runs/latest"
    """Directory for trajectories.jsonl, segments.jsonl, values.jsonl and summary.json."""
    limit: int | None = None
    """Use only the first N theorems."""
    segmenter: str = "goal-change"
    """How the segment env's actions and the SFT rows are cut."""
    max_len: int = 8
    """Longest segment of the goal-change segmenter."""
    gamma: float = 0.95
    """Discount of the value labels."""


@dataclass(frozen=True)
class GranularityResult:
    """How one env did on the dataset with the known proofs."""

    env_id: str
    episodes: int
    proved: int
    steps: int
    lean_calls: int
    failures: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunSummary:
    """What ``run`` did."""

    dataset: str
    backend: str
    theorems: int
    trajectories: int
    verified: int
    segment_rows: int
    validation_rows: int
    value_rows: int
    results: tuple[GranularityResult, ...]
    rejections: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _play(env: Any, theorem_name: str, actions: list[str]) -> tuple[bool, int, int, str | None]:
    """Plays ``actions`` from the theorem's root. Returns (proved, steps, lean calls, failure)."""
    _, info = env.reset(options={"theorem": theorem_name})
    steps = 0
    reward = 0.0
    terminated = truncated = False
    for action in actions:
        _, reward, terminated, truncated, info = env.step(action)
        steps += 1
        if info.get("error") is not None:
            return False, steps, int(info.get("lean_calls", 0)), str(info["error"])
        if terminated or truncated:
            break
    proved = bool(terminated and reward > 0)
    failure = None if proved else f"ended with reward {reward}, {info.get('num_goals')} goals"
    return proved, steps, int(info.get("lean_calls", 0)), failure


def run(args: RunArgs) -> RunSummary:
    """Runs the main job and writes its files into ``args.out``."""
    import gymnasium as gym

    import lean_gym
    from lean_gym import integrity
    from lean_gym.backends import make_backend
    from lean_gym.data import (
        build_trajectory,
        dedup_rows,
        load_theorems,
        make_segmenter,
        segment_rows,
        split_by_theorem,
        value_rows,
        write_jsonl,
    )

    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    theorems = [t for t in load_theorems(args.dataset, limit=args.limit) if t.proof is not None]
    segmenter = make_segmenter(
        args.segmenter, max_len=args.max_len if args.segmenter == "goal-change" else None
    )
    integrity.DEFAULT_COUNTER.reset()

    with make_backend(args.backend) as backend:
        trajectories = [build_trajectory(backend, theorem) for theorem in theorems]
        write_jsonl(trajectories, out / "trajectories.jsonl")
        rows = dedup_rows(segment_rows(trajectories, segmenter))
        train, val = split_by_theorem(rows)
        values = value_rows(trajectories, gamma=args.gamma)
        for name, data in (("segments", train), ("segments.val", val), ("values", values)):
            with open(out / f"{name}.jsonl", "w", encoding="utf-8") as fh:
                for row in data:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")

        by_name = {t.theorem.name: t for t in trajectories}
        results = []
        for env_id in lean_gym.ENV_IDS:
            env = gym.make(env_id, dataset=theorems, backend=backend)
            env_class = type(env.unwrapped)
            proved = steps = calls = 0
            failures: list[str] = []
            for theorem in theorems:
                assert theorem.proof is not None
                actions = env_class.actions_for_proof(
                    theorem.proof, trajectory=by_name[theorem.name], segmenter=segmenter
                )
                ok, n_steps, n_calls, failure = _play(env, theorem.name, actions)
                proved += ok
                steps += n_steps
                calls += n_calls
                if failure is not None:
                    failures.append(f"{theorem.name}: {failure}")
            env.close()
            results.append(
                GranularityResult(env_id, len(theorems), proved, steps, calls, tuple(failures))
            )

    summary = RunSummary(
        dataset=args.dataset,
        backend=args.backend,
        theorems=len(theorems),
        trajectories=len(trajectories),
        verified=sum(t.verified is True for t in trajectories),
        segment_rows=len(train),
        validation_rows=len(val),
        value_rows=len(values),
        results=tuple(results),
        rejections=integrity.DEFAULT_COUNTER.as_dict(),
        seconds=round(time.perf_counter() - started, 2),
    )
    with open(out / "summary.json", "w", encoding="utf-8") as fh:
        json.dump(asdict(summary), fh, indent=2, ensure_ascii=False)
    return summary


def print_summary(summary: RunSummary, out: str) -> None:
    print(
        f"dataset {summary.dataset}: {summary.theorems} theorems with known proofs, "
        f"backend {summary.backend}"
    )
    print(
        f"trajectories: {summary.trajectories} ({summary.verified} verified); "
        f"segment rows: {summary.segment_rows} train + {summary.validation_rows} validation; "
        f"value rows: {summary.value_rows}"
    )
    print(f"{'env':<16} {'proved':>9} {'steps':>7} {'lean calls':>11}")
    for r in summary.results:
        print(f"{r.env_id:<16} {r.proved:>4}/{r.episodes:<4} {r.steps:>7} {r.lean_calls:>11}")
    for r in summary.results:
        for failure in r.failures[:5]:
            print(f"  {r.env_id} not proved: {failure}")
        if len(r.failures) > 5:
            print(f"  {r.env_id}: {len(r.failures) - 5} more not proved (see summary.json)")
    if summary.rejections:
        print(f"integrity rejections: {summary.rejections}")
    print(f"files in {out}; {summary.seconds} s")


def _cmd_run(ns: argparse.Namespace) -> int:
    args = RunArgs(
        dataset=ns.dataset,
        backend=ns.backend,
        out=ns.out,
        limit=ns.limit,
        segmenter=ns.segmenter,
        max_len=ns.max_len,
        gamma=ns.gamma,
    )
    summary = run(args)
    print_summary(summary, args.out)
    every_env_proved_all = all(r.proved == r.episodes for r in summary.results)
    return 0 if every_env_proved_all and summary.verified == summary.theorems else 1


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Adds ``run`` to the ``lean-gym`` command line."""
    defaults = RunArgs()
    parser = subparsers.add_parser(
        "run",
        help="the main job: every env and the segment data pipeline on a dataset",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dataset", default=defaults.dataset)
    parser.add_argument("--backend", default=defaults.backend)
    parser.add_argument("--out", default=defaults.out)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument(
        "--segmenter", default=defaults.segmenter, choices=["goal-change", "fixed", "step", "whole"]
    )
    parser.add_argument("--max-len", type=int, default=defaults.max_len)
    parser.add_argument("--gamma", type=float, default=defaults.gamma)
    parser.set_defaults(func=_cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lean-gym")
    register(parser.add_subparsers(dest="command", required=True))
    ns = parser.parse_args(["run", *(argv if argv is not None else sys.argv[1:])])
    return ns.func(ns)


if __name__ == "__main__":
    sys.exit(main())
