"""Client for the leanprover-community/repl JSON protocol: process pool, timeouts, replay.

``ReplBackend`` talks to ``lake exe repl`` (or any program speaking the same protocol, such as
MiniLean's server ``python -m lean_gym.backends.minilean``) over pipes. What upstream lacks, the
client provides (DESIGN.md section 4):

- **Timeouts.** Every request has a deadline. A request that misses it kills the process group
  and the call returns ``LeanError(kind="timeout")``; the replacement process starts lazily on
  the next call, so a timed-out call never also pays a Mathlib import.
- **Restart and replay.** A :class:`ReplHandle` names the process generation that holds a proof
  state. When that process has died, was killed after a timeout, was recycled, or answers
  "Unknown proof state.", the state is rebuilt on a live process by starting its theorem and
  replaying ``ProofState.tactics``. Callers see ``LeanError(kind="crash")`` only when the replay
  itself fails. Rebuilt states are cached (keyed by theorem and tactic path), so a search that
  keeps expanding an old node replays it once.
- **One process per header.** A process runs its theorem header (the imports) once, as its first
  command, and every later command of that header runs on the header's env. The pool holds at
  most ``pool_size`` processes; a new header evicts the least recently used idle process.
- **One tactic per request.** The REPL parses a tactic request as exactly one tactic
  (``REPL/Snapshots.lean`` ``runString``), so an action of several top-level tactics
  (``norm_num; linarith``, two lines) is sent as those tactics in turn, and replay splits each
  entry of a tactic path the same way (:mod:`lean_gym.backends.tactic_calls`).
- **Recycling and memory.** A process is replaced after ``max_uses`` requests; its address space
  is capped with RLIMIT_AS (:data:`DEFAULT_MEMORY_LIMIT_MB`: ``import Mathlib`` needs at least
  9 GB of address space, kimina-lean-server#68). With ``supports_discard`` (MiniLean's
  extension, not in upstream) proof states are freed when the last ``ProofState`` holding their
  handle is garbage collected. Never turn it on for the real REPL: it does not know the request,
  fails to parse it (``REPL/Main.lean`` ``parse`` throws) and exits; if a server dies on a
  discard or refuses one, the client turns discarding off and says so in the log.
- **A REPL built elsewhere.** ``repl_binary=PATH`` (or ``$LEAN_GYM_REPL``) runs
  ``lake env PATH`` in the project, the REPL README's way to use a REPL built outside the
  project (kimina-lean-server does this); the binary's ``lean-toolchain`` must name the
  project's Lean version.
- **A failing header is remembered.** A header that Lean rejects (an unknown import) fails the
  same way every time, so it is not retried on a new process for every theorem.

**The empty header.** The REPL starts a fresh environment for a command without ``env``; a
command with ``env`` runs on top of that env. Running each body on the env of the *previous*
body would make declarations leak between theorems (kimina-lean-server's blank-header issue: the
second ``theorem foo`` fails with "already declared"). Here every process always runs a header
command first, and for an empty header that command is a comment
(:data:`EMPTY_HEADER_COMMAND`): it declares nothing, yields a base env with just the prelude,
and every body then runs on that base env, never on another body's env. This keeps the one-
import-per-process economy (a fresh env per command would re-import the prelude every time) and
is the same code path as a real header.

**Threads.** A backend instance is meant to be driven by one thread. Each process has its own
lock and the pool has one, so several threads sharing one instance are safe and requests that go
to different processes run concurrently (a process being spawned holds the pool lock while its
header runs, which serialises spawns); ``stats`` counters are not synchronised.
"""

from __future__ import annotations

import collections
import itertools
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lean_gym.backends.base import DEFAULT_TACTIC_TIMEOUT, DEFAULT_VERIFY_TIMEOUT, BackendBase
from lean_gym.backends.lake import find_lake_project
from lean_gym.backends.repl_answers import (
    bare_error,
    first_error,
    is_unknown_proof_state,
    messages_of,
    parse_axioms,
    sorries_of,
    tactic_result,
)
from lean_gym.backends.repl_process import ReplProcess
from lean_gym.backends.tactic_calls import run_action, tactic_calls
from lean_gym.errors import (
    BackendError,
    LeanNotFoundError,
    ReplDied,
    ReplHeaderError,
    ReplTimeout,
    TheoremStartError,
)
from lean_gym.types import (
    CheckOutput,
    Goal,
    LeanError,
    Message,
    ProofState,
    TacticResult,
    Theorem,
)

