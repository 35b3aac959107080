"""A stand-in for leanclient 0.13's ``LeanLSPClient`` over ``lake serve``, backed by MiniLean.

It has the methods lean_gym's lsp backend calls, with leanclient's signatures and return
shapes (``leanclient/client.py``, ``leanclient/file_manager.py``), and answers as Lean's
language server does:

- **Diagnostics** (``get_diagnostics``): the file is elaborated by MiniLean's REPL as one
  command; each message becomes an LSP diagnostic the way Lean's ``msgToInteractiveDiagnostic``
  (``Lean/Widget/InteractiveDiagnostic.lean``) builds it: 0-based lines, columns in UTF-16 code
  units (``FileMap.leanPosToLspPos``), severity 1 error / 2 warning / 3 information,
  ``fullRange`` the message's span and ``range`` cut at the start of the next line when the
  span is longer than one line. Returns a ``DiagnosticsResult``-like object (``success``,
  ``diagnostics``, ``timed_out``; iterable like a list).
- **Goals** (``get_goal``, ``$/lean/plainGoal``): the position is an LSP one (0-based line,
  UTF-16 column). As Lean's ``InfoTree.goalsAt?`` (``Lean/Server/InfoUtils.lean``) does, a
  position at the start of a top-level tactic of the file's ``by`` block shows the goals before
  it, a position at its end (or in the whitespace after it) the goals after it, and a position
  on no tactic ``None``; ``{"goals": [], "rendered": "no goals"}`` when no goal is left. The
  goals are computed by MiniLean's REPL in tactic mode (one tactic per request).

Faults, set as attributes: ``goal_error`` (``get_goal`` answers leanclient's
``{"error": {...}}``, e.g. its 30 s timeout), ``rpc_error`` (diagnostics carry leanclient's RPC
error entry, which has no ``severity``), ``diagnostics_timeout`` (``timed_out=True``), ``dead``
(every call raises ``EOFError``, as leanclient does when the server exits). ``goal_requests``
records every ``(path, line, character)`` asked.

Install it with ``monkeypatch.setitem(sys.modules, "leanclient", fake_leanclient)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LeanLSPClient", "DiagnosticsResult", "utf16_column", "instances"]

instances: list[LeanLSPClient] = []


def utf16_column(line: str, column: int) -> int:
    """The UTF-16 offset of codepoint ``column`` in ``line`` (LSP's ``character``)."""
    return len(line[:column].encode("utf-16-le")) // 2


def _codepoint_column(line: str, character: int) -> int:
    units = 0
    for i, ch in enumerate(line):
        if units >= character:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


@dataclass
class DiagnosticsResult:
    """leanclient's ``DiagnosticsResult`` (it also iterates like the diagnostics list)."""

    success: bool
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    timed_out: bool = False

    def __iter__(self):
        return iter(self.diagnostics)

    def __len__(self) -> int:
        return len(self.diagnostics)


@dataclass
class _FileState:
    uri: str
    content: str
    version: int = 0


_SEVERITY = {"error": 1, "warning": 2, "info": 3, "information": 3}


class LeanLSPClient:
    """leanclient's ``LeanLSPClient(project_path, max_opened_files, initial_build,
    prevent_cache_get)``."""

    def __init__(
        self,
        project_path: str,
        max_opened_files: int = 4,
        initial_build: bool = False,
        prevent_cache_get: bool = False,
    ):
        self.project_path = Path(project_path)
        self.max_opened_files = max_opened_files
        self.prevent_cache_get = prevent_cache_get
        self.opened_files: dict[str, _FileState] = {}
        self.goal_requests: list[tuple[str, int, int]] = []
        self.goal_error: dict[str, Any] | None = None
        self.rpc_error: dict[str, Any] | None = None
        self.diagnostics_timeout = False
        self.dead = False
        self.closed = False
        instances.append(self)

    # -- files ----------------------------------------------------------------------------
    def _alive(self) -> None:
        if self.dead or self.closed:
            raise EOFError("LeanLSPClient: Language server closed unexpectedly.")

    def open_file(
        self, path: str, dependency_build_mode: str = "never", force_reopen: bool = False
    ) -> None:
        self._alive()
        content = (self.project_path / path).read_text(encoding="utf-8")
        state = self.opened_files.get(path)
        if state is None:
            self.opened_files[path] = _FileState(
                uri=f"file://{self.project_path / path}", content=content
            )
        else:
            state.content = content
            state.version += 1

    def update_file_content(self, path: str, content: str) -> None:
        self._alive()
        state = self.opened_files.get(path)
        if state is None:
            raise FileNotFoundError(f"File {path} is not open. Call open_file first.")
        state.content = content
        state.version += 1

    def close(self) -> None:
        self.closed = True

    # -- diagnostics ----------------------------------------------------------------------
    def get_diagnostics(
        self,
        path: str,
        start_line: int | None = None,
        end_line: int | None = None,
        inactivity_timeout: float = 15.0,
        max_timeout: float = 300.0,
    ) -> DiagnosticsResult:
        self._alive()
        if path not in self.opened_files:
            self.open_file(path)
        if self.rpc_error is not None:
            return DiagnosticsResult(success=False, diagnostics=[dict(self.rpc_error)])
        if self.diagnostics_timeout:
            return DiagnosticsResult(success=False, diagnostics=[], timed_out=True)
        content = self.opened_files[path].content
        answer = _repl().handle({"cmd": content, "timeout": max(0.001, max_timeout)})
        message = answer.get("message")
        if isinstance(message, str) and message.startswith("MiniLean: timeout"):
            return DiagnosticsResult(success=False, diagnostics=[], timed_out=True)
        lines = content.split("\n")
        diagnostics = [_diagnostic(m, lines) for m in answer.get("messages") or []]
        success = not any(d["severity"] == 1 for d in diagnostics)
        return DiagnosticsResult(success=success, diagnostics=diagnostics)

    # -- goals ----------------------------------------------------------------------------
    def get_goal(self, path: str, line: int, character: int) -> dict[str, Any] | None:
        self._alive()
        self.goal_requests.append((path, line, character))
        if self.goal_error is not None:
            return {"error": dict(self.goal_error)}
        if path not in self.opened_files:
            self.open_file(path)
        content = self.opened_files[path].content
        lines = content.split("\n")
        if not 0 <= line < len(lines):
            return None
        offset = sum(len(x) + 1 for x in lines[:line]) + _codepoint_column(lines[line], character)
        return _goals_at(content, offset)


def _repl() -> Any:
    from lean_gym.backends.minilean.repl_server import MiniLeanRepl

    return MiniLeanRepl()


def _lsp_pos(pos: dict[str, int] | None, lines: list[str]) -> dict[str, int]:
    if not pos:
        return {"line": 0, "character": 0}
    line = max(0, int(pos["line"]) - 1)
    text = lines[line] if line < len(lines) else ""
    return {"line": line, "character": utf16_column(text, int(pos["column"]))}


def _diagnostic(message: dict[str, Any], lines: list[str]) -> dict[str, Any]:
    pos = message.get("pos")
    end = message.get("endPos") or pos
    low = _lsp_pos(pos, lines)
    full_high = _lsp_pos(end, lines)
    high = dict(full_high)
    if pos and end and int(end["line"]) > int(pos["line"]):
        high = {"line": low["line"] + 1, "character": 0}
    return {
        "range": {"start": low, "end": high},
        "fullRange": {"start": low, "end": full_high},
        "severity": _SEVERITY.get(str(message.get("severity")), 3),
        "source": "Lean 4",
        "message": str(message.get("data", "")),
    }


_BY_BLOCK = re.compile(r":=\s*by[ \t]*\n")


def _goals_at(content: str, offset: int) -> dict[str, Any] | None:
    """Lean's plainGoal at ``offset`` for a file ``HEADER theorem ... := by`` + tactic lines."""
    from lean_gym.tactic_text import split_tactics

    found = list(_BY_BLOCK.finditer(content))
    if not found:
        return None
    m = found[-1]
    head, block_start = content[: m.start()], m.end()
    decl_start = max(head.rfind("\ntheorem "), head.rfind("\nexample "))
    decl = content[decl_start + 1 : m.end()].rstrip()
    header = content[: decl_start + 1]
    block = content[block_start:]
    tactics = split_tactics(block)
    spans = _tactic_spans(block, tactics)
    if spans is None:
        return None
    target = offset - block_start
    # goalsAt?: at a tactic's first character the goals before it; anywhere after that up to
    # the next tactic (its text, its end, the whitespace after it) the goals after it.
    index: int | None = None  # how many tactics to run
    for i, (start, _end) in enumerate(spans):
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(block) + 1
        if start <= target < nxt:
            index = i if target == start else i + 1
            break
    if index is None:
        return None
    repl = _repl()
    if header.strip():
        env_answer = repl.handle({"cmd": header})
        env = env_answer.get("env")
        root = repl.handle({"cmd": decl + " sorry", "env": env})
    else:
        root = repl.handle({"cmd": decl + " sorry"})
    sorries = root.get("sorries") or []
    if not sorries:
        return None
    state = sorries[-1]["proofState"]
    goals = [sorries[-1]["goal"]]
    for tactic in tactics[:index]:
        answer = repl.handle({"tactic": tactic, "proofState": state})
        if "proofState" not in answer:
            return None
        state, goals = answer["proofState"], answer.get("goals", [])
    rendered = "no goals" if not goals else "```lean\n" + "\n\n".join(goals) + "\n```"
    return {"goals": goals, "rendered": rendered}


def _tactic_spans(block: str, tactics: list[str]) -> list[tuple[int, int]] | None:
    """Where each top-level tactic starts and ends in ``block`` (offsets), in order."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for tactic in tactics:
        first = tactic.split("\n", 1)[0].strip()
        start = block.find(first, pos)
        if start < 0:
            return None
        last = tactic.rstrip().split("\n")[-1].strip()
        end = block.find(last, start) + len(last)
        spans.append((start, end))
        pos = end
    return spans
