"""Loading an eval run folder (or a compare folder of them) for the report.

The folder layout is the one ``lean-gym eval`` writes (the team contract, section 3)::

    DIR/config.json    {"format": "lean-gym.eval", "format_version": 1, "args": {...}, ...}
    DIR/results.jsonl  one row per (theorem, attempt), appended as each finishes
    DIR/trees/<index>-<attempt>.jsonl   a search tree (lean_gym/data/FORMATS.md, section 2)
    DIR/summary.json, DIR/summary.md, DIR/*.png

and ``lean-gym compare --out C`` writes ``C/<granularity>/`` (an eval folder each) plus
``C/compare.json``, ``C/compare.md`` and ``C/compare.png``.

The loader reads what is there and never fails on a partial run: a run still going (no
``summary.json`` yet) is summarised from its rows, an unreadable results line is skipped and
counted, and a tree that cannot be read becomes a message on its theorem. Only a folder that is
not a run at all raises :class:`~agents.report.errors.ReportError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.report.errors import ReportError

__all__ = [
    "EVAL_FORMAT",
    "EVAL_FORMAT_VERSION",
    "GRANULARITY_ORDER",
    "ResultRow",
    "TheoremAttempts",
    "PlotImage",
    "EvalRun",
    "CompareRun",
    "TreeRecord",
    "load_run",
    "load_eval_run",
    "load_compare_run",
    "load_tree",
    "is_eval_folder",
    "is_compare_folder",
    "summarize_rows",
]

EVAL_FORMAT = "lean-gym.eval"
EVAL_FORMAT_VERSION = 1
# Side-by-side order of a compare folder's granularities (others follow, sorted).
GRANULARITY_ORDER = ("step", "segment", "proof")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_TIME_KEYS = ("policy", "lean", "search", "total")


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class ResultRow:
    """One line of ``results.jsonl``: one attempt at one theorem.

    Attributes:
        theorem: The theorem's name.
        index: Its position in the dataset.
        attempt: The attempt number (pass@k runs several).
        statement: The statement as the dataset gave it.
        header: Imports and opens before the theorem.
        started: Whether the backend could start the theorem.
        start_error: Why it could not, when it could not.
        solved: Whether a verified proof was found.
        proof: The proof found (the tactic block), if any.
        verification: The verifier's verdict as JSON (``Verification.to_json()``), if checked.
        reason: Why the attempt ended without a proof (``budget:expansions``, ``exhausted``,
            ``start_error``, ``verification:<reason>``, ...); None when solved.
        expansions: Nodes the search expanded.
        lean_calls: Calls to Lean.
        policy_calls: Calls to the policy.
        unique_states: Distinct proof states seen.
        tokens: Tokens the policy generated.
        time: Seconds spent: ``policy``, ``lean``, ``search``, ``total``.
        search: The search algorithm's name.
        granularity: ``step``, ``segment`` or ``proof``.
        policy: The policy spec.
        tree: The tree file, relative to the run folder; None when no tree was kept.
    """

    theorem: str
    index: int | None = None
    attempt: int = 0
    statement: str = ""
    header: str = ""
    started: bool = True
    start_error: str | None = None
    solved: bool = False
    proof: str | None = None
    verification: Mapping[str, Any] | None = None
    reason: str | None = None
    expansions: int | None = None
    lean_calls: int | None = None
    policy_calls: int | None = None
    unique_states: int | None = None
    tokens: int | None = None
    time: Mapping[str, float | None] = field(default_factory=dict)
    search: str | None = None
    granularity: str | None = None
    policy: str | None = None
    tree: str | None = None

    @property
    def status(self) -> str:
        """``solved``, ``failed`` or ``not started``."""
        if self.solved:
            return "solved"
        return "failed" if self.started else "not started"

    def to_json(self) -> dict[str, Any]:
        return {
            "theorem": self.theorem,
            "index": self.index,
            "attempt": self.attempt,
            "statement": self.statement,
            "header": self.header,
            "started": self.started,
            "start_error": self.start_error,
            "solved": self.solved,
            "proof": self.proof,
            "verification": None if self.verification is None else dict(self.verification),
            "reason": self.reason,
            "expansions": self.expansions,
            "lean_calls": self.lean_calls,
            "policy_calls": self.policy_calls,
            "unique_states": self.unique_states,
            "tokens": self.tokens,
            "time": dict(self.time),
            "search": self.search,
            "granularity": self.granularity,
            "policy": self.policy,
            "tree": self.tree,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> ResultRow:
        """Reads a row; missing optional fields take their defaults.

        Raises:
            ValueError: When the row has no theorem name.
        """
        if not isinstance(obj, Mapping) or not isinstance(obj.get("theorem"), str):
            raise ValueError("a results row needs a string 'theorem'")
        time_raw = obj.get("time")
        time = (
            {k: _float_or_none(time_raw.get(k)) for k in _TIME_KEYS if k in time_raw}
            if isinstance(time_raw, Mapping)
            else {}
        )
        verification = obj.get("verification")
        started = obj.get("started")
        return cls(
            theorem=obj["theorem"],
            index=_int_or_none(obj.get("index")),
            attempt=_int_or_none(obj.get("attempt")) or 0,
            statement=str(obj.get("statement") or ""),
            header=str(obj.get("header") or ""),
            started=True if started is None else bool(started),
            start_error=_str_or_none(obj.get("start_error")),
            solved=bool(obj.get("solved", False)),
            proof=_str_or_none(obj.get("proof")),
            verification=dict(verification) if isinstance(verification, Mapping) else None,
            reason=_str_or_none(obj.get("reason")),
            expansions=_int_or_none(obj.get("expansions")),
            lean_calls=_int_or_none(obj.get("lean_calls")),
            policy_calls=_int_or_none(obj.get("policy_calls")),
            unique_states=_int_or_none(obj.get("unique_states")),
            tokens=_int_or_none(obj.get("tokens")),
            time=time,
            search=_str_or_none(obj.get("search")),
            granularity=_str_or_none(obj.get("granularity")),
            policy=_str_or_none(obj.get("policy")),
            tree=_str_or_none(obj.get("tree")),
        )


@dataclass(frozen=True)
class TheoremAttempts:
    """Every attempt of one run at one theorem, in attempt order.

    Attributes:
        name: The theorem's name.
        index: Its dataset position (None when the rows give none).
        attempts: The rows, sorted by attempt.
    """

    name: str
    index: int | None
    attempts: tuple[ResultRow, ...]

    @property
    def status(self) -> str:
        """``solved`` when some attempt solved it, ``not started`` when none started."""
        if any(row.solved for row in self.attempts):
            return "solved"
        if any(row.started for row in self.attempts):
            return "failed"
        return "not started"

    @property
    def reasons(self) -> tuple[str, ...]:
        """The distinct reasons of the attempts that did not solve it, in attempt order."""
        out: list[str] = []
        for row in self.attempts:
            reason = row.reason or (None if row.solved else "unknown")
            if row.solved or reason is None or reason in out:
                continue
            out.append(reason)
        return tuple(out) if self.status != "solved" else ()

    @property
    def best(self) -> ResultRow:
        """The first solving attempt, else the first attempt."""
        for row in self.attempts:
            if row.solved:
                return row
        return self.attempts[0]


@dataclass(frozen=True)
class PlotImage:
    """A PNG the run wrote: its file name and bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class TreeRecord:
    """A search tree file: the validated record plus the optional per-node fields.

    Attributes:
        trajectory: The record, validated by :class:`lean_gym.data.trajectories.Trajectory`.
        expanded: Per node, the order in which the search expanded it (None: not expanded or
            not recorded).
        segments: Per node, the tactics of its segment edge (None: a single tactic or root).
    """

    trajectory: Any  # lean_gym.data.trajectories.Trajectory (imported lazily)
    expanded: tuple[int | None, ...]
    segments: tuple[tuple[str, ...] | None, ...]


