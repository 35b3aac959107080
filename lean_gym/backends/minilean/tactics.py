"""The tactic engine: a session runs tactic syntax on a list of goals.

Failures are :class:`LeanFailure` exceptions with Lean's wording (Lean's ``throwError``);
blocks that Lean runs with error recovery (``·``, ``{ }``, ``case``, induction alternatives)
log the error and admit the goal, as Lean's ``closeUsingOrAdmit`` does. The session records
what the REPL reports besides goals: ``sorry`` occurrences, logged messages and the axioms the
proof would depend on. A cooperative deadline is checked at every tactic step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from lean_gym.backends.minilean import arith_bridge
from lean_gym.backends.minilean.calc import calc_chain, calc_extension, calc_failure
from lean_gym.backends.minilean.elab import Elaborator
from lean_gym.backends.minilean.errors import DeadlineExceeded, LeanFailure, RecoverableElabError
from lean_gym.backends.minilean.expr import (
    FALSE,
    INT,
    NAT,
    PROP,
    PROP_KINDS,
    TRUE,
    VAR_TYPES,
    Binder,
    Expr,
    abstract,
    fvars_of,
    has_loose_bvar,
    has_mvar,
    instantiate,
    lift,
    occurs,
    replace_term,
    subst_mvars,
)
from lean_gym.backends.minilean.goals import Goal, LocalDecl, append_tag, fresh_id
from lean_gym.backends.minilean.lemmas import CLASSICAL_AXIOMS
from lean_gym.backends.minilean.pretty import pp_expr, pp_goal
from lean_gym.backends.minilean.reduce import defeq, eval_closed, norm_prop, norm_term, whnf_pi
from lean_gym.backends.minilean.simp import SIMP_SET, Simplifier, SimpLoop, distinct_lhs, settled
from lean_gym.backends.minilean.syntax import Node

MAX_REPEAT = 1000
MATHLIB_TACTICS = frozenset({"use", "norm_num", "linarith", "nlinarith", "exacts"})


@dataclass
class Logged:
    """A message logged during a run (error recovery, info)."""

    severity: str
    text: str
    start: int | None
    end: int | None


@dataclass
class SorryEvent:
    goal: Goal
    start: int | None
    end: int | None
    decls: dict[str, Any] = field(default_factory=dict)  # the environment's declarations


@dataclass
class Session:
    """Per-request state of the tactic engine.

    Attributes:
        mathlib: Whether ``import Mathlib`` is in scope (Mathlib tactics and ``ℕ``/``ℤ``).
        deadline: ``time.monotonic()`` value after which work stops (None: no limit).
        timeout_s: The timeout the deadline came from (for the message).
        source: The text offsets refer to (used to quote terms in messages).
    """

    mathlib: bool = False
    deadline: float | None = None
    timeout_s: float = 0.0
    source: str | None = None
    sorries: list[SorryEvent] = field(default_factory=list)
    messages: list[Logged] = field(default_factory=list)
    axioms: set[str] = field(default_factory=set)
    uses_sorry: bool = False
    synthetic_sorry: bool = False
    recover: bool = True
    new_goals: list[Goal] | None = None
    tactic_records: list[Any] | None = None
    decls: dict[str, Any] = field(default_factory=dict)  # earlier declarations (name -> DeclInfo)

    # -- bookkeeping -------------------------------------------------------------------
    def check_deadline(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DeadlineExceeded(self.timeout_s)

    def remaining_ms(self, cap: int = 5000) -> int:
        if self.deadline is None:
            return cap
        left = int((self.deadline - time.monotonic()) * 1000)
        if left <= 0:
            raise DeadlineExceeded(self.timeout_s)
        return max(1, min(cap, left))

    def snapshot(self) -> tuple[int, int, frozenset[str], bool, bool]:
        return (
            len(self.sorries),
            len(self.messages),
            frozenset(self.axioms),
            self.uses_sorry,
            self.synthetic_sorry,
        )

    def restore(self, snap: tuple[int, int, frozenset[str], bool, bool]) -> None:
        n_sorries, n_messages, axioms, uses_sorry, synthetic = snap
        del self.sorries[n_sorries:]
        del self.messages[n_messages:]
        self.axioms = set(axioms)
        self.uses_sorry = uses_sorry
        self.synthetic_sorry = synthetic

    def log_error(self, exc: LeanFailure) -> None:
        self.messages.append(Logged("error", exc.message, exc.start, exc.end))

    def note_sorry(self, synthetic: bool) -> None:
        if synthetic:
            self.synthetic_sorry = True
        else:
            self.uses_sorry = True

    def record_sorry(self, goal: Goal, node: Node | None) -> None:
        self.uses_sorry = True
        self.sorries.append(
            SorryEvent(goal, node.start if node else None, node.end if node else None, self.decls)
        )

    def note_axioms(self, axioms: tuple[str, ...] | frozenset[str] | set[str]) -> None:
        self.axioms.update(axioms)

    # -- running -----------------------------------------------------------------------
    def run_seq(self, seq: Node, goals: list[Goal]) -> list[Goal]:
        for tac in seq.args[0]:
            goals = self.run(tac, goals)
        return goals

    def run_nested_by(self, seq: Node, goal: Goal, node: Node) -> None:
        """A term-level ``by`` block: must close ``goal``."""
        saved = self.new_goals
        self.new_goals = None
        try:
            rest = self.run_seq(seq, [goal])
        finally:
            self.new_goals = saved
        if rest:
            raise LeanFailure(unsolved_text(rest, self.mathlib), node.start, node.end)

    def run(self, tac: Node, goals: list[Goal]) -> list[Goal]:
        self.check_deadline()
        handler = _HANDLERS.get(tac.kind)
        if handler is None:
            raise LeanFailure(f"MiniLean: tactic '{tac.kind}' is not supported", tac.start, tac.end)
        if tac.kind in MATHLIB_TACTICS and not self.mathlib:
            raise LeanFailure("unknown tactic", tac.start, tac.end)
        if self.tactic_records is not None:
            self.tactic_records.append((tac, list(goals)))
        try:
            return handler(self, tac, goals)
        except LeanFailure as exc:
            raise exc.at(tac.start, tac.end) from None

    def main_goal(self, goals: list[Goal], tac: Node) -> Goal:
        if not goals:
            raise LeanFailure("No goals to be solved", tac.start, tac.end)
        return goals[0]

    def pp(self, goal: Goal, e: Expr) -> str:
        return pp_expr(goal, e, self.mathlib)

    def goal_text(self, goal: Goal) -> str:
        return pp_goal(goal, self.mathlib)

    def elab(self, goal: Goal) -> Elaborator:
        return Elaborator(goal, self)

    def close_or_admit(
        self, seq: Node, goals: list[Goal], tac: Node, err_node: Node | None = None
    ) -> list[Goal]:
        """Focuses on the main goal, runs ``seq``, requires it closed; recovers on error."""
        goal = self.main_goal(goals, tac)
        snap = self.snapshot()
        try:
            rest = self.run_seq(seq, [goal])
            if rest:
                where = err_node or tac
                raise LeanFailure(unsolved_text(rest, self.mathlib), where.start, where.end)
        except LeanFailure as exc:
            if not self.recover:
                raise
            self.restore(snap)
            self.log_error(exc.at(tac.start, tac.end))
            self.synthetic_sorry = True
        return goals[1:]

    def destructure_pattern(self, goal: Goal, ty: Expr, pat: Node) -> list[Goal]:
        """Adds a hypothesis of type ``ty`` to ``goal`` and destructures it with ``pat``."""
        return rcases_intro(self, goal, ty, pat)


def unsolved_text(goals: list[Goal], mathlib: bool) -> str:
    return "unsolved goals\n" + "\n\n".join(pp_goal(g, mathlib) for g in goals)


# ---------------------------------------------------------------------------- basic tactics
def _intro_one(goal: Goal, name: str | None, tac: Node) -> tuple[Goal, int]:
    target = whnf_pi(goal.target)
    if target[0] != "pi":
        raise LeanFailure("tactic 'introN' failed, insufficient number of binders")
    binder = target[1]
    if name is None or name == "_":
        new_goal, fid = goal.add(binder.name, target[2], inaccessible=True)
    else:
        new_goal, fid = goal.add(name, target[2])
    body = instantiate(target[3], ("fvar", fid))
    return Goal(new_goal.ctx, body, goal.tag), fid


def t_intro(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    names = tac.args[0]
    if tac.kind == "intros":
        if names:
            for name in names:
                goal, _ = _intro_one(goal, name, tac)
        else:
            while whnf_pi(goal.target)[0] == "pi" and goal.target[0] == "pi":
                goal, _ = _intro_one(goal, None, tac)
        return [goal, *goals[1:]]
    if not names:
        goal, _ = _intro_one(goal, None, tac)
        return [goal, *goals[1:]]
    new_goals = [goal]
    for name in names:
        g = new_goals[0]
        if isinstance(name, Node):
            target = whnf_pi(g.target)
            if target[0] != "pi":
                raise LeanFailure("tactic 'introN' failed, insufficient number of binders")
            if has_loose_bvar(target[3], 0):
                raise LeanFailure("MiniLean: intro patterns on dependent binders are not supported")
            base = Goal(g.ctx, instantiate(target[3], TRUE), g.tag)
            new_goals = rcases_intro(s, base, target[2], name) + new_goals[1:]
        else:
            g2, _ = _intro_one(g, name, tac)
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
            fty = el._head_type(head, None, args)
            if fty[0] in ("special", "method"):
                el.proof(term, goal.target)
                return goals[1:]
            fty = _partial_apply(el, fty, head, args)
        else:
            fty = el._head_type(head, None, [])
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
        snapshot = dict(el._mvars)
        if el.unify(ty, goal.target):
            candidates.append((list(premises), ty, dict(el._mvars)))
            break
        el._mvars = snapshot
        t = whnf_pi(subst_mvars(ty, el._mvars))
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
            f"{s.pp(goal, subst_mvars(_conclusion(fty), el._mvars))}\nwith the goal\n  {s.pp(goal, goal.target)}\n\n"
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
        ty = subst_mvars(ty, el._mvars)
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
            dom = subst_mvars(t[2], el._mvars)
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
        if target[0] != "ex":
            raise LeanFailure(
                f"invalid constructor ⟨...⟩, expected type must be an inductive type \n  {s.pp(goal, target)}"
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
    v = _decide_value(goal, t)
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
    raise LeanFailure(f"Tactic `assumption` failed\n\n{s.goal_text(goal)}")


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
    raise LeanFailure(f"Tactic `contradiction` failed\n\n{s.goal_text(goal)}")


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
                raise LeanFailure(f"Unknown identifier `{name}`")
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
    raise LeanFailure(
        f"type mismatch\n  this\nhas type\n  {s.pp(goal, ty)} : Prop\nbut is expected to have type\n  "
        f"{s.pp(goal, goal.target)} : Prop"
    )


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


# ---------------------------------------------------------------------------- combinators
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
    # Lean's `repeat` applies the tactic to the main goal, then recursively to every produced goal.
    saved = s.recover
    s.recover = False
    count = [0]

    def go(gs: list[Goal]) -> list[Goal]:
        if not gs:
            return gs
        s.check_deadline()
        count[0] += 1
        if count[0] > MAX_REPEAT:
            return gs
        snap = s.snapshot()
        try:
            produced = s.run_seq(tac.args[0], [gs[0]])
        except LeanFailure:
            s.restore(snap)
            return gs
        out: list[Goal] = []
        for g in produced:
            out.extend(go([g]))
        return out + gs[1:]

    try:
        return go(goals)
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
            raise LeanFailure("No goals to be solved")
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
            raise LeanFailure(f"Unknown identifier `{name}`")
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
            raise LeanFailure(f"Unknown identifier `{name}`")
        goal = revert(goal, d)
    return [goal, *goals[1:]]


def revert(goal: Goal, d: LocalDecl) -> Goal:
    """Moves ``d`` (and the locals after it that depend on it) into the target."""
    idx = goal.ctx.index(d)
    after = goal.ctx[idx + 1 :]
    deps = [x for x in after if d.fid in fvars_of(x.type)]
    target = goal.target
    for x in reversed(deps):
        target = _pi_over(x, target)
    target = _pi_over(d, target)
    keep = tuple(x for x in goal.ctx if x.fid != d.fid and x not in deps)
    return Goal(keep, target, goal.tag)


def _pi_over(d: LocalDecl, body: Expr) -> Expr:
    abstracted = (
        abstract(lift(body, 1, 0), ("fvar", d.fid)) if d.type in VAR_TYPES else lift(body, 1, 0)
    )
    return ("pi", Binder(d.name), d.type, abstracted)


# ---------------------------------------------------------------------------- cases & co
def _clear_decl(goal: Goal, fid: int) -> Goal:
    return Goal(tuple(d for d in goal.ctx if d.fid != fid), goal.target, goal.tag)


def _reintroduce_after(goal: Goal, var_fid: int) -> tuple[Goal, list[LocalDecl]]:
    """Removes the hypotheses that depend on a variable, returning them (Lean reverts them)."""
    deps = [d for d in goal.ctx if d.fid != var_fid and var_fid in fvars_of(d.type)]
    ctx = tuple(d for d in goal.ctx if d not in deps)
    return Goal(ctx, goal.target, goal.tag), deps


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
            ih = _pi_over(LocalDecl(x.fid, x.name, x_type, x.inaccessible), ih)
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
            raise LeanFailure(f"Unknown identifier `{name}`", g_node.start, g_node.end)
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
    raise LeanFailure(
        f"Tactic `subst` failed: invalid equality proof, it is not of the form (x = t) or (t = x)\n  {s.pp(goal, eq)}"
    )


def t_subst(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    for name in tac.args[0]:
        d = goal.lookup(name)
        if d is None:
            raise LeanFailure(f"Unknown identifier `{name}`")
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
            raise LeanFailure(
                f"Tactic `subst` failed: invalid equality proof, it is not of the form (x = t) or (t = x)\n  {s.pp(goal, t)}"
            )
        goal = _subst_eq(s, _clear_decl(goal, d.fid), t)
    return [goal, *goals[1:]]


# ---------------------------------------------------------------------------- rewriting
def _match(pattern: Expr, e: Expr, assignment: dict[int, Expr]) -> bool:
    """First-order matching of ``pattern`` (with mvars) against the closed ``e``."""
    if pattern[0] == "mvar":
        bound = assignment.get(pattern[1])
        if bound is not None:
            return bound == e
        if e[0] in ("lit", "bin", "neg", "succ", "fvar", "call") or e[0] in (
            "rel",
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
    if k in ("bin", "rel"):
        return (
            pattern[1] == e[1]
            and pattern[2] == e[2]
            and _match(pattern[3], e[3], assignment)
            and _match(pattern[4], e[4], assignment)
        )
    if k in ("and", "or", "iff"):
        return _match(pattern[1], e[1], assignment) and _match(pattern[2], e[2], assignment)
    if k in ("not", "neg", "succ"):
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
    if k in ("bin", "rel"):
        children = [(e[3], depth), (e[4], depth)]
    elif k in ("and", "or", "iff"):
        children = [(e[1], depth), (e[2], depth)]
    elif k in ("not", "neg", "succ"):
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
    if k in ("bin", "rel"):
        return _has_bvar_any(e[3]) or _has_bvar_any(e[4])
    if k in ("and", "or", "iff", "app"):
        return _has_bvar_any(e[1]) or _has_bvar_any(e[2])
    if k in ("not", "neg", "succ"):
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
    if k in ("bin", "rel"):
        return _has_loose_above(e[3], cutoff) or _has_loose_above(e[4], cutoff)
    if k in ("and", "or", "iff", "app"):
        return _has_loose_above(e[1], cutoff) or _has_loose_above(e[2], cutoff)
    if k in ("not", "neg", "succ"):
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
        head_t = el._head_type(term, None, [])
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
            f"{s.pp(goal, subst_mvars(lhs, el._mvars))}\n\n{s.goal_text(goal.with_target(e) if e is not goal.target else goal)}"
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
                        raise LeanFailure(f"Unknown identifier `{name}`")
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
    t = goal.target
    closed = (t[0] == "rel" and t[1] == "=" and t[3] == t[4]) or (t[0] == "iff" and t[1] == t[2])
    if variant == "rwa" and not closed:
        return t_assumption(s, tac, [goal]) + side + goals[1:]
    if closed:
        return side + goals[1:]
    return [goal, *side, *goals[1:]]


# ---------------------------------------------------------------------------- arithmetic
def _decide_value(goal: Goal, t: Expr) -> bool | None:
    try:
        f = arith_bridge.formula_of(t, goal)
    except arith_bridge.Untranslatable:
        return None
    from lean_gym.backends.minilean import arith

    try:
        return arith.decide(f)
    except ValueError:
        return None


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
    v = _decide_value(goal, t)
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
            goal, _ = _intro_one(goal, None, Node("intro", [[]], 0, 0))
            continue
        return goal, goal.target


def t_omega(s: Session, tac: Node, goals: list[Goal]) -> list[Goal]:
    goal = s.main_goal(goals, tac)
    from lean_gym.backends.minilean import arith

    g, target = _omega_goal(goal)
    hyps = arith_bridge.hypotheses_of(g)
    try:
        f = arith_bridge.formula_of(target, g)
        if arith_bridge.has_quantifier(f) or arith_bridge.has_atom(f):
            f = ("false",)
    except arith_bridge.Untranslatable:
        f = ("false",)
    verdict = arith.omega(hyps, f, timeout_ms=s.remaining_ms())
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
    from lean_gym.backends.minilean import arith

    # linarith works over ordered fields: norm_num's rational relaxation is its strength.
    hyps = [
        f
        for f in arith_bridge.hypotheses_of(goal)
        if f[0] in ("=", "<", "≤", ">", "≥", "false")
        or (f[0] == "not" and f[1][0] in ("<", "≤", ">", "≥"))
    ]
    hyps += _lemma_facts(s, goal, tac.args[0])
    try:
        f = arith_bridge.formula_of(goal.target, goal)
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


# simp ------------------------------------------------------------------------------------
_SIMP_LOOP = (
    "maximum recursion depth has been reached\n"
    "use `set_option maxRecDepth <num>` to increase limit\n"
    "use `set_option diagnostics true` to get diagnostic information"
)


def _rules_of_fact(ty: Expr) -> list[tuple[Expr, Expr]]:
    """The rewrite rules Lean's simp makes of a hypothesis (its ``preprocess``)."""
    k = ty[0]
    if k == "and":
        return _rules_of_fact(ty[1]) + _rules_of_fact(ty[2])
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
            ty = el._head_type(node, None, [])
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
    for ty, src, _ in entries:
        if exclude is not None and src == exclude:
            continue  # Lean erases a hypothesis from the simp set while simplifying it
        pairs.extend(_rules_of_fact(ty))
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


