"""Theorem statements as values: binders and a conclusion, and what a backend's fragment allows.

A statement is the text after a theorem's name (``Theorem.statement``)::

    (a b : Nat) (h : a < b) : a + 1 ≤ b

:class:`Statement` splits it into its binders and its conclusion, renders it back, renames its
variables, and gives its universal closure (``∀ (a b : Nat), a < b → a + 1 ≤ b``: what a
disproof negates). :func:`alpha_key` compares statements up to the names of their variables
(two conjectures that differ only by variable names are one; the data layer's
:func:`~lean_gym.data.splits.normalize_statement`).

:class:`MiniLeanFragment` is the real-Lean guard of the conjecturers: MiniLean checks a
fragment of Lean 4 core (DESIGN.md section 4: ``Prop`` connectives, ``∀``/``∃`` over
``Nat``/``Int``, relations and arithmetic), and a statement that uses anything else must never
be sent to it as if it were a problem of its fragment. The guard is static and conservative:
the identifiers of a statement must be names it binds, the fragment's own words, or words of
the seed statements the backend already accepted; its symbols must be the fragment's. A
statement the guard lets through can still be refused by the backend (``start`` decides); one it
stops is never sent. Real Lean has no such guard (:func:`fragment_for` gives None): Lean itself
decides what it can state.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from lean_gym.data.splits import normalize_statement

__all__ = [
    "Binder",
    "Statement",
    "alpha_key",
    "identifiers",
    "rename",
    "MiniLeanFragment",
    "fragment_for",
    "is_minilean",
    "backend_label",
    "DATA_TYPES",
]

_OPEN = {"(": ")", "{": "}", "[": "]", "⦃": "⦄"}
_ALL_OPEN = "([{⦃⟨"
_ALL_CLOSE = ")]}⦄⟩"
_IDENT = re.compile(
    r"[A-Za-z_\u0370-\u03ff\u1d00-\u1dbf][A-Za-z0-9_'\u0370-\u03ff\u2080-\u2089.!?]*"
)
_NUMERAL = re.compile(r"\d+")
# Types of variables (data), as opposed to hypotheses (proofs).
DATA_TYPES = frozenset({"Nat", "Int", "ℕ", "ℤ", "Prop"})
_BINDING = re.compile(r"(?:∀|∃!?|fun|λ)\s*([^,:=↦]*)")


def _matching(text: str, start: int) -> int:
    """The index of the bracket closing the one at ``start``."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char in _ALL_OPEN:
            depth += 1
        elif char in _ALL_CLOSE:
            depth -= 1
            if depth == 0:
                return index
    raise ValueError(f"unbalanced brackets in {text!r}")


def _top_level_colon(text: str) -> int:
    """The index of the first ``:`` outside brackets (not ``:=``), or -1."""
    depth = 0
    for index, char in enumerate(text):
        if char in _ALL_OPEN:
            depth += 1
        elif char in _ALL_CLOSE:
            depth -= 1
        elif char == ":" and depth == 0 and not text.startswith(":=", index):
            return index
    return -1


def identifiers(text: str) -> list[str]:
    """The identifiers of ``text``, in order (numerals and symbols left out)."""
    return [m.group(0) for m in _IDENT.finditer(text)]


def rename(text: str, mapping: dict[str, str]) -> str:
    """``text`` with whole identifiers renamed (``a`` in ``a + ab`` is renamed, ``ab`` is not)."""
    if not mapping:
        return text

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return mapping.get(word, word)

    return _IDENT.sub(swap, text)


@dataclass(frozen=True)
class Binder:
    """One binder group: ``(a b : Nat)``, ``(h : a < b)``, ``{n : Nat}``, ``[inst : C]``.

    Attributes:
        names: The bound names (empty for an anonymous instance binder ``[C]``).
        type: The type, as text.
        bracket: The opening bracket (``(``, ``{``, ``[`` or ``⦃``).
    """

    names: tuple[str, ...]
    type: str
    bracket: str = "("

    @property
    def is_data(self) -> bool:
        """A variable (``Nat``, ``Int``, ``Prop`` or a function between them), not a proof."""
        parts = [part.strip() for part in self.type.split("→")]
        return all(part in DATA_TYPES for part in parts)

    def render(self) -> str:
        close = _OPEN[self.bracket]
        if not self.names:
            return f"{self.bracket}{self.type}{close}"
        return f"{self.bracket}{' '.join(self.names)} : {self.type}{close}"


