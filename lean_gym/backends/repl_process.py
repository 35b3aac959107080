"""One REPL server process: blank-line framed JSON over pipes, every read and write bounded.

The leanprover-community/repl reads a request up to a blank line and answers with one JSON
object (pretty-printed over several lines by real Lean, one line by MiniLean) followed by a blank
line. This module owns one such child process and nothing else: spawning it in its own process
group with an address-space cap, writing a request, reading the next answer within a deadline,
and killing the whole group. Pool policy, headers, replay and error values live in
:mod:`lean_gym.backends.repl`.

No read or write ever blocks without a deadline: both pipes are non-blocking and waited on with
a selector, so a hung Lean is cut by the caller's timeout. Lines that are not part of a JSON
answer (Lean may print warnings on stdout) are skipped; stderr is drained by a daemon thread so
that a chatty child can never fill the pipe and stall.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import selectors
import signal
import subprocess
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from lean_gym.errors import ReplDied, ReplTimeout

__all__ = ["ReplProcess", "ReplTimeout", "ReplDied"]

_READ_CHUNK = 1 << 16
_STDERR_TAIL_BYTES = 8192
_DECODER = json.JSONDecoder()


def _kill_group(popen: subprocess.Popen[bytes]) -> None:
    """SIGKILLs the child's whole process group (``lake exe repl`` runs the REPL as a child)."""
    if popen.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(popen.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            popen.kill()
    with contextlib.suppress(subprocess.TimeoutExpired, ChildProcessError):
        popen.wait(timeout=5)
    for pipe in (popen.stdin, popen.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _address_space_limiter(limit_mb: int | None):
    """A ``preexec_fn`` that caps the child's virtual memory (RLIMIT_AS) before exec."""
    if limit_mb is None:
        return None
    limit = int(limit_mb) * 1024 * 1024

    def apply_limit() -> None:  # runs in the child between fork and exec
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply_limit


def _parse_frame(lines: list[bytes]) -> dict[str, Any] | None:
    """The JSON object in one blank-line-delimited block, skipping non-JSON lines before it."""
    texts = [line.decode("utf-8", "replace") for line in lines]
    try:
        obj = json.loads("\n".join(texts))
    except ValueError:
        obj = None
    if isinstance(obj, dict):
        return obj
    # Noise before the object (a warning printed without a blank line after it): try each line
    # that opens an object; raw_decode also tolerates noise after the object.
    for i, text in enumerate(texts):
        if not text.lstrip().startswith("{"):
            continue
        try:
            obj, _ = _DECODER.raw_decode("\n".join(texts[i:]).lstrip())
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    return None


class ReplProcess:
    """A REPL child process bound to one header.

    Attributes:
        header: The header text this process was started for (its imports).
        generation: A number unique within the owning backend; handles name it so that a state
            held by a dead or recycled process is recognised as stale.
        header_env: The env id of the header command, set by the owner once the header ran.
        uses: Requests served so far (for recycling).
        last_used: ``time.monotonic()`` of the last request (for LRU eviction).
        lock: Held by whoever is talking to the process; one request at a time.
        skipped_lines: Output lines that were not part of any JSON answer.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        header: str,
        generation: int,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        memory_limit_mb: int | None = None,
        spin_seconds: float = 0.0,
    ):
        self.header = header
        self.spin_seconds = spin_seconds
        self.generation = generation
        self.header_env: int | None = None
        self.uses = 0
        self.last_used = time.monotonic()
        self.lock = threading.Lock()
        self.skipped_lines = 0
        self._dead_reason: str | None = None
        self._popen = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            start_new_session=True,
            preexec_fn=_address_space_limiter(memory_limit_mb),
        )
        # Killing the group at garbage collection or interpreter exit, if nobody closed us.
        self._finalizer = weakref.finalize(self, _kill_group, self._popen)
        assert self._popen.stdin is not None and self._popen.stdout is not None
        self._stdin_fd = self._popen.stdin.fileno()
        self._stdout_fd = self._popen.stdout.fileno()
        os.set_blocking(self._stdin_fd, False)
        os.set_blocking(self._stdout_fd, False)
        self._read_selector = selectors.DefaultSelector()
        self._read_selector.register(self._stdout_fd, selectors.EVENT_READ)
        self._write_selector = selectors.DefaultSelector()
        self._write_selector.register(self._stdin_fd, selectors.EVENT_WRITE)
        self._buffer = bytearray()
        self._line_start = 0
        self._pending_lines: list[bytes] = []
        self._stderr_tail: collections.deque[bytes] = collections.deque()
        self._stderr_size = 0
        self._stderr_lock = threading.Lock()
        self._stderr_thread = threading.Thread(
            target=self._drain_stderr, name=f"repl-stderr-{self.pid}", daemon=True
        )
        self._stderr_thread.start()

    # -- state ---------------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        return self._popen.pid

    def alive(self) -> bool:
        """True while the process runs and its pipes are usable."""
        return self._dead_reason is None and self._popen.poll() is None

    def stderr_tail(self) -> str:
        """The last few KB the process wrote to stderr."""
        with self._stderr_lock:
            return b"".join(self._stderr_tail).decode("utf-8", "replace")

    def _drain_stderr(self) -> None:
        stream = self._popen.stderr
        assert stream is not None
        try:
            while True:
                chunk = stream.read(_READ_CHUNK)  # unbuffered pipe: one read(2) per call
                if not chunk:
                    return
                with self._stderr_lock:
                    self._stderr_tail.append(chunk)
                    self._stderr_size += len(chunk)
                    while self._stderr_size > _STDERR_TAIL_BYTES and len(self._stderr_tail) > 1:
                        self._stderr_size -= len(self._stderr_tail.popleft())
        except (OSError, ValueError):
            return
        finally:
            with contextlib.suppress(OSError):
                stream.close()

    def _death(self, what: str) -> ReplDied:
        """Marks the process dead and builds the exception describing why."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout=0.5)
        code = self._popen.returncode
        status = "still running" if code is None else f"exit code {code}"
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                status = f"killed by {signal.Signals(-code).name}"
        self._dead_reason = f"{what} ({status})"
        tail = self.stderr_tail().strip()
        detail = f"; stderr: {tail[-1000:]}" if tail else ""
        return ReplDied(f"the REPL process {self.pid} {what} ({status}){detail}")

    # -- I/O -----------------------------------------------------------------------------------

    def request(self, obj: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        """Sends one request and returns the next answer.

        The caller must hold :attr:`lock`.

        Raises:
            ReplTimeout: No complete answer before ``timeout`` seconds. The process is left
                as it is; the caller kills it (its pipe may hold a half-written answer).
            ReplDied: The process exited or closed a pipe.
        """
        text = json.dumps(obj, ensure_ascii=False)
        # Lone surrogates cannot be encoded; Lean would reject them anyway.
        return self.request_raw(text.encode("utf-8", "replace") + b"\n\n", timeout)

    def request_raw(self, data: bytes, timeout: float) -> dict[str, Any]:
        """Writes ``data`` verbatim (it must end with a blank line) and reads one answer."""
        deadline = time.monotonic() + timeout
        if not self.alive():
            raise ReplDied(f"the REPL process {self.pid} is not running ({self._dead_reason})")
        self.uses += 1
        self.last_used = time.monotonic()
        self._write(data, deadline)
        return self._read_answer(deadline)

    def _write(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._stdin_fd, view)
            except BlockingIOError:
                written = 0
            except (BrokenPipeError, ConnectionResetError):
                raise self._death("closed its input") from None
            except OSError as exc:
                raise self._death(f"refused input: {exc}") from None
            view = view[written:]
            if view:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ReplTimeout("the REPL did not accept the request in time")
                self._write_selector.select(remaining)

    def _read_answer(self, deadline: float) -> dict[str, Any]:
        """Reads until one whole answer is buffered: first polling (``spin_seconds``), then
        sleeping on the pipe until ``deadline``.

        Polling pays off for a fast server (MiniLean answers in tens of microseconds): it
        replies before the scheduler would wake a blocked reader, and on small VMs that wake-up
        is most of a round trip. The poll is bounded, so a slow answer (real Lean) costs at most
        ``spin_seconds`` of CPU.
        """
        spin_until = min(deadline, time.monotonic() + self.spin_seconds)
        while True:
            frame = self._next_frame()
            if frame is not None:
                return frame
            now = time.monotonic()
            if now >= spin_until:
                if now >= deadline:
                    raise ReplTimeout("the REPL did not answer in time")
                if not self._read_selector.select(deadline - now):
                    continue
            self._read_available()

    def _read_available(self) -> None:
        """Appends what the pipe holds to the buffer (nothing if it is empty)."""
        try:
            chunk = os.read(self._stdout_fd, _READ_CHUNK)
        except BlockingIOError:
            return
        except OSError as exc:
            raise self._death(f"output failed: {exc}") from None
        if not chunk:
            raise self._death("exited")
        self._buffer += chunk

    def _next_frame(self) -> dict[str, Any] | None:
        """The next complete JSON answer in the buffer, skipping blocks that are not JSON."""
        buffer = self._buffer
        while True:
            newline = buffer.find(b"\n", self._line_start)
            if newline < 0:
                return None
            line = bytes(buffer[self._line_start : newline])
            self._line_start = newline + 1
            if line.strip():
                self._pending_lines.append(line)
                continue
            if not self._pending_lines:
                continue
            lines, self._pending_lines = self._pending_lines, []
            del buffer[: self._line_start]
            self._line_start = 0
            frame = _parse_frame(lines)
            if frame is not None:
                return frame
            self.skipped_lines += len(lines)

    def kill(self) -> None:
        """Kills the process group and releases the pipes (idempotent)."""
        if self._dead_reason is None:
            self._dead_reason = "killed by the client"
        self._finalizer()
        for selector in (self._read_selector, self._write_selector):
            with contextlib.suppress(Exception):
                selector.close()
        if self._stderr_thread.is_alive():
            self._stderr_thread.join(timeout=1)
