"""Loading theorems: shipped sets, jsonl files, in-memory lists and Hugging Face datasets.

``load_theorems(source)`` accepts:

* a shipped name (``"smoke"``, ``"minilean-bench"``): ``lean_gym/datasets/<name>.jsonl``;
* a path to a ``.jsonl`` file (one JSON object per line) or a :class:`pathlib.Path`;
* a list of :class:`~lean_gym.types.Theorem` (returned as is, after ``limit``), or any
  iterable of row mappings (for example an already loaded ``datasets.Dataset``);
* a Hugging Face dataset id (``"owner/name"``, or ``"hf:owner/name"`` to force it), loaded with
  ``datasets.load_dataset`` (the optional ``train`` extra).

Row formats (column names checked against the published dataset cards; a ``columns=`` mapping
overrides the detection):

=====================  ====================================================================
format                 columns
=====================  ====================================================================
miniF2F style          ``name``, ``formal_statement`` (``theorem NAME ... := by sorry``),
                       ``header`` (imports/opens), optional ``formal_proof``/``proof``,
                       ``informal_prefix``, ``goal``, ``split`` (DeepSeek-Prover layout; some
                       ports use ``id`` instead of ``name``). This is the shipped format.
Lean Workbook          ``id``, ``formal_statement`` (no imports), ``natural_language_statement``,
                       ``answer``, ``status``, ``proof``; the Mathlib header is added.
NuminaMath-LEAN        ``uuid``, ``problem``, ``formal_statement`` (includes ``import Mathlib``),
                       ``formal_ground_truth`` / ``formal_proof`` (whole Lean files),
                       ``ground_truth_type``; the header is cut from the statement's leading
                       lines and the proof from the file after ``:= by``.
STP                    ``prompt`` ("Complete the following Lean 4 code: ```lean4 <header and
                       statement>") and ``target`` (the proof).
=====================  ====================================================================

Detection takes, for each field, the first column present in the row: statement from
``formal_statement``, ``statement``, ``prompt``, ``theorem``; name from ``name``, ``id``,
``uuid``, ``problem_id``, ``full_name``, ``theorem_name``; header from ``header``; proof from
``proof``, ``formal_proof``, ``target``, ``formal_ground_truth``; difficulty from
``difficulty``, ``level``; the template family from ``family``. A ``columns={"statement": ...,
"name": ..., "header": ..., "proof": ..., "difficulty": ..., "family": ...,
"default_header": "<header text>"}`` mapping replaces the
detection for the fields it names (``None`` disables a field).

A name that is not a Lean identifier (a uuid, say) is made one (``t_<uuid with _>``); a name
seen twice gets a ``_2`` suffix. A known proof that contains ``sorry`` is dropped (the theorem is
kept, without proof). Rows without a usable statement are skipped, never silently: each is
listed in the returned :class:`LoadReport` with its line number (1-based; the row number for
in-memory and Hugging Face rows) and a warning summarises them.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import textwrap
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lean_gym.data.jsonl import parse_lines
from lean_gym.errors import DatasetLoadError
from lean_gym.tactic_text import strip_comments, unfence
from lean_gym.types import Theorem

__all__ = [
    "load_theorems",
    "LoadReport",
    "SkippedRow",
    "LoadedTheorems",
    "DatasetLoadError",
    "shipped_datasets",
    "theorem_from_row",
    "MATHLIB_HEADER",
    "DEFAULT_COLUMNS",
]

MATHLIB_HEADER = (
    "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n"
    "open BigOperators Real Nat Topology Rat"
)
"""The header the DeepSeek-Prover / miniF2F Lean 4 datasets put before every theorem."""

DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "statement": ("formal_statement", "statement", "prompt", "theorem"),
    "name": ("name", "id", "uuid", "problem_id", "full_name", "theorem_name"),
    "header": ("header",),
    "proof": ("proof", "formal_proof", "target", "formal_ground_truth"),
    "difficulty": ("difficulty", "level"),
    "family": ("family",),
}
"""Candidate columns per field, in order of preference."""

# Hugging Face datasets whose statements need a header they do not carry.
_KNOWN_DEFAULT_HEADERS: dict[str, str] = {
    "internlm/lean-workbook": MATHLIB_HEADER,
    "internlm/lean-workbook-plus": MATHLIB_HEADER,
    "goedel-lm/lean-workbook-proofs": MATHLIB_HEADER,
}

_COLUMN_KEYS = (*DEFAULT_COLUMNS, "default_header")
_SHIPPED_PACKAGE = "lean_gym"
_SHIPPED_DIR = "datasets"

_DECL_LINE = re.compile(
    r"^[ \t]*(?:@\[[^\]\n]*\][ \t]*\n?[ \t]*)?(?:(?:private|protected|noncomputable)[ \t]+)*"
    r"(?:theorem|lemma|example)\b",
    re.MULTILINE,
)
_MODIFIERS = re.compile(r"^(?:(?:private|protected|noncomputable)\s+)+")
_TRAILING_DOC = re.compile(r"/--(?:(?!-/)[\s\S])*-/\s*$")
_IDENT = re.compile(r"[^\W\d][\w'.!?]*")
_SORRY = re.compile(r"(?<![\w.])(?:sorry|admit)(?![\w'])")


@dataclass(frozen=True)
class SkippedRow:
    """A row that did not become a theorem.

    Attributes:
        line: The 1-based line number in the file (the 1-based row number for rows that do not
            come from a file).
        reason: Why the row was skipped.
        excerpt: The start of the row's text, for finding it.
    """

    line: int
    reason: str
    excerpt: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class LoadReport:
    """What a load did.

    Attributes:
        source: The source as given (shipped name, path, dataset id).
        rows: Rows read (including skipped ones).
        loaded: Theorems returned.
        skipped: The rows that were skipped, with line numbers and reasons.
        renamed: ``(line, old_name, new_name)`` for names that were made valid or unique.
        dropped_proofs: Line numbers of rows whose known proof was dropped (it used ``sorry``).
        columns: The columns used for each field (from the first row that had a statement).
    """

    source: str
    rows: int = 0
    loaded: int = 0
    skipped: tuple[SkippedRow, ...] = ()
    renamed: tuple[tuple[int, str, str], ...] = ()
    dropped_proofs: tuple[int, ...] = ()
    columns: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no row was skipped."""
        return not self.skipped

    def summary(self) -> str:
        """One line for logs: counts, then the first skipped rows."""
        text = f"{self.source}: {self.loaded} theorems from {self.rows} rows"
        if self.skipped:
            shown = "; ".join(str(s) for s in self.skipped[:10])
            more = f" (+{len(self.skipped) - 10} more)" if len(self.skipped) > 10 else ""
            text += f", {len(self.skipped)} skipped ({shown}{more})"
        return text