@dataclass(frozen=True)
class EvalRun:
    """An eval run folder as read.

    Attributes:
        path: The folder.
        config: ``config.json`` (``args`` holds the eval's arguments).
        rows: The results, one per (theorem, attempt), the last line winning for duplicates.
        summary: ``summary.json``; when the run wrote none yet, computed from the rows.
        summary_computed: True when ``summary`` was computed here (the run is incomplete).
        plots: The PNG files of the folder, by name.
        bad_lines: 1-based numbers of ``results.jsonl`` lines that could not be read.
    """

    path: Path
    config: Mapping[str, Any]
    rows: tuple[ResultRow, ...]
    summary: Mapping[str, Any]
    summary_computed: bool = False
    plots: tuple[PlotImage, ...] = ()
    bad_lines: tuple[int, ...] = ()

    @property
    def args(self) -> Mapping[str, Any]:
        args = self.config.get("args")
        return args if isinstance(args, Mapping) else {}

    @property
    def granularity(self) -> str | None:
        return self._first("granularity")

    @property
    def search(self) -> str | None:
        """The search algorithm, as the rows name it (the arguments may leave it default)."""
        return self._first("search")

    @property
    def policy(self) -> str | None:
        return self._first("policy")

    def _first(self, key: str) -> str | None:
        for row in self.rows:
            value = getattr(row, key)
            if value:
                return value
        value = self.args.get(key)
        return str(value) if value else None

    def theorems(self) -> list[TheoremAttempts]:
        """The rows grouped by theorem, in dataset order."""
        return _group_rows(self.rows)

    def tree(self, row: ResultRow) -> TreeRecord:
        """The search tree of an attempt.

        Raises:
            ReportError: When the row has no tree or the file cannot be read.
        """
        if row.tree is None:
            raise ReportError(f"{row.theorem}: no tree was kept")
        return load_tree(self.path, row.tree)


