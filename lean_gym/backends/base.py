"""The ProverBackend protocol, the shared base class and the backend errors.

A backend starts a theorem, runs tactics on proof states and checks whole proofs. Every call is
bounded by a timeout. Failures of a step are values (:class:`~lean_gym.types.LeanError`);
exceptions are kept for programming errors and for a backend that cannot run at all.
"""

from __future__ import annotations

import abc
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from lean_gym.types import CheckOutput, LeanError, ProofState, TacticResult, Theorem, Verification

if TYPE_CHECKING:
    from lean_gym.integrity import IntegrityPolicy

__all__ = [
    "BackendError",
    "LeanNotFoundError",
    "TheoremStartError",
    "ProverBackend",
    "BackendBase",
    "BackendStats",
    "DEFAULT_TACTIC_TIMEOUT",
    "DEFAULT_VERIFY_TIMEOUT",
    "LEAN_INSTALL_HINT",
]

DEFAULT_TACTIC_TIMEOUT = 30.0
DEFAULT_VERIFY_TIMEOUT = 60.0

LEAN_INSTALL_HINT = (
    "To use real Lean: install elan (the Lean toolchain manager, see the Lean 4 documentation), "
    "create or clone a Lake project whose lakefile requires leanprover-community/repl (and "
    "Mathlib if your theorems import it), run `lake build repl` (and `lake exe cache get` for "
    "Mathlib) in it, then pass backend='repl' with project='/path/to/that/project' or set "
    "LEAN_GYM_PROJECT. Without Lean, use backend='minilean' (the embedded prover)."
)


class BackendError(Exception):
    """A backend cannot do what was asked (not a failed proof step, which is a value)."""


class LeanNotFoundError(BackendError):
    """Real Lean was asked for but no toolchain or REPL project is available."""

    def __init__(self, what: str):
        super().__init__(f"{what}\n{LEAN_INSTALL_HINT}")


class TheoremStartError(BackendError):
    """The theorem's statement does not elaborate, so no proof state exists for it."""

    def __init__(self, theorem: Theorem, error: LeanError):
        self.theorem = theorem
        self.error = error
        super().__init__(f"cannot start theorem {theorem.name!r}: {error.message}")


@runtime_checkable
class ProverBackend(Protocol):
    """What every backend provides. Backends are context managers."""

    name: str

    def start(self, theorem: Theorem, timeout: float | None = None) -> ProofState:
        """Returns the root proof state of ``theorem``.

        Raises:
            TheoremStartError: If the statement does not elaborate.
        """
        ...

    def run_tactic(
        self, state: ProofState, tactic: str, timeout: float | None = None
    ) -> TacticResult:
        """Runs ``tactic`` (one tactic or a newline-separated block) on ``state``."""
        ...

    def verify(
        self,
        theorem: Theorem,
        proof: str,
        timeout: float | None = None,
        policy: IntegrityPolicy | None = None,
    ) -> Verification:
        """Checks ``proof`` (the tactic block after ``:= by``) as a whole declaration."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> ProverBackend: ...

    def __exit__(self, *exc: object) -> None: ...


@dataclass
class BackendStats:
    """Counters a backend keeps for logging (mutable, not part of any result)."""

    tactic_calls: int = 0
    commands: int = 0
    timeouts: int = 0
    restarts: int = 0
    replays: int = 0
    replayed_tactics: int = 0


class BackendBase(abc.ABC):
    """Shared behaviour: timeouts, context management, and ``verify`` through integrity.py.

    Subclasses implement :meth:`start`, :meth:`run_tactic`, :meth:`check_declaration` and
    :meth:`close`. ``verify`` is not overridden: every backend's whole-proof verdict goes through
    :func:`lean_gym.integrity.verify_proof`, the single place that decides whether a proof
    counts.
    """

    name: str = "base"

    def __init__(
        self,
        *,
        tactic_timeout: float = DEFAULT_TACTIC_TIMEOUT,
        verify_timeout: float = DEFAULT_VERIFY_TIMEOUT,
    ):
        self.tactic_timeout = tactic_timeout
        self.verify_timeout = verify_timeout
        self.stats = BackendStats()

    @abc.abstractmethod
    def start(self, theorem: Theorem, timeout: float | None = None) -> ProofState: ...

    @abc.abstractmethod
    def run_tactic(
        self, state: ProofState, tactic: str, timeout: float | None = None
    ) -> TacticResult: ...

    @abc.abstractmethod
    def check_declaration(
        self, theorem: Theorem, text: str, timeout: float | None = None
    ) -> CheckOutput:
        """Runs ``theorem.header`` then the declaration ``text`` and ``#print axioms``.

        ``text`` is the whole declaration (``theorem NAME ... := by ...``) built by the integrity
        module. This is the raw checker answer; judging it is integrity.py's job.
        """

    @abc.abstractmethod
    def close(self) -> None: ...

    def discard(self, state: ProofState) -> None:  # noqa: B027 - optional hook
        """Tells the backend no caller needs ``state`` any more (a hint; default no-op)."""

    def verify(
        self,
        theorem: Theorem,
        proof: str,
        timeout: float | None = None,
        policy: IntegrityPolicy | None = None,
    ) -> Verification:
        from lean_gym.integrity import verify_proof

        return verify_proof(self, theorem, proof, timeout=timeout, policy=policy)

    def __enter__(self) -> BackendBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        with contextlib.suppress(Exception):
            self.close()
