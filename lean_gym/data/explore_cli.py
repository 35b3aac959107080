"""``lean-gym data explore``: proof-state exploration (:mod:`lean_gym.data.exploration`) from the shell.

::

    lean-gym data explore --trajectories T.jsonl --out E.jsonl [--sources library|policy|both]
        [--policy SPEC --policy-args temperature=1.5] [--depth 1] [--max-lean-calls 400]

``--out`` gets one explored search tree per theorem (the trajectory format, so ``lean-gym data
segments`` and ``lean-gym data values`` read it), ``--rows`` (default: OUT with ``.rows`` before
the extension) one row per (state, tactic) tried, and ``--report`` (default: OUT with
``.report.json``) the counts printed at the end. Everything is checked before anything runs or
is written; a mistake is one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lean_gym.cli_args import usage_error
from lean_gym.cli_checks import check_output_file, open_backend
from lean_gym.data.exploration import (
    SOURCES,
    ExplorationConfig,
    ExplorationReport,
    explore,
    make_exploration_policy,
    write_rows_jsonl,
    write_trees,
)
from lean_gym.data.trajectories import read_jsonl
from lean_gym.errors import UsageError
from lean_gym.tactic_library import TacticLibrary

__all__ = ["ExploreArgs", "run_explore", "sibling_path", "parse_pairs", "report_lines"]


def sibling_path(out: str | os.PathLike[str], tag: str, suffix: str | None = None) -> Path:
    """``E.jsonl`` -> ``E.TAG.jsonl`` (or ``E.TAG.SUFFIX``)."""
    path = Path(out)
    return path.with_name(f"{path.stem}.{tag}{suffix if suffix is not None else path.suffix}")


def parse_pairs(text: str) -> dict[str, Any]:
    """``name=value,...`` as keyword arguments (ints, floats, true/false and strings).

    Raises:
        ValueError: For an item without ``=``.
    """
    out: dict[str, Any] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, raw = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ValueError(f"--policy-args: expected name=value, got {item!r}")
        value: Any = raw.strip()
        if value.lower() in ("true", "false"):
            value = value.lower() == "true"
        else:
            for kind in (int, float):
                try:
                    value = kind(value)
                    break
                except ValueError:
                    continue
        out[name.strip()] = value
    return out


@dataclass
class ExploreArgs:
    """Arguments of ``lean-gym data explore``: try many tactics at the states of trajectories.

    Attributes:
        trajectories: Input jsonl of trajectories or search trees, or a directory (every
            .jsonl below it, for example an eval run's trees/).
        out: Output jsonl of explored trees (one per theorem, origin exploration).
        rows: Output jsonl of (state, tactic) rows; default OUT with .rows before the suffix.
        report: Output JSON of the counts; default OUT with .report.json.
        backend: The backend that runs every tactic.
        sources: Where the tactics come from: the scripted library, the policy, or both.
        library_k: Library tactics per state (default: all it proposes).
        policy: A policy spec (scripted, hf:PATH, vllm:NAME, openai:URL) for sources policy/both.
        policy_args: Policy arguments, name=value,... (for example temperature=1.5).
        policy_k: Policy candidates per state.
        depth: Explore on from new states up to this many tactics from a known state.
        max_lean_calls: Lean calls per theorem for exploration.
        max_states: States explored per theorem (default: no limit).
        timeout: Seconds per backend call (default: the backend's).
        limit: Explore at most N theorems.
        seed: Seed of the library's tie-breaking.
        progress: Show a progress bar.
    """

    trajectories: str
    out: str
    rows: str | None = None
    report: str | None = None
    backend: str = "minilean"
    sources: str = field(default="library", metadata={"choices": SOURCES})
    library_k: int | None = None
    policy: str = ""
    policy_args: str = ""
    policy_k: int = 8
    depth: int = 1
    max_lean_calls: int | None = 400
    max_states: int | None = None
    timeout: float | None = None
    limit: int | None = None
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        self.config()  # the exploration settings' own checks
        if self.sources != "library" and not self.policy:
            raise ValueError(f"--sources {self.sources} needs --policy SPEC")
        if self.limit is not None and self.limit < 0:
            raise ValueError(f"--limit must be >= 0, got {self.limit}")
        parse_pairs(self.policy_args)
        outputs = [Path(self.out), self.rows_path, self.report_path]
        if len({str(p.resolve()) for p in outputs}) < len(outputs):
            raise ValueError("--out, --rows and --report must be different files")
        source = Path(self.trajectories).resolve()
        for path in outputs:
            if path.resolve() == source or source in path.resolve().parents:
                raise ValueError("the output files must not be (inside) --trajectories")
        for flag, path in zip(("--out", "--rows", "--report"), outputs, strict=True):
            try:
                check_output_file(path, flag)
            except UsageError as exc:
                raise ValueError(str(exc)) from None

    @property
    def rows_path(self) -> Path:
        return Path(self.rows) if self.rows else sibling_path(self.out, "rows")

    @property
    def report_path(self) -> Path:
        return Path(self.report) if self.report else sibling_path(self.out, "report", ".json")

    def config(self) -> ExplorationConfig:
        try:
            return ExplorationConfig(
                sources=self.sources,
                library_k=self.library_k,
                policy_k=self.policy_k,
                depth=self.depth,
                max_lean_calls=self.max_lean_calls,
                max_states=self.max_states,
                timeout=self.timeout,
            )
        except ValueError as exc:
            raise ValueError(f"--{str(exc).replace('_', '-')}") from None


def report_lines(report: ExplorationReport, *, width: int = 40) -> list[str]:
    """The report as text: counts, then a histogram of distinct valid tactics per state."""
    lines = [
        f"theorems: {report.theorems} explored on {report.backend}, {report.skipped} could "
        f"not start",
        f"states explored: {report.states_explored}; (state, tactic) pairs tried: "
        f"{report.tactics_tried}",
        f"distinct valid tactics per state: {report.mean_valid_per_state:.2f} "
        f"(known states: {report.mean_valid_per_known_state:.2f}, of which the known "
        f"proofs/trees had {report.mean_known_per_state:.2f})",
        f"new proofs: {report.new_proofs}; rejected by integrity: {report.rejected}; "
        f"replay failures: {report.replay_failures}",
        f"Lean calls: {report.lean_calls}; theorems out of budget: {report.budget_exhausted}",
        "outcomes: " + ", ".join(f"{k} {v}" for k, v in report.outcomes.items()),
    ]
    histogram = report.histogram()
    if histogram:
        top = max(histogram.values())
        pad = len(str(max(histogram)))
        lines.append("distinct valid tactics per state:")
        for value in range(min(histogram), max(histogram) + 1):
            n = histogram.get(value, 0)
            bar = "#" * (max(1, round(width * n / top)) if n else 0)
            lines.append(f"  {value:>{pad}} | {bar} {n}")
    return lines


def run_explore(args: ExploreArgs) -> int:
    """Runs ``lean-gym data explore``; 0 on success, 1 when nothing was explored, 2 for bad
    input."""
    try:
        source = Path(args.trajectories)
        files = sorted(source.rglob("*.jsonl")) if source.is_dir() else [source]
        trajectories = [t for path in files for t in read_jsonl(path)]
    except FileNotFoundError:
        return usage_error(f"trajectories file not found: {args.trajectories}")
    except ValueError as exc:
        return usage_error(exc)
    if args.limit is not None:
        names: list[str] = []
        for trajectory in trajectories:
            if trajectory.theorem.name not in names:
                names.append(trajectory.theorem.name)
        keep = set(names[: args.limit])
        trajectories = [t for t in trajectories if t.theorem.name in keep]
    if not trajectories:
        return usage_error(f"--trajectories {args.trajectories} holds no trajectory")
    policy = None
    try:
        if args.sources != "library":
            policy = make_exploration_policy(args.policy, **parse_pairs(args.policy_args))
        backend = open_backend(args.backend, header=trajectories[0].theorem.header)
    except (ValueError, UsageError) as exc:
        close = getattr(policy, "close", None)
        if callable(close):
            close()
        return usage_error(exc)
    try:
        with backend:
            result = explore(
                backend,
                trajectories,
                args.config(),
                policy=policy,
                library=TacticLibrary(seed=args.seed),
                progress=args.progress,
            )
    finally:
        close = getattr(policy, "close", None)
        if callable(close):
            close()
    write_trees(result, args.out)
    write_rows_jsonl(result.rows, args.rows_path)
    args.report_path.parent.mkdir(parents=True, exist_ok=True)
    args.report_path.write_text(
        json.dumps(result.report.to_json(), indent=2) + "\n", encoding="utf-8"
    )
    for line in report_lines(result.report):
        print(line)
    print(f"trees: {len(result.trees)} -> {args.out}")
    print(f"rows: {len(result.rows)} -> {args.rows_path}")
    print(f"report -> {args.report_path}")
    return 0 if result.trees else 1
