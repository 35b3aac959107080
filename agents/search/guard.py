"""Calling a policy so that it cannot break a search: timeouts, exceptions and garbage output.

A policy is user code (a model, a server, a script). Whatever it does, a search must go on:
an exception, an answer later than the timeout, or an answer that is not a list of
:class:`~agents.policies.base.Candidate` per state is one failed expansion, reported as a
:class:`PolicyFailure`, never an exception out of the search.

Timeouts run the call on a daemon worker thread and wait on it. A call that does not return in
time is abandoned with its thread (Python cannot kill a thread; a daemon thread does not keep
the process alive), and the next call gets a fresh thread, so one hung call costs one
expansion, not the search.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agents.policies.base import Candidate

__all__ = ["PolicyFailure", "PolicyGuard", "validate_proposals"]


@dataclass(frozen=True)
class PolicyFailure:
    """Why a policy call did not give candidates: ``raised``, ``timeout`` or ``garbage``."""

    kind: str
    detail: str


class _Worker:
    """One daemon thread running calls from a queue."""

    def __init__(self) -> None:
        self.tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name="lean-gym-policy", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            task = self.tasks.get()
            if task is None:
                return
            fn, args, box, done = task
            try:
                box.append((True, fn(*args)))
            except BaseException as exc:  # the policy's failure is reported, not raised here
                box.append((False, exc))
            done.set()

    def submit(
        self, fn: Callable[..., Any], args: tuple[Any, ...]
    ) -> tuple[list[Any], threading.Event]:
        box: list[Any] = []
        done = threading.Event()
        self.tasks.put((fn, args, box, done))
        return box, done

    def stop(self) -> None:
        self.tasks.put(None)


class PolicyGuard:
    """Runs policy calls with a timeout (None: in the caller's thread, no timeout)."""

    def __init__(self, timeout: float | None = 60.0):
        if timeout is not None and timeout <= 0:
            raise ValueError(f"policy timeout must be > 0 or None, got {timeout!r}")
        self.timeout = timeout
        self._worker: _Worker | None = None

    def call(
        self, fn: Callable[..., Any], *args: Any, timeout: float | None = None
    ) -> tuple[bool, Any]:
        """``(True, value)`` or ``(False, PolicyFailure)``.

        Args:
            fn: The policy method.
            *args: Its arguments.
            timeout: Overrides the guard's timeout for this call (e.g. the wall time left).
        """
        limit = (
            self.timeout
            if timeout is None
            else (timeout if self.timeout is None else min(timeout, self.timeout))
        )
        if limit is None:
            try:
                return True, fn(*args)
            except Exception as exc:
                return False, PolicyFailure("raised", f"{type(exc).__name__}: {exc}")
        if self._worker is None:
            self._worker = _Worker()
        box, done = self._worker.submit(fn, args)
        if not done.wait(max(limit, 0.0)):
            # Abandon the hung thread; the next call starts a fresh one.
            self._worker = None
            return False, PolicyFailure("timeout", f"no answer within {limit:.3g} s")
        ok, value = box[0]
        if not ok:
            if not isinstance(value, Exception):  # KeyboardInterrupt, SystemExit: not ours
                raise value
            return False, PolicyFailure("raised", f"{type(value).__name__}: {value}")
        return True, value

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None


def validate_proposals(raw: Any, num_states: int, k: int) -> list[list[Candidate]]:
    """Checks a policy's answer for ``num_states`` states and cleans it.

    Empty texts and repeated texts are dropped, and each list is cut to ``k``; anything else
    that is not a list of :class:`Candidate` with a ``str`` text, a finite ``logprob`` and a
    non-negative ``num_tokens`` makes the whole answer garbage.

    Raises:
        ValueError: For garbage (the message says what was wrong).
    """
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)):
        raise ValueError(f"expected a list of candidate lists, got {type(raw).__name__}")
    if len(raw) != num_states:
        raise ValueError(f"expected {num_states} candidate lists, got {len(raw)}")
    out: list[list[Candidate]] = []
    for items in raw:
        if not isinstance(items, Sequence) or isinstance(items, (str, bytes)):
            raise ValueError(f"expected a list of candidates, got {type(items).__name__}")
        seen: set[str] = set()
        clean: list[Candidate] = []
        for item in items:
            if not isinstance(item, Candidate):
                raise ValueError(f"expected a Candidate, got {type(item).__name__}")
            if not isinstance(item.text, str):
                raise ValueError(f"candidate text must be a str, got {type(item.text).__name__}")
            if isinstance(item.logprob, bool) or not isinstance(item.logprob, (int, float)):
                raise ValueError(f"candidate logprob must be a number, got {item.logprob!r}")
            if not math.isfinite(item.logprob):
                raise ValueError(f"candidate logprob must be finite, got {item.logprob!r}")
            if not isinstance(item.num_tokens, int) or item.num_tokens < 0:
                raise ValueError(
                    f"candidate num_tokens must be an int >= 0, got {item.num_tokens!r}"
                )
            if not item.text.strip() or item.text in seen:
                continue
            seen.add(item.text)
            clean.append(item)
            if len(clean) >= k:
                break
        out.append(clean)
    return out
