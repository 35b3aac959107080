"""Rewriting: ``rw`` and its pattern matching (``rewrite_expr``)."""

from __future__ import annotations

from lean_gym.backends.minilean import messages
from lean_gym.backends.minilean.elab import Elaborator
from lean_gym.backends.minilean.errors import LeanFailure
from lean_gym.backends.minilean.expr import (
    TRUE,
    VAR_TYPES,
    Expr,
    has_loose_bvar,
    has_mvar,
    instantiate,
    replace_term,
    subst_mvars,
)
from lean_gym.backends.minilean.goals import Goal, LocalDecl, fresh_id
from lean_gym.backends.minilean.reduce import reducible_eq
from lean_gym.backends.minilean.syntax import Node
from lean_gym.backends.minilean.tactics.basic import t_assumption
from lean_gym.backends.minilean.tactics.session import Session


def _match(pattern: Expr, e: Expr, assignment: dict[int, Expr]) -> bool:
    """First-order matching of ``pattern`` (with mvars) against the closed ``e``."""
    if pattern[0] == "mvar":
        bound = assignment.get(pattern[1])
        if bound is not None:
            return bound == e
        if e[0] in ("lit", "bin", "neg", "succ", "cast", "fvar", "call") or e[0] in (
            "rel",
            "dvd",
            "and",
            "or",
            "not",
            "iff",
            "true",
            "false",
            "pi",
            "ex",
        ):
            assignment[pattern[1]] = e
            return True
        return False
    if pattern[0] == "succ" and e[0] != "succ":
        # `Nat.succ ?m` unifies with `t + 1` and with a positive literal (Nat offset terms).
        if e[0] == "bin" and e[1] == "+" and e[2] == "Nat" and e[4] == ("lit", 1, "Nat"):
            return _match(pattern[1], e[3], assignment)
        if e[0] == "lit" and e[2] == "Nat" and e[1] > 0:
            return _match(pattern[1], ("lit", e[1] - 1, "Nat"), assignment)
        return False
    if pattern[0] != e[0] or len(pattern) != len(e):
        return False
    k = pattern[0]
    if k in ("bin", "rel", "dvd"):
        return (
            pattern[1] == e[1]
            and pattern[2] == e[2]
            and _match(pattern[3], e[3], assignment)
            and _match(pattern[4], e[4], assignment)
        )
    if k in ("and", "or", "iff"):
        return _match(pattern[1], e[1], assignment) and _match(pattern[2], e[2], assignment)
    if k in ("not", "neg", "succ", "cast"):
        return _match(pattern[1], e[1], assignment)
    if k == "call":
        return (
            _match(pattern[1], e[1], assignment)
            and len(pattern[2]) == len(e[2])
            and all(_match(p, a, assignment) for p, a in zip(pattern[2], e[2], strict=True))
        )
    return pattern == e


def _find_instance(pattern: Expr, e: Expr, depth: int = 0) -> tuple[dict[int, Expr], Expr] | None:
    """The first (pre-order, left to right) subterm matching ``pattern`` (kabstract's order).

    Returns the assignment and the matched subterm itself (which may differ syntactically from
    the instantiated pattern, e.g. ``k + 1`` for ``Nat.succ ?m``).
    """
    if (depth == 0 or not _has_bvar_any(e)) and _same_head(pattern, e):
        assignment: dict[int, Expr] = {}
        if _match(pattern, e, assignment):
            return assignment, e
    k = e[0]
    children: list[tuple[Expr, int]] = []
    if k in ("bin", "rel", "dvd"):
        children = [(e[3], depth), (e[4], depth)]
    elif k in ("and", "or", "iff"):
        children = [(e[1], depth), (e[2], depth)]
    elif k in ("not", "neg", "succ", "cast"):
        children = [(e[1], depth)]
    elif k in ("pi", "ex"):
        children = [(e[2], depth), (e[3], depth + 1)]
    elif k == "call":
        children = [(a, depth) for a in e[2]]
    for child, d in children:
        if _has_bvar_any(child):
            # Subterms mentioning bound variables are skipped, but their closed parts are not.
            found = _find_instance(pattern, child, d + 1)
        else:
            found = _find_instance(pattern, child, 0)
        if found is not None:
            return found
    return None


