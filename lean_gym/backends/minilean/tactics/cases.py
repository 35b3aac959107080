"""Case analysis: ``cases``, ``induction``, ``rcases``, ``obtain``, ``subst`` and their
helpers (``cases_on``, ``rcases_intro``).
"""

from __future__ import annotations

from typing import Any

from lean_gym.backends.minilean import messages
from lean_gym.backends.minilean.errors import LeanFailure
from lean_gym.backends.minilean.expr import (
    FALSE,
    INT,
    NAT,
    PROP,
    VAR_TYPES,
    Binder,
    Expr,
    fvars_of,
    instantiate,
    lift,
    replace_term,
)
from lean_gym.backends.minilean.goals import Goal, LocalDecl, append_tag
from lean_gym.backends.minilean.reduce import unfold_dvd
from lean_gym.backends.minilean.syntax import Node
from lean_gym.backends.minilean.tactics.common import pi_over
from lean_gym.backends.minilean.tactics.session import Session


def _clear_decl(goal: Goal, fid: int) -> Goal:
    return Goal(tuple(d for d in goal.ctx if d.fid != fid), goal.target, goal.tag)


def cases_on(
    s: Session, goal: Goal, ty: Expr, fid: int | None, names: dict[str, list[str]] | None
) -> list[tuple[str, Goal]]:
    """Case analysis on a hypothesis of type ``ty`` (removed from ``goal`` when ``fid`` is set).

    Returns (constructor name, goal) pairs. ``names`` gives user names per constructor.
    """
    base = _clear_decl(goal, fid) if fid is not None else goal
    names = names or {}

    def nm(ctor: str, i: int, default: str) -> tuple[str, bool]:
        given = names.get(ctor, [])
        if i < len(given) and given[i] != "_":
            return given[i], False
        return default, True

    ty = unfold_dvd(ty)  # `rcases h with ⟨c, hc⟩` on `h : a ∣ b` (whnfD sees the ∃)
    k = ty[0]
    if k == "or":
        out = []
        for ctor, part in (("inl", ty[1]), ("inr", ty[2])):
            n, inacc = nm(ctor, 0, "h")
            g, _ = base.add(n, part, inaccessible=inacc)
            out.append((ctor, g.with_tag(append_tag(goal.tag, ctor))))
        return out
    if k in ("and", "iff"):
        if k == "and":
            parts = [("left", ty[1]), ("right", ty[2])]
        else:
            parts = [
                ("mp", ("pi", Binder("a"), ty[1], lift(ty[2], 1, 0))),
                ("mpr", ("pi", Binder("a"), ty[2], lift(ty[1], 1, 0))),
            ]
        g = base
        for i, (field_name, part) in enumerate(parts):
            n, inacc = nm("intro", i, field_name)
            g, _ = g.add(n, part, inaccessible=inacc)
        return [("intro", g.with_tag(append_tag(goal.tag, "intro")))]
    if k == "ex":
        n, inacc = nm("intro", 0, "w")
        g, wid = base.add(n, ty[2], inaccessible=inacc)
        body = instantiate(ty[3], ("fvar", wid))
        n2, inacc2 = nm("intro", 1, "h")
        g, _ = g.add(n2, body, inaccessible=inacc2)
        return [("intro", g.with_tag(append_tag(goal.tag, "intro")))]
    if k == "false":
        return []
    if k == "true":
        return [("intro", base.with_tag(append_tag(goal.tag, "intro")))]
    if k == "rel" and ty[1] == "=" and ty[2] in ("Nat", "Int"):
        # `Eq.casesOn` unifies the index with the parameter: a substitution when one side is a
        # local variable that the other side does not mention. Lean also solves other
        # equations (injection, `0 = 1` closing the goal, skipping `a = a`); those stay outside.
        if _subst_candidate(base, ty) is None:
            raise LeanFailure(
                f"MiniLean: `cases` on the equation\n  {s.pp(goal, ty)}\nneeds one side to be a "
                "local variable not occurring in the other (use `subst`/`rw` otherwise)"
            )
        return [("refl", _subst_eq(s, base, ty).with_tag(append_tag(goal.tag, "refl")))]
    if k == "not" or (k == "rel" and ty[1] == "≠") or k == "pi":
        raise LeanFailure("MiniLean: `cases` on a function type is not possible")
    raise LeanFailure(
        f"MiniLean: `cases` on a hypothesis of type\n  {s.pp(goal, ty)}\nis outside the fragment"
    )


