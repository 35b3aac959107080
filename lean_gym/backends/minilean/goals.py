"""Local contexts and goals of MiniLean proof states.

A goal is a context (a tuple of :class:`LocalDecl`, oldest first), a target proposition and an
optional case tag, as in Lean. Goals are immutable: tactics build new ones.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from lean_gym.backends.minilean.expr import Expr

_fresh_ids = itertools.count(1)


def fresh_id() -> int:
    """A new local id, unique in the process."""
    return next(_fresh_ids)


@dataclass(frozen=True)
class LocalDecl:
    """One local: ``name : type``.

    Attributes:
        fid: The unique id ``("fvar", fid)`` refers to.
        name: The user-facing name (without ``✝``).
        type: ``NAT``/``INT``/``PROP`` for a variable, a proposition for a hypothesis.
        inaccessible: True when the user cannot refer to it by name (prints with ``✝``).
    """

    fid: int
    name: str
    type: Expr
    inaccessible: bool = False


@dataclass(frozen=True)
class Goal:
    """An open goal: context, target and case tag."""

    ctx: tuple[LocalDecl, ...]
    target: Expr
    tag: str = ""
    _index: dict[int, LocalDecl] | None = field(default=None, compare=False, repr=False)
    # pretty.pp_goal's text, per ``mathlib`` flag: a goal a tactic leaves untouched is the same
    # object in the next state, and states are printed after every tactic.
    _printed: dict[bool, str] | None = field(default=None, compare=False, repr=False)

    def decl(self, fid: int) -> LocalDecl | None:
        index = self._index
        if index is None:
            index = {d.fid: d for d in self.ctx}
            object.__setattr__(self, "_index", index)
        return index.get(fid)

    def lookup(self, name: str) -> LocalDecl | None:
        """The most recent accessible local called ``name``."""
        for d in reversed(self.ctx):
            if d.name == name and not d.inaccessible:
                return d
        return None

    def with_target(self, target: Expr, tag: str | None = None) -> Goal:
        return Goal(self.ctx, target, self.tag if tag is None else tag)

    def with_tag(self, tag: str) -> Goal:
        return Goal(self.ctx, self.target, tag)

    def add(self, name: str, type_: Expr, inaccessible: bool = False) -> tuple[Goal, int]:
        """A goal with one more local; returns it and the new local's id."""
        fid = fresh_id()
        decl = LocalDecl(fid, name, type_, inaccessible)
        return Goal((*self.ctx, decl), self.target, self.tag), fid

    def sort_of_fvar(self, fid: int) -> str | None:
        d = self.decl(fid)
        if d is None:
            return None
        t = d.type
        if t == ("const", "Nat"):
            return "Nat"
        if t == ("const", "Int"):
            return "Int"
        if t == ("const", "Prop"):
            return "Prop"
        return None


def append_tag(parent: str, child: str) -> str:
    if not parent:
        return child
    if not child:
        return parent
    return f"{parent}.{child}"
