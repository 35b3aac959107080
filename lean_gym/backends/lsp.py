"""The Lean language server (``lake serve``) as a backend, through leanclient (>= 0.13).

Every query writes one scratch file into the Lake project (``LeanGymScratch_<id>.lean`` at the
project root), syncs it to the server and reads diagnostics and goals back:

- ``check_declaration``: header + declaration + ``#print axioms _root_.NAME``; the diagnostics
  are the messages (positions shifted so that line 1 is the declaration's first line, as with
  the REPL) and the info message *at the ``#print axioms`` line* gives the axioms.
- ``start``: ``theorem ... := by`` then ``sorry``; the goal is ``$/lean/plainGoal`` at the
  ``sorry``, on the line after the statement's last line (miniF2F statements span lines).
- ``run_tactic``: the state's whole tactic path plus the new tactic, re-elaborated (Lean reuses
  the unchanged prefix incrementally); an error whose range starts in the new tactic's lines is
  the step's error; "unsolved goals" reported at the declaration's ``by`` (Lean reports it there,
  on the statement's last line) is expected and ignored; the new goals are ``$/lean/plainGoal``
  at the end of the new tactic. An action of several top-level tactics runs as those tactics in
  turn (:mod:`lean_gym.backends.tactic_calls`), as on every backend. States carry no handle: a
  state *is* its tactic path here, so nothing is lost when the server restarts; a call that
  finds the server dead starts a new one and tries once more.

As leanclient answers (``leanclient/file_manager.py``): a goal request that fails (its own 30 s
timeout, an LSP error) is ``{"error": ...}``, which is a failed step, never "no goals"; ``None``
means no goal at that position; only ``{"goals": []}`` is a solved state. A diagnostics wait
that hit an RPC error or Lean's fatal-error progress comes back as entries without a range or
severity: those are a failed call, not Lean messages. LSP positions are 0-based lines and
columns in UTF-16 code units (Lean's ``FileMap.leanPosToLspPos``); Lean's messages (and the
REPL's) count columns in codepoints, so both directions are converted with the file's text.

Tactic mode over LSP has not been run against real Lean on the machine this was written on (no
toolchain); the leanclient stand-in (``tests/backends/fake_leanclient.py``) and the ``real_lean``
tests cover it. ``backend='repl'`` is the main tactic path.
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Any

from lean_gym.backends.base import DEFAULT_TACTIC_TIMEOUT, DEFAULT_VERIFY_TIMEOUT, BackendBase
from lean_gym.backends.lake import find_lake_project
from lean_gym.backends.repl_answers import parse_axioms
from lean_gym.backends.tactic_calls import run_action
from lean_gym.errors import BackendError, TheoremStartError
from lean_gym.types import (
    CheckOutput,
    Goal,
    LeanError,
    Message,
    Position,
    ProofState,
    Success,
    TacticResult,
    Theorem,
)

__all__ = [
    "LspBackend",
    "LSP_INSTALL_HINT",
    "diagnostic_to_message",
    "utf16_units",
    "codepoint_column",
]

LSP_INSTALL_HINT = "the lsp backend needs leanclient: pip install 'lean-gym[lsp]'"
_SEVERITIES = {1: "error", 2: "warning", 3: "info", 4: "info"}


def _import_leanclient() -> Any:
    try:
        import leanclient
    except ImportError as exc:
        raise ImportError(LSP_INSTALL_HINT) from exc
    return leanclient


def utf16_units(text: str) -> int:
    """How many UTF-16 code units ``text`` is (an LSP ``character`` offset)."""
    return len(text.encode("utf-16-le")) // 2


def codepoint_column(line: str, character: int) -> int:
    """The codepoint column of the UTF-16 offset ``character`` in ``line``."""
    units = 0
    for index, ch in enumerate(line):
        if units >= character:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def diagnostic_to_message(
    diagnostic: dict[str, Any], line_offset: int = 0, lines: list[str] | None = None
) -> Message:
    """An LSP diagnostic as a Lean Message: 1-based lines shifted up by ``line_offset``, and
    codepoint columns when the file's ``lines`` are given (LSP counts UTF-16 units)."""
    rng = diagnostic.get("fullRange") or diagnostic.get("range") or {}

    def position(key: str) -> Position | None:
        pos = rng.get(key)
        if not isinstance(pos, dict):
            return None
        line = int(pos.get("line", 0))
        column = int(pos.get("character", 0))
        if lines is not None and 0 <= line < len(lines):
            column = codepoint_column(lines[line], column)
        return Position(line + 1 - line_offset, column)

    severity = _SEVERITIES.get(int(diagnostic.get("severity", 1)), "info")
    return Message(severity, str(diagnostic.get("message", "")), position("start"), position("end"))


def _indent(tactic: str) -> str:
    return "\n".join(("  " + line) if line.strip() else "" for line in tactic.split("\n"))


