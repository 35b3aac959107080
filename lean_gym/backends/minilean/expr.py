"""MiniLean's expression language: the types, propositions and data terms of its fragment.

Expressions are plain tuples tagged by their first element, so they are hashable, compare
structurally and are cheap to build. Bound variables are de Bruijn indices (``("bvar", i)``) and
binder names live in :class:`Binder` objects that compare equal to each other, so structural
equality of expressions is alpha-equivalence.

Kinds:
    ``("fvar", fid)``                 a local (hypothesis or variable) of a goal's context
    ``("bvar", i)``                   a bound variable
    ``("mvar", k)``                   a unification variable (only inside the elaborator)
    ``("const", name)``               ``Nat``, ``Int``, ``Prop``
    ``("lit", n, sort)``              a numeral of sort ``"Nat"``/``"Int"`` (``n >= 0``)
    ``("bin", op, sort, a, b)``       ``+ - * / % ^``
    ``("neg", a)``                    integer negation
    ``("succ", a)``                   ``Nat.succ a`` (printed ``a.succ``)
    ``("rel", op, sort, a, b)``       ``= ≠ < ≤ > ≥`` on ``sort`` (``"Nat"``, ``"Int"``, ``"Prop"``)
    ``("true",)`` ``("false",)``
    ``("not", a)`` ``("and", a, b)`` ``("or", a, b)`` ``("iff", a, b)``
    ``("pi", binder, dom, body)``     ``∀``/``→`` (non-dependent when body has no bvar 0)
    ``("ex", binder, dom, body)``     ``∃``
    ``("lam", binder, dom, body)``    a data function (only as ``congrArg``'s argument)
    ``("app", f, a)``                 application of a ``lam`` (beta-reduced on construction)
    ``("arrow", doms, cod)``          a function type ``Nat → Int → Prop`` (``doms`` a tuple of
                                      ``"Nat"``/``"Int"``, ``cod`` ``"Nat"``/``"Int"``/``"Prop"``)
    ``("call", f, args)``             ``f a b``: a function variable (``fvar``/``bvar`` of an
                                      ``arrow`` type) applied to all its arguments (a tuple);
                                      uninterpreted: a data term, or a proposition when ``cod`` is
                                      ``Prop``
"""

from __future__ import annotations

from typing import Any

Expr = tuple[Any, ...]

NAT: Expr = ("const", "Nat")
INT: Expr = ("const", "Int")
PROP: Expr = ("const", "Prop")
TRUE: Expr = ("true",)
FALSE: Expr = ("false",)

SORT_OF_TYPE = {NAT: "Nat", INT: "Int", PROP: "Prop"}
TYPE_OF_SORT = {"Nat": NAT, "Int": INT, "Prop": PROP}

ARITH_OPS = ("+", "-", "*", "/", "%", "^")
REL_OPS = ("=", "≠", "<", "≤", ">", "≥")
PROP_KINDS = frozenset({"rel", "true", "false", "not", "and", "or", "iff", "pi", "ex"})


class _VariableTypes:
    """``ty in VAR_TYPES``: ``ty`` is the type of a variable (data, ``Prop`` or a function), not
    a proposition (the type of a hypothesis)."""

    def __contains__(self, ty: object) -> bool:
        return ty in (NAT, INT, PROP) or (isinstance(ty, tuple) and ty[0] == "arrow")


VAR_TYPES = _VariableTypes()


class Binder:
    """A binder's name and kind; all binders compare equal (alpha-equivalence)."""

    __slots__ = ("name", "implicit")

    def __init__(self, name: str, implicit: bool = False):
        self.name = name
        self.implicit = implicit

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Binder)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"Binder({self.name!r}{', implicit' if self.implicit else ''})"


def lit(n: int, sort: str = "Nat") -> Expr:
    if n < 0:
        return ("neg", ("lit", -n, sort))
    return ("lit", n, sort)


def fvar(fid: int) -> Expr:
    return ("fvar", fid)


def arrow(a: Expr, b: Expr, name: str = "a") -> Expr:
    """The non-dependent function type ``a → b`` (``b`` has no loose bound variables)."""
    return ("pi", Binder(name), a, lift(b, 1, 0))


def has_loose_bvar(e: Expr, idx: int = 0) -> bool:
    """True when ``e`` mentions bound variable ``idx`` (relative to its root)."""
    k = e[0]
    if k == "bvar":
        return e[1] == idx
    if k == "call":
        return has_loose_bvar(e[1], idx) or any(has_loose_bvar(a, idx) for a in e[2])
    if k in ("fvar", "const", "lit", "true", "false", "mvar"):
        return False
    if k in ("pi", "ex", "lam"):
        return has_loose_bvar(e[2], idx) or has_loose_bvar(e[3], idx + 1)
    if k in ("bin", "rel", "dvd"):
        return has_loose_bvar(e[3], idx) or has_loose_bvar(e[4], idx)
    if k in ("and", "or", "iff", "app"):
        return has_loose_bvar(e[1], idx) or has_loose_bvar(e[2], idx)
    if k in ("not", "neg", "succ", "cast"):
        return has_loose_bvar(e[1], idx)
    return False


