"""The elaborator core: from syntax to MiniLean expressions, and type checking of proof terms.

Three elaborators share name resolution:

* data terms (``Nat``/``Int`` arithmetic): every arithmetic tree gets one sort, found from its
  leaves as Lean's ``binop%`` elaborator does (numerals adapt, ``Nat`` by default); mixing
  ``Nat`` and ``Int`` leaves would need a coercion, which is outside the fragment;
* propositions (``∧ ∨ ¬ → ↔ ∀ ∃``, relations, ``Prop`` variables);
* proofs: bidirectional checking against an expected proposition. Proof objects are not built:
  checking the types is the whole job, and the host records ``sorry`` and axiom uses.

Core constants with hand-written elaboration (``rfl``, ``Or.inl``, ``absurd`` ...) and some
notations (``calc``, ``▸``) are not here: their handlers register themselves in
:data:`BUILTIN_CONSTANTS` and :data:`SYNTAX_ELABORATORS` (the modules of this package do so on
import, as Lean's ``@[builtin_term_elab]`` attribute fills its table), and the core looks them
up. The elaborator never imports the tactic engine: a nested ``by`` block runs through the
:class:`ElabHost` it is given (the tactic session), whose ``run_nested_by`` is the injected
tactic runner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from lean_gym.backends.minilean import messages
from lean_gym.backends.minilean.elab.data import ARITH_OPS, TYPE_NAMES, DataTerms
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
    has_loose_bvar,
    has_loose_bvars,
    has_mvar,
    instantiate,
    lift,
    mentions_mvar,
    subst_mvars,
)
from lean_gym.backends.minilean.fragment import OUTSIDE_FRAGMENT, outside_fragment
from lean_gym.backends.minilean.goals import Goal
from lean_gym.backends.minilean.lemmas import (
    CORE_LEMMAS,
    LEMMA_AXIOMS,
    MATHLIB_ONLY_LEMMAS,
    OPEN_RESOLVABLE_LEMMAS,
)
from lean_gym.backends.minilean.pretty import pp_expr
from lean_gym.backends.minilean.reduce import defeq, norm_prop, norm_term, unfold_dvd, whnf_pi
from lean_gym.backends.minilean.syntax import Node, Parser


class ElabHost(Protocol):
    """What the elaborator needs from the tactic session that runs it.

    ``run_nested_by`` and ``destructure_pattern`` are the tactic engine's entry points, injected
    through the host so that the elaborator does not import the engine (which imports it).
    """

    mathlib: bool
    opens: tuple[str, ...]
    source: str | None
    decls: dict[str, Any]
    new_goals: list[Goal] | None

    def log_error(self, exc: LeanFailure) -> None: ...

    def note_sorry(self, synthetic: bool) -> None: ...

    def record_sorry(self, goal: Goal, node: Node | None) -> None: ...

    def note_axioms(self, axioms: tuple[str, ...] | frozenset[str] | set[str]) -> None: ...

    def run_nested_by(self, seq: Node, goal: Goal, node: Node) -> None:
        """Runs the tactic block ``seq`` on ``goal``; it must close it."""
        ...

    def destructure_pattern(self, goal: Goal, ty: Expr, pat: Node) -> list[Goal]:
        """Adds a hypothesis of type ``ty`` to ``goal`` and destructures it with ``pat``."""
        ...


# (elaborator, constant name, head syntax, explicit arguments, expected type) -> its type
ConstantHandler = Callable[["Elaborator", str, Node, list[Node], "Expr | None"], Expr]
# (elaborator, syntax, expected type) -> its type
SyntaxHandler = Callable[["Elaborator", Node, "Expr | None"], Expr]

BUILTIN_CONSTANTS: dict[str, ConstantHandler] = {}
"""Core constants elaborated by a handler (filled by :mod:`.builtins`)."""

SYNTAX_ELABORATORS: dict[str, SyntaxHandler] = {}
"""Proof-term syntax elaborated by a handler, keyed by node kind (binary notations by their
operator), filled by :mod:`.builtins` and :mod:`.calc`."""


def builtin_constant(*names: str) -> Callable[[ConstantHandler], ConstantHandler]:
    """Registers the decorated function as the handler of the constants ``names``."""

    def register(handler: ConstantHandler) -> ConstantHandler:
        for name in names:
            BUILTIN_CONSTANTS[name] = handler
        return handler

    return register


def syntax_elaborator(key: str) -> Callable[[SyntaxHandler], SyntaxHandler]:
    """Registers the decorated function as the elaborator of the proof syntax ``key``."""

    def register(handler: SyntaxHandler) -> SyntaxHandler:
        SYNTAX_ELABORATORS[key] = handler
        return handler

    return register


def _syntax_key(node: Node) -> str:
    return node.args[0] if node.kind == "binop" else node.kind


_RELS = {"=", "≠", "<", "≤", ">", "≥"}

_lemma_cache: dict[str, Expr] = {}


def lemma_type(name: str) -> Expr | None:
    """The statement of a known core lemma, parsed on first use."""
    cached = _lemma_cache.get(name)
    if cached is not None:
        return cached
    text = CORE_LEMMAS.get(name)
    if not text:
        return None
    parser = Parser(text)
    stx = parser.term()
    ty = Elaborator(Goal((), TRUE), None).prop(stx)
    _lemma_cache[name] = ty
    return ty


class Elaborator(DataTerms):
    """Elaborates syntax in the context of ``goal`` (types and data terms: :class:`DataTerms`).

    Args:
        goal: Supplies the local context (names resolve to its accessible locals).
        session: The host running the elaboration (sorry/axiom bookkeeping, nested ``by``);
            None when elaborating lemma statements.
    """

    def __init__(self, goal: Goal, session: ElabHost | None):
        self.goal = goal
        self.session = session
        self.scope: list[tuple[str, Expr]] = []  # bound variables, innermost last
        self.mvars: dict[int, Expr] = {}
        self._next_mvar = 0
        self._untyped: frozenset[str] = frozenset()  # untyped binders being elaborated
        # The body of each untyped binder in scope, and those whose type is being checked.
        self._untyped_bodies: dict[str, Node] = {}
        self._fixing: set[str] = set()
        # The previous right-hand side standing for the leading `_` of a `calc` step.
        self.calc_prev: tuple[Expr, str] | None = None
        self.mathlib = bool(session and session.mathlib)

    # ------------------------------------------------------------------ helpers
    def fail(self, message: str, node: Node | None) -> LeanFailure:
        if node is None:
            return LeanFailure(message)
        return LeanFailure(message, node.start, node.end)

    def pp(self, e: Expr) -> str:
        return pp_expr(self.goal, e, self.mathlib)

    def _lookup_bound(self, name: str) -> tuple[Expr, Expr] | None:
        for depth, (n, ty) in enumerate(reversed(self.scope)):
            if n == name:
                return ("bvar", depth), ty
        return None

    def _lookup_local(self, name: str) -> tuple[Expr, Expr] | None:
        """A name as a bound variable or an accessible local: (expr, its type)."""
        b = self._lookup_bound(name)
        if b is not None:
            return b
        d = self.goal.lookup(name)
        if d is not None:
            return ("fvar", d.fid), lift(d.type, len(self.scope), 0) if self.scope else d.type
        return None

    def unknown_identifier(self, name: str, node: Node) -> RecoverableElabError:
        return RecoverableElabError(messages.unknown_identifier(name), node.start, node.end)

    # ------------------------------------------------------------------ propositions
    def prop(self, node: Node) -> Expr:
        k = node.kind
        if k == "paren":
            return self.prop(node.args[0])
        if k == "ascr":
            ty = self.type_(node.args[1])
            if ty != PROP:
                raise self.fail("MiniLean: type ascription on a proposition must be Prop", node)
            return self.prop(node.args[0])
        if k == "ident":
            name = node.args[0]
            if name == "True":
                return TRUE
            if name == "False":
                return FALSE
            loc = self._lookup_local(name)
            if loc is not None:
                e, ty = loc
                if ty == PROP:
                    return e
                raise self.fail(
                    f"type expected, got\n  ({name} : {self.pp(ty)})",
                    node,
                )
            if name in TYPE_NAMES or name in ("ℕ", "ℤ"):
                raise self.fail(f"MiniLean: '{name}' is a type, a proposition was expected", node)
            self.refuse_mathlib_name(name, node)
            raise self.unknown_identifier(name, node)
        if k == "not":
            return ("not", self.prop(node.args[0]))
        if k == "binop":
            op, lhs, rhs = node.args
            if op in ("∧", "∨", "↔"):
                tag = {"∧": "and", "∨": "or", "↔": "iff"}[op]
                return (tag, self.prop(lhs), self.prop(rhs))
            if op == "→":
                dom = self.prop(lhs)
                self.scope.append(("a✝", dom))
                try:
                    body = self.prop(rhs)
                finally:
                    self.scope.pop()
                return ("pi", Binder("a"), dom, body)
            if op in _RELS:
                return self.relation(op, lhs, rhs, node)
            if op == "∣":
                return self.divisibility(lhs, rhs, node)
            if op in ("∈", "∉"):
                raise self.fail(outside_fragment(f"{op} (Membership.mem)"), node)
            raise self.fail(f"MiniLean: '{op}' is not a proposition former of the fragment", node)
        if k in ("forall", "exists"):
            return self._binder_prop(node)
        if k == "app":
            head = node.args[0]
            if head.kind == "ident" and head.args[0] == "Not" and len(node.args[1]) == 1:
                return ("not", self.prop(node.args[1][0]))
            called = self.call(head, node.args[1], node)
            if called is not None:
                if called[1] != "Prop":
                    raise self.fail(
                        f"type expected, got\n  ({self.source(node)} : {called[1]})", node
                    )
                return called[0]
            if head.kind == "ident":
                self.refuse_mathlib_name(head.args[0], head)
                self.refuse_unknown_head(head)
            raise self.fail("MiniLean: this proposition is outside the fragment", node)
        if k == "num":
            raise self.fail(f"type expected, got\n  ({node.args[0]} : ?u)", node)
        raise self.fail("MiniLean: this proposition is outside the fragment", node)

    def _binder_prop(self, node: Node) -> Expr:
        groups, body_node = node.args
        kind = "pi" if node.kind == "forall" else "ex"
        binders: list[tuple[str, Node | None, bool]] = []
        for names, ty, implicit in groups:
            for name in names:
                binders.append((name, ty, implicit))
        untyped = frozenset(name for name, ty, _ in binders if ty is None)
        saved = self._untyped
        saved_bodies = dict(self._untyped_bodies)
        self._untyped = saved | untyped
        self._untyped_bodies.update({name: body_node for name in untyped})
        try:
            return self._binder_chain(kind, binders, body_node)
        finally:
            self._untyped = saved
            self._untyped_bodies = saved_bodies

    def _binder_chain(
        self, kind: str, binders: list[tuple[str, Node | None, bool]], body: Node
    ) -> Expr:
        if not binders:
            return self.prop(body)
        name, ty_node, implicit = binders[0]
        if ty_node is not None:
            candidates = [self.type_(ty_node)]
        else:
            candidates = [NAT, INT, PROP]
        last_error: LeanFailure | None = None
        infer_error: LeanFailure | None = None
        for dom in candidates:
            self.scope.append((name, dom))
            try:
                inner = self._binder_chain(kind, binders[1:], body)
            except LeanFailure as exc:
                if exc.message.startswith(OUTSIDE_FRAGMENT):
                    raise  # no binder type makes a Mathlib notion elaborate
                last_error = exc
                if exc.message == "failed to infer binder type" and infer_error is None:
                    infer_error = exc
                continue
            finally:
                self.scope.pop()
            if ty_node is None and not self._binder_type_determined(name, dom, inner, body):
                last_error = infer_error = self.fail("failed to infer binder type", body)
                continue
            return (kind, Binder(name, implicit), dom, inner)
        # A numeric reading that elaborated but left the type open says why (`∀ x y, x + y =
        # y + x`); the `Prop` reading's type error would hide it.
        error = infer_error or last_error
        assert error is not None
        raise error

    def _binder_type_determined(self, name: str, dom: Expr, body: Expr, body_node: Node) -> bool:
        """Whether Lean would infer ``dom`` for an untyped binder used as in ``body``."""
        if dom == PROP:
            # `Prop` is inferred only where a proposition is required (`∀ p, p ∨ ¬p`); in
            # `∀ x, x = x` or an unused binder the type stays a metavariable.
            return _prop_use(body, 0)
        # A numeric binder's type is a metavariable that only unification fixes: the binder
        # must share an arithmetic tree (`binop%`/`binrel%`) with a numeral (default `Nat`), a
        # typed Nat/Int term, or be a function's argument. `∀ x, x = x` and
        # `∀ x y, x + y = y + x` fail in Lean with "failed to infer binder type".
        return has_loose_bvar(body, 0) and self._sort_fixed(name, body_node)

    def _sort_fixed(self, name: str, node: Node) -> bool:
        """Whether some use of the untyped binder ``name`` in ``node`` fixes its sort."""
        k = node.kind
        if k in ("forall", "exists"):
            if any(name in names for names, _ty, _imp in node.args[0]):
                return False  # shadowed below
            # The inner untyped binders may fix it in turn (`∃ x, ∃ y > x, y = 1`).
            inner = {n for names, ty, _imp in node.args[0] if ty is None for n in names}
            saved, saved_bodies = self._untyped, dict(self._untyped_bodies)
            self._untyped = self._untyped | inner
            self._untyped_bodies.update({n: node.args[1] for n in inner})
            try:
                return self._sort_fixed(name, node.args[1])
            finally:
                self._untyped, self._untyped_bodies = saved, saved_bodies
        if k == "binop" and (node.args[0] in ARITH_OPS or node.args[0] in _RELS):
            leaves: list[Node] = []
            nested: list[Node] = []
            _tree_leaves(node, leaves, nested)
            if any(leaf.kind == "ident" and leaf.args[0] == name for leaf in leaves) and any(
                self._leaf_fixes_sort(leaf) for leaf in leaves
            ):
                return True
            return any(self._sort_fixed(name, child) for child in nested)
        if k == "app":
            head, args = node.args
            fixed_head = self.function_local(head) is not None or (
                head.kind == "ident" and head.args[0] in ("Nat.succ", "Nat.pred")
            )
            if fixed_head and any(a.kind == "ident" and a.args[0] == name for a in args):
                return True
        return any(self._sort_fixed(name, child) for child in _child_nodes(node))

    def _leaf_fixes_sort(self, leaf: Node) -> bool:
        k = leaf.kind
        if k in ("num", "ascr"):
            return True
        if k == "ident":
            name = leaf.args[0]
            if name in self._untyped:
                # An outer untyped binder fixes the sort once its own type is fixed by another
                # use (`∃ m, n < m ∧ ∃ p, m * p ≤ m + p`: `n < m` makes `m`, then `p`, a Nat).
                body = self._untyped_bodies.get(name)
                if body is None or name in self._fixing:
                    return False
                self._fixing.add(name)
                try:
                    return self._sort_fixed(name, body)
                finally:
                    self._fixing.discard(name)
            loc = self._lookup_local(leaf.args[0])
            return loc is not None and loc[1] in (NAT, INT)
        if k == "app":
            head = leaf.args[0]
            loc = self.function_local(head)
            if loc is not None:
                return loc[1][2] in ("Nat", "Int")
            return head.kind == "ident" and head.args[0] in ("Nat.succ", "Nat.pred")
        return False

    def relation(self, op: str, lhs: Node, rhs: Node, node: Node) -> Expr:
        # Prop equality / iff-like comparisons of propositions.
        if op in ("=", "≠") and (self._looks_prop(lhs) or self._looks_prop(rhs)):
            return ("rel", op, "Prop", self.prop(lhs), self.prop(rhs))
        sort = self.sort_of_tree([lhs, rhs])
        a = self.term(lhs, sort)
        b = self.term(rhs, sort)
        return ("rel", op, sort, a, b)

    def _looks_prop(self, node: Node) -> bool:
        k = node.kind
        if k == "paren":
            return self._looks_prop(node.args[0])
        if k in ("not", "forall", "exists"):
            return True
        if k == "binop":
            return node.args[0] in ("∧", "∨", "↔", "→") or node.args[0] in _RELS
        if k == "ident":
            name = node.args[0]
            if name in ("True", "False"):
                return True
            loc = self._lookup_local(name)
            return loc is not None and loc[1] == PROP
        if k == "app":
            loc = self.function_local(node.args[0])
            return loc is not None and loc[1][2] == "Prop"
        return False

    # ------------------------------------------------------------------ proofs
    def proof(self, node: Node, expected: Expr | None) -> Expr:
        """Checks ``node`` as a proof of ``expected`` (or infers its type when None)."""
        try:
            return self._proof(node, expected)
        except RecoverableElabError as exc:
            if expected is None or self.session is None:
                raise
            self.session.log_error(exc)
            self.session.note_sorry(synthetic=True)
            return expected

    def check(self, got: Expr, expected: Expr | None, node: Node) -> Expr:
        if expected is None:
            return got
        if self.mvars or has_mvar(got) or has_mvar(expected):
            if self.unify(got, expected):
                return expected
        elif defeq(got, expected):
            return expected
        raise self.fail(self.mismatch_text(node, got, expected), node)

    def mismatch_text(self, node: Node, got: Expr, expected: Expr) -> str:
        return messages.type_mismatch(
            self.source(node),
            self.pp(subst_mvars(got, self.mvars)),
            self.pp(subst_mvars(expected, self.mvars)),
        )

    def source(self, node: Node) -> str:
        if self.session is not None and self.session.source is not None:
            return " ".join(self.session.source[node.start : node.end].split())
        return "this term"

    def _proof(self, node: Node, expected: Expr | None) -> Expr:
        k = node.kind
        if k == "paren":
            return self._proof(node.args[0], expected)
        if k == "sorry":
            if expected is None:
                raise self.fail("MiniLean: cannot infer the type of this sorry", node)
            if self.session is not None:
                self.session.record_sorry(self.goal.with_target(expected, ""), node)
            return expected
        if k == "by":
            if expected is None or has_mvar(expected):
                raise self.fail("MiniLean: a `by` block needs a known expected type here", node)
            if self.session is None:
                raise self.fail("MiniLean: tactic blocks are not allowed here", node)
            self.session.run_nested_by(node.args[0], self.goal.with_target(expected, ""), node)
            return expected
        if k == "ascr":
            ty = self.prop(node.args[1])
            self._proof(node.args[0], ty)
            return self.check(ty, expected, node)
        if k == "show":
            ty = self.prop(node.args[0])
            if expected is not None and not defeq(ty, expected):
                raise self.fail(self.mismatch_text(node, ty, expected), node)
            if node.args[1] is None:
                raise self.fail("MiniLean: `show` term without `from`", node)
            self._proof(node.args[1], ty)
            return ty if expected is None else expected
        if k == "anon":
            return self.anonymous_constructor(node, expected)
        if k == "fun":
            return self._fun(node, expected)
        if k in ("hole", "synth_hole"):
            if (
                k == "synth_hole"
                and self.session is not None
                and self.session.new_goals is not None
            ):
                if expected is None or has_mvar(expected):
                    raise self.fail("MiniLean: cannot create a goal of unknown type", node)
                tag = self._hole_tag(node)
                for made in self.session.new_goals if tag else ():
                    if made.tag == tag:
                        # `?a` again is the same metavariable: one goal, one type.
                        if made.ctx != self.goal.ctx or not defeq(made.target, expected):
                            raise self.fail(
                                messages.type_mismatch(
                                    f"?{tag}", self.pp(made.target), self.pp(expected)
                                ),
                                node,
                            )
                        return expected
                self.session.new_goals.append(self.goal.with_target(expected, tag))
                return expected
            shown = self.pp(expected) if expected is not None else "?"
            raise self.fail(messages.synthesize_placeholder(self.context_text(), shown), node)
        if k == "ident":
            return self._ident_proof(node, expected)
        if k == "proj":
            return self._app_proof(node, [], expected)
        if k == "app":
            head, args = node.args
            return self._app_proof(head, args, expected)
        handler = SYNTAX_ELABORATORS.get(_syntax_key(node))
        if handler is not None:
            return handler(self, node, expected)
        if k == "num":
            raise self.fail("MiniLean: a numeral is not a proof", node)
        raise self.fail("MiniLean: this proof term is outside the fragment", node)

    def exists_elim(self, ex_t: Expr, fn: Node, expected: Expr | None, node: Node) -> Expr:
        """``Exists.elim (h : ∃ x, p x) (f : ∀ (a : α), p a → b) : b`` with ``b`` the goal."""
        if expected is None or has_mvar(expected):
            raise self.fail("MiniLean: cannot infer the type of Exists.elim here", node)
        binder, dom, body = ex_t[1], ex_t[2], ex_t[3]
        # `∀ (a : α), p a → b`: `b` is the goal, which cannot mention the witness.
        inner = ("pi", Binder("h"), body, lift(expected, 2, 0))
        self.proof(fn, ("pi", Binder(binder.name), dom, inner))
        return expected

    def _hole_tag(self, node: Node) -> str:
        name = node.args[0]
        return "" if name == "_" else name

    def anonymous_constructor(self, node: Node, expected: Expr | None) -> Expr:
        elems: list[Node] = node.args[0]
        if expected is None:
            raise self.fail("invalid constructor ⟨...⟩, expected type must be known", node)
        target = unfold_dvd(expected)
        if target[0] == "rel" and target[1] in (">", "≥", "<", "≤"):
            raise self.fail(self._anon_error(target), node)
        if target == TRUE:
            if elems:
                raise self.fail(
                    "invalid constructor ⟨...⟩, insufficient number of arguments, constructs 'True.intro' does not have explicit fields, but #1 provided",
                    node,
                )
            return expected
        if target[0] in ("and", "iff"):
            if len(elems) < 2:
                raise self.fail(
                    f"invalid constructor ⟨...⟩, insufficient number of arguments, constructs "
                    f"'{'And.intro' if target[0] == 'and' else 'Iff.intro'}' has #2 explicit fields, but only #{len(elems)} provided",
                    node,
                )
            left_t = target[1]
            right_t = target[2]
            if target[0] == "iff":
                left_t = ("pi", Binder("a"), target[1], lift(target[2], 1, 0))
                right_t = ("pi", Binder("a"), target[2], lift(target[1], 1, 0))
            self.proof(elems[0], left_t)
            rest = elems[1:]
            if len(rest) == 1:
                self.proof(rest[0], right_t)
            else:
                self.anonymous_constructor(Node("anon", [rest], rest[0].start, node.end), right_t)
            return expected
        if target[0] == "ex":
            if len(elems) < 2:
                raise self.fail(
                    "invalid constructor ⟨...⟩, insufficient number of arguments, constructs "
                    f"'Exists.intro' has #2 explicit fields, but only #{len(elems)} provided",
                    node,
                )
            witness = self.data_arg(elems[0], target[2]) if target[2] in (NAT, INT) else None
            if witness is None:
                raise self.fail("MiniLean: only Nat/Int witnesses are supported", elems[0])
            body = instantiate(target[3], witness)
            rest = elems[1:]
            if len(rest) == 1:
                self.proof(rest[0], body)
            else:
                self.anonymous_constructor(Node("anon", [rest], rest[0].start, node.end), body)
            return expected
        raise self.fail(self._anon_error(target), node)

    def _anon_error(self, target: Expr) -> str:
        return messages.not_inductive(self.pp(target))

    def _fun(self, node: Node, expected: Expr | None) -> Expr:
        params, body = node.args
        if expected is None:
            raise self.fail(
                "MiniLean: cannot infer the type of this function; add a type ascription", node
            )
        target = whnf_pi(expected)
        if target[0] != "pi":
            raise self.fail(
                messages.type_mismatch(
                    self.source(node), "?a → ?b", self.pp(expected), got_sort="Sort ?u"
                ),
                node,
            )
        param = params[0]
        dom = target[2]
        goal = self.goal
        if param[0] == "name":
            if param[2] is not None:
                ty = Elaborator(goal, self.session).type_(param[2])
                if not defeq(ty, dom):
                    raise self.fail(
                        f"type mismatch for binder {param[1]}: expected {self.pp(dom)}", node
                    )
            new_goal, fid = goal.add(param[1], dom)
            body_t = instantiate(target[3], ("fvar", fid))
            sub = Elaborator(new_goal, self.session)
            sub.mvars = self.mvars
        else:
            if self.session is None:
                raise self.fail("MiniLean: patterns are not allowed here", node)
            new_goals = self.session.destructure_pattern(goal, dom, param[1])
            if len(new_goals) != 1:
                raise self.fail("MiniLean: alternatives in `fun` patterns are not supported", node)
            new_goal = new_goals[0]
            if has_loose_bvar(target[3], 0):
                raise self.fail("MiniLean: dependent pattern functions are not supported", node)
            body_t = instantiate(target[3], TRUE)
            sub = Elaborator(new_goal, self.session)
        rest = params[1:]
        if rest:
            sub.proof(Node("fun", [rest, body], node.start, node.end), body_t)
        else:
            sub.proof(body, body_t)
        return expected

    # -- identifiers and applications ----------------------------------------------------
    def _ident_proof(self, node: Node, expected: Expr | None) -> Expr:
        return self._app_proof(node, [], expected)

    def head_type(
        self, node: Node, expected: Expr | None, args: list[Node]
    ) -> tuple[Expr, list[Node]] | Expr:
        """The type of an application head; may consume arguments of special forms."""
        if node.kind == "paren":
            return self.head_type(node.args[0], expected, args)
        if node.kind == "proj":
            base, field = node.args
            base_t = self._proof(base, None)
            return self.projection(base_t, field, node, base)
        if node.kind != "ident":
            return self._proof(node, None)
        name = node.args[0]
        loc = self._lookup_local(name)
        if loc is not None:
            e, ty = loc
            if ty in VAR_TYPES:
                shown = self.pp(expected) if expected is not None else "?"
                raise self.fail(
                    messages.type_mismatch(name, self.pp(ty), shown, got_sort="Type"), node
                )
            return ty
        # `h.mp`-style: a local followed by field names.
        if "." in name:
            parts = name.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                base_name = ".".join(parts[:cut])
                loc = self._lookup_local(base_name)
                if loc is not None:
                    if loc[1] in VAR_TYPES:
                        break
                    ty = loc[1]
                    for field in parts[cut:]:
                        ty = self.projection(ty, field, node, None)
                    return ty
        info = self.session.decls.get(name) if self.session is not None else None
        if info is not None:
            if info.statement is None:
                raise self.fail(f"MiniLean: the definition '{name}' is not a proof", node)
            self.session.note_axioms(info.axioms)
            return info.statement
        if name not in CORE_LEMMAS and not self.mathlib:
            name = self._opened_lemma(name)
        ty = lemma_type(name) if name not in MATHLIB_ONLY_LEMMAS or self.mathlib else None
        if ty is not None:
            if self.session is not None:
                self.session.note_axioms(LEMMA_AXIOMS.get(name, ()))
            return ty
        if name in BUILTIN_CONSTANTS:
            return ("special", name)
        if name in ("True", "False", "Nat", "Int", "Prop"):
            raise self.fail(f"MiniLean: '{name}' is not a proof", node)
        self.refuse_mathlib_name(name, node)
        raise self.unknown_identifier(name, node)

    def _opened_lemma(self, name: str) -> str:
        """``succ_le_of_lt`` under ``open Nat`` is ``Nat.succ_le_of_lt`` (for the core lemmas
        known not to be ``protected``; with Mathlib the root names make it ambiguous)."""
        for namespace in self.opens:
            full = f"{namespace}.{name}"
            if full in OPEN_RESOLVABLE_LEMMAS:
                return full
        return name

    def projection(self, ty: Expr, field: str, node: Node, base: Node | None) -> Expr:
        k = ty[0]
        if k == "and":
            if field in ("1", "left"):
                return ty[1]
            if field in ("2", "right"):
                return ty[2]
            if field == "symm":
                return ("and", ty[2], ty[1])
        if k == "iff":
            if field in ("1", "mp"):
                return ("pi", Binder("a"), ty[1], lift(ty[2], 1, 0))
            if field in ("2", "mpr"):
                return ("pi", Binder("a"), ty[2], lift(ty[1], 1, 0))
            if field == "symm":
                return ("iff", ty[2], ty[1])
        if k == "or" and field == "symm":
            return ("or", ty[2], ty[1])
        if k == "rel" and field == "symm" and ty[1] in ("=", "≠"):
            return ("rel", ty[1], ty[2], ty[4], ty[3])
        if (
            k == "rel"
            and field == "le"
            and ty[1] == "="
            and ty[2] in ("Nat", "Int")
            and self.mathlib
        ):
            # `Eq.le` is Mathlib's (`Mathlib/Order/Basic.lean`); core Lean has `Nat.le_of_eq`.
            return ("rel", "≤", ty[2], ty[3], ty[4])
        if (
            k == "rel"
            and field == "le"
            and ty[1] == "<"
            and ty[2] in ("Nat", "Int")
            and self.mathlib
        ):
            return ("rel", "≤", ty[2], ty[3], ty[4])
        if field in (
            "elim",
            "trans",
            "mt",
            "resolve_left",
            "resolve_right",
            "imp",
            "mp",
            "mpr",
            "left",
            "right",
        ):
            return ("method", field, ty)
        if field == "elim" or (k == "false" and field == "elim"):
            return ("method", field, ty)
        shown = self.source(base) if base is not None else self.source(node)
        raise self.fail(messages.invalid_field(field, ty, shown, self.pp(ty)), node)

    def _app_proof(self, head: Node, args: list[Node], expected: Expr | None) -> Expr:
        fty = self.head_type(head, expected, args)
        if fty[0] == "special":
            return BUILTIN_CONSTANTS[fty[1]](self, fty[1], head, args, expected)
        if fty[0] == "method":
            return self.method_call(fty[1], fty[2], head, args, expected)
        return self.apply_args(fty, head, args, expected)

    def fresh_mvar(self) -> Expr:
        self._next_mvar += 1
        return ("mvar", self._next_mvar)

    def apply_args(
        self,
        fty: Expr,
        head: Node,
        args: list[Node],
        expected: Expr | None,
        explicit_only: bool = False,
    ) -> Expr:
        ty = fty
        i = 0
        while True:
            ty = subst_mvars(ty, self.mvars) if self.mvars else ty
            t = whnf_pi(ty) if i < len(args) else ty
            if t[0] == "pi" and t[1].implicit:
                if t[2] == PROP or t[2] in (NAT, INT):
                    ty = instantiate(t[3], self.fresh_mvar())
                    continue
                raise self.fail("MiniLean: implicit proof arguments are not supported", head)
            if i >= len(args):
                break
            if t[0] != "pi":
                raise self.fail(
                    messages.function_expected(
                        self.source(head), self.pp(subst_mvars(ty, self.mvars))
                    ),
                    args[i],
                )
            arg = args[i]
            i += 1
            dom = t[2]
            if dom in (NAT, INT):
                if arg.kind == "hole":
                    ty = instantiate(t[3], self.fresh_mvar())
                    continue
                value = self.data_arg(arg, dom)
                ty = instantiate(t[3], value)
            elif dom == PROP:
                value = self.prop(arg)
                ty = instantiate(t[3], value)
            elif dom[0] == "arrow":
                loc = self.function_local(arg)
                if loc is None or loc[1] != dom:
                    raise self.fail(
                        f"MiniLean: expected a function of type {self.pp(dom)} here (a function "
                        "variable of that type)",
                        arg,
                    )
                ty = instantiate(t[3], loc[0])
            else:
                dom_i = subst_mvars(dom, self.mvars)
                if has_mvar(dom_i):
                    got = self.proof(arg, None)
                    if not self.unify(got, dom_i):
                        raise self.fail(
                            messages.application_type_mismatch(
                                f"{self.source(head)} {self.source(arg)}",
                                self.source(arg),
                                self.pp(got),
                                self.pp(subst_mvars(dom_i, self.mvars)),
                            ),
                            arg,
                        )
                else:
                    try:
                        self.proof(arg, dom_i)
                    except LeanFailure as exc:
                        if exc.message.startswith("type mismatch\n"):
                            got = exc.message.split("has type\n  ", 1)[1].split(" : Prop\nbut", 1)[
                                0
                            ]
                            raise self.fail(
                                messages.application_type_mismatch(
                                    f"{self.source(head)} {self.source(arg)}",
                                    self.source(arg),
                                    got,
                                    self.pp(dom_i),
                                ),
                                arg,
                            ) from None
                        raise
                # A proof argument: the body does not depend on it in the fragment.
                ty = instantiate(t[3], TRUE)
        node = head if not args else Node("app", [head, args], head.start, args[-1].end)
        result = self.check(ty, expected, node)
        final = subst_mvars(result, self.mvars) if self.mvars else result
        if has_mvar(final):
            raise self.fail(messages.synthesize_implicit(self.context_text(), self.pp(final)), node)
        return final

    # -- unification (first order, for implicit arguments) ---------------------------------
    def unify(self, a: Expr, b: Expr) -> bool:
        a = subst_mvars(a, self.mvars)
        b = subst_mvars(b, self.mvars)
        if a == b:
            return True
        if a[0] == "mvar" or b[0] == "mvar":
            mvar, value = (a, b) if a[0] == "mvar" else (b, a)
            # An implicit argument is a closed term: it cannot be a variable bound inside the
            # types being unified (no capture), nor contain itself (occurs check).
            if has_loose_bvars(value) or mentions_mvar(value, mvar[1]):
                return False
            self.mvars[mvar[1]] = value
            return True
        if a[0] != b[0]:
            na, nb = (
                norm_prop(a) if a[0] in ("not", "rel") else a,
                norm_prop(b) if b[0] in ("not", "rel") else b,
            )
            if (na, nb) != (a, b) and not has_mvar(na) and not has_mvar(nb):
                return na == nb
            if (na, nb) != (a, b):
                return self._unify_struct(na, nb)
            if a[0] == "succ" or b[0] == "succ":
                # `Nat.succ ?n =?= t + 1` and `Nat.succ ?n =?= 5` (Lean's Nat offset defeq).
                succ, other = (a, b) if a[0] == "succ" else (b, a)
                pred = _nat_predecessor(other)
                if pred is not None:
                    return self.unify(succ[1], pred)
            if a[0] in ("lit", "bin", "succ", "neg") and b[0] in ("lit", "bin", "succ", "neg"):
                return norm_term(a) == norm_term(b) if not (has_mvar(a) or has_mvar(b)) else False
            return False
        return self._unify_struct(a, b)

    def _unify_struct(self, a: Expr, b: Expr) -> bool:
        if a[0] != b[0] or len(a) != len(b):
            if not has_mvar(a) and not has_mvar(b):
                return defeq(a, b)
            return False
        if not has_mvar(a) and not has_mvar(b):
            return defeq(a, b)
        k = a[0]
        if k in ("rel", "bin"):
            if a[1] != b[1] or a[2] != b[2]:
                if k == "rel" and not has_mvar(a) and not has_mvar(b):
                    return defeq(a, b)
                if k == "rel":
                    return (
                        self._unify_struct(norm_prop(a), norm_prop(b))
                        if (norm_prop(a) != a or norm_prop(b) != b)
                        else False
                    )
                return False
            return self.unify(a[3], b[3]) and self.unify(a[4], b[4])
        if k in ("and", "or", "iff"):
            return self.unify(a[1], b[1]) and self.unify(a[2], b[2])
        if k == "dvd":
            return a[2] == b[2] and self.unify(a[3], b[3]) and self.unify(a[4], b[4])
        if k in ("not", "neg", "succ", "cast"):
            return self.unify(a[1], b[1])
        if k in ("pi", "ex"):
            return self.unify(a[2], b[2]) and self.unify(a[3], b[3])
        if k == "call":
            return (
                a[1] == b[1]
                and len(a[2]) == len(b[2])
                and all(self.unify(x, y) for x, y in zip(a[2], b[2], strict=True))
            )
        return a == b

    # -- special forms ------------------------------------------------------------------

    def method_call(
        self,
        field: str,
        base_t: Expr,
        head: Node,
        args: list[Node],
        expected: Expr | None,
        base: Node | None = None,
    ) -> Expr:
        node = head if not args else Node("app", [head, args], head.start, args[-1].end)
        k = base_t[0]
        if field == "elim":
            if k == "false":
                if args:
                    raise self.fail("MiniLean: False.elim takes no further arguments here", node)
                if expected is None:
                    raise self.fail("MiniLean: cannot infer the type of False.elim here", node)
                return expected
            if k == "or":
                if len(args) != 2 or expected is None:
                    raise self.fail("MiniLean: Or.elim needs two functions and a known goal", node)
                self.proof(args[0], ("pi", Binder("h"), base_t[1], lift(expected, 1, 0)))
                self.proof(args[1], ("pi", Binder("h"), base_t[2], lift(expected, 1, 0)))
                return expected
            if k == "and":
                if len(args) != 1 or expected is None:
                    raise self.fail("MiniLean: And.elim needs one function and a known goal", node)
                inner = ("pi", Binder("b"), base_t[2], lift(expected, 1, 0))
                self.proof(args[0], ("pi", Binder("a"), base_t[1], lift(inner, 1, 0)))
                return expected
            if k == "ex":
                if len(args) != 1:
                    raise self.fail("MiniLean: Exists.elim takes one function here", node)
                return self.exists_elim(base_t, args[0], expected, node)
            if k in ("not",) or (k == "rel" and base_t[1] == "≠"):
                if len(args) != 1:
                    raise self.fail("MiniLean: Not.elim takes one argument", node)
                pos = base_t[1] if k == "not" else ("rel", "=", base_t[2], base_t[3], base_t[4])
                self.proof(args[0], pos)
                if k == "rel":
                    # `Ne.elim (h : a ≠ b) : a = b → False` proves `False`, not any goal
                    # (`Not.elim` is the one with an arbitrary result type).
                    return self.check(FALSE, expected, node)
                if expected is None:
                    raise self.fail("MiniLean: cannot infer the type of Not.elim here", node)
                return expected
        if field == "trans":
            if len(args) < 1:
                raise self.fail("MiniLean: trans needs an argument", node)
            other = self.proof(args[0], None)
            if (
                k == "rel"
                and base_t[1] == "="
                and other[0] == "rel"
                and other[1] == "="
                and defeq(base_t[4], other[3])
            ):
                res = ("rel", "=", base_t[2], base_t[3], other[4])
                return self.apply_args(res, node, args[1:], expected)
            if k == "iff" and other[0] == "iff" and defeq(base_t[2], other[1]):
                return self.apply_args(("iff", base_t[1], other[2]), node, args[1:], expected)
            wanted = f"{self.pp(base_t[4]) if k == 'rel' else '?'} = ?c"
            raise self.fail(
                messages.type_mismatch(self.source(args[0]), self.pp(other), wanted), args[0]
            )
        if field in ("mp", "mpr", "left", "right", "1", "2") and k in ("and", "iff"):
            return self.apply_args(self.projection(base_t, field, head, base), head, args, expected)
        if field == "mt" and k == "pi":
            raise self.fail("MiniLean: mt is not supported", node)
        shown = self.source(base) if base is not None else self.source(head)
        raise self.fail(messages.invalid_field(field, base_t, shown, self.pp(base_t)), node)


def _prop_use(e: Expr, idx: int) -> bool:
    """Whether bound variable ``idx`` of ``e`` is used where a proposition is required."""
    k = e[0]
    if k == "bvar":
        return e[1] == idx
    if k in ("and", "or", "iff"):
        return _prop_use(e[1], idx) or _prop_use(e[2], idx)
    if k == "not":
        return _prop_use(e[1], idx)
    if k in ("pi", "ex"):
        dom_use = e[2] not in (NAT, INT, PROP) and _prop_use(e[2], idx)
        return dom_use or _prop_use(e[3], idx + 1)
    if k == "rel" and e[2] == "Prop":
        a, b = e[3], e[4]
        # `x = q` fixes `x : Prop` through `q`; `x = x` (or `x = y` of untyped) does not.
        if a == ("bvar", idx) and b[0] != "bvar":
            return True
        if b == ("bvar", idx) and a[0] != "bvar":
            return True
        return any(side[0] != "bvar" and _prop_use(side, idx) for side in (a, b))
    return False


def _tree_leaves(node: Node, leaves: list[Node], nested: list[Node]) -> None:
    """The leaves of one `binop%` tree (one sort); exponents and arguments are other trees."""
    k = node.kind
    if k == "paren":
        _tree_leaves(node.args[0], leaves, nested)
    elif k == "binop" and node.args[0] == "^":
        _tree_leaves(node.args[1], leaves, nested)
        nested.append(node.args[2])
    elif k == "binop" and (node.args[0] in ARITH_OPS or node.args[0] in _RELS):
        _tree_leaves(node.args[1], leaves, nested)
        _tree_leaves(node.args[2], leaves, nested)
    elif k == "neg":
        _tree_leaves(node.args[0], leaves, nested)
    else:
        leaves.append(node)
        nested.append(node)


def _child_nodes(node: Node) -> list[Node]:
    out: list[Node] = []
    stack: list[Any] = list(node.args)
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            out.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return out


def _nat_predecessor(e: Expr) -> Expr | None:
    """``t`` when ``e`` is ``t + 1`` on Nat, ``k - 1`` for a positive Nat numeral ``k``."""
    if e[0] == "bin" and e[1] == "+" and e[2] == "Nat" and e[4] == ("lit", 1, "Nat"):
        return e[3]
    if e[0] == "lit" and e[2] == "Nat" and e[1] > 0:
        return ("lit", e[1] - 1, "Nat")
    return None
