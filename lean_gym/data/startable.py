"""Keeping the theorems a backend can start, and saying why the others cannot.

A dataset row outside a backend's fragment (``ℝ`` or ``List`` on MiniLean, a missing import on
a REPL project) loads fine and fails only when an env resets to it. :func:`startable_theorems`
finds those up front: it starts every theorem once (:func:`lean_gym.data.check.check_theorems`,
the check ``lean-gym data check`` prints) and returns the ones that started with the report of
the others, grouped by reason. ``lean-gym data check --keep KEPT.jsonl`` writes the kept rows,
a dataset every env can reset to; envs built on the full set can instead skip what cannot
start (``on_start_error="skip"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lean_gym.data.check import CheckReport, check_theorems
from lean_gym.types import Theorem

__all__ = ["StartableTheorems", "startable_theorems"]


@dataclass(frozen=True)
class StartableTheorems:
    """The result of :func:`startable_theorems`.

    Attributes:
        kept: The theorems the backend started, in dataset order.
        report: The whole check: every theorem's result, the reasons for the others
            (``report.reasons``: reason -> count; ``report.results``: per theorem).
    """

    kept: tuple[Theorem, ...]
    report: CheckReport

    @property
    def dropped(self) -> dict[str, str]:
        """Theorem name -> why it could not start."""
        return {r.name: r.reason or "" for r in self.report.results if not r.started}


def startable_theorems(
    backend: object,
    theorems: Iterable[Theorem],
    *,
    timeout: float | None = None,
    progress: bool = False,
) -> StartableTheorems:
    """The theorems ``backend`` can start, and why the others cannot.

    Args:
        backend: A backend (``start`` is called once per theorem).
        theorems: The dataset.
        timeout: Seconds per start (None: the backend's default).
        progress: Show a progress bar with live counts.
    """
    items = list(theorems)
    report = check_theorems(backend, items, timeout=timeout, progress=progress)
    started = {r.name for r in report.results if r.started}
    return StartableTheorems(tuple(t for t in items if t.name in started), report)