def has_loose_bvars(e: Expr, depth: int = 0) -> bool:
    """True when ``e`` mentions a bound variable not bound inside ``e`` itself."""
    k = e[0]
    if k == "bvar":
        return e[1] >= depth
    if k == "call":
        return has_loose_bvars(e[1], depth) or any(has_loose_bvars(a, depth) for a in e[2])
    if k in ("fvar", "const", "lit", "true", "false", "mvar"):
        return False
    if k in ("pi", "ex", "lam"):
        return has_loose_bvars(e[2], depth) or has_loose_bvars(e[3], depth + 1)
    if k in ("bin", "rel", "dvd"):
        return has_loose_bvars(e[3], depth) or has_loose_bvars(e[4], depth)
    if k in ("and", "or", "iff", "app"):
        return has_loose_bvars(e[1], depth) or has_loose_bvars(e[2], depth)
    if k in ("not", "neg", "succ", "cast"):
        return has_loose_bvars(e[1], depth)
    return False


def mentions_mvar(e: Expr, index: int) -> bool:
    """True when ``e`` contains the unification variable ``("mvar", index)``."""
    if not isinstance(e, tuple):
        return False
    if e and e[0] == "mvar":
        return e[1] == index
    return any(mentions_mvar(c, index) for c in e)


def lift(e: Expr, by: int, cutoff: int) -> Expr:
    """Shifts bound variables ``>= cutoff`` by ``by``."""
    if by == 0:
        return e
    k = e[0]
    if k == "bvar":
        return ("bvar", e[1] + by) if e[1] >= cutoff else e
    if k == "call":
        return (k, lift(e[1], by, cutoff), tuple(lift(a, by, cutoff) for a in e[2]))
    if k in ("fvar", "const", "lit", "true", "false", "mvar"):
        return e
    if k in ("pi", "ex", "lam"):
        return (k, e[1], lift(e[2], by, cutoff), lift(e[3], by, cutoff + 1))
    if k in ("bin", "rel", "dvd"):
        return (k, e[1], e[2], lift(e[3], by, cutoff), lift(e[4], by, cutoff))
    if k in ("and", "or", "iff", "app"):
        return (k, lift(e[1], by, cutoff), lift(e[2], by, cutoff))
    if k in ("not", "neg", "succ", "cast"):
        return (k, lift(e[1], by, cutoff))
    return e


def instantiate(body: Expr, value: Expr, depth: int = 0) -> Expr:
    """Replaces bound variable ``depth`` of ``body`` by ``value`` (closed w.r.t. bvars)."""
    k = body[0]
    if k == "bvar":
        i = body[1]
        if i == depth:
            return lift(value, depth, 0) if depth else value
        if i > depth:
            return ("bvar", i - 1)
        return body
    if k == "call":
        return (
            k,
            instantiate(body[1], value, depth),
            tuple(instantiate(a, value, depth) for a in body[2]),
        )
    if k in ("fvar", "const", "lit", "true", "false", "mvar"):
        return body
    if k in ("pi", "ex", "lam"):
        return (
            k,
            body[1],
            instantiate(body[2], value, depth),
            instantiate(body[3], value, depth + 1),
        )
    if k in ("bin", "rel", "dvd"):
        return (
            k,
            body[1],
            body[2],
            instantiate(body[3], value, depth),
            instantiate(body[4], value, depth),
        )
    if k == "app":
        return beta(instantiate(body[1], value, depth), instantiate(body[2], value, depth))
    if k in ("and", "or", "iff"):
        return (k, instantiate(body[1], value, depth), instantiate(body[2], value, depth))
    if k in ("not", "neg", "succ", "cast"):
        return (k, instantiate(body[1], value, depth))
    return body


def beta(f: Expr, a: Expr) -> Expr:
    if f[0] == "lam":
        return instantiate(f[3], a)
    return ("app", f, a)


def abstract(e: Expr, target: Expr, depth: int = 0) -> Expr:
    """Replaces every occurrence of the closed term ``target`` in ``e`` by bound variable ``depth``."""
    if e == target:
        return ("bvar", depth)
    k = e[0]
    if k == "call":
        return (k, abstract(e[1], target, depth), tuple(abstract(a, target, depth) for a in e[2]))
    if k in ("bvar", "fvar", "const", "lit", "true", "false", "mvar"):
        return e
    if k in ("pi", "ex", "lam"):
        return (k, e[1], abstract(e[2], target, depth), abstract(e[3], target, depth + 1))
    if k in ("bin", "rel", "dvd"):
        return (k, e[1], e[2], abstract(e[3], target, depth), abstract(e[4], target, depth))
    if k in ("and", "or", "iff", "app"):
        return (k, abstract(e[1], target, depth), abstract(e[2], target, depth))
    if k in ("not", "neg", "succ", "cast"):
        return (k, abstract(e[1], target, depth))
    return e