@dataclass(frozen=True)
class CompareRun:
    """A ``lean-gym compare`` folder: one eval run per granularity.

    Attributes:
        path: The folder.
        runs: The eval runs by granularity (the sub-folder's name), step, segment, proof first.
        compare: ``compare.json``, or an empty mapping.
        plots: The folder's own PNG files (``compare.png``).
    """

    path: Path
    runs: Mapping[str, EvalRun]
    compare: Mapping[str, Any] = field(default_factory=dict)
    plots: tuple[PlotImage, ...] = ()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path} is not valid JSON: {exc}") from None


def _eval_config(path: Path) -> Mapping[str, Any] | None:
    config_path = path / "config.json"
    if not config_path.is_file():
        return None
    config = _read_json(config_path)
    if not isinstance(config, Mapping) or config.get("format") != EVAL_FORMAT:
        return None
    return config


def is_eval_folder(path: str | Path) -> bool:
    """True when ``path/config.json`` says ``"format": "lean-gym.eval"``."""
    try:
        return _eval_config(Path(path)) is not None
    except ReportError:
        return False


def _compare_subfolders(path: Path) -> list[Path]:
    subs = [p for p in path.iterdir() if p.is_dir() and is_eval_folder(p)]
    rank = {name: i for i, name in enumerate(GRANULARITY_ORDER)}
    return sorted(subs, key=lambda p: (rank.get(p.name, len(rank)), p.name))


def is_compare_folder(path: str | Path) -> bool:
    """True for a folder holding ``compare.json`` or eval folders (and no ``config.json``)."""
    path = Path(path)
    if not path.is_dir() or (path / "config.json").exists():
        return False
    return (path / "compare.json").is_file() or bool(_compare_subfolders(path))


def _read_plots(path: Path) -> tuple[PlotImage, ...]:
    plots = []
    for file in sorted(path.glob("*.png")):
        try:
            data = file.read_bytes()
        except OSError:
            continue
        if data.startswith(_PNG_MAGIC):
            plots.append(PlotImage(file.name, data))
    return tuple(plots)


