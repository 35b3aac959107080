"""A verifier pool on kimina-lean-server instances: reward checks as HTTP batches.

kimina-lean-server keeps a pool of Lean REPLs per machine and checks a batch of snippets per
request; a GPU trainer can send its reward checks to a few of them on CPU nodes without Ray.
:class:`KiminaVerifierPool` has the interface of training's local pool (see
:mod:`agents.verifier_context`): ``verify_many`` cuts the proofs into chunks of ``batch_size``
and keeps ``per_server`` requests in flight to every server, chunks going to the servers in
turn; every verdict comes from :class:`lean_gym.backends.kimina.KiminaBackend`'s ``verify_many``,
i.e. from :func:`lean_gym.integrity.verify_proofs` (text rules first, then the server's answer
judged by the same rules as every other backend's). A chunk past its deadline gives
``timeout`` verdicts; a server that is down gives ``crash`` verdicts (kimina's client never
raises). ``map`` runs task functions with a kimina backend as ``context.backend``: kimina checks
whole proofs only, so tasks that need tactic mode (segment rewards) need the Ray pool or the
local one.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from agents.verifier_context import (
    TaskResult,
    VerifierContext,
    chunked,
    verdicts_of,
    verify_chunk,
)
from lean_gym.types import Theorem, Verification

__all__ = ["KiminaVerifierPool"]

DEFAULT_GRACE = 5.0


class KiminaVerifierPool:
    """Reward checks on one or more kimina-lean-server instances.

    Args:
        urls: The servers' base URLs (``http://HOST:8000``).
        timeout: The Lean timeout per snippet, seconds.
        grace: Extra seconds per chunk before the pool gives up on it.
        policy: The :class:`lean_gym.integrity.IntegrityPolicy` for verification.
        api_key: Sent to every server as ``X-Auth-Token``.
        per_server: Requests in flight to each server.
        batch_size: Proofs per request when :meth:`verify_many` is not told.
        backend_kwargs: More :class:`~lean_gym.backends.kimina.KiminaBackend` arguments
            (``max_retries``, ``backoff``, ``http_timeout``).
    """

    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        timeout: float = 30.0,
        grace: float = DEFAULT_GRACE,
        policy: Any = None,
        api_key: str | None = None,
        per_server: int = 2,
        batch_size: int = 8,
        backend_kwargs: dict[str, Any] | None = None,
    ):
        from lean_gym.backends.kimina import KiminaBackend

        urls = [urls] if isinstance(urls, str) else list(urls)
        if not urls:
            raise ValueError("a kimina verifier pool needs at least one server URL")
        if timeout <= 0 or per_server < 1 or batch_size < 1:
            raise ValueError("timeout must be > 0, per_server and batch_size >= 1")
        self.urls = urls
        self.timeout = float(timeout)
        self.grace = float(grace)
        self.policy = policy
        self.batch_size = int(batch_size)
        self.size = len(urls) * int(per_server)
        self.timeouts = 0
        kwargs = dict(backend_kwargs or {})
        # The client holds no connection (one HTTP request per call): one per server is shared
        # by that server's requests.
        self._contexts = [
            VerifierContext(
                lambda url=url: KiminaBackend(url=url, api_key=api_key, **kwargs),
                timeout=self.timeout,
                policy=policy,
            )
            for url in urls
        ]
        self._turn = itertools.cycle(range(len(urls)))
        self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="lean-gym-kimina")
        self._lock = threading.Lock()
        self._closed = False

    def map(
        self,
        fn: Callable[[VerifierContext, Any], Any],
        items: Sequence[Any],
        *,
        deadline: float | None = None,
    ) -> list[TaskResult]:
        """Runs ``fn(context, item)`` for every item, the servers taking turns; results in
        item order.

        Args:
            fn: The task; its context's backend is one server's kimina client.
            items: One task per item.
            deadline: Seconds one task may take (default: ``timeout + grace``); the batch is
                given the time its tasks need on the whole pool plus one deadline, and what
                has not answered by then is a ``timeout``.
        """
        if not items:
            return []
        with self._lock:
            if self._closed:
                raise RuntimeError("the verifier pool is closed")
            futures = [
                self._executor.submit(self._contexts[next(self._turn)].run, fn, item)
                for item in items
            ]
        per_task = self.timeout + self.grace if deadline is None else float(deadline)
        limit = per_task * (len(items) / self.size + 1)
        end = time.monotonic() + limit
        results = []
        for future in futures:
            try:
                results.append(future.result(timeout=max(0.0, end - time.monotonic())))
            except FutureTimeout:
                future.cancel()
                self.timeouts += 1
                results.append(TaskResult(None, "timeout", f"no answer within {limit:.1f}s"))
        return results

    def verify_many(
        self, items: Sequence[tuple[Theorem, str]], *, batch_size: int | None = None
    ) -> list[Verification]:
        """Integrity-checked verdicts of ``(theorem, proof)`` pairs, one request per chunk of
        ``batch_size`` (default: the pool's)."""
        size = batch_size or self.batch_size
        chunks = chunked(items, size)
        deadline = (self.timeout + self.grace) * max(1, size)
        return verdicts_of(chunks, self.map(verify_chunk, chunks, deadline=deadline), deadline)

    def close(self) -> None:
        """Waits for the requests in flight (each bounded by its HTTP timeout) and stops."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> KiminaVerifierPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
