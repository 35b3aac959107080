"""Translating MiniLean goals into the formula language of ``arith`` (omega, norm_num, decide).

Only what is faithfully expressible is translated: a hypothesis that is not (for example a
hypothesis quantified over a proposition) is left out, which can only make a procedure weaker.
"""

from __future__ import annotations

from lean_gym.backends.minilean.expr import INT, NAT, PROP, Expr
from lean_gym.backends.minilean.goals import Goal
from lean_gym.backends.minilean.pretty import display_names, pp_expr


class Untranslatable(Exception):
    """The expression has no faithful arith counterpart."""


def term_of(e: Expr, goal: Goal, bound: list[tuple[str, str]]) -> tuple:
    k = e[0]
    if k == "lit":
        return ("lit", e[1], e[2])
    if k == "fvar":
        d = goal.decl(e[1])
        if d is None or d.type not in (NAT, INT):
            raise Untranslatable
        return ("var", f"x{e[1]}", "Nat" if d.type == NAT else "Int")
    if k == "bvar":
        i = e[1]
        if i >= len(bound):
            raise Untranslatable
        name, sort = bound[-1 - i]
        return ("var", name, sort)
    if k == "bin":
        return (e[1], e[2], term_of(e[3], goal, bound), term_of(e[4], goal, bound))
    if k == "neg":
        return ("neg", "Int", term_of(e[1], goal, bound))
    if k == "cast":
        return ("cast", "Int", term_of(e[1], goal, bound))
    if k == "succ":
        return ("+", "Nat", term_of(e[1], goal, bound), ("lit", 1, "Nat"))
    if k == "call":
        # An uninterpreted application is an atom (as omega treats `f x`): syntactically equal
        # applications share a variable; nothing else is assumed about them.
        sort = _call_sort(e, goal)
        if sort not in ("Nat", "Int") or _has_bvar(e):
            raise Untranslatable
        return ("var", _call_name(e, goal), sort)
    raise Untranslatable


def _call_sort(e: Expr, goal: Goal) -> str | None:
    f = e[1]
    if f[0] != "fvar":
        return None
    d = goal.decl(f[1])
    if d is None or d.type[0] != "arrow":
        return None
    return d.type[2]


def _call_name(e: Expr, goal: Goal) -> str:
    # Keyed by the term as written (no normalization: omega's atoms are compared up to
    # reducible unfolding only, so `f (a + 0)` and `f a` stay different atoms here).
    return f"({pp_expr(goal, e)})"


def _has_bvar(e: Expr) -> bool:
    """Whether a data term mentions a bound variable (its atom would depend on a binder)."""
    k = e[0]
    if k == "bvar":
        return True
    if k == "bin":
        return _has_bvar(e[3]) or _has_bvar(e[4])
    if k in ("neg", "succ", "cast"):
        return _has_bvar(e[1])
    if k == "call":
        return _has_bvar(e[1]) or any(_has_bvar(a) for a in e[2])
    return False


def formula_of(e: Expr, goal: Goal, bound: list[tuple[str, str]] | None = None) -> tuple:
    """The arith formula for proposition ``e`` (raises Untranslatable)."""
    if bound is None:
        bound = []
    k = e[0]
    if k == "true":
        return ("true",)
    if k == "false":
        return ("false",)
    if k == "fvar":
        d = goal.decl(e[1])
        if d is None or d.type != PROP:
            raise Untranslatable
        return ("atom", f"p{e[1]}")
    if k == "call":
        if _call_sort(e, goal) != "Prop" or _has_bvar(e):
            raise Untranslatable
        return ("atom", _call_name(e, goal))
    if k == "rel":
        if e[2] not in ("Nat", "Int"):
            raise Untranslatable
        return (e[1], term_of(e[3], goal, bound), term_of(e[4], goal, bound))
    if k == "not":
        return ("not", formula_of(e[1], goal, bound))
    if k in ("and", "or", "iff"):
        return (k, formula_of(e[1], goal, bound), formula_of(e[2], goal, bound))
    if k == "pi":
        dom = e[2]
        if dom in (NAT, INT):
            name = f"b{len(bound)}_{id(e) % 100000}"
            sort = "Nat" if dom == NAT else "Int"
            body = formula_of(e[3], goal, [*bound, (name, sort)])
            return ("forall", name, sort, body)
        if dom == PROP:
            raise Untranslatable
        lhs = formula_of(dom, goal, bound)
        rhs = formula_of(e[3], goal, [*bound, ("_", "Nat")])
        return ("implies", lhs, rhs)
    if k == "ex":
        dom = e[2]
        if dom not in (NAT, INT):
            raise Untranslatable
        name = f"b{len(bound)}_{id(e) % 100000}"
        sort = "Nat" if dom == NAT else "Int"
        return ("exists", name, sort, formula_of(e[3], goal, [*bound, (name, sort)]))
    raise Untranslatable


