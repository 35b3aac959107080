"""Where an eval's theorems run: the executor seam.

An executor takes tasks (a theorem and the attempts still to run on it) and a worker spec, runs
each task on a worker that owns its backend, policy and search (an
:class:`agents.evaluate.EvalWorker`), and hands every event the workers emit to a callback in
the calling process: ``("start", index, attempt)`` before an attempt, ``("row", row)`` when it
finishes. Rows are complete results; the caller writes them.

* ``inline``: the worker runs in the calling process (``--workers 0``; for debugging).
* ``local``: ``N`` worker processes (``forkserver``, else ``spawn``), one task at a time each. A worker that dies
  (a crash, the OOM killer) costs the attempt it was running, recorded as a ``worker_crash``
  row; its other attempts go back to the queue and a fresh worker takes its place. Workers
  ignore SIGINT: on Ctrl-C the parent stops them and keeps what is written.

* ``ray``: Ray actors on this machine or a cluster (:mod:`agents.executors_ray`,
  ``pip install 'lean-gym[ray]'``).

A new executor is one class with the same ``run`` and ``close`` and one
``register_executor`` line; an optional static ``check_args(eval_args)`` raising
``ValueError`` lets ``lean-gym eval`` refuse arguments that do not fit before anything is
written.
"""

from __future__ import annotations

import importlib
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

__all__ = [
    "Task",
    "Event",
    "Executor",
    "InlineExecutor",
    "LocalExecutor",
    "WorkerSetupError",
    "EXECUTORS",
    "register_executor",
    "resolve_executor",
    "make_executor",
]

# ("start", index, attempt) | ("row", row dict)
Event = tuple[Any, ...]
EventHandler = Callable[[Event], None]


@dataclass(frozen=True)
class Task:
    """One theorem of the run and the attempts of it still to run.

    Attributes:
        index: The theorem's position in the dataset.
        theorem: The theorem (a :class:`lean_gym.types.Theorem`).
        attempts: The attempt numbers to run, in order.
    """

    index: int
    theorem: Any
    attempts: tuple[int, ...]


class WorkerSetupError(RuntimeError):
    """A worker could not build its backend, policy or search (the run cannot go on)."""


class Executor(Protocol):
    """Runs tasks on workers built from a spec, reporting events to ``handle``."""

    def run(self, tasks: Sequence[Task], handle: EventHandler) -> None: ...

    def close(self) -> None: ...


def _build_worker(spec: Any) -> Any:
    from agents.evaluate import EvalWorker

    return EvalWorker(spec)


class InlineExecutor:
    """Runs every task in this process, one after another."""

    def __init__(self, spec: Any, workers: int = 0):
        self.spec = spec
        self._worker: Any = None

    def run(self, tasks: Sequence[Task], handle: EventHandler) -> None:
        if self._worker is None:
            try:
                self._worker = _build_worker(self.spec)
            except Exception as exc:
                raise WorkerSetupError(f"{type(exc).__name__}: {exc}") from exc
        for task in tasks:
            self._worker.run_task(task, handle)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None


