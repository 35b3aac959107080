"""A stand-in for kimina-lean-server (project-numina/kimina-lean-server, fb2393d) for tests.

It answers ``POST /api/check`` the way the real server does, with MiniLean's REPL in place of
``lake env repl`` so that every snippet is really checked:

- **Auth** (``server/auth.py``): with an API key set, the ``Authorization`` header is required
  (401 "Missing API key" without it); the token is the header with a ``Bearer `` prefix
  removed and must equal the key (401 "Invalid API key").
- **Request model** (``kimina_client/models.py`` ``CheckRequest``): ``snippets`` non-empty with
  unique ids, ``timeout`` an integer >= 0 (default 30), ``debug`` (False), ``reuse`` (True);
  anything else is a 422 with FastAPI's ``{"detail": [...]}``.
- **Header split** (``server/split.py``): the leading ``import``/blank lines are the header
  (any ``import Mathlib...`` collapses to one ``import Mathlib``); the body is the rest, and the
  positions of its messages and sorries are shifted down by the number of header lines
  (``routers/check.py`` ``_apply_header_offset``).
- **REPL pool** (``server/manager.py``): at most ``max_repls`` REPLs; with ``reuse`` a free
  REPL of the same header is taken, else a new one starts (evicting the oldest free one when
  full); a snippet that finds no REPL within ``max_wait`` seconds makes the whole request a 429
  "No available REPLs". ``max_repl_uses`` recycles REPLs.
- **Env semantics** (``server/repl.py`` ``send``): a REPL's first command runs without ``env``;
  every later body runs with ``"env": 0`` (and ``"gc": true``). A non-blank header is the first
  command, so bodies run on the header's env; with a blank header the *first body* is env 0,
  and later bodies run on top of it (the second check of a theorem fails with "has already
  been declared").
- **Timeouts** (``routers/check.py``): a body that takes longer than ``timeout`` seconds is
  ``{"id", "error": "Lean REPL command timed out in T seconds", "time": T}`` (T printed as a
  float) and its REPL is destroyed; a slow header is "Lean REPL header command timed out in T
  seconds".
- **Disconnects** (``routers/check.py`` ``check``): when the client goes away mid-request the
  task is cancelled and every REPL it held is destroyed (the client would get a 499).

Faults for tests: ``busy_answers`` (that many 429s first), ``server_errors`` (500s),
``drop_connections`` (close the socket without answering), ``lean_delay`` (seconds each body
takes, as a slow proof would). Counters: ``requests``, ``disconnects``, ``repls_started``,
``repls_destroyed``, ``commands`` (what each REPL was sent).

Test scaffolding on 127.0.0.1 only, stopped by the test; MiniLean does the checking.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["KiminaStandIn", "split_snippet"]


def split_snippet(code: str) -> tuple[str, str, int]:
    """kimina's ``split_snippet``: (header, body, header_line_count)."""
    lines = code.splitlines()
    i = 0
    while i < len(lines) and (lines[i].strip() == "" or lines[i].strip().startswith("import ")):
        i += 1
    header_lines = [x.strip() for x in lines[:i]]
    body = "\n".join(lines[i:])
    imports: list[str] = []
    seen: set[str] = set()
    has_mathlib = False
    for line in header_lines:
        if not line.startswith("import "):
            continue
        if line.startswith("import Mathlib"):
            has_mathlib = True
        elif line not in seen:
            seen.add(line)
            imports.append(line)
    header = "\n".join((["import Mathlib"] if has_mathlib else []) + imports)
    return header, body, i


class _Cancelled(Exception):
    pass


class _NoAvailableRepl(Exception):
    pass


@dataclass(eq=False)
class _Repl:
    header: str
    repl: Any
    uuid: str = field(default_factory=lambda: uuid.uuid4().hex)
    use_count: int = 0
    running: bool = False
    last_check_at: float = field(default_factory=time.monotonic)
    destroyed: bool = False


