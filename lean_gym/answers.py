"""Reading a model's answer as a proof: the one reading every consumer of whole proofs shares.

An LLM asked for a proof answers in several shapes: a bare tactic block, the block after
``by`` (``by\\n  intro h ...``), a full declaration ``theorem NAME BINDERS : TYPE := by ...``,
any of these inside a markdown fence (```` ```lean4 ... ``` ````, with prose around it), and a
declaration preceded by the dataset's own header (``import Mathlib``). :func:`read_proof` turns
each into the tactic block to check, or into the rejection that says why it cannot be one,
under the same integrity rules as everywhere else (:mod:`lean_gym.integrity`):

* the first fenced block is the answer (:func:`lean_gym.tactic_text.unfence`);
* a declaration must state the dataset's theorem (its name and statement, compared after
  comments and white space are dropped), else ``statement_mismatch``; lines before it must be
  lines of the theorem's header, else ``new_command``;
* the tactic block passes :func:`lean_gym.integrity.check_proof_text`.

``LeanProof-v0``, ``lean-gym verify`` and the training reward functions call it, so a proof is
accepted in the same shapes by all of them; the verdict itself always comes from
``backend.verify`` (the integrity gate).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Any

from lean_gym.integrity import (
    IntegrityPolicy,
    Rejection,
    check_full_declaration,
    check_proof_text,
    split_full_declaration,
)
from lean_gym.tactic_text import strip_comments, unfence
from lean_gym.types import Theorem, normalize_whitespace

__all__ = ["ProofAnswer", "read_proof"]

_DECLARATION = re.compile(r"^[ \t]*(?:@\[[^\]\n]*\][ \t]*)?(?:theorem|lemma|example)\b", re.M)
_LEADING_BY = re.compile(r"^\s*(?::=\s*)?by\b[ \t]*\n?")


@dataclass(frozen=True)
class ProofAnswer:
    """An answer read as a proof of a theorem.

    Attributes:
        proof: The tactic block to check (the text after ``:= by``); ``""`` when rejected
            before a block could be read.
        rejection: Why the answer cannot be checked as a proof (None: it can).
        fenced: The answer was inside a markdown fence.
        declaration: The answer was a full declaration.
    """

    proof: str
    rejection: Rejection | None = None
    fenced: bool = False
    declaration: bool = False

    @property
    def ok(self) -> bool:
        """True when the proof may be sent to Lean."""
        return self.rejection is None

    def to_json(self) -> dict[str, Any]:
        rejection = self.rejection
        return {
            "proof": self.proof,
            "rejection": None
            if rejection is None
            else {"reason": rejection.reason, "detail": rejection.detail},
            "fenced": self.fenced,
            "declaration": self.declaration,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ProofAnswer:
        raw = obj.get("rejection")
        rejection = None if raw is None else Rejection(str(raw["reason"]), str(raw["detail"]))
        return cls(
            proof=str(obj.get("proof") or ""),
            rejection=rejection,
            fenced=bool(obj.get("fenced", False)),
            declaration=bool(obj.get("declaration", False)),
        )


def read_proof(
    answer: object, theorem: Theorem, policy: IntegrityPolicy | None = None
) -> ProofAnswer:
    """The tactic block of ``answer`` as a proof of ``theorem``, or why it is not one.

    Args:
        answer: The model's text (a tactic block, ``by ...``, a full declaration, fenced or
            not).
        theorem: The dataset theorem it must prove (its header and statement are trusted).
        policy: The integrity policy (default: :class:`~lean_gym.integrity.IntegrityPolicy`).
    """
    if not isinstance(answer, str):
        return ProofAnswer(
            "", Rejection("not_text", f"the answer is a {type(answer).__name__}, not text")
        )
    fenced = "```" in answer
    text = unfence(answer) if fenced else answer
    if not strip_comments(text).strip():
        return ProofAnswer("", Rejection("empty", "the answer has no proof in it"), fenced)
    masked = strip_comments(text)
    found = _DECLARATION.search(masked)
    if found is not None:
        rejection = _check_preamble(masked[: found.start()], theorem)
        declaration = text[found.start() :]
        rejection = rejection or check_full_declaration(theorem, declaration, policy)
        if rejection is not None:
            return ProofAnswer("", rejection, fenced, True)
        return ProofAnswer(split_full_declaration(declaration)[1], None, fenced, True)
    block = _LEADING_BY.sub("", text, count=1) if _LEADING_BY.match(masked) else text
    block = textwrap.dedent(block).strip("\n")
    rejection = check_proof_text(block, policy)
    return ProofAnswer(block if rejection is None else "", rejection, fenced, False)


def _check_preamble(preamble: str, theorem: Theorem) -> Rejection | None:
    """Lines before a declaration may only repeat lines of the theorem's header."""
    allowed = {normalize_whitespace(line) for line in theorem.header.splitlines() if line.strip()}
    for line in preamble.splitlines():
        line = normalize_whitespace(line)
        if line and line not in allowed:
            return Rejection(
                "new_command",
                f"the answer has {line[:80]!r} before the theorem, which is not in the "
                "dataset's header; answer with the proof or the theorem alone",
            )
    return None
