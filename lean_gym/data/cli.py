"""``lean-gym data ...``: build trajectories, segment SFT rows and value labels from the shell.

::

    lean-gym data trajectories --dataset smoke --out T.jsonl [--backend minilean] [--limit N]
    lean-gym data segments --trajectories T.jsonl --segmenter goal-change --out S.jsonl
        [--max-len 8] [--k 2] [--template leandojo] [--val-fraction 0.1] [--seed 0]
    lean-gym data values --trajectories T.jsonl [--gamma 0.95] --out V.jsonl

``segments`` writes the training rows to ``--out`` and the validation rows next to it with
``.val`` before the extension (``S.jsonl`` -> ``S.val.jsonl``); the split is by theorem. Each
command prints counts and a text histogram of lengths, and returns 0 on success, 1 when it
produced nothing, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["register", "length_histogram", "validation_path"]


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


def validation_path(out: str | os.PathLike[str]) -> Path:
    """``S.jsonl`` -> ``S.val.jsonl`` (``.val`` before the last extension)."""
    path = Path(out)
    if path.suffix:
        return path.with_name(f"{path.stem}.val{path.suffix}")
    return path.with_name(f"{path.name}.val")


def _write_rows(rows: Sequence[dict[str, Any]], path: Path) -> None:
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False))
            out.write("\n")


def _read_trajectories(path: str) -> list[Any] | None:
    from lean_gym.data.trajectories import read_jsonl

    try:
        return read_jsonl(path)
    except FileNotFoundError:
        print(f"error: trajectories file not found: {path}", file=sys.stderr)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
    return None


def _cmd_trajectories(args: argparse.Namespace) -> int:
    from lean_gym.backends import BackendError, make_backend
    from lean_gym.data.theorems import DatasetLoadError, load_theorems
    from lean_gym.data.trajectories import build_trajectory, write_jsonl

    try:
        theorems = load_theorems(args.dataset, split=args.split, limit=args.limit)
    except (FileNotFoundError, ValueError, DatasetLoadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with_proof = [t for t in theorems if t.proof is not None]
    trajectories = []
    failures: list[str] = []
    try:
        backend = make_backend(args.backend)
    except (BackendError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        for theorem in with_proof:
            try:
                trajectory = build_trajectory(
                    backend, theorem, timeout=args.timeout, verify=not args.no_verify
                )
            except (BackendError, ValueError) as exc:
                failures.append(f"{theorem.name}: {exc}")
                continue
            trajectories.append(trajectory)
    finally:
        backend.close()
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(trajectories, out)

    complete = sum(t.complete for t in trajectories)
    verified = sum(t.verified is True for t in trajectories)
    report = theorems.report
    print(f"theorems: {len(theorems)} loaded from {report.source} ({report.rows} rows, "
          f"{len(report.skipped)} skipped)")  # fmt: skip
    print(f"with a known proof: {len(with_proof)}; no proof: {len(theorems) - len(with_proof)}")
    print(f"trajectories: {len(trajectories)} written to {out} (backend {args.backend})")
    print(f"complete: {complete}; verified: {verified}; could not start: {len(failures)}")
    for line in failures[:10]:
        print(f"  {line}")
    print(
        length_histogram((len(t.nodes) - 1 for t in trajectories), label="tactics per trajectory")
    )
    return 0 if trajectories else 1


def _cmd_segments(args: argparse.Namespace) -> int:
    from lean_gym.data.segments import dedup_rows, make_segmenter, segment_rows, split_by_theorem
    from lean_gym.data.templates import get_template

    try:
        options: dict[str, Any] = {}
        if args.segmenter == "goal-change":
            options["max_len"] = args.max_len
        elif args.segmenter == "fixed":
            options["k"] = args.k
        segmenter = make_segmenter(args.segmenter, **options)
        template = get_template(args.template)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    trajectories = _read_trajectories(args.trajectories)
    if trajectories is None:
        return 2
    raw = segment_rows(
        trajectories, segmenter, template, require_complete=not args.include_incomplete
    )
    rows = dedup_rows(raw)
    train, val = split_by_theorem(rows, args.val_fraction, args.seed)
    out = Path(args.out)
    val_out = validation_path(out)
    _write_rows(train, out)
    _write_rows(val, val_out)
    used = sum(1 for t in trajectories if t.proof_paths() and t.verified is not False)
    print(f"trajectories: {len(trajectories)} read, {used} with a proof path used")
    print(f"segments: {len(raw)}; after dedup: {len(rows)} (segmenter {segmenter.name}, "
          f"template {template.name})")  # fmt: skip
    print(f"train: {len(train)} rows -> {out}")
    print(f"validation: {len(val)} rows -> {val_out} "
          f"({len({r['theorem'] for r in val})} theorems)")  # fmt: skip
    print(length_histogram((r["num_tactics"] for r in rows), label="tactics per segment"))
    return 0 if rows else 1


def _cmd_values(args: argparse.Namespace) -> int:
    from lean_gym.data.values import value_rows

    if not 0.0 < args.gamma <= 1.0:
        print(f"error: --gamma must be in (0, 1], got {args.gamma}", file=sys.stderr)
        return 2
    trajectories = _read_trajectories(args.trajectories)
    if trajectories is None:
        return 2
    rows = value_rows(trajectories, args.gamma, include_solved=not args.no_solved)
    _write_rows(rows, Path(args.out))
    positive = sum(1 for r in rows if r["value"] > 0)
    print(f"trajectories: {len(trajectories)} read")
    print(f"states: {len(rows)} -> {args.out} ({positive} on a proof path, "
          f"{len(rows) - positive} with value 0)")  # fmt: skip
    print(length_histogram(
        (r["depth_to_end"] for r in rows if r["depth_to_end"] is not None),
        label="tactics to the end (states on a proof path)",
    ))  # fmt: skip
    return 0 if rows else 1


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Adds the ``data`` command (with ``trajectories``, ``segments``, ``values``)."""
    from lean_gym.data.segments import SEGMENTERS
    from lean_gym.data.templates import DEFAULT_TEMPLATE, TEMPLATES
    from lean_gym.data.values import DEFAULT_GAMMA

    data = subparsers.add_parser(
        "data", help="build trajectories, segment SFT rows and value labels"
    )
    commands = data.add_subparsers(dest="data_command", required=True)

    traj = commands.add_parser(
        "trajectories", help="replay the known proofs of a dataset into trajectories"
    )
    traj.add_argument("--dataset", required=True,
                      help="shipped name, .jsonl path or Hugging Face dataset id")  # fmt: skip
    traj.add_argument("--out", required=True, help="output jsonl of trajectories")
    traj.add_argument("--backend", default="minilean", help="backend name (default minilean)")
    traj.add_argument("--limit", type=int, default=None, help="at most N theorems")
    traj.add_argument("--split", default=None, help="dataset split (Hugging Face datasets)")
    traj.add_argument("--timeout", type=float, default=None, help="seconds per backend call")
    traj.add_argument("--no-verify", action="store_true",
                      help="do not check the whole proof with backend.verify")  # fmt: skip
    traj.set_defaults(func=_cmd_trajectories)

    seg = commands.add_parser("segments", help="cut trajectories into prompt/completion rows")
    seg.add_argument("--trajectories", required=True, help="input jsonl of trajectories")
    seg.add_argument("--segmenter", default="goal-change", choices=sorted(SEGMENTERS))
    seg.add_argument("--max-len", type=int, default=8, help="goal-change: longest segment")
    seg.add_argument("--k", type=int, default=2, help="fixed: tactics per segment")
    seg.add_argument("--template", default=DEFAULT_TEMPLATE, choices=sorted(TEMPLATES))
    seg.add_argument("--val-fraction", type=float, default=0.1,
                     help="share of theorems in validation")  # fmt: skip
    seg.add_argument("--seed", type=int, default=0, help="seed of the train/validation hash")
    seg.add_argument("--include-incomplete", action="store_true",
                     help="also use linear trajectories that never reached the end")  # fmt: skip
    seg.add_argument("--out", required=True,
                     help="train rows; validation rows go to OUT with .val before the suffix")  # fmt: skip
    seg.set_defaults(func=_cmd_segments)

    val = commands.add_parser("values", help="label states with gamma**d value targets")
    val.add_argument("--trajectories", required=True, help="input jsonl of trajectories")
    val.add_argument("--gamma", type=float, default=DEFAULT_GAMMA, help="discount")
    val.add_argument("--no-solved", action="store_true", help="omit the 'no goals' states")
    val.add_argument("--out", required=True, help="output jsonl of value rows")
    val.set_defaults(func=_cmd_values)
    return data
