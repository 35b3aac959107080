"""Elaboration: from syntax to MiniLean expressions, and type checking of proof terms.

Three elaborators share name resolution:

* data terms (``Nat``/``Int`` arithmetic): every arithmetic tree gets one sort, found from its
  leaves as Lean's ``binop%`` elaborator does (numerals adapt, ``Nat`` by default); mixing
  ``Nat`` and ``Int`` leaves would need a coercion, which is outside the fragment;
* propositions (``∧ ∨ ¬ → ↔ ∀ ∃``, relations, ``Prop`` variables);
* proofs: bidirectional checking against an expected proposition. Proof objects are not built:
  checking the types is the whole job, and the session records ``sorry`` and axiom uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lean_gym.backends.minilean.calc import calc_chain, calc_failure
from lean_gym.backends.minilean.errors import LeanFailure, RecoverableElabError
from lean_gym.backends.minilean.expr import (
    FALSE,
    INT,
    NAT,
    PROP,
    SORT_OF_TYPE,
    TRUE,
    TYPE_OF_SORT,
    VAR_TYPES,
    Binder,
    Expr,
    has_loose_bvar,
    has_loose_bvars,
    has_mvar,
    instantiate,
    lift,
    mentions_mvar,
    occurs,
    replace_term,
    subst_mvars,
)
from lean_gym.backends.minilean.goals import Goal
from lean_gym.backends.minilean.lemmas import CORE_LEMMAS, LEMMA_AXIOMS, MATHLIB_ONLY_LEMMAS
from lean_gym.backends.minilean.pretty import pp_expr
from lean_gym.backends.minilean.reduce import defeq, norm_prop, norm_term, whnf_pi
from lean_gym.backends.minilean.syntax import Node, Parser

if TYPE_CHECKING:
    from lean_gym.backends.minilean.tactics import Session

_ARITH = {"+", "-", "*", "/", "%", "^"}
_RELS = {"=", "≠", "<", "≤", ">", "≥"}
_TYPE_NAMES = {"Nat": NAT, "Int": INT, "Prop": PROP}

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


class Elaborator:
    """Elaborates syntax in the context of ``goal``.

    Args:
        goal: Supplies the local context (names resolve to its accessible locals).
        session: The running tactic session (sorry/axiom bookkeeping, nested ``by``); None
            when elaborating lemma statements.
    """

    def __init__(self, goal: Goal, session: Session | None):
        self.goal = goal
        self.session = session
        self.scope: list[tuple[str, Expr]] = []  # bound variables, innermost last
        self._mvars: dict[int, Expr] = {}
        self._next_mvar = 0
        self._untyped: frozenset[str] = frozenset()  # untyped binders being elaborated
        # The previous right-hand side standing for the leading `_` of a `calc` step.
        self._calc_prev: tuple[Expr, str] | None = None
        self.mathlib = bool(session and session.mathlib)

    # ------------------------------------------------------------------ helpers
    def fail(self, message: str, node: Node | None) -> LeanFailure:
        if node is None:
            return LeanFailure(message)
        return LeanFailure(message, node.start, node.end)

    def pp(self, e: Expr) -> str:
        return pp_expr(self.goal, e, self.mathlib)

    def _resolve_type_name(self, name: str, node: Node) -> Expr | None:
        if name in _TYPE_NAMES:
            return _TYPE_NAMES[name]
        if name in ("ℕ", "ℤ"):
            if not self.mathlib:
                raise RecoverableElabError(f"Unknown identifier `{name}`", node.start, node.end)
            return NAT if name == "ℕ" else INT
        return None

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

    def _unknown(self, name: str, node: Node) -> RecoverableElabError:
        return RecoverableElabError(f"Unknown identifier `{name}`", node.start, node.end)

    # ------------------------------------------------------------------ types
    def type_(self, node: Node) -> Expr:
        """A binder type: ``Nat``, ``Int``, ``Prop`` or a proposition."""
        if node.kind == "ident":
            t = self._resolve_type_name(node.args[0], node)
            if t is not None:
                return t
        if node.kind == "paren":
            return self.type_(node.args[0])
        if node.kind == "binop" and node.args[0] == "→":
            lhs = node.args[1]
            if lhs.kind == "ident" and lhs.args[0] in ("Nat", "Int", "ℕ", "ℤ", "Prop"):
                return self._arrow_type(node)
        return self.prop(node)

    def _arrow_type(self, node: Node) -> Expr:
        """``Nat → Nat``, ``Nat → Int → Prop``...: functions from numbers to numbers/Prop."""
        doms: list[str] = []
        cur = node
        while True:
            while cur.kind == "paren":
                cur = cur.args[0]
            if cur.kind == "binop" and cur.args[0] == "→":
                dom = cur.args[1]
                while dom.kind == "paren":
                    dom = dom.args[0]
                ty = self._resolve_type_name(dom.args[0], dom) if dom.kind == "ident" else None
                if ty not in (NAT, INT):
                    raise self.fail(
                        "MiniLean: only functions from Nat/Int to Nat/Int/Prop are supported", node
                    )
                doms.append(SORT_OF_TYPE[ty])
                cur = cur.args[2]
                continue
            ty = self._resolve_type_name(cur.args[0], cur) if cur.kind == "ident" else None
            if ty is None:
                raise self.fail(
                    "MiniLean: only functions from Nat/Int to Nat/Int/Prop are supported", node
                )
            return ("arrow", tuple(doms), SORT_OF_TYPE[ty])

    def _function_local(self, head: Node) -> tuple[Expr, Expr] | None:
        """``(f, its arrow type)`` when ``head`` names a function variable."""
        while head.kind == "paren":
            head = head.args[0]
        if head.kind != "ident":
            return None
        loc = self._lookup_local(head.args[0])
        if loc is None or loc[1][0] != "arrow":
            return None
        return loc

    def call(self, head: Node, args: list[Node], node: Node) -> tuple[Expr, str] | None:
        """``f a b`` for a function variable ``f``: (the call, its result sort), or None."""
        loc = self._function_local(head)
        if loc is None:
            return None
        f, ty = loc
        doms, cod = ty[1], ty[2]
        if len(args) > len(doms):
            raise self.fail(
                f"function expected at\n  {self.source(node)}\nterm has type\n  {cod}", node
            )
        if len(args) < len(doms):
            raise self.fail("MiniLean: partial applications of functions are not supported", node)
        values = tuple(self.data_arg(a, TYPE_OF_SORT[d]) for a, d in zip(args, doms, strict=True))
        return ("call", f, values), cod

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
            if name in _TYPE_NAMES or name in ("ℕ", "ℤ"):
                raise self.fail(f"MiniLean: '{name}' is a type, a proposition was expected", node)
            raise self._unknown(name, node)
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
                raise self.fail("MiniLean: divisibility (∣) is not supported", node)
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
        self._untyped = saved | untyped
        try:
            return self._binder_chain(kind, binders, body_node)
        finally:
            self._untyped = saved

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
        for dom in candidates:
            self.scope.append((name, dom))
            try:
                inner = self._binder_chain(kind, binders[1:], body)
            except LeanFailure as exc:
                last_error = exc
                continue
            finally:
                self.scope.pop()
            if ty_node is None and not self._binder_type_determined(name, dom, inner, body):
                last_error = self.fail("failed to infer binder type", body)
                continue
            return (kind, Binder(name, implicit), dom, inner)
        assert last_error is not None
        raise last_error

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
            return self._sort_fixed(name, node.args[1])
        if k == "binop" and (node.args[0] in _ARITH or node.args[0] in _RELS):
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
            fixed_head = self._function_local(head) is not None or (
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
            if leaf.args[0] in self._untyped:
                return False
            loc = self._lookup_local(leaf.args[0])
            return loc is not None and loc[1] in (NAT, INT)
        if k == "app":
            head = leaf.args[0]
            loc = self._function_local(head)
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
            loc = self._function_local(node.args[0])
            return loc is not None and loc[1][2] == "Prop"
        return False

    # ------------------------------------------------------------------ data terms
    def sort_of_tree(self, nodes: list[Node], expected: str | None = None) -> str:
        """The one sort of an arithmetic tree (``binop%``'s "maximal type")."""
        found: set[str] = set()
        for node in nodes:
            self._collect_sorts(node, found)
        if "Nat" in found and "Int" in found:
            raise self.fail(
                "MiniLean: mixing Nat and Int needs a coercion (↑), which is outside the fragment",
                nodes[0],
            )
        if found:
            return next(iter(found))
        return expected or "Nat"

    def _collect_sorts(self, node: Node, out: set[str]) -> None:
        k = node.kind
        if k == "calc_prev" and self._calc_prev is not None:
            out.add(self._calc_prev[1])
        elif k == "paren":
            self._collect_sorts(node.args[0], out)
        elif k == "binop" and node.args[0] in _ARITH:
            self._collect_sorts(node.args[1], out)
            if node.args[0] != "^":
                self._collect_sorts(node.args[2], out)
        elif k == "neg":
            self._collect_sorts(node.args[0], out)
            out.add("Int") if not out else None
        elif k == "ident":
            loc = self._lookup_local(node.args[0])
            if loc is None and node.args[0].endswith(".succ"):
                out.add("Nat")
            if loc is not None:
                if loc[1] == NAT:
                    out.add("Nat")
                elif loc[1] == INT:
                    out.add("Int")
        elif k == "ascr":
            ty = self.type_(node.args[1])
            if ty == NAT:
                out.add("Nat")
            elif ty == INT:
                out.add("Int")
        elif k == "app":
            head = node.args[0]
            if head.kind == "ident" and head.args[0] in ("Nat.succ", "Nat.pred"):
                out.add("Nat")
            loc = self._function_local(head)
            if loc is not None and loc[1][2] in ("Nat", "Int"):
                out.add(loc[1][2])
        elif k == "proj" and node.args[1] == "succ":
            out.add("Nat")

    def term(self, node: Node, sort: str) -> Expr:
        """A data term of sort ``Nat``/``Int``."""
        k = node.kind
        if k == "paren":
            return self.term(node.args[0], sort)
        if k == "num":
            return ("lit", node.args[0], sort)
        if k == "calc_prev" and self._calc_prev is not None and self._calc_prev[1] == sort:
            return self._calc_prev[0]
        if k == "ident":
            name = node.args[0]
            loc = self._lookup_local(name)
            if loc is None and name.endswith(".succ") and sort == "Nat":
                base = self._lookup_local(name[: -len(".succ")])
                if base is not None and base[1] == NAT:
                    return ("succ", base[0])
            if loc is None:
                if name in _TYPE_NAMES or name in ("True", "False"):
                    raise self.fail(f"MiniLean: '{name}' is not a {sort} term", node)
                raise self._unknown(name, node)
            e, ty = loc
            want = NAT if sort == "Nat" else INT
            if ty[0] == "arrow":
                raise self.fail(
                    f"type mismatch\n  {name}\nhas type\n  {self.pp(ty)} : Type\n"
                    f"but is expected to have type\n  {sort} : Type",
                    node,
                )
            if ty != want:
                raise self.fail(
                    f"type mismatch\n  {name}\nhas type\n  {self.pp(ty)} : "
                    f"{'Prop' if ty not in VAR_TYPES else 'Type'}\nbut is expected to have type\n  {sort} : Type",
                    node,
                )
            return e
        if k == "binop" and node.args[0] in _ARITH:
            op, lhs, rhs = node.args
            a = self.term(lhs, sort)
            if op == "^":
                b = self.term(rhs, self.sort_of_tree([rhs], "Nat"))
                if b[0] != "lit" and self.sort_of_tree([rhs], "Nat") != "Nat":
                    raise self.fail("MiniLean: exponents must be natural numbers", rhs)
                if self.sort_of_tree([rhs], "Nat") != "Nat":
                    raise self.fail("MiniLean: exponents must be natural numbers", rhs)
            else:
                b = self.term(rhs, sort)
            return ("bin", op, sort, a, b)
        if k == "neg":
            if sort != "Int":
                raise self.fail("failed to synthesize\n  Neg Nat", node)
            inner = self.term(node.args[0], sort)
            return ("neg", inner)
        if k == "ascr":
            ty = self.type_(node.args[1])
            if ty not in (NAT, INT):
                raise self.fail("MiniLean: this ascription is outside the fragment", node)
            got = "Nat" if ty == NAT else "Int"
            if got != sort:
                raise self.fail(
                    "MiniLean: mixing Nat and Int needs a coercion (↑), which is outside the fragment",
                    node,
                )
            return self.term(node.args[0], sort)
        if k == "app":
            head, args = node.args
            called = self.call(head, args, node)
            if called is not None:
                if called[1] != sort:
                    raise self.fail(
                        f"type mismatch\n  {self.source(node)}\nhas type\n  {called[1]} : "
                        f"{'Prop' if called[1] == 'Prop' else 'Type'}\nbut is expected to have "
                        f"type\n  {sort} : Type",
                        node,
                    )
                return called[0]
            if (
                head.kind == "ident"
                and head.args[0] == "Nat.succ"
                and len(args) == 1
                and sort == "Nat"
            ):
                return ("succ", self.term(args[0], "Nat"))
        if k == "proj" and node.args[1] == "succ" and sort == "Nat":
            return ("succ", self.term(node.args[0], "Nat"))
        if k == "hole":
            raise self.fail(
                f"don't know how to synthesize placeholder\ncontext:\n{self._ctx_text()}⊢ {sort}",
                node,
            )
        raise self.fail(f"MiniLean: this {sort} term is outside the fragment", node)

    def _ctx_text(self) -> str:
        from lean_gym.backends.minilean.pretty import pp_goal

        text = pp_goal(self.goal, self.mathlib)
        return text[: text.rfind("⊢")]

    def data_arg(self, node: Node, dom: Expr) -> Expr:
        sort = "Nat" if dom == NAT else "Int"
        # Numerals and arithmetic adapt to the expected sort; variables must match.
        found: set[str] = set()
        self._collect_sorts(node, found)
        if found and sort not in found:
            other = next(iter(found))
            raise self.fail(
                f"MiniLean: expected a {sort} argument, got a {other} term (coercions are outside the fragment)",
                node,
            )
        return self.term(node, sort)

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

    def _check(self, got: Expr, expected: Expr | None, node: Node) -> Expr:
        if expected is None:
            return got
        if self._mvars or has_mvar(got) or has_mvar(expected):
            if self.unify(got, expected):
                return expected
        elif defeq(got, expected):
            return expected
        raise self.fail(self.mismatch_text(node, got, expected), node)

    def mismatch_text(self, node: Node, got: Expr, expected: Expr) -> str:
        return (
            f"type mismatch\n  {self.source(node)}\nhas type\n  {self.pp(subst_mvars(got, self._mvars))} : Prop\n"
            f"but is expected to have type\n  {self.pp(subst_mvars(expected, self._mvars))} : Prop"
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
            return self._check(ty, expected, node)
        if k == "show":
            ty = self.prop(node.args[0])
            if expected is not None and not defeq(ty, expected):
                raise self.fail(self.mismatch_text(node, ty, expected), node)
            if node.args[1] is None:
                raise self.fail("MiniLean: `show` term without `from`", node)
            self._proof(node.args[1], ty)
            return ty if expected is None else expected
        if k == "anon":
            return self._anon(node, expected)
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
                self.session.new_goals.append(self.goal.with_target(expected, self._hole_tag(node)))
                return expected
            ctx = self._ctx_text()
            shown = self.pp(expected) if expected is not None else "?"
            raise self.fail(
                f"don't know how to synthesize placeholder\ncontext:\n{ctx}⊢ {shown}", node
            )
        if k == "ident":
            return self._ident_proof(node, expected)
        if k == "proj":
            return self._app_proof(node, [], expected)
        if k == "app":
            head, args = node.args
            return self._app_proof(head, args, expected)
        if k == "binop" and node.args[0] == "▸":
            return self._subst_notation(node, expected)
        if k == "calc":
            return self._calc_term(node, expected)
        if k == "num":
            raise self.fail("MiniLean: a numeral is not a proof", node)
        raise self.fail("MiniLean: this proof term is outside the fragment", node)

    def _calc_term(self, node: Node, expected: Expr | None) -> Expr:
        """A ``calc`` term: the composed relation must be defeq to the expected type."""
        steps = node.args[0]
        result = calc_chain(self, steps)
        if expected is None or defeq(result, expected):
            return result if expected is None else expected
        raise calc_failure(self, steps, result, expected)

    def _subst_notation(self, node: Node, expected: Expr | None) -> Expr:
        """``h ▸ e`` with ``h : a = b`` and a known expected type (Lean's ``elabSubst``).

        Lean abstracts the occurrences of ``b`` in the expected type (else those of ``a``, using
        ``h.symm``) and checks ``e`` against the result of putting the other side there. Only
        that first attempt is modelled, and only when the abstracted side is a local variable or
        a numeral, where ``kabstract`` finds exactly the syntactic occurrences; Lean's retries
        (rewriting ``e``'s type as well) are refused with a MiniLean error.
        """
        _op, h_node, e_node = node.args
        if expected is None or has_mvar(expected):
            raise self.fail("MiniLean: `h ▸ e` needs a known expected type here", node)
        h_t = self.proof(h_node, None)
        if h_t[0] != "rel" or h_t[1] != "=":
            raise self.fail(
                f"invalid `▸` notation, argument\n  {self.source(h_node)}\nhas type\n  "
                f"{self.pp(h_t)}\nequality expected",
                h_node,
            )
        lhs, rhs = h_t[3], h_t[4]
        for pattern, replacement in ((rhs, lhs), (lhs, rhs)):
            if not occurs(expected, pattern):
                continue
            if pattern[0] not in ("fvar", "lit"):
                raise self.fail(
                    "MiniLean: `▸` rewriting a compound term is outside the fragment (Lean's "
                    "kabstract matches it up to instances); rewrite with `rw` instead",
                    node,
                )
            wanted = replace_term(expected, pattern, replacement)
            try:
                self.proof(e_node, wanted)
            except LeanFailure as exc:
                if exc.message.startswith("MiniLean:"):
                    raise
                raise self.fail(
                    f"MiniLean: `▸` needs the argument to have type\n  {self.pp(wanted)}\n"
                    "(the expected type with the equation's other side); Lean's retry that also "
                    f"rewrites the argument's type is outside the fragment\n{exc.message}",
                    e_node,
                ) from None
            return expected
        raise self.fail(
            f"invalid `▸` notation, expected result type of cast is \n  {self.pp(expected)}\n"
            f"however, the equality \n  {self.source(h_node)}\nof type \n  {self.pp(h_t)}\n"
            "does not contain the expected result type on either the left or the right hand side",
            node,
        )

    def _exists_elim(self, ex_t: Expr, fn: Node, expected: Expr | None, node: Node) -> Expr:
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

    def _anon(self, node: Node, expected: Expr | None) -> Expr:
        elems: list[Node] = node.args[0]
        if expected is None:
            raise self.fail("invalid constructor ⟨...⟩, expected type must be known", node)
        target = expected
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
                self._anon(Node("anon", [rest], rest[0].start, node.end), right_t)
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
                self._anon(Node("anon", [rest], rest[0].start, node.end), body)
            return expected
        raise self.fail(self._anon_error(target), node)

    def _anon_error(self, target: Expr) -> str:
        return "invalid constructor ⟨...⟩, expected type must be an inductive type \n  " + self.pp(
            target
        )

    def _fun(self, node: Node, expected: Expr | None) -> Expr:
        params, body = node.args
        if expected is None:
            raise self.fail(
                "MiniLean: cannot infer the type of this function; add a type ascription", node
            )
        target = whnf_pi(expected)
        if target[0] != "pi":
            raise self.fail(
                f"type mismatch\n  {self.source(node)}\nhas type\n  ?a → ?b : Sort ?u\n"
                f"but is expected to have type\n  {self.pp(expected)} : Prop",
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
            sub._mvars = self._mvars
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

    def _head_type(
        self, node: Node, expected: Expr | None, args: list[Node]
    ) -> tuple[Expr, list[Node]] | Expr:
        """The type of an application head; may consume arguments of special forms."""
        if node.kind == "paren":
            return self._head_type(node.args[0], expected, args)
        if node.kind == "proj":
            base, field = node.args
            base_t = self._proof(base, None)
            return self._projection(base_t, field, node, base)
        if node.kind != "ident":
            return self._proof(node, None)
        name = node.args[0]
        loc = self._lookup_local(name)
        if loc is not None:
            e, ty = loc
            if ty in VAR_TYPES:
                raise self.fail(
                    f"type mismatch\n  {name}\nhas type\n  {self.pp(ty)} : Type\nbut is expected to have type\n  "
                    f"{self.pp(expected) if expected is not None else '?'} : Prop",
                    node,
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
                        ty = self._projection(ty, field, node, None)
                    return ty
        info = self.session.decls.get(name) if self.session is not None else None
        if info is not None:
            if info.statement is None:
                raise self.fail(f"MiniLean: the definition '{name}' is not a proof", node)
            self.session.note_axioms(info.axioms)
            return info.statement
        ty = lemma_type(name) if name not in MATHLIB_ONLY_LEMMAS or self.mathlib else None
        if ty is not None:
            if self.session is not None:
                self.session.note_axioms(LEMMA_AXIOMS.get(name, ()))
            return ty
        if name in _SPECIAL:
            return ("special", name)
        if name in ("True", "False", "Nat", "Int", "Prop"):
            raise self.fail(f"MiniLean: '{name}' is not a proof", node)
        raise self._unknown(name, node)

    def _projection(self, ty: Expr, field: str, node: Node, base: Node | None) -> Expr:
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
        struct = {
            "and": "And",
            "or": "Or",
            "iff": "Iff",
            "rel": "Eq",
            "ex": "Exists",
            "not": "Not",
            "pi": "?",
        }.get(k, "?")
        raise self.fail(
            f"invalid field '{field}', the environment does not contain '{struct}.{field}'\n  "
            f"{self.source(base) if base is not None else self.source(node)}\nhas type\n  {self.pp(ty)}",
            node,
        )

    def _app_proof(self, head: Node, args: list[Node], expected: Expr | None) -> Expr:
        fty = self._head_type(head, expected, args)
        if fty[0] == "special":
            return self._special(fty[1], head, args, expected)
        if fty[0] == "method":
            return self._method(fty[1], fty[2], head, args, expected)
        return self._apply_args(fty, head, args, expected)

    def fresh_mvar(self) -> Expr:
        self._next_mvar += 1
        return ("mvar", self._next_mvar)

    def _apply_args(
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
            ty = subst_mvars(ty, self._mvars) if self._mvars else ty
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
                    f"function expected at\n  {self.source(head)}\nterm has type\n  {self.pp(subst_mvars(ty, self._mvars))}",
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
                loc = self._function_local(arg)
                if loc is None or loc[1] != dom:
                    raise self.fail(
                        f"MiniLean: expected a function of type {self.pp(dom)} here (a function "
                        "variable of that type)",
                        arg,
                    )
                ty = instantiate(t[3], loc[0])
            else:
                dom_i = subst_mvars(dom, self._mvars)
                if has_mvar(dom_i):
                    got = self.proof(arg, None)
                    if not self.unify(got, dom_i):
                        raise self.fail(
                            f"application type mismatch\n  {self.source(head)} {self.source(arg)}\nargument\n  "
                            f"{self.source(arg)}\nhas type\n  {self.pp(got)} : Prop\nbut is expected to have type\n  "
                            f"{self.pp(subst_mvars(dom_i, self._mvars))} : Prop",
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
                                f"application type mismatch\n  {self.source(head)} {self.source(arg)}\nargument\n  "
                                f"{self.source(arg)}\nhas type\n  {got} : Prop\nbut is expected to have type\n  "
                                f"{self.pp(dom_i)} : Prop",
                                arg,
                            ) from None
                        raise
                # A proof argument: the body does not depend on it in the fragment.
                ty = instantiate(t[3], TRUE)
        node = head if not args else Node("app", [head, args], head.start, args[-1].end)
        result = self._check(ty, expected, node)
        final = subst_mvars(result, self._mvars) if self._mvars else result
        if has_mvar(final):
            raise self.fail(
                f"don't know how to synthesize implicit argument\ncontext:\n{self._ctx_text()}⊢ {self.pp(final)}",
                node,
            )
        return final

    # -- unification (first order, for implicit arguments) ---------------------------------
    def unify(self, a: Expr, b: Expr) -> bool:
        a = subst_mvars(a, self._mvars)
        b = subst_mvars(b, self._mvars)
        if a == b:
            return True
        if a[0] == "mvar" or b[0] == "mvar":
            mvar, value = (a, b) if a[0] == "mvar" else (b, a)
            # An implicit argument is a closed term: it cannot be a variable bound inside the
            # types being unified (no capture), nor contain itself (occurs check).
            if has_loose_bvars(value) or mentions_mvar(value, mvar[1]):
                return False
            self._mvars[mvar[1]] = value
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
        if k in ("not", "neg", "succ"):
            return self.unify(a[1], b[1])
        if k in ("pi", "ex"):
            return self.unify(a[2], b[2]) and self.unify(a[3], b[3])
        return a == b

    # -- special forms ------------------------------------------------------------------
    def _special(self, name: str, head: Node, args: list[Node], expected: Expr | None) -> Expr:
        node = head if not args else Node("app", [head, args], head.start, args[-1].end)
        n = len(args)
        if name in ("rfl", "Eq.refl"):
            if name == "Eq.refl" and n == 1:
                sort = self.sort_of_tree([args[0]])
                t = self.term(args[0], sort)
                return self._check(("rel", "=", sort, t, t), expected, node)
            if n:
                raise self.fail("function expected", node)
            if expected is None:
                raise self.fail("MiniLean: cannot infer the type of rfl here", node)
            e = expected
            if e[0] == "rel" and e[1] == "=" and defeq(e[3], e[4]):
                return expected
            if e[0] == "iff" and defeq(e[1], e[2]):
                raise self.fail(self._rfl_mismatch(node, e), node)
            raise self.fail(self._rfl_mismatch(node, e), node)
        if (
            name in ("Or.inl", "Or.inr", "Or.intro_left", "Or.intro_right")
            and n == 0
            and expected is not None
        ):
            fn_t = whnf_pi(expected)
            if fn_t[0] == "pi" and not has_loose_bvar(fn_t[3], 0):
                body = instantiate(fn_t[3], TRUE)
                side = 1 if name in ("Or.inl", "Or.intro_left") else 2
                if body[0] == "or" and defeq(fn_t[2], body[side]):
                    return expected
            raise self.fail(
                f"type mismatch\n  {self.source(node)}\nhas type\n  ?a → ?a ∨ ?b : Prop\nbut is expected to have type\n  {self.pp(expected)} : Prop",
                node,
            )
        if name in ("Or.inl", "Or.inr", "Or.intro_left", "Or.intro_right"):
            if expected is None or expected[0] != "or":
                if expected is None:
                    raise self.fail("MiniLean: cannot infer the type of Or.inl/Or.inr here", node)
                raise self.fail(
                    f"type mismatch\n  {self.source(node)}\nhas type\n  ?a ∨ ?b : Prop\nbut is expected to have type\n  {self.pp(expected)} : Prop",
                    node,
                )
            if n != 1:
                raise self.fail("MiniLean: Or.inl/Or.inr take one argument here", node)
            self.proof(args[0], expected[1] if name in ("Or.inl", "Or.intro_left") else expected[2])
            return expected
        if name == "And.intro":
            if n != 2:
                raise self.fail("MiniLean: And.intro takes two arguments", node)
            if expected is not None and expected[0] == "and":
                self.proof(args[0], expected[1])
                self.proof(args[1], expected[2])
                return expected
            a = self.proof(args[0], None)
            b = self.proof(args[1], None)
            return self._check(("and", a, b), expected, node)
        if name == "Iff.intro":
            if n != 2:
                raise self.fail("MiniLean: Iff.intro takes two arguments", node)
            if expected is None or expected[0] != "iff":
                raise self.fail("MiniLean: Iff.intro needs an expected ↔ type", node)
            self.proof(args[0], ("pi", Binder("a"), expected[1], lift(expected[2], 1, 0)))
            self.proof(args[1], ("pi", Binder("a"), expected[2], lift(expected[1], 1, 0)))
            return expected
        if name == "Exists.intro":
            if n != 2:
                raise self.fail("MiniLean: Exists.intro takes two arguments", node)
            return self._anon(Node("anon", [args], node.start, node.end), expected)
        if name in ("absurd",):
            if n != 2:
                raise self.fail("MiniLean: absurd takes two arguments", node)
            try:
                a = self.proof(args[0], None)
            except LeanFailure as exc:
                if not exc.message.startswith("MiniLean: cannot infer"):
                    raise
                # Lean postpones an argument whose type is unknown (`absurd rfl h`): the type
                # `?a` comes from the second argument `h : ¬?a`.
                neg = self.proof(args[1], None)
                a = _negated(neg)
                if a is None:
                    raise self.fail(
                        f"application type mismatch\n  {self.source(node)}\nargument\n  "
                        f"{self.source(args[1])}\nhas type\n  {self.pp(neg)} : Prop\n"
                        f"but is expected to have type\n  ¬?a : Prop",
                        args[1],
                    ) from None
                self.proof(args[0], a)
                if expected is None:
                    raise self.fail(
                        "MiniLean: cannot infer the type of absurd here", node
                    ) from None
                return expected
            self.proof(args[1], ("not", a))
            if expected is None:
                raise self.fail("MiniLean: cannot infer the type of absurd here", node)
            return expected
        if name in ("False.elim", "nomatch"):
            if n != 1:
                raise self.fail("MiniLean: False.elim takes one argument", node)
            self.proof(args[0], FALSE)
            if expected is None:
                raise self.fail("MiniLean: cannot infer the type of False.elim here", node)
            return expected
        if name == "Exists.elim":
            if n != 2:
                raise self.fail("MiniLean: Exists.elim takes two arguments", node)
            ex_t = self.proof(args[0], None)
            if ex_t[0] != "ex":
                raise self.fail(
                    f"application type mismatch\n  {self.source(node)}\nargument\n  "
                    f"{self.source(args[0])}\nhas type\n  {self.pp(ex_t)} : Prop\n"
                    "but is expected to have type\n  ∃ x, ?p x : Prop",
                    args[0],
                )
            return self._exists_elim(ex_t, args[1], expected, node)
        if name == "Or.elim":
            if n != 3:
                raise self.fail("MiniLean: Or.elim takes three arguments", node)
            return self._method(
                "elim", self.proof(args[0], None), head, args[1:], expected, args[0]
            )
        if name in (
            "Eq.symm",
            "Iff.symm",
            "Ne.symm",
            "And.left",
            "And.right",
            "Iff.mp",
            "Iff.mpr",
            "And.elim",
        ):
            if n < 1:
                raise self.fail(f"MiniLean: {name} needs an argument", node)
            if name == "And.elim":
                # `And.elim (f : a → b → α) (h : a ∧ b) : α`: the function comes first.
                if n != 2:
                    raise self.fail("MiniLean: And.elim takes a function and a conjunction", node)
                base_t = self.proof(args[1], None)
                if base_t[0] != "and":
                    raise self.fail(self._namespace_mismatch(args[1], base_t, "?a ∧ ?b"), args[1])
                return self._method("elim", base_t, head, args[:1], expected, args[1])
            base_t = self.proof(args[0], None)
            field = name.split(".")[1]
            wanted = _NAMESPACE_SHAPE[name.split(".")[0]]
            if not _has_shape(base_t, name.split(".")[0]):
                raise self.fail(self._namespace_mismatch(args[0], base_t, wanted), args[0])
            if base_t[0] == "not":  # `Ne.symm` on `¬a = b`
                eq = base_t[1]
                base_t = ("rel", "≠", eq[2], eq[3], eq[4])
            if field in ("symm", "left", "right") and n == 1:
                return self._check(self._projection(base_t, field, head, args[0]), expected, node)
            return (
                self._method(field, base_t, head, args[1:], expected, args[0])
                if field not in ("mp", "mpr")
                else self._apply_args(
                    self._projection(base_t, field, head, args[0]), head, args[1:], expected
                )
            )
        if name in ("Eq.trans", "Iff.trans"):
            if n != 2:
                raise self.fail(f"MiniLean: {name} takes two arguments", node)
            base_t = self.proof(args[0], None)
            namespace = name.split(".")[0]
            if not _has_shape(base_t, namespace):
                raise self.fail(
                    self._namespace_mismatch(args[0], base_t, _NAMESPACE_SHAPE[namespace]), args[0]
                )
            return self._method("trans", base_t, head, args[1:], expected, args[0])
        if name == "congrArg":
            return self._congr_arg(node, args, expected)
        if name == "id":
            if n != 1:
                raise self.fail("MiniLean: id takes one argument", node)
            return self.proof(args[0], expected)
        if name in ("Nat.lt_irrefl", "Int.lt_irrefl"):
            pass
        raise self.fail(f"MiniLean: '{name}' is not supported in this form", node)

    def _namespace_mismatch(self, arg: Node, got: Expr, wanted: str) -> str:
        return (
            f"application type mismatch\n  {self.source(arg)}\nargument has type\n  "
            f"{self.pp(got)} : Prop\nbut is expected to have type\n  {wanted} : Prop"
        )

    def _rfl_mismatch(self, node: Node, e: Expr) -> str:
        if e[0] == "rel" and e[1] == "=":
            return (
                f"type mismatch\n  {self.source(node)}\nhas type\n  {self.pp(e[3])} = {self.pp(e[3])} : Prop\n"
                f"but is expected to have type\n  {self.pp(e)} : Prop"
            )
        return (
            f"type mismatch\n  {self.source(node)}\nhas type\n  ?a = ?a : Prop\n"
            f"but is expected to have type\n  {self.pp(e)} : Prop"
        )

    def _method(
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
                return self._exists_elim(base_t, args[0], expected, node)
            if k in ("not",) or (k == "rel" and base_t[1] == "≠"):
                if len(args) != 1:
                    raise self.fail("MiniLean: Not.elim takes one argument", node)
                pos = base_t[1] if k == "not" else ("rel", "=", base_t[2], base_t[3], base_t[4])
                self.proof(args[0], pos)
                if k == "rel":
                    # `Ne.elim (h : a ≠ b) : a = b → False` proves `False`, not any goal
                    # (`Not.elim` is the one with an arbitrary result type).
                    return self._check(FALSE, expected, node)
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
                return self._apply_args(res, node, args[1:], expected)
            if k == "iff" and other[0] == "iff" and defeq(base_t[2], other[1]):
                return self._apply_args(("iff", base_t[1], other[2]), node, args[1:], expected)
            raise self.fail(
                f"type mismatch\n  {self.source(args[0])}\nhas type\n  {self.pp(other)} : Prop\nbut is expected to have type\n  "
                f"{self.pp(base_t[4]) if k == 'rel' else '?'} = ?c : Prop",
                args[0],
            )
        if field in ("mp", "mpr", "left", "right", "1", "2") and k in ("and", "iff"):
            return self._apply_args(
                self._projection(base_t, field, head, base), head, args, expected
            )
        if field == "mt" and k == "pi":
            raise self.fail("MiniLean: mt is not supported", node)
        struct = {
            "and": "And",
            "or": "Or",
            "iff": "Iff",
            "rel": "Eq",
            "ex": "Exists",
            "pi": "Function",
        }.get(k, "?")
        raise self.fail(
            f"invalid field '{field}', the environment does not contain '{struct}.{field}'\n  "
            f"{self.source(base) if base is not None else self.source(head)}\nhas type\n  {self.pp(base_t)}",
            node,
        )

    def _congr_arg(self, node: Node, args: list[Node], expected: Expr | None) -> Expr:
        if len(args) != 2:
            raise self.fail("MiniLean: congrArg takes a function and an equation", node)
        f_node, h_node = args
        while f_node.kind == "paren":
            f_node = f_node.args[0]
        h_t = self.proof(h_node, None)
        if h_t[0] != "rel" or h_t[1] != "=" or h_t[2] not in ("Nat", "Int"):
            raise self.fail("MiniLean: congrArg needs an equation between Nat/Int terms", h_node)
        loc = self._function_local(f_node)
        if loc is not None:
            f, fty = loc
            if fty[1] != (h_t[2],):
                raise self.fail(
                    f"application type mismatch\n  {self.source(node)}\nargument\n  "
                    f"{self.source(h_node)}\nhas type\n  {self.pp(h_t)} : Prop\n"
                    f"but is expected to have type\n  ?a₁ = ?a₂ : Prop",
                    h_node,
                )
            if fty[2] == "Prop":
                eq = ("rel", "=", "Prop", ("call", f, (h_t[3],)), ("call", f, (h_t[4],)))
            else:
                eq = ("rel", "=", fty[2], ("call", f, (h_t[3],)), ("call", f, (h_t[4],)))
            return self._check(eq, expected, node)
        if f_node.kind != "fun" or len(f_node.args[0]) != 1 or f_node.args[0][0][0] != "name":
            raise self.fail("MiniLean: congrArg needs a `fun x => ...` function", f_node)
        param = f_node.args[0][0]
        sort = h_t[2]
        self.scope.append((param[1], NAT if sort == "Nat" else INT))
        try:
            out_sort = self.sort_of_tree([f_node.args[1]], sort)
            body = self.term(f_node.args[1], out_sort)
        finally:
            self.scope.pop()
        lhs = instantiate(body, h_t[3])
        rhs = instantiate(body, h_t[4])
        return self._check(("rel", "=", out_sort, lhs, rhs), expected, node)


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
    elif k == "binop" and (node.args[0] in _ARITH or node.args[0] in _RELS):
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


# What the explicit argument of `Eq.symm`, `Ne.symm`, `Iff.mp`, `And.left`... must be.
_NAMESPACE_SHAPE = {"Eq": "?a = ?b", "Ne": "?a ≠ ?b", "Iff": "?a ↔ ?b", "And": "?a ∧ ?b"}


def _has_shape(t: Expr, namespace: str) -> bool:
    """Whether ``t`` is (up to reducible unfolding) the type the namespace's lemmas take."""
    if namespace == "Eq":
        return t[0] == "rel" and t[1] == "="
    if namespace == "Ne":
        # `Ne a b` unfolds to `¬a = b` (Ne is reducible), so both spellings are accepted.
        return (t[0] == "rel" and t[1] == "≠") or (
            t[0] == "not" and t[1][0] == "rel" and t[1][1] == "="
        )
    if namespace == "Iff":
        return t[0] == "iff"
    if namespace == "And":
        return t[0] == "and"
    return False


def _negated(t: Expr) -> Expr | None:
    """``a`` when ``t`` is (definitionally) ``¬a``: ``¬a``, ``x ≠ y`` or ``a → False``."""
    if t[0] == "not":
        return t[1]
    if t[0] == "rel" and t[1] == "≠":
        return ("rel", "=", t[2], t[3], t[4])
    if t[0] == "pi" and t[3] == FALSE and not has_loose_bvar(t[3], 0):
        return t[2]
    return None


_SPECIAL = {
    "rfl",
    "Eq.refl",
    "Or.inl",
    "Or.inr",
    "Or.intro_left",
    "Or.intro_right",
    "And.intro",
    "Iff.intro",
    "Exists.intro",
    "absurd",
    "False.elim",
    "Or.elim",
    "Exists.elim",
    "Eq.symm",
    "Iff.symm",
    "Ne.symm",
    "And.left",
    "And.right",
    "Iff.mp",
    "Iff.mpr",
    "And.elim",
    "Eq.trans",
    "Iff.trans",
    "congrArg",
    "id",
}


def elaborate_statement(goal: Goal, node: Node, session: Any = None) -> Expr:
    """Elaborates a theorem statement (a proposition) in ``goal``'s context."""
    return Elaborator(goal, session).prop(node)
