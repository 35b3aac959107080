"""What the arithmetic procedures see of a goal: divisibility and core functions translated.

The procedures of :mod:`lean_gym.backends.minilean.arith` read ``+ - * / % ^``, relations and
connectives. Before a goal is handed to them, the constructs they do not read are rewritten
the way Lean's own tactics see them:

* ``k ∣ e`` for a numeral ``k`` becomes ``e % k = 0`` (``Nat.dvd_iff_mod_eq_zero``,
  ``Int.dvd_iff_emod_eq_zero``: an equivalence, also for ``k = 0``). This is how ``omega``
  handles divisibility by a numeral, and what the ``Decidable`` instances of ``decide``
  compute (``Nat.decidable_dvd``, ``Int.decidableDvd``). Other divisibility facts stay as they
  are, so a procedure ignores them (as ``omega`` does).
* For ``decide`` (``evaluate=True``) a closed application of a core function
  (``Nat.gcd 180 168``) or a closed cast is replaced by its value, as the kernel computes it.
* For ``omega`` (``evaluate=False``) an application of a core function is an atom (Lean's
  ``omega`` does not look inside ``Nat.gcd``): syntactically equal applications become one
  fresh variable of the view's context, nothing else is assumed about them.
* When a cast ``↑n`` occurs, ``omega``'s own move is made (:func:`int_problem`): every ``Nat``
  fact becomes an ``Int`` one, ``x : ℕ`` the integer ``↑x`` with ``0 ≤ ↑x``, ``↑(a + b)`` is
  ``↑a + ↑b`` (likewise ``*``, ``/``, ``%``, ``^``), ``↑(a - b)`` a new integer ``t`` with
  ``b ≤ a ∧ t = a - b ∨ a < b ∧ t = 0``.

Every rewrite is an equivalence or a forgetting, so the view proves no more than the goal.
"""

from __future__ import annotations

from collections.abc import Callable

from lean_gym.backends.minilean import arith
from lean_gym.backends.minilean.arith import bridge as arith_bridge
from lean_gym.backends.minilean.expr import INT, NAT, Expr, has_loose_bvar, has_loose_bvars
from lean_gym.backends.minilean.functions import function_of
from lean_gym.backends.minilean.goals import Goal, LocalDecl, fresh_id
from lean_gym.backends.minilean.reduce import eval_closed


class _View:
    def __init__(self, evaluate: bool):
        self.evaluate = evaluate
        self.atoms: dict[Expr, tuple[int, str]] = {}  # application -> (fid, sort)

    def term(self, e: Expr) -> Expr:
        k = e[0]
        if self.evaluate and k in ("call", "cast") and not has_loose_bvars(e):
            v = eval_closed(e)
            fn = function_of(e)
            if v is not None and (k == "cast" or fn is not None):
                sort = "Int" if k == "cast" else fn.result
                return ("lit", v, sort) if v >= 0 else ("neg", ("lit", -v, sort))
        if k == "call":
            args = tuple(self.term(a) for a in e[2])
            e = (k, e[1], args)
            fn = function_of(e)
            if fn is not None and not self.evaluate and not has_loose_bvars(e):
                atom = self.atoms.get(e)
                if atom is None:
                    atom = (fresh_id(), fn.result)
                    self.atoms[e] = atom
                return ("fvar", atom[0])
            return e
        if k == "bin":
            return (k, e[1], e[2], self.term(e[3]), self.term(e[4]))
        if k in ("neg", "succ", "cast"):
            return (k, self.term(e[1]))
        return e

    def prop(self, e: Expr) -> Expr:
        k = e[0]
        if k == "dvd":
            sort, a, b = e[2], self.term(e[3]), self.term(e[4])
            if a[0] == "lit":
                return ("rel", "=", sort, ("bin", "%", sort, b, a), ("lit", 0, sort))
            return (k, e[1], sort, a, b)
        if k == "rel":
            if e[2] == "Prop":
                return (k, e[1], e[2], self.prop(e[3]), self.prop(e[4]))
            return (k, e[1], e[2], self.term(e[3]), self.term(e[4]))
        if k == "not":
            return (k, self.prop(e[1]))
        if k in ("and", "or", "iff"):
            return (k, self.prop(e[1]), self.prop(e[2]))
        if k in ("pi", "ex"):
            dom = e[2] if e[2][0] in ("const", "arrow") else self.prop(e[2])
            return (k, e[1], dom, self.prop(e[3]))
        return e


def arith_view(goal: Goal, *, evaluate: bool) -> Goal:
    """The goal as the arithmetic procedures should see it (see the module docstring)."""
    view = _View(evaluate)
    ctx = [
        LocalDecl(d.fid, d.name, d.type if d.type[0] in ("const", "arrow") else view.prop(d.type),
                  d.inaccessible)
        for d in goal.ctx
    ]  # fmt: skip
    target = view.prop(goal.target)
    atoms = [
        LocalDecl(fid, f"atom{fid}", NAT if sort == "Nat" else INT, True)
        for fid, sort in view.atoms.values()
    ]
    return Goal((*atoms, *ctx), target, goal.tag)


