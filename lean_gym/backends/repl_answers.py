"""Reading the Lean REPL's JSON answers into lean_gym values.

Shared by every backend that speaks the leanprover-community/repl protocol (the repl client over
a pipe and the in-process MiniLean fast path), so that both read Lean's answers the same way.
See ``shared/REPL-PROTOCOL.md``: there are two error channels, an ``error`` message inside a
normal response and a bare ``{"message": ...}`` answer.
"""

from __future__ import annotations

import re
from typing import Any

from lean_gym.types import Goal, LeanError, Message, Position, ProofState, Success, TacticResult

__all__ = [
    "UNKNOWN_PROOF_STATE",
    "UNKNOWN_ENVIRONMENT",
    "is_unknown_proof_state",
    "messages_of",
    "first_error",
    "bare_error",
    "tactic_result",
    "parse_axioms",
    "sorries_of",
]

UNKNOWN_PROOF_STATE = "Unknown proof state."
UNKNOWN_ENVIRONMENT = "Unknown environment."

# The REPL reports parse failures of tactic text as "Lean error:\n<input>:L:C: ...", and a
# failing tactic as "Lean error:\n<message>" (REPL/Main.lean). The prefix is the REPL's wrapper,
# not Lean's text: it is dropped, and the "<input>:L:C:" position becomes the error's pos, so
# an error reads the same on every backend and in every env.
_PARSE_MARKER = "<input>:"
_REPL_PREFIX = "Lean error:\n"
_INPUT_POSITION = re.compile(r"\A<input>:(\d+):(\d+):\s*")


def is_unknown_proof_state(response: dict[str, Any]) -> bool:
    """True for the bare answer the REPL gives for a proof-state id it does not hold."""
    msg = response.get("message")
    return isinstance(msg, str) and "Unknown proof state" in msg and "proofState" not in response


def messages_of(response: dict[str, Any]) -> tuple[Message, ...]:
    """The ``messages`` list of a response as Message values (empty when absent)."""
    raw = response.get("messages") or []
    return tuple(Message.from_json(m) for m in raw if isinstance(m, dict))


def first_error(messages: tuple[Message, ...]) -> Message | None:
    for message in messages:
        if message.severity == "error":
            return message
    return None


def bare_error(response: dict[str, Any]) -> LeanError | None:
    """The second error channel: ``{"message": "..."}`` with no proof state.

    The REPL's ``Lean error:`` prefix is dropped and an ``<input>:L:C:`` position (of the
    tactic text) becomes the error's ``pos``: the message is Lean's own text.
    """
    if "message" in response and "proofState" not in response and "env" not in response:
        text = str(response["message"])
        kind = "parse" if _PARSE_MARKER in text else "error"
        text = text.removeprefix(_REPL_PREFIX)
        pos = None
        where = _INPUT_POSITION.match(text)
        if where is not None:
            pos = Position(int(where.group(1)), int(where.group(2)))
            text = text[where.end() :]
        return LeanError(kind=kind, message=text, pos=pos)
    return None


def sorries_of(response: dict[str, Any]) -> list[dict[str, Any]]:
    raw = response.get("sorries") or []
    return [s for s in raw if isinstance(s, dict)]


def tactic_result(
    parent: ProofState, tactic: str, response: dict[str, Any], handle: Any
) -> TacticResult:
    """Turns a tactic-mode response into a TacticResult.

    Args:
        parent: The state the tactic ran on.
        tactic: The tactic text, appended to the parent's path on success.
        response: The REPL's JSON answer.
        handle: The backend handle to attach to the new state (built by the caller from
            ``response["proofState"]``).
    """
    err = bare_error(response)
    if err is not None:
        return err
    messages = messages_of(response)
    error = first_error(messages)
    if error is not None:
        errors = [m.data for m in messages if m.severity == "error"]
        return LeanError(kind="error", message="\n".join(errors), pos=error.pos)
    status = str(response.get("proofStatus", ""))
    if status.startswith("Error"):
        return LeanError(kind="error", message=status)
    try:
        goals = tuple(Goal.parse(g) for g in response.get("goals") or [])
    except ValueError as exc:
        return LeanError(kind="error", message=f"unreadable goal from Lean: {exc}")
    state = ProofState(
        theorem=parent.theorem,
        goals=goals,
        tactics=(*parent.tactics, tactic),
        handle=handle,
    )
    return Success(state=state, messages=messages)


# The two answers of `#print axioms` (Lean/Elab/Print.lean, printAxiomsOf), as the whole text of
# an info message: m!"'{constName}' depends on axioms: {axioms}" / "... does not depend on any
# axioms". The name is printed as resolved (without `_root_.`).
_AXIOMS_ANSWER = re.compile(
    r"\A'(?P<name>.+?)' (?:depends on axioms: \[(?P<axioms>[^\]]*)\]|does not depend on any axioms)\s*\Z",
    re.S,
)


def parse_axioms(messages: tuple[Message, ...], name: str | None = None) -> tuple[str, ...] | None:
    """Reads the answer of ``#print axioms NAME``.

    Only a message that *is* such an answer counts: an info message whose whole text has one of
    Lean's two forms, for ``NAME`` (``_root_.`` dropped). Text that merely contains the words
    (a ``trace`` in the proof printing ``'NAME' does not depend on any axioms`` next to other
    text) does not. A backend whose answers mix the proof's messages with the command's must
    pass only the messages of the ``#print axioms`` command itself (kimina: the message at its
    line); a proof can still print exactly that text.

    Returns the axiom names, ``()`` for "does not depend on any axioms", or None when no such
    message is present.
    """
    wanted = None if name is None else name.removeprefix("_root_.")
    for message in messages:
        if message.severity not in ("info", "information"):
            continue
        m = _AXIOMS_ANSWER.match(message.data.strip())
        if m is None or (wanted is not None and m.group("name") != wanted):
            continue
        listed = m.group("axioms")
        if listed is None:
            return ()
        return tuple(a.strip() for a in listed.replace("\n", " ").split(",") if a.strip())
    return None