__all__ = [
    "ReplBackend",
    "ReplHandle",
    "minilean_subprocess_backend",
    "EMPTY_HEADER_COMMAND",
    "DEFAULT_STARTUP_TIMEOUT",
    "DEFAULT_MEMORY_LIMIT_MB",
    "REPL_BINARY_ENV_VAR",
    "print_axioms_command",
]

logger = logging.getLogger(__name__)

DEFAULT_STARTUP_TIMEOUT = 600.0
# RLIMIT_AS per REPL process. ``import Mathlib`` needs at least 9 GB of address space on current
# Mathlib (kimina-lean-server#68; kimina's .env.template moved from 8G to 12G); 16 GiB leaves
# room for Mathlib's growth and for long searches in one process.
DEFAULT_MEMORY_LIMIT_MB = 16384
REPL_BINARY_ENV_VAR = "LEAN_GYM_REPL"
EMPTY_HEADER_COMMAND = "-- lean_gym: base environment (empty header)"
_REPL_BINARIES = (
    Path(".lake/build/bin/repl"),
    Path(".lake/packages/repl/.lake/build/bin/repl"),
    Path(".lake/packages/REPL/.lake/build/bin/repl"),
)
_tokens = itertools.count(1)
_T = TypeVar("_T")


@dataclass(frozen=True, eq=False)
class ReplHandle:
    """Where a proof state lives: a backend instance, a process generation, a REPL id.

    Identity-compared on purpose: the handle object's lifetime is the lifetime of the REPL state
    (with ``supports_discard`` the id is freed when the last handle reference goes away).
    """

    token: int
    generation: int
    proof_state: int


def _queue_discard(queue: collections.deque[tuple[int, int]], generation: int, ps: int) -> None:
    # Runs from the garbage collector, possibly in any thread: deque.append is atomic.
    queue.append((generation, ps))


def _replay_failed(why: str) -> LeanError:
    return LeanError("crash", f"the proof state could not be rebuilt by replay: {why}")


def _errors_text(messages: tuple[Message, ...]) -> str:
    return "\n".join(m.data for m in messages if m.severity == "error")


def print_axioms_command(theorem: Theorem) -> str:
    """``#print axioms _root_.NAME``: the root-namespace name, so that an ``open`` in the header
    (``open Nat``) cannot make the name resolve to several constants, each with its own answer
    (``Lean/Elab/Print.lean``: ``realizeGlobalConstWithInfos`` then one ``printAxiomsOf`` per
    constant)."""
    return f"#print axioms _root_.{theorem.name}"


