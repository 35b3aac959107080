"""Prompt templates: how a proof state becomes a model prompt and a completion becomes tactics.

One module, shared by the data builders (segment SFT rows) and the policies (generation), so
that training and inference see the same text.

=========================  ==========================================  =========================
name                       prompt                                      completion
=========================  ==========================================  =========================
``leandojo``               ``[GOAL]\\n{state}\\n[PROOFSTEP]\\n``       the tactics, newline
                                                                       separated
``bfs-prover``             ``{state}:::``                              the tactics, newline
                                                                       separated
``whole-proof``            header, blank line, ``theorem NAME STMT     the tactics, each line
                           := by`` and a newline, then the tactics     indented by two spaces
                           already applied (indented)                  (the ``by`` block body)
``internlm-step-prover``   InternLM2.5-StepProver's chat turn:         one tactic, then
                           ``NAME`` / ``PROOF_BEFORE`` /               ``<|im_end|>``
                           ``STATE_BEFORE`` / ``TACTIC``
``deepseek-prover-v1.5``   "Complete the following Lean 4 code:"      as ``whole-proof``, up to
(``-cot``,                 and an open ``lean4`` fence around the      the closing fence
``goedel-prover``)         ``whole-proof`` prompt
``deepseek-prover-v2``     a chat turn asking for a proof plan, then   a plan, then the whole
``goedel-prover-v2``       the statement ending in ``sorry`` in a      declaration in a
``kimina-prover``          ``lean4`` fence                             ``lean4`` fence
=========================  ==========================================  =========================

``render(state, theorem, prefix)`` builds the prompt; ``parse(completion)`` is the inverse of
``completion(tactics)``: it drops what a model adds
around the tactics (markdown fences, a repeated declaration, the template's own markers, end
of text tokens) and splits the rest into top-level tactics with
:func:`lean_gym.tactic_text.split_tactics`. ``tactics(completion, prefix)`` is what a policy
calls: ``parse``, and for the chat provers that restate the whole proof, the tactics after the
``prefix`` already applied.

Chat templates (:class:`ChatTemplate`) also give :meth:`~PromptTemplate.messages`, the chat
turns, for a policy that applies the model tokenizer's own chat template instead of
:meth:`~PromptTemplate.render`'s fixed rendering of them (ChatML, or DeepSeek's markup).
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
    "ChatTemplate",
    "InternLMStepProverTemplate",
    "DeepSeekProverV15Template",
    "ChatWholeProofTemplate",
    "DeepSeekProverV2Template",
    "GoedelProverV2Template",
    "KiminaProverTemplate",
    "TEMPLATES",
    "DEFAULT_TEMPLATE",
    "get_template",
    "register_template",
]

DEFAULT_TEMPLATE = "leandojo"

# Tokens a model may emit after its answer; everything from the first one on is dropped.
_END_MARKERS = (
    "<|endoftext|>",
    "</s>",
    "<|im_end|>",
    "<|eot_id|>",
    "<eos>",
    "<|end|>",
    "<｜end▁of▁sentence｜>",
)
# DeepSeek's end of sequence (DeepSeek-Prover-V1.5 and V2 tokenizers).
_DEEPSEEK_EOS = "<｜end▁of▁sentence｜>"
# A closed markdown code block (any language tag) and an unclosed one at the end of the text.
_CODE_BLOCK = re.compile(r"```[^\n`]*\n(.*?)```", re.DOTALL)
_OPEN_CODE_BLOCK = re.compile(r"```[^\n`]*\n(.*)\Z", re.DOTALL)
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


def _last_code_block(text: str) -> str:
    """The last markdown code block of a reasoning model's answer (its final proof).

    An odd number of fences means the last one opened a block the answer never closed (it was
    cut by the token limit): its text counts when it is not empty. ``text`` itself when it has
    no fence.
    """
    if text.count("```") % 2 == 1:
        tail = _OPEN_CODE_BLOCK.match(text[text.rfind("```") :])
        if tail is not None and tail.group(1).strip():
            return tail.group(1)
    blocks = _CODE_BLOCK.findall(text)
    return blocks[-1] if blocks else text


def _indent_block(tactics: Sequence[str]) -> str:
    """Tactics as the body of a ``by`` block: each line indented by two spaces."""
    block = join_tactics(tactics)
    return "\n".join(("  " + line) if line.strip() else "" for line in block.split("\n"))


def _chatml(messages: Sequence[dict[str, str]]) -> str:
    """ChatML (InternLM2, Qwen2.5, Qwen3) with the assistant turn opened."""
    turns = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return turns + "<|im_start|>assistant\n"


def _deepseek_chat(messages: Sequence[dict[str, str]]) -> str:
    """DeepSeek-V3's chat markup (DeepSeek-Prover-V2) with the assistant turn opened.

    The begin-of-sentence token is left to the tokenizer, which adds it when it encodes the
    prompt (``add_bos_token``), as vLLM's completions endpoint does by default.
    """
    text = "".join(m["content"] for m in messages if m["role"] == "system")
    for m in messages:
        if m["role"] == "user":
            text += "<｜User｜>" + m["content"]
        elif m["role"] == "assistant":
            text += "<｜Assistant｜>" + m["content"] + _DEEPSEEK_EOS
    return text + "<｜Assistant｜>"


_CHAT_FORMATS = {"chatml": _chatml, "deepseek": _deepseek_chat}


def _lean_file(theorem: Theorem | None, prefix: Sequence[str], *, sorry: bool, who: str) -> str:
    """The Lean code a whole-proof chat prompt shows: header, declaration, the proof so far.

    With ``sorry`` the open rest of the proof is ``sorry`` (DeepSeek-Prover-V2 and
    Goedel-Prover-V2 are asked to replace it); without, the code ends after ``:= by`` or
    after the tactics already applied (Kimina-Prover completes it).
    """
    if theorem is None:
        raise ValueError(f"the {who} template needs the theorem")
    head = f"{theorem.header.strip()}\n\n" if theorem.header.strip() else ""
    lines = [f"{head}{theorem.formal_statement}"]
    if prefix:
        lines.append(_indent_block(prefix))
    if sorry:
        lines.append("  sorry")
    return "\n".join(lines)


@dataclass(frozen=True)
class PromptTemplate:
    """The shared interface. Subclasses set ``name`` and override the rendering.

    Attributes:
        name: The registry name.
        stop: Strings that end a completion (for generation and for :meth:`parse`).
        restates_proof: True when the model writes the whole declaration again, the tactics
            already applied included (the chat whole-proof provers); :meth:`tactics` then
            drops that prefix.
        granularity: What the template's models answer with: ``"step"`` (one tactic),
            ``"proof"`` (the rest of the proof), or None when the template serves step and
            segment models alike (the policy or the run decides).
    """

    name: str = ""
    stop: tuple[str, ...] = ()
    restates_proof: bool = False
    granularity: str | None = None

    def render(self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()) -> str:
        """The prompt for a proof state.

        Args:
            state: The state as printed (``ProofState.pp()``).
            theorem: The theorem (needed by whole-proof templates).
            prefix: The tactics already applied from the root (used by whole-proof templates,
                which show the proof so far instead of the state).
        """
        raise NotImplementedError

    def messages(
        self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()
    ) -> list[dict[str, str]] | None:
        """The prompt as chat turns (``role``/``content``), or None for a plain-text template."""
        return None

    def completion(self, tactics: Sequence[str]) -> str:
        """The training target for a segment: its tactics, newline separated."""
        return join_tactics(tactics)

    def parse(self, completion: str) -> list[str]:
        """The top-level tactics of a model completion."""
        text = unfence(_cut(completion, _END_MARKERS))
        text = _after_by(_cut(text, self.stop))
        return split_tactics(textwrap.dedent(text.strip("\n")))

    def tactics(self, completion: str, prefix: Sequence[str] = ()) -> list[str]:
        """The tactics a completion proposes after ``prefix`` (the tactics already applied).

        :meth:`parse`, and when the template's model restates the whole proof and its answer
        starts with the prefix, the rest.
        """
        tactics = self.parse(completion)
        n = len(prefix)
        if self.restates_proof and n and tactics[:n] == list(prefix):
            return tactics[n:]
        return tactics


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
    granularity: str | None = "proof"

    def render(self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()) -> str:
        if theorem is None:
            raise ValueError("the whole-proof template needs the theorem")
        head = f"{theorem.header}\n\n" if theorem.header.strip() else ""
        text = f"{head}{theorem.formal_statement}\n"
        if prefix:
            text += self.completion(prefix) + "\n"
        return text

    def completion(self, tactics: Sequence[str]) -> str:
        return _indent_block(tactics)

    def parse(self, completion: str) -> list[str]:
        # A model continuing the file ends its code with a fence (and may go on in prose):
        # only an answer that opens with a fence is a fenced block to unwrap.
        text = _cut(completion, _END_MARKERS)
        if not text.lstrip().startswith("```"):
            text = _cut(text, self.stop)
        return super().parse(text)


@dataclass(frozen=True)
class DeepSeekProverV15Template(WholeProofTemplate):
    """DeepSeek-Prover-V1.5 (and Goedel-Prover V1): the ``whole-proof`` prompt in an open fence.

    Source: ``deepseek-ai/DeepSeek-Prover-V1.5``, ``prover/utils.py`` (``non_cot_prompt``,
    ``cot_prompt``): ``"Complete the following Lean 4 code:\\n\\n```lean4\\n"`` followed by
    the header, the statement ending in ``:= by`` and a newline, and (in its tree search) the
    proof so far; the model continues the file and ``post_process_output`` cuts its answer at
    the first ```` ``` ````. The ``-cot`` variant asks for "explanatory comments preceding
    each line of code" (comments are dropped by :meth:`parse`). Goedel-Prover-SFT is evaluated
    with the non-CoT prompt (``Goedel-LM/Goedel-Prover``, ``eval/step1_inference.py``).
    Sampling in the source: temperature 1, top_p 0.95, max_tokens 2048.

    Attributes:
        instruction: The text before the Lean code.
    """

    name: str = "deepseek-prover-v1.5"
    stop: tuple[str, ...] = ("```",)
    instruction: str = "Complete the following Lean 4 code:\n\n```lean4\n"

    def render(self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()) -> str:
        if theorem is None:
            raise ValueError(f"the {self.name} template needs the theorem")
        return self.instruction + super().render(state, theorem, prefix)