def replace_term(e: Expr, old: Expr, new: Expr) -> Expr:
    """Replaces every occurrence of the closed term ``old`` in ``e`` by the closed term ``new``."""
    return instantiate(abstract(e, old), new)


def occurs(e: Expr, target: Expr) -> bool:
    if e == target:
        return True
    k = e[0]
    if k == "call":
        return occurs(e[1], target) or any(occurs(a, target) for a in e[2])
    if k in ("bvar", "fvar", "const", "lit", "true", "false", "mvar"):
        return False
    if k in ("pi", "ex", "lam"):
        return occurs(e[2], target) or occurs(e[3], target)
    if k in ("bin", "rel", "dvd"):
        return occurs(e[3], target) or occurs(e[4], target)
    if k in ("and", "or", "iff", "app"):
        return occurs(e[1], target) or occurs(e[2], target)
    if k in ("not", "neg", "succ", "cast"):
        return occurs(e[1], target)
    return False


def fvars_of(e: Expr, out: set[int] | None = None) -> set[int]:
    """The local ids ``e`` mentions."""
    if out is None:
        out = set()
    k = e[0]
    if k == "fvar":
        out.add(e[1])
    elif k == "call":
        fvars_of(e[1], out)
        for a in e[2]:
            fvars_of(a, out)
    elif k in ("pi", "ex", "lam"):
        fvars_of(e[2], out)
        fvars_of(e[3], out)
    elif k in ("bin", "rel", "dvd"):
        fvars_of(e[3], out)
        fvars_of(e[4], out)
    elif k in ("and", "or", "iff", "app"):
        fvars_of(e[1], out)
        fvars_of(e[2], out)
    elif k in ("not", "neg", "succ", "cast"):
        fvars_of(e[1], out)
    return out


def has_mvar(e: Expr) -> bool:
    k = e[0]
    if k == "mvar":
        return True
    if k == "call":
        return has_mvar(e[1]) or any(has_mvar(a) for a in e[2])
    if k in ("bvar", "fvar", "const", "lit", "true", "false"):
        return False
    if k in ("pi", "ex", "lam"):
        return has_mvar(e[2]) or has_mvar(e[3])
    if k in ("bin", "rel", "dvd"):
        return has_mvar(e[3]) or has_mvar(e[4])
    if k in ("and", "or", "iff", "app"):
        return has_mvar(e[1]) or has_mvar(e[2])
    if k in ("not", "neg", "succ", "cast"):
        return has_mvar(e[1])
    return False


def subst_mvars(e: Expr, assignment: dict[int, Expr]) -> Expr:
    k = e[0]
    if k == "mvar":
        v = assignment.get(e[1])
        return subst_mvars(v, assignment) if v is not None else e
    if k == "call":
        return (k, subst_mvars(e[1], assignment), tuple(subst_mvars(a, assignment) for a in e[2]))
    if k in ("bvar", "fvar", "const", "lit", "true", "false"):
        return e
    if k in ("pi", "ex", "lam"):
        return (k, e[1], subst_mvars(e[2], assignment), subst_mvars(e[3], assignment))
    if k in ("bin", "rel", "dvd"):
        return (k, e[1], e[2], subst_mvars(e[3], assignment), subst_mvars(e[4], assignment))
    if k == "app":
        return beta(subst_mvars(e[1], assignment), subst_mvars(e[2], assignment))
    if k in ("and", "or", "iff"):
        return (k, subst_mvars(e[1], assignment), subst_mvars(e[2], assignment))
    if k in ("not", "neg", "succ", "cast"):
        return (k, subst_mvars(e[1], assignment))
    return e


def match_pattern(pattern: Expr, e: Expr, assignment: dict[int, Expr]) -> bool:
    """First-order syntactic matching: extends ``assignment`` (mvar index -> term) so that
    ``pattern`` with its metavariables replaced is ``e``; closed terms only (no bound variable
    of ``e`` is captured)."""
    if pattern[0] == "mvar":
        bound = assignment.get(pattern[1])
        if bound is not None:
            return bound == e
        if has_loose_bvars(e):
            return False
        assignment[pattern[1]] = e
        return True
    return _match_parts(pattern, e, assignment)


def _match_parts(p: Any, e: Any, assignment: dict[int, Expr]) -> bool:
    if not isinstance(p, tuple) or not isinstance(e, tuple):
        return p == e
    if p and isinstance(p[0], str) and p[0] == "mvar":
        return match_pattern(p, e, assignment)
    if len(p) != len(e):
        return False
    return all(_match_parts(a, b, assignment) for a, b in zip(p, e, strict=True))