def decide_value(goal: Goal, t: Expr) -> bool | None:
    """The truth value ``decide`` computes for the closed proposition ``t`` (None: undecided)."""
    view = arith_view(goal.with_target(t), evaluate=True)
    try:
        f = arith_bridge.formula_of(view.target, view)
    except arith_bridge.Untranslatable:
        return None
    try:
        return arith.decide(f)
    except ValueError:
        return None


def has_cast(e: Expr) -> bool:
    if not isinstance(e, tuple) or not e:
        return False
    if e[0] == "cast":
        return True
    return any(has_cast(part) for part in e[1:] if isinstance(part, tuple))


class _IntProblem:
    """The ``Nat``-to-``Int`` translation of omega's front end (see :func:`int_problem`)."""

    def __init__(self) -> None:
        self.decls: list[LocalDecl] = []
        self.facts: list[Expr] = []
        self.images: dict[Expr, Expr] = {}  # Nat term -> its Int variable

    def _fresh(self, key: Expr, fact_of: Callable[[Expr], Expr]) -> Expr:
        var = self.images.get(key)
        if var is None:
            fid = fresh_id()
            var = ("fvar", fid)
            self.decls.append(LocalDecl(fid, f"n{fid}", INT, True))
            self.images[key] = var
            self.facts.append(fact_of(var))
        return var

    def nat(self, t: Expr) -> Expr:
        """``↑t`` for the Nat term ``t``, as an Int term (raises ``_NoImage``)."""
        k = t[0]
        if k == "lit":
            return ("lit", t[1], "Int")
        if k == "succ":
            return ("bin", "+", "Int", self.nat(t[1]), ("lit", 1, "Int"))
        if k in ("fvar", "call") and not has_loose_bvars(t):
            return self._fresh(t, lambda v: ("rel", "≤", "Int", ("lit", 0, "Int"), v))
        if k == "bin" and t[2] == "Nat":
            op, a = t[1], self.nat(t[3])
            if op == "^":
                return ("bin", "^", "Int", a, t[4])  # the exponent stays a Nat
            b = self.nat(t[4])
            if op != "-":
                return ("bin", op, "Int", a, b)

            def truncated(v: Expr) -> Expr:
                le, lt = ("rel", "≤", "Int", b, a), ("rel", "<", "Int", a, b)
                diff = ("rel", "=", "Int", v, ("bin", "-", "Int", a, b))
                zero = ("rel", "=", "Int", v, ("lit", 0, "Int"))
                return ("or", ("and", le, diff), ("and", lt, zero))

            return self._fresh(t, truncated)
        raise _NoImage

    def int(self, t: Expr) -> Expr:
        k = t[0]
        if k == "cast":
            return self.nat(t[1])
        if k == "bin":
            if t[1] == "^":
                return (k, t[1], t[2], self.int(t[3]), t[4])
            return (k, t[1], t[2], self.int(t[3]), self.int(t[4]))
        if k == "neg":
            return (k, self.int(t[1]))
        if k == "call" and has_cast(t):
            raise _NoImage
        return t

    def prop(self, e: Expr) -> Expr:
        k = e[0]
        if k == "rel" and e[2] == "Nat":
            return ("rel", e[1], "Int", self.nat(e[3]), self.nat(e[4]))
        if k == "rel" and e[2] == "Int":
            return ("rel", e[1], "Int", self.int(e[3]), self.int(e[4]))
        if k == "not":
            return (k, self.prop(e[1]))
        if k in ("and", "or", "iff"):
            return (k, self.prop(e[1]), self.prop(e[2]))
        if k == "pi" and not has_loose_bvar(e[3], 0) and e[2][0] not in ("const", "arrow"):
            return (k, e[1], self.prop(e[2]), self.prop(e[3]))
        if has_cast(e):
            raise _NoImage
        return e  # quantified or opaque: left as it is (omega does not use it)


class _NoImage(Exception):
    """A term the translation does not cover (the fact is then left out)."""


def int_problem(goal: Goal) -> Goal:
    """The goal with its ``Nat`` facts restated over ``Int`` (omega's preprocessing).

    A hypothesis the translation does not cover is dropped (only forgetting); a target it
    does not cover becomes ``False`` to refute from the hypotheses alone.
    """
    problem = _IntProblem()
    ctx: list[LocalDecl] = []
    for d in goal.ctx:
        if d.type[0] in ("const", "arrow"):
            ctx.append(d)
            continue
        try:
            ctx.append(LocalDecl(d.fid, d.name, problem.prop(d.type), d.inaccessible))
        except _NoImage:
            continue
    try:
        target = problem.prop(goal.target)
    except _NoImage:
        target = ("false",)
    facts = [LocalDecl(fresh_id(), "cast", fact, True) for fact in problem.facts]
    return Goal((*problem.decls, *ctx, *facts), target, goal.tag)