def _same_head(pattern: Expr, e: Expr) -> bool:
    """kabstract's key check: only subterms with the pattern's head symbol are candidates.

    ``Nat.succ ?n`` unifies with ``k + 1`` and with ``5`` (Nat offset terms), but their heads
    (``HAdd.hAdd``, ``OfNat.ofNat``) differ from ``Nat.succ``, so ``rw`` does not rewrite them;
    below the root, arguments are unified up to that defeq (see ``_match``).
    """
    if pattern[0] == "succ":
        return e[0] == "succ"
    return True


def _has_bvar_any(e: Expr) -> bool:
    k = e[0]
    if k == "bvar":
        return True
    if k in ("fvar", "const", "lit", "true", "false", "mvar"):
        return False
    if k in ("pi", "ex", "lam"):
        return _has_bvar_any(e[2]) or _has_loose_above(e[3], 1)
    if k in ("bin", "rel", "dvd"):
        return _has_bvar_any(e[3]) or _has_bvar_any(e[4])
    if k in ("and", "or", "iff", "app"):
        return _has_bvar_any(e[1]) or _has_bvar_any(e[2])
    if k in ("not", "neg", "succ", "cast"):
        return _has_bvar_any(e[1])
    if k == "call":
        return _has_bvar_any(e[1]) or any(_has_bvar_any(a) for a in e[2])
    return False


def _has_loose_above(e: Expr, cutoff: int) -> bool:
    k = e[0]
    if k == "bvar":
        return e[1] >= cutoff
    if k in ("fvar", "const", "lit", "true", "false", "mvar"):
        return False
    if k in ("pi", "ex", "lam"):
        return _has_loose_above(e[2], cutoff) or _has_loose_above(e[3], cutoff + 1)
    if k in ("bin", "rel", "dvd"):
        return _has_loose_above(e[3], cutoff) or _has_loose_above(e[4], cutoff)
    if k in ("and", "or", "iff", "app"):
        return _has_loose_above(e[1], cutoff) or _has_loose_above(e[2], cutoff)
    if k in ("not", "neg", "succ", "cast"):
        return _has_loose_above(e[1], cutoff)
    if k == "call":
        return _has_loose_above(e[1], cutoff) or any(_has_loose_above(a, cutoff) for a in e[2])
    return False


def _rewrite_rule(
    s: Session, goal: Goal, rev: bool, term: Node
) -> tuple[Expr, Expr, list[Expr], Elaborator, bool]:
    """(lhs pattern, rhs, premises, elaborator, is_prop_eq) for a rewrite rule."""
    el = s.elab(goal)
    ty = (
        el.proof(term, None)
        if term.kind != "ident" or goal.lookup(term.args[0]) is not None
        else None
    )
    if ty is None:
        head_t = el.head_type(term, None, [])
        if head_t[0] in ("special", "method"):
            raise LeanFailure(f"MiniLean: cannot rewrite with `{el.source(term)}`")
        ty = head_t
    premises: list[Expr] = []
    while True:
        t = ty
        if t[0] == "pi" and (t[2] in VAR_TYPES or t[1].implicit):
            ty = instantiate(t[3], el.fresh_mvar())
            continue
        if t[0] == "pi" and not has_loose_bvar(t[3], 0) and t[3][0] in ("rel", "iff", "pi"):
            premises.append(t[2])
            ty = instantiate(t[3], TRUE)
            continue
        break
    if ty[0] == "rel" and ty[1] == "=":
        lhs, rhs = (ty[4], ty[3]) if rev else (ty[3], ty[4])
        return lhs, rhs, premises, el, ty[2] == "Prop"
    if ty[0] == "iff":
        lhs, rhs = (ty[2], ty[1]) if rev else (ty[1], ty[2])
        return lhs, rhs, premises, el, True
    raise LeanFailure(
        f"Tactic `rewrite` failed: equality or iff proof expected\n  {s.pp(goal, ty)}\n\n{s.goal_text(goal)}"
    )


