"""Optional backend abilities, as protocols checked with ``isinstance``.

Every backend starts theorems, runs tactics and checks declarations
(:class:`~lean_gym.backends.base.ProverBackend`). Some can do more; a caller asks with
``isinstance(backend, SupportsBatchCheck)`` rather than probing attribute names, so the ability
has one spelling, one signature and a docstring. The protocols are runtime-checkable: the check
looks for the method by name, the signature below is the contract.

This module depends on :mod:`lean_gym.types` only, so that anything (the integrity rules, the
data layer, agents) can ask about abilities without importing a backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from lean_gym.types import CheckOutput, ProofState, Theorem

__all__ = ["SupportsAllTactics", "SupportsBatchCheck", "SupportsDiscard"]


@runtime_checkable
class SupportsAllTactics(Protocol):
    """The REPL's ``allTactics``: every tactic of an accepted proof with the goals before it."""

    def all_tactics(
        self, theorem: Theorem, proof: str, timeout: float | None = None
    ) -> Sequence[dict[str, Any]] | None:
        """The ``tactics`` entries (``{"tactic", "goals", "pos", "endPos", ...}``) of
        ``theorem.declaration(proof)``, positions relative to that declaration; None when the
        declaration has an error or the call failed."""
        ...


@runtime_checkable
class SupportsBatchCheck(Protocol):
    """Checking many declarations in one call (kimina-lean-server's batch)."""

    def check_many(
        self, items: Sequence[tuple[Theorem, str]], timeout: float | None = None
    ) -> list[CheckOutput]:
        """The raw answers for ``(theorem, declaration text)`` pairs, in order."""
        ...


@runtime_checkable
class SupportsDiscard(Protocol):
    """Freeing a proof state's memory in the prover before its handle is garbage collected."""

    def discard(self, state: ProofState) -> None:
        """Tells the backend no caller needs ``state`` any more (using it later still works,
        by replay)."""
        ...
