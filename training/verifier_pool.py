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
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lean_gym.backends import make_backend
from lean_gym.types import LeanError, ProofState, Success, Theorem, Verification

__all__ = ["TaskResult", "WorkerContext", "VerifierPool", "timeout_verification"]

logger = logging.getLogger(__name__)

# Extra seconds a task gets past the backend's own timeout before the pool gives up on it.
DEFAULT_GRACE = 5.0


def timeout_verification(seconds: float) -> Verification:
    """The verdict the pool gives a proof whose check ran past its deadline."""
    return Verification(False, reason="timeout", detail=f"no verdict within {seconds:.1f}s")


@dataclass(frozen=True)
class TaskResult:
    """What one task gave.

    Attributes:
        value: The task function's return value (None unless ``status == "ok"``).
        status: ``ok``, ``timeout`` (past the deadline; given up) or ``error`` (the function
            raised).
        detail: The exception text for ``error``, the deadline for ``timeout``.
    """

    value: Any
    status: str = "ok"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class WorkerContext:
    """What a task function gets: the worker's backend and its cache of start states.

    Attributes:
        backend: This worker's backend (built on first use).
        timeout: Seconds per backend call.
    """

    def __init__(self, pool: VerifierPool):
        self._pool = pool
        self._backend: Any = None
        self._states: OrderedDict[tuple[Any, ...], ProofState] = OrderedDict()
        self.timeout = pool.timeout

    @property
    def backend(self) -> Any:
        if self._backend is None:
            self._backend = self._pool._new_backend()
        return self._backend

    def start_state(self, theorem: Theorem, prefix: Sequence[str] = ()) -> ProofState | LeanError:
        """The state after ``prefix`` from ``theorem``'s root, cached per worker (LRU).

        Returns:
            The state, or the error of the first prefix tactic that failed.

        Raises:
            TheoremStartError: When the theorem cannot be started.
        """
        key = (theorem, tuple(prefix))
        cached = self._states.get(key)
        if cached is not None:
            self._states.move_to_end(key)
            return cached
        state = self.backend.start(theorem, self.timeout)
        for tactic in prefix:
            result = self.backend.run_tactic(state, tactic, self.timeout)
            if not isinstance(result, Success):
                return result
            state = result.state
        self._states[key] = state
        while len(self._states) > self._pool.state_cache_size:
            _, old = self._states.popitem(last=False)
            self.discard(old)
        return state

    def discard(self, state: ProofState) -> None:
        """Frees a state on backends that hold states (a no-op elsewhere)."""
        discard = getattr(self.backend, "discard", None)
        if callable(discard):
            try:
                discard(state)
            except Exception:  # freeing is a hint; it must never fail a reward
                logger.debug("discard failed", exc_info=True)

    def verify_many(self, items: Sequence[tuple[Theorem, str]]) -> list[Verification]:
        """The integrity-checked verdicts of ``(theorem, proof)`` pairs on this backend."""
        backend = self.backend
        policy = self._pool.policy
        verify_many = getattr(backend, "verify_many", None)
        if callable(verify_many):
            return list(verify_many(list(items), timeout=self.timeout, policy=policy))
        return [backend.verify(t, p, self.timeout, policy) for t, p in items]

    def close(self) -> None:
        if self._backend is not None:
            try:
                self._backend.close()
            except Exception:
                logger.debug("closing a backend failed", exc_info=True)
            self._backend = None
        self._states.clear()


@dataclass
class _Task:
    fn: Callable[[WorkerContext, Any], Any]
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
        self.context = WorkerContext(pool)
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
            try:
                result = TaskResult(task.fn(self.context, task.item))
            except Exception as exc:  # a reward must never crash training
                result = TaskResult(None, "error", f"{type(exc).__name__}: {exc}")
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
        fn: Callable[[WorkerContext, Any], Any],
        items: Sequence[Any],
        *,
        deadline: float | None = None,
    ) -> list[TaskResult]:
        """Runs ``fn(context, item)`` for every item on the pool; results in item order.

        Args:
            fn: The task; it gets the worker's :class:`WorkerContext`.
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
        chunks = [list(items[i : i + batch_size]) for i in range(0, len(items), batch_size)]
        deadline = (self.timeout + self.grace) * max(1, batch_size)
        results = self.map(lambda ctx, chunk: ctx.verify_many(chunk), chunks, deadline=deadline)
        verdicts: list[Verification] = []
        for chunk, result in zip(chunks, results, strict=True):
            if result.ok and isinstance(result.value, list) and len(result.value) == len(chunk):
                verdicts.extend(result.value)
            elif result.status == "timeout":
                verdicts.extend(timeout_verification(deadline) for _ in chunk)
            else:
                detail = result.detail or "the backend gave no verdict"
                verdicts.extend(Verification(False, reason="crash", detail=detail) for _ in chunk)
        return verdicts

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
