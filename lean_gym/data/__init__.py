"""Theorem datasets, trajectories, segment extraction and value labels.

* :mod:`~lean_gym.data.theorems`: :func:`load_theorems` from shipped sets, jsonl files, lists
  and Hugging Face datasets, with a :class:`LoadReport` of skipped rows.
* :mod:`~lean_gym.data.trajectories`: :class:`Trajectory` (linear or search tree), the jsonl
  record format, :func:`build_trajectory` from a known proof through any backend.
* :mod:`~lean_gym.data.segments`: segmenters (goal-change, fixed, step, whole) and SFT rows.
* :mod:`~lean_gym.data.templates`: the prompt templates shared with the policies.
* :mod:`~lean_gym.data.values`: ``gamma ** d`` value labels.

The record formats are described in ``lean_gym/data/FORMATS.md``.
"""

from __future__ import annotations

from lean_gym.data.segments import (
    Segment,
    Segmenter,
    dedup_rows,
    make_segmenter,
    segment_rows,
    split_by_theorem,
)
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
    TrajectoryNode,
    TreeBuilder,
    build_trajectory,
    read_jsonl,
    write_jsonl,
)
from lean_gym.data.values import value_rows

__all__ = [
    "DatasetLoadError",
    "LoadReport",
    "LoadedTheorems",
    "PromptTemplate",
    "Segment",
    "Segmenter",
    "SkippedRow",
    "Trajectory",
    "TrajectoryNode",
    "TreeBuilder",
    "build_trajectory",
    "dedup_rows",
    "get_template",
    "load_theorems",
    "make_segmenter",
    "read_jsonl",
    "register_template",
    "segment_rows",
    "shipped_datasets",
    "split_by_theorem",
    "value_rows",
    "write_jsonl",
]