@dataclass(frozen=True)
class ChatTemplate(PromptTemplate):
    """A template whose prompt is chat turns; :meth:`render` writes them in ``chat_format``.

    Attributes:
        chat_format: ``"chatml"`` (``<|im_start|>role ... <|im_end|>``) or ``"deepseek"``
            (``<｜User｜> ... <｜Assistant｜>``).
    """

    chat_format: str = "chatml"

    def messages(
        self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()
    ) -> list[dict[str, str]]:
        raise NotImplementedError

    def render(self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()) -> str:
        return _CHAT_FORMATS[self.chat_format](self.messages(state, theorem, prefix))


@dataclass(frozen=True)
class InternLMStepProverTemplate(ChatTemplate):
    """InternLM2.5-StepProver: one ChatML user turn with the theorem, proof so far and state.

    Source: DoBeVi's reproduction of InternLM2.5-StepProver's best-first search
    (``NJUDeepEngine/llm_based_atp``, ``search/internlm_bfs_algo.py``, ``_build_prompt``):
    ``---\\nNAME: {theorem}\\n\\n---\\nPROOF_BEFORE: {tactics so far, newline
    joined}\\n\\n---\\nSTATE_BEFORE: {state}\\n\\n---\\nTACTIC: `` as the user turn, then
    the assistant turn opened; the answer is one tactic ended by ``<|im_end|>``. Sampling in
    the source: temperature 1.1, max_tokens 128, candidates deduplicated and sorted.
    """

    name: str = "internlm-step-prover"
    stop: tuple[str, ...] = ("<|im_end|>",)
    granularity: str | None = "step"

    def messages(
        self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()
    ) -> list[dict[str, str]]:
        if theorem is None:
            raise ValueError(f"the {self.name} template needs the theorem (its NAME field)")
        content = (
            f"---\nNAME: {theorem.name}\n\n"
            f"---\nPROOF_BEFORE: {chr(10).join(prefix)}\n\n"
            f"---\nSTATE_BEFORE: {state}\n\n"
            "---\nTACTIC: "
        )
        return [{"role": "user", "content": content}]


