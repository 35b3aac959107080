"""Goal helpers shared by several tactic families (intro, revert, decide, occurrence)."""

from __future__ import annotations

from lean_gym.backends.minilean import messages
from lean_gym.backends.minilean.errors import LeanFailure
from lean_gym.backends.minilean.expr import (
    VAR_TYPES,
    Binder,
    Expr,
    abstract,
    instantiate,
    lift,
)
from lean_gym.backends.minilean.goals import Goal, LocalDecl
from lean_gym.backends.minilean.reduce import whnf_pi
from lean_gym.backends.minilean.syntax import Node


def intro_one(goal: Goal, name: str | None, tac: Node) -> tuple[Goal, int]:
    target = whnf_pi(goal.target)
    if target[0] != "pi":
        raise LeanFailure(messages.INTRO_FAILED)
    binder = target[1]
    if name is None or name == "_":
        new_goal, fid = goal.add(binder.name, target[2], inaccessible=True)
    else:
        new_goal, fid = goal.add(name, target[2])
    body = instantiate(target[3], ("fvar", fid))
    return Goal(new_goal.ctx, body, goal.tag), fid


def pi_over(d: LocalDecl, body: Expr) -> Expr:
    abstracted = (
        abstract(lift(body, 1, 0), ("fvar", d.fid)) if d.type in VAR_TYPES else lift(body, 1, 0)
    )
    return ("pi", Binder(d.name), d.type, abstracted)