def _call_failure(diagnostics: list[Any]) -> LeanError | None:
    """leanclient's own failure entries (an RPC error, Lean's fatal-error progress), which have
    no range: the call failed, these are not Lean messages."""
    for entry in diagnostics:
        if not isinstance(entry, dict) or not (entry.get("range") or entry.get("fullRange")):
            text = entry.get("message") if isinstance(entry, dict) else entry
            return LeanError("crash", f"the language server failed: {text}")
    return None


def _goal_failure(answer: Any, where: str) -> LeanError | None:
    """Why a ``$/lean/plainGoal`` answer gives no goals (None when it does)."""
    if isinstance(answer, dict) and "error" in answer:
        error = answer["error"]
        text = error.get("message", error) if isinstance(error, dict) else error
        kind = "timeout" if "timed out" in str(text).lower() else "crash"
        return LeanError(kind, f"the goal request {where} failed: {text}")
    if not isinstance(answer, dict) or not isinstance(answer.get("goals"), list):
        return LeanError("error", f"the language server reported no goal {where}: {answer!r:.200}")
    return None


class LspBackend(BackendBase):
    """Checks and steps proofs through ``lake serve`` (leanclient).

    Args:
        project: The Lake project (default ``$LEAN_GYM_PROJECT``); scratch files go in its root.
        tactic_timeout: Seconds to wait for diagnostics of a step.
        verify_timeout: Seconds to wait for diagnostics of a whole check.
        max_opened_files: Passed to ``leanclient.LeanLSPClient``.

    Raises:
        ImportError: leanclient is missing (with the install hint).
        LeanNotFoundError: No usable Lake project or no ``lake``.
    """

    name = "lsp"

    def __init__(
        self,
        *,
        project: str | Path | None = None,
        tactic_timeout: float = DEFAULT_TACTIC_TIMEOUT,
        verify_timeout: float = DEFAULT_VERIFY_TIMEOUT,
        max_opened_files: int = 4,
    ):
        self._client: Any = None
        self._closed = True
        super().__init__(tactic_timeout=tactic_timeout, verify_timeout=verify_timeout)
        self._leanclient = _import_leanclient()
        self.project = find_lake_project(project, "the Lean language server (`lake serve`)")
        self.max_opened_files = max_opened_files
        self._scratch = f"LeanGymScratch_{uuid.uuid4().hex[:12]}.lean"
        self._closed = False

    # -- server and scratch file ---------------------------------------------------------------

    def _server(self) -> Any:
        if self._closed:
            raise BackendError("this LspBackend is closed")
        if self._client is None:
            self._client = self._leanclient.LeanLSPClient(
                str(self.project), max_opened_files=self.max_opened_files, prevent_cache_get=True
            )
        return self._client

    def _elaborate(self, content: str, timeout: float) -> list[dict[str, Any]] | LeanError:
        """Writes the scratch file and syncs it: the diagnostics, or the call's failure (the
        server died twice: ``crash``; no diagnostics in time: ``timeout``) as a value."""
        for attempt in range(2):
            try:
                client = self._server()
                (self.project / self._scratch).write_text(content, encoding="utf-8")
                if self._scratch in getattr(client, "opened_files", {}):
                    client.update_file_content(self._scratch, content)
                else:
                    client.open_file(self._scratch)
                result = client.get_diagnostics(
                    self._scratch, inactivity_timeout=timeout, max_timeout=timeout
                )
            except (BackendError, ImportError):
                raise
            except Exception as exc:  # leanclient raises plain exceptions when the server dies
                self._drop_server()
                if attempt == 0:
                    continue  # a new server, once: the file is the whole state
                return LeanError("crash", f"lake serve failed: {exc}")
            if getattr(result, "timed_out", False):
                return LeanError("timeout", f"no diagnostics within {timeout:g} s")
            diagnostics = list(getattr(result, "diagnostics", result))
            failure = _call_failure(diagnostics)
            return failure if failure is not None else diagnostics
        raise AssertionError("unreachable")  # pragma: no cover

    def _goal(self, line: int, character: int) -> Any:
        """``$/lean/plainGoal`` at an LSP position; a dead server is a failure value."""
        try:
            return self._server().get_goal(self._scratch, line, character)
        except (BackendError, ImportError):
            raise
        except Exception as exc:
            self._drop_server()
            return {"error": {"message": f"lake serve failed: {exc}"}}

    @staticmethod
    def _prefix(theorem: Theorem) -> tuple[str, int]:
        header = theorem.header.strip()
        prefix = f"{header}\n\n" if header else ""
        return prefix, prefix.count("\n")

    @staticmethod
    def _by_position(theorem: Theorem, offset: int) -> tuple[int, int]:
        """0-based line and codepoint column of the ``by`` that ends the statement."""
        statement = theorem.formal_statement
        last = statement.split("\n")[-1]
        return offset + statement.count("\n"), len(last) - len("by")

    # -- API -----------------------------------------------------------------------------------

    def check_declaration(
        self, theorem: Theorem, text: str, timeout: float | None = None
    ) -> CheckOutput:
        timeout = self.verify_timeout if timeout is None else timeout
        prefix, offset = self._prefix(theorem)
        body = text.rstrip()
        axioms_line = offset + body.count("\n") + 2  # 1-based line of `#print axioms`
        content = f"{prefix}{body}\n#print axioms _root_.{theorem.name}\n"
        diagnostics = self._elaborate(content, timeout)
        if isinstance(diagnostics, LeanError):
            return CheckOutput(error=diagnostics)
        lines = content.split("\n")
        messages: list[Message] = []
        axiom_messages: list[Message] = []
        for diagnostic in diagnostics:
            message = diagnostic_to_message(diagnostic, offset, lines)
            line = message.pos.line + offset if message.pos else None
            if line == axioms_line and message.severity == "info":
                axiom_messages.append(message)
            else:
                messages.append(message)
        return CheckOutput(
            messages=tuple(messages), axioms=parse_axioms(tuple(axiom_messages), theorem.name)
        )

    def start(self, theorem: Theorem, timeout: float | None = None) -> ProofState:
        timeout = self.tactic_timeout if timeout is None else timeout
        prefix, offset = self._prefix(theorem)
        content = f"{prefix}{theorem.formal_statement}\n  sorry\n"
        # 0-based line of `  sorry`: after the statement's last line.
        sorry_line = offset + theorem.formal_statement.count("\n") + 1
        diagnostics = self._elaborate(content, timeout)
        if isinstance(diagnostics, LeanError):
            raise TheoremStartError(theorem, diagnostics)
        errors = [d for d in diagnostics if d.get("severity") == 1]
        if errors:
            message = "\n".join(str(d.get("message", "")) for d in errors)
            raise TheoremStartError(theorem, LeanError("error", message))
        answer = self._goal(sorry_line, 2)
        failure = _goal_failure(answer, "at the sorry")
        if failure is None and len(answer["goals"]) != 1:
            failure = LeanError("error", f"expected one goal at the sorry, got {answer!r:.200}")
        if failure is not None:
            raise TheoremStartError(theorem, failure)
        try:
            goal = Goal.parse(answer["goals"][0])
        except ValueError as exc:
            raise TheoremStartError(
                theorem, LeanError("error", f"unreadable goal: {exc}")
            ) from None
        return ProofState(theorem=theorem, goals=(goal,), tactics=())

    def run_tactic(
        self, state: ProofState, tactic: str, timeout: float | None = None
    ) -> TacticResult:
        """Runs ``tactic`` (an action of several top-level tactics: each in turn)."""
        timeout = self.tactic_timeout if timeout is None else timeout
        return run_action(self._run_one, state, tactic, timeout)

    def _run_one(self, state: ProofState, tactic: str, timeout: float) -> TacticResult:
        self.stats.tactic_calls += 1
        theorem = state.theorem
        prefix, offset = self._prefix(theorem)
        before = "\n".join(_indent(t) for t in state.tactics)
        new = _indent(tactic.rstrip())
        head = f"{prefix}{theorem.formal_statement}\n" + (f"{before}\n" if before else "")
        first_line = head.count("\n")  # 0-based line where the new tactic starts
        content = f"{head}{new}\n"
        new_lines = new.split("\n")
        last_line = first_line + len(new_lines) - 1
        diagnostics = self._elaborate(content, timeout)
        if isinstance(diagnostics, LeanError):
            return diagnostics
        lines = content.split("\n")
        by_line, by_column = self._by_position(theorem, offset)
        errors = []
        for diagnostic in diagnostics:
            if diagnostic.get("severity") != 1:
                continue
            message = diagnostic_to_message(diagnostic, 0, lines)
            at_by = message.pos is not None and (message.pos.line - 1, message.pos.column) == (
                by_line,
                by_column,
            )
            if at_by and message.data.startswith("unsolved goals"):
                continue  # the proof is unfinished on purpose
            errors.append(message)
        if errors:
            step_errors = [m for m in errors if m.pos and first_line <= m.pos.line - 1 <= last_line]
            chosen = step_errors or errors
            pos = chosen[0].pos
            return LeanError(
                "error",
                "\n".join(m.data for m in chosen),
                pos=Position(pos.line - first_line, pos.column) if pos else None,
            )
        # The goals after the new tactic: at the end of its last line (UTF-16 units).
        answer = self._goal(last_line, utf16_units(new_lines[-1]))
        failure = _goal_failure(answer, "after the tactic")
        if failure is not None:
            return failure
        try:
            goals = tuple(Goal.parse(g) for g in answer["goals"])
        except ValueError as exc:
            return LeanError("error", f"unreadable goal from Lean: {exc}")
        new_state = ProofState(theorem=theorem, goals=goals, tactics=(*state.tactics, tactic))
        return Success(state=new_state)

    def _drop_server(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()

    def close(self) -> None:
        """Stops the language server and deletes the scratch file (idempotent)."""
        if getattr(self, "_closed", True):
            return
        self._closed = True
        self._drop_server()
        with contextlib.suppress(OSError):
            (self.project / self._scratch).unlink()