class LoadedTheorems(list):
    """A ``list[Theorem]`` that also carries the :class:`LoadReport` of the load."""

    report: LoadReport

    def __init__(self, theorems: Iterable[Theorem], report: LoadReport):
        super().__init__(theorems)
        self.report = report


# --------------------------------------------------------------------------- row parsing


def _split_header(code: str) -> tuple[str, str]:
    """Splits Lean source into (lines before the first declaration, the declaration)."""
    masked = strip_comments(code)
    m = _DECL_LINE.search(masked)
    if m is None:
        return "", code
    header = code[: m.start()]
    header = _TRAILING_DOC.sub("", header.rstrip()).rstrip()
    return header.strip("\n"), code[m.start() :].strip()


def _proof_body(text: Any) -> str | None:
    """The tactic block of a known proof (a bare block, ``by ...``, or a whole Lean file)."""
    if isinstance(text, (list, tuple)):
        for item in text:
            body = _proof_body(item)
            if body:
                return body
        return None
    if not isinstance(text, str) or not text.strip():
        return None
    code = unfence(text)
    masked = strip_comments(code)
    decl = _DECL_LINE.search(masked)
    cut: int | None = None  # where the block starts, after a removed `:= by` / `by`
    if decl is not None:
        m = re.search(r":=\s*by\b", masked[decl.start() :])
        if m is None:
            return None
        cut = decl.start() + m.end()
    else:
        m = re.match(r"^\s*(?::=\s*)?by\b", code)
        if m is not None:
            cut = m.end()
    if cut is None:
        # A bare block: its lines keep their indentation relative to each other.
        return textwrap.dedent(code).strip("\n").strip() or None
    column = cut - (code.rfind("\n", 0, cut) + 1)
    lines = code[cut:].split("\n")
    first = lines[0].strip()
    if not first:
        return textwrap.dedent("\n".join(lines[1:])).strip("\n").strip() or None
    # A tactic right after `by` starts the block at its own column: later lines keep their
    # place relative to it (more tactics at that column, continuations to the right), so
    # `exact fun hp =>\n  show p from hp` stays one tactic.
    first_col = column + len(lines[0]) - len(lines[0].lstrip())
    rest = [line for line in lines[1:] if line.strip()]
    indents = [len(line) - len(line.lstrip()) for line in rest]
    if all(i >= first_col for i in indents):
        shifted = [line[first_col:] if line.strip() else "" for line in lines[1:]]
    else:
        # Lines left of the first tactic can only continue it: keep them to its right.
        low = min(indents)
        shifted = ["  " + line[low:] if line.strip() else "" for line in lines[1:]]
    body = "\n".join([first, *shifted]).rstrip()
    return body or None