@dataclass(frozen=True)
class ChatWholeProofTemplate(ChatTemplate):
    """The shared part of the reasoning whole-proof provers: the answer is a plan and a proof.

    The model restates the declaration in a ``lean4`` fence (after a plan or a ``<think>``
    block); :meth:`parse` takes the last code block and the tactics after its ``:= by``. The
    stop strings are the model's end of turn (a fence is part of the answer, not its end).
    :meth:`completion` writes a training target in the same shape: the tactics in a fence.
    """

    restates_proof: bool = True
    granularity: str | None = "proof"

    def completion(self, tactics: Sequence[str]) -> str:
        return f"```lean4\n{_indent_block(tactics)}\n```"

    def parse(self, completion: str) -> list[str]:
        text = _cut(_cut(completion, _END_MARKERS), self.stop)
        text = _after_by(_last_code_block(text))
        return split_tactics(textwrap.dedent(text.strip("\n")))


_PLAN_REQUEST = (
    "Before producing the Lean 4 code to formally prove the given theorem, provide a detailed "
    "proof plan outlining the main proof steps and strategies.\nThe plan should highlight key "
    "ideas, intermediate lemmas, and proof structures that will guide the construction of the "
    "final formal proof."
)


@dataclass(frozen=True)
class DeepSeekProverV2Template(ChatWholeProofTemplate):
    """DeepSeek-Prover-V2: a user turn with the statement ending in ``sorry`` and a plan request.

    Source: ``deepseek-ai/DeepSeek-Prover-V2``, README "Quick Start": ``"Complete the
    following Lean 4 code:\\n\\n```lean4\\n{statement}\\n```\\n\\nBefore producing the
    Lean 4 code ..."`` as the only user message, through the tokenizer's chat template
    (DeepSeek-V3 markup ``<｜User｜>...<｜Assistant｜>``, the markup Goedel-Prover-V2's
    ``src/utils.py`` splits DeepSeek-Prover-V2-7B prompts on). With a prefix, the tactics
    already applied stand before the ``sorry``.

    Attributes:
        code_end: What ends the code before the closing fence (a newline here; Goedel's
            prompt has none).
    """

    name: str = "deepseek-prover-v2"
    stop: tuple[str, ...] = (_DEEPSEEK_EOS,)
    chat_format: str = "deepseek"
    code_end: str = "\n"

    def messages(
        self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()
    ) -> list[dict[str, str]]:
        code = _lean_file(theorem, prefix, sorry=True, who=self.name)
        content = (
            f"Complete the following Lean 4 code:\n\n```lean4\n{code}{self.code_end}```\n\n"
            f"{_PLAN_REQUEST}"
        )
        return [{"role": "user", "content": content}]


