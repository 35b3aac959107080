"""Reading tactic blocks as text: top-level tactics, comments and string literals.

These are the text-level facts every layer needs the same way: the segment env runs a segment's
top-level tactics one by one, trajectories replay a known proof step by step, the integrity
rules look past comments and strings, and segmenters join tactics back into text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "split_tactics",
    "join_tactics",
    "strip_comments_and_strings",
    "strip_comments",
    "unfence",
]

_OPEN = "([{⟨"
_CLOSE = ")]}⟩"
# Lines at the block's own indentation that still continue the tactic before them.
_CONTINUATION_PREFIXES = ("|", "<;>", ")", "]", "}", "⟩")
# Heads after which a ';' belongs to a nested tactic sequence, not to the top level.
_NESTING_WORDS = ("by", "fun", "λ", "=>", "·", ".", "case", "next", "focus", "at_end")


def _scan(text: str, keep_strings: bool) -> str:
    """Blanks comments (and string literals unless ``keep_strings``), keeping every position."""
    if "--" not in text and "/-" not in text and '"' not in text:
        return text  # nothing to blank: the common case for a single tactic
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j == -1 else j
            for k in range(i, j):
                out[k] = " "
            i = j
        elif c == "/" and text.startswith("/-", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/-", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("-/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            if not keep_strings:
                for k in range(i, j):
                    if out[k] != "\n":
                        out[k] = " "
            i = j
        else:
            i += 1
    return "".join(out)


def strip_comments_and_strings(text: str) -> str:
    """Replaces comments and string literals by spaces of the same length.

    ``--`` line comments, nested ``/- ... -/`` block comments and ``"..."`` string literals are
    blanked; newlines are kept, so every remaining character keeps its line and column.
    """
    return _scan(text, keep_strings=False)


def strip_comments(text: str) -> str:
    """Replaces comments (but not string literals) by spaces of the same length."""
    return _scan(text, keep_strings=True)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _depth_changes(masked_line: str) -> int:
    depth = 0
    for ch in masked_line:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
    return depth


def _split_semicolons(chunk: str, masked: str) -> list[str]:
    """Splits a one-line tactic on top-level ``;`` (never ``<;>``, never inside nesting)."""
    head = masked.lstrip()
    if head.startswith(("·", ".", "case ", "next ", "focus", "all_goals", "any_goals")):
        return [chunk]
    pieces: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(masked):
        ch = masked[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif masked.startswith("<;>", i):
            i += 3
            continue
        elif ch == ";" and depth == 0:
            before = masked[start:i]
            words = before.replace("(", " ").split()
            if any(w in _NESTING_WORDS for w in words):
                # `have h := by simp; exact x` : the ';' continues the nested block.
                i += 1
                continue
            pieces.append(chunk[start:i])
            start = i + 1
        i += 1
    pieces.append(chunk[start:])
    return [p.strip() for p in pieces if p.strip()]


def split_tactics(block: str) -> list[str]:
    """Splits a tactic block (the text after ``:= by``) into its top-level tactics.

    A tactic keeps its indented continuation lines and nested blocks: ``induction n with`` and
    its ``| zero => ...`` alternatives are one tactic, a ``·`` bullet with its indented block is
    one tactic, ``constructor <;> simp`` is one tactic, and ``;``-separated tactics on one line
    are split. Comments are dropped; common leading indentation is removed.

    Args:
        block: The tactic block text.

    Returns:
        The top-level tactics in order (empty for a block with no tactic).
    """
    clean = strip_comments(block)
    masked = strip_comments_and_strings(block)
    clean_lines = clean.split("\n")
    masked_lines = masked.split("\n")
    indents = [_indent(line) for line in masked_lines if line.strip()]
    if not indents:
        return []
    base = min(indents)

    chunks: list[tuple[list[str], list[str]]] = []
    depth = 0
    for raw, mask in zip(clean_lines, masked_lines, strict=True):
        if not mask.strip():
            if chunks and depth > 0:
                chunks[-1][0].append("")
                chunks[-1][1].append("")
            continue
        stripped = mask.strip()
        starts_new = not chunks or (
            depth <= 0 and _indent(mask) <= base and not stripped.startswith(_CONTINUATION_PREFIXES)
        )
        line = raw[base:] if len(raw) >= base else raw.lstrip()
        mline = mask[base:] if len(mask) >= base else mask.lstrip()
        if starts_new:
            chunks.append(([line.rstrip()], [mline.rstrip()]))
            depth = 0
        else:
            chunks[-1][0].append(line.rstrip())
            chunks[-1][1].append(mline.rstrip())
        depth += _depth_changes(mask)

    tactics: list[str] = []
    for lines, mlines in chunks:
        while lines and not lines[-1].strip():
            lines.pop()
            mlines.pop()
        text = "\n".join(lines)
        if len(lines) == 1:
            tactics.extend(_split_semicolons(text, "\n".join(mlines)))
        elif text.strip():
            tactics.append(text)
    return tactics


def join_tactics(tactics: Sequence[str]) -> str:
    """Joins top-level tactics into a block (the inverse of :func:`split_tactics`)."""
    return "\n".join(t.rstrip("\n") for t in tactics if t.strip())


_FENCE = re.compile(r"```[^\n`]*\n?")


def unfence(text: str) -> str:
    """The code of a markdown block: what follows the first fence up to the next one, or what
    precedes a lone closing fence; ``text`` itself when it has no fence.

    Model outputs and some datasets wrap Lean code in ```` ```lean4 ... ``` ````.
    """
    m = _FENCE.search(text)
    if m is None:
        return text
    after = text[m.end() :]
    if after.strip():
        return after.split("```", 1)[0]
    return text[: m.start()]
