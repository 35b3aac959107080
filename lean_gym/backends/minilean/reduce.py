"""Definitional equality for the fragment, modelled conservatively.

Two types are definitionally equal here only when Lean's ``isDefEq`` certainly agrees: after
unfolding ``¬``, ``≠``, ``>``, ``≥`` and ``<`` (``a < b`` is ``a + 1 ≤ b`` on ``Nat`` and
``Int``), evaluating closed arithmetic, and the ``Nat`` recursion equations on literal second
arguments (``n + 0 ≡ n``, ``n * 0 ≡ 0``, ``n - 0 ≡ n``, ``n ^ 0 ≡ 1``, ``(n + a) + b ≡ n + (a +
b)``, ``n.succ ≡ n + 1``), casts ``↑n`` of numerals and the known functions of
:mod:`.functions` on numerals (``Nat.gcd 4 6 ≡ 2``). Everything else is compared structurally. Rejecting a defeq Lean
would accept is allowed (it only makes MiniLean weaker); accepting one Lean rejects is not.
"""

from __future__ import annotations

from lean_gym.backends.minilean.arith.eval import (
    MAX_INT_POW_EXPONENT,
    MAX_NAT_POW_EXPONENT,
    apply_op,
)
from lean_gym.backends.minilean.expr import FALSE, TYPE_OF_SORT, Binder, Expr, lift
from lean_gym.backends.minilean.functions import function_of

_MAX_LITERAL_BITS = 1 << 16


def eval_closed(e: Expr) -> int | None:
    """The value of a closed arithmetic term with Lean's semantics, or None."""
    k = e[0]
    if k == "lit":
        return e[1]
    if k == "neg":
        v = eval_closed(e[1])
        return None if v is None else -v
    if k == "succ":
        v = eval_closed(e[1])
        return None if v is None else v + 1
    if k == "cast":
        return eval_closed(e[1])
    if k == "call":
        fn = function_of(e)
        if fn is None:
            return None
        values = [eval_closed(a) for a in e[2]]
        if any(v is None for v in values):
            return None
        return fn.evaluate(*values)
    if k != "bin":
        return None
    a = eval_closed(e[3])
    if a is None:
        return None
    b = eval_closed(e[4])
    if b is None:
        return None
    op, sort = e[1], e[2]
    if op == "^":
        # Lean's kernel-side limit, tighter than arith.eval's size guard.
        limit = MAX_NAT_POW_EXPONENT if sort == "Nat" else MAX_INT_POW_EXPONENT
        if b < 0 or b > limit:
            return None
    elif op not in ("+", "-", "*", "/", "%"):
        return None
    r = apply_op(op, sort, a, b)
    if r is None:
        return None
    if r.bit_length() > _MAX_LITERAL_BITS:
        return None
    return r


def _num(v: int, sort: str) -> Expr:
    return ("lit", v, sort) if v >= 0 else ("neg", ("lit", -v, sort))


def norm_term(e: Expr) -> Expr:
    """A normal form of a data term under the safe definitional reductions."""
    k = e[0]
    if k == "lit":
        return e
    if k == "succ":
        return norm_term(("bin", "+", "Nat", e[1], ("lit", 1, "Nat")))
    if k == "call":
        call = (k, e[1], tuple(norm_term(a) for a in e[2]))
        v = eval_closed(call) if function_of(call) is not None else None
        return call if v is None else _num(v, function_of(call).result)
    if k == "cast":
        inner = norm_term(e[1])
        v = eval_closed(inner)
        return ("lit", v, "Int") if v is not None else ("cast", inner)
    if k == "neg":
        inner = norm_term(e[1])
        v = eval_closed(inner)
        if v is not None:
            return _num(-v, "Int")
        return ("neg", inner)
    if k != "bin":
        return e
    op, sort = e[1], e[2]
    a = norm_term(e[3])
    b = norm_term(e[4])
    va = eval_closed(a)
    vb = eval_closed(b)
    if va is not None and vb is not None:
        v = eval_closed(("bin", op, sort, a, b))
        if v is not None:
            return _num(v, sort)
    if sort == "Nat" and vb is not None:
        if op == "+" and vb == 0:
            return a
        if op == "*" and vb == 0:
            return ("lit", 0, "Nat")
        if op == "-" and vb == 0:
            return a
        if op == "^" and vb == 0:
            return ("lit", 1, "Nat")
        if op == "+" and a[0] == "bin" and a[1] == "+" and a[2] == "Nat" and a[4][0] == "lit":
            return ("bin", "+", "Nat", a[3], ("lit", a[4][1] + vb, "Nat"))
    return ("bin", op, sort, a, b)


