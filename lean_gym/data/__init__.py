"""Theorem datasets, trajectories, segment extraction and value labels.

* :mod:`~lean_gym.data.theorems`: :func:`load_theorems` from shipped sets, jsonl files, lists
  and Hugging Face datasets, with a :class:`LoadReport` of skipped rows.
* :mod:`~lean_gym.data.trajectories`: :class:`Trajectory` (linear or search tree), the jsonl
  record format, :func:`build_trajectory` from a known proof through any backend and
  :func:`build_trajectories` for a whole set (a theorem that cannot start is reported, not
  raised).
* :mod:`~lean_gym.data.segments`: segmenters (goal-change, fixed, step, whole), SFT rows and
  :func:`write_segment_files` (train and validation files).
* :mod:`~lean_gym.data.splits`: template families, statements with variable names normalised,
  :func:`split_by_family` and the :func:`leakage` between two sides of a split.
* :mod:`~lean_gym.data.templates`: the prompt templates shared with the policies.
* :mod:`~lean_gym.data.values`: ``gamma ** d`` value labels; :mod:`~lean_gym.data.negatives`
  adds the failed branches that give negative labels.
* :mod:`~lean_gym.data.check` and :mod:`~lean_gym.data.startable`: which theorems a backend
  can start (:func:`startable_theorems` keeps them and says why the others cannot).
* :mod:`~lean_gym.data.jsonl`: the one jsonl reader and writer.

The record formats are described in ``lean_gym/data/FORMATS.md``.
"""

from __future__ import annotations

from lean_gym.data.jsonl import parse_lines, write_rows
from lean_gym.data.segments import (
    Segment,
    Segmenter,
    SegmenterName,
    SegmentFiles,
    dedup_rows,
    make_segmenter,
    proof_path,
    segment_rows,
    segmenter_from_options,
    split_by_theorem,
    validation_path,
    write_segment_files,
)
from lean_gym.data.splits import (
    Leakage,
    family_of,
    leakage,
    normalize_statement,
    split_by_family,
)
from lean_gym.data.startable import StartableTheorems, startable_theorems
from lean_gym.data.templates import PromptTemplate, get_template, register_template
from lean_gym.data.theorems import (
    DatasetLoadError,
    LoadedTheorems,
    LoadReport,
    SkippedRow,
    load_theorems,
    shipped_datasets,
)
from lean_gym.data.trajectories import (
    Trajectory,
    TrajectoryFailure,
    TrajectoryNode,
    TreeBuilder,
    build_trajectories,
    build_trajectory,
    read_jsonl,
    write_jsonl,
)
from lean_gym.data.values import value_rows

__all__ = [
    "DatasetLoadError",
    "Leakage",
    "LoadReport",
    "LoadedTheorems",
    "PromptTemplate",
    "Segment",
    "SegmentFiles",
    "Segmenter",
    "SegmenterName",
    "SkippedRow",
    "StartableTheorems",
    "Trajectory",
    "TrajectoryFailure",
    "TrajectoryNode",
    "TreeBuilder",
    "build_trajectories",
    "build_trajectory",
    "dedup_rows",
    "family_of",
    "get_template",
    "leakage",
    "load_theorems",
    "make_segmenter",
    "normalize_statement",
    "parse_lines",
    "proof_path",
    "read_jsonl",
    "register_template",
    "segment_rows",
    "segmenter_from_options",
    "shipped_datasets",
    "split_by_family",
    "split_by_theorem",
    "startable_theorems",
    "validation_path",
    "value_rows",
    "write_jsonl",
    "write_rows",
    "write_segment_files",
]
