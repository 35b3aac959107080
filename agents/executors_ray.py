"""The ``ray`` executor: an eval's theorems on Ray actors, on one machine or a cluster.

``lean-gym eval --executor ray --workers N [--ray-address auto|HOST:PORT]`` (``pip install
'lean-gym[ray]'``). Each worker is a Ray actor (:class:`EvalActor`) that owns an
:class:`agents.evaluate.EvalWorker`: a backend (MiniLean, or a REPL pool on its node's Lean
project), a policy (typically ``openai:URL``, pointed at a vLLM or SGLang server on a GPU node)
and a search. The driver (the process that runs ``lean-gym eval``) sends the queued
(theorem, attempt) pairs to whichever actor is free (``ray.wait``); an actor still being placed
or built gets nothing until it is ready. Two things keep Ray's per-call cost (a few
milliseconds of CPU, which matters when a MiniLean search takes ten) off the critical path:
one call is sent ahead to a busy actor, so that it starts its next search without waiting for
the driver's round trip, and short attempts travel in batches sized from the searches' measured
time (about a quarter of a second of work per call; a real Lean search of seconds goes alone).
Near the end of a run both stop: the last attempts go one by one to free actors. Every row goes
to the same callback as the local executor's, so the progress bar, ``results.jsonl``, the trees
and the summary are written by the driver, in the same order-independent format. Trees come
back with their row: actors on other nodes do not share the driver's disk.

Faults. The actors are created with ``max_restarts=0`` and ``max_task_retries=0``: Ray's own
retries would run the attempt again on the *same* restarted actor and keep the death from the
run's accounting, so the driver does it instead. An actor that dies (its process killed, its
node lost) is replaced by a fresh one. The attempt it was running goes back to the front of the
queue for the next free actor, up to ``retries`` times; after that it is written as a
``worker_crash`` row that says how many workers it took down. When the dead actor held more
than one attempt (a batch, a call sent ahead, or a finished call whose answer died with it),
they all go back to the queue to run alone, one call on a free actor with nothing sent ahead,
so that the one that kills its actor is found and charged, not its neighbours. A row is written only when an actor returns it, and an
attempt is dispatched again only after its previous dispatch failed, so every (theorem,
attempt) of the run ends as exactly one row. (An actor that died idle is noticed by its next
call, which is then charged: one of its retries.) An actor whose constructor fails (no Lean on
its node, a policy that cannot load) stops the run with
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
import os
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.evaluate import EvalWorker, WorkerSpec, crash_row
from agents.executors import EventHandler, Task, WorkerSetupError
from agents.ray_session import (
    RayConnectError,
    check_address,
    connect_ray,
    first_line,
    import_ray,
)

__all__ = ["DEFAULT_RETRIES", "EvalActor", "RayExecutor"]

# Times an attempt whose actor died is dispatched again (on another actor) before it is
# written as a worker_crash row.
DEFAULT_RETRIES = 2
# Seconds of search one call aims at when attempts are short (batches of up to MAX_BATCH).
BATCH_SECONDS = 0.25
MAX_BATCH = 32
# Seconds the run waits with no actor ready (none placed, all dead) before it gives up.
DEFAULT_START_TIMEOUT = 300.0


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

    def run_attempts(
        self, units: Sequence[tuple[Task, int]]
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Runs ``(task, attempt)`` pairs in order: for each, its results row and its tree
        record (or None)."""
        out = []
        for task, attempt in units:
            self.worker.tree = None
            row = self.worker.run_attempt(task, attempt)
            out.append((row, self.worker.tree))
            self.worker.tree = None
        return out

    def close(self) -> None:
        self.worker.close()


Unit = tuple[Task, int]  # one (theorem, attempt)