def _valid_name(name: str) -> str:
    if _IDENT.fullmatch(name):
        return name
    fixed = re.sub(r"[^\w'.]", "_", name).strip(".")
    if not fixed or not _IDENT.fullmatch(fixed):
        fixed = "t_" + fixed
    return fixed


def _pick(row: Mapping[str, Any], field_name: str, columns: Mapping[str, Any]) -> tuple[Any, Any]:
    """(column used, value) for a field, from the user mapping or the candidate columns."""
    if field_name in columns:
        col = columns[field_name]
        if col is None:
            return None, None
        return col, row.get(col)
    for col in DEFAULT_COLUMNS[field_name]:
        value = row.get(col)
        if value is not None and (not isinstance(value, str) or value.strip()):
            return col, value
    return None, None


def theorem_from_row(
    row: Mapping[str, Any],
    *,
    columns: Mapping[str, Any] | None = None,
    source: str = "",
    default_header: str = "",
) -> Theorem:
    """Builds a Theorem from one dataset row.

    Args:
        row: The row (a JSON object or a Hugging Face dataset row).
        columns: Column overrides (see the module docstring).
        source: Recorded as ``Theorem.source`` unless the row has its own ``source`` string.
        default_header: Used when neither a header column nor the statement provides one.

    Raises:
        ValueError: When the row has no usable statement.
    """
    columns = dict(columns or {})
    default_header = columns.pop("default_header", None) or default_header
    stmt_col, raw = _pick(row, "statement", columns)
    if stmt_col is None or raw is None:
        wanted = columns.get("statement") or "/".join(DEFAULT_COLUMNS["statement"])
        raise ValueError(f"no statement (column {wanted!r} missing or empty)")
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"statement column {stmt_col!r} is empty or not text")
    code = unfence(raw) if "```" in raw else raw
    embedded_header, decl = _split_header(code)

    _, name_value = _pick(row, "name", columns)
    name = str(name_value).strip() if name_value not in (None, "") else None
    _, header_value = _pick(row, "header", columns)
    header = header_value.strip("\n") if isinstance(header_value, str) else ""
    if embedded_header:
        header = f"{header}\n{embedded_header}".strip("\n") if header else embedded_header
    if not header:
        header = default_header
    _, proof_value = _pick(row, "proof", columns)
    proof = _proof_body(proof_value)
    _, difficulty_value = _pick(row, "difficulty", columns)
    difficulty = None if difficulty_value in (None, "") else str(difficulty_value)
    _, family_value = _pick(row, "family", columns)
    family = None if family_value in (None, "") else str(family_value)
    row_source = row.get("source")
    src = row_source if isinstance(row_source, str) and row_source else source

    decl = _MODIFIERS.sub("", decl.strip())
    if _DECL_LINE.match(decl):
        # A proof written after the declaration's `:= by` counts when no proof column has one.
        inline = _proof_body(decl) if proof is None else None
        theorem = Theorem.from_formal_statement(
            decl,
            header=header,
            proof=proof or inline,
            source=src,
            difficulty=difficulty,
            family=family,
        )
    else:
        # A bare statement: binders and type, as in Theorem.statement.
        statement = re.sub(r":=\s*(by\b[\s\S]*|sorry\s*)?$", "", decl).strip()
        if not statement or not statement.startswith(("(", "{", "[", "⦃", ":", "∀")):
            raise ValueError(
                f"column {stmt_col!r} is neither a theorem declaration nor a statement "
                f"(binders and ': type'): {decl[:60]!r}"
            )
        if name is None:
            raise ValueError(f"column {stmt_col!r} holds a bare statement and the row has no name")
        theorem = Theorem(
            name=name, statement=statement, header=header, proof=proof, source=src,
            difficulty=difficulty, family=family,
        )  # fmt: skip
    if theorem.proof is not None and _SORRY.search(strip_comments(theorem.proof)):
        theorem = replace(theorem, proof=None)
    if name is not None and name != theorem.name:
        theorem = replace(theorem, name=name)
    return theorem


def _columns_used(row: Mapping[str, Any], columns: Mapping[str, Any]) -> dict[str, str | None]:
    return {key: _pick(row, key, columns)[0] for key in DEFAULT_COLUMNS}


def _excerpt(row: Any) -> str:
    text = row if isinstance(row, str) else json.dumps(row, ensure_ascii=False, default=str)
    return text[:120]