_NEG_BINDER = Binder("a")


def norm_prop(e: Expr) -> Expr:
    """Unfolds the reducible notations of a proposition and normalizes its terms."""
    k = e[0]
    if k == "not":
        return ("pi", _NEG_BINDER, norm_prop(e[1]), FALSE)
    if k == "rel":
        op, sort = e[1], e[2]
        if sort == "Prop":
            a, b = norm_prop(e[3]), norm_prop(e[4])
        else:
            a, b = norm_term(e[3]), norm_term(e[4])
        if op == "≠":
            return ("pi", _NEG_BINDER, ("rel", "=", sort, a, b), FALSE)
        if op == ">":
            op, a, b = "<", b, a
        elif op == "≥":
            op, a, b = "≤", b, a
        if op == "<" and sort in ("Nat", "Int"):
            return ("rel", "≤", sort, norm_term(("bin", "+", sort, a, ("lit", 1, sort))), b)
        return ("rel", op, sort, a, b)
    if k == "dvd":
        return (k, e[1], e[2], norm_term(e[3]), norm_term(e[4]))
    if k in ("and", "or", "iff"):
        return (k, norm_prop(e[1]), norm_prop(e[2]))
    if k == "call":
        return (k, e[1], tuple(norm_term(a) for a in e[2]))
    if k in ("pi", "ex"):
        dom = e[2]
        dom_n = dom if dom[0] == "const" else norm_prop(dom)
        return (k, e[1], dom_n, norm_prop(e[3]))
    return e


_TERM_KINDS = frozenset({"lit", "bin", "neg", "succ", "cast", "fvar", "bvar", "call"})


def defeq(a: Expr, b: Expr) -> bool:
    """Conservative definitional equality of two propositions (or two data terms)."""
    if a == b:
        return True
    if a[0] in _TERM_KINDS and b[0] in _TERM_KINDS:
        return norm_term(a) == norm_term(b)
    return norm_prop(a) == norm_prop(b)


def whnf_pi(e: Expr) -> Expr:
    """Unfolds ``¬a`` and ``a ≠ b`` to function types (as ``intro`` sees them)."""
    if e[0] == "not":
        return ("pi", Binder("a"), e[1], FALSE)
    if e[0] == "rel" and e[1] == "≠":
        return ("pi", Binder("a"), ("rel", "=", e[2], e[3], e[4]), FALSE)
    return e


def unfold_dvd(e: Expr) -> Expr:
    """``a ∣ b`` unfolded: ``∃ c, b = a * c`` (the ``Dvd`` instances of ``Nat`` and ``Int``).

    What ``whnf`` at default transparency gives, so anonymous constructors, ``exists`` and
    ``rcases`` see the ``∃``.
    """
    if e[0] != "dvd":
        return e
    _, _, sort, a, b = e
    body = ("rel", "=", sort, lift(b, 1, 0), ("bin", "*", sort, lift(a, 1, 0), ("bvar", 0)))
    return ("ex", Binder("c"), TYPE_OF_SORT[sort], body)


def reducible_eq(a: Expr, b: Expr) -> bool:
    """``a =?= b`` at reducible transparency (``with_reducible rfl``), conservatively.

    Syntactic equality, plus what Lean's ``Nat`` literal and offset support decides at any
    transparency: closed ``Nat`` arithmetic (``0 + 1`` is ``1``), ``n.succ`` as ``n + 1``,
    ``(n + 1) + 1`` as ``n + 2`` and ``n + 0`` as ``n``. Not ``n * 0`` or ``n - 0`` (those
    unfold ``Nat.mul``/``Nat.sub``), and nothing on ``Int``.
    """
    if a == b:
        return True
    return _offset_form(a) == _offset_form(b)


def _offset_form(e: Expr) -> Expr:
    if e[0] == "succ":
        return _offset_form(("bin", "+", "Nat", e[1], ("lit", 1, "Nat")))
    if e[0] == "bin" and e[2] == "Nat":
        v = eval_closed(e)
        if v is not None:
            return ("lit", v, "Nat")
        if e[1] == "+":
            base, k = _offset_form(e[3]), eval_closed(e[4])
            if k is not None:
                if k == 0:
                    return base
                if base[0] == "bin" and base[1] == "+" and base[4][0] == "lit":
                    return ("bin", "+", "Nat", base[3], ("lit", base[4][1] + k, "Nat"))
                return ("bin", "+", "Nat", base, ("lit", k, "Nat"))
    return e
