"""Arithmetic decision tactics: ``decide``, ``omega``, ``linarith`` and ``norm_num``."""

from __future__ import annotations

from lean_gym.backends.minilean import arith
from lean_gym.backends.minilean.arith import bridge as arith_bridge
from lean_gym.backends.minilean.arith_view import arith_view, decide_value
from lean_gym.backends.minilean.errors import LeanFailure
from lean_gym.backends.minilean.expr import (
    FALSE,
    INT,
    NAT,
    PROP,
    Expr,
    fvars_of,
    has_loose_bvar,
    instantiate,
)
from lean_gym.backends.minilean.goals import Goal, LocalDecl, fresh_id
from lean_gym.backends.minilean.lemmas import CLASSICAL_AXIOMS
from lean_gym.backends.minilean.reduce import whnf_pi
from lean_gym.backends.minilean.syntax import Node
from lean_gym.backends.minilean.tactics.common import intro_one
from lean_gym.backends.minilean.tactics.session import Session
from lean_gym.backends.minilean.tactics.simp_tactics import t_simp


def t_decide(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    t = goal.target
    free = fvars_of(t)
    if free:
        raise LeanFailure(
            f"tactic 'decide' failed for proposition\n  {s.pp(goal, t)}\nsince its 'Decidable' instance "
            "reduced to\n  Decidable.rec (fun h => (fun x => isFalse ⋯) h) (fun h => (fun x => isTrue ⋯) h) ⋯\n"
            "rather than to the 'isTrue' constructor."
            if all(goal.sort_of_fvar(f) in ("Nat", "Int") for f in free)
            else f"failed to synthesize\n  Decidable ({s.pp(goal, t)})"
        )
    v = decide_value(goal, t)
    if v is True:
        return goals[1:]
    if v is False:
        raise LeanFailure(
            f"tactic 'decide' proved that the proposition\n  {s.pp(goal, t)}\nis false"
        )
    raise LeanFailure(f"failed to synthesize\n  Decidable ({s.pp(goal, t)})")


def _omega_goal(goal: Goal) -> tuple[Goal, Expr]:
    """Introduces leading ∀/→/¬ of the target, as omega's `false_or_by_contra` does."""
    while True:
        t = whnf_pi(goal.target)
        if t[0] == "pi" and (t[2] in (NAT, INT) or not has_loose_bvar(t[3], 0)) and t[2] != PROP:
            goal, _ = intro_one(goal, None, Node("intro", [[]], 0, 0))
            continue
        return goal, goal.target


def _open_existentials(goal: Goal) -> Goal:
    """Each hypothesis ``∃ x, p x`` (also inside ``∧``) as a new variable and ``p x``, as
    omega's ``addFact`` does with existential facts."""
    ctx: list[LocalDecl] = []
    changed = False

    def add(name: str, ty: Expr) -> None:
        nonlocal changed
        if ty[0] == "ex" and ty[2] in (NAT, INT):
            fid = fresh_id()
            ctx.append(LocalDecl(fid, ty[1].name, ty[2], True))
            add(name, instantiate(ty[3], ("fvar", fid)))
            changed = True
        elif ty[0] == "and" and (_has_exists(ty[1]) or _has_exists(ty[2])):
            add(name, ty[1])
            add(name, ty[2])
            changed = True
        else:
            ctx.append(LocalDecl(fresh_id(), name, ty, True))

    for d in goal.ctx:
        if d.type in (NAT, INT, PROP) or d.type[0] == "arrow" or not _has_exists(d.type):
            ctx.append(d)
        else:
            add(d.name, d.type)
    return Goal(tuple(ctx), goal.target, goal.tag) if changed else goal


def _has_exists(ty: Expr) -> bool:
    return (ty[0] == "ex" and ty[2] in (NAT, INT)) or (
        ty[0] == "and" and (_has_exists(ty[1]) or _has_exists(ty[2]))
    )


def t_omega(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    g, _ = _omega_goal(goal)
    g = _open_existentials(arith_view(g, evaluate=False))
    target = g.target
    # The model of Lean's omega reads quantified and propositional facts as Lean does.
    hyps = arith_bridge.hypotheses_of(g, quantifier_free=False, atoms=True)
    try:
        f = arith_bridge.formula_of(target, g)
    except arith_bridge.Untranslatable:
        f = ("false",)
    verdict = arith.omega(hyps, f, timeout_ms=s.remaining_ms(), **arith_bridge.omega_naming(g))
    s.check_deadline()
    if verdict.proved:
        s.note_axioms(("propext",))
        return goals[1:]
    reason = verdict.reason or "omega could not prove the goal"
    raise LeanFailure(reason)


def _lemma_facts(s: Session, goal: Goal, items: list[Node]) -> list[tuple]:
    facts = []
    for item in items:
        ty = s.elab(goal).proof(item, None)
        try:
            facts.append(arith_bridge.formula_of(ty, goal))
        except arith_bridge.Untranslatable:
            continue
    return facts


def t_linarith(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    view = arith_view(goal, evaluate=False)
    # linarith works over ordered fields: norm_num's rational relaxation is its strength.
    hyps = [
        f
        for f in arith_bridge.hypotheses_of(view)
        if f[0] in ("=", "<", "≤", ">", "≥", "false")
        or (f[0] == "not" and f[1][0] in ("<", "≤", ">", "≥"))
    ]
    hyps += _lemma_facts(s, goal, tac.args[0])
    try:
        f = arith_bridge.formula_of(view.target, view)
    except arith_bridge.Untranslatable:
        f = ("false",)
    if f[0] not in ("=", "<", "≤", ">", "≥", "false") and not (
        f[0] == "not" and f[1][0] in ("<", "≤", ">", "≥")
    ):
        f = ("false",)
    verdict = arith.norm_num(hyps, f, timeout_ms=s.remaining_ms())
    if verdict.proved:
        s.note_axioms(CLASSICAL_AXIOMS)
        return goals[1:]
    raise LeanFailure(
        "linarith failed to find a contradiction\n"
        + s.goal_text(goal.with_target(FALSE))
        + "\nfailed"
    )


# norm_num (Mathlib) -----------------------------------------------------------------------
def t_norm_num(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    """Mathlib's ``norm_num``, modelled from below: MiniLean's ``simp`` (the core simp set and
    the literal-arithmetic simprocs, with the given lemmas as rules).

    Mathlib's norm_num runs the default simp set (which contains core's) plus its numeric
    extensions, so it closes at least what this closes; MiniLean never closes more. Only the
    no-progress wording differs from simp's.
    """
    try:
        return t_simp(s, tac, goals)
    except LeanFailure as failure:
        if failure.message == "simp made no progress":
            _, lemmas, _ = tac.args[:3]
            raise LeanFailure(
                "norm_num failed to simplify" if not lemmas else "simp made no progress",
                failure.start,
                failure.end,
            ) from None
        raise