@dataclass
class _Actor:
    handle: Any
    ready: Any  # the ObjectRef of describe() until the actor answered it
    info: dict[str, Any] | None = None
    # The batches sent to it, oldest first, with their ObjectRefs: an actor runs its calls one
    # at a time in the order they were sent, so the oldest is the one running.
    inflight: deque[tuple[list[Unit], Any]] = field(default_factory=deque)


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
        pipeline: Calls sent ahead to a busy actor (0: none).
        batch_seconds: Seconds of search one call aims at (0: one attempt per call).
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
        pipeline: int = 1,
        batch_seconds: float = BATCH_SECONDS,
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ):
        if workers < 1:
            raise ValueError(f"the ray executor needs workers >= 1, got {workers!r}")
        if pipeline < 0 or batch_seconds < 0:
            raise ValueError("pipeline and batch_seconds must be >= 0")
        self.spec = spec
        self.workers = int(workers)
        self.address = spec.args.get("ray_address", "") if address is None else address
        retries = spec.args.get("ray_retries", DEFAULT_RETRIES) if retries is None else retries
        if retries < 0:
            raise ValueError(f"retries must be >= 0, got {retries!r}")
        self.retries = int(retries)
        self.num_cpus = float(num_cpus)
        self.pipeline = int(pipeline)
        self.batch_seconds = float(batch_seconds)
        self.start_timeout = float(start_timeout)
        self.deaths: dict[tuple[int, int], int] = {}
        self.actors_started = 0
        self._alone: set[tuple[int, int]] = set()  # attempts of a batch whose actor died
        self._mean_seconds: float | None = None  # a running mean of the searches' time
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
                "--executor ray needs --workers >= 1 (the number of actors; 0 runs in this process)"
            )
        if args.ray_retries < 0:
            raise ValueError(f"--ray-retries must be >= 0, got {args.ray_retries}")
        if args.ray_address:
            try:
                check_address(args.ray_address)
            except ValueError as exc:
                raise ValueError(f"--ray-address: {exc}") from None

    # -- actors ---------------------------------------------------------------------------------

    def _connect(self) -> None:
        if self._ray is not None:
            return
        try:
            self._owns_connection = connect_ray(self.address or None, num_cpus=self.workers)
        except RayConnectError as exc:
            raise WorkerSetupError(str(exc)) from None
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

    def _kill(self, actor: _Actor) -> None:
        with contextlib.suppress(Exception):
            self._ray.kill(actor.handle, no_restart=True)

    def _replace(self, actor: _Actor) -> None:
        self._kill(actor)
        fresh = self._spawn()
        actor.handle, actor.ready, actor.info = fresh.handle, fresh.ready, None
        actor.inflight.clear()

    # -- the run --------------------------------------------------------------------------------

    def run(self, tasks: Sequence[Task], handle: EventHandler) -> None:
        """Runs every attempt of ``tasks`` on the actors, reporting events to ``handle``.

        Raises:
            WorkerSetupError: Ray could not be reached, an actor's constructor failed, or no
                actor became ready within ``start_timeout`` seconds.
        """
        queue: deque[Unit] = deque((task, attempt) for task in tasks for attempt in task.attempts)
        if not queue:
            return
        self._connect()  # again after close()
        ray = self._ray
        while len(self._actors) < min(self.workers, len(queue)):
            self._actors.append(self._spawn())
        idle_since = time.monotonic()
        while queue or any(actor.inflight for actor in self._actors):
            self._dispatch_all(queue, handle)
            waiting = {actor.inflight[0][1]: actor for actor in self._actors if actor.inflight}
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
                    self._on_results(actor, handle, queue)
            if any(actor.info is not None for actor in self._actors):
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > self.start_timeout:
                raise WorkerSetupError(
                    f"no Ray worker became ready within {self.start_timeout:g} s (cluster "
                    f"resources: {ray.available_resources()}; each worker asks for "
                    f"{self.num_cpus:g} CPU)"
                )

    def _batch_size(self, queued: int) -> int:
        """Attempts for the next call: enough for ``batch_seconds`` of search at the measured
        mean, while the queue holds at least two such calls per actor."""
        if not self.batch_seconds or not self._mean_seconds:
            return 1
        wanted = int(self.batch_seconds / max(self._mean_seconds, 1e-6))
        return max(1, min(wanted, MAX_BATCH, queued // (2 * len(self._actors))))

    def _take(self, queue: deque[Unit]) -> list[Unit]:
        size = self._batch_size(len(queue))
        batch = [queue.popleft()]
        while len(batch) < size and queue and not self._suspect(batch[0]):
            if self._suspect(queue[0]):
                break
            batch.append(queue.popleft())
        return batch

    def _dispatch_all(self, queue: deque[Unit], handle: EventHandler) -> None:
        ready = [actor for actor in self._actors if actor.info is not None]
        for actor in ready:  # free actors first
            if queue and not actor.inflight:
                self._dispatch(actor, self._take(queue), handle)
        for actor in ready:  # then one call ahead, while there is more than one per actor left
            while (
                len(queue) > len(self._actors)
                and len(actor.inflight) <= self.pipeline
                and not self._suspect(queue[0])
                and not any(self._suspect(unit) for sent, _ in actor.inflight for unit in sent)
            ):
                self._dispatch(actor, self._take(queue), handle)

    def _suspect(self, unit: Unit) -> bool:
        """A unit that was in flight on an actor that died: it runs alone on a free actor,
        with nothing sent ahead, so that a death is charged to the one that caused it."""
        return (unit[0].index, unit[1]) in self._alone

    def _dispatch(self, actor: _Actor, batch: list[Unit], handle: EventHandler) -> None:
        actor.inflight.append((batch, actor.handle.run_attempts.remote(batch)))
        for task, attempt in batch:
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

    def _on_results(self, actor: _Actor, handle: EventHandler, queue: deque[Unit]) -> None:
        """Takes every finished call of ``actor``, oldest first."""
        ray = self._ray
        while actor.inflight:
            batch, ref = actor.inflight[0]
            finished, _ = ray.wait([ref], num_returns=1, timeout=0)
            if not finished:
                return
            actor.inflight.popleft()
            try:
                results = ray.get(ref)
            except ray.exceptions.RayError as exc:
                if isinstance(exc, ray.exceptions.RayActorError) and exc.actor_init_failed:
                    raise WorkerSetupError(_cause(exc)) from None
                self._lost(actor, batch, exc, handle, queue)
                return
            for (task, _), (row, tree) in zip(batch, results, strict=True):
                self._alone.discard((task.index, int(row["attempt"])))
                if tree is not None and row.get("tree"):
                    _write_tree(Path(self.spec.out), row["tree"], tree)
                handle(("row", row))
                seconds = float(row["time"]["total"])
                mean = self._mean_seconds
                self._mean_seconds = seconds if mean is None else 0.9 * mean + 0.1 * seconds
                if not row["started"]:
                    self._share_start_error(task, row, handle, queue)

    def _share_start_error(
        self, task: Task, row: dict[str, Any], handle: EventHandler, queue: deque[Unit]
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
        batch: list[Unit],
        error: BaseException,
        handle: EventHandler,
        queue: deque[Unit],
    ) -> None:
        """The actor died (or its call failed) with ``batch`` and the calls after it in
        flight: replace it. When it held one attempt only, that attempt caused it: it runs
        again on another actor, or is written as a crash once it has had its retries. When it
        held more (a batch, a call sent ahead, or a finished call whose answer died with it),
        the culprit is unknown: they all go back to the front of the queue to run alone."""
        held = [*batch, *(unit for sent, _ in actor.inflight for unit in sent)]
        self._replace(actor)
        if len(held) > 1:
            self._alone.update((task.index, attempt) for task, attempt in held)
            queue.extendleft(reversed(held))
            return
        task, attempt = held[0]
        key = (task.index, attempt)
        self._alone.add(key)
        self.deaths[key] = self.deaths.get(key, 0) + 1
        if self.deaths[key] <= self.retries:
            queue.appendleft(held[0])
            return
        self._alone.discard(key)
        row = crash_row(self.spec, task, attempt, None)
        count = self.deaths[key]
        row["crash"] = (
            f"{count} Ray worker{'s' if count != 1 else ''} died running this attempt "
            f"({type(error).__name__}: {first_line(error)})"
        )
        handle(("row", row))

    def close(self) -> None:
        """Stops the actors (a running search is killed; what was written stays) and, when
        this executor connected to Ray, disconnects (a local instance stops)."""
        if self._ray is None:
            return
        ray = self._ray
        idle = [actor for actor in self._actors if actor.info is not None and not actor.inflight]
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
