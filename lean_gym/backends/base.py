"""The ProverBackend protocol and the shared base class.

A backend starts a theorem, runs tactics on proof states and checks whole proofs. Every call is
bounded by a timeout. Failures of a step are values (:class:`~lean_gym.types.LeanError`);
exceptions (:mod:`lean_gym.errors`, re-exported here) are kept for programming errors and for a
backend that cannot run at all. Optional abilities are the protocols of
:mod:`lean_gym.backends.capabilities`.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from lean_gym import integrity
from lean_gym.backends.capabilities import SupportsBatchCheck
from lean_gym.errors import (
    LEAN_INSTALL_HINT,
    BackendError,
    LeanNotFoundError,
    TheoremStartError,
)
from lean_gym.integrity import IntegrityPolicy
from lean_gym.types import CheckOutput, ProofState, TacticResult, Theorem, Verification

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

    def verify_many(
        self,
        items: Sequence[tuple[Theorem, str]],
        timeout: float | None = None,
        policy: IntegrityPolicy | None = None,
    ) -> list[Verification]:
        """Checks ``(theorem, proof)`` pairs; the verdicts come back in order."""
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
    """Shared behaviour: timeouts, context management, ``verify`` through integrity.py.

    Subclasses implement :meth:`start`, :meth:`run_tactic`, :meth:`check_declaration` and
    :meth:`close`. ``verify`` and ``verify_many`` are not overridden: every backend's whole-proof
    verdict goes through :mod:`lean_gym.integrity` (:func:`~lean_gym.integrity.verify_proof`,
    and its batch form :func:`~lean_gym.integrity.verify_proofs`), the single place that decides
    whether a proof counts. A backend that can check many declarations in one call says so by
    having ``check_many`` (:class:`~lean_gym.backends.capabilities.SupportsBatchCheck`), and
    ``verify_many`` then uses it.
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

    def verify(
        self,
        theorem: Theorem,
        proof: str,
        timeout: float | None = None,
        policy: IntegrityPolicy | None = None,
    ) -> Verification:
        """Checks ``proof`` (the tactic block after ``:= by``) under the integrity rules."""
        return integrity.verify_proof(self, theorem, proof, timeout=timeout, policy=policy)

    def verify_many(
        self,
        items: Sequence[tuple[Theorem, str]],
        timeout: float | None = None,
        policy: IntegrityPolicy | None = None,
    ) -> list[Verification]:
        """Checks ``(theorem, proof)`` pairs under the integrity rules, verdicts in order.

        One call per proof by default; one batch for a backend with ``check_many``.
        """
        check_many = self.check_many if isinstance(self, SupportsBatchCheck) else None
        return integrity.verify_proofs(self, items, timeout, policy, check_many=check_many)

    def __enter__(self) -> BackendBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        with contextlib.suppress(Exception):
            self.close()