@dataclass(frozen=True)
class Statement:
    """A statement split into binders and conclusion (see the module docstring).

    Attributes:
        binders: The binder groups, in order.
        conclusion: The type after the top-level ``:``.
    """

    binders: tuple[Binder, ...]
    conclusion: str

    @classmethod
    def parse(cls, text: str) -> Statement:
        """Parses ``BINDERS : CONCLUSION``.

        Raises:
            ValueError: When the text is not binders followed by ``: conclusion``.
        """
        rest = " ".join(text.split())
        binders: list[Binder] = []
        while rest and rest[0] in _OPEN:
            end = _matching(rest, 0)
            inner = rest[1:end].strip()
            colon = _top_level_colon(inner)
            if colon < 0:
                if rest[0] != "[":
                    raise ValueError(f"binder without a type: {rest[: end + 1]!r}")
                binders.append(Binder((), inner, "["))
            else:
                names = tuple(inner[:colon].split())
                kind = inner[colon + 1 :].strip()
                if not names or not kind or not all(_IDENT.fullmatch(n) for n in names):
                    raise ValueError(f"bad binder {rest[: end + 1]!r}")
                binders.append(Binder(names, kind, rest[0]))
            rest = rest[end + 1 :].lstrip()
        if not rest.startswith(":") or rest.startswith(":="):
            raise ValueError(f"expected ': conclusion' after the binders, got {rest[:40]!r}")
        conclusion = rest[1:].strip()
        if not conclusion:
            raise ValueError("the statement has no conclusion")
        _check_brackets(conclusion)
        return cls(tuple(binders), conclusion)

    def render(self) -> str:
        """The statement text (``Theorem.statement``'s form)."""
        head = " ".join(binder.render() for binder in self.binders)
        return f"{head} : {self.conclusion}" if head else f": {self.conclusion}"

    @property
    def bound_names(self) -> list[str]:
        """Every name the binders bind, in order."""
        return [name for binder in self.binders for name in binder.names]

    @property
    def variables(self) -> list[tuple[str, str]]:
        """``(name, type)`` of each data variable, in order."""
        return [(n, b.type) for b in self.binders if b.is_data for n in b.names]

    @property
    def hypotheses(self) -> list[tuple[str, str]]:
        """``(name, type)`` of each hypothesis, in order."""
        return [(n, b.type) for b in self.binders if not b.is_data for n in b.names]

    def names(self) -> set[str]:
        """Every name bound anywhere: binders, and ``∀``/``∃``/``fun`` inside the types."""
        found = set(self.bound_names)
        for text in [b.type for b in self.binders] + [self.conclusion]:
            for match in _BINDING.finditer(text):
                found.update(identifiers(match.group(1)))
        return found - DATA_TYPES

    def renamed(self, mapping: dict[str, str]) -> Statement:
        """The statement with names renamed everywhere (binders, types, conclusion)."""
        binders = tuple(
            Binder(tuple(mapping.get(n, n) for n in b.names), rename(b.type, mapping), b.bracket)
            for b in self.binders
        )
        return Statement(binders, rename(self.conclusion, mapping))

    def with_binders(self, binders: Sequence[Binder]) -> Statement:
        return replace(self, binders=tuple(binders))

    def closure(self) -> str:
        """The universal closure: binders as ``∀ (x : T),`` and hypotheses as premises."""
        parts: list[str] = []
        index = 0
        binders = list(self.binders)
        while index < len(binders):
            binder = binders[index]
            if binder.is_data:
                group = [binder]
                while index + len(group) < len(binders) and binders[index + len(group)].is_data:
                    group.append(binders[index + len(group)])
                rendered = " ".join(Binder(b.names, b.type).render() for b in group)
                parts.append(f"∀ {rendered},")
                index += len(group)
            else:
                for _ in binder.names or ("_",):
                    parts.append(f"({binder.type}) →")
                index += 1
        return " ".join([*parts, f"({self.conclusion})"]) if parts else self.conclusion


