"""A verifier pool on Ray actors: a GPU trainer's reward checks fanned out to CPU nodes.

:class:`RayVerifierPool` has the interface of training's local pool
(:mod:`agents.verifier_context` lists it): ``verify_many(items, batch_size=...)`` and
``map(fn, items, deadline=...)``, so the GRPO reward functions and expert-iteration rounds take it
in place of the thread pool. Each worker is a Ray actor (``pip install 'lean-gym[ray]'``) that
owns one backend (built on its first task: MiniLean, a REPL on its node's Lean project, or a
kimina client) inside a :class:`~agents.verifier_context.VerifierContext`, so that every verdict
comes from the backend's ``verify_many``, i.e. from :func:`lean_gym.integrity.verify_proofs`.

Tasks go to free actors, one call each, results in item order. Deadlines as in the local pool:
a task that runs past ``timeout + grace`` seconds (or ``deadline``) comes back as ``timeout``
and its actor is killed (``ray.kill``: a stuck Lean goes with it) and replaced; tasks that
cannot start within the time the batch would take on the whole pool plus one deadline come back
as ``timeout`` too. An actor that dies (its process killed, its node lost) has its task run
again on another actor, up to ``retries`` times, then the task is an ``error``: a reward never
raises because a node went away. Task functions are sent to the actors by value (Ray's
cloudpickle): module-level functions, such as training's segment reward task, travel by name.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agents.ray_session import connect_ray, first_line
from agents.verifier_context import (
    TaskResult,
    VerifierContext,
    chunked,
    verdicts_of,
    verify_chunk,
)
from lean_gym.types import Theorem, Verification

__all__ = ["RayVerifierPool", "VerifierActor", "DEFAULT_GRACE"]

logger = logging.getLogger(__name__)

# Extra seconds a task gets past the backend's own timeout before the pool gives up on it.
DEFAULT_GRACE = 5.0


class VerifierActor:
    """A Ray actor's body: one backend in a :class:`VerifierContext`; one task per call.

    Args:
        backend: A backend name for :func:`lean_gym.backends.make_backend` or a zero-argument
            factory (sent by value).
        backend_kwargs: Passed to ``make_backend``.
        timeout: Seconds per backend call.
        policy: The integrity policy.
        state_cache_size: Start states kept.
    """

    def __init__(
        self,
        backend: str | Callable[[], Any],
        backend_kwargs: dict[str, Any],
        timeout: float,
        policy: Any,
        state_cache_size: int,
    ):
        if callable(backend):
            factory = backend
        else:
            from lean_gym.backends import make_backend

            factory = functools.partial(make_backend, backend, **backend_kwargs)
        self.context = VerifierContext(
            factory, timeout=timeout, policy=policy, state_cache_size=state_cache_size
        )

    def pid(self) -> int:
        import os

        return os.getpid()

    def run(self, fn: Callable[[VerifierContext, Any], Any], item: Any) -> TaskResult:
        return self.context.run(fn, item)

    def close(self) -> None:
        self.context.close()


@dataclass
class _Worker:
    handle: Any
    ready: Any  # the ObjectRef of pid() until answered
    pid: int | None = None
    task: int | None = None  # the item index in flight
    ref: Any = None
    started: float = 0.0


class RayVerifierPool:
    """Ray actors, one backend each, running verification tasks with deadlines.

    Args:
        backend: A backend name (``minilean``, ``repl``, ``kimina``, ...) or a zero-argument
            factory returning a backend (sent to the actors by value).
        size: Actors (each with its own backend).
        timeout: Seconds per backend call (passed to the backend).
        grace: Extra seconds before the pool gives up on a task.
        backend_kwargs: Passed to :func:`lean_gym.backends.make_backend` on each actor.
        policy: The :class:`lean_gym.integrity.IntegrityPolicy` for verification.
        state_cache_size: Start states each actor keeps (LRU).
        batch_size: Proofs per task in :meth:`verify_many` when the call does not say.
        address: The Ray cluster (``auto``, ``HOST:PORT``); None: the one this process is
            connected to, else a local instance (stopped by :meth:`close`).
        retries: Times a task whose actor died runs again on another actor.
        num_cpus: CPUs per actor (Ray's resource request).
    """

    def __init__(
        self,
        backend: str | Callable[[], Any] = "minilean",
        *,
        size: int = 2,
        timeout: float = 30.0,
        grace: float = DEFAULT_GRACE,
        backend_kwargs: dict[str, Any] | None = None,
        policy: Any = None,
        state_cache_size: int = 256,
        batch_size: int = 1,
        address: str | None = None,
        retries: int = 1,
        num_cpus: float = 1.0,
    ):
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0, got {timeout}")
        if batch_size < 1 or retries < 0:
            raise ValueError("batch_size must be >= 1 and retries >= 0")
        self.backend_spec = backend
        self.backend_kwargs = dict(backend_kwargs or {})
        self.size = int(size)
        self.timeout = float(timeout)
        self.grace = float(grace)
        self.policy = policy
        self.state_cache_size = int(state_cache_size)
        self.batch_size = int(batch_size)
        self.retries = int(retries)
        self.timeouts = 0
        self.actors_started = 0
        self._lock = threading.Lock()
        self._closed = False
        self._owns_connection = connect_ray(address, num_cpus=self.size)
        import ray

        self._ray = ray
        self._actor_class = ray.remote(VerifierActor).options(
            num_cpus=float(num_cpus), max_restarts=0, max_task_retries=0
        )
        # Started now, so that the first batch does not wait for them.
        self._workers = [self._spawn() for _ in range(self.size)]

    def _spawn(self) -> _Worker:
        handle = self._actor_class.remote(
            self.backend_spec, self.backend_kwargs, self.timeout, self.policy,
            self.state_cache_size,
        )  # fmt: skip
        self.actors_started += 1
        return _Worker(handle, handle.pid.remote())

    def worker_pids(self) -> list[int]:
        """The process ids of the ready actors."""
        return [worker.pid for worker in self._workers if worker.pid is not None]

    def _replace(self, worker: _Worker) -> None:
        with contextlib.suppress(Exception):
            self._ray.kill(worker.handle, no_restart=True)
        fresh = self._spawn()
        worker.handle, worker.ready, worker.pid = fresh.handle, fresh.ready, None
        worker.task = worker.ref = None

    def map(
        self,
        fn: Callable[[VerifierContext, Any], Any],
        items: Sequence[Any],
        *,
        deadline: float | None = None,
    ) -> list[TaskResult]:
        """Runs ``fn(context, item)`` for every item on the actors; results in item order.

        Args:
            fn: The task (picklable; it gets the actor's :class:`VerifierContext`).
            items: One task per item.
            deadline: Seconds one task may run (default: ``timeout + grace``).
        """
        if not items:
            return []
        with self._lock:
            if self._closed:
                raise RuntimeError("the verifier pool is closed")
            try:
                return self._map(fn, list(items), deadline)
            finally:  # an interrupted batch must not leave stale calls on the actors
                for worker in self._workers:
                    if worker.task is not None:
                        self._replace(worker)

    def _map(
        self, fn: Callable[[VerifierContext, Any], Any], items: list[Any], deadline: float | None
    ) -> list[TaskResult]:
        ray = self._ray
        limit = self.timeout + self.grace if deadline is None else float(deadline)
        fn_ref = ray.put(fn)
        results: list[TaskResult | None] = [None] * len(items)
        queue: deque[int] = deque(range(len(items)))
        deaths: dict[int, int] = {}
        # Tasks that never start (every actor stuck or lost) are given up after the time the
        # whole batch would need with the full pool, plus one deadline.
        batch_limit = time.monotonic() + limit * (len(items) / self.size + 1)
        while queue or any(worker.task is not None for worker in self._workers):
            for worker in self._workers:
                if worker.pid is not None and worker.task is None and queue:
                    index = queue.popleft()
                    worker.task, worker.started = index, time.monotonic()
                    worker.ref = worker.handle.run.remote(fn_ref, items[index])
            waiting = {w.ref: w for w in self._workers if w.task is not None}
            waiting.update({w.ready: w for w in self._workers if w.pid is None})
            done, _ = ray.wait(list(waiting), num_returns=1, timeout=0.05)
            for ref in done:
                worker = waiting[ref]
                if worker.pid is None:
                    try:
                        worker.pid = int(ray.get(ref))
                    except ray.exceptions.RayError:
                        self._replace(worker)
                    continue
                index = worker.task
                assert index is not None
                worker.task = worker.ref = None
                try:
                    results[index] = ray.get(ref)
                except ray.exceptions.RayError as exc:  # the actor died (or the call failed)
                    self._replace(worker)
                    deaths[index] = deaths.get(index, 0) + 1
                    if deaths[index] <= self.retries:
                        queue.appendleft(index)
                    else:
                        results[index] = TaskResult(
                            None, "error", f"worker died: {type(exc).__name__}: {first_line(exc)}"
                        )
            now = time.monotonic()
            for worker in self._workers:
                if worker.task is not None and now - worker.started > limit:
                    results[worker.task] = TaskResult(
                        None, "timeout", f"no answer within {limit:.1f}s"
                    )
                    self.timeouts += 1
                    logger.warning(
                        "a verification task ran past %.1fs and was given up; replacing its actor",
                        limit,
                    )
                    self._replace(worker)
            if queue and now > batch_limit:
                for index in queue:
                    results[index] = TaskResult(
                        None, "timeout", "not started within the batch time"
                    )
                queue.clear()
        return [result or TaskResult(None, "error", "no result") for result in results]

    def verify_many(
        self, items: Sequence[tuple[Theorem, str]], *, batch_size: int | None = None
    ) -> list[Verification]:
        """Integrity-checked verdicts of ``(theorem, proof)`` pairs, spread over the actors.

        Items go to the backends in chunks of ``batch_size`` (default: the pool's); a chunk past
        its deadline gives every proof in it a ``timeout`` verdict, a chunk whose backend raised
        or whose actors kept dying gives ``crash``.
        """
        size = batch_size or self.batch_size
        chunks = chunked(items, size)
        deadline = (self.timeout + self.grace) * max(1, size)
        return verdicts_of(chunks, self.map(verify_chunk, chunks, deadline=deadline), deadline)

    def close(self) -> None:
        """Stops the actors (closing their backends) and, when this pool connected to Ray,
        disconnects (a local instance stops)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        ray = self._ray
        closing = [w.handle.close.remote() for w in self._workers if w.pid is not None]
        if closing:
            with contextlib.suppress(Exception):
                ray.wait(closing, num_returns=len(closing), timeout=5.0)
        for worker in self._workers:
            with contextlib.suppress(Exception):
                ray.kill(worker.handle, no_restart=True)
        self._workers.clear()
        if self._owns_connection:
            with contextlib.suppress(Exception):
                ray.shutdown()

    def __enter__(self) -> RayVerifierPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