def _nat_cases(
    s: Session,
    goal: Goal,
    d: LocalDecl,
    names: dict[str, list[str]] | None,
    induction: bool,
    generalize: tuple[LocalDecl, ...] = (),
) -> list[tuple[str, Goal]]:
    names = names or {}
    if d.type != NAT:
        raise LeanFailure(
            f"MiniLean: `{'induction' if induction else 'cases'}` on a variable of type {s.pp(goal, d.type)} is outside the fragment"
        )
    var = ("fvar", d.fid)
    reverted = _reverted(goal, d.fid, generalize)
    gone = {x.fid for x in reverted} | {d.fid}
    base = Goal(tuple(x for x in goal.ctx if x.fid not in gone), goal.target, goal.tag)
    # zero
    zero = _with_deps(base, reverted, var, ("lit", 0, "Nat"))
    zero = Goal(
        zero.ctx, replace_term(goal.target, var, ("lit", 0, "Nat")), append_tag(goal.tag, "zero")
    )
    # succ
    given = names.get("succ", [])
    n_name = given[0] if given and given[0] != "_" else "n"
    g, nid = base.add(n_name, NAT, inaccessible=not (given and given[0] != "_"))
    new_var = ("fvar", nid)
    succ_term = ("bin", "+", "Nat", new_var, ("lit", 1, "Nat"))
    if induction:
        # The motive quantifies over the reverted locals: `ih : ∀ (m : Nat), h m → P k m`.
        ih = replace_term(goal.target, var, new_var)
        for x in reversed(reverted):
            x_type = x.type if x.type in VAR_TYPES else replace_term(x.type, var, new_var)
            ih = pi_over(LocalDecl(x.fid, x.name, x_type, x.inaccessible), ih)
        ih_given = given[1] if len(given) > 1 and given[1] != "_" else None
        g, _ = g.add(ih_given or "a", ih, inaccessible=ih_given is None)
    g = _with_deps(g, reverted, var, succ_term)
    succ = Goal(g.ctx, replace_term(goal.target, var, succ_term), append_tag(goal.tag, "succ"))
    return [("zero", zero), ("succ", succ)]


def _reverted(goal: Goal, fid: int, generalize: tuple[LocalDecl, ...]) -> list[LocalDecl]:
    """The locals Lean reverts before case analysis on ``fid``, in context order.

    Those depending on the target, the ``generalizing`` ones, and (as ``revert`` does) every
    local depending on a reverted one.
    """
    chosen = {x.fid for x in generalize}
    out: list[LocalDecl] = []
    for x in goal.ctx:
        if x.fid == fid:
            continue
        mentioned = fvars_of(x.type) if x.type not in VAR_TYPES else set()
        if x.fid in chosen or fid in mentioned or mentioned & {y.fid for y in out}:
            out.append(x)
    return out


def _with_deps(goal: Goal, deps: list[LocalDecl], var: Expr, value: Expr) -> Goal:
    """Reintroduces reverted locals after the case's own fields (ids kept: the target and the
    later locals refer to the generalized variables)."""
    ctx = list(goal.ctx)
    for dep in deps:
        dep_type = dep.type if dep.type in VAR_TYPES else replace_term(dep.type, var, value)
        ctx.append(LocalDecl(dep.fid, dep.name, dep_type, dep.inaccessible))
    return Goal(tuple(ctx), goal.target, goal.tag)


def _run_alts(
    s: Session, tac: Node, cases: list[tuple[str, Goal]], alts: list[Any] | None, rest: list[Goal]
) -> list[Goal]:
    if alts is None:
        return [g for _, g in cases] + rest
    by_ctor = {ctor: g for ctor, g in cases}
    for tag, _names, _seq, _start in alts:
        if tag not in by_ctor and tag != "_":
            raise LeanFailure(
                f"invalid alternative name '{tag}', expected {', '.join(repr(c) for c, _ in cases)}"
            )
    for ctor, g in cases:
        alt = next((a for a in alts if a[0] == ctor), None) or next(
            (a for a in alts if a[0] == "_"), None
        )
        if alt is None:
            raise LeanFailure(f"alternative '{ctor}' has not been provided")
        s.close_or_admit(alt[2], [g], Node("alt", [], alt[3], alt[2].end))
    return rest


