"""Checking a dataset against a backend: which problems start, and do they print as Lean does.

:func:`check_theorems` starts every theorem on a backend and, where the dataset recorded the
goal real Lean printed (miniF2F's ``goal`` field), compares the backend's first goal with it
character for character. The :class:`CheckReport` counts the problems that started and the
goals that matched, and groups the others by reason: the first line of the backend's error for
a problem that did not start (``outside MiniLean's fragment: ℝ``), ``printed differently``
for a goal that did not match. ``lean-gym data check`` prints it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lean_gym.errors import BackendError, TheoremStartError
from lean_gym.types import Theorem

__all__ = ["CheckReport", "CheckResult", "check_theorems", "recorded_goals", "reason_of"]

PRINTED_DIFFERENTLY = "printed differently"


@dataclass(frozen=True)
class CheckResult:
    """One problem's check.

    Attributes:
        name: The theorem's name.
        started: Whether the backend produced a proof state.
        reason: Why it did not start, or why the goal did not match (None when all is well).
        goal: The backend's first goal, when it started.
        expected: The goal the dataset recorded, if any.
    """

    name: str
    started: bool
    reason: str | None = None
    goal: str | None = None
    expected: str | None = None

    @property
    def goal_matches(self) -> bool | None:
        """Whether the printed goal is the recorded one (None: nothing to compare)."""
        if not self.started or self.expected is None:
            return None
        return self.goal == self.expected

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "started": self.started,
            "reason": self.reason,
            "goal": self.goal,
            "expected": self.expected,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> CheckResult:
        return cls(
            name=str(obj["name"]),
            started=bool(obj["started"]),
            reason=obj.get("reason"),
            goal=obj.get("goal"),
            expected=obj.get("expected"),
        )


@dataclass(frozen=True)
class CheckReport:
    """The counts of a dataset check (:func:`check_theorems`).

    Attributes:
        backend: The backend's name.
        results: One result per problem, in dataset order.
    """

    backend: str
    results: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def started(self) -> int:
        return sum(r.started for r in self.results)

    @property
    def with_recorded_goal(self) -> int:
        """Started problems whose recorded goal can be compared."""
        return sum(r.goal_matches is not None for r in self.results)

    @property
    def goal_exact(self) -> int:
        """Started problems whose first goal is the recorded one, character for character."""
        return sum(r.goal_matches is True for r in self.results)

    @property
    def reasons(self) -> dict[str, int]:
        """Why problems did not start or printed differently, most common first."""
        counts = Counter(r.reason for r in self.results if r.reason is not None)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "total": self.total,
            "started": self.started,
            "with_recorded_goal": self.with_recorded_goal,
            "goal_exact": self.goal_exact,
            "reasons": self.reasons,
            "results": [r.to_json() for r in self.results],
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> CheckReport:
        return cls(
            backend=str(obj["backend"]),
            results=tuple(CheckResult.from_json(r) for r in obj.get("results", ())),
        )

    def summary(self, *, examples: int = 5) -> str:
        """The report as text: counts, then the reasons as a table, then a few mismatches."""
        lines = [
            f"problems: {self.total}",
            f"started: {self.started}",
            f"printed the recorded goal exactly: {self.goal_exact} of {self.with_recorded_goal} "
            "started with a recorded goal",
        ]
        reasons = self.reasons
        if reasons:
            width = max(len(str(n)) for n in reasons.values())
            lines.append("not started or not matching, by reason:")
            lines.extend(f"  {n:>{width}}  {reason}" for reason, n in reasons.items())
        mismatched = [r for r in self.results if r.goal_matches is False]
        for r in mismatched[:examples]:
            lines.append(f"printed differently: {r.name}")
            lines.append(f"  got:      {_one_line(r.goal)}")
            lines.append(f"  recorded: {_one_line(r.expected)}")
        return "\n".join(lines)


def _one_line(text: str | None) -> str:
    return "" if text is None else text.replace("\n", " ⏎ ")


def reason_of(message: str) -> str:
    """The grouping key of a start error: its first non-empty line, whitespace collapsed."""
    for line in message.splitlines():
        if line.strip():
            return " ".join(line.split())
    return "(no message)"


def recorded_goals(source: str | os.PathLike[str]) -> dict[str, str]:
    """The ``goal`` field of each row of a local jsonl dataset, by theorem name ({} if none)."""
    path = Path(source)
    if not path.is_file():
        return {}
    goals: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                name, goal = row.get("name") or row.get("id"), row.get("goal")
                if isinstance(name, str) and isinstance(goal, str):
                    goals.setdefault(name, goal)
    return goals


def check_theorems(
    backend: Any,
    theorems: Sequence[Theorem] | Iterable[Theorem],
    *,
    goals: Mapping[str, str] | None = None,
    timeout: float | None = None,
    progress: bool = False,
) -> CheckReport:
    """Starts each theorem on ``backend`` and compares its first goal with ``goals[name]``.

    Args:
        backend: A started backend (``start`` and ``name``).
        theorems: The problems.
        goals: The goals real Lean printed, by theorem name (missing: not compared).
        timeout: Seconds per start (default: the backend's).
        progress: Show a progress bar with live counts (needs tqdm).
    """
    goals = goals or {}
    items = list(theorems)
    bar = _progress_bar(len(items)) if progress else None
    results: list[CheckResult] = []
    started = exact = 0
    for theorem in items:
        expected = goals.get(theorem.name)
        try:
            state = backend.start(theorem, timeout=timeout)
        except TheoremStartError as exc:
            result = CheckResult(theorem.name, False, reason_of(exc.error.message), None, expected)
        except BackendError as exc:  # a crash or timeout of the backend itself
            result = CheckResult(theorem.name, False, reason_of(str(exc)), None, expected)
        else:
            printed = state.goals[0].pp() if state.goals else ""
            reason = PRINTED_DIFFERENTLY if expected is not None and printed != expected else None
            result = CheckResult(theorem.name, True, reason, printed, expected)
            started += 1
            exact += result.goal_matches is True
        results.append(result)
        if bar is not None:
            bar.set_postfix(started=started, goal_exact=exact, refresh=False)
            bar.update(1)
    if bar is not None:
        bar.close()
    return CheckReport(getattr(backend, "name", type(backend).__name__), tuple(results))


def _progress_bar(total: int) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a convenience: no tqdm, no bar
        return None
    return tqdm(total=total, desc="checking", unit="problem", dynamic_ncols=True)
