"""The ``ray`` executor: an eval's theorems on Ray actors, on one machine or a cluster.

``lean-gym eval --executor ray --workers N [--ray-address auto|HOST:PORT]`` (``pip install
'lean-gym[ray]'``). Each worker is a Ray actor (:class:`EvalActor`) that owns an
:class:`agents.evaluate.EvalWorker`: a backend (MiniLean, or a REPL pool on its node's Lean
project), a policy (typically ``openai:URL``, pointed at a vLLM or SGLang server on a GPU node)
and a search. The driver (the process that runs ``lean-gym eval``) keeps one (theorem, attempt)
in flight per actor and gives the next one to whichever actor answers first (``ray.wait``); an
actor that is still being placed or built gets nothing until it is ready. Every row goes to the
same callback as the local executor's, so the progress bar, ``results.jsonl``, the trees and the
summary are written by the driver, in the same order-independent format. Trees come back with
their row: actors on other nodes do not share the driver's disk.

Faults. The actors are created with ``max_restarts=0`` and ``max_task_retries=0``: Ray's own
retries would run the attempt again on the *same* restarted actor and keep the death from the
run's accounting, so the driver does it instead. An actor that dies (its process killed, its
node lost) is replaced by a fresh one, and the attempt it held goes back to the front of the
queue for the next free actor, up to ``retries`` times; after that it is written as a
``worker_crash`` row that says how many workers it took down. A row is written only when an
actor returns it, and an attempt is dispatched again only after its previous dispatch failed,
so every (theorem, attempt) of the run ends as exactly one row. An actor whose constructor
fails (no Lean project on its node, a policy that cannot load) stops the run with
:class:`~agents.executors.WorkerSetupError`, as a local worker's would. Ctrl-C (or any error)
kills the actors; what was written stays and a rerun of the same command resumes.

Without ``--ray-address`` the executor starts a Ray instance on this machine (no dashboard,
every Ray process listening on 127.0.0.1 only) and stops it at the end; with one it connects to
that cluster (``auto``: the cluster this node belongs to, ``HOST:PORT``: its head node's GCS
address, ``ray://HOST:10001``: a Ray client connection) and leaves the cluster running.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.evaluate import EvalWorker, WorkerSpec, crash_row
from agents.executors import EventHandler, Task, WorkerSetupError

__all__ = [
    "RAY_INSTALL_HINT",
    "DEFAULT_RETRIES",
    "EvalActor",
    "RayExecutor",
    "import_ray",
    "connect_ray",
]

RAY_INSTALL_HINT = "the ray executor needs Ray: pip install 'lean-gym[ray]'"
# Times an attempt whose actor died is dispatched again (on another actor) before it is
# written as a worker_crash row.
DEFAULT_RETRIES = 2
# Seconds the run waits with no actor ready (none placed, all dead) before it gives up.
DEFAULT_START_TIMEOUT = 300.0
# The object store of a local instance: rows and trees are small, and /dev/shm is shared.
LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024
# Ray's switch for a node address on the loopback interface (its name is historical: it also
# applies on Linux); read when ray is first imported.
_LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def import_ray() -> Any:
    """``import ray``, or an :class:`ImportError` with the install hint."""
    try:
        import ray
    except ImportError as exc:
        raise ImportError(f"{RAY_INSTALL_HINT} ({exc})") from exc
    return ray


def connect_ray(address: str | None = None, *, num_cpus: int | None = None) -> bool:
    """Connects this process to Ray unless it already is.

    Args:
        address: ``auto``, ``HOST:PORT`` or ``ray://HOST:PORT`` of a running cluster; None or
            empty: start a local instance (no dashboard, loopback only).
        num_cpus: The CPUs a local instance offers (default: this machine's).

    Returns:
        True when this call connected (the caller then calls ``ray.shutdown()`` when done),
        False when Ray was already initialised by the caller.

    Raises:
        ImportError: Ray is not installed (with the install hint).
        WorkerSetupError: The cluster could not be reached or the instance not started.
    """
    if not address and "ray" not in sys.modules:
        os.environ.setdefault(_LOOPBACK_ENV, "0")
    ray = import_ray()
    if ray.is_initialized():
        return False
    try:
        if address:
            ray.init(address=address, namespace="lean-gym")
        else:
            ray.init(
                address="local",
                num_cpus=num_cpus or os.cpu_count() or 1,
                include_dashboard=False,
                object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                namespace="lean-gym",
                logging_level=logging.WARNING,
            )
    except (ConnectionError, RuntimeError, ValueError, OSError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise WorkerSetupError(f"cannot connect to {where}: {_first_line(exc)}") from None
    return True


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _cause(error: BaseException) -> str:
    """The last line of a Ray error's text (the exception a constructor or method raised)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


class _RowTreeWorker(EvalWorker):
    """An :class:`EvalWorker` that keeps each search tree for its row instead of writing it:
    the driver writes it, on its own disk."""

    tree: dict[str, Any] | None = None

    def _write_tree(self, index: int, attempt: int, result: Any) -> str:
        from agents.search.base import tree_to_record

        self.tree = tree_to_record(result.tree)
        return f"trees/{index}-{attempt}.jsonl"


class EvalActor:
    """A Ray actor's body: one backend, policy and search; runs one attempt per call.

    Args:
        spec: What to build (the eval's arguments).
    """

    def __init__(self, spec: WorkerSpec):
        self.worker = _RowTreeWorker(spec)

    def describe(self) -> dict[str, Any]:
        """Where this actor runs: ``{"pid", "node", "host"}``."""
        import socket

        import ray

        return {
            "pid": os.getpid(),
            "node": ray.get_runtime_context().get_node_id(),
            "host": socket.gethostname(),
        }

    def run_attempt(self, task: Task, attempt: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """One search and its verification: the results row and the tree record (or None)."""
        self.worker.tree = None
        row = self.worker.run_attempt(task, attempt)
        tree, self.worker.tree = self.worker.tree, None
        return row, tree

    def close(self) -> None:
        self.worker.close()


@dataclass
class _Actor:
    handle: Any
    ready: Any  # the ObjectRef of describe() until the actor answered it
    info: dict[str, Any] | None = None
    unit: tuple[Task, int] | None = None  # the (task, attempt) in flight
    ref: Any = None


class RayExecutor:
    """``workers`` Ray actors, each with its own backend and policy.

    Args:
        spec: What each actor builds.
        workers: Actors (each asks Ray for ``num_cpus`` CPUs).
        address: The cluster (``auto``, ``HOST:PORT``, ``ray://HOST:PORT``); None: the eval's
            ``ray_address``; empty: a local instance.
        retries: Times an attempt whose actor died runs again on another actor; None: the
            eval's ``ray_retries``.
        num_cpus: CPUs per actor (Ray's resource request; the backend's Lean runs there).
        start_timeout: Seconds with no actor ready before the run gives up.
    """

    def __init__(
        self,
        spec: WorkerSpec,
        workers: int = 1,
        *,
        address: str | None = None,
        retries: int | None = None,
        num_cpus: float = 1.0,
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ):
        if workers < 1:
            raise ValueError(f"the ray executor needs workers >= 1, got {workers!r}")
        self.spec = spec
        self.workers = int(workers)
        self.address = spec.args.get("ray_address", "") if address is None else address
        retries = spec.args.get("ray_retries", DEFAULT_RETRIES) if retries is None else retries
        if retries < 0:
            raise ValueError(f"retries must be >= 0, got {retries!r}")
        self.retries = int(retries)
        self.num_cpus = float(num_cpus)
        self.start_timeout = float(start_timeout)
        self.deaths: dict[tuple[int, int], int] = {}
        self.actors_started = 0
        self._actors: list[_Actor] = []
        self._actor_class: Any = None
        self._ray: Any = None
        self._owns_connection = False
        self._connect()  # here, so that Ray's own messages come before the progress bar

    @staticmethod
    def check_args(args: Any) -> None:
        """Checks an eval's arguments for this executor before anything is written.

        Raises:
            ValueError: Ray is missing, or an argument does not fit.
        """
        try:
            import_ray()
        except ImportError as exc:
            raise ValueError(f"--executor ray: {exc}") from None
        if args.workers < 1:
            raise ValueError(
                "--executor ray needs --workers >= 1 (the number of actors; 0 runs in this "
                "process)"
            )
        if args.ray_retries < 0:
            raise ValueError(f"--ray-retries must be >= 0, got {args.ray_retries}")

    # -- actors ---------------------------------------------------------------------------------

    def _connect(self) -> None:
        if self._ray is not None:
            return
        self._owns_connection = connect_ray(self.address or None, num_cpus=self.workers)
        import ray

        self._ray = ray
        self._actor_class = ray.remote(EvalActor).options(
            num_cpus=self.num_cpus, max_restarts=0, max_task_retries=0
        )

    def _spawn(self) -> _Actor:
        handle = self._actor_class.remote(self.spec)
        self.actors_started += 1
        return _Actor(handle, handle.describe.remote())

    def worker_pids(self) -> list[int]:
        """The process ids of the ready actors (on their nodes)."""
        return [actor.info["pid"] for actor in self._actors if actor.info is not None]

    def pid_running(self, index: int) -> int | None:
        """The process id of the ready actor that holds theorem ``index``, if one does."""
        for actor in self._actors:
            if actor.unit is not None and actor.unit[0].index == index and actor.info:
                return int(actor.info["pid"])
        return None

    def _kill(self, actor: _Actor) -> None:
        with contextlib.suppress(Exception):
            self._ray.kill(actor.handle, no_restart=True)

    def _replace(self, actor: _Actor) -> None:
        self._kill(actor)
        fresh = self._spawn()
        actor.handle, actor.ready, actor.info = fresh.handle, fresh.ready, None
        actor.unit = actor.ref = None

    # -- the run --------------------------------------------------------------------------------

    def run(self, tasks: Sequence[Task], handle: EventHandler) -> None:
        """Runs every attempt of ``tasks`` on the actors, reporting events to ``handle``.

        Raises:
            WorkerSetupError: Ray could not be reached, an actor's constructor failed, or no
                actor became ready within ``start_timeout`` seconds.
        """
        queue: deque[tuple[Task, int]] = deque(
            (task, attempt) for task in tasks for attempt in task.attempts
        )
        if not queue:
            return
        self._connect()  # again after close()
        ray = self._ray
        while len(self._actors) < min(self.workers, len(queue)):
            self._actors.append(self._spawn())
        idle_since = time.monotonic()
        while queue or any(actor.unit is not None for actor in self._actors):
            for actor in self._actors:
                if actor.info is not None and actor.unit is None and queue:
                    self._dispatch(actor, queue.popleft(), handle)
            waiting = {actor.ref: actor for actor in self._actors if actor.unit is not None}
            waiting.update({actor.ready: actor for actor in self._actors if actor.info is None})
            refs = list(waiting)
            done, rest = ray.wait(refs, num_returns=1, timeout=1.0)
            if done and rest:
                more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
                done += more
            for ref in done:
                actor = waiting[ref]
                if actor.ready is not None and ref == actor.ready:
                    self._on_ready(actor)
                else:
                    self._on_result(actor, handle, queue)
            if any(actor.info is not None for actor in self._actors):
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > self.start_timeout:
                raise WorkerSetupError(
                    f"no Ray worker became ready within {self.start_timeout:g} s (cluster "
                    f"resources: {ray.available_resources()}; each worker asks for "
                    f"{self.num_cpus:g} CPU)"
                )

    def _dispatch(self, actor: _Actor, unit: tuple[Task, int], handle: EventHandler) -> None:
        task, attempt = unit
        actor.unit = unit
        actor.ref = actor.handle.run_attempt.remote(task, attempt)
        handle(("start", task.index, attempt))

    def _on_ready(self, actor: _Actor) -> None:
        ray = self._ray
        try:
            actor.info = ray.get(actor.ready)
        except ray.exceptions.RayActorError as exc:
            if exc.actor_init_failed:
                raise WorkerSetupError(_cause(exc)) from None
            self._replace(actor)  # lost before it was ready (its node died): start another
            return
        actor.ready = None

    def _on_result(
        self, actor: _Actor, handle: EventHandler, queue: deque[tuple[Task, int]]
    ) -> None:
        ray = self._ray
        unit, ref = actor.unit, actor.ref
        assert unit is not None
        actor.unit = actor.ref = None
        try:
            row, tree = ray.get(ref)
        except ray.exceptions.RayError as exc:
            if isinstance(exc, ray.exceptions.RayActorError) and exc.actor_init_failed:
                raise WorkerSetupError(_cause(exc)) from None
            self._lost(actor, unit, exc, handle, queue)
            return
        if tree is not None and row.get("tree"):
            _write_tree(Path(self.spec.out), row["tree"], tree)
        handle(("row", row))
        if not row["started"]:
            self._share_start_error(unit[0], row, handle, queue)

    def _share_start_error(
        self, task: Task, row: dict[str, Any], handle: EventHandler, queue: deque[tuple[Task, int]]
    ) -> None:
        """The queued attempts of a theorem that did not start get its row (as the local
        worker does): the same statement will not start now either."""
        for unit in [unit for unit in queue if unit[0].index == task.index]:
            queue.remove(unit)
            handle(("start", task.index, unit[1]))
            handle(("row", {**row, "attempt": unit[1]}))

    def _lost(
        self,
        actor: _Actor,
        unit: tuple[Task, int],
        error: BaseException,
        handle: EventHandler,
        queue: deque[tuple[Task, int]],
    ) -> None:
        """The actor died (or its call failed) holding ``unit``: replace it; run the attempt
        again on another actor, or write it as a crash once it has had its retries."""
        task, attempt = unit
        self._replace(actor)
        key = (task.index, attempt)
        self.deaths[key] = self.deaths.get(key, 0) + 1
        if self.deaths[key] <= self.retries:
            queue.appendleft(unit)
            return
        row = crash_row(self.spec, task, attempt, None)
        count = self.deaths[key]
        row["crash"] = (
            f"{count} Ray worker{'s' if count != 1 else ''} died running this attempt "
            f"({type(error).__name__}: {_first_line(error)})"
        )
        handle(("row", row))

    def close(self) -> None:
        """Stops the actors (a running search is killed; what was written stays) and, when
        this executor connected to Ray, disconnects (a local instance stops)."""
        if self._ray is None:
            return
        ray = self._ray
        idle = [actor for actor in self._actors if actor.info is not None and actor.unit is None]
        closing = [actor.handle.close.remote() for actor in idle]
        if closing:
            with contextlib.suppress(Exception):
                ray.wait(closing, num_returns=len(closing), timeout=5.0)
        for actor in self._actors:
            self._kill(actor)
        self._actors.clear()
        if self._owns_connection:
            with contextlib.suppress(Exception):
                ray.shutdown()
        self._ray = None
        self._owns_connection = False


def _write_tree(out: Path, relative: str, record: dict[str, Any]) -> None:
    path = out / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(temporary, path)

