"""Prompt templates: how a proof state becomes a model prompt and a completion becomes tactics.

One module, shared by the data builders (segment SFT rows) and the policies (generation), so
that training and inference see the same text.

=================  ==========================================  =================================
name               prompt                                      completion
=================  ==========================================  =================================
``leandojo``       ``[GOAL]\\n{state}\\n[PROOFSTEP]\\n``       the tactics, newline separated
``bfs-prover``     ``{state}:::``                              the tactics, newline separated
``whole-proof``    header, blank line, ``theorem NAME STMT     the tactics, each line indented
                   := by`` and a newline, then the tactics     by two spaces (the body of the
                   already applied (indented)                  ``by`` block)
=================  ==========================================  =================================

``render(state, theorem, prefix)`` builds the prompt; ``parse(completion)`` is the inverse of
``completion(tactics)``: it drops what a model adds
around the tactics (markdown fences, a repeated declaration, the template's own markers, end
of text tokens) and splits the rest into top-level tactics with
:func:`lean_gym.tactic_text.split_tactics`.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from lean_gym.tactic_text import join_tactics, split_tactics, strip_comments, unfence
from lean_gym.types import Theorem

__all__ = [
    "PromptTemplate",
    "LeanDojoTemplate",
    "BfsProverTemplate",
    "WholeProofTemplate",
    "TEMPLATES",
    "DEFAULT_TEMPLATE",
    "get_template",
    "register_template",
]

DEFAULT_TEMPLATE = "leandojo"

# Tokens a model may emit after its answer; everything from the first one on is dropped.
_END_MARKERS = ("<|endoftext|>", "</s>", "<|im_end|>", "<|eot_id|>", "<eos>", "<|end|>")
_DECLARATION = re.compile(r"(?m)^[ \t]*(?:theorem|lemma|example)\b")


def _cut(text: str, markers: Sequence[str]) -> str:
    cut = len(text)
    for marker in markers:
        at = text.find(marker)
        if 0 <= at < cut:
            cut = at
    return text[:cut]


def _after_by(text: str) -> str:
    """When the text repeats a declaration, the tactic block after its ``:= by``."""
    masked = strip_comments(text)
    decl = _DECLARATION.search(masked)
    if decl is None:
        return text
    m = re.search(r":=\s*by\b", masked[decl.start() :])
    if m is None:
        return text
    return text[decl.start() + m.end() :]


@dataclass(frozen=True)
class PromptTemplate:
    """The shared interface. Subclasses set ``name`` and override the rendering.

    Attributes:
        name: The registry name.
        stop: Strings that end a completion (for generation and for :meth:`parse`).
    """

    name: str = ""
    stop: tuple[str, ...] = ()

    def render(self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()) -> str:
        """The prompt for a proof state.

        Args:
            state: The state as printed (``ProofState.pp()``).
            theorem: The theorem (needed by whole-proof templates).
            prefix: The tactics already applied from the root (used by whole-proof templates,
                which show the proof so far instead of the state).
        """
        raise NotImplementedError

    def completion(self, tactics: Sequence[str]) -> str:
        """The training target for a segment: its tactics, newline separated."""
        return join_tactics(tactics)

    def parse(self, completion: str) -> list[str]:
        """The top-level tactics of a model completion."""
        text = unfence(_cut(completion, _END_MARKERS))
        text = _after_by(_cut(text, self.stop))
        return split_tactics(textwrap.dedent(text.strip("\n")))


@dataclass(frozen=True)
class LeanDojoTemplate(PromptTemplate):
    """ReProver / LeanDojo style: ``[GOAL]\\n{state}\\n[PROOFSTEP]\\n``."""

    name: str = "leandojo"
    stop: tuple[str, ...] = ("[GOAL]", "[PROOFSTEP]")

    def render(self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()) -> str:
        return f"[GOAL]\n{state}\n[PROOFSTEP]\n"


@dataclass(frozen=True)
class BfsProverTemplate(PromptTemplate):
    """BFS-Prover style: the state followed by ``:::``."""

    name: str = "bfs-prover"
    stop: tuple[str, ...] = (":::",)

    def render(self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()) -> str:
        return f"{state}:::"


@dataclass(frozen=True)
class WholeProofTemplate(PromptTemplate):
    """DeepSeek-Prover style: the header and ``theorem NAME STATEMENT := by`` to be completed.

    With a ``prefix`` (the tactics already applied), the prompt continues the proof after them,
    so a segment starting deeper in the proof is still a completion of the same file.
    """

    name: str = "whole-proof"
    stop: tuple[str, ...] = ("```",)

    def render(self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()) -> str:
        if theorem is None:
            raise ValueError("the whole-proof template needs the theorem")
        head = f"{theorem.header}\n\n" if theorem.header.strip() else ""
        text = f"{head}{theorem.formal_statement}\n"
        if prefix:
            text += self.completion(prefix) + "\n"
        return text

    def completion(self, tactics: Sequence[str]) -> str:
        block = join_tactics(tactics)
        return "\n".join(("  " + line) if line.strip() else "" for line in block.split("\n"))


TEMPLATES: dict[str, PromptTemplate] = {
    t.name: t for t in (LeanDojoTemplate(), BfsProverTemplate(), WholeProofTemplate())
}


def register_template(template: PromptTemplate) -> None:
    """Adds (or replaces) a template under its ``name``."""
    if not template.name:
        raise ValueError("a template needs a name")
    TEMPLATES[template.name] = template


def get_template(name: str | PromptTemplate = DEFAULT_TEMPLATE) -> PromptTemplate:
    """A template by name (or the template itself)."""
    if isinstance(name, PromptTemplate):
        return name
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(f"unknown prompt template {name!r}; known: {sorted(TEMPLATES)}") from None
