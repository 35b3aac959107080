"""Tactic combinators and goal management: bullets, braces, parentheses, ``<;>``,
``first``, ``try``, ``repeat``, ``all_goals``, ``any_goals``, ``focus``, ``next``, ``case``,
``rename_i``, ``clear`` and ``revert``.
"""

from __future__ import annotations

from lean_gym.backends.minilean import messages
from lean_gym.backends.minilean.errors import LeanFailure
from lean_gym.backends.minilean.expr import fvars_of
from lean_gym.backends.minilean.goals import Goal, LocalDecl
from lean_gym.backends.minilean.syntax import Node
from lean_gym.backends.minilean.tactics.common import pi_over
from lean_gym.backends.minilean.tactics.session import Session

MAX_REPEAT = 1000
REPEAT_LIMIT_MESSAGE = (
    "maximum recursion depth has been reached\nuse `set_option maxRecDepth <num>` to increase "
    "limit\nuse `set_option diagnostics true` to get diagnostic information"
)


def t_bullet(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    return s.close_or_admit(tac.args[0], goals, tac)


def t_braces(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    end = Node("end", [], tac.end - 1, tac.end)
    return s.close_or_admit(tac.args[0], goals, tac, end)


def t_paren(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    return s.run_seq(tac.args[0], goals)


def t_then(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    first, second = tac.args
    goal = s.main_goal(goals, tac)
    produced = s.run(first, [goal])
    out: list[Goal] = []
    saved = s.recover
    s.recover = False
    try:
        for g in produced:
            out.extend(s.run(second, [g]))
    finally:
        s.recover = saved
    return out + goals[1:]


def t_first(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    alts = tac.args[0]
    last: LeanFailure | None = None
    for i, alt in enumerate(alts):
        s.check_deadline()
        snap = s.snapshot()
        saved = s.recover
        s.recover = saved and i == len(alts) - 1
        try:
            return s.run_seq(alt, goals)
        except LeanFailure as exc:
            s.restore(snap)
            last = exc
        finally:
            s.recover = saved
    assert last is not None
    raise last


def t_try(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    snap = s.snapshot()
    saved = s.recover
    s.recover = False
    try:
        return s.run_seq(tac.args[0], goals)
    except LeanFailure:
        s.restore(snap)
        return goals
    finally:
        s.recover = saved


def t_repeat(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    """Lean's ``repeat tac``: ``first | (tac); repeat tac | skip`` (``Init/Tactics.lean``).

    Each round runs ``tac`` on the whole goal list (so on its main goal), then repeats on what
    is left: ``repeat assumption`` closes every goal that has a matching hypothesis. A
    ``tac`` that keeps succeeding (``repeat skip``) makes Lean run out of recursion depth, so
    MiniLean fails after :data:`MAX_REPEAT` rounds.
    """
    saved = s.recover
    s.recover = False
    try:
        for _ in range(MAX_REPEAT):
            s.check_deadline()
            snap = s.snapshot()
            try:
                goals = s.run_seq(tac.args[0], goals)
            except LeanFailure:
                s.restore(snap)
                return goals
        raise LeanFailure(REPEAT_LIMIT_MESSAGE, tac.start, tac.end)
    finally:
        s.recover = saved


def t_all_goals(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    out: list[Goal] = []
    for g in goals:
        out.extend(s.run_seq(tac.args[0], [g]))
    return out


def t_any_goals(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    out: list[Goal] = []
    progress = False
    saved = s.recover
    s.recover = False
    last: LeanFailure | None = None
    try:
        for g in goals:
            snap = s.snapshot()
            try:
                out.extend(s.run_seq(tac.args[0], [g]))
                progress = True
            except LeanFailure as exc:
                s.restore(snap)
                last = exc
                out.append(g)
    finally:
        s.recover = saved
    if not progress:
        if last is None:
            raise LeanFailure(messages.NO_GOALS)
        raise last
    return out


def t_focus(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    return s.run_seq(tac.args[0], [goal]) + goals[1:]


def _rename_inaccessible(goal: Goal, names: list[str]) -> Goal:
    if not names:
        return goal
    ctx = list(goal.ctx)
    idxs = [i for i, d in enumerate(ctx) if d.inaccessible]
    chosen = idxs[-len(names) :] if len(names) <= len(idxs) else None
    if chosen is None:
        raise LeanFailure("too many variable names provided")
    for i, name in zip(chosen, names, strict=True):
        d = ctx[i]
        if name != "_":
            ctx[i] = LocalDecl(d.fid, name, d.type, False)
    return Goal(tuple(ctx), goal.target, goal.tag)


def t_next(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    names, seq = tac.args
    goal = s.main_goal(goals, tac)
    goal = _rename_inaccessible(goal, names)
    return s.close_or_admit(seq, [goal, *goals[1:]], tac)


def t_case(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    tag, names, seq = tac.args
    idx = None
    for i, g in enumerate(goals):
        if g.tag == tag or g.tag.endswith("." + tag):
            idx = i
            break
    if idx is None:
        for i, g in enumerate(goals):
            if g.tag.startswith(tag + ".") or ("." + tag + ".") in g.tag:
                idx = i
                break
    if idx is None:
        raise LeanFailure(
            f"Case tag `{tag}` not found.\n\nAvailable tags: "
            + ", ".join(f"`{g.tag}`" for g in goals if g.tag)
            if any(g.tag for g in goals)
            else f"Case tag `{tag}` not found.\n\nNote: There are no cases to select."
        )
    goal = _rename_inaccessible(goals[idx].with_tag(""), names)
    rest = goals[:idx] + goals[idx + 1 :]
    s.close_or_admit(seq, [goal], tac)
    return rest


def t_rename_i(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    return [_rename_inaccessible(goal, tac.args[0]), *goals[1:]]


def t_clear(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    ctx = list(goal.ctx)
    for name in tac.args[0]:
        d = goal.lookup(name)
        if d is None:
            raise LeanFailure(messages.unknown_identifier(name))
        if any(d.fid in fvars_of(x.type) for x in ctx if x.fid != d.fid) or d.fid in fvars_of(
            goal.target
        ):
            raise LeanFailure(
                f"tactic 'clear' failed, variable '{name}' depends on other variables"
            )
        ctx = [x for x in ctx if x.fid != d.fid]
    return [Goal(tuple(ctx), goal.target, goal.tag), *goals[1:]]


def t_revert(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    for name in reversed(tac.args[0]):
        d = goal.lookup(name)
        if d is None:
            raise LeanFailure(messages.unknown_identifier(name))
        goal = revert(goal, d)
    return [goal, *goals[1:]]


def revert(goal: Goal, d: LocalDecl) -> Goal:
    """Moves ``d`` (and the locals after it that depend on it) into the target."""
    idx = goal.ctx.index(d)
    after = goal.ctx[idx + 1 :]
    deps = [x for x in after if d.fid in fvars_of(x.type)]
    target = goal.target
    for x in reversed(deps):
        target = pi_over(x, target)
    target = pi_over(d, target)
    keep = tuple(x for x in goal.ctx if x.fid != d.fid and x not in deps)
    return Goal(keep, target, goal.tag)