def _worker_main(conn: Connection, spec: Any) -> None:
    """A worker process: builds its worker, then runs the tasks the parent sends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        worker = _build_worker(spec)
    except Exception as exc:
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    try:
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                return  # the parent is gone
            if task is None:
                return
            worker.run_task(task, conn.send)
            conn.send(("done", task.index))
    except (BrokenPipeError, EOFError, OSError):
        return
    finally:
        worker.close()


def _context() -> Any:
    """``forkserver`` where there is one (a clean single-threaded server that has imported the
    worker's modules once, so workers start in milliseconds), else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["agents.evaluate", "agents.search", "lean_gym.backends"])
        return context
    return multiprocessing.get_context("spawn")


@dataclass
class _Slot:
    process: Any
    conn: Connection
    task: Task | None = None
    in_flight: int | None = None
    done_attempts: tuple[int, ...] = ()


class LocalExecutor:
    """``workers`` processes on this machine, each with its own backend and policy."""

    def __init__(self, spec: Any, workers: int = 1):
        if workers < 1:
            raise ValueError(f"the local executor needs workers >= 1, got {workers!r}")
        self.spec = spec
        self.workers = int(workers)
        self._context = _context()
        self._slots: list[_Slot] = []

    def worker_pids(self) -> list[int]:
        """The process ids of the running workers."""
        return [slot.process.pid for slot in self._slots if slot.process.pid is not None]

    def _start(self) -> _Slot:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main, args=(child, self.spec), name="lean-gym-eval", daemon=True
        )
        process.start()
        child.close()
        return _Slot(process, parent)

    def run(self, tasks: Sequence[Task], handle: EventHandler) -> None:
        queue: deque[Task] = deque(tasks)
        count = min(self.workers, len(queue))
        while len(self._slots) < count:
            self._slots.append(self._start())
        for slot in self._slots:
            self._give(slot, queue)
        while any(slot.task is not None for slot in self._slots):
            busy = [slot for slot in self._slots if slot.task is not None]
            waitables: list[Any] = [slot.conn for slot in busy]
            waitables += [slot.process.sentinel for slot in busy]
            ready = set(wait(waitables, timeout=1.0))
            for slot in busy:
                if slot.conn in ready or slot.conn.poll():
                    self._drain(slot, handle, queue)
                if slot.task is not None and not slot.process.is_alive():
                    self._drain(slot, handle, queue)
                    if slot.task is not None:
                        self._crashed(slot, handle, queue)

    def _give(self, slot: _Slot, queue: deque[Task]) -> None:
        if not queue:
            slot.task = None
            return
        task = queue.popleft()
        slot.task, slot.in_flight, slot.done_attempts = task, None, ()
        slot.conn.send(task)

    def _drain(self, slot: _Slot, handle: EventHandler, queue: deque[Task]) -> None:
        """Reads every message the worker has sent."""
        while slot.task is not None:
            try:
                if not slot.conn.poll():
                    return
                message = slot.conn.recv()
            except (EOFError, OSError):
                return
            kind = message[0]
            if kind == "fatal":
                raise WorkerSetupError(str(message[1]))
            if kind == "start":
                slot.in_flight = int(message[2])
                handle(message)
            elif kind == "row":
                slot.done_attempts += (int(message[1]["attempt"]),)
                slot.in_flight = None
                handle(message)
            elif kind == "done":
                self._give(slot, queue)

    def _crashed(self, slot: _Slot, handle: EventHandler, queue: deque[Task]) -> None:
        """The worker died holding a task: record the attempt it ran, requeue the rest."""
        from agents.evaluate import crash_row

        task = slot.task
        assert task is not None
        exit_code = slot.process.exitcode
        left = [a for a in task.attempts if a not in slot.done_attempts]
        if slot.in_flight is not None:
            handle(("row", crash_row(self.spec, task, slot.in_flight, exit_code)))
            left = [a for a in left if a != slot.in_flight]
        elif left:
            # It died before starting an attempt (while building its policy, say): that
            # attempt is the one lost.
            handle(("row", crash_row(self.spec, task, left[0], exit_code)))
            left = left[1:]
        if left:
            queue.appendleft(replace(task, attempts=tuple(left)))
        slot.conn.close()
        fresh = self._start()
        slot.process, slot.conn = fresh.process, fresh.conn
        slot.task = None
        self._give(slot, queue)

    def close(self) -> None:
        """Stops the workers (a running search is killed; what was written stays)."""
        for slot in self._slots:
            try:
                if slot.task is None:
                    slot.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for slot in self._slots:
            slot.process.join(timeout=0.5 if slot.task is None else 0.0)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(timeout=5)
            slot.conn.close()
        self._slots.clear()


EXECUTORS: dict[str, str | Callable[..., Executor]] = {
    "inline": "agents.executors:InlineExecutor",
    "local": "agents.executors:LocalExecutor",
    "ray": "agents.executors_ray:RayExecutor",
}


def register_executor(name: str, factory: str | Callable[..., Executor]) -> None:
    """Registers an executor: ``factory(spec, workers)`` or its ``"module:attr"``."""
    EXECUTORS[name] = factory


def resolve_executor(name: str) -> Callable[..., Executor]:
    """The factory registered as ``name`` (its module imported).

    Raises:
        ValueError: For an unknown name.
    """
    if name not in EXECUTORS:
        raise ValueError(f"unknown executor {name!r}; known: {', '.join(sorted(EXECUTORS))}")
    factory = EXECUTORS[name]
    if isinstance(factory, str):
        module_name, _, attr = factory.partition(":")
        factory = getattr(importlib.import_module(module_name), attr)
    return factory


def make_executor(name: str, spec: Any, workers: int) -> Executor:
    """Builds the executor ``name`` for ``workers`` workers of ``spec``.

    Raises:
        ValueError: For an unknown name.
    """
    return resolve_executor(name)(spec, workers)
