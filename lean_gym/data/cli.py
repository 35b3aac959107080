"""``lean-gym data ...``: build trajectories, segment SFT rows and value labels from the shell.

::

    lean-gym data trajectories --dataset smoke --out T.jsonl [--backend minilean] [--limit N]
        [--split train]
    lean-gym data segments --trajectories T.jsonl --segmenter goal-change --out S.jsonl
        [--max-len 8] [--k 2] [--template leandojo] [--val-fraction 0.1] [--seed 0]
    lean-gym data values --trajectories T.jsonl [--gamma 0.95] --out V.jsonl [--negatives 4]
    lean-gym data check --dataset ../shared/data/minif2f/minif2f-valid.jsonl
        [--backend minilean] [--limit N] [--json REPORT.json] [--keep KEPT.jsonl]
    lean-gym data explore --trajectories T.jsonl --out E.jsonl [--sources library] [--depth 1]

Each command's flags and ``--help`` come from its argument dataclass (:class:`TrajectoriesArgs`,
:class:`SegmentsArgs`, :class:`ValuesArgs`, :class:`CheckArgs`) through :mod:`lean_gym.cli_args`.

* ``trajectories`` replays the known proofs of the ``--split`` rows (``train`` by default, so
  minilean-bench's held-out ``test`` split never becomes training data unless asked for) and
  says how many test theorems it held out and whether any of its statements leak into them.
* ``segments`` writes the training rows to ``--out`` and the validation rows next to it with
  ``.val`` before the extension (``S.jsonl`` -> ``S.val.jsonl``); the split is by template
  family (:mod:`lean_gym.data.splits`), and the leakage between the two sides (statements and
  prompts equal once variable names are normalised) is printed.
* ``values`` labels states with ``gamma ** d``; ``--negatives N`` adds N sampled tactics per
  state of each proof path, explored with a small budget (:mod:`lean_gym.data.negatives`), and
  the counts of positive and negative labels are printed.
* ``check`` starts every problem of a dataset and reports how many start, how many print the
  goal the dataset recorded (miniF2F's ``goal``) exactly, and the reasons for the rest
  (:mod:`lean_gym.data.check`); ``--keep`` writes the problems that started
  (:func:`lean_gym.data.startable.startable_theorems`).

Every command checks its arguments, its input and its backend before it writes anything. It
prints counts and a text histogram of lengths, and returns 0 on success, 1 when it produced
nothing, 2 for bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import functools
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace, usage_error
from lean_gym.cli_checks import check_output_file, load_dataset, open_backend
from lean_gym.data.check import check_theorems, recorded_goals
from lean_gym.data.explore_cli import ExploreArgs, run_explore
from lean_gym.data.jsonl import write_rows
from lean_gym.data.negatives import add_negative_branches
from lean_gym.data.segments import (
    SegmenterName,
    segmenter_from_options,
    validation_path,
    write_segment_files,
)
from lean_gym.data.splits import leakage
from lean_gym.data.templates import DEFAULT_TEMPLATE, TEMPLATES, get_template
from lean_gym.data.theorems import LoadedTheorems, load_theorems
from lean_gym.data.trajectories import Trajectory, build_trajectories, read_jsonl, write_jsonl
from lean_gym.data.values import DEFAULT_GAMMA, value_rows
from lean_gym.errors import UsageError

__all__ = [
    "register",
    "length_histogram",
    "validation_path",
    "TrajectoriesArgs",
    "SegmentsArgs",
    "ValuesArgs",
    "CheckArgs",
    "usage_error",
]


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise ValueError(f"--limit must be at least 1, got {limit} (omit it to use every row)")


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and timeout <= 0:
        raise ValueError(f"--timeout must be > 0 seconds, got {timeout}")


@dataclass
class TrajectoriesArgs:
    """Arguments of ``lean-gym data trajectories``: replay the known proofs of a dataset.

    Attributes:
        dataset: A shipped name, a .jsonl path or a Hugging Face dataset id.
        out: Output jsonl of trajectories.
        backend: The backend name (see lean-gym backends).
        limit: At most N theorems (default: all).
        split: The rows of this split: train (default: minilean-bench's test split is held
            out), test, or all; for a Hugging Face dataset, its split.
        timeout: Seconds per backend call (default: the backend's).
        no_verify: Do not check the whole proof with backend.verify.
    """

    dataset: str
    out: str
    backend: str = "minilean"
    limit: int | None = None
    split: str = "train"
    timeout: float | None = None
    no_verify: bool = False

    def __post_init__(self) -> None:
        _check_limit(self.limit)
        _check_timeout(self.timeout)


@dataclass
class SegmentsArgs:
    """Arguments of ``lean-gym data segments``: cut trajectories into prompt/completion rows.

    Attributes:
        trajectories: Input jsonl of trajectories.
        out: The training rows; the validation rows go to OUT with .val before the suffix.
        segmenter: How the proof paths are cut.
        max_len: goal-change: the longest segment.
        k: fixed: tactics per segment.
        template: The prompt template.
        val_fraction: The share of template families in validation, in [0, 1].
        seed: Seed of the train/validation hash.
        include_incomplete: Also use linear trajectories that never reached the end.
    """

    trajectories: str
    out: str
    segmenter: SegmenterName = "goal-change"
    max_len: int = 8
    k: int = 2
    template: str = field(default=DEFAULT_TEMPLATE, metadata={"choices": lambda: sorted(TEMPLATES)})
    val_fraction: float = 0.1
    seed: int = 0
    include_incomplete: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.val_fraction <= 1.0:
            raise ValueError(
                f"--val-fraction must be in [0, 1], got {self.val_fraction} (0.1 puts a tenth "
                "of the families in validation)"
            )


@dataclass
class ValuesArgs:
    """Arguments of ``lean-gym data values``: label states with gamma**d value targets.

    Attributes:
        trajectories: Input jsonl of trajectories.
        out: Output jsonl of value rows.
        gamma: The discount, in (0, 1].
        no_solved: Omit the "no goals" states.
        negatives: Sampled tactics per state of each proof path whose branches, explored with
            --budget Lean calls, give the negative labels (0: none, only the paths' states).
        budget: Lean calls spent exploring each sampled branch.
        backend: The backend that runs the sampled tactics (with --negatives).
        seed: Seed of the sampling.
    """

    trajectories: str
    out: str
    gamma: float = DEFAULT_GAMMA
    no_solved: bool = False
    negatives: int = 0
    budget: int = 8
    backend: str = "minilean"
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 < self.gamma <= 1.0:
            raise ValueError(f"--gamma must be in (0, 1], got {self.gamma} (the default is "
                             f"{DEFAULT_GAMMA})")  # fmt: skip
        if self.negatives < 0:
            raise ValueError(f"--negatives must be >= 0, got {self.negatives}")
        if self.budget < 0:
            raise ValueError(f"--budget must be >= 0, got {self.budget}")


@dataclass
class CheckArgs:
    """Arguments of ``lean-gym data check``: which problems start and print as Lean does.

    Attributes:
        dataset: A shipped name, a .jsonl path or a Hugging Face dataset id.
        backend: The backend name (see lean-gym backends).
        limit: At most N problems (default: all).
        split: The rows of this split (train, test, all; a Hugging Face dataset's split).
        timeout: Seconds per start (default: the backend's).
        json: Also write the whole report (every problem) to this JSON file.
        keep: Also write the problems that started, as a dataset every env can reset to.
        no_progress: Do not show a progress bar.
    """

    dataset: str
    backend: str = "minilean"
    limit: int | None = None
    split: str = "all"
    timeout: float | None = None
    json: str | None = None
    keep: str | None = None
    no_progress: bool = False

    def __post_init__(self) -> None:
        _check_limit(self.limit)
        _check_timeout(self.timeout)


def length_histogram(lengths: Iterable[int], *, width: int = 40, label: str = "length") -> str:
    """A text histogram, one line per value: ``  3 | ######## 12``."""
    counts = Counter(lengths)
    if not counts:
        return f"{label}: (none)"
    top = max(counts.values())
    lines = [f"{label}:"]
    pad = len(str(max(counts)))
    for value in range(min(counts), max(counts) + 1):
        n = counts.get(value, 0)
        bar = "#" * (max(1, round(width * n / top)) if n else 0)
        lines.append(f"  {value:>{pad}} | {bar} {n}")
    return "\n".join(lines)


def _read_trajectories(path: str) -> list[Trajectory]:
    """The trajectories of ``path``.

    Raises:
        UsageError: For a missing or unreadable file.
    """
    try:
        return read_jsonl(path)
    except FileNotFoundError:
        raise UsageError(
            f"--trajectories {path}: file not found (write one with lean-gym data trajectories)"
        ) from None
    except ValueError as exc:
        raise UsageError(f"--trajectories {path}: {exc}") from exc


def _held_out_report(args: TrajectoriesArgs, theorems: LoadedTheorems) -> str | None:
    """For a local dataset with a test split, read on its train side: what was held out, and
    whether the statements used leak into it (variable names normalised)."""
    if args.split != "train" or theorems.report.source.startswith("hf:"):
        return None
    train = {t.name for t in load_theorems(args.dataset, split="train")}
    try:
        test = [t for t in load_theorems(args.dataset, split="test") if t.name not in train]
    except ValueError:  # the rows have splits, none of them "test"
        return None
    if not test:
        return None
    used = leakage(
        (t.statement for t in theorems), (t.statement for t in test), what="test statements"
    )
    families = len({t.family for t in test if t.family})
    return f"held out: {len(test)} theorems of split test ({families} families); {used}"


def _cmd_trajectories(args: TrajectoriesArgs) -> int:
    out = check_output_file(args.out)
    theorems = load_dataset(args.dataset, split=args.split, limit=args.limit)
    with_proof = [t for t in theorems if t.proof is not None]
    if not with_proof:
        raise UsageError(
            f"--dataset {args.dataset}: none of its {len(theorems)} theorems has a known proof "
            "to replay"
        )
    backend = open_backend(args.backend, header=with_proof[0].header)
    with backend:
        trajectories, failures = build_trajectories(
            backend, with_proof, timeout=args.timeout, verify=not args.no_verify
        )
    write_jsonl(trajectories, out)

    complete = sum(t.complete for t in trajectories)
    verified = sum(t.verified is True for t in trajectories)
    report = theorems.report
    print(f"theorems: {len(theorems)} loaded from {report.source} ({report.rows} rows, "
          f"{len(report.skipped)} skipped; split {args.split})")  # fmt: skip
    print(f"with a known proof: {len(with_proof)}; no proof: {len(theorems) - len(with_proof)}")
    held_out = _held_out_report(args, theorems)
    if held_out:
        print(held_out)
    print(f"trajectories: {len(trajectories)} written to {args.out} (backend {args.backend})")
    print(f"complete: {complete}; verified: {verified}; could not start: {len(failures)}")
    for failure in failures[:10]:
        print(f"  {failure}")
    print(
        length_histogram((len(t.nodes) - 1 for t in trajectories), label="tactics per trajectory")
    )
    return 0 if trajectories else 1


def _cmd_segments(args: SegmentsArgs) -> int:
    try:
        segmenter = segmenter_from_options(args.segmenter, max_len=args.max_len, k=args.k)
        template = get_template(args.template)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    check_output_file(args.out)
    check_output_file(validation_path(args.out), "--out (its validation file)")
    trajectories = _read_trajectories(args.trajectories)
    files = write_segment_files(
        trajectories,
        segmenter,
        args.out,
        template,
        val_fraction=args.val_fraction,
        seed=args.seed,
        require_complete=not args.include_incomplete,
    )
    used = sum(1 for t in trajectories if t.proof_paths() and t.verified is not False)
    print(f"trajectories: {len(trajectories)} read, {used} with a proof path used")
    print(f"segments: {files.raw}; after dedup: {len(files.rows)} (segmenter {segmenter.name}, "
          f"template {template.name})")  # fmt: skip
    print(f"train: {len(files.train)} rows -> {files.path}")
    families = {r.get("family") or r["statement"] for r in files.validation}
    print(f"validation: {len(files.validation)} rows -> {files.validation_path} "
          f"({len({r['theorem'] for r in files.validation})} theorems, {len(families)} "
          "families)")  # fmt: skip
    for strict in (False, True):
        statements, prompts = files.leakage(numerals=strict)
        print(f"leakage: {statements}; {prompts}")
    print(length_histogram((r["num_tactics"] for r in files.rows), label="tactics per segment"))
    return 0 if files.rows else 1


def _cmd_values(args: ValuesArgs) -> int:
    check_output_file(args.out)
    trajectories = _read_trajectories(args.trajectories)
    counts = None
    if args.negatives:
        header = trajectories[0].theorem.header if trajectories else ""
        with open_backend(args.backend, header=header) as backend:
            trajectories, counts = add_negative_branches(
                trajectories,
                backend,
                per_state=args.negatives,
                budget=args.budget,
                seed=args.seed,
                progress=True,
            )
    rows = value_rows(trajectories, args.gamma, include_solved=not args.no_solved)
    write_rows(rows, args.out)
    positive = sum(1 for r in rows if r["value"] > 0)
    print(f"trajectories: {len(trajectories)} read")
    if counts is not None:
        print(f"negatives: {counts.tried} tactics sampled off {counts.branched} proof paths "
              f"({args.negatives} per state, {args.budget} Lean calls to explore each), "
              f"{counts.failed} refused by Lean (no state, no row); {counts.lean_calls} "
              "Lean calls")  # fmt: skip
    print(f"states: {len(rows)} -> {args.out}")
    print(f"labels: {positive} positive (a solved state below: gamma**d), "
          f"{len(rows) - positive} negative (value 0)")  # fmt: skip
    print(length_histogram(
        (r["depth_to_end"] for r in rows if r["depth_to_end"] is not None),
        label="tactics to the end (states on a proof path)",
    ))  # fmt: skip
    return 0 if rows else 1


def _cmd_check(args: CheckArgs) -> int:
    for path, flag in ((args.json, "--json"), (args.keep, "--keep")):
        if path:
            check_output_file(path, flag)
    theorems = load_dataset(args.dataset, split=args.split, limit=args.limit)
    backend = open_backend(args.backend, header=theorems[0].header)
    with backend:
        report = check_theorems(
            backend,
            theorems,
            goals=recorded_goals(args.dataset),
            timeout=args.timeout,
            progress=not args.no_progress,
        )
    print(f"dataset: {theorems.report.source} (backend {args.backend})")
    print(report.summary())
    if args.json:
        Path(args.json).write_text(
            json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print(f"report: {args.json}")
    if args.keep:
        started = {r.name for r in report.results if r.started}
        kept = [t for t in theorems if t.name in started]
        write_rows((t.to_json() for t in kept), args.keep)
        print(f"kept: {len(kept)} of {len(theorems)} problems (those that started) -> {args.keep}")
    return 0 if report.total else 1


_COMMANDS: tuple[tuple[str, type, Callable[[Any], int]], ...] = (
    ("trajectories", TrajectoriesArgs, _cmd_trajectories),
    ("segments", SegmentsArgs, _cmd_segments),
    ("values", ValuesArgs, _cmd_values),
    ("check", CheckArgs, _cmd_check),
    ("explore", ExploreArgs, run_explore),
)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Adds the ``data`` command (``trajectories``, ``segments``, ``values``, ``check``)."""
    data = subparsers.add_parser(
        "data", help="build trajectories, segment SFT rows and value labels; check a dataset"
    )
    commands = data.add_subparsers(dest="data_command", required=True)
    for name, args_class, func in _COMMANDS:
        summary = (args_class.__doc__ or "").split("\n", 1)[0].split(": ", 1)[-1].rstrip(".")
        parser = commands.add_parser(name, help=summary, description=summary)
        add_dataclass_arguments(parser, args_class)
        parser.set_defaults(func=functools.partial(_run, args_class, func))
    return data


def _run(args_class: type, command: Callable[[Any], int], ns: argparse.Namespace) -> int:
    try:
        return command(dataclass_from_namespace(args_class, ns))
    except UsageError as exc:
        return usage_error(exc)