class KiminaStandIn:
    """kimina-lean-server's ``/api/check`` on 127.0.0.1, backed by MiniLean (see module doc).

    Args:
        api_key: The server's ``LEAN_SERVER_API_KEY`` (None: no auth).
        max_repls: ``LEAN_SERVER_MAX_REPLS``.
        max_wait: ``LEAN_SERVER_MAX_WAIT``: seconds a snippet waits for a REPL before the
            request is a 429.
        max_repl_uses: ``LEAN_SERVER_MAX_REPL_USES`` (-1: never recycle).
        lean_delay: Seconds each body takes before MiniLean answers it.
        busy_answers, server_errors, drop_connections: Faults served before real answers.
        repl_factory: Builds one REPL (default: MiniLean's ``MiniLeanRepl``).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        max_repls: int = 3,
        max_wait: float = 60.0,
        max_repl_uses: int = -1,
        lean_delay: float = 0.0,
        busy_answers: int = 0,
        server_errors: int = 0,
        drop_connections: int = 0,
        repl_factory: Callable[[], Any] | None = None,
    ):
        if repl_factory is None:
            from lean_gym.backends.minilean.repl_server import MiniLeanRepl

            repl_factory = MiniLeanRepl
        self.api_key = api_key
        self.max_repls = max_repls
        self.max_wait = max_wait
        self.max_repl_uses = max_repl_uses
        self.lean_delay = lean_delay
        self.busy_answers = busy_answers
        self.server_errors = server_errors
        self.drop_connections = drop_connections
        self.repl_factory = repl_factory
        self.requests: list[dict[str, Any]] = []
        self.commands: list[tuple[str, dict[str, Any]]] = []  # (repl uuid, REPL request)
        self.disconnects = 0
        self.repls_started = 0
        self.repls_destroyed = 0
        self._cond = threading.Condition()
        self._free: list[_Repl] = []
        self._busy: set[_Repl] = set()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                outer._serve(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> KiminaStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- HTTP -------------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length", 0))
        raw = h.rfile.read(length)
        record: dict[str, Any] = {"path": h.path, "headers": dict(h.headers), "raw": raw}
        with self._lock:
            self.requests.append(record)
        if h.path not in ("/api/check", "/api/check/"):
            return self._reply(h, 404, {"detail": "Not Found"})
        if self.api_key is not None:
            auth = h.headers.get("Authorization")
            if not auth:
                return self._reply(h, 401, {"detail": "Missing API key"})
            if auth.removeprefix("Bearer ").strip() != self.api_key:
                return self._reply(h, 401, {"detail": "Invalid API key"})
        try:
            payload = json.loads(raw)
        except ValueError:
            return self._reply(h, 422, {"detail": [{"type": "json_invalid", "msg": "JSON"}]})
        record["payload"] = payload
        problem = _validate(payload)
        if problem is not None:
            return self._reply(h, 422, {"detail": [{"type": "value_error", "msg": problem}]})
        with self._lock:
            if self.drop_connections > 0:
                self.drop_connections -= 1
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return None
            if self.busy_answers > 0:
                self.busy_answers -= 1
                return self._reply(h, 429, {"detail": "No available REPLs"})
            if self.server_errors > 0:
                self.server_errors -= 1
                return self._reply(h, 500, {"detail": "Failed to start REPL"})
        cancel = threading.Event()
        outcome: dict[str, Any] = {}
        worker = threading.Thread(
            target=self._run_checks_into, args=(payload, cancel, outcome), daemon=True
        )
        worker.start()
        while worker.is_alive():
            worker.join(0.05)
            if worker.is_alive() and _client_gone(h.connection):
                cancel.set()
                with self._lock:
                    self.disconnects += 1
                worker.join(5)
                h.close_connection = True
                return None
        if "error" in outcome:
            code, detail = outcome["error"]
            return self._reply(h, code, {"detail": detail})
        return self._reply(h, 200, {"results": outcome["results"]})

    @staticmethod
    def _reply(h: BaseHTTPRequestHandler, code: int, obj: Any) -> None:
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        try:
            h.send_response(code)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        except OSError:
            pass

    # -- checks (routers/check.py run_checks) ------------------------------------------------
    def _run_checks_into(
        self, payload: dict[str, Any], cancel: threading.Event, outcome: dict[str, Any]
    ) -> None:
        snippets = payload["snippets"]
        timeout = float(payload.get("timeout", 30))
        reuse = bool(payload.get("reuse", True))
        debug = bool(payload.get("debug", False))
        results: list[Any] = [None] * len(snippets)
        errors: list[tuple[int, str]] = []

        def run(i: int, snippet: dict[str, Any]) -> None:
            try:
                results[i] = self._run_one(snippet, timeout, reuse, debug, cancel)
            except _NoAvailableRepl:
                errors.append((429, "No available REPLs"))
            except _Cancelled:
                pass
            except Exception as exc:  # noqa: BLE001 - a 500, as FastAPI would answer
                errors.append((500, str(exc)))

        threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(snippets)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            outcome["error"] = errors[0]
        else:
            outcome["results"] = results

    def _run_one(
        self,
        snippet: dict[str, Any],
        timeout: float,
        reuse: bool,
        debug: bool,
        cancel: threading.Event,
    ) -> dict[str, Any]:
        header, body, header_lines = split_snippet(snippet["code"])
        repl = self._get_repl(header, reuse, cancel)
        try:
            if not repl.running:
                repl.running = True
                if header.strip() and self._send(repl, header, timeout, True, cancel) is None:
                    self._destroy(repl)
                    return {
                        "id": snippet["id"],
                        "error": f"Lean REPL header command timed out in {timeout} seconds",
                        "time": timeout,
                    }
            started = time.monotonic()
            answer = self._send(repl, body, timeout, False, cancel)
            if answer is None:
                self._destroy(repl)
                return {
                    "id": snippet["id"],
                    "error": f"Lean REPL command timed out in {timeout} seconds",
                    "time": timeout,
                }
            _apply_header_offset(answer, header_lines)
            result: dict[str, Any] = {
                "id": snippet["id"],
                "time": round(time.monotonic() - started, 6),
                "response": answer,
            }
            if debug:
                result["diagnostics"] = {"repl_uuid": repl.uuid, "cpu_max": 0.0, "memory_max": 0}
            self._release(repl)
            return result
        except _Cancelled:
            self._destroy(repl)
            raise

    def _send(
        self, repl: _Repl, code: str, timeout: float, is_header: bool, cancel: threading.Event
    ) -> dict[str, Any] | None:
        """One REPL command (server/repl.py ``send``); None when it times out."""
        request: dict[str, Any] = {"cmd": code}
        if repl.use_count != 0 and not is_header:
            request["env"] = 0
            request["gc"] = True
        with self._lock:
            self.commands.append((repl.uuid, dict(request)))
        deadline = time.monotonic() + timeout
        if not is_header and self.lean_delay:
            until = time.monotonic() + self.lean_delay
            while time.monotonic() < until:
                if cancel.is_set():
                    raise _Cancelled
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.01)
        if cancel.is_set():
            raise _Cancelled
        answer = repl.repl.handle(request, deadline=deadline)
        message = answer.get("message")
        if isinstance(message, str) and message.startswith("MiniLean: timeout"):
            return None
        repl.use_count += 1
        return answer

    # -- pool (server/manager.py) -----------------------------------------------------------
    def _get_repl(self, header: str, reuse: bool, cancel: threading.Event) -> _Repl:
        deadline = time.monotonic() + self.max_wait
        with self._cond:
            while True:
                if cancel.is_set():
                    raise _Cancelled
                if reuse:
                    for i, r in enumerate(self._free):
                        if r.header == header:
                            repl = self._free.pop(i)
                            self._busy.add(repl)
                            return repl
                total = len(self._free) + len(self._busy)
                if total < self.max_repls:
                    break
                if self._free:
                    oldest = min(self._free, key=lambda r: r.last_check_at)
                    self._free.remove(oldest)
                    oldest.destroyed = True
                    self.repls_destroyed += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _NoAvailableRepl
                self._cond.wait(min(remaining, 0.05))
            repl = _Repl(header=header, repl=self.repl_factory())
            self.repls_started += 1
            self._busy.add(repl)
            return repl

    def _release(self, repl: _Repl) -> None:
        with self._cond:
            if repl not in self._busy:
                return
            self._busy.discard(repl)
            exhausted = self.max_repl_uses >= 0 and repl.use_count >= self.max_repl_uses + (
                1 if repl.header.strip() else 0
            )
            if exhausted:
                repl.destroyed = True
                self.repls_destroyed += 1
            else:
                repl.last_check_at = time.monotonic()
                self._free.append(repl)
            self._cond.notify(1)

    def _destroy(self, repl: _Repl) -> None:
        with self._cond:
            self._busy.discard(repl)
            if repl in self._free:
                self._free.remove(repl)
            if not repl.destroyed:
                repl.destroyed = True
                self.repls_destroyed += 1
            self._cond.notify(1)

    @property
    def live_repls(self) -> int:
        with self._cond:
            return len(self._free) + len(self._busy)


def _shift(pos: Any, offset: int) -> None:
    if isinstance(pos, dict) and isinstance(pos.get("line"), int):
        pos["line"] += offset


def _apply_header_offset(response: dict[str, Any], offset: int) -> None:
    """``routers/check.py`` ``_apply_header_offset``: messages, then sorries, shifted down.

    As in kimina, sorries are shifted only when there are messages (the function returns early
    when ``messages`` is empty).
    """
    if offset <= 0:
        return
    messages = response.get("messages")
    if not messages:
        return
    for message in messages:
        _shift(message.get("pos"), offset)
        _shift(message.get("endPos"), offset)
    for entry in response.get("sorries") or []:
        _shift(entry.get("pos"), offset)
        _shift(entry.get("endPos"), offset)


def _validate(payload: Any) -> str | None:
    """Why ``payload`` is not a valid ``CheckRequest`` (None when it is)."""
    if not isinstance(payload, dict):
        return "the body must be an object"
    snippets = payload.get("snippets")
    if not isinstance(snippets, list) or not snippets:
        return "`snippets` must be non empty"
    ids = []
    for s in snippets:
        if not isinstance(s, dict) or not isinstance(s.get("id"), str):
            return "each snippet needs a string id"
        if not isinstance(s.get("code"), str):
            return "each snippet needs a string code"
        ids.append(s["id"])
    if len(set(ids)) != len(ids):
        return "`snippets` must have unique ids"
    timeout = payload.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        return "timeout: Input should be a valid integer"
    if isinstance(timeout, float) and not timeout.is_integer():
        return "timeout: Input should be a valid integer, got a number with a fractional part"
    if timeout < 0:
        return "timeout: Input should be greater than or equal to 0"
    for key in ("debug", "reuse"):
        if key in payload and not isinstance(payload[key], bool):
            return f"{key}: Input should be a valid boolean"
    return None


def _client_gone(sock: socket.socket) -> bool:
    """True when the client closed its end (a readable socket with nothing to read)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True