def rewrite_expr(s: Session, goal: Goal, e: Expr, rev: bool, term: Node) -> tuple[Expr, list[Expr]]:
    lhs, rhs, premises, el, _ = _rewrite_rule(s, goal, rev, term)
    if lhs[0] == "mvar":
        raise LeanFailure(
            "Tactic `rewrite` failed: pattern is a metavariable\n  " + s.pp(goal, lhs)
        )
    found = _find_instance(lhs, e)
    if found is None:
        raise LeanFailure(
            f"Tactic `rewrite` failed: did not find instance of the pattern in the target expression\n  "
            f"{s.pp(goal, subst_mvars(lhs, el.mvars))}\n\n{s.goal_text(goal.with_target(e) if e is not goal.target else goal)}"
        )
    assignment, instance = found
    pat = subst_mvars(lhs, assignment)
    new_rhs = subst_mvars(rhs, assignment)
    if has_mvar(new_rhs) or has_mvar(pat):
        raise LeanFailure(
            "MiniLean: rewrite left a metavariable; give the lemma's arguments explicitly"
        )
    new_premises = [subst_mvars(p, assignment) for p in premises]
    if any(has_mvar(p) for p in new_premises):
        raise LeanFailure(
            "MiniLean: rewrite left a metavariable; give the lemma's arguments explicitly"
        )
    if instance != pat:
        e = replace_term(e, instance, pat)
    return replace_term(e, pat, new_rhs), new_premises


def t_rw(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    rules, loc, variant = tac.args
    side: list[Goal] = []
    s.note_axioms(())
    for rev, term in rules:
        s.check_deadline()
        if loc and "*" in loc:
            raise LeanFailure("MiniLean: `rw ... at *` is not supported")
        if loc:
            for name in loc:
                if name == "⊢":
                    new_t, prem = rewrite_expr(s, goal, goal.target, rev, term)
                    goal = goal.with_target(new_t)
                else:
                    d = goal.lookup(name)
                    if d is None:
                        raise LeanFailure(messages.unknown_identifier(name))
                    new_t, prem = rewrite_expr(s, goal.with_target(d.type), d.type, rev, term)
                    # Lean's `rw at h` re-asserts h (a new local at the same place, old one cleared).
                    ctx = tuple(
                        LocalDecl(fresh_id(), x.name, new_t, x.inaccessible)
                        if x.fid == d.fid
                        else x
                        for x in goal.ctx
                    )
                    goal = Goal(ctx, goal.target, goal.tag)
                side.extend(Goal(goal.ctx, p, "") for p in prem)
        else:
            new_t, prem = rewrite_expr(s, goal, goal.target, rev, term)
            goal = goal.with_target(new_t)
            side.extend(Goal(goal.ctx, p, "") for p in prem)
    # `rw` closes goals with `rfl` (reducible transparency: syntactic equality here). `rfl`
    # only closes relations (`Eq`, `Iff`, `@[refl]` ones); a goal rewritten to `True` stays open.
    # Only `rw` tries it: `rewrite` leaves `b = b` open. Reducible `rfl` still sees Nat literal
    # arithmetic and offsets (`n.succ = n + 1`, `0 + 1 = 1`: `Nat` literal defeq).
    t = goal.target
    closed = variant != "rewrite" and (
        (t[0] == "rel" and t[1] == "=" and reducible_eq(t[3], t[4]))
        or (t[0] == "iff" and t[1] == t[2])
    )
    if variant == "rwa" and not closed:
        return t_assumption(s, tac, [goal]) + side + goals[1:]
    if closed:
        return side + goals[1:]
    return [goal, *side, *goals[1:]]