def _build(
    rows: Iterable[tuple[int, Any]],
    *,
    source: str,
    columns: Mapping[str, Any] | None,
    limit: int | None,
    default_header: str = "",
) -> LoadedTheorems:
    """Turns numbered rows (a mapping, or an Exception for an unparsable line) into theorems."""
    if columns is not None:
        unknown = set(columns) - set(_COLUMN_KEYS)
        if unknown:
            raise ValueError(
                f"unknown key(s) in columns=: {sorted(unknown)}; known: {list(_COLUMN_KEYS)}"
            )
    theorems: list[Theorem] = []
    skipped: list[SkippedRow] = []
    renamed: list[tuple[int, str, str]] = []
    dropped: list[int] = []
    seen: set[str] = set()
    used: dict[str, str | None] = {}
    n_rows = 0
    for line, row in rows:
        if limit is not None and len(theorems) >= limit:
            break
        n_rows += 1
        if isinstance(row, Exception):
            skipped.append(SkippedRow(line, f"unparsable: {row}", ""))
            continue
        if isinstance(row, Theorem):
            theorem = row
        elif not isinstance(row, Mapping):
            skipped.append(SkippedRow(line, "not a JSON object", _excerpt(row)))
            continue
        else:
            try:
                theorem = theorem_from_row(
                    row, columns=columns, source=source, default_header=default_header
                )
            except ValueError as exc:
                skipped.append(SkippedRow(line, str(exc), _excerpt(row)))
                continue
            if not used:
                used = _columns_used(row, columns or {})
            _, proof_value = _pick(row, "proof", columns or {})
            if theorem.proof is None and _proof_body(proof_value) is not None:
                dropped.append(line)
        name = theorem.name
        base = valid = _valid_name(name)
        copy = 1
        while valid in seen:
            copy += 1
            valid = f"{base}_{copy}"
        seen.add(valid)
        if valid != name:
            renamed.append((line, name, valid))
            theorem = replace(theorem, name=valid)
        theorems.append(theorem)
    report = LoadReport(
        source=source,
        rows=n_rows,
        loaded=len(theorems),
        skipped=tuple(skipped),
        renamed=tuple(renamed),
        dropped_proofs=tuple(dropped),
        columns=used,
    )
    if skipped:
        warnings.warn(f"lean_gym.data: skipped rows in {report.summary()}", stacklevel=3)
    return LoadedTheorems(theorems, report)


# --------------------------------------------------------------------------- sources


def _shipped_root() -> Any:
    """The directory (a Traversable) holding the shipped ``<name>.jsonl`` files."""
    return importlib.resources.files(_SHIPPED_PACKAGE) / _SHIPPED_DIR


def shipped_datasets() -> list[str]:
    """Names of the theorem sets shipped with the package."""
    root = _shipped_root()
    try:
        entries = list(root.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(e.name[: -len(".jsonl")] for e in entries if e.name.endswith(".jsonl"))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"theorem file not found: {path} (pass an existing .jsonl file, a shipped name "
            f"({', '.join(shipped_datasets()) or 'none shipped'}) or a Hugging Face dataset id)"
        ) from None


def _load_shipped(name: str, split: str | None, columns: Any, limit: int | None) -> LoadedTheorems:
    resource = _shipped_root() / f"{name}.jsonl"
    text = resource.read_text(encoding="utf-8")
    rows = _filter_split(parse_lines(text.splitlines()), split)
    return _build(rows, source=name, columns=columns, limit=limit)


def _hf_help(dataset: str, *, installed: bool) -> str:
    steps = [] if installed else ["install the optional extra (pip install 'lean-gym[train]')"]
    steps += [
        "run once online so that the dataset is cached (unset HF_HUB_OFFLINE)",
        "or download it elsewhere, save its rows as jsonl (one JSON object per line) and pass "
        "that file's path to load_theorems",
    ]
    return f"To use {dataset!r}: " + ", ".join(steps) + "."


