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
* Casts ``↑n`` go through as they are: the bridge translates them and the model of Lean's
  ``omega`` pushes them as Lean's ``handleNatCast`` does.

Every rewrite is an equivalence or a forgetting, so the view proves no more than the goal.
"""

from __future__ import annotations

from lean_gym.backends.minilean import arith
from lean_gym.backends.minilean.arith import bridge as arith_bridge
from lean_gym.backends.minilean.expr import INT, NAT, Expr, has_loose_bvars
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
