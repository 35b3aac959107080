"""``lean-gym data ...``: build trajectories, segment SFT rows and value labels from the shell.

::

    lean-gym data trajectories --dataset smoke --out T.jsonl [--backend minilean] [--limit N]
    lean-gym data segments --trajectories T.jsonl --segmenter goal-change --out S.jsonl
        [--max-len 8] [--k 2] [--template leandojo] [--val-fraction 0.1] [--seed 0]
    lean-gym data values --trajectories T.jsonl [--gamma 0.95] --out V.jsonl
    lean-gym data explore --trajectories T.jsonl --out E.jsonl [--sources library] [--depth 1]

Each command's flags and ``--help`` come from its argument dataclass (:class:`TrajectoriesArgs`,
:class:`SegmentsArgs`, :class:`ValuesArgs`) through :mod:`lean_gym.cli_args`. ``segments``
writes the training rows to ``--out`` and the validation rows next to it with ``.val`` before
the extension (``S.jsonl`` -> ``S.val.jsonl``); the split is by theorem. Each command prints
counts and a text histogram of lengths, and returns 0 on success, 1 when it produced nothing, 2
for bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lean_gym.backends import make_backend
from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace
from lean_gym.data.explore_cli import ExploreArgs, run_explore
from lean_gym.data.jsonl import write_rows
from lean_gym.data.segments import (
    SegmenterName,
    segmenter_from_options,
    validation_path,
    write_segment_files,
)
from lean_gym.data.templates import DEFAULT_TEMPLATE, TEMPLATES, get_template
from lean_gym.data.theorems import load_theorems
from lean_gym.data.trajectories import Trajectory, build_trajectories, read_jsonl, write_jsonl
from lean_gym.data.values import DEFAULT_GAMMA, value_rows
from lean_gym.errors import BackendError, DatasetLoadError, UsageError

__all__ = [
    "register",
    "length_histogram",
    "validation_path",
    "TrajectoriesArgs",
    "SegmentsArgs",
    "ValuesArgs",
    "usage_error",
]


@dataclass
class TrajectoriesArgs:
    """Arguments of ``lean-gym data trajectories``: replay the known proofs of a dataset.

    Attributes:
        dataset: A shipped name, a .jsonl path or a Hugging Face dataset id.
        out: Output jsonl of trajectories.
        backend: The backend name.
        limit: At most N theorems.
        split: The dataset split (Hugging Face datasets).
        timeout: Seconds per backend call (default: the backend's).
        no_verify: Do not check the whole proof with backend.verify.
    """

    dataset: str
    out: str
    backend: str = "minilean"
    limit: int | None = None
    split: str | None = None
    timeout: float | None = None
    no_verify: bool = False

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 0:
            raise ValueError(f"--limit must be >= 0, got {self.limit}")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError(f"--timeout must be > 0, got {self.timeout}")


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
        val_fraction: The share of theorems in validation.
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
            raise ValueError(f"--val-fraction must be in [0, 1], got {self.val_fraction}")


@dataclass
class ValuesArgs:
    """Arguments of ``lean-gym data values``: label states with gamma**d value targets.

    Attributes:
        trajectories: Input jsonl of trajectories.
        out: Output jsonl of value rows.
        gamma: The discount, in (0, 1].
        no_solved: Omit the "no goals" states.
    """

    trajectories: str
    out: str
    gamma: float = DEFAULT_GAMMA
    no_solved: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.gamma <= 1.0:
            raise ValueError(f"--gamma must be in (0, 1], got {self.gamma}")


def usage_error(message: object) -> int:
    """Prints ``error: MESSAGE`` as one line on stderr; returns the exit code 2."""
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


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


def _read_trajectories(path: str) -> list[Trajectory] | int:
    """The trajectories of ``path``, or the exit code 2 after saying why not."""
    try:
        return read_jsonl(path)
    except FileNotFoundError:
        return usage_error(f"trajectories file not found: {path}")
    except ValueError as exc:
        return usage_error(exc)


def _cmd_trajectories(args: TrajectoriesArgs) -> int:
    try:
        theorems = load_theorems(args.dataset, split=args.split, limit=args.limit)
        backend = make_backend(args.backend)
    except (FileNotFoundError, ValueError, DatasetLoadError, BackendError) as exc:
        return usage_error(exc)
    with_proof = [t for t in theorems if t.proof is not None]
    with backend:
        trajectories, failures = build_trajectories(
            backend, with_proof, timeout=args.timeout, verify=not args.no_verify
        )
    write_jsonl(trajectories, args.out)

    complete = sum(t.complete for t in trajectories)
    verified = sum(t.verified is True for t in trajectories)
    report = theorems.report
    print(f"theorems: {len(theorems)} loaded from {report.source} ({report.rows} rows, "
          f"{len(report.skipped)} skipped)")  # fmt: skip
    print(f"with a known proof: {len(with_proof)}; no proof: {len(theorems) - len(with_proof)}")
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
        return usage_error(exc)
    trajectories = _read_trajectories(args.trajectories)
    if isinstance(trajectories, int):
        return trajectories
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
    print(f"validation: {len(files.validation)} rows -> {files.validation_path} "
          f"({len({r['theorem'] for r in files.validation})} theorems)")  # fmt: skip
    print(length_histogram((r["num_tactics"] for r in files.rows), label="tactics per segment"))
    return 0 if files.rows else 1


def _cmd_values(args: ValuesArgs) -> int:
    trajectories = _read_trajectories(args.trajectories)
    if isinstance(trajectories, int):
        return trajectories
    rows = value_rows(trajectories, args.gamma, include_solved=not args.no_solved)
    write_rows(rows, args.out)
    positive = sum(1 for r in rows if r["value"] > 0)
    print(f"trajectories: {len(trajectories)} read")
    print(f"states: {len(rows)} -> {args.out} ({positive} on a proof path, "
          f"{len(rows) - positive} with value 0)")  # fmt: skip
    print(length_histogram(
        (r["depth_to_end"] for r in rows if r["depth_to_end"] is not None),
        label="tactics to the end (states on a proof path)",
    ))  # fmt: skip
    return 0 if rows else 1


_COMMANDS: tuple[tuple[str, type, Callable[[Any], int]], ...] = (
    ("trajectories", TrajectoriesArgs, _cmd_trajectories),
    ("segments", SegmentsArgs, _cmd_segments),
    ("values", ValuesArgs, _cmd_values),
    ("explore", ExploreArgs, run_explore),
)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Adds the ``data`` command (``trajectories``, ``segments``, ``values``, ``explore``)."""
    data = subparsers.add_parser(
        "data", help="build trajectories, segment SFT rows and value labels"
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
        args = dataclass_from_namespace(args_class, ns)
    except UsageError as exc:
        return usage_error(exc)
    return command(args)
