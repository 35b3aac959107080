"""The simp family of tactics: ``simp``, ``simp_all``, ``simp_arith``, ``simpa`` and
``rintro`` (the simplifier itself lives in ``lean_gym.backends.minilean.simp``).
"""

from __future__ import annotations

import itertools
from typing import Any

from lean_gym.backends.minilean import arith, messages
from lean_gym.backends.minilean.arith import bridge as arith_bridge
from lean_gym.backends.minilean.errors import LeanFailure
from lean_gym.backends.minilean.expr import (
    FALSE,
    INT,
    NAT,
    PROP,
    PROP_KINDS,
    TRUE,
    VAR_TYPES,
    Expr,
    has_loose_bvar,
    instantiate,
    mentions_mvar,
)
from lean_gym.backends.minilean.goals import Goal, LocalDecl, fresh_id
from lean_gym.backends.minilean.reduce import defeq, whnf_pi
from lean_gym.backends.minilean.simp import SIMP_SET, Simplifier, SimpLoop, distinct_lhs, settled
from lean_gym.backends.minilean.syntax import Node
from lean_gym.backends.minilean.tactics.cases import rcases_intro
from lean_gym.backends.minilean.tactics.common import intro_one
from lean_gym.backends.minilean.tactics.session import Session, unsolved_text

# simp ------------------------------------------------------------------------------------
_SIMP_LOOP = (
    "maximum recursion depth has been reached\n"
    "use `set_option maxRecDepth <num>` to increase limit\n"
    "use `set_option diagnostics true` to get diagnostic information"
)


