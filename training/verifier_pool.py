"""A pool of backends for reward computation that never blocks on one slow proof.

Reward functions run inside the trainer's step: a proof that makes Lean spin must cost that one
sample its reward, not stall the run. Each worker thread owns one backend (backends are not
thread-safe; the REPL and kimina backends spend their time waiting on a subprocess or a socket,
so threads overlap well there). A task that runs past its deadline (the backend's own timeout
plus a grace period) is given up: it comes back as a timeout, its worker is abandoned (it
closes its backend when the stuck call returns) and a fresh worker with a fresh backend takes
its place, so the next batch has the full pool again.

Every verdict goes through the backend's ``verify_many`` / ``verify``, i.e. through
:func:`lean_gym.integrity.verify_proof`: the pool adds concurrency and deadlines, never its own
notion of a proof.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.verifier_context import (
    TaskResult,
    VerifierContext,
    chunked,
    timeout_verification,
    verdicts_of,
    verify_chunk,
)
from lean_gym.backends import make_backend
from lean_gym.types import Theorem, Verification

__all__ = ["TaskResult", "VerifierContext", "VerifierPool", "timeout_verification"]

logger = logging.getLogger(__name__)

# Extra seconds a task gets past the backend's own timeout before the pool gives up on it.
DEFAULT_GRACE = 5.0


@dataclass
class _Task:
    fn: Callable[[VerifierContext, Any], Any]
    item: Any
    done: threading.Event = field(default_factory=threading.Event)
    started: float | None = None
    worker: _Worker | None = None
    cancelled: bool = False
    result: TaskResult | None = None


class _Worker(threading.Thread):
    def __init__(self, pool: VerifierPool, number: int):
        super().__init__(name=f"lean-gym-verifier-{number}", daemon=True)
        self.pool = pool
        self.context = VerifierContext(
            pool._new_backend,
            timeout=pool.timeout,
            policy=pool.policy,
            state_cache_size=pool.state_cache_size,
        )
        self.abandoned = False

    def run(self) -> None:
        while True:
            task = self.pool._tasks.get()
            if task is None:
                break
            if task.cancelled:
                continue
            task.worker = self
            task.started = time.monotonic()
            result = self.context.run(task.fn, task.item)
            if task.result is None:
                task.result = result
            task.done.set()
            if self.abandoned:
                break
        self.context.close()


class VerifierPool:
    """Worker threads, one backend each, running reward tasks with deadlines.

    Args:
        backend: A backend name (``minilean``, ``minilean-subprocess``, ``repl``, ``kimina``, ...)
            or a zero-argument factory returning a backend.
        size: Worker threads (each with its own backend).
        timeout: Seconds per backend call (passed to the backend).
        grace: Extra seconds before the pool gives up on a task.
        backend_kwargs: Passed to :func:`lean_gym.backends.make_backend`.
        policy: The :class:`lean_gym.integrity.IntegrityPolicy` for verification.
        state_cache_size: Start states each worker keeps (LRU).
    """

    def __init__(
        self,
        backend: str | Callable[[], Any] = "minilean",
        *,
        size: int = 1,
        timeout: float = 30.0,
        grace: float = DEFAULT_GRACE,
        backend_kwargs: dict[str, Any] | None = None,
        policy: Any = None,
        state_cache_size: int = 256,
    ):
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0, got {timeout}")
        self.backend_spec = backend
        self.backend_kwargs = dict(backend_kwargs or {})
        self.size = int(size)
        self.timeout = float(timeout)
        self.grace = float(grace)
        self.policy = policy
        self.state_cache_size = int(state_cache_size)
        self.timeouts = 0
        self._tasks: queue.Queue[_Task | None] = queue.Queue()
        self._workers: list[_Worker] = []
        self._spawned = 0
        self._lock = threading.Lock()
        self._closed = False

    def _new_backend(self) -> Any:
        if callable(self.backend_spec):
            return self.backend_spec()
        return make_backend(self.backend_spec, **self.backend_kwargs)

    def _spawn(self) -> None:
        self._spawned += 1
        worker = _Worker(self, self._spawned)
        self._workers.append(worker)
        worker.start()

    def _ensure_workers(self) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the verifier pool is closed")
            self._workers = [w for w in self._workers if w.is_alive() and not w.abandoned]
            while len(self._workers) < self.size:
                self._spawn()

    def map(
        self,
        fn: Callable[[VerifierContext, Any], Any],
        items: Sequence[Any],
        *,
        deadline: float | None = None,
    ) -> list[TaskResult]:
        """Runs ``fn(context, item)`` for every item on the pool; results in item order.

        Args:
            fn: The task; it gets the worker's :class:`VerifierContext`.
            items: One task per item.
            deadline: Seconds one task may run (default: ``timeout + grace``).
        """
        if not items:
            return []
        self._ensure_workers()
        limit = self.timeout + self.grace if deadline is None else float(deadline)
        tasks = [_Task(fn, item) for item in items]
        for task in tasks:
            self._tasks.put(task)
        # Tasks that never start (every worker stuck) are given up after the time the whole
        # batch would need with the full pool, plus one deadline.
        batch_limit = time.monotonic() + limit * (len(tasks) / self.size + 1)
        pending = list(tasks)
        while pending:
            now = time.monotonic()
            still: list[_Task] = []
            for task in pending:
                if task.done.is_set():
                    continue
                started = task.started
                if started is not None and now - started > limit:
                    self._give_up(task, limit)
                elif started is None and now > batch_limit:
                    task.cancelled = True
                    task.result = TaskResult(None, "timeout", "not started within the batch time")
                else:
                    still.append(task)
            pending = still
            if pending:
                pending[0].done.wait(0.02)
        return [task.result or TaskResult(None, "error", "no result") for task in tasks]

    def _give_up(self, task: _Task, limit: float) -> None:
        task.result = TaskResult(None, "timeout", f"no answer within {limit:.1f}s")
        self.timeouts += 1
        logger.warning(
            "a reward task ran past %.1fs and was given up; replacing its backend", limit
        )
        worker = task.worker
        with self._lock:
            if worker is not None and not worker.abandoned:
                worker.abandoned = True
                if not self._closed:
                    self._spawn()

    def verify_many(
        self, items: Sequence[tuple[Theorem, str]], *, batch_size: int = 1
    ) -> list[Verification]:
        """Integrity-checked verdicts of ``(theorem, proof)`` pairs, spread over the pool.

        Items go to the backends in chunks of ``batch_size`` (a batch-checking backend such as
        kimina checks a chunk in one request); a chunk past its deadline gives every proof in
        it a ``timeout`` verdict, a chunk whose backend raised gives ``crash``.
        """
        chunks = chunked(items, batch_size)
        deadline = (self.timeout + self.grace) * max(1, batch_size)
        return verdicts_of(chunks, self.map(verify_chunk, chunks, deadline=deadline), deadline)

    def close(self) -> None:
        """Stops the workers and closes their backends (a stuck one closes when it returns)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._workers)
        for _ in workers:
            self._tasks.put(None)
        for worker in workers:
            worker.join(timeout=1.0)

    def __enter__(self) -> VerifierPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
