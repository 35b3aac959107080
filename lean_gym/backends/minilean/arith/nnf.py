"""From hypotheses and a goal to one negation normal form whose unsatisfiability proves the goal.

Steps (shared by ``omega``, ``norm_num`` and ``simp_arith``):

1. The goal's leading ``∀``, ``→`` and ``¬`` are introduced, as Lean's
   ``MVarId.falseOrByContra`` does before ``omega`` runs.
2. ``hyps ∧ ¬goal`` is put in negation normal form. An ``∃`` in positive position becomes a fresh
   variable (Skolem constant; equisatisfiable). Every other quantifier is replaced by ``True``,
   i.e. forgotten, which only weakens the hypotheses and so never makes a false goal provable.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from lean_gym.backends.minilean.arith.syntax import Formula, Term, substitute_var

# Node shapes of the normal form:
#   ("const", bool)
#   ("rel", op, t1, t2) with op in {"=", "≠", "<", "≤"}
#   ("patom", name, positive)          an opaque proposition or its negation
#   ("and", [nodes]) / ("or", [nodes]) with at least two children
Node = tuple

_NEGATED = {"=": "≠", "≠": "="}


@dataclass
class NameSupply:
    """Hands out variable names that clash with nothing in the problem."""

    taken: set[str] = field(default_factory=set)
    _counter: itertools.count = field(default_factory=itertools.count)

    def fresh(self, base: str) -> str:
        """A new name derived from ``base``."""
        while True:
            candidate = f"{base}✝{next(self._counter)}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate


def _all_names(formula: Formula, names: set[str]) -> None:
    tag = formula[0]
    if tag in ("forall", "exists"):
        names.add(formula[1])
        _all_names(formula[3], names)
    elif tag == "not":
        _all_names(formula[1], names)
    elif tag in ("and", "or", "implies", "iff"):
        _all_names(formula[1], names)
        _all_names(formula[2], names)
    elif tag in ("=", "≠", "<", "≤", ">", "≥"):
        _term_names(formula[1], names)
        _term_names(formula[2], names)


def _term_names(term: Term, names: set[str]) -> None:
    if term[0] == "var":
        names.add(term[1])
    elif term[0] in ("neg", "cast"):
        _term_names(term[2], names)
    elif len(term) == 4:
        _term_names(term[2], names)
        _term_names(term[3], names)


def name_supply_for(formulas: Iterable[Formula]) -> NameSupply:
    """A name supply avoiding every variable name occurring in ``formulas``."""
    names: set[str] = set()
    for formula in formulas:
        _all_names(formula, names)
    return NameSupply(names)


def intro_goal(
    hyps: list[Formula], goal: Formula, supply: NameSupply, free: set[str]
) -> tuple[list[Formula], Formula]:
    """Introduces the goal's leading ``∀``, ``→`` and ``¬`` into the hypotheses.

    Args:
        hyps: hypotheses (not modified).
        goal: the goal.
        supply: fresh names, used when a bound name is already free in the problem.
        free: names free in the problem (updated with the introduced variables).
    """
    hyps = list(hyps)
    while True:
        tag = goal[0]
        if tag == "forall":
            name, sort, body = goal[1], goal[2], goal[3]
            if name in free:
                new = supply.fresh(name)
                body = substitute_var(body, name, ("var", new, sort))
                name = new
            free.add(name)
            goal = body
        elif tag == "implies":
            hyps.append(goal[1])
            goal = goal[2]
        elif tag == "not":
            hyps.append(goal[1])
            goal = ("false",)
        else:
            return hyps, goal


def to_nnf(
    formula: Formula, positive: bool, supply: NameSupply, opaque_props: bool = False
) -> Node:
    """Negation normal form of ``formula`` (or of its negation when ``positive`` is false).

    Args:
        formula: the formula.
        positive: whether the formula is asserted (else its negation is).
        supply: fresh names for Skolem constants.
        opaque_props: read ``True``, ``False`` and opaque atoms (in either polarity) as
            unusable facts, i.e. as ``True``: Lean's ``omega`` collects only arithmetic facts
            (``h : False`` or ``¬True`` give it nothing, and a disjunct without arithmetic facts
            cannot be refuted).
    """
    tag = formula[0]
    if opaque_props and tag in ("true", "false", "atom"):
        return ("const", True)
    if tag == "true":
        return ("const", positive)
    if tag == "false":
        return ("const", not positive)
    if tag == "atom":
        return ("patom", formula[1], positive)
    if tag in ("=", "≠", "<", "≤", ">", "≥"):
        return _relation(tag, formula[1], formula[2], positive)
    if tag == "not":
        return to_nnf(formula[1], not positive, supply, opaque_props)
    if tag in ("and", "or"):
        first = to_nnf(formula[1], positive, supply, opaque_props)
        second = to_nnf(formula[2], positive, supply, opaque_props)
        conjunctive = (tag == "and") == positive
        return make_and([first, second]) if conjunctive else make_or([first, second])
    if tag == "implies":
        if positive:
            return make_or(
                [
                    to_nnf(formula[1], False, supply, opaque_props),
                    to_nnf(formula[2], True, supply, opaque_props),
                ]
            )
        return make_and(
            [
                to_nnf(formula[1], True, supply, opaque_props),
                to_nnf(formula[2], False, supply, opaque_props),
            ]
        )
    if tag == "iff":
        a_pos, a_neg = (
            to_nnf(formula[1], True, supply, opaque_props),
            to_nnf(formula[1], False, supply, opaque_props),
        )
        b_pos, b_neg = (
            to_nnf(formula[2], True, supply, opaque_props),
            to_nnf(formula[2], False, supply, opaque_props),
        )
        if positive:
            return make_or([make_and([a_pos, b_pos]), make_and([a_neg, b_neg])])
        return make_or([make_and([a_pos, b_neg]), make_and([a_neg, b_pos])])
    if tag == "exists" and positive:
        new = supply.fresh(formula[1])
        body = substitute_var(formula[3], formula[1], ("var", new, formula[2]))
        return to_nnf(body, True, supply, opaque_props)
    # A universal statement (or a negated existential): forgotten, which is a sound weakening.
    return ("const", True)


def _relation(tag: str, left: Term, right: Term, positive: bool) -> Node:
    if tag == ">":
        tag, left, right = "<", right, left
    elif tag == "≥":
        tag, left, right = "≤", right, left
    if positive:
        return ("rel", tag, left, right)
    if tag in _NEGATED:
        return ("rel", _NEGATED[tag], left, right)
    # ¬(a < b) is b ≤ a; ¬(a ≤ b) is b < a.
    return ("rel", "≤" if tag == "<" else "<", right, left)


def make_and(children: list[Node]) -> Node:
    """A flattened conjunction with constants folded."""
    flat: list[Node] = []
    for child in children:
        if child == ("const", False):
            return child
        if child == ("const", True):
            continue
        flat.extend(child[1] if child[0] == "and" else [child])
    if not flat:
        return ("const", True)
    return flat[0] if len(flat) == 1 else ("and", flat)


def make_or(children: list[Node]) -> Node:
    """A flattened disjunction with constants folded."""
    flat: list[Node] = []
    for child in children:
        if child == ("const", True):
            return child
        if child == ("const", False):
            continue
        flat.extend(child[1] if child[0] == "or" else [child])
    if not flat:
        return ("const", False)
    return flat[0] if len(flat) == 1 else ("or", flat)


@dataclass(frozen=True)
class Refutation:
    """The problem ``hyps ∧ ¬goal`` in negation normal form, ready for a decision procedure.

    Attributes:
        conjuncts: the normal forms of the hypotheses and of the negated goal, in order (the
            introduced hypotheses first, the negated goal last).
        free: names of the free variables (including introduced ones).
    """

    conjuncts: tuple[Node, ...]
    free: frozenset[str]


def refutation_problem(
    hyps: list[Formula], goal: Formula, free: dict[str, str], opaque_props: bool = False
) -> Refutation:
    """Builds the refutation problem for proving ``goal`` from ``hyps`` (see :func:`to_nnf`)."""
    supply = name_supply_for([*hyps, goal])
    free_names = set(free)
    hyps2, goal2 = intro_goal(hyps, goal, supply, free_names)
    conjuncts = [to_nnf(h, True, supply, opaque_props) for h in hyps2]
    conjuncts.append(to_nnf(goal2, False, supply, opaque_props))
    return Refutation(tuple(conjuncts), frozenset(free_names))