def has_quantifier(f: tuple) -> bool:
    k = f[0]
    if k in ("forall", "exists"):
        return True
    if k in ("not",):
        return has_quantifier(f[1])
    if k in ("and", "or", "implies", "iff"):
        return has_quantifier(f[1]) or has_quantifier(f[2])
    return False


def has_atom(f: tuple) -> bool:
    """True when the formula mentions an opaque proposition (a ``Prop`` variable)."""
    k = f[0]
    if k == "atom":
        return True
    if k == "not":
        return has_atom(f[1])
    if k in ("and", "or", "implies", "iff"):
        return has_atom(f[1]) or has_atom(f[2])
    if k in ("forall", "exists"):
        return has_atom(f[3])
    return False


def hypotheses_of(goal: Goal, quantifier_free: bool = True, atoms: bool = False) -> list[tuple]:
    """The translatable hypotheses of the goal's context.

    Args:
        quantifier_free: Leave out quantified hypotheses (omega does not use them).
        atoms: Keep hypotheses mentioning ``Prop`` variables (omega ignores them: it only
            reads facts about ``Nat`` and ``Int``).
    """
    out: list[tuple] = []
    for d in goal.ctx:
        if d.type in (NAT, INT, PROP):
            continue
        try:
            f = formula_of(d.type, goal)
        except Untranslatable:
            continue
        if quantifier_free and has_quantifier(f):
            continue
        if not atoms and has_atom(f):
            continue
        out.append(f)
    return out


def omega_naming(goal: Goal) -> dict:
    """How :func:`arith.omega` should print the goal's variables in its failure message.

    Returns the keyword arguments ``names`` (arith variable -> the name Lean prints, with ``✝``
    for an inaccessible or shadowed local) and ``scope`` (the accessible user names, which
    Lean's atom names ``a, b, c ...`` skip).
    """
    shown = display_names(goal)
    names = {f"x{d.fid}": shown[d.fid] for d in goal.ctx if d.type in (NAT, INT)}
    scope = {d.name for d in goal.ctx if not d.inaccessible}
    return {"names": names, "scope": scope}


def _relation_term(e: Expr, sort: str) -> tuple | None:
    """A term of a relation for ``simp +arith``: locals are variables of the relation's sort,
    applications opaque atoms (keyed by their expression); ``None`` outside the fragment."""
    k = e[0]
    if k == "lit":
        return ("lit", e[1], e[2]) if e[2] == sort else None
    if k == "fvar":
        return ("var", f"x{e[1]}", sort)
    if k == "call":
        return None if _has_bvar(e) else ("var", f"atom{e!r}", sort)
    if k == "succ":
        inner = _relation_term(e[1], sort)
        return None if inner is None else ("+", sort, inner, ("lit", 1, sort))
    if k == "neg":
        inner = _relation_term(e[1], sort)
        return None if inner is None or sort != "Int" else ("neg", "Int", inner)
    if k == "cast":
        inner = _relation_term(e[1], "Nat")
        return None if inner is None or sort != "Int" else ("cast", "Int", inner)
    if k == "bin" and e[2] == sort:
        a = _relation_term(e[3], sort)
        b = _relation_term(e[4], "Nat" if e[1] == "^" else sort)
        return None if a is None or b is None else (e[1], sort, a, b)
    return None


def simp_relation(e: Expr) -> tuple | None:
    """The proposition ``e`` as an arith formula when it is one Nat or Int relation or the
    negation of one (what ``simp +arith``'s normaliser decides on its own), else ``None``."""
    negated = e[0] == "not"
    rel = e[1] if negated else e
    if rel[0] != "rel" or rel[2] not in ("Nat", "Int"):
        return None
    a, b = _relation_term(rel[3], rel[2]), _relation_term(rel[4], rel[2])
    if a is None or b is None:
        return None
    f = (rel[1], a, b)
    return ("not", f) if negated else f
