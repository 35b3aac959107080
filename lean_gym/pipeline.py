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
from typing import Any

import gymnasium as gym

import lean_gym
from lean_gym import integrity
from lean_gym.cli_args import (
    CommandParser,
    add_dataclass_arguments,
    dataclass_from_namespace,
    plain_block,
    usage_error,
)
from lean_gym.cli_checks import check_output_dir, load_dataset, open_backend
from lean_gym.data.jsonl import write_rows
from lean_gym.data.segments import (
    Segmenter,
    SegmenterName,
    segmenter_from_options,
    write_segment_files,
)
from lean_gym.data.trajectories import Trajectory, build_trajectories, write_jsonl
from lean_gym.data.values import DEFAULT_GAMMA, value_rows
from lean_gym.errors import UsageError
from lean_gym.types import Theorem

__all__ = [
    "RunArgs",
    "GranularityResult",
    "RunSummary",
    "run",
    "print_summary",
    "register",
    "main",
]


@dataclass
class RunArgs:
    """Arguments of ``lean-gym run``.

    Attributes:
        dataset: A shipped set name (smoke, minilean-bench), a jsonl path or a Hugging Face
            dataset id.
        backend: A backend name (minilean, minilean-subprocess, repl, lsp, auto); see
            lean-gym backends.
        out: Directory for trajectories.jsonl, segments.jsonl, segments.val.jsonl,
            values.jsonl and summary.json (created if missing).
        limit: Use only the first N theorems (default: all).
        split: The rows of this split: train (default, so that minilean-bench's held-out test
            split never becomes training data), test, or all; for a Hugging Face dataset, its
            split. Rows without a split field are always used.
        segmenter: How the segment env's actions and the SFT rows are cut.
        max_len: goal-change: the longest segment.
        k: fixed: tactics per segment.
        gamma: The discount of the value labels, in (0, 1].
    """

    dataset: str = "smoke"
    backend: str = "minilean"
    out: str = "runs/latest"
    limit: int | None = None
    split: str = "train"
    segmenter: SegmenterName = "goal-change"
    max_len: int = 8
    k: int = 2
    gamma: float = DEFAULT_GAMMA

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise ValueError(
                f"--limit must be at least 1, got {self.limit} (omit it to use every theorem)"
            )
        if not 0.0 < self.gamma <= 1.0:
            raise ValueError(f"--gamma must be in (0, 1], got {self.gamma} (the default is "
                             f"{DEFAULT_GAMMA})")  # fmt: skip
        if self.max_len < 1:
            raise ValueError(f"--max-len must be at least 1, got {self.max_len}")
        if self.k < 1:
            raise ValueError(f"--k must be at least 1, got {self.k}")

    def make_segmenter(self) -> Segmenter:
        """The segmenter these arguments name (ValueError for bad options)."""
        return segmenter_from_options(self.segmenter, max_len=self.max_len, k=self.k)


@dataclass(frozen=True)
class GranularityResult:
    """How one env did on the dataset with the known proofs.

    Attributes:
        env_id: The registered env id.
        episodes: Theorems played.
        proved: Episodes that ended with the reward of a verified proof.
        steps: Env steps taken.
        lean_calls: Lean calls the env made.
        failures: ``name: why`` for each theorem not proved.
    """

    env_id: str
    episodes: int
    proved: int
    steps: int
    lean_calls: int
    failures: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunSummary:
    """What ``run`` did (written as ``summary.json`` by :meth:`to_json`).

    Attributes:
        dataset: The dataset argument.
        backend: The backend argument.
        split: The split whose rows were used (``train`` unless asked otherwise).
        theorems: Theorems with a known proof.
        trajectories: Trajectories built (theorems that could start).
        verified: Trajectories whose proof passed ``backend.verify``.
        segment_rows: Training segment rows.
        validation_rows: Validation segment rows.
        value_rows: Value-label rows.
        results: One :class:`GranularityResult` per registered env.
        could_not_start: ``name: why`` for each theorem skipped (not played in any env).
        rejections: Integrity rejection reasons counted during the run.
        seconds: Wall time of the run.
    """

    dataset: str
    backend: str
    theorems: int
    trajectories: int
    verified: int
    segment_rows: int
    validation_rows: int
    value_rows: int
    results: tuple[GranularityResult, ...]
    could_not_start: tuple[str, ...] = ()
    rejections: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    split: str = "all"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> RunSummary:
        results = tuple(
            GranularityResult(**{**r, "failures": tuple(r.get("failures", ()))})
            for r in obj.get("results", ())
        )
        return cls(
            **{
                **obj,
                "results": results,
                "could_not_start": tuple(obj.get("could_not_start", ())),
                "rejections": dict(obj.get("rejections", {})),
            }
        )

    @property
    def all_proved(self) -> bool:
        """Every theorem started, verified, and was proved in every env."""
        return (
            not self.could_not_start
            and self.verified == self.theorems
            and all(r.proved == r.episodes == self.theorems for r in self.results)
        )