def _linear_nat(e: Expr) -> tuple | None:
    """``e`` as a linear Nat term for ``Nat.Linear`` (nonlinear parts are opaque atoms)."""
    k = e[0]
    if k == "lit":
        return ("lit", e[1], "Nat") if e[2] == "Nat" else None
    if k == "fvar":
        return ("var", f"x{e[1]}", "Nat")
    if k == "succ":
        a = _linear_nat(e[1])
        return None if a is None else ("+", "Nat", a, ("lit", 1, "Nat"))
    if k == "bin" and e[2] == "Nat":
        op, a, b = e[1], e[3], e[4]
        if op == "+" or (op == "*" and (a[0] == "lit" or b[0] == "lit")):
            la, lb = _linear_nat(a), _linear_nat(b)
            if la is None or lb is None:
                return None
            return (op, "Nat", la, lb)
        return ("var", f"atom{e!r}", "Nat")
    if k == "call":
        return ("var", f"atom{e!r}", "Nat")
    return None


def _arith_normalises_to(s: Session, e: Expr, value: bool) -> bool:
    """Whether ``simp +arith``'s linear normaliser turns the Nat relation ``e`` into ``value``.

    Only a single (possibly negated) linear relation over Nat is decided, without using any
    hypothesis: ``Nat.Linear`` normalises each relation on its own.
    """
    from lean_gym.backends.minilean import arith

    negated = e[0] == "not"
    rel = e[1] if negated else e
    if rel[0] != "rel" or rel[2] != "Nat" or rel[1] not in ("=", "<", "≤", "≠", ">", "≥"):
        return False
    a, b = _linear_nat(rel[3]), _linear_nat(rel[4])
    if a is None or b is None:
        return False
    f: tuple = (rel[1], a, b)
    if negated:
        f = ("not", f)
    if not value:
        f = ("not", f)
    return arith.simp_arith([], f, timeout_ms=s.remaining_ms()).proved


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
        if new_t != TRUE and arith_mode and _arith_normalises_to(s, new_t, True):
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
            if new_t != TRUE and arith_mode and _arith_normalises_to(s, new_t, True):
                new_t = TRUE
            if new_t == new_goal.target:
                continue
            progress = True
            if new_t == TRUE:
                return goals[1:]
            if arith_mode or not settled(new_t, atom_type):
                raise _unpredictable(s, new_goal, new_t)
            new_goal = new_goal.with_target(new_t)
            continue
        d = new_goal.lookup(where)
        if d is None:
            raise LeanFailure(f"Unknown identifier `{where}`")
        rules = _core_simp_rules(s, new_goal, lemmas, False, core, exclude=d.fid)
        new_t = _run_simp(s, rules, core, d.type)
        if new_t != FALSE and arith_mode and _arith_normalises_to(s, new_t, False):
            new_t = FALSE
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
            raise LeanFailure("tactic 'introN' failed, insufficient number of binders")
        if pat.kind in ("pat_name", "pat_hole"):
            name = pat.args[0] if pat.kind == "pat_name" else None
            g2, _ = _intro_one(g, name, tac)
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
        raise LeanFailure(
            f"type mismatch\n  h\nhas type\n  {s.pp(goal, simp_ty)} : Prop\nbut is expected to have type\n  "
            f"{s.pp(goal, target)} : Prop"
        )
    # Without `using`, simpa closes the simplified goal with `assumption`.
    for d in reversed(goal.ctx):
        if d.type not in VAR_TYPES and defeq(d.type, target):
            return goals[1:]
    raise LeanFailure(unsolved_text([goal.with_target(target)], s.mathlib))