def _toolchain(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _lake_command(
    project: str | Path | None, repl_binary: str | Path | None = None
) -> tuple[list[str], Path]:
    """``lake exe repl`` (or ``lake env REPL_BINARY``) in ``project``, after checking that it
    can work.

    Raises:
        LeanNotFoundError: Naming exactly what is missing.
    """
    path = find_lake_project(project, "the Lean REPL")
    if repl_binary is None:
        repl_binary = os.environ.get(REPL_BINARY_ENV_VAR) or None
    if repl_binary is not None:
        binary = Path(repl_binary).expanduser().absolute()
        if not binary.is_file() or not os.access(binary, os.X_OK):
            raise LeanNotFoundError(
                f"The REPL binary {str(binary)!r} (repl_binary / {REPL_BINARY_ENV_VAR}) does not "
                "exist or is not executable; build it with `lake build` in the REPL's checkout."
            )
        # .../repl/.lake/build/bin/repl: the checkout's lean-toolchain is 4 levels up.
        theirs = (
            _toolchain(binary.parents[3] / "lean-toolchain") if len(binary.parents) > 3 else None
        )
        ours = _toolchain(path / "lean-toolchain")
        if theirs and ours and theirs != ours:
            raise LeanNotFoundError(
                f"The REPL binary {str(binary)!r} was built for {theirs} but the project "
                f"{str(path)!r} uses {ours}; a REPL can only load the .olean files of its own "
                "Lean version: check out the REPL tag of the project's version and rebuild it."
            )
        return ["lake", "env", str(binary)], path
    if not any((path / binary).is_file() for binary in _REPL_BINARIES):
        looked = ", ".join(str(b) for b in _REPL_BINARIES)
        raise LeanNotFoundError(
            f"The REPL is not built in {str(path)!r} (looked for {looked}); run `lake build repl` "
            f"there, or point repl_binary= ({REPL_BINARY_ENV_VAR}) at a REPL built elsewhere "
            "(it runs as `lake env PATH`)."
        )
    return ["lake", "exe", "repl"], path


class ReplBackend(BackendBase):
    """The Lean REPL (or any server of its protocol) as a :class:`ProverBackend`.

    Args:
        project: A Lake project whose lakefile requires leanprover-community/repl; the REPL runs
            as ``lake exe repl`` there. Defaults to ``$LEAN_GYM_PROJECT``. Ignored with ``command``.
        command: The server command line, overriding ``lake exe repl`` (for example
            ``[sys.executable, "-m", "lean_gym.backends.minilean"]``). Runs in ``project`` if given.
        pool_size: How many server processes may run at once, in total. Each is bound to one
            header, so ``import Mathlib`` is paid once per process.
        tactic_timeout: Default seconds for ``start`` and ``run_tactic``.
        verify_timeout: Default seconds for ``check_declaration`` (both of its commands).
        startup_timeout: Seconds for a new process to start and run its header (a Mathlib import
            takes minutes on a cold cache).
        memory_limit_mb: RLIMIT_AS for each server process, in MiB; None for no cap. The default
            (:data:`DEFAULT_MEMORY_LIMIT_MB`, 16 GiB) fits ``import Mathlib``, which needs at
            least 9 GB of address space (kimina-lean-server#68); 8 GiB kills it.
        max_uses: Requests after which a process is replaced (upstream never frees anything).
        supports_discard: Send ``{"discard": [ids]}`` for proof states nobody holds any more
            (MiniLean's extension). Off by default: the upstream REPL cannot parse the request
            and exits (``REPL/Main.lean`` ``parse``); the client turns it off, with a warning,
            when a server dies on a discard or refuses one.
        env: Extra environment variables for the server, on top of this process's environment.
        discard_batch: How many freed ids to collect before one ``discard`` request is sent.
        replay_cache_size: How many rebuilt states to remember (by theorem and tactic path).
        spin_seconds: How long to poll the pipe for an answer before sleeping on it (0: never
            poll). Worth it only for a server that answers in microseconds (MiniLean); each
            request costs at most this much CPU.
        repl_binary: A REPL built outside the project, run as ``lake env REPL_BINARY`` in it (the
            REPL README's "Using the REPL from another project"). Defaults to
            ``$LEAN_GYM_REPL``; ignored with ``command``.

    Raises:
        LeanNotFoundError: If ``command`` is None and there is no usable Lake project with a
            built REPL and ``lake`` on PATH.
    """

    name = "repl"

    def __init__(
        self,
        *,
        project: str | Path | None = None,
        command: Sequence[str] | None = None,
        pool_size: int = 1,
        tactic_timeout: float = DEFAULT_TACTIC_TIMEOUT,
        verify_timeout: float = DEFAULT_VERIFY_TIMEOUT,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
        max_uses: int = 1000,
        supports_discard: bool = False,
        env: dict[str, str] | None = None,
        discard_batch: int = 32,
        replay_cache_size: int = 1024,
        spin_seconds: float = 0.0,
        repl_binary: str | Path | None = None,
    ):
        self._closed = True  # until construction succeeds; close() and __del__ check it
        super().__init__(tactic_timeout=tactic_timeout, verify_timeout=verify_timeout)
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        if max_uses < 1:
            raise ValueError("max_uses must be at least 1")
        if command is None:
            self._command, cwd = _lake_command(project, repl_binary)
            self._cwd: Path | None = cwd
        else:
            if not command:
                raise ValueError("command must not be empty")
            self._command = list(command)
            self._cwd = Path(project).expanduser() if project is not None else None
        self.pool_size = pool_size
        self.startup_timeout = startup_timeout
        self.memory_limit_mb = memory_limit_mb
        self.max_uses = max_uses
        self.spin_seconds = spin_seconds
        self.supports_discard = supports_discard
        self.discard_batch = max(1, discard_batch)
        self._env = {**os.environ, **env} if env else None
        self._token = next(_tokens)
        self._generations = itertools.count(1)
        self._processes: dict[int, ReplProcess] = {}
        self._pool_lock = threading.RLock()
        self._replay_cache: collections.OrderedDict[tuple[Theorem, tuple[str, ...]], ReplHandle] = (
            collections.OrderedDict()
        )
        self._replay_cache_size = replay_cache_size
        self._freed: collections.deque[tuple[int, int]] = collections.deque()
        self._discard_pending: dict[int, list[int]] = {}
        self._failed_headers: dict[str, LeanError] = {}
        self._closed = False

    # -- public API ----------------------------------------------------------------------------

    def start(self, theorem: Theorem, timeout: float | None = None) -> ProofState:
        """Returns the root state of ``theorem`` (``theorem NAME STATEMENT := by sorry``).

        Raises:
            TheoremStartError: If the header or the statement fails, times out, or Lean dies
                twice in a row on it.
        """
        self._check_open()
        timeout = self.tactic_timeout if timeout is None else timeout
        for attempt in range(2):
            try:
                proc = self._acquire(theorem.header)
            except ReplHeaderError as failure:
                raise TheoremStartError(theorem, failure.error) from None
            try:
                root = self._start_on(proc, theorem, timeout)
            except ReplTimeout:
                raise TheoremStartError(
                    theorem, LeanError("timeout", self._timeout_text("the statement", timeout))
                ) from None
            except ReplDied as died:
                if attempt == 0:
                    continue
                raise TheoremStartError(theorem, LeanError("crash", str(died))) from None
            finally:
                proc.lock.release()
            if isinstance(root, LeanError):
                raise TheoremStartError(theorem, root)
            handle, goal = root
            return ProofState(theorem=theorem, goals=(goal,), tactics=(), handle=handle)
        raise AssertionError("unreachable")  # pragma: no cover

    def run_tactic(
        self, state: ProofState, tactic: str, timeout: float | None = None
    ) -> TacticResult:
        """Runs ``tactic`` on ``state``; rebuilds the state by replay when its process is gone.

        An action of several top-level tactics is sent as those tactics in turn, one request
        each (:func:`lean_gym.backends.tactic_calls.run_action`); ``timeout`` is for the whole.
        """
        self._check_open()
        timeout = self.tactic_timeout if timeout is None else timeout
        return run_action(self._run_one, state, tactic, timeout)

    def _run_one(self, state: ProofState, tactic: str, timeout: float) -> TacticResult:
        """One tactic request on ``state`` (replaying the state first if its process is gone)."""
        self.stats.tactic_calls += 1
        force_replay = False
        for attempt in range(2):
            located = self._locate(state, timeout, force_replay=force_replay)
            if isinstance(located, LeanError):
                return located
            proc, ps_id, replayed = located
            try:
                response = self._request(proc, {"tactic": tactic, "proofState": ps_id}, timeout)
            except ReplTimeout:
                return LeanError(
                    "timeout", self._timeout_text("the tactic", timeout, restarted=True)
                )
            except ReplDied as died:
                if attempt == 0:
                    continue  # the process is gone; the next round replays on a new one
                return LeanError("crash", f"the Lean process died running the tactic: {died}")
            finally:
                proc.lock.release()
            if is_unknown_proof_state(response):
                self._forget(state)
                if attempt == 0 and not replayed:
                    force_replay = True
                    continue
                return LeanError(
                    "crash", f"the REPL lost proof state {ps_id} right after rebuilding it"
                )
            new_id = response.get("proofState")
            handle = self._new_handle(proc, new_id) if isinstance(new_id, int) else None
            # A failed step's id (the REPL makes one even for errors) is freed when `handle`
            # is collected, which is right away since no state refers to it.
            return tactic_result(state, tactic, response, handle)
        raise AssertionError("unreachable")  # pragma: no cover

    def check_declaration(
        self, theorem: Theorem, text: str, timeout: float | None = None
    ) -> CheckOutput:
        """Runs ``text`` on the header's env, then ``#print axioms NAME`` on the result.

        ``#print axioms`` is skipped (``axioms=None``) when the declaration has an error: it
        may not exist then. Judging the output is integrity.py's job.
        """
        timeout = self.verify_timeout if timeout is None else timeout

        def check(proc: ReplProcess, deadline: float) -> CheckOutput:
            first = self._request(
                proc, {"cmd": text, "env": proc.header_env}, max(0.0, deadline - time.monotonic())
            )
            err = bare_error(first)
            if err is not None:
                return CheckOutput(error=err)
            messages = messages_of(first)
            env_id = first.get("env")
            if first_error(messages) is not None or not isinstance(env_id, int):
                return CheckOutput(messages=messages, axioms=None)
            # A floor so that a check finishing right at its deadline still gets its axioms.
            second = self._request(
                proc,
                {"cmd": print_axioms_command(theorem), "env": env_id},
                max(min(timeout, 2.0), deadline - time.monotonic()),
            )
            axioms = None if bare_error(second) else parse_axioms(messages_of(second), theorem.name)
            return CheckOutput(messages=messages, axioms=axioms)

        outcome = self._on_header_process(theorem, timeout, "the check", check)
        return CheckOutput(error=outcome) if isinstance(outcome, LeanError) else outcome

    def all_tactics(
        self, theorem: Theorem, proof: str, timeout: float | None = None
    ) -> list[dict[str, Any]] | None:
        """The REPL's ``allTactics`` answer for ``theorem.declaration(proof)``.

        Each entry has the tactic's text, its position in the declaration and the goals before
        it: what turns a known proof into a trajectory in one command
        (:func:`lean_gym.data.trajectories.build_trajectory` uses it). None when the declaration
        has an error, the answer has no ``tactics``, or the call failed.
        """
        timeout = self.verify_timeout if timeout is None else timeout
        text = theorem.declaration(proof)

        def run(proc: ReplProcess, deadline: float) -> list[dict[str, Any]] | None:
            answer = self._request(
                proc,
                {"cmd": text, "env": proc.header_env, "allTactics": True},
                max(0.0, deadline - time.monotonic()),
            )
            if bare_error(answer) is not None or first_error(messages_of(answer)) is not None:
                return None
            tactics = answer.get("tactics")
            return (
                [t for t in tactics if isinstance(t, dict)] if isinstance(tactics, list) else None
            )

        outcome = self._on_header_process(theorem, timeout, "allTactics", run)
        return None if isinstance(outcome, LeanError) else outcome

    def _on_header_process(
        self,
        theorem: Theorem,
        timeout: float,
        what: str,
        work: Callable[[ReplProcess, float], _T],
    ) -> _T | LeanError:
        """Runs ``work(process, deadline)`` on a locked process of the theorem's header.

        A process that dies during the work is replaced and the work tried once more; a timeout
        or a second death comes back as a LeanError, as does a failing header.
        """
        self._check_open()
        deadline = time.monotonic() + timeout
        for attempt in range(2):
            try:
                proc = self._acquire(theorem.header)
            except ReplHeaderError as failure:
                return failure.error
            try:
                return work(proc, deadline)
            except ReplTimeout:
                return LeanError("timeout", self._timeout_text(what, timeout, True))
            except ReplDied as died:
                if attempt == 0:
                    continue
                return LeanError("crash", str(died))
            finally:
                proc.lock.release()
        raise AssertionError("unreachable")  # pragma: no cover

    def discard(self, state: ProofState) -> None:
        """Frees ``state``'s REPL id now (with ``supports_discard``; otherwise a no-op).

        Using ``state`` afterwards still works: the REPL answers "Unknown proof state." and the
        state is rebuilt by replay.
        """
        handle = state.handle
        if not self.supports_discard or self._closed or not isinstance(handle, ReplHandle):
            return
        if handle.token != self._token:
            return
        with self._pool_lock:
            proc = self._processes.get(handle.generation)
        if proc is None or not proc.alive():
            return
        finalizer = getattr(handle, "_finalizer", None)
        if finalizer is not None:
            finalizer.detach()  # freed now, not again when the handle is collected
        self._forget(state)
        with proc.lock:
            self._absorb_freed()
            ids = self._discard_pending.pop(proc.generation, [])
            ids.append(handle.proof_state)
            try:
                self._send_discard(proc, ids, self.tactic_timeout)
            except ReplTimeout:
                self._retire(proc, "timeout")  # a late answer would break the framing
            except ReplDied:
                self._retire(proc, "died")

    def close(self) -> None:
        """Kills every server process (idempotent)."""
        if getattr(self, "_closed", True):
            return
        self._closed = True
        with self._pool_lock:
            processes = list(self._processes.values())
            self._processes.clear()
            self._replay_cache.clear()
        for proc in processes:
            proc.kill()

    # -- introspection (tests, benchmarks, logging) --------------------------------------------

    def process_ids(self) -> list[int]:
        """The pids of the live server processes."""
        with self._pool_lock:
            return [p.pid for p in self._processes.values() if p.alive()]

    def process_for_state(self, state: ProofState) -> int | None:
        """The pid of the process holding ``state``'s handle, if it is alive."""
        handle = state.handle
        if not isinstance(handle, ReplHandle) or handle.token != self._token:
            return None
        with self._pool_lock:
            proc = self._processes.get(handle.generation)
        return proc.pid if proc is not None and proc.alive() else None

    # -- processes ---------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise BackendError("this ReplBackend is closed")

    def _timeout_text(self, what: str, timeout: float, restarted: bool = True) -> str:
        text = f"{what} did not finish within {timeout:g} s"
        return text + ("; the Lean process was killed and will be restarted" if restarted else "")

    def _retire(self, proc: ReplProcess, reason: str) -> None:
        """Removes ``proc`` from the pool and kills it. ``reason`` decides the counters."""
        with self._pool_lock:
            if self._processes.get(proc.generation) is proc:
                del self._processes[proc.generation]
            self._discard_pending.pop(proc.generation, None)
        if reason in ("timeout", "died", "recycled"):
            self.stats.restarts += 1
        logger.debug("retiring REPL process %d (%s)", proc.pid, reason)
        proc.kill()

    def _acquire(self, header: str) -> ReplProcess:
        """A live, locked process for ``header`` whose header env is ready.

        Raises:
            ReplHeaderError: If a new process could not run the header.
        """
        failed = self._failed_headers.get(header)
        if failed is not None:
            raise ReplHeaderError(failed)
        while True:
            wait_for: ReplProcess | None = None
            with self._pool_lock:
                for proc in list(self._processes.values()):
                    if not proc.alive():
                        self._retire(proc, "died")
                same = [p for p in self._processes.values() if p.header == header]
                for proc in sorted(same, key=lambda p: p.uses):
                    if proc.lock.acquire(blocking=False):
                        if proc.uses >= self.max_uses or not proc.alive():
                            self._retire(proc, "recycled" if proc.alive() else "died")
                            proc.lock.release()
                            continue
                        return proc
                if len(self._processes) < self.pool_size:
                    return self._spawn(header)
                for proc in sorted(self._processes.values(), key=lambda p: p.last_used):
                    if proc.lock.acquire(blocking=False):
                        self._retire(proc, "evicted")
                        proc.lock.release()
                        return self._spawn(header)
                # Everything is busy in other threads: wait for the least recently used one.
                wait_for = min(self._processes.values(), key=lambda p: p.last_used)
            with wait_for.lock:
                pass

    def _spawn(self, header: str) -> ReplProcess:
        """Starts a process for ``header`` (pool lock held), runs the header, returns it locked."""
        generation = next(self._generations)
        try:
            proc = ReplProcess(
                self._command,
                header=header,
                generation=generation,
                cwd=self._cwd,
                env=self._env,
                memory_limit_mb=self.memory_limit_mb,
                spin_seconds=self.spin_seconds,
            )
        except OSError as exc:
            raise LeanNotFoundError(
                f"Cannot run the REPL command {self._command!r}: {exc}"
            ) from exc
        proc.lock.acquire()
        self._processes[generation] = proc
        command = header if header.strip() else EMPTY_HEADER_COMMAND
        try:
            response = proc.request({"cmd": command}, self.startup_timeout)
            self.stats.commands += 1
        except ReplTimeout:
            self._fail_header(proc)
            raise ReplHeaderError(
                LeanError(
                    "timeout",
                    f"the header did not load within {self.startup_timeout:g} s "
                    "(startup_timeout); the Lean process was killed",
                )
            ) from None
        except ReplDied as died:
            self._fail_header(proc)
            raise ReplHeaderError(LeanError("crash", f"the header could not run: {died}")) from None
        err = bare_error(response)
        messages = messages_of(response)
        env_id = response.get("env")
        if err is None and first_error(messages) is not None:
            err = LeanError("error", f"the header failed: {_errors_text(messages)}")
        if err is None and not isinstance(env_id, int):
            err = LeanError("crash", f"the header command returned no env: {response!r:.200}")
        if err is not None:
            self._fail_header(proc)
            if err.kind in ("error", "parse"):
                # Lean rejected the header itself: it will again, on any process.
                self._failed_headers[header] = err
            raise ReplHeaderError(err)
        proc.header_env = env_id
        return proc

    def _fail_header(self, proc: ReplProcess) -> None:
        with self._pool_lock:
            self._processes.pop(proc.generation, None)
        proc.lock.release()
        proc.kill()

    def _request(self, proc: ReplProcess, obj: dict[str, Any], timeout: float) -> dict[str, Any]:
        """One request on a locked process; a timeout or death retires the process."""
        try:
            if self.supports_discard:
                self._flush_discards(proc, timeout)
            if "cmd" in obj:
                self.stats.commands += 1
            return proc.request(obj, timeout)
        except ReplTimeout:
            self.stats.timeouts += 1
            self._retire(proc, "timeout")
            raise
        except ReplDied:
            self._retire(proc, "died")
            raise

    # -- proof states --------------------------------------------------------------------------

    def _start_on(
        self, proc: ReplProcess, theorem: Theorem, timeout: float
    ) -> tuple[ReplHandle, Goal] | LeanError:
        """Runs ``theorem ... := by sorry`` on the header env of a locked process."""
        response = self._request(
            proc, {"cmd": f"{theorem.formal_statement} sorry", "env": proc.header_env}, timeout
        )
        err = bare_error(response)
        if err is not None:
            return err
        messages = messages_of(response)
        if first_error(messages) is not None:
            error = first_error(messages)
            return LeanError("error", _errors_text(messages), pos=error.pos if error else None)
        sorries = [s for s in sorries_of(response) if isinstance(s.get("proofState"), int)]
        if not sorries:
            return LeanError("error", f"the statement gave no proof state: {response!r:.300}")
        root = sorries[-1]  # the `by sorry` closes the declaration, so it is the last sorry
        try:
            goal = Goal.parse(str(root.get("goal", "")))
        except ValueError as exc:
            return LeanError("error", f"unreadable goal from Lean: {exc}")
        return self._new_handle(proc, root["proofState"]), goal

    def _new_handle(self, proc: ReplProcess, ps_id: int) -> ReplHandle:
        handle = ReplHandle(self._token, proc.generation, ps_id)
        if self.supports_discard:
            finalizer = weakref.finalize(
                handle, _queue_discard, self._freed, proc.generation, ps_id
            )
            finalizer.atexit = False
            # The finalizer holds only a weak reference to the handle, so this is no cycle.
            object.__setattr__(handle, "_finalizer", finalizer)
        return handle

    def _locate(
        self, state: ProofState, timeout: float, *, force_replay: bool = False
    ) -> tuple[ReplProcess, int, bool] | LeanError:
        """The locked process and REPL id holding ``state``, replaying it if needed."""
        if not force_replay:
            hit = self._usable(state.handle)
            if hit is not None:
                return hit, state.handle.proof_state, False
            cached = self._cached_handle(state)
            hit = self._usable(cached)
            if hit is not None:
                return hit, cached.proof_state, False
        return self._replay(state, timeout)

    def _usable(self, handle: Any) -> ReplProcess | None:
        """The process of ``handle``, locked, if it is ours, alive and not due for recycling."""
        if not isinstance(handle, ReplHandle) or handle.token != self._token:
            return None
        with self._pool_lock:
            proc = self._processes.get(handle.generation)
        if proc is None:
            return None
        proc.lock.acquire()
        if self._processes.get(handle.generation) is not proc:
            proc.lock.release()
            return None
        if not proc.alive() or proc.uses >= self.max_uses:
            self._retire(proc, "recycled" if proc.alive() else "died")
            proc.lock.release()
            return None
        return proc

    def _cached_handle(self, state: ProofState) -> ReplHandle | None:
        key = (state.theorem, state.tactics)
        with self._pool_lock:
            handle = self._replay_cache.get(key)
            if handle is not None:
                self._replay_cache.move_to_end(key)
        return handle

    def _forget(self, state: ProofState) -> None:
        with self._pool_lock:
            self._replay_cache.pop((state.theorem, state.tactics), None)

    def _remember(self, theorem: Theorem, tactics: tuple[str, ...], handle: ReplHandle) -> None:
        with self._pool_lock:
            self._replay_cache[(theorem, tactics)] = handle
            self._replay_cache.move_to_end((theorem, tactics))
            while len(self._replay_cache) > self._replay_cache_size:
                self._replay_cache.popitem(last=False)

    def _replay(
        self, state: ProofState, timeout: float
    ) -> tuple[ReplProcess, int, bool] | LeanError:
        """Rebuilds ``state`` on a live process: start its theorem, run its tactics in order.

        A process that dies during the replay (it may have been dying already when it was
        picked) is replaced and the replay tried once more; a second death is a crash.
        """
        self.stats.replays += 1
        for attempt in range(2):
            try:
                return self._replay_once(state, timeout)
            except ReplDied as died:
                if attempt == 1:
                    return _replay_failed(str(died))
        raise AssertionError("unreachable")  # pragma: no cover

    def _replay_once(
        self, state: ProofState, timeout: float
    ) -> tuple[ReplProcess, int, bool] | LeanError:
        theorem = state.theorem
        try:
            proc = self._acquire(theorem.header)
        except ReplHeaderError as failure:
            return _replay_failed(failure.error.message)
        try:
            root = self._start_on(proc, theorem, timeout)
            if isinstance(root, LeanError):
                proc.lock.release()
                return _replay_failed(f"the theorem did not start: {root.message}")
            handle = root[0]
            for i, entry in enumerate(state.tactics):
                for tactic in tactic_calls(entry):
                    response = self._request(
                        proc, {"tactic": tactic, "proofState": handle.proof_state}, timeout
                    )
                    new_id = response.get("proofState")
                    err = bare_error(response)
                    if err is None:
                        error = first_error(messages_of(response))
                        if error is not None:
                            err = LeanError("error", error.data)
                    if err is None and not isinstance(new_id, int):
                        err = LeanError("error", f"no proof state in {response!r:.200}")
                    if err is not None:
                        if isinstance(new_id, int) and self.supports_discard:
                            self._freed.append((proc.generation, new_id))
                        proc.lock.release()
                        return _replay_failed(f"tactic {i + 1} ({tactic!r}) failed: {err.message}")
                    handle = self._new_handle(proc, new_id)
                    self.stats.replayed_tactics += 1
                self._remember(theorem, state.tactics[: i + 1], handle)
        except ReplTimeout:
            proc.lock.release()
            return _replay_failed(f"a step took longer than {timeout:g} s")
        except ReplDied:
            proc.lock.release()
            raise
        self._remember(theorem, state.tactics, handle)
        return proc, handle.proof_state, True

    # -- discarding ----------------------------------------------------------------------------

    def _absorb_freed(self) -> None:
        """Moves ids queued by finalizers into per-process lists, dropping dead generations."""
        while self._freed:
            try:
                generation, ps_id = self._freed.popleft()
            except IndexError:
                break
            if generation in self._processes:
                self._discard_pending.setdefault(generation, []).append(ps_id)

    def _flush_discards(self, proc: ReplProcess, timeout: float) -> None:
        self._absorb_freed()
        ids = self._discard_pending.get(proc.generation)
        if ids and len(ids) >= self.discard_batch:
            del self._discard_pending[proc.generation]
            self._send_discard(proc, ids, timeout)

    def _send_discard(self, proc: ReplProcess, ids: list[int], timeout: float) -> None:
        """Sends ``{"discard": ids}``; a server that refuses it or dies on it (the upstream REPL
        exits on a request it cannot parse) turns discarding off for this backend."""
        try:
            response = proc.request({"discard": ids}, timeout)
        except ReplDied:
            self._stop_discarding("the REPL process exited on {'discard': ...}")
            raise
        if "message" in response or "discarded" not in response:
            self._stop_discarding(f"the REPL answered {{'discard': ...}} with {response!r:.200}")

    def _stop_discarding(self, why: str) -> None:
        if self.supports_discard:
            logger.warning(
                "lean_gym: %s; this server does not support discard (only MiniLean does), so "
                "supports_discard is now off",
                why,
            )
        self.supports_discard = False
        self._freed.clear()
        self._discard_pending.clear()


def minilean_subprocess_backend(**kwargs: Any) -> ReplBackend:
    """MiniLean's REPL server as a subprocess behind :class:`ReplBackend`.

    The same client code as real Lean, end to end over pipes. It supports ``discard``, so memory
    stays flat without recycling; ``max_uses`` defaults to 100,000 (a safety net, not a need:
    each recycle costs a Python start and a replay).
    """
    kwargs.setdefault("max_uses", 100_000)
    # MiniLean answers in tens of microseconds: polling briefly beats a scheduler wake-up.
    kwargs.setdefault("spin_seconds", 0.0005)
    kwargs.setdefault("command", [sys.executable, "-m", "lean_gym.backends.minilean"])
    kwargs.setdefault("supports_discard", True)
    kwargs.setdefault("memory_limit_mb", 2048)
    kwargs.setdefault("startup_timeout", 30.0)
    return ReplBackend(**kwargs)