def _play(env: gym.Env, theorem_name: str, actions: list[str]) -> tuple[bool, int, int, str | None]:
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


def _play_every_env(
    backend: Any, trajectories: list[Trajectory], segmenter: Segmenter
) -> list[GranularityResult]:
    """Each registered env plays every started theorem with its known proof, as its actions."""
    theorems: list[Theorem] = [t.theorem for t in trajectories]
    if not theorems:  # nothing started: no env to play in
        return [GranularityResult(env_id, 0, 0, 0, 0) for env_id in lean_gym.ENV_IDS]
    results = []
    for env_id in lean_gym.ENV_IDS:
        env = gym.make(env_id, dataset=theorems, backend=backend)
        env_class = type(env.unwrapped)
        proved = steps = calls = 0
        failures: list[str] = []
        for trajectory in trajectories:
            theorem = trajectory.theorem
            assert theorem.proof is not None
            actions = env_class.actions_for_proof(
                theorem.proof, trajectory=trajectory, segmenter=segmenter
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
    return results


def run(args: RunArgs) -> RunSummary:
    """Runs the main job and writes its files into ``args.out``.

    Everything is checked before anything is written (:mod:`lean_gym.cli_checks`): the output
    directory, the dataset, the segmenter options and the backend, which is probed once. A
    theorem that cannot start on the backend is reported in ``could_not_start`` and skipped
    (the data layer's policy, :func:`lean_gym.data.build_trajectories`).

    Raises:
        UsageError: For a dataset that cannot be loaded or has no known proof, an unknown or
            unavailable backend (no Lean for ``repl``, no leanclient for ``lsp``, no server for
            ``kimina``), bad segmenter options or an output path that is a file.
    """
    started = time.perf_counter()
    out = check_output_dir(args.out)
    loaded = load_dataset(args.dataset, split=args.split, limit=args.limit)
    try:
        segmenter = args.make_segmenter()
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    theorems = [t for t in loaded if t.proof is not None]
    if not theorems:
        raise UsageError(
            f"--dataset {args.dataset}: none of its {len(loaded)} theorems has a known proof, "
            "and lean-gym run replays known proofs; use lean-gym eval to search for proofs"
        )
    backend = open_backend(args.backend, header=theorems[0].header)
    integrity.DEFAULT_COUNTER.reset()

    with backend:
        trajectories, failures = build_trajectories(backend, theorems)
        write_jsonl(trajectories, out / "trajectories.jsonl")
        segments = write_segment_files(trajectories, segmenter, out / "segments.jsonl")
        values = value_rows(trajectories, gamma=args.gamma)
        write_rows(values, out / "values.jsonl")
        results = _play_every_env(backend, trajectories, segmenter)

    summary = RunSummary(
        dataset=args.dataset,
        backend=args.backend,
        theorems=len(theorems),
        trajectories=len(trajectories),
        verified=sum(t.verified is True for t in trajectories),
        segment_rows=len(segments.train),
        validation_rows=len(segments.validation),
        value_rows=len(values),
        results=tuple(results),
        could_not_start=tuple(str(failure) for failure in failures),
        rejections=integrity.DEFAULT_COUNTER.as_dict(),
        seconds=round(time.perf_counter() - started, 2),
        split=args.split,
    )
    with open(out / "summary.json", "w", encoding="utf-8") as fh:
        json.dump(summary.to_json(), fh, indent=2, ensure_ascii=False)
    return summary


def print_summary(summary: RunSummary, out: str) -> None:
    print(
        f"dataset {summary.dataset} (split {summary.split}): {summary.theorems} theorems with "
        f"known proofs, backend {summary.backend}"
    )
    print(
        f"trajectories: {summary.trajectories} ({summary.verified} verified); "
        f"segment rows: {summary.segment_rows} train + {summary.validation_rows} validation; "
        f"value rows: {summary.value_rows}"
    )
    if summary.could_not_start:
        print(f"could not start: {len(summary.could_not_start)} (not played)")
        for line in summary.could_not_start[:5]:
            print(f"  {line}")
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
    try:
        args = dataclass_from_namespace(RunArgs, ns)
        summary = run(args)
    except UsageError as exc:
        return usage_error(exc)
    print_summary(summary, args.out)
    return 0 if summary.all_proved else 1


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Adds ``run`` to the ``lean-gym`` command line."""
    parser = subparsers.add_parser(
        "run",
        help="the main job: every env and the segment data pipeline on a dataset",
        description=plain_block(__doc__ or ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_dataclass_arguments(parser, RunArgs)
    parser.set_defaults(func=_cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = CommandParser(prog="lean-gym")
    register(parser.add_subparsers(dest="command", required=True))
    ns = parser.parse_args(["run", *(argv if argv is not None else sys.argv[1:])])
    return ns.func(ns)


if __name__ == "__main__":
    sys.exit(main())
