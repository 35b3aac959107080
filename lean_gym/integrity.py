"""Reward integrity: the one place that decides whether a proof earns reward.

Every env, every backend's ``verify`` and ``verify_many`` (through
:class:`lean_gym.backends.base.BackendBase`), the evaluation runner and the training reward
functions call :func:`verify_proof` or its batch form :func:`verify_proofs` (the same gate: the
first is the second on one item). A proof counts only if all of these hold (DESIGN.md section 5):

1. Text rules (:func:`check_proof_text`, details in :mod:`lean_gym.integrity_text`): the text is
   only a tactic block: no new commands, no dedent out of the ``by`` block, no ``sorry``/
   ``admit``, no metaprogramming or kernel bypasses, ``native_decide`` only when the policy
   allows it, no control characters and no look-alike (confusable) spellings. A proof that
   fails them never reaches Lean.
2. The backend checks ``theorem.declaration(proof)``: the declaration is built from the
   trusted dataset statement, so the checked statement is the dataset's. For a whole
   declaration written by a user (``LeanProof-v0``), :func:`check_full_declaration` first
   requires its statement to be the dataset's.
3. Checker rules (:func:`judge`): no error message, no ``declaration uses 'sorry'`` warning, no
   message naming another declaration, and ``#print axioms`` lists only allowed axioms.

Every rejection carries a machine-readable reason: ``empty``, ``control_char``, ``confusable``,
``dedent``, ``new_command``, ``sorry``, ``admit``, ``native_decide``, ``forbidden:<token>``,
``statement_mismatch``, ``lean_error``, ``sorry_warning``, ``axiom:<name>``, ``axioms_unknown``,
``timeout``, ``crash``. :func:`verify_proof` counts them in :data:`DEFAULT_COUNTER`.

What this module needs from a backend is only :class:`DeclarationChecker` (one method,
``check_declaration``), so it depends on no backend module; a backend's batch check comes in
as a plain callable.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from lean_gym.errors import BackendError
from lean_gym.integrity_text import character_finding, first_text_finding, text_position
from lean_gym.tactic_text import strip_comments, strip_comments_and_strings
from lean_gym.types import (
    CheckOutput,
    Message,
    Position,
    Theorem,
    Verification,
    normalize_whitespace,
)

__all__ = [
    "DEFAULT_ALLOWED_AXIOMS",
    "NATIVE_DECIDE_AXIOMS",
    "IntegrityPolicy",
    "DEFAULT_POLICY",
    "DeclarationChecker",
    "BatchCheck",
    "Rejection",
    "RejectionCounter",
    "DEFAULT_COUNTER",
    "check_proof_text",
    "judge",
    "verify_proof",
    "verify_proofs",
    "split_full_declaration",
    "check_full_declaration",
]

DEFAULT_ALLOWED_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
# The axioms a native_decide proof depends on: allowed exactly when native_decide is.
NATIVE_DECIDE_AXIOMS = frozenset({"Lean.ofReduceBool", "Lean.trustCompiler"})


@dataclass(frozen=True)
class IntegrityPolicy:
    """What a proof may use to earn reward.

    Attributes:
        allow_native_decide: Allow ``native_decide`` in the text, and then also the axioms it
            brings (``Lean.ofReduceBool``, ``Lean.trustCompiler``).
        allowed_axioms: The axioms ``#print axioms`` may list.
        require_axiom_check: Reject (``axioms_unknown``) a check whose axioms are unknown.
    """

    allow_native_decide: bool = False
    allowed_axioms: frozenset[str] = field(default=DEFAULT_ALLOWED_AXIOMS)
    require_axiom_check: bool = True

    @property
    def effective_allowed_axioms(self) -> frozenset[str]:
        if self.allow_native_decide:
            return self.allowed_axioms | NATIVE_DECIDE_AXIOMS
        return self.allowed_axioms


DEFAULT_POLICY = IntegrityPolicy()


@dataclass(frozen=True)
class Rejection:
    """Why a proof text earns no reward.

    Attributes:
        reason: The machine-readable reason (``sorry``, ``forbidden:#eval``, ...).
        detail: A human-readable explanation.
        pos: Where in the checked text (1-based line, 0-based column), if it has a place.
    """

    reason: str
    detail: str
    pos: Position | None = None


class RejectionCounter:
    """A thread-safe count of rejection reasons, for logging."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, reason: str) -> None:
        with self._lock:
            self._counts[reason] += 1

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


DEFAULT_COUNTER = RejectionCounter()
"""The counter :func:`verify_proof` updates unless given another one."""


def check_proof_text(proof: str, policy: IntegrityPolicy | None = None) -> Rejection | None:
    """The text rules: None when ``proof`` may be sent to Lean, else why not.

    Args:
        proof: The tactic block (the text after ``:= by``).
        policy: The integrity policy (default: :class:`IntegrityPolicy()`).

    Returns:
        None, or the first violation; its ``pos`` is relative to ``proof``.
    """
    policy = policy or DEFAULT_POLICY
    if not isinstance(proof, str):
        return Rejection("empty", f"the proof is a {type(proof).__name__}, not text")
    found = first_text_finding(proof, allow_native=policy.allow_native_decide)
    if found is None:
        return None
    finding, pos = found
    return Rejection(finding.reason, finding.detail, pos)


_SORRY_WARNING = re.compile(r"declaration uses ['`‘’]sorry['`’]")
_AXIOMS_REPORT = re.compile(
    r"^\s*'?([^\s']+)'? (?:depends on axioms|does not depend on any axioms)", re.M
)
_PRINTED_DECLARATION = re.compile(
    r"^\s*(?:@\[[^\]]*\]\s*)?(?:private |protected |noncomputable |unsafe |partial )*"
    r"(?:theorem|def|axiom|opaque|instance|abbrev|inductive|structure|class)\s+([^\s:({\[]+)"
)


def _names_theorem(name: str, theorem: Theorem) -> bool:
    return name == theorem.name or name.endswith("." + theorem.name)


def _other_declaration(message: Message, theorem: Theorem) -> str | None:
    """The name of a declaration other than ``theorem`` that ``message`` reports on, if any.

    Catches output of extra commands: an axioms report (``#print axioms``) or a printed
    declaration (``#print``) about another name. Output of ``#eval`` has no recognisable shape;
    the text rules keep such commands from reaching Lean in the first place.
    """
    if message.severity == "error":
        return None
    for pattern in (_AXIOMS_REPORT, _PRINTED_DECLARATION):
        m = pattern.search(message.data)
        if m and not _names_theorem(m.group(1), theorem):
            return m.group(1)
    return None


def judge(
    theorem: Theorem, check: CheckOutput, policy: IntegrityPolicy | None = None
) -> Verification:
    """The checker rules: the verdict on a backend's raw answer for ``theorem``'s declaration.

    Args:
        theorem: The dataset theorem the declaration was built from.
        check: The backend's answer (messages, ``#print axioms``, call failure).
        policy: The integrity policy (default: :class:`IntegrityPolicy()`).
    """
    policy = policy or DEFAULT_POLICY
    messages = tuple(check.messages)
    axioms = tuple(check.axioms) if check.axioms is not None else ()

    def reject(reason: str, detail: str) -> Verification:
        return Verification(False, messages, axioms, reason, detail)

    if check.error is not None:
        kind = check.error.kind
        reason = kind if kind in ("timeout", "crash") else "lean_error"
        return reject(reason, check.error.message)
    for message in messages:
        if message.severity == "error":
            return reject("lean_error", message.data)
    for message in messages:
        if _SORRY_WARNING.search(message.data):
            return reject("sorry_warning", message.data)
    for message in messages:
        other = _other_declaration(message, theorem)
        if other is not None:
            return reject("new_command", f"Lean reported on another declaration {other!r}")
    if check.axioms is None:
        if policy.require_axiom_check:
            return reject("axioms_unknown", "#print axioms did not run")
    else:
        if "sorryAx" in axioms:
            return reject("axiom:sorryAx", "the proof depends on sorryAx")
        allowed = policy.effective_allowed_axioms
        for axiom in axioms:
            if axiom not in allowed:
                return reject(f"axiom:{axiom}", f"the proof depends on the axiom {axiom}")
    return Verification(True, messages, axioms, None, "")


@runtime_checkable
class DeclarationChecker(Protocol):
    """What the integrity rules need from a backend: the raw answer for one declaration."""

    def check_declaration(
        self, theorem: Theorem, text: str, timeout: float | None = None
    ) -> CheckOutput:
        """Runs ``theorem.header``, the declaration ``text`` and ``#print axioms NAME``."""
        ...


BatchCheck = Callable[[Sequence[tuple[Theorem, str]], float | None], list[CheckOutput]]
"""A backend's batch check: ``(theorem, declaration text)`` pairs to raw answers, in order."""


def verify_proof(
    backend: DeclarationChecker,
    theorem: Theorem,
    proof: str,
    timeout: float | None = None,
    policy: IntegrityPolicy | None = None,
    *,
    counter: RejectionCounter | None = None,
) -> Verification:
    """The reward decision: text rules, then the backend's check, then :func:`judge`.

    Args:
        backend: A checker (``check_declaration(theorem, text, timeout) -> CheckOutput``).
        theorem: The dataset theorem.
        proof: The tactic block after ``:= by``.
        timeout: Seconds for the check (None: the backend's default).
        policy: The integrity policy (default: :class:`IntegrityPolicy()`).
        counter: Where rejection reasons are counted (default: :data:`DEFAULT_COUNTER`).

    Returns:
        The verdict; ``ok`` is True only when every rule holds.
    """
    return verify_proofs(backend, [(theorem, proof)], timeout, policy, counter=counter)[0]


def verify_proofs(
    backend: DeclarationChecker,
    items: Sequence[tuple[Theorem, str]],
    timeout: float | None = None,
    policy: IntegrityPolicy | None = None,
    *,
    check_many: BatchCheck | None = None,
    counter: RejectionCounter | None = None,
) -> list[Verification]:
    """:func:`verify_proof` for many ``(theorem, proof)`` pairs, verdicts in order.

    The text rules run on every proof first; the proofs that pass them are checked with
    ``check_many`` in one call when it is given and there is more than one, else one by one
    with ``backend.check_declaration``. A :class:`~lean_gym.errors.BackendError` of a check
    is a ``crash`` verdict for the proofs of that call.
    """
    counter = DEFAULT_COUNTER if counter is None else counter
    verdicts: list[Verification | None] = [None] * len(items)
    pending: list[int] = []
    for index, (_, proof) in enumerate(items):
        rejection = check_proof_text(proof, policy)
        if rejection is None:
            pending.append(index)
        else:
            verdicts[index] = Verification(False, reason=rejection.reason, detail=rejection.detail)
    declarations = [(items[i][0], items[i][0].declaration(items[i][1])) for i in pending]
    if check_many is not None and len(declarations) > 1:
        try:
            outputs: list[CheckOutput | BackendError] = list(check_many(declarations, timeout))
        except BackendError as exc:
            outputs = [exc] * len(declarations)
        if len(outputs) != len(declarations):
            raise ValueError(f"a batch check of {len(declarations)} gave {len(outputs)} answers")
    else:
        outputs = [_check_one(backend, theorem, text, timeout) for theorem, text in declarations]
    for index, output in zip(pending, outputs, strict=True):
        if isinstance(output, BackendError):
            verdicts[index] = Verification(False, reason="crash", detail=str(output))
        else:
            verdicts[index] = judge(items[index][0], output, policy)
    done = [verdict for verdict in verdicts if verdict is not None]
    for verdict in done:
        if not verdict.ok and verdict.reason is not None:
            counter.record(verdict.reason)
    return done


def _check_one(
    backend: DeclarationChecker, theorem: Theorem, text: str, timeout: float | None
) -> CheckOutput | BackendError:
    try:
        return backend.check_declaration(theorem, text, timeout)
    except BackendError as exc:
        return exc


_DECLARATION_KEYWORDS = ("theorem", "lemma")
_OPENERS = "([{⟨⦃⟦"
_CLOSERS = ")]}⟩⦄⟧"
_ASSIGN_BY = re.compile(r":=\s*by\b")


def split_full_declaration(text: str) -> tuple[str, str]:
    """Splits ``theorem NAME BINDERS : TYPE := by TACTICS`` into its statement part and proof.

    The split is at the first ``:=`` outside brackets, comments and strings. The proof keeps
    its layout relative to its first line (a first tactic on the ``by`` line keeps its column)
    with the common indentation removed.

    Returns:
        ``(statement_part, proof)``: the text before ``:=`` (stripped) and the tactic block.

    Raises:
        ValueError: If there is no top-level ``:=`` or it is not followed by ``by``.
    """
    code = strip_comments_and_strings(text)
    depth = 0
    for i, ch in enumerate(code):
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth -= 1
        elif depth == 0 and code.startswith(":=", i):
            m = _ASSIGN_BY.match(code, i)
            if m is None:
                raise ValueError("the declaration's ':=' is not followed by 'by'")
            return text[:i].strip(), _proof_after(text, code, m.end())
    raise ValueError("the declaration has no ':= by'")


def _proof_after(text: str, code: str, start: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    first, *rest = text[start:].split("\n")
    code_first, *code_rest = code[start:].split("\n")
    lines: list[str] = []
    code_lines: list[str] = []
    if code_first.strip():
        column = start - line_start + (len(code_first) - len(code_first.lstrip(" ")))
        lines.append(" " * column + first.lstrip(" "))
        code_lines.append(" " * column + code_first.lstrip(" "))
    lines.extend(rest)
    code_lines.extend(code_rest)
    indents = [len(c) - len(c.lstrip(" ")) for c in code_lines if c.strip()]
    base = min(indents, default=0)
    out = [line[base:] if line[:base].strip() == "" else line.lstrip(" ") for line in lines]
    return "\n".join(out).strip("\n")


def check_full_declaration(
    theorem: Theorem, text: str, policy: IntegrityPolicy | None = None
) -> Rejection | None:
    """The rules for a whole declaration written by a user (``LeanProof-v0``).

    The statement part must be ``theorem NAME STATEMENT`` (or ``lemma``) with the dataset's name
    and statement, equal after comments are dropped and white space is normalised; the name must
    match too, so the verdict is about the dataset theorem and nothing else. Attributes,
    modifiers, ``example`` or any text before the keyword are a mismatch. The proof after
    ``:= by`` must pass :func:`check_proof_text`.

    Returns:
        None when the declaration may be checked (with ``split_full_declaration(text)[1]`` as
        the proof), else the rejection.
    """
    finding = character_finding(text)
    if finding is not None:
        return Rejection(finding.reason, finding.detail, text_position(text, finding.offset))
    try:
        statement_part, proof = split_full_declaration(text)
    except ValueError as exc:
        return Rejection("statement_mismatch", str(exc))
    got = normalize_whitespace(strip_comments(statement_part))
    expected = [
        normalize_whitespace(f"{keyword} {theorem.name} {theorem.statement}")
        for keyword in _DECLARATION_KEYWORDS
    ]
    if got not in expected:
        return Rejection("statement_mismatch", f"expected {expected[0]!r}, got {got[:300]!r}")
    return check_proof_text(proof, policy)
