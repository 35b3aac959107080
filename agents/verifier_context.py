"""What a verifier pool's task gets and gives back: the interface the remote pools share.

Reward functions (GRPO's, expert iteration's) hand a pool either ``(theorem, proof)`` pairs
(``pool.verify_many(items, batch_size=...)``) or task functions (``pool.map(fn, items)``, each
``fn(context, item)`` run on one of the pool's workers). The pools in this package,
:class:`agents.verifier_pool_ray.RayVerifierPool` (Ray actors) and
:class:`agents.verifier_pool_kimina.KiminaVerifierPool` (kimina-lean-server instances), have the
same methods as training's local thread pool (``training.verifier_pool.VerifierPool``), so a
reward takes any of them:

* ``verify_many(items, *, batch_size=None) -> list[Verification]``, in order;
* ``map(fn, items, *, deadline=None) -> list[TaskResult]``, in order;
* ``policy``, ``timeout``, ``size``, ``timeouts`` (tasks given up), ``close()``, ``with``.

A task function gets a :class:`VerifierContext`: the worker's backend (built on first use), its
cache of start states, and ``verify_many`` through the backend, i.e. through
:func:`lean_gym.integrity.verify_proofs`: a pool adds workers and deadlines, never its own notion
of a proof. A task that runs past its deadline comes back as ``timeout``, one that raised as
``error``; :func:`verdicts_of` turns the results of verification chunks into verdicts
(``timeout`` or ``crash`` for a chunk without an answer).
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lean_gym.backends.capabilities import SupportsDiscard
from lean_gym.types import LeanError, ProofState, Success, Theorem, Verification

__all__ = [
    "TaskResult",
    "VerifierContext",
    "timeout_verification",
    "verify_chunk",
    "chunked",
    "verdicts_of",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskResult:
    """What one task gave.

    Attributes:
        value: The task function's return value (None unless ``status == "ok"``).
        status: ``ok``, ``timeout`` (past the deadline; given up) or ``error`` (the function
            raised, or its worker died).
        detail: The exception text for ``error``, the deadline for ``timeout``.
    """

    value: Any
    status: str = "ok"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def timeout_verification(seconds: float) -> Verification:
    """The verdict of a proof whose check ran past its deadline."""
    return Verification(False, reason="timeout", detail=f"no verdict within {seconds:.1f}s")


class VerifierContext:
    """A worker's backend, its start-state cache and the pool's settings, for task functions.

    Args:
        backend: A zero-argument factory of the worker's backend (called on first use).
        timeout: Seconds per backend call.
        policy: The :class:`lean_gym.integrity.IntegrityPolicy` for verification (None: the
            default).
        state_cache_size: Start states kept (LRU).

    Attributes:
        timeout: Seconds per backend call.
        policy: The integrity policy.
    """

    def __init__(
        self,
        backend: Callable[[], Any],
        *,
        timeout: float = 30.0,
        policy: Any = None,
        state_cache_size: int = 256,
    ):
        self._factory = backend
        self._backend: Any = None
        self._states: OrderedDict[tuple[Any, ...], ProofState] = OrderedDict()
        self.timeout = float(timeout)
        self.policy = policy
        self.state_cache_size = int(state_cache_size)

    @property
    def backend(self) -> Any:
        if self._backend is None:
            self._backend = self._factory()
        return self._backend

    def start_state(self, theorem: Theorem, prefix: Sequence[str] = ()) -> ProofState | LeanError:
        """The state after ``prefix`` from ``theorem``'s root, cached (LRU).

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
        while len(self._states) > self.state_cache_size:
            _, old = self._states.popitem(last=False)
            self.discard(old)
        return state

    def discard(self, state: ProofState) -> None:
        """Frees a state on backends that hold states (a hint; it never fails a task)."""
        if isinstance(self.backend, SupportsDiscard):
            try:
                self.backend.discard(state)
            except Exception:
                logger.debug("discard failed", exc_info=True)

    def verify_many(self, items: Sequence[tuple[Theorem, str]]) -> list[Verification]:
        """The integrity-checked verdicts of ``(theorem, proof)`` pairs on this backend."""
        return list(self.backend.verify_many(list(items), timeout=self.timeout, policy=self.policy))

    def run(self, fn: Callable[[VerifierContext, Any], Any], item: Any) -> TaskResult:
        """``fn(self, item)`` as a :class:`TaskResult` (an exception is an ``error``)."""
        try:
            return TaskResult(fn(self, item))
        except Exception as exc:  # a reward must never crash training
            return TaskResult(None, "error", f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self._states.clear()
        if self._backend is not None:
            with contextlib.suppress(Exception):
                self._backend.close()
            self._backend = None


def verify_chunk(context: VerifierContext, chunk: Sequence[tuple[Theorem, str]]) -> Any:
    """The task of ``verify_many``: one chunk's verdicts on a worker's backend."""
    return context.verify_many(chunk)


def chunked(items: Sequence[Any], size: int) -> list[list[Any]]:
    """``items`` in consecutive chunks of ``size`` (the last may be shorter)."""
    size = max(1, int(size))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def verdicts_of(
    chunks: Sequence[Sequence[Any]], results: Sequence[TaskResult], deadline: float
) -> list[Verification]:
    """The verdicts of verification chunks, in order: a chunk past its deadline gives every
    proof in it ``timeout``, a chunk that failed gives ``crash``."""
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