class UnusableRule(Exception):
    """A ∀-hypothesis MiniLean cannot use as a simp rule (its left-hand side, and why)."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why
        self.lhs: Expr | None = None


def _unusable(lhs: Expr, why: str) -> UnusableRule:
    exc = UnusableRule(why)
    exc.lhs = lhs
    return exc


_pattern_ids = itertools.count(10**9)


def _rules_of_fact(ty: Expr) -> list[tuple[Expr, Expr]]:
    """The rewrite rules Lean's simp makes of a hypothesis (its ``preprocess``).

    A hypothesis ``∀ x y, f x y = e`` becomes the rule ``f ?x ?y ↦ e[?x, ?y]``, used when its
    left-hand side is an application of a local function (no lemma of Lean's simp set rewrites
    those, so the rule is the one Lean applies); any other ∀-hypothesis raises
    :class:`UnusableRule` so that the caller can say why it was not used.
    """
    k = ty[0]
    if k == "and":
        return _rules_of_fact(ty[1]) + _rules_of_fact(ty[2])
    if k == "pi" and ty[2] in (NAT, INT) and has_loose_bvar(ty[3], 0):
        return _pattern_rules(ty)
    if k in ("true", "false", "pi", "ex"):
        return []  # conditional or quantified rules are outside the fragment (weaker)
    if k == "iff":
        return [(ty[1], ty[2])] if ty[1] != ty[2] else []
    if k == "rel":
        op, sort, a, b = ty[1], ty[2], ty[3], ty[4]
        if op == "=":
            return [(a, b)] if a != b and sort in ("Nat", "Int") else []
        if op == "≠":
            return [(("rel", "=", sort, a, b), FALSE)]
        if op == ">":
            return [(("rel", "<", sort, b, a), TRUE)]
        if op == "≥":
            return [(("rel", "≤", sort, b, a), TRUE)]
        return [(ty, TRUE)]
    if k == "not":
        inner = ty[1]
        if inner[0] == "rel" and inner[1] in (">", "≥", "≠"):
            return []
        return [(inner, FALSE)]
    return [(ty, TRUE)]


def _pattern_rules(ty: Expr) -> list[tuple[Expr, Expr]]:
    body = ty
    mvars: list[int] = []
    while body[0] == "pi" and body[2] in (NAT, INT) and has_loose_bvar(body[3], 0):
        k = next(_pattern_ids)
        mvars.append(k)
        body = instantiate(body[3], ("mvar", k))
    if body[0] == "pi":
        raise _unusable(body, "it is conditional (a hypothesis behind `→`)")
    rules = _rules_of_fact(body)
    if not rules:
        raise _unusable(body, "it is not an equation or a proposition simp can rewrite to True")
    for lhs, _rhs in rules:
        if lhs[0] != "call" or lhs[1][0] != "fvar":
            raise _unusable(lhs, "its left-hand side is not an application of a local function")
        missing = [m for m in mvars if not mentions_mvar(lhs, m)]
        if missing:
            raise _unusable(lhs, "a bound variable does not occur in its left-hand side")
    return rules


def _core_simp_rules(
    s: Session,
    goal: Goal,
    lemmas: list[tuple[bool, Node]],
    use_all_hyps: bool,
    core: bool | frozenset[str],
    exclude: int | None = None,
) -> dict[Expr, Expr]:
    """The ground rewrite rules of a ``simp [..]`` call (hypotheses and local facts)."""
    entries: list[tuple[Expr, int | None, str]] = []
    for rev, node in lemmas:
        if node.kind == "star":
            entries.extend((d.type, d.fid, d.name) for d in goal.ctx if d.type not in VAR_TYPES)
            continue
        el = s.elab(goal)
        src: int | None = None
        if node.kind == "ident" and goal.lookup(node.args[0]) is None:
            if node.args[0] in SIMP_SET and not rev:
                continue  # a lemma of MiniLean's simp set: see `_simp_lemma_names`
            ty = el.head_type(node, None, [])
            if ty[0] in ("special", "method"):
                raise LeanFailure(f"MiniLean: `{node.args[0]}` cannot be used as a simp lemma")
            if ty[0] == "pi" and (ty[2] in VAR_TYPES or ty[1].implicit):
                raise LeanFailure(
                    f"MiniLean: quantified simp lemma `{node.args[0]}` is not supported"
                )
        else:
            if node.kind == "ident":
                d = goal.lookup(node.args[0])
                src = d.fid if d is not None else None
            ty = el.proof(node, None)
        if rev:
            if ty[0] == "rel" and ty[1] == "=":
                ty = ("rel", "=", ty[2], ty[4], ty[3])
            elif ty[0] == "iff":
                ty = ("iff", ty[2], ty[1])
            else:
                raise LeanFailure("MiniLean: `←` on a simp lemma that is not an equation")
        entries.append((ty, src, ""))
    if use_all_hyps:
        entries.extend((d.type, d.fid, d.name) for d in goal.ctx if d.type not in VAR_TYPES)
    pairs: list[tuple[Expr, Expr]] = []
    for ty, src, name in entries:
        if exclude is not None and src == exclude:
            continue  # Lean erases a hypothesis from the simp set while simplifying it
        try:
            pairs.extend(_rules_of_fact(ty))
        except UnusableRule as exc:
            if name:  # from `simp [*]` / `simp_all`: a fact simp cannot use is left out
                continue
            raise LeanFailure(
                f"MiniLean: simp cannot use the ∀-hypothesis\n  {s.pp(goal, ty)}\nas a rewrite "
                f"rule: {exc.why} (left-hand side `{s.pp(goal, exc.lhs or TRUE)}`)"
            ) from None
    rules = distinct_lhs(pairs)
    if rules is None:
        raise LeanFailure(
            "MiniLean: two simp lemmas rewrite the same term differently; which one Lean's simp "
            "uses is outside MiniLean's fragment"
        )
    probe = Simplifier({}, core)
    for lhs in rules:
        if lhs in (TRUE, FALSE):
            raise LeanFailure("MiniLean: this simp lemma is outside MiniLean's fragment")
        step = probe.prop_step(lhs) if lhs[0] in PROP_KINDS else probe.term_step(lhs)
        if step != lhs:
            # Lean's simp set also rewrites this term at its root; which rule wins depends on
            # Lean's discrimination-tree order, so MiniLean does not guess.
            raise LeanFailure(
                f"MiniLean: simp lemma with left-hand side `{s.pp(goal, lhs)}`, which the default "
                "simp set also rewrites, is outside MiniLean's fragment"
            )
    return rules


def _simp_lemma_names(
    goal: Goal, only: bool, lemmas: list[tuple[bool, Node]]
) -> bool | frozenset[str]:
    """``True`` for the whole simp set, or the simp-set lemmas named in ``simp only [...]``."""
    if not only:
        return True
    return frozenset(
        n.args[0]
        for rev, n in lemmas
        if n.kind == "ident"
        and not rev
        and n.args[0] in SIMP_SET
        and goal.lookup(n.args[0]) is None
    )


def _run_simp(s: Session, rules: dict[Expr, Expr], core: bool | frozenset[str], e: Expr) -> Expr:
    try:
        return Simplifier(rules, core, s.check_deadline).run(e)
    except SimpLoop:
        raise LeanFailure(_SIMP_LOOP) from None


def _atom_type(goal: Goal) -> Any:
    def atom_type(e: Expr) -> str | None:
        d = goal.decl(e[1])
        if d is None:
            return None
        if d.type == NAT:
            return "Nat"
        if d.type == INT:
            return "Int"
        if d.type == PROP:
            return "Prop"
        return "fun" if d.type[0] == "arrow" else None

    return atom_type


def _unpredictable(s: Session, goal: Goal, e: Expr) -> LeanFailure:
    return LeanFailure(
        f"MiniLean: simp rewrote this to `{s.pp(goal, e)}`, which Lean's full simp set may "
        "rewrite further; the goal simp leaves here is outside MiniLean's fragment"
    )


def _arith_decides(e: Expr) -> bool | None:
    """The truth value ``simp +arith``'s normaliser (``Nat.Linear``/``Int.Linear``) gives ``e``
    when ``e`` is one Nat or Int relation or its negation, else ``None``; no hypothesis is
    used: the normaliser reads each relation on its own."""
    f = arith_bridge.simp_relation(e)
    if f is None:
        return None
    negated = f[0] == "not"
    value = arith.simp_arith_decides(f[1] if negated else f)
    return value if value is None or not negated else not value


def _simp_config(tac: Node) -> bool:
    return len(tac.args) > 3 and bool(tac.args[3])


def t_simp(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    only, lemmas, loc = tac.args[:3]
    kind = tac.kind
    core = _simp_lemma_names(goal, only, lemmas)
    use_all = kind == "simp_all"
    arith_mode = kind == "simp_arith" or _simp_config(tac)
    no_progress = "simp_all made no progress" if use_all else "simp made no progress"
    s.note_axioms(("propext",))
    atom_type = _atom_type(goal)
    if use_all:
        rules = _core_simp_rules(s, goal, lemmas, True, core)
        # simp_all first simplifies every hypothesis with the others; MiniLean only follows it
        # when that phase changes nothing.
        for d in goal.ctx:
            if d.type in VAR_TYPES:
                continue
            own = _core_simp_rules(s, goal, lemmas, True, core, exclude=d.fid)
            if _run_simp(s, own, core, d.type) != d.type:
                raise LeanFailure(
                    "MiniLean: simp_all would rewrite hypothesis "
                    f"`{d.name}`; that is outside MiniLean's fragment"
                )
        new_t = _run_simp(s, rules, core, goal.target)
        if new_t != TRUE and arith_mode and _arith_decides(new_t):
            new_t = TRUE
        if new_t == TRUE:
            return goals[1:]
        if new_t == goal.target:
            raise LeanFailure(no_progress)
        raise _unpredictable(s, goal, new_t)
    targets = loc or ["⊢"]
    if "*" in targets:
        targets = [d.name for d in goal.ctx if d.type not in VAR_TYPES and not d.inaccessible] + [
            "⊢"
        ]
    progress = False
    new_goal = goal
    for where in targets:
        if where == "⊢":
            rules = _core_simp_rules(s, new_goal, lemmas, False, core)
            new_t = _run_simp(s, rules, core, new_goal.target)
            decided = _arith_decides(new_t) if arith_mode and new_t != TRUE else None
            if decided is not None:  # the normaliser rewrites the relation to True or False
                new_t = TRUE if decided else FALSE
            if new_t == new_goal.target:
                continue
            progress = True
            if new_t == TRUE:
                return goals[1:]
            if new_t != FALSE and (arith_mode or not settled(new_t, atom_type)):
                raise _unpredictable(s, new_goal, new_t)
            new_goal = new_goal.with_target(new_t)
            continue
        d = new_goal.lookup(where)
        if d is None:
            raise LeanFailure(messages.unknown_identifier(where))
        rules = _core_simp_rules(s, new_goal, lemmas, False, core, exclude=d.fid)
        new_t = _run_simp(s, rules, core, d.type)
        decided = _arith_decides(new_t) if arith_mode and new_t != FALSE else None
        if decided is not None:
            new_t = TRUE if decided else FALSE
        if new_t == FALSE:
            # A hypothesis that is (or becomes) `False` closes the goal, progress or not
            # (Lean's `simpGoal` checks the result for `False`).
            return goals[1:]
        if new_t == d.type:
            continue
        progress = True
        if new_t == FALSE:
            return goals[1:]
        if new_t != TRUE and (arith_mode or not settled(new_t, atom_type)):
            raise _unpredictable(s, new_goal, new_t)
        ctx = tuple(
            LocalDecl(fresh_id(), x.name, new_t, x.inaccessible) if x.fid == d.fid else x
            for x in new_goal.ctx
        )
        if new_t == TRUE:
            ctx = tuple(x for x in ctx if x.type != TRUE or x.name != d.name)
        new_goal = Goal(ctx, new_goal.target, new_goal.tag)
    if not progress:
        raise LeanFailure(no_progress)
    return [new_goal, *goals[1:]]


def t_rintro(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    current = [goal]
    for pat in tac.args[0]:
        g = current[0]
        target = whnf_pi(g.target)
        if target[0] != "pi":
            raise LeanFailure(messages.INTRO_FAILED)
        if pat.kind in ("pat_name", "pat_hole"):
            name = pat.args[0] if pat.kind == "pat_name" else None
            g2, _ = intro_one(g, name, tac)
            current = [g2, *current[1:]]
            continue
        if has_loose_bvar(target[3], 0):
            raise LeanFailure("MiniLean: rintro patterns on dependent binders are not supported")
        base = Goal(g.ctx, instantiate(target[3], TRUE), g.tag)
        current = rcases_intro(s, base, target[2], pat) + current[1:]
    return current + goals[1:]


def t_simpa(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    only, lemmas, using = tac.args
    core = _simp_lemma_names(goal, only, lemmas)
    rules = _core_simp_rules(s, goal, lemmas, False, core)
    s.note_axioms(("propext",))
    target = _run_simp(s, rules, core, goal.target)
    if target == TRUE:
        if using is not None:
            s.elab(goal).proof(using, None)
        return goals[1:]
    if using is not None:
        ty = s.elab(goal).proof(using, None)
        simp_ty = _run_simp(s, rules, core, ty)
        if simp_ty in (FALSE, target) or defeq(ty, goal.target):
            return goals[1:]
        raise LeanFailure(messages.type_mismatch("h", s.pp(goal, simp_ty), s.pp(goal, target)))
    # Without `using`, simpa closes the simplified goal with `assumption`.
    for d in reversed(goal.ctx):
        if d.type not in VAR_TYPES and defeq(d.type, target):
            return goals[1:]
    raise LeanFailure(unsolved_text([goal.with_target(target)], s.mathlib))
