"""Which theorems a training stage may read: the train side of a dataset, never its test side.

A dataset whose rows carry a ``split`` field (``train`` / ``test``) is split by it
(``load_theorems(dataset, split=...)``). A dataset without one is split here by *family*, so that
no family of templated theorems straddles the split (minilean-bench's theorems are families
instantiated with other variable names and constants; splitting them theorem by theorem would
leak near-copies of every test theorem into training). The family of a theorem is its
``family`` attribute when it has one, else its name up to its first ``_<digit>`` group
(``and_swap_1_2`` -> ``and_swap``, ``imp_chain_5_apply_0`` -> ``imp_chain``); a family goes to the
test side when ``sha256(seed, family) < test_fraction``. A test theorem whose statement (white
space normalised) also occurs on the train side is dropped from the test side.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

from lean_gym.types import Theorem, normalize_whitespace

__all__ = [
    "SPLITS",
    "family_of",
    "is_test_family",
    "split_theorems",
    "load_split",
    "write_theorems",
]

logger = logging.getLogger(__name__)

SPLITS = ("train", "test", "all")
_FROM_FIRST_NUMBER = re.compile(r"_\d.*$")


def family_of(theorem: Theorem) -> str:
    """The theorem's family: its ``family`` attribute, else its name without ``_<n>`` groups."""
    family = getattr(theorem, "family", None)
    if isinstance(family, str) and family:
        return family
    return _FROM_FIRST_NUMBER.sub("", theorem.name) or theorem.name


def is_test_family(family: str, test_fraction: float, seed: int = 0) -> bool:
    """Whether a family goes to the test side: a hash of (seed, family) below the fraction."""
    if not 0.0 <= test_fraction <= 1.0:
        raise ValueError(f"test_fraction must be in [0, 1], got {test_fraction}")
    digest = hashlib.sha256(f"{seed}\x00{family}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < test_fraction


def split_theorems(
    theorems: Sequence[Theorem], split: str, *, test_fraction: float = 0.2, seed: int = 0
) -> list[Theorem]:
    """The ``train`` or ``test`` side of ``theorems`` by family (``all``: every theorem)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if split == "all":
        return list(theorems)
    train = [t for t in theorems if not is_test_family(family_of(t), test_fraction, seed)]
    if split == "train":
        return train
    seen = {normalize_whitespace(t.statement) for t in train}
    return [
        t
        for t in theorems
        if is_test_family(family_of(t), test_fraction, seed)
        and normalize_whitespace(t.statement) not in seen
    ]


def load_split(
    dataset: str | os.PathLike[str],
    split: str = "train",
    *,
    test_fraction: float = 0.2,
    seed: int = 0,
    limit: int | None = None,
) -> list[Theorem]:
    """The ``split`` side of a dataset (see the module docstring for how it is decided).

    Raises:
        ValueError: For an unknown split, or a split that leaves no theorem.
    """
    from lean_gym.data.theorems import load_theorems

    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    everything = list(load_theorems(dataset))
    if split == "all":
        chosen = everything
    else:
        own = list(load_theorems(dataset, split=split))
        other = list(load_theorems(dataset, split="test" if split == "train" else "train"))
        if len(own) < len(everything) or len(other) < len(everything):
            chosen = own  # the rows carry their own split
        else:
            chosen = split_theorems(everything, split, test_fraction=test_fraction, seed=seed)
    if limit is not None:
        chosen = chosen[:limit]
    if not chosen:
        raise ValueError(f"dataset {str(dataset)!r} has no theorem on the {split!r} side")
    return chosen


def write_theorems(theorems: Sequence[Theorem], path: str | os.PathLike[str]) -> Path:
    """Writes theorems as jsonl rows (``Theorem.to_json``, a valid dataset row); returns the path."""
    from lean_gym.data.jsonl import write_rows

    write_rows((theorem.to_json() for theorem in theorems), path)
    return Path(path)
