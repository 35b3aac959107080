"""The tactic engine: a session runs tactic syntax on a list of goals.

Failures are :class:`LeanFailure` exceptions with Lean's wording (Lean's ``throwError``);
blocks that Lean runs with error recovery (``·``, ``{ }``, ``case``, induction alternatives)
log the error and admit the goal, as Lean's ``closeUsingOrAdmit`` does. The session records
what the REPL reports besides goals: ``sorry`` occurrences, logged messages and the axioms the
proof would depend on. A cooperative deadline is checked at every tactic step.

The tactic families live in the sibling modules, which import this one; ``Session.run`` reaches
them through the :class:`TacticSuite` it is given (the package ``__init__`` builds it), so this
module imports none of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lean_gym.backends.minilean import messages
from lean_gym.backends.minilean.elab import Elaborator
from lean_gym.backends.minilean.errors import DeadlineExceeded, LeanFailure
from lean_gym.backends.minilean.expr import Expr
from lean_gym.backends.minilean.goals import Goal
from lean_gym.backends.minilean.pretty import pp_expr, pp_goal
from lean_gym.backends.minilean.syntax import Node

MATHLIB_TACTICS = frozenset({"use", "norm_num", "linarith", "nlinarith", "exacts"})


# (session, tactic syntax, goals) -> the goals after it
TacticHandler = Callable[["Session", Node, list[Goal]], list[Goal]]


@dataclass(frozen=True)
class TacticSuite:
    """The tactics a session can run.

    Attributes:
        handlers: Tactic kind (the parser's node kind) -> its handler.
        destructure: rcases-style destructuring of a new hypothesis ``(session, goal, type,
            pattern) -> goals``, used by ``fun ⟨a, b⟩ => ...`` terms.
    """

    handlers: Mapping[str, TacticHandler]
    destructure: Callable[[Session, Goal, Expr, Node], list[Goal]]


@dataclass
class Logged:
    """A message logged during a run (error recovery, info)."""

    severity: str
    text: str
    start: int | None
    end: int | None


@dataclass
class SorryEvent:
    goal: Goal
    start: int | None
    end: int | None
    decls: dict[str, Any] = field(default_factory=dict)  # the environment's declarations


@dataclass
class Session:
    """Per-request state of the tactic engine.

    Attributes:
        tactics: The tactics it runs (:data:`lean_gym.backends.minilean.tactics.TACTICS`).
        mathlib: Whether ``import Mathlib`` is in scope (Mathlib tactics and ``ℕ``/``ℤ``).
        opens: The namespaces opened by ``open`` commands (unqualified names resolve there).
        deadline: ``time.monotonic()`` value after which work stops (None: no limit).
        timeout_s: The timeout the deadline came from (for the message).
        source: The text offsets refer to (used to quote terms in messages).
    """

    tactics: TacticSuite
    mathlib: bool = False
    opens: tuple[str, ...] = ()
    deadline: float | None = None
    timeout_s: float = 0.0
    source: str | None = None
    sorries: list[SorryEvent] = field(default_factory=list)
    messages: list[Logged] = field(default_factory=list)
    axioms: set[str] = field(default_factory=set)
    uses_sorry: bool = False
    synthetic_sorry: bool = False
    recover: bool = True
    new_goals: list[Goal] | None = None
    tactic_records: list[Any] | None = None
    decls: dict[str, Any] = field(default_factory=dict)  # earlier declarations (name -> DeclInfo)

    # -- bookkeeping -------------------------------------------------------------------
    def check_deadline(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DeadlineExceeded(self.timeout_s)

    def remaining_ms(self, cap: int = 5000) -> int:
        if self.deadline is None:
            return cap
        left = int((self.deadline - time.monotonic()) * 1000)
        if left <= 0:
            raise DeadlineExceeded(self.timeout_s)
        return max(1, min(cap, left))

    def snapshot(self) -> tuple[int, int, frozenset[str], bool, bool]:
        return (
            len(self.sorries),
            len(self.messages),
            frozenset(self.axioms),
            self.uses_sorry,
            self.synthetic_sorry,
        )

    def restore(self, snap: tuple[int, int, frozenset[str], bool, bool]) -> None:
        n_sorries, n_messages, axioms, uses_sorry, synthetic = snap
        del self.sorries[n_sorries:]
        del self.messages[n_messages:]
        self.axioms = set(axioms)
        self.uses_sorry = uses_sorry
        self.synthetic_sorry = synthetic

    def log_error(self, exc: LeanFailure) -> None:
        self.messages.append(Logged("error", exc.message, exc.start, exc.end))

    def note_sorry(self, synthetic: bool) -> None:
        if synthetic:
            self.synthetic_sorry = True
        else:
            self.uses_sorry = True

    def record_sorry(self, goal: Goal, node: Node | None) -> None:
        self.uses_sorry = True
        self.sorries.append(
            SorryEvent(goal, node.start if node else None, node.end if node else None, self.decls)
        )

    def note_axioms(self, axioms: tuple[str, ...] | frozenset[str] | set[str]) -> None:
        self.axioms.update(axioms)

    # -- running -----------------------------------------------------------------------
    def run_seq(self, seq: Node, goals: list[Goal]) -> list[Goal]:
        for tac in seq.args[0]:
            goals = self.run(tac, goals)
        return goals

    def run_nested_by(self, seq: Node, goal: Goal, node: Node) -> None:
        """A term-level ``by`` block: must close ``goal``."""
        saved = self.new_goals
        self.new_goals = None
        try:
            rest = self.run_seq(seq, [goal])
        finally:
            self.new_goals = saved
        if rest:
            raise LeanFailure(unsolved_text(rest, self.mathlib), node.start, node.end)

    def run(self, tac: Node, goals: list[Goal]) -> list[Goal]:
        self.check_deadline()
        handler = self.tactics.handlers.get(tac.kind)
        if handler is None:
            raise LeanFailure(f"MiniLean: tactic '{tac.kind}' is not supported", tac.start, tac.end)
        if tac.kind in MATHLIB_TACTICS and not self.mathlib:
            raise LeanFailure("unknown tactic", tac.start, tac.end)
        if self.tactic_records is not None:
            self.tactic_records.append((tac, list(goals)))
        try:
            return handler(self, tac, goals)
        except LeanFailure as exc:
            raise exc.at(tac.start, tac.end) from None

    def main_goal(self, goals: list[Goal], tac: Node) -> Goal:
        if not goals:
            raise LeanFailure(messages.NO_GOALS, tac.start, tac.end)
        return goals[0]

    def pp(self, goal: Goal, e: Expr) -> str:
        return pp_expr(goal, e, self.mathlib)

    def goal_text(self, goal: Goal) -> str:
        return pp_goal(goal, self.mathlib)

    def elab(self, goal: Goal) -> Elaborator:
        return Elaborator(goal, self)

    def close_or_admit(
        self, seq: Node, goals: list[Goal], tac: Node, err_node: Node | None = None
    ) -> list[Goal]:
        """Focuses on the main goal, runs ``seq``, requires it closed; recovers on error."""
        goal = self.main_goal(goals, tac)
        snap = self.snapshot()
        try:
            rest = self.run_seq(seq, [goal])
            if rest:
                where = err_node or tac
                raise LeanFailure(unsolved_text(rest, self.mathlib), where.start, where.end)
        except LeanFailure as exc:
            if not self.recover:
                raise
            self.restore(snap)
            self.log_error(exc.at(tac.start, tac.end))
            self.synthetic_sorry = True
        return goals[1:]

    def destructure_pattern(self, goal: Goal, ty: Expr, pat: Node) -> list[Goal]:
        """Adds a hypothesis of type ``ty`` to ``goal`` and destructures it with ``pat``."""
        return self.tactics.destructure(self, goal, ty, pat)


def unsolved_text(goals: list[Goal], mathlib: bool) -> str:
    return messages.unsolved_goals([pp_goal(g, mathlib) for g in goals])
