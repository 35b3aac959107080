"""Basic tactics: intro, exact, refine, apply, calc, constructor, left/right, exists,
trivial, exfalso, assumption, contradiction, rfl, symm, have, show, specialize, by_cases,
sorry, sleep, skip, done, trace, the unsupported placeholder and ``exact?``.
"""

from __future__ import annotations

import time

from lean_gym.backends.minilean import messages
from lean_gym.backends.minilean.arith import bridge as arith_bridge
from lean_gym.backends.minilean.arith_view import decide_value
from lean_gym.backends.minilean.elab import Elaborator
from lean_gym.backends.minilean.elab.calc import calc_chain, calc_extension, calc_failure
from lean_gym.backends.minilean.errors import LeanFailure, RecoverableElabError
from lean_gym.backends.minilean.expr import (
    FALSE,
    INT,
    NAT,
    PROP,
    TRUE,
    VAR_TYPES,
    Binder,
    Expr,
    fvars_of,
    has_loose_bvar,
    has_mvar,
    instantiate,
    lift,
    subst_mvars,
)
from lean_gym.backends.minilean.goals import Goal, LocalDecl, append_tag
from lean_gym.backends.minilean.lemmas import CLASSICAL_AXIOMS
from lean_gym.backends.minilean.reduce import (
    defeq,
    eval_closed,
    norm_prop,
    norm_term,
    unfold_dvd,
    whnf_pi,
)
from lean_gym.backends.minilean.syntax import Node
from lean_gym.backends.minilean.tactics.cases import rcases_intro
from lean_gym.backends.minilean.tactics.common import intro_one
from lean_gym.backends.minilean.tactics.session import Logged, Session, unsolved_text


