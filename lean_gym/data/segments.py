"""Segment extraction: cutting a proof path into training examples (DESIGN.md section 6).

A segmenter cuts a path ``s0 -a0-> s1 -a1-> ... -> sn`` of a trajectory into consecutive
segments; every tactic of the path is in exactly one segment. A training row is (the prompt
for the segment's start state -> the segment's tactics), rendered by a template of
:mod:`lean_gym.data.templates`.

Segmenters (``make_segmenter(name, **kw)``):

* ``goal-change`` (default, SEG-ATP): a segment closes after the tactic that changes the
  number of open goals, at the end of the path, or after ``max_len`` tactics (default 8).
* ``fixed``: segments of ``k`` tactics (the last may be shorter).
* ``step``: one tactic per segment (``fixed`` with ``k=1``).
* ``whole``: the whole path is one segment.

Rows are ``{"prompt", "completion", "theorem", "statement", "family", "start_depth",
"num_tactics", "segmenter"}``.
:func:`dedup_rows` drops repeated (prompt, completion) pairs; :func:`split_by_family`
(:mod:`lean_gym.data.splits`) puts every row of a template family on the same side of the
train/validation split, chosen by a hash of the family and a seed (a theorem without a recorded
family is keyed by its statement with the variable names normalised, so renamed copies stay
together).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from lean_gym.data.jsonl import write_rows
from lean_gym.data.splits import Leakage, is_validation_family, leakage, split_by_family
from lean_gym.data.templates import DEFAULT_TEMPLATE, PromptTemplate, get_template
from lean_gym.data.trajectories import Trajectory, TrajectoryNode
from lean_gym.tactic_text import split_tactics
from lean_gym.types import normalize_whitespace

__all__ = [
    "Segment",
    "Segmenter",
    "SegmenterName",
    "GoalChangeSegmenter",
    "FixedLengthSegmenter",
    "StepSegmenter",
    "WholeProofSegmenter",
    "SEGMENTERS",
    "make_segmenter",
    "segmenter_from_options",
    "proof_path",
    "training_paths",
    "segment_rows",
    "dedup_rows",
    "is_validation_theorem",
    "split_by_family",
    "split_by_theorem",
    "validation_path",
    "SegmentFiles",
    "write_segment_files",
]


@dataclass(frozen=True)
class Segment:
    """Consecutive tactics of a path.

    Attributes:
        start: The node the segment starts from (its state is the prompt's state).
        tactics: The segment's tactics, in order.
        end: The node the segment reaches.
        prefix: The tactics from the root to ``start``.
    """

    start: TrajectoryNode
    tactics: tuple[str, ...]
    end: TrajectoryNode
    prefix: tuple[str, ...] = ()

    @property
    def start_depth(self) -> int:
        return self.start.depth

    @property
    def num_tactics(self) -> int:
        return len(self.tactics)


@runtime_checkable
class Segmenter(Protocol):
    """Cuts a path of trajectory nodes into segments covering every tactic once."""

    name: str

    def split(self, trajectory_path: Sequence[TrajectoryNode] | Trajectory) -> list[Segment]: ...


def _as_path(trajectory_path: Sequence[TrajectoryNode] | Trajectory) -> list[TrajectoryNode]:
    """A checked root-to-leaf path; a failed last node (no state) is dropped."""
    if isinstance(trajectory_path, Trajectory):
        if not trajectory_path.is_linear:
            raise ValueError("a search tree has many paths: pass one (Trajectory.proof_paths())")
        nodes = list(trajectory_path.nodes)
    else:
        nodes = list(trajectory_path)
    if nodes and nodes[-1].failed:
        nodes = nodes[:-1]
    for before, after in zip(nodes, nodes[1:], strict=False):
        if after.parent != before.id or after.tactic is None:
            raise ValueError(f"not a path: node {after.id} is not a child of node {before.id}")
        if before.failed:
            raise ValueError(f"not a path: node {before.id} is a failed tactic")
    return nodes


class _CutSegmenter:
    """Shared machinery: subclasses say after which tactic (1-based) a segment closes."""

    name = ""

    def _closes_after(self, path: Sequence[TrajectoryNode], k: int, length: int) -> bool:
        raise NotImplementedError

    def split(self, trajectory_path: Sequence[TrajectoryNode] | Trajectory) -> list[Segment]:
        path = _as_path(trajectory_path)
        segments: list[Segment] = []
        start = 0
        for k in range(1, len(path)):
            if k == len(path) - 1 or self._closes_after(path, k, k - start):
                segments.append(
                    Segment(
                        start=path[start],
                        tactics=tuple(node.tactic for node in path[start + 1 : k + 1]),  # type: ignore[misc]
                        end=path[k],
                        prefix=tuple(node.tactic for node in path[1 : start + 1]),  # type: ignore[misc]
                    )
                )
                start = k
        return segments

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class GoalChangeSegmenter(_CutSegmenter):
    """Closes a segment after a tactic that changes the number of open goals (or at max_len)."""

    name = "goal-change"

    def __init__(self, max_len: int | None = 8):
        if max_len is not None and max_len < 1:
            raise ValueError(f"max_len must be >= 1, got {max_len}")
        self.max_len = max_len

    def _closes_after(self, path: Sequence[TrajectoryNode], k: int, length: int) -> bool:
        if path[k].num_goals != path[k - 1].num_goals:
            return True
        return self.max_len is not None and length >= self.max_len


class FixedLengthSegmenter(_CutSegmenter):
    """Segments of ``k`` tactics."""

    name = "fixed"

    def __init__(self, k: int = 2):
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        self.k = k

    def _closes_after(self, path: Sequence[TrajectoryNode], k: int, length: int) -> bool:
        return length >= self.k


class StepSegmenter(FixedLengthSegmenter):
    """One tactic per segment."""

    name = "step"

    def __init__(self) -> None:
        super().__init__(k=1)


class WholeProofSegmenter(_CutSegmenter):
    """The whole path as one segment."""

    name = "whole"

    def _closes_after(self, path: Sequence[TrajectoryNode], k: int, length: int) -> bool:
        return False


SegmenterName = Literal["goal-change", "fixed", "step", "whole"]
"""The names :func:`make_segmenter` knows (the command line's ``--segmenter`` choices)."""

SEGMENTERS: dict[str, type[_CutSegmenter]] = {
    "goal-change": GoalChangeSegmenter,
    "fixed": FixedLengthSegmenter,
    "step": StepSegmenter,
    "whole": WholeProofSegmenter,
}

# The options each segmenter takes.
_OPTIONS: dict[str, frozenset[str]] = {
    "goal-change": frozenset({"max_len"}),
    "fixed": frozenset({"k"}),
    "step": frozenset(),
    "whole": frozenset(),
}


def make_segmenter(name: str = "goal-change", **kwargs: Any) -> Segmenter:
    """A segmenter by name: ``goal-change`` (``max_len``), ``fixed`` (``k``), ``step``,
    ``whole``. Keyword arguments a segmenter does not take are ignored when they are None.

    Raises:
        ValueError: For an unknown name or an option the segmenter does not take.
    """
    try:
        cls = SEGMENTERS[name]
    except KeyError:
        raise ValueError(f"unknown segmenter {name!r}; known: {sorted(SEGMENTERS)}") from None
    accepted = _OPTIONS[name]
    unexpected = {key for key, value in kwargs.items() if key not in accepted and value is not None}
    if unexpected:
        raise ValueError(f"segmenter {name!r} takes {sorted(accepted) or 'no options'}, "
                         f"not {sorted(unexpected)}")  # fmt: skip
    options = {key: value for key, value in kwargs.items() if key in accepted and value is not None}
    return cls(**options)  # type: ignore[return-value]


def segmenter_from_options(name: str, **options: Any) -> Segmenter:
    """:func:`make_segmenter` with the options the named segmenter takes, the others dropped:
    for a command line whose flags (``--max-len``, ``--k``) all have values."""
    accepted = _OPTIONS.get(name, frozenset())
    return make_segmenter(name, **{k: v for k, v in options.items() if k in accepted})


def proof_path(proof: str, trajectory: Trajectory | None = None) -> list[TrajectoryNode]:
    """The path a segmenter cuts for a known ``proof``.

    ``trajectory``'s shortest proof path when it has one. Otherwise the proof's top-level
    tactics with unknown goals (no state text, no goal counts): a goal-change segmenter then
    sees no goal change and cuts only at its ``max_len``.
    """
    if trajectory is not None:
        paths = trajectory.proof_paths()
        if paths:
            return paths[0]
    nodes = [TrajectoryNode(0, None, None, "", None, None)]
    for index, tactic in enumerate(split_tactics(proof), start=1):
        nodes.append(TrajectoryNode(index, index - 1, tactic, "", None, None, depth=index))
    return nodes


def training_paths(
    trajectory: Trajectory, *, require_complete: bool = True
) -> list[list[TrajectoryNode]]:
    """The paths of a trajectory that training data is made from.

    The proof paths (root to a solved node). A trajectory whose proof the backend's verifier
    rejected (``verified is False``) gives none. With ``require_complete=False`` an incomplete
    linear trajectory gives its path up to the last state.
    """
    if trajectory.verified is False:
        return []
    paths = trajectory.proof_paths()
    if paths or require_complete or not trajectory.is_linear:
        return paths
    return [_as_path(trajectory)]


def segment_rows(
    trajectories: Iterable[Trajectory],
    segmenter: Segmenter,
    template: str | PromptTemplate = DEFAULT_TEMPLATE,
    *,
    require_complete: bool = True,
) -> list[dict[str, Any]]:
    """Prompt/completion rows for every segment of every training path (not deduplicated)."""
    tmpl = get_template(template)
    rows: list[dict[str, Any]] = []
    for trajectory in trajectories:
        for path in training_paths(trajectory, require_complete=require_complete):
            for segment in segmenter.split(path):
                rows.append(
                    {
                        "prompt": tmpl.render(
                            segment.start.state or "", trajectory.theorem, segment.prefix
                        ),
                        "completion": tmpl.completion(segment.tactics),
                        "theorem": trajectory.theorem.name,
                        "statement": normalize_whitespace(trajectory.theorem.statement),
                        "family": trajectory.theorem.family,
                        "start_depth": segment.start_depth,
                        "num_tactics": segment.num_tactics,
                        "segmenter": segmenter.name,
                    }
                )
    return rows


def dedup_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keeps the first row of each (prompt, completion) pair."""
    seen: set[tuple[str, str]] = set()
    kept: list[dict[str, Any]] = []
    for row in rows:
        key = (row["prompt"], row["completion"])
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def is_validation_theorem(name: str, val_fraction: float, seed: int = 0) -> bool:
    """Whether a key (a family, a theorem name) goes to validation (hash below the fraction)."""
    return is_validation_family(name, val_fraction, seed)


split_by_theorem = split_by_family
"""The former name of :func:`lean_gym.data.splits.split_by_family` (rows are now kept together
by family, not by exact statement)."""


def validation_path(out: str | os.PathLike[str]) -> Path:
    """``S.jsonl`` -> ``S.val.jsonl`` (``.val`` before the last extension)."""
    path = Path(out)
    if path.suffix:
        return path.with_name(f"{path.stem}.val{path.suffix}")
    return path.with_name(f"{path.name}.val")


@dataclass(frozen=True)
class SegmentFiles:
    """What :func:`write_segment_files` wrote.

    Attributes:
        raw: Segment rows before de-duplication.
        train: The training rows, written to ``path``.
        validation: The validation rows, written to ``validation_path``.
        path: The training file.
        validation_path: The validation file (``.val`` before the extension).
    """

    raw: int
    train: tuple[dict[str, Any], ...]
    validation: tuple[dict[str, Any], ...]
    path: Path
    validation_path: Path

    def leakage(self, *, numerals: bool = False) -> tuple[Leakage, Leakage]:
        """(statements, prompts): how many distinct validation statements and prompts also
        occur in train once variable names (and, with ``numerals``, numerals) are normalised."""
        statements = leakage(
            (r["statement"] for r in self.train),
            (r["statement"] for r in self.validation),
            what="validation statements",
            numerals=numerals,
        )
        prompts = leakage(
            (r["prompt"] for r in self.train),
            (r["prompt"] for r in self.validation),
            what="validation prompts",
            numerals=numerals,
        )
        return statements, prompts

    @property
    def rows(self) -> tuple[dict[str, Any], ...]:
        """Every de-duplicated row, training rows first."""
        return self.train + self.validation


def write_segment_files(
    trajectories: Sequence[Trajectory],
    segmenter: Segmenter,
    path: str | os.PathLike[str],
    template: str | PromptTemplate = DEFAULT_TEMPLATE,
    *,
    val_fraction: float = 0.1,
    seed: int = 0,
    require_complete: bool = True,
) -> SegmentFiles:
    """Segment rows of ``trajectories``, de-duplicated, split by family and written.

    The training rows go to ``path`` and the validation rows to :func:`validation_path`
    of it; ``lean-gym data segments`` and ``lean-gym run`` both write their rows here.
    """
    raw = segment_rows(trajectories, segmenter, template, require_complete=require_complete)
    train, val = split_by_family(dedup_rows(raw), val_fraction, seed)
    out, val_out = Path(path), validation_path(path)
    write_rows(train, out)
    write_rows(val, val_out)
    return SegmentFiles(len(raw), tuple(train), tuple(val), out, val_out)