def _load_hf(dataset: str, split: str | None, columns: Any, limit: int | None) -> LoadedTheorems:
    try:
        import datasets  # optional dependency (the train extra)
    except ImportError:
        raise DatasetLoadError(
            f"cannot load Hugging Face dataset {dataset!r}: the 'datasets' package is not "
            f"installed. {_hf_help(dataset, installed=False)}"
        ) from None
    offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") or os.environ.get(
        "HF_DATASETS_OFFLINE", ""
    ) not in ("", "0")
    try:
        loaded = datasets.load_dataset(dataset, split=split)
    except Exception as exc:  # the library raises many types for "not there"
        mode = (
            "offline (HF_HUB_OFFLINE is set) and not in the local cache"
            if offline
            else ("missing or unreachable")
        )
        raise DatasetLoadError(
            f"cannot load Hugging Face dataset {dataset!r}"
            f"{f' split {split!r}' if split else ''}: it is {mode} "
            f"({type(exc).__name__}: {str(exc)[:300]}). {_hf_help(dataset, installed=True)}"
        ) from exc
    if split is None and isinstance(loaded, Mapping):
        names = list(loaded.keys())
        if len(names) != 1:
            raise DatasetLoadError(
                f"Hugging Face dataset {dataset!r} has splits {names}; pass split= one of them"
            )
        loaded = loaded[names[0]]
    default_header = _KNOWN_DEFAULT_HEADERS.get(dataset.lower(), "")
    label = f"hf:{dataset}" + (f":{split}" if split else "")
    rows = ((i, row) for i, row in enumerate(loaded, start=1))
    return _build(rows, source=label, columns=columns, limit=limit, default_header=default_header)


def load_theorems(
    source: str | os.PathLike[str] | Iterable[Theorem] | Iterable[Mapping[str, Any]],
    *,
    split: str | None = None,
    columns: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> LoadedTheorems:
    """Loads theorems from a shipped name, a jsonl file, a list, or a Hugging Face dataset.

    Args:
        source: See the module docstring.
        split: The Hugging Face split (``test``, ``valid``, ``train``...), needed when the
            dataset has more than one; for other sources a row's ``split`` field is matched
            against it (rows without one are kept). minilean-bench's rows are ``train`` or
            ``test`` (a fixed held-out split: ``lean_gym/datasets/README.md``). ``None`` or
            ``"all"``: every row.
        columns: Column overrides (module docstring); ``None`` detects them.
        limit: Return at most this many theorems.

    Returns:
        The theorems, as a list whose ``.report`` is the :class:`LoadReport`.

    Raises:
        FileNotFoundError: For a path that does not exist.
        ValueError: For a name that is neither shipped, nor a path, nor a dataset id, or a
            split that rows carry none of (the message lists the splits they have).
        DatasetLoadError: When a Hugging Face dataset cannot be loaded (the message says why
            and what to do).
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    if split == "all":
        split = None
    if isinstance(source, os.PathLike):
        text = _read_text(Path(source))
        rows = _filter_split(parse_lines(text.splitlines()), split)
        return _build(rows, source=str(source), columns=columns, limit=limit)
    if isinstance(source, str):
        if source.startswith("hf:"):
            return _load_hf(source[3:], split, columns, limit)
        if source.startswith("file:"):
            return load_theorems(Path(source[5:]), split=split, columns=columns, limit=limit)
        shipped = shipped_datasets()
        if source in shipped:
            return _load_shipped(source, split, columns, limit)
        if source.endswith((".jsonl", ".json")) or os.path.exists(source):
            return load_theorems(Path(source), split=split, columns=columns, limit=limit)
        if re.fullmatch(r"[\w.-]+/[\w.-]+", source):
            return _load_hf(source, split, columns, limit)
        raise ValueError(
            f"unknown theorem source {source!r}: not a shipped dataset "
            f"({', '.join(shipped) or 'none shipped'}), not an existing file, and not a "
            f"Hugging Face dataset id ('owner/name' or 'hf:owner/name')"
        )
    items = list(source)
    if all(isinstance(item, Theorem) for item in items):
        kept = items[:limit] if limit is not None else items
        return LoadedTheorems(kept, LoadReport("<list>", len(items), len(kept)))
    rows = _filter_split(((i, item) for i, item in enumerate(items, start=1)), split)
    return _build(rows, source="<rows>", columns=columns, limit=limit)


def _filter_split(rows: Iterable[tuple[int, Any]], split: str | None) -> list[tuple[int, Any]]:
    """Keeps rows whose ``split`` field equals ``split`` (rows without one are kept).

    Raises:
        ValueError: When rows carry ``split`` fields and none is ``split``.
    """
    rows = list(rows)
    if split is None:
        return rows
    kept: list[tuple[int, Any]] = []
    splits: set[str] = set()
    for line, row in rows:
        row_split = row.get("split") if isinstance(row, Mapping) else None
        if row_split is not None:
            splits.add(str(row_split))
            if str(row_split) != split:
                continue
        kept.append((line, row))
    if splits and split not in splits:
        raise ValueError(
            f"no row is in split {split!r}; the rows' splits are {', '.join(sorted(splits))} "
            "(or 'all')"
        )
    return kept