def t_intro(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    names = tac.args[0]
    if tac.kind == "intros":
        if names:
            for name in names:
                goal, _ = intro_one(goal, name, tac)
        else:
            while whnf_pi(goal.target)[0] == "pi" and goal.target[0] == "pi":
                goal, _ = intro_one(goal, None, tac)
        return [goal, *goals[1:]]
    if not names:
        goal, _ = intro_one(goal, None, tac)
        return [goal, *goals[1:]]
    new_goals = [goal]
    for name in names:
        g = new_goals[0]
        if isinstance(name, Node):
            target = whnf_pi(g.target)
            if target[0] != "pi":
                raise LeanFailure(messages.INTRO_FAILED)
            if has_loose_bvar(target[3], 0):
                raise LeanFailure("MiniLean: intro patterns on dependent binders are not supported")
            base = Goal(g.ctx, instantiate(target[3], TRUE), g.tag)
            new_goals = rcases_intro(s, base, target[2], name) + new_goals[1:]
        else:
            g2, _ = intro_one(g, name, tac)
            new_goals = [g2, *new_goals[1:]]
    return new_goals + goals[1:]


def t_exact(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    if goal.target in (NAT, INT):
        s.elab(goal).term(tac.args[0], "Nat" if goal.target == NAT else "Int")
        return goals[1:]
    s.elab(goal).proof(tac.args[0], goal.target)
    return goals[1:]


def t_refine(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    saved = s.new_goals
    s.new_goals = []
    try:
        s.elab(goal).proof(tac.args[0], goal.target)
        created = s.new_goals
    finally:
        s.new_goals = saved
    if len(created) == 1:
        created = [created[0].with_tag(goal.tag if not created[0].tag else created[0].tag)]
    return created + goals[1:]


def t_apply(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    term = tac.args[0]
    head = term.args[0] if term.kind == "app" else term
    args = term.args[1] if term.kind == "app" else []
    if head.kind == "ident" and not args and goal.lookup(head.args[0]) is None:
        special = _apply_special(s, head.args[0], goal, tac)
        if special is not None:
            return special + goals[1:]
    el = s.elab(goal)
    try:
        if args:
            fty = el.head_type(head, None, args)
            if fty[0] in ("special", "method"):
                el.proof(term, goal.target)
                return goals[1:]
            fty = _partial_apply(el, fty, head, args)
        else:
            fty = el.head_type(head, None, [])
            if fty[0] in ("special", "method"):
                el.proof(term, goal.target)
                return goals[1:]
    except RecoverableElabError as exc:
        s.log_error(exc)
        s.synthetic_sorry = True
        return goals[1:]
    # Strip premises until the conclusion unifies with the target.
    premises: list[tuple[Binder, Expr]] = []
    ty = fty
    candidates: list[tuple[list[tuple[Binder, Expr]], Expr, dict[int, Expr]]] = []
    while True:
        snapshot = dict(el.mvars)
        if el.unify(ty, goal.target):
            candidates.append((list(premises), ty, dict(el.mvars)))
            break
        el.mvars = snapshot
        t = whnf_pi(subst_mvars(ty, el.mvars))
        if t[0] != "pi":
            break
        if t[2] in VAR_TYPES or t[1].implicit:
            mv = el.fresh_mvar()
            premises.append((t[1], mv))
            ty = instantiate(t[3], mv)
        else:
            premises.append((t[1], t[2]))
            ty = instantiate(t[3], TRUE)
    if not candidates:
        raise LeanFailure(
            f"Tactic `apply` failed: could not unify the conclusion of `{el.source(term)}`\n  "
            f"{s.pp(goal, subst_mvars(_conclusion(fty), el.mvars))}\nwith the goal\n  {s.pp(goal, goal.target)}\n\n"
            f"{s.goal_text(goal)}"
        )
    prem, _, assignment = candidates[0]
    new_goals: list[Goal] = []
    total = len(prem)
    for _binder, dom in prem:
        if dom[0] == "mvar":
            if dom[1] not in assignment:
                raise LeanFailure(
                    "MiniLean: `apply` would leave a metavariable goal; give the argument explicitly"
                )
            continue
        dom_i = subst_mvars(dom, assignment)
        if has_mvar(dom_i):
            raise LeanFailure(
                "MiniLean: `apply` would leave a metavariable in a goal; give the arguments explicitly"
            )
        new_goals.append(Goal(goal.ctx, dom_i, ""))
    if total == 1 and len(new_goals) == 1:
        new_goals = [new_goals[0].with_tag(goal.tag)]
    else:
        names = [b.name for b, d in prem if d[0] != "mvar"]
        new_goals = [
            g.with_tag(append_tag(goal.tag, n)) for g, n in zip(new_goals, names, strict=True)
        ]
    return new_goals + goals[1:]


def t_calc(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    """The ``calc`` tactic: closes the goal, or adds Lean's ``calc.step`` goal ``b R' c``."""
    goal = s.main_goal(goals, tac)
    steps = tac.args[0]
    el = s.elab(goal)
    result = calc_chain(el, steps)
    if defeq(result, goal.target):
        return goals[1:]
    extension = calc_extension(result, goal.target)
    if extension is not None:
        last, _composed = extension
        return [Goal(goal.ctx, last, append_tag(goal.tag, "calc.step")), *goals[1:]]
    raise calc_failure(el, steps, result, goal.target)


def _conclusion(ty: Expr) -> Expr:
    while ty[0] == "pi":
        ty = instantiate(ty[3], ("mvar", -1))
    return ty


def _partial_apply(el: Elaborator, fty: Expr, head: Node, args: list[Node]) -> Expr:
    """The type of ``head args`` where ``args`` are given explicitly (implicits before them)."""
    ty = fty
    i = 0
    while i < len(args):
        ty = subst_mvars(ty, el.mvars)
        t = whnf_pi(ty)
        if t[0] != "pi":
            raise LeanFailure(
                f"function expected at\n  {el.source(head)}", args[i].start, args[i].end
            )
        if t[1].implicit:
            ty = instantiate(t[3], el.fresh_mvar())
            continue
        arg = args[i]
        i += 1
        if t[2] in (NAT, INT):
            ty = instantiate(t[3], el.data_arg(arg, t[2]))
        elif t[2] == PROP:
            ty = instantiate(t[3], el.prop(arg))
        else:
            dom = subst_mvars(t[2], el.mvars)
            if has_mvar(dom):
                got = el.proof(arg, None)
                if not el.unify(got, dom):
                    raise LeanFailure(el.mismatch_text(arg, got, dom), arg.start, arg.end)
            else:
                el.proof(arg, dom)
            ty = instantiate(t[3], TRUE)
    return ty


def _apply_special(s: Session, name: str, goal: Goal, tac: Node) -> list[Goal] | None:
    t = goal.target
    if name == "And.intro":
        if t[0] != "and":
            return None
        return [
            Goal(goal.ctx, t[1], append_tag(goal.tag, "left")),
            Goal(goal.ctx, t[2], append_tag(goal.tag, "right")),
        ]
    if name == "Iff.intro":
        if t[0] != "iff":
            return None
        return [
            Goal(goal.ctx, ("pi", Binder("a"), t[1], lift(t[2], 1, 0)), append_tag(goal.tag, "mp")),
            Goal(
                goal.ctx, ("pi", Binder("a"), t[2], lift(t[1], 1, 0)), append_tag(goal.tag, "mpr")
            ),
        ]
    if name in ("Or.inl", "Or.inr"):
        if t[0] != "or":
            return None
        return [Goal(goal.ctx, t[1] if name == "Or.inl" else t[2], append_tag(goal.tag, "h"))]
    if name == "False.elim":
        return [Goal(goal.ctx, FALSE, append_tag(goal.tag, "h"))]
    return None


def t_constructor(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    t = goal.target
    if t[0] == "and":
        new = _apply_special(s, "And.intro", goal, tac)
    elif t[0] == "iff":
        new = _apply_special(s, "Iff.intro", goal, tac)
    elif t[0] == "true":
        new = []
    elif t[0] == "ex":
        raise LeanFailure(
            "MiniLean: `constructor` on ∃ leaves a metavariable; use `exists`/`refine ⟨_, ?_⟩`"
        )
    else:
        raise LeanFailure(
            f"Tactic `constructor` failed: target is not an inductive datatype\n\n{s.goal_text(goal)}"
            if t[0] in ("pi", "not", "false")
            else f"MiniLean: `constructor` on this goal is outside the fragment\n\n{s.goal_text(goal)}"
        )
    assert new is not None
    return new + goals[1:]


def t_left_right(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    if goal.target[0] != "or":
        raise LeanFailure(
            f"Tactic `{tac.kind}` failed: target is not an inductive datatype with two constructors\n\n"
            f"{s.goal_text(goal)}"
            if goal.target[0] in ("pi", "not", "false", "true")
            else f"MiniLean: `{tac.kind}` on this goal is outside the fragment"
        )
    new = _apply_special(s, "Or.inl" if tac.kind == "left" else "Or.inr", goal, tac)
    assert new is not None
    return new + goals[1:]


def t_exists(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    target = goal.target
    el = s.elab(goal)
    for w in tac.args[0]:
        target = unfold_dvd(target) if tac.kind == "exists" else target
        if target[0] != "ex":
            raise LeanFailure(
                messages.not_inductive(s.pp(goal, target))
                if tac.kind == "exists"
                else f"MiniLean: `use` needs an ∃ goal, got\n  {s.pp(goal, target)}",
                w.start,
                w.end,
            )
        value = el.data_arg(w, target[2])
        target = instantiate(target[3], value)
    tag = goal.tag if tac.kind == "exists" else append_tag(goal.tag, "h")
    new_goal = Goal(goal.ctx, target, tag)
    # `exists` ends with `try trivial`; Mathlib's `use` with `use_discharger` (rfl/trivial/assumption).
    snap = s.snapshot()
    saved = s.recover
    s.recover = False
    try:
        rest = _trivial(s, new_goal, tac)
        return rest + goals[1:]
    except LeanFailure:
        s.restore(snap)
        return [new_goal, *goals[1:]]
    finally:
        s.recover = saved


def _trivial(s: Session, goal: Goal, tac: Node) -> list[Goal]:
    t = goal.target
    if t == TRUE:
        return []
    for d in reversed(goal.ctx):
        if d.type not in VAR_TYPES and defeq(d.type, t):
            return []
    if t[0] == "rel" and t[1] == "=" and defeq(t[3], t[4]):
        return []
    if t[0] == "iff" and defeq(t[1], t[2]):
        return []
    v = decide_value(goal, t)
    if v is True:
        return []
    if t[0] == "and":
        _trivial(s, Goal(goal.ctx, t[1], goal.tag), tac)
        _trivial(s, Goal(goal.ctx, t[2], goal.tag), tac)
        return []
    raise LeanFailure(f"MiniLean: `trivial` failed\n\n{s.goal_text(goal)}")


def t_trivial(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    return _trivial(s, goal, tac) + goals[1:]


def t_exfalso(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    return [goal.with_target(FALSE), *goals[1:]]


def t_assumption(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    for d in reversed(goal.ctx):
        if d.type not in VAR_TYPES and defeq(d.type, goal.target):
            return goals[1:]
    raise LeanFailure(messages.tactic_failed("assumption", s.goal_text(goal)))


def _is_false_hyp(t: Expr) -> bool:
    if t == FALSE:
        return True
    n = norm_prop(t)
    if n[0] == "pi" and n[3] == FALSE:
        inner = n[2]
        if inner == TRUE:
            return True
        if inner[0] == "rel" and inner[1] == "=" and norm_term(inner[3]) == norm_term(inner[4]):
            return True
    if t[0] == "rel" and t[1] == "=" and t[2] == "Nat":
        a, b = eval_closed(t[3]), eval_closed(t[4])
        if a is not None and b is not None and a != b:
            return True
    return False


def t_contradiction(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    hyps = [d.type for d in goal.ctx if d.type not in VAR_TYPES]
    for t in hyps:
        if _is_false_hyp(t):
            return goals[1:]
    normed = [norm_prop(t) for t in hyps]
    for t in normed:
        if t[0] == "pi" and t[3] == FALSE and any(other == t[2] for other in normed):
            return goals[1:]
    raise LeanFailure(messages.tactic_failed("contradiction", s.goal_text(goal)))


def t_rfl(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    t = goal.target
    if t[0] == "rel" and t[1] == "=":
        if defeq(t[3], t[4]):
            return goals[1:]
        raise LeanFailure(
            f"Tactic `rfl` failed: The left-hand side\n  {s.pp(goal, t[3])}\nis not definitionally equal "
            f"to the right-hand side\n  {s.pp(goal, t[4])}\n\n{s.goal_text(goal)}"
        )
    if t[0] == "iff":
        if defeq(t[1], t[2]):
            return goals[1:]
        raise LeanFailure(
            f"Tactic `rfl` failed: The left-hand side\n  {s.pp(goal, t[1])}\nis not definitionally equal "
            f"to the right-hand side\n  {s.pp(goal, t[2])}\n\n{s.goal_text(goal)}"
        )
    # `≤` is reflexive for `rfl` only through an `@[refl]` lemma: core Lean tags none for
    # `Nat.le`/`Int.le` (Mathlib tags `le_refl`), so without Mathlib `rfl` fails on `a ≤ a`.
    if (
        s.mathlib
        and t[0] == "rel"
        and t[1] in ("≤", "≥")
        and t[2] in ("Nat", "Int")
        and norm_term(t[3]) == norm_term(t[4])
    ):
        return goals[1:]
    raise LeanFailure(
        "The rfl tactic failed. Possible reasons:\n- The goal is not a reflexive relation (neither `=` "
        "nor a relation with a @[refl] lemma).\n- The arguments of the relation are not equal.\nTry "
        "using the reflexivity lemma for your relation explicitly, e.g. `exact Eq.refl _` or\n"
        f"`exact HEq.rfl` etc.\n\n{s.goal_text(goal)}"
    )


def t_symm(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    loc = tac.args[0]

    def flip(t: Expr) -> Expr | None:
        if t[0] == "rel" and t[1] in ("=", "≠"):
            return ("rel", t[1], t[2], t[4], t[3])
        if t[0] == "iff":
            return ("iff", t[2], t[1])
        return None

    if loc:
        ctx = list(goal.ctx)
        for name in loc:
            d = goal.lookup(name)
            if d is None:
                raise LeanFailure(messages.unknown_identifier(name))
            new = flip(d.type)
            if new is None:
                raise LeanFailure("symm: no @[symm] lemma for this hypothesis")
            ctx = [
                LocalDecl(x.fid, x.name, new, x.inaccessible) if x.fid == d.fid else x for x in ctx
            ]
        return [Goal(tuple(ctx), goal.target, goal.tag), *goals[1:]]
    new_t = flip(goal.target)
    if new_t is None:
        raise LeanFailure(f"symm: no @[symm] lemma for the goal\n\n{s.goal_text(goal)}")
    return [goal.with_target(new_t), *goals[1:]]


def t_have(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    name, pat, ty_node, val = tac.args
    el = s.elab(goal)
    ty = el.type_(ty_node) if ty_node is not None else None
    if ty in (NAT, INT):
        if val is None or pat is not None:
            raise LeanFailure("MiniLean: a data `have` needs a value")
        el.term(val, "Nat" if ty == NAT else "Int")
        new_goal, _ = goal.add(name or "this", ty)
        return [new_goal, *goals[1:]]
    if ty == PROP:
        raise LeanFailure("MiniLean: `have` of a proposition variable is outside the fragment")
    if val is None:
        assert ty is not None
        side = Goal(goal.ctx, ty, "")
        new_main, _ = goal.add(name or "this", ty)
        return [side, new_main, *goals[1:]]
    ty = el.proof(val, ty)
    if pat is not None:
        return rcases_intro(s, goal, ty, pat) + goals[1:]
    new_goal, _ = goal.add(name or "this", ty)
    return [new_goal, *goals[1:]]


def t_show(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    for i, g in enumerate(goals):
        ty = s.elab(g).prop(tac.args[0])
        if defeq(ty, g.target):
            chosen = g.with_target(ty)
            return [chosen, *goals[:i], *goals[i + 1 :]]
    ty = s.elab(goal).prop(tac.args[0])
    raise LeanFailure(messages.type_mismatch("this", s.pp(goal, ty), s.pp(goal, goal.target)))


def t_specialize(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    term = tac.args[0]
    head = term.args[0] if term.kind == "app" else term
    if head.kind != "ident" or goal.lookup(head.args[0]) is None:
        raise LeanFailure(
            "'specialize' requires a term of the form `h x_1 .. x_n` where `h` appears in the local context"
        )
    d = goal.lookup(head.args[0])
    assert d is not None
    ty = s.elab(goal).proof(term, None)
    ctx = tuple(x for x in goal.ctx if x.fid != d.fid)
    new = Goal(ctx, goal.target, goal.tag)
    new, _ = new.add(d.name, ty)
    return [new, *goals[1:]]


def t_by_cases(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    name, prop_node = tac.args
    p = s.elab(goal).prop(prop_node)
    try:
        arith_bridge.formula_of(p, goal)
        decidable = not any(
            goal.decl(f) is not None and goal.decl(f).type == PROP
            for f in fvars_of(p)  # type: ignore[union-attr]
        )
    except arith_bridge.Untranslatable:
        decidable = False
    if not decidable:
        s.note_axioms(CLASSICAL_AXIOMS)
    inacc = name is None
    pos, _ = goal.add(name or "h", p, inaccessible=inacc)
    neg, _ = goal.add(name or "h", ("not", p), inaccessible=inacc)
    return [
        pos.with_tag(append_tag(goal.tag, "pos")),
        neg.with_tag(append_tag(goal.tag, "neg")),
        *goals[1:],
    ]


def t_sorry(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    s.record_sorry(goal, tac)
    return goals[1:]


def t_sleep(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    end = time.monotonic() + tac.args[0] / 1000.0
    while True:
        s.check_deadline()
        now = time.monotonic()
        if now >= end:
            return goals
        step = min(end - now, 0.01)
        if s.deadline is not None:
            step = min(step, max(0.0, s.deadline - now) + 0.001)
        time.sleep(step)


def t_skip(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    return goals


def t_done(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    if goals:
        raise LeanFailure(unsolved_text(goals, s.mathlib))
    return goals


def t_trace(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    s.messages.append(Logged("info", tac.args[0], tac.start, tac.end))
    return goals


# Tactics that exist only with Mathlib (or its dependencies Batteries/Aesop): without
# `import Mathlib` Lean does not know them.
MATHLIB_ONLY_TACTICS = frozenset(
    {
        "ring",
        "ring_nf",
        "field_simp",
        "positivity",
        "push_neg",
        "tauto",
        "aesop",
        "contrapose",
        "constructorm",
    }
)


def t_unsupported(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    name = tac.args[0]
    if name in MATHLIB_ONLY_TACTICS and not s.mathlib:
        raise LeanFailure("unknown tactic")
    raise LeanFailure(f"MiniLean: the tactic '{name}' is outside MiniLean's fragment")


def t_exact_query(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    # A library search is not something MiniLean can answer honestly: say so, never succeed.
    raise LeanFailure(f"MiniLean: the tactic '{tac.kind}' is outside MiniLean's fragment")
