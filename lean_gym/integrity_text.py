"""The text rules of the integrity layer: what a tactic block may contain before it reaches Lean.

This is the implementation behind :func:`lean_gym.integrity.check_proof_text`; import from
:mod:`lean_gym.integrity`, which is the public module.

How a proof is read:

1. Whole-text character rules. Empty text is ``empty``. Control characters other than the
   newline (NUL, ESC, tab, a lone CR, ...) are ``control_char``. Invisible format characters
   (zero-width space/joiners, word joiner, BOM, soft hyphen, bidi overrides) are ``confusable``,
   even inside comments: they have no honest use and can split or disguise a keyword.
2. Comments and string literals are located on the *raw* text exactly as Lean lexes it
   (:func:`lean_gym.tactic_text.strip_comments_and_strings`) and blanked, keeping positions; a
   comment or string that mentions ``sorry`` is fine. Where that lexing could disagree with
   Lean's (a ``'"'`` character literal, a raw string ``r#"..."#``, a ``«...»`` name holding
   quote or comment characters, a ``{`` inside a string, which Lean reads as code in an
   interpolated string), the proof is rejected (``forbidden:char_literal``, ``raw_string``,
   ``quoted_name``, ``interpolated_string``): a checker must never read less code than Lean.
3. The code is scanned for tokens (below). Findings are reported in text order: the first
   offending token gives the reason.
4. Foreign-script letters in code (Cyrillic, Armenian, fullwidth, ...), which Lean never reads
   as identifier characters and which only imitate Latin letters, are ``confusable``. Then the
   code is folded to what it looks like (NFKC, look-alikes mapped to Latin, combining marks
   dropped) and scanned again: a finding that only the folded text shows is ``confusable``
   (``𝓈𝑜𝓇𝓇𝓎``, ``nαtive_decide``, ``＃exit``).

Token rules (identifiers are Lean identifiers: dot-separated components of letters, digits,
``_ ' ! ?``, Unicode letters and subscripts, or ``«...»``):

* A component that is exactly ``sorry`` or ``sorryAx`` gives ``sorry``; ``admit`` gives
  ``admit``; the token ``stop`` (which is ``repeat sorry``) gives ``sorry``. Only whole
  components count: ``my_sorry_lemma`` and ``not_sorry`` are harmless identifiers, while
  ``sorryAx``, ``Foo.sorry`` and ``«sorry»`` are rejected.
* ``native_decide`` (a component), ``decide +native``, ``native := true`` and the other tactics
  that trust compiled code (``bv_decide``, ``bv_check``) give ``native_decide`` unless the
  policy allows it.
* Components ``ofReduceBool``, ``ofReduceNat``, ``reduceBool``, ``reduceNat``,
  ``trustCompiler``, ``implemented_by``, ``extern``; identifiers starting with ``Lean.Elab``,
  ``Lean.Meta``, ``Lean.Parser``, ``Lean.Compiler``; options ``debug.*`` give
  ``forbidden:<name>``.
* Command and metaprogramming words as whole tokens (``import``, ``set_option``, ``axiom``,
  ``macro``, ``syntax``, ``notation``, ``elab``, ``attribute``, ``unsafe``, ``opaque``,
  ``partial``, ``run_cmd``, ``run_tac``, ...), ``#word`` commands and ``@[`` attributes give
  ``forbidden:<token>``.
* Words that start or end a declaration or scope (``theorem``, ``lemma``, ``def``,
  ``example``, ``instance``, ``namespace``, ``section``, ``end``, ``variable``, ``universe``,
  ``mutual``, ``where``, ``deriving``, ``termination_by``, ``decreasing_by``, ...) give
  ``new_command``, *anywhere* in the code, not only at the start of a line or after ``;``:
  Lean commands need not start at column 0, and after a parse error Lean resumes at the next
  command keyword wherever it is. ``open X in tac`` is a tactic and allowed (unless it opens
  ``Lean``: ``forbidden:open Lean``); ``open X`` without ``in`` is ``new_command``.

Layout rule: the env indents every line by two spaces under ``theorem ... := by``, so the first
code line fixes the column of the tactic block. A later code line indented less than the first
one leaves the block (Lean ends the tactic sequence there): ``dedent``. This is stricter than
Lean inside brackets, where Lean ignores columns; no honest proof needs that layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

import lean_gym.integrity_unicode as uni
from lean_gym.tactic_text import strip_comments, strip_comments_and_strings
from lean_gym.types import Position

__all__ = ["Finding", "character_finding", "first_text_finding", "text_position"]


class Finding(NamedTuple):
    """One rule violation: ``offset`` into the proof text, or None when it has no place."""

    offset: int | None
    reason: str
    detail: str


NEW_COMMAND_WORDS = frozenset((
    "theorem", "lemma", "def", "example", "abbrev", "instance", "structure", "class",
    "inductive", "coinductive", "namespace", "section", "end", "variable", "universe", "mutual",
    "where", "deriving", "termination_by", "decreasing_by", "export", "include", "omit",
    "noncomputable", "private", "protected", "initialize", "builtin_initialize",
    "irreducible_def", "alias", "proof_wanted",
))  # fmt: skip
FORBIDDEN_WORDS = frozenset((
    "import", "set_option", "axiom", "macro", "macro_rules", "syntax", "notation", "notation3",
    "infix", "infixl", "infixr", "prefix", "postfix", "elab", "elab_rules", "declare_syntax_cat",
    "attribute", "unsafe", "opaque", "partial", "implemented_by", "extern", "run_cmd", "run_tac",
    "run_elab", "run_meta", "by_elab",
))  # fmt: skip
# Tactics whose proofs trust compiled code (Lean.ofReduceBool): refused unless the policy
# allows native_decide.
NATIVE_WORDS = frozenset(("native_decide", "bv_decide", "bv_check"))
_SORRY_COMPONENTS = {"sorry": "sorry", "sorryAx": "sorry", "admit": "admit"}
_KERNEL_BYPASS_COMPONENTS = {
    "ofReduceBool": "Lean.ofReduceBool",
    "ofReduceNat": "Lean.ofReduceNat",
    "reduceBool": "Lean.reduceBool",
    "reduceNat": "Lean.reduceNat",
    "trustCompiler": "Lean.trustCompiler",
    "implemented_by": "implemented_by",
    "extern": "extern",
}
_META_PREFIXES = ("Elab", "Meta", "Parser", "Compiler")

_COMPONENT = r"(?:«[^»\n]*»|[^\W\d][\w'!?]*)"
_IDENT = re.compile(rf"{_COMPONENT}(?:\.(?:«[^»\n]*»|[\w'!?]+))*")
_COMPONENT_SPLIT = re.compile(r"«[^»\n]*»|[^.]+")
_HASH_COMMAND = re.compile(r"#[^\W\d][\w'!?]*")
_ATTRIBUTE = re.compile(r"@\s*\[")
_NATIVE_CONFIG_AFTER = re.compile(r"\s*:=\s*true\b")
_CHAR_LITERAL_QUOTE = re.compile(r"'\\?\"'")
_RAW_STRING = re.compile(r"(?<![\w'!?.»])r#*\"")
_SAFE_QUOTED_NAME = re.compile(r"«[\w'!?. ]*»")


def text_position(text: str, offset: int | None) -> Position | None:
    """The 1-based line and 0-based column of ``offset`` in ``text``."""
    if offset is None:
        return None
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return Position(line, column)


def _components(token: str) -> list[str]:
    """The dot-separated components of an identifier, without ``«»`` and a leading ``_root_``."""
    components = [c.strip("«»") for c in _COMPONENT_SPLIT.findall(token)]
    return components[1:] if components[:1] == ["_root_"] else components


def character_finding(text: str) -> Finding | None:
    """The whole-text character rules: ``empty``, ``control_char``, invisible ``confusable``."""
    if not text.strip():
        return Finding(None, "empty", "the proof is empty")
    at = uni.control_char_at(text)
    if at is not None:
        return Finding(
            at, "control_char", f"the text contains the control character U+{ord(text[at]):04X}"
        )
    at = uni.invisible_char_at(text)
    if at is not None:
        return Finding(
            at,
            "confusable",
            f"the text contains the invisible character U+{ord(text[at]):04X}, which can hide "
            "code from a reader",
        )
    return None


def _lexical_hazards(comment_free: str, code: str) -> Iterator[Finding]:
    """Places where the comment/string stripper might read less code than Lean does."""
    for i, (kept, blanked) in enumerate(zip(comment_free, code, strict=True)):
        if kept == "{" and blanked == " ":
            yield Finding(
                i,
                "forbidden:interpolated_string",
                "a '{' inside a string literal can run code (string interpolation)",
            )
            break
    for m in _CHAR_LITERAL_QUOTE.finditer(comment_free):
        if code[m.start()] == "'":
            yield Finding(
                m.start(),
                "forbidden:char_literal",
                "a '\"' character literal could hide code from the checker",
            )
    for m in _RAW_STRING.finditer(comment_free):
        if code[m.start()] == "r":
            yield Finding(
                m.start(),
                "forbidden:raw_string",
                "a raw string literal could hide code from the checker",
            )
    for i, ch in enumerate(code):
        if ch == "«" and not _SAFE_QUOTED_NAME.match(code, i):
            yield Finding(
                i, "forbidden:quoted_name", "a «...» name with unusual characters could hide code"
            )


def _layout_findings(code: str) -> Iterator[Finding]:
    block_column: int | None = None
    offset = 0
    for line_no, line in enumerate(code.split("\n"), start=1):
        if line.strip():
            column = len(line) - len(line.lstrip(" "))
            if block_column is None:
                block_column = column
            elif column < block_column:
                yield Finding(
                    offset + column,
                    "dedent",
                    f"line {line_no} is indented less than the first line and leaves the "
                    "tactic block",
                )
        offset += len(line) + 1


def _open_finding(code: str, start: int, end: int) -> Finding | None:
    """``open X in tac`` is a tactic; ``open X`` alone is a command."""
    line_end = code.find("\n", end)
    words = code[end : len(code) if line_end == -1 else line_end].split()
    if "in" not in words:
        return Finding(
            start,
            "new_command",
            "'open' without 'in' is a command, not a tactic (write 'open X in tac')",
        )
    for name in words[: words.index("in")]:
        if "Lean" in _components(name.strip("()")):
            return Finding(
                start,
                "forbidden:open Lean",
                "opening the Lean namespace gives a proof access to the meta level",
            )
    return None


def _token_finding(code: str, m: re.Match[str], allow_native: bool) -> Finding | None:
    token, start = m.group(), m.start()
    if token in NEW_COMMAND_WORDS:
        return Finding(start, "new_command", f"'{token}' starts a new command outside the proof")
    if token == "open":
        return _open_finding(code, start, m.end())
    if token in FORBIDDEN_WORDS:
        return Finding(start, f"forbidden:{token}", f"'{token}' is not allowed in a proof")
    if token == "stop":
        return Finding(
            start,
            "sorry",
            "'stop' skips the rest of the proof (it is 'repeat sorry'), so the proof would not count",
        )
    components = _components(token)
    for component in components:
        if component in _SORRY_COMPONENTS:
            reason = _SORRY_COMPONENTS[component]
            return Finding(
                start,
                reason,
                f"'{token}' closes the goal without proving it, so the proof would not count",
            )
    if not allow_native:
        native_config = token == "native" and (
            code[:start].rstrip().endswith("+") or _NATIVE_CONFIG_AFTER.match(code, m.end())
        )
        if NATIVE_WORDS.intersection(components) or native_config:
            return Finding(start, "native_decide", "native_decide is not allowed by the policy")
    for component in components:
        if component in _KERNEL_BYPASS_COMPONENTS:
            name = _KERNEL_BYPASS_COMPONENTS[component]
            return Finding(start, f"forbidden:{name}", f"'{token}' bypasses the kernel's check")
    if len(components) >= 2 and components[0] == "debug":
        return Finding(start, f"forbidden:{token}", "debug options are not allowed in a proof")
    if len(components) >= 2 and components[0] == "Lean" and components[1] in _META_PREFIXES:
        name = f"Lean.{components[1]}"
        return Finding(
            start, f"forbidden:{name}", f"'{token}' is metaprogramming, not allowed in a proof"
        )
    return None


def _code_findings(code: str, allow_native: bool) -> Iterator[Finding]:
    for m in _IDENT.finditer(code):
        finding = _token_finding(code, m, allow_native)
        if finding is not None:
            yield finding
    for m in _HASH_COMMAND.finditer(code):
        yield Finding(
            m.start(), f"forbidden:{m.group()}", f"'{m.group()}' is a command, not a tactic"
        )
    for m in _ATTRIBUTE.finditer(code):
        yield Finding(m.start(), "forbidden:@[", "attributes are not allowed in a proof")


def first_text_finding(proof: str, allow_native: bool) -> tuple[Finding, Position | None] | None:
    """The first text-rule violation in ``proof`` and its position, or None if it is clean.

    The rules are described in the module docstring; positions are 1-based lines and 0-based
    columns in ``proof``.

    Args:
        proof: The tactic block (the text after ``:= by``), as the model wrote it.
        allow_native: Whether ``native_decide`` is allowed.
    """
    finding = character_finding(proof)
    if finding is not None:
        return finding, text_position(proof, finding.offset)
    code = strip_comments_and_strings(proof)
    if not code.strip():
        return Finding(None, "empty", "the proof has no code outside its comments"), None
    at = uni.foreign_letter_at(code)
    if at is not None:
        finding = Finding(
            at, "confusable", f"the look-alike character {code[at]!r} is not allowed in code"
        )
        return finding, text_position(proof, at)
    findings = [
        *_lexical_hazards(strip_comments(proof), code),
        *_layout_findings(code),
        *_code_findings(code, allow_native),
    ]
    if findings:
        first = min(findings, key=lambda f: f.offset if f.offset is not None else -1)
        return first, text_position(proof, first.offset)
    folded = uni.fold(code)
    if folded != code:
        hidden = next(_code_findings(folded, allow_native), None)
        if hidden is not None:
            at = next((i for i, ch in enumerate(code) if uni.fold(ch) != ch), None)
            detail = f"look-alike characters spell {hidden.reason!r} ({hidden.detail})"
            return Finding(at, "confusable", detail), text_position(proof, at)
    return None
