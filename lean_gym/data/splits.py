"""Honest splits: template families, statements with their names normalised, and leakage.

A templated dataset such as minilean-bench is made of *families*: one proof shape instantiated
with other variable names, constants and proof styles. Split such a set theorem by theorem (or
keyed on the exact statement) and most validation statements reappear in train under other
variable names, so validation measures recall, not proving. Here:

* :func:`normalize_statement` renames every variable (binder, hypothesis, bound name) to
  ``v0, v1, ...`` in order of first appearance, so that ``(p q : Prop) (h : p ∧ q) : q ∧ p``
  and ``(a b : Prop) (hab : a ∧ b) : b ∧ a`` compare equal; ``numerals=True`` also replaces
  every numeral by ``N`` (the stricter form: the same shape with other constants).
* :func:`family_of` is a theorem's (or row's) family: the ``family`` the dataset recorded
  (minilean-bench records one per row), else its statement with the variable names normalised,
  so that renamed copies at least stay together.
* :func:`split_by_family` puts every row of a family on the same side of a train/validation
  split, chosen by a hash of the family and a seed.
* :func:`leakage` counts the items of one side whose normalised form also occurs on the other
  (statements or prompts): what ``lean-gym data`` prints next to every split it makes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lean_gym.types import Theorem, normalize_whitespace

__all__ = [
    "LEAN_WORDS",
    "normalize_statement",
    "family_of",
    "is_validation_family",
    "split_by_family",
    "Leakage",
    "leakage",
]

LEAN_WORDS = frozenset(
    {
        "Nat", "Int", "Prop", "Type", "Sort", "Bool", "True", "False", "true", "false",
        "fun", "by", "let", "have", "show", "from", "if", "then", "else", "match", "with",
        "List", "Option", "Fin", "max", "min", "id", "Not", "And", "Or", "Iff", "Exists",
    }
)  # fmt: skip
"""Words a statement may use that are not variable names (kept by :func:`normalize_statement`);
namespaced constants (``Nat.succ``) are kept too."""

_IDENT = re.compile(r"[^\W\d][\w'!?₀-₉]*(?:\.[^\W\d][\w'!?₀-₉]*)*")
_NUMERAL = re.compile(r"(?<![\w.])\d+(?![\w])")


def normalize_statement(text: str, *, numerals: bool = False) -> str:
    """``text`` with every variable name renamed ``v0, v1, ...`` by first appearance.

    Args:
        text: A statement (binders and type), a proof state or a prompt.
        numerals: Also replace every numeral by ``N``.
    """

    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        word = match.group(0)
        head, dot, rest = word.partition(".")
        if word in LEAN_WORDS or head in LEAN_WORDS or (dot and head[:1].isupper()):
            return word  # a Lean word or a namespaced constant (Nat.succ)
        if head not in names:
            names[head] = f"v{len(names)}"
        return names[head] + dot + rest  # h.mp: the variable renamed, the field kept

    out = _IDENT.sub(rename, text)
    if numerals:
        out = _NUMERAL.sub("N", out)
    return normalize_whitespace(out)


def family_of(item: Theorem | Mapping[str, Any]) -> str:
    """The family of a theorem or a row (segment row, dataset row, theorem JSON).

    The recorded ``family`` when there is one; else the statement with its variable names
    normalised; else (a row with neither) the theorem's name.
    """
    if isinstance(item, Theorem):
        family, statement, name = item.family, item.statement, item.name
    else:
        family = item.get("family")
        statement = item.get("statement")
        name = item.get("theorem") or item.get("name") or ""
    if isinstance(family, str) and family:
        return family
    if isinstance(statement, str) and statement.strip():
        return normalize_statement(statement)
    return str(name)


def is_validation_family(family: str, val_fraction: float, seed: int = 0) -> bool:
    """Whether a family goes to validation: a hash of (seed, family) below ``val_fraction``."""
    if not 0.0 <= val_fraction <= 1.0:
        raise ValueError(f"val_fraction must be in [0, 1], got {val_fraction}")
    digest = hashlib.sha256(f"{seed}\x00{family}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < val_fraction


def split_by_family(
    rows: Iterable[dict[str, Any]], val_fraction: float = 0.1, seed: int = 0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, validation): every row of a family (:func:`family_of`) lands on the same side."""
    train: list[dict[str, Any]] = []
    val: list[dict[str, Any]] = []
    for row in rows:
        (val if is_validation_family(family_of(row), val_fraction, seed) else train).append(row)
    return train, val


@dataclass(frozen=True)
class Leakage:
    """How many distinct items of one side also occur, normalised, on the other.

    Attributes:
        what: What was compared (``statements``, ``prompts``).
        total: Distinct normalised items on the checked side.
        leaked: How many of them also occur on the reference side.
        numerals: Whether numerals were normalised too (the stricter count).
        examples: A few leaked items as normalised, for finding them.
    """

    what: str
    total: int
    leaked: int
    numerals: bool = False
    examples: tuple[str, ...] = ()

    def __str__(self) -> str:
        how = (
            "variable names and numerals normalised"
            if self.numerals
            else "variable names normalised"
        )
        return f"{self.leaked} of {self.total} {self.what} also occur in train ({how})"

    def to_json(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "total": self.total,
            "leaked": self.leaked,
            "numerals": self.numerals,
            "examples": list(self.examples),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Leakage:
        return cls(
            what=str(obj["what"]),
            total=int(obj["total"]),
            leaked=int(obj["leaked"]),
            numerals=bool(obj.get("numerals", False)),
            examples=tuple(obj.get("examples", ())),
        )


def leakage(
    reference: Iterable[str],
    checked: Iterable[str],
    *,
    what: str = "statements",
    numerals: bool = False,
    examples: int = 3,
) -> Leakage:
    """Counts the distinct ``checked`` texts whose normalised form occurs in ``reference``.

    Args:
        reference: The texts of the side trained on (statements, prompts).
        checked: The texts of the held-out side.
        what: The name of the compared items, for the report.
        numerals: Normalise numerals too (:func:`normalize_statement`).
        examples: How many leaked items to keep in the report.
    """
    seen = {normalize_statement(text, numerals=numerals) for text in reference}
    held = {normalize_statement(text, numerals=numerals) for text in checked}
    leaked = sorted(held & seen)
    return Leakage(what, len(held), len(leaked), numerals, tuple(leaked[:examples]))