_HANDLERS = {
    "rintro": t_rintro,
    "simpa": t_simpa,
    "intro": t_intro,
    "intros": t_intro,
    "exact": t_exact,
    "apply": t_apply,
    "refine": t_refine,
    "refine'": t_refine,
    "constructor": t_constructor,
    "left": t_left_right,
    "right": t_left_right,
    "exists": t_exists,
    "use": t_exists,
    "trivial": t_trivial,
    "exfalso": t_exfalso,
    "assumption": t_assumption,
    "contradiction": t_contradiction,
    "rfl": t_rfl,
    "symm": t_symm,
    "have": t_have,
    "show": t_show,
    "specialize": t_specialize,
    "by_cases": t_by_cases,
    "sorry": t_sorry,
    "admit": t_sorry,
    "sleep": t_sleep,
    "skip": t_skip,
    "done": t_done,
    "trace": t_trace,
    "unsupported": t_unsupported,
    "exact?": t_exact_query,
    "apply?": t_exact_query,
    "bullet": t_bullet,
    "braces": t_braces,
    "paren": t_paren,
    "then": t_then,
    "first": t_first,
    "try": t_try,
    "repeat": t_repeat,
    "all_goals": t_all_goals,
    "any_goals": t_any_goals,
    "focus": t_focus,
    "next": t_next,
    "case": t_case,
    "rename_i": t_rename_i,
    "clear": t_clear,
    "revert": t_revert,
    "cases": t_cases,
    "induction": t_induction,
    "rcases": t_rcases,
    "obtain": t_obtain,
    "subst": t_subst,
    "rw": t_rw,
    "calc": t_calc,
    "decide": t_decide,
    "omega": t_omega,
    "linarith": t_linarith,
    "nlinarith": t_linarith,
    "simp": t_simp,
    "simp_all": t_simp,
    "simp_arith": t_simp,
    "norm_num": t_norm_num,
}


def occurs_in_goal(goal: Goal, e: Expr) -> bool:
    return occurs(goal.target, e) or any(occurs(d.type, e) for d in goal.ctx)