def _check_brackets(text: str) -> None:
    depth = 0
    for char in text:
        if char in _ALL_OPEN:
            depth += 1
        elif char in _ALL_CLOSE:
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced brackets in {text!r}")
    if depth:
        raise ValueError(f"unbalanced brackets in {text!r}")


def alpha_key(statement: str | Statement) -> str:
    """A key equal for statements that differ only by the names they bind (and white space):
    :func:`lean_gym.data.splits.normalize_statement` of the parsed statement, the form the
    leakage reports of the data layer compare.

    Raises:
        ValueError: When the text is not a statement.
    """
    parsed = statement if isinstance(statement, Statement) else Statement.parse(statement)
    return normalize_statement(parsed.render())


# --------------------------------------------------------------------------- the fragment


# Words of Lean 4 core that MiniLean's fragment has (DESIGN.md section 4).
_FRAGMENT_WORDS = frozenset({"Nat", "Int", "Prop", "True", "False", "fun", "λ"})
# Symbols of the fragment: connectives, quantifiers, relations, arithmetic, brackets.
_FRAGMENT_SYMBOLS = frozenset("()⟨⟩,:∧∨¬→↔=≠<≤>≥+-*/%^∀∃ ")


@dataclass(frozen=True)
class MiniLeanFragment:
    """The static guard of MiniLean's fragment (see the module docstring).

    Attributes:
        vocabulary: Words allowed besides the statement's own bound names and the fragment's
            words: those of statements the backend accepted (:meth:`learn`).
        symbols: Characters allowed besides letters, digits and white space.
    """

    vocabulary: frozenset[str] = frozenset()
    symbols: frozenset[str] = _FRAGMENT_SYMBOLS

    name = "minilean"

    def learn(self, statements: Iterable[str]) -> MiniLeanFragment:
        """A guard that also allows the words and symbols of ``statements`` (ones the backend
        started: their vocabulary is in the fragment)."""
        words = set(self.vocabulary)
        symbols = set(self.symbols)
        for text in statements:
            try:
                parsed = Statement.parse(text)
            except ValueError:
                continue
            bound = parsed.names()
            words.update(w for w in identifiers(text) if w not in bound)
            symbols.update(c for c in _leftovers(text) if not c.isspace())
        return MiniLeanFragment(frozenset(words), frozenset(symbols))

    def outside(self, statement: str) -> str | None:
        """Why ``statement`` leaves the fragment, or None when the guard lets it through."""
        try:
            parsed = Statement.parse(statement)
        except ValueError as exc:
            return f"not a statement: {exc}"
        bound = parsed.names()
        for word in identifiers(statement):
            base = word.rstrip("?!")
            if word in bound or base in _FRAGMENT_WORDS or word in self.vocabulary:
                continue
            return f"outside MiniLean's fragment: {word!r} is not a word of the fragment"
        for char in _leftovers(statement):
            if char.isspace() or char in self.symbols:
                continue
            return f"outside MiniLean's fragment: {char!r} is not a symbol of the fragment"
        return None


def _leftovers(text: str) -> str:
    """``text`` without its identifiers and numerals: the symbols the guard looks at."""
    return _NUMERAL.sub(" ", _IDENT.sub(" ", text))


def is_minilean(backend: Any) -> bool:
    """True for MiniLean, in-process or as a REPL subprocess."""
    if isinstance(backend, str):
        return backend.startswith("minilean")
    name = str(getattr(backend, "name", "") or "")
    if name.startswith("minilean"):
        return True
    command = getattr(backend, "command", None) or getattr(backend, "_command", None) or ()
    return any("lean_gym.backends.minilean" in str(part) for part in command)


def backend_label(backend: Any) -> str:
    """The name data records for a backend: ``minilean`` for MiniLean in any form."""
    if is_minilean(backend):
        return "minilean"
    return str(getattr(backend, "name", None) or type(backend).__name__)


def fragment_for(backend: Any, seeds: Iterable[str] = ()) -> MiniLeanFragment | None:
    """The guard of ``backend``'s fragment, taught the seed statements; None for real Lean."""
    if not is_minilean(backend):
        return None
    return MiniLeanFragment().learn(seeds)