@dataclass(frozen=True)
class GoedelProverV2Template(DeepSeekProverV2Template):
    """Goedel-Prover-V2: DeepSeek-Prover-V2's request in ChatML (a Qwen3 model).

    Source: ``Goedel-LM/Goedel-Prover-V2``, README "Quick Start": ``"Complete the following
    Lean 4 code:\\n\\n```lean4\\n{statement}```\\n\\nBefore producing ..."`` (no newline
    before the closing fence), the statement ending in ``:= by\\n  sorry``, as the only user
    message of the tokenizer's chat template.
    """

    name: str = "goedel-prover-v2"
    stop: tuple[str, ...] = ("<|im_end|>",)
    chat_format: str = "chatml"
    code_end: str = ""


@dataclass(frozen=True)
class KiminaProverTemplate(ChatWholeProofTemplate):
    """Kimina-Prover: a system turn and a "# Problem / # Formal statement" user turn (ChatML).

    Source: the Kimina-Prover-Preview-Distill model card, as reproduced by DoBeVi
    (``search/kimina_wholeproof_algo.py``) and Goedel-Prover-V2's ``KiminaCoTHandler``: system
    ``"You are an expert in mathematics and Lean 4."``, user ``"Think about and solve the
    following problem step by step in Lean 4.\\n# Problem:{informal}\\n# Formal
    statement:\\n```lean4\\n{statement}\\n```\\n"`` with the statement ending in ``:= by``
    (no ``sorry``). lean-gym's theorems carry no informal statement, so ``# Problem:`` is
    empty. The answer is a ``<think>`` block and the whole declaration in a fence.
    """

    name: str = "kimina-prover"
    stop: tuple[str, ...] = ("<|im_end|>",)

    def messages(
        self, state: str, theorem: Theorem | None = None, prefix: Sequence[str] = ()
    ) -> list[dict[str, str]]:
        code = _lean_file(theorem, prefix, sorry=False, who=self.name)
        content = (
            "Think about and solve the following problem step by step in Lean 4.\n# Problem:"
            f"\n# Formal statement:\n```lean4\n{code}\n```\n"
        )
        return [
            {"role": "system", "content": "You are an expert in mathematics and Lean 4."},
            {"role": "user", "content": content},
        ]


TEMPLATES: dict[str, PromptTemplate] = {
    t.name: t
    for t in (
        LeanDojoTemplate(),
        BfsProverTemplate(),
        WholeProofTemplate(),
        InternLMStepProverTemplate(),
        DeepSeekProverV15Template(),
        DeepSeekProverV15Template(
            name="deepseek-prover-v1.5-cot",
            instruction=(
                "Complete the following Lean 4 code with explanatory comments preceding each "
                "line of code:\n\n```lean4\n"
            ),
        ),
        DeepSeekProverV15Template(name="goedel-prover"),
        DeepSeekProverV2Template(),
        GoedelProverV2Template(),
        KiminaProverTemplate(),
    )
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