def _read_rows(path: Path) -> tuple[tuple[ResultRow, ...], tuple[int, ...]]:
    results = path / "results.jsonl"
    if not results.exists():
        return (), ()
    rows: dict[tuple[Any, ...], ResultRow] = {}
    bad: list[int] = []
    try:
        with open(results, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = ResultRow.from_json(json.loads(line))
                except ValueError:  # json.JSONDecodeError is a ValueError
                    bad.append(number)
                    continue
                key = _theorem_key(row) + (row.attempt,)
                rows.pop(key, None)  # a rerun's row replaces the earlier one
                rows[key] = row
    except OSError as exc:
        raise ReportError(f"cannot read {results}: {exc.strerror or exc}") from None
    return tuple(rows.values()), tuple(bad)


def _theorem_key(row: ResultRow) -> tuple[Any, ...]:
    """A theorem is its dataset position (two theorems may share a name), else its name."""
    return ("index", row.index) if row.index is not None else ("name", row.theorem)


def _group_rows(rows: Sequence[ResultRow]) -> list[TheoremAttempts]:
    grouped: dict[tuple[Any, ...], list[ResultRow]] = {}
    for row in rows:
        grouped.setdefault(_theorem_key(row), []).append(row)
    theorems = []
    for items in grouped.values():
        items.sort(key=lambda r: r.attempt)
        theorems.append(TheoremAttempts(items[0].theorem, items[0].index, tuple(items)))
    big = float("inf")
    theorems.sort(key=lambda t: (big if t.index is None else t.index, t.name))
    return theorems


def summarize_rows(rows: Sequence[ResultRow]) -> dict[str, Any]:
    """A ``summary.json`` computed from the rows, as the eval runner computes it
    (:func:`agents.metrics.summarize`), for a run that has not written one yet."""
    from agents.metrics import summarize

    return summarize([row.to_json() for row in rows if row.index is not None])


def load_eval_run(path: str | Path) -> EvalRun:
    """Reads an eval run folder.

    Raises:
        ReportError: When the folder does not exist or is not an eval folder.
    """
    path = Path(path)
    if not path.exists():
        raise ReportError(f"no such folder: {path}")
    if not path.is_dir():
        raise ReportError(f"not a folder: {path}")
    config = _eval_config(path)
    if config is None:
        raise ReportError(
            f'not an eval folder: {path} (no config.json with "format": "{EVAL_FORMAT}"; '
            "make one with `lean-gym eval --out DIR`)"
        )
    version = config.get("format_version")
    if version != EVAL_FORMAT_VERSION:
        raise ReportError(f"{path}: unsupported {EVAL_FORMAT} format_version {version!r}")
    rows, bad = _read_rows(path)
    summary_path = path / "summary.json"
    summary: Any = None
    if summary_path.is_file():
        try:
            summary = _read_json(summary_path)
        except ReportError:
            summary = None
    computed = not isinstance(summary, Mapping)
    if computed:
        summary = summarize_rows(rows)
    return EvalRun(
        path=path,
        config=config,
        rows=rows,
        summary=summary,
        summary_computed=computed,
        plots=_read_plots(path),
        bad_lines=bad,
    )


def load_compare_run(path: str | Path) -> CompareRun:
    """Reads a compare folder (an eval folder per granularity).

    Raises:
        ReportError: When it holds no eval folder.
    """
    path = Path(path)
    subs = _compare_subfolders(path) if path.is_dir() else []
    if not subs:
        raise ReportError(f"not a compare folder: {path} (no eval folder inside)")
    compare: Any = {}
    if (path / "compare.json").is_file():
        try:
            compare = _read_json(path / "compare.json")
        except ReportError:
            compare = {}
    return CompareRun(
        path=path,
        runs={sub.name: load_eval_run(sub) for sub in subs},
        compare=compare if isinstance(compare, Mapping) else {},
        plots=_read_plots(path),
    )


def load_run(path: str | Path) -> EvalRun | CompareRun:
    """Reads an eval folder or a compare folder, whichever ``path`` is.

    Raises:
        ReportError: When it is neither (or does not exist).
    """
    path = Path(path)
    if not path.exists():
        raise ReportError(f"no such folder: {path}")
    if not path.is_dir():
        raise ReportError(f"not a folder: {path}")
    if is_compare_folder(path):
        return load_compare_run(path)
    return load_eval_run(path)


def load_tree(run_dir: str | Path, relative: str) -> TreeRecord:
    """Reads a tree file named by a results row (the first record of the jsonl file).

    Raises:
        ReportError: When the path leaves the run folder, or the file is missing or invalid.
    """
    from lean_gym.data.trajectories import Trajectory

    root = Path(run_dir).resolve()
    file = (root / relative).resolve()
    if not file.is_relative_to(root):
        raise ReportError(f"tree path {relative!r} is outside the run folder")
    try:
        with open(file, encoding="utf-8") as handle:
            line = next((ln for ln in handle if ln.strip()), None)
    except OSError as exc:
        raise ReportError(f"cannot read tree {relative}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ReportError(f"tree {relative} is not UTF-8: {exc}") from None
    if line is None:
        raise ReportError(f"tree {relative} is empty")
    try:
        raw = json.loads(line)
        trajectory = Trajectory.from_json(raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"tree {relative} is not a valid trajectory record: {exc}") from None
    expanded: list[int | None] = []
    segments: list[tuple[str, ...] | None] = []
    for node in raw["nodes"]:
        expanded.append(_int_or_none(node.get("expanded")))
        segment = node.get("segment")
        segments.append(
            tuple(str(t) for t in segment) if isinstance(segment, list) and segment else None
        )
    return TreeRecord(trajectory, tuple(expanded), tuple(segments))