def t_cases(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    target_node, alts = tac.args
    names = {a[0]: a[1] for a in alts} if alts else None
    if target_node.kind == "ident":
        d = goal.lookup(target_node.args[0])
        if d is not None and d.type in (NAT,):
            cases = _nat_cases(s, goal, d, names, induction=False)
            return _run_alts(s, tac, cases, alts, goals[1:])
        if d is not None and d.type not in (INT, PROP, NAT):
            cases = cases_on(s, goal, d.type, d.fid, names)
            return _run_alts(s, tac, cases, alts, goals[1:])
        if d is not None:
            raise LeanFailure(
                f"MiniLean: `cases` on a variable of type {s.pp(goal, d.type)} is outside the fragment"
            )
    ty = s.elab(goal).proof(target_node, None)
    cases = cases_on(s, goal, ty, None, names)
    return _run_alts(s, tac, cases, alts, goals[1:])


def t_induction(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    target_node, alts, generalizing = tac.args
    if target_node.kind != "ident" or goal.lookup(target_node.args[0]) is None:
        raise LeanFailure("MiniLean: `induction` needs a local Nat variable")
    d = goal.lookup(target_node.args[0])
    assert d is not None
    generalize: list[LocalDecl] = []
    for g_node in generalizing:
        name = g_node.args[0]
        gd = goal.lookup(name)
        if gd is None:
            raise LeanFailure(messages.unknown_identifier(name), g_node.start, g_node.end)
        if gd.fid == d.fid:
            raise LeanFailure(
                f"variable cannot be generalized because target depends on it\n  {name}",
                g_node.start,
                g_node.end,
            )
        if gd.type not in VAR_TYPES and d.fid in fvars_of(gd.type):
            raise LeanFailure(
                f"unnecessary 'generalizing' argument, variable '{name}' is generalized "
                "automatically",
                g_node.start,
                g_node.end,
            )
        generalize.append(gd)
    names = {a[0]: a[1] for a in alts} if alts else None
    cases = _nat_cases(s, goal, d, names, induction=True, generalize=tuple(generalize))
    return _run_alts(s, tac, cases, alts, goals[1:])


def rcases_intro(s: Session, goal: Goal, ty: Expr, pat: Node, fid: int | None = None) -> list[Goal]:
    """Destructures a hypothesis of type ``ty`` with an rcases pattern.

    If ``fid`` is given the hypothesis already is in the context (and is replaced).
    """
    k = pat.kind
    if k in ("pat_name", "pat_hole"):
        if fid is not None:
            if k == "pat_name":
                ctx = tuple(
                    LocalDecl(d.fid, pat.args[0], d.type, False) if d.fid == fid else d
                    for d in goal.ctx
                )
                return [Goal(ctx, goal.target, goal.tag)]
            return [goal]
        name = pat.args[0] if k == "pat_name" else "h"
        g, _ = goal.add(name, ty, inaccessible=k == "pat_hole")
        return [g]
    if k == "pat_clear":
        return [_clear_decl(goal, fid) if fid is not None else goal]
    if k == "pat_rfl":
        if ty[0] != "rel" or ty[1] != "=":
            raise LeanFailure("MiniLean: `rfl` pattern needs an equation")
        base = _clear_decl(goal, fid) if fid is not None else goal
        return [_subst_eq(s, base, ty)]
    if k == "pat_alts":
        alts = pat.args[0]
        if ty[0] != "or":
            if len(alts) == 1:
                return rcases_intro(s, goal, ty, alts[0], fid)
            raise LeanFailure(
                f"MiniLean: alternative pattern on a non-∨ hypothesis\n  {s.pp(goal, ty)}"
            )
        base = _clear_decl(goal, fid) if fid is not None else goal
        left = Node("pat_alts", [alts[1:]], pat.start, pat.end) if len(alts) > 2 else alts[1]
        out: list[Goal] = []
        g1 = rcases_intro(s, base.with_tag(append_tag(goal.tag, "inl")), ty[1], alts[0])
        g2 = rcases_intro(s, base.with_tag(append_tag(goal.tag, "inr")), ty[2], left)
        out.extend(g1)
        out.extend(g2)
        return out
    if k == "pat_tuple":
        elems = pat.args[0]
        if not elems:
            return [goal]
        if len(elems) == 1:
            return rcases_intro(s, goal, ty, elems[0], fid)
        base = _clear_decl(goal, fid) if fid is not None else goal
        ty = unfold_dvd(ty)  # `a ∣ b` is `∃ c, b = a * c` to rcases (whnfD)
        if ty[0] in ("and", "iff"):
            if ty[0] == "and":
                a, b = ty[1], ty[2]
            else:
                a = ("pi", Binder("a"), ty[1], lift(ty[2], 1, 0))
                b = ("pi", Binder("a"), ty[2], lift(ty[1], 1, 0))
            rest = elems[1:]
            rest_pat = rest[0] if len(rest) == 1 else Node("pat_tuple", [rest], pat.start, pat.end)
            out = []
            for g in rcases_intro(s, base, a, elems[0]):
                out.extend(rcases_intro(s, g, b, rest_pat))
            return out
        if ty[0] == "ex":
            first = elems[0]
            if first.kind == "pat_name":
                g, wid = base.add(first.args[0], ty[2])
            elif first.kind == "pat_hole":
                g, wid = base.add("w", ty[2], inaccessible=True)
            else:
                raise LeanFailure("MiniLean: the witness of ∃ must be named")
            body = instantiate(ty[3], ("fvar", wid))
            rest = elems[1:]
            rest_pat = rest[0] if len(rest) == 1 else Node("pat_tuple", [rest], pat.start, pat.end)
            return rcases_intro(s, g, body, rest_pat)
        if ty == FALSE:
            return []
        raise LeanFailure(
            f"MiniLean: tuple pattern on a hypothesis of type\n  {s.pp(goal, ty)}\nis outside the fragment"
        )
    raise LeanFailure("MiniLean: unsupported rcases pattern")


def t_rcases(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    target_node, pat = tac.args
    if pat is None:
        pat = Node("pat_hole", [], tac.start, tac.end)
    if target_node.kind == "ident":
        d = goal.lookup(target_node.args[0])
        if d is not None and d.type not in VAR_TYPES:
            return rcases_intro(s, goal, d.type, pat, d.fid) + goals[1:]
        if d is not None and d.type == NAT:
            cases = _nat_cases(s, goal, d, None, induction=False)
            return [g for _, g in cases] + goals[1:]
    ty = s.elab(goal).proof(target_node, None)
    return rcases_intro(s, goal, ty, pat) + goals[1:]


def t_obtain(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    pat, ty_node, val = tac.args
    if pat is None:
        pat = Node("pat_name", ["this"], tac.start, tac.end)
    el = s.elab(goal)
    ty = el.prop(ty_node) if ty_node is not None else None
    if val is None:
        if ty is None:
            raise LeanFailure("MiniLean: `obtain` needs a type or a value")
        return [Goal(goal.ctx, ty, ""), *rcases_intro(s, goal, ty, pat), *goals[1:]]
    if val.kind == "ident" and ty is None:
        d = goal.lookup(val.args[0])
        if d is not None and d.type not in VAR_TYPES:
            return rcases_intro(s, goal, d.type, pat, d.fid) + goals[1:]
    ty = el.proof(val, ty)
    return rcases_intro(s, goal, ty, pat) + goals[1:]


def _subst_candidate(goal: Goal, eq: Expr) -> tuple[Expr, Expr] | None:
    """``(variable, value)`` for substituting with ``eq`` (the right side first, as Lean)."""
    a, b = eq[3], eq[4]
    for var, value in ((b, a), (a, b)):
        if var[0] == "fvar" and goal.decl(var[1]) is not None and var[1] not in fvars_of(value):
            return var, value
    return None


def _subst_var(goal: Goal, var: Expr, value: Expr) -> Goal:
    """Replaces the local ``var`` by ``value`` and removes it.

    Lean's ``substCore`` reverts the variable with the hypotheses depending on it and
    reintroduces those after the rest of the context, keeping their relative order.
    """
    fid = var[1]
    keep: list[LocalDecl] = []
    moved: list[LocalDecl] = []
    for d in goal.ctx:
        if d.fid == fid:
            continue
        if d.type not in VAR_TYPES and fid in fvars_of(d.type):
            moved.append(LocalDecl(d.fid, d.name, replace_term(d.type, var, value), d.inaccessible))
        else:
            keep.append(d)
    return Goal((*keep, *moved), replace_term(goal.target, var, value), goal.tag)


def _subst_eq(s: Session, goal: Goal, eq: Expr) -> Goal:
    found = _subst_candidate(goal, eq)
    if found is not None:
        return _subst_var(goal, *found)
    raise LeanFailure(messages.subst_not_equation(s.pp(goal, eq)))


def t_subst(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    for name in tac.args[0]:
        d = goal.lookup(name)
        if d is None:
            raise LeanFailure(messages.unknown_identifier(name))
        if d.type in (NAT, INT):
            var = ("fvar", d.fid)
            for h in reversed(goal.ctx):
                t = h.type
                if t[0] == "rel" and t[1] == "=" and (t[3] == var or t[4] == var):
                    goal = _subst_eq(
                        s,
                        _clear_decl(goal, h.fid),
                        t if t[4] == var else ("rel", "=", t[2], t[4], t[3]),
                    )
                    break
            else:
                raise LeanFailure(
                    f"Tactic `subst` failed: did not find equation for eliminating '{name}'"
                )
            continue
        t = d.type
        if t[0] != "rel" or t[1] != "=":
            raise LeanFailure(messages.subst_not_equation(s.pp(goal, t)))
        goal = _subst_eq(s, _clear_decl(goal, d.fid), t)
    return [goal, *goals[1:]]
