"""The Lean language server (``lake serve``) as a backend, through leanclient (>= 0.13).

Every query writes one scratch file into the Lake project (``LeanGymScratch_<id>.lean`` at the
project root), syncs it to the server and reads diagnostics and goals back:

- ``check_declaration``: header + declaration + ``#print axioms NAME``; the diagnostics are the
  messages (positions shifted so that line 1 is the declaration's first line, as with the REPL)
  and the ``#print axioms`` answer gives the axioms.
- ``start``: ``theorem ... := by`` then ``sorry``; the goal is ``$/lean/plainGoal`` at the
  ``sorry``.
- ``run_tactic``: the state's whole tactic path plus the new tactic, re-elaborated (Lean reuses
  the unchanged prefix incrementally); an error whose range starts in the new tactic's lines is
  the step's error ("unsolved goals" at the declaration is expected and ignored); the new goals
  are ``$/lean/plainGoal`` at the end of the new tactic. States carry no handle: a state *is* its
  tactic path here, so nothing is ever lost when the server restarts.

Tactic mode over LSP has not been run against real Lean on the machine this was written on (no
toolchain); it is covered by ``real_lean`` tests. ``backend='repl'`` is the tested tactic path.
leanclient's goal requests have no timeout of their own, so only the diagnostics wait is bounded
by ``timeout``.
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Any

from lean_gym.backends.base import DEFAULT_TACTIC_TIMEOUT, DEFAULT_VERIFY_TIMEOUT, BackendBase
from lean_gym.backends.lake import find_lake_project
from lean_gym.backends.repl_answers import parse_axioms
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

__all__ = ["LspBackend", "LSP_INSTALL_HINT", "diagnostic_to_message"]

LSP_INSTALL_HINT = "the lsp backend needs leanclient: pip install 'lean-gym[lsp]'"
_SEVERITIES = {1: "error", 2: "warning", 3: "info", 4: "info"}


def _import_leanclient() -> Any:
    try:
        import leanclient
    except ImportError as exc:
        raise ImportError(LSP_INSTALL_HINT) from exc
    return leanclient


def diagnostic_to_message(diagnostic: dict[str, Any], line_offset: int = 0) -> Message:
    """An LSP diagnostic as a Lean Message (1-based lines, shifted up by ``line_offset``)."""
    rng = diagnostic.get("fullRange") or diagnostic.get("range") or {}

    def position(key: str) -> Position | None:
        pos = rng.get(key)
        if not isinstance(pos, dict):
            return None
        return Position(int(pos.get("line", 0)) + 1 - line_offset, int(pos.get("character", 0)))

    severity = _SEVERITIES.get(int(diagnostic.get("severity", 1)), "info")
    return Message(severity, str(diagnostic.get("message", "")), position("start"), position("end"))


def _indent(tactic: str) -> str:
    return "\n".join(("  " + line) if line.strip() else "" for line in tactic.split("\n"))


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
        server died: ``crash``; no diagnostics in time: ``timeout``) as a value."""
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
            return LeanError("crash", f"lake serve failed: {exc}")
        if getattr(result, "timed_out", False):
            return LeanError("timeout", f"no diagnostics within {timeout:g} s")
        return list(getattr(result, "diagnostics", result))

    @staticmethod
    def _prefix(theorem: Theorem) -> tuple[str, int]:
        header = theorem.header.strip()
        prefix = f"{header}\n\n" if header else ""
        return prefix, prefix.count("\n")

    # -- API -----------------------------------------------------------------------------------

    def check_declaration(
        self, theorem: Theorem, text: str, timeout: float | None = None
    ) -> CheckOutput:
        timeout = self.verify_timeout if timeout is None else timeout
        prefix, offset = self._prefix(theorem)
        body = text.rstrip()
        axioms_line = offset + body.count("\n") + 2  # 1-based line of `#print axioms`
        content = f"{prefix}{body}\n#print axioms {theorem.name}\n"
        diagnostics = self._elaborate(content, timeout)
        if isinstance(diagnostics, LeanError):
            return CheckOutput(error=diagnostics)
        messages: list[Message] = []
        axiom_messages: list[Message] = []
        for diagnostic in diagnostics:
            message = diagnostic_to_message(diagnostic, offset)
            line = message.pos.line + offset if message.pos else None
            (axiom_messages if line == axioms_line else messages).append(message)
        return CheckOutput(
            messages=tuple(messages), axioms=parse_axioms(tuple(axiom_messages), theorem.name)
        )

    def start(self, theorem: Theorem, timeout: float | None = None) -> ProofState:
        timeout = self.tactic_timeout if timeout is None else timeout
        prefix, offset = self._prefix(theorem)
        content = f"{prefix}{theorem.formal_statement}\n  sorry\n"
        sorry_line = offset + 1  # 0-based line of `  sorry`
        diagnostics = self._elaborate(content, timeout)
        if isinstance(diagnostics, LeanError):
            raise TheoremStartError(theorem, diagnostics)
        errors = [d for d in diagnostics if d.get("severity") == 1]
        if errors:
            message = "\n".join(str(d.get("message", "")) for d in errors)
            raise TheoremStartError(theorem, LeanError("error", message))
        goal = self._server().get_goal(self._scratch, sorry_line, 2)
        goals = (goal or {}).get("goals") or []
        if len(goals) != 1:
            raise TheoremStartError(theorem, LeanError("error", f"no goal at the sorry: {goal!r}"))
        return ProofState(theorem=theorem, goals=(Goal.parse(goals[0]),), tactics=())

    def run_tactic(
        self, state: ProofState, tactic: str, timeout: float | None = None
    ) -> TacticResult:
        timeout = self.tactic_timeout if timeout is None else timeout
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
        decl_line = offset  # 0-based line of `theorem ... := by`
        errors = []
        for diagnostic in diagnostics:
            if diagnostic.get("severity") != 1:
                continue
            message = diagnostic_to_message(diagnostic)
            line0 = message.pos.line - 1 if message.pos else -1
            if line0 == decl_line and message.data.startswith("unsolved goals"):
                continue  # the proof is unfinished on purpose
            errors.append(message)
        if errors:
            step_errors = [m for m in errors if m.pos and first_line <= m.pos.line - 1 <= last_line]
            chosen = step_errors or errors
            return LeanError(
                "error",
                "\n".join(m.data for m in chosen),
                pos=Position(chosen[0].pos.line - first_line, chosen[0].pos.column)
                if chosen[0].pos
                else None,
            )
        answer = self._server().get_goal(self._scratch, last_line, len(new_lines[-1]))
        if answer is None:
            return LeanError("error", "the language server reported no goals after the tactic")
        try:
            goals = tuple(Goal.parse(g) for g in answer.get("goals") or [])
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
