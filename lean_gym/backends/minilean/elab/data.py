"""Types and data terms: the ``Nat``/``Int`` half of the elaborator (a mixin of ``Elaborator``).

Arithmetic follows Lean's ``binop%`` elaborator (``Lean/Elab/Extra.lean``): the operands of
``+ - * / %`` and unary ``-`` form one tree (``^`` takes only its base into the tree, the
exponent is elaborated on its own); the tree's "maximal type" is computed from its leaves
(``Int`` when ``Nat`` and ``Int`` leaves meet, since ``Nat`` coerces to ``Int``), starting from
the expected type when there is one (a function argument, an ascription ``(e : ℤ)``), but not
for the two sides of a relation (``binrel%``); numerals take the maximal type, and a ``Nat`` leaf
in an ``Int`` tree becomes ``↑leaf``. A leaf ``↑e`` is elaborated against the tree's type; when no
leaf fixes that type, ``↑e`` is ``e``. A variable bound by an untyped binder is never coerced:
in Lean its type is a metavariable that unification assigns, so the binder gets the other type.
Divisibility ``a ∣ b`` is an ordinary application (``Dvd.dvd``): its type comes from ``a`` when
``a`` fixes one, else from ``b``, and the other side is elaborated against it.
"""

from __future__ import annotations

from lean_gym.backends.minilean import messages
from lean_gym.backends.minilean.errors import LeanFailure
from lean_gym.backends.minilean.expr import (
    INT,
    NAT,
    PROP,
    SORT_OF_TYPE,
    TYPE_OF_SORT,
    VAR_TYPES,
    Expr,
)
from lean_gym.backends.minilean.fragment import MATHLIB_TYPES, mathlib_name, outside_fragment
from lean_gym.backends.minilean.functions import (
    DATA_FUNCTIONS,
    DataFunction,
    apply_function,
    field_function,
)
from lean_gym.backends.minilean.pretty import pp_goal
from lean_gym.backends.minilean.syntax import Node

ARITH_OPS = frozenset({"+", "-", "*", "/", "%", "^"})
TYPE_NAMES = {"Nat": NAT, "Int": INT, "Prop": PROP}

# Unqualified names that, with Mathlib and `open Nat`, are ambiguous between `Nat.NAME` and
# Mathlib's root `NAME` (Lean reports "ambiguous, possible interpretations").
_AMBIGUOUS_WITH_MATHLIB = frozenset({"gcd", "lcm"})


def cast(e: Expr) -> Expr:
    """``↑e``: the ``Nat`` term ``e`` as an ``Int`` (``Nat.cast``, printed ``↑e``)."""
    return ("cast", e)


class DataTerms:
    """Types and ``Nat``/``Int`` terms (mixed into :class:`~.core.Elaborator`)."""

    # -- names ---------------------------------------------------------------------------
    def resolve_type_name(self, name: str, node: Node) -> Expr | None:
        if name in TYPE_NAMES:
            return TYPE_NAMES[name]
        if name in ("ℕ", "ℤ"):
            if not self.mathlib:
                raise self.unknown_identifier(name, node)
            return NAT if name == "ℕ" else INT
        if self.mathlib and name in MATHLIB_TYPES:
            raise self.fail(outside_fragment(name), node)
        return None

    def refuse_mathlib_name(self, name: str, node: Node) -> None:
        """Raises the fragment error when ``name`` is a Mathlib notion (with Mathlib imported)."""
        if not self.mathlib:
            return
        found = mathlib_name(name, self.opens)
        if found is not None:
            raise self.fail(outside_fragment(found), node)

    def refuse_unknown_head(self, head: Node) -> None:
        """Raises Lean's unknown-identifier error for an application of an unknown name."""
        name = head.args[0]
        known = (
            self._lookup_local(name) is not None
            or name in DATA_FUNCTIONS
            or name in TYPE_NAMES
            or name in ("Nat.succ", "Nat.pred", "Not", "True", "False")
            or self._is_succ(name)
            or "." in name
        )
        if not known:
            raise self.unknown_identifier(name, head)

    def _is_succ(self, name: str) -> bool:
        """``Nat.succ``, or ``succ`` under ``open Nat`` (a constructor: never protected)."""
        return name == "Nat.succ" or (
            name == "succ" and "Nat" in self.opens and self._lookup_local(name) is None
        )

    @property
    def opens(self) -> tuple[str, ...]:
        return tuple(getattr(self.session, "opens", ()) or ())

    # -- types ---------------------------------------------------------------------------
    def type_(self, node: Node) -> Expr:
        """A binder type: ``Nat``, ``Int``, ``Prop`` or a proposition."""
        if node.kind == "ident":
            t = self.resolve_type_name(node.args[0], node)
            if t is not None:
                return t
        if node.kind == "paren":
            return self.type_(node.args[0])
        if node.kind == "binop" and node.args[0] == "→":
            lhs = node.args[1]
            if lhs.kind == "ident" and lhs.args[0] in ("Nat", "Int", "ℕ", "ℤ", "Prop"):
                return self._arrow_type(node)
        if node.kind == "binop" and node.args[0] == "×":
            raise self.fail("MiniLean: product types (×) are not supported", node)
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
                ty = self.resolve_type_name(dom.args[0], dom) if dom.kind == "ident" else None
                if ty not in (NAT, INT):
                    raise self.fail(
                        "MiniLean: only functions from Nat/Int to Nat/Int/Prop are supported", node
                    )
                doms.append(SORT_OF_TYPE[ty])
                cur = cur.args[2]
                continue
            ty = self.resolve_type_name(cur.args[0], cur) if cur.kind == "ident" else None
            if ty is None:
                raise self.fail(
                    "MiniLean: only functions from Nat/Int to Nat/Int/Prop are supported", node
                )
            return ("arrow", tuple(doms), SORT_OF_TYPE[ty])

    # -- function applications -------------------------------------------------------------
    def function_local(self, head: Node) -> tuple[Expr, Expr] | None:
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
        loc = self.function_local(head)
        if loc is None:
            return None
        f, ty = loc
        doms, cod = ty[1], ty[2]
        if len(args) > len(doms):
            raise self.fail(messages.function_expected(self.source(node), cod), node)
        if len(args) < len(doms):
            raise self.fail("MiniLean: partial applications of functions are not supported", node)
        values = tuple(self.data_arg(a, TYPE_OF_SORT[d]) for a, d in zip(args, doms, strict=True))
        return ("call", f, values), cod

    def data_function(self, head: Node) -> tuple[DataFunction, list[Node]] | None:
        """The known core function ``head`` names, with the object of field notation.

        ``Nat.gcd`` (or ``gcd`` under ``open Nat``) gives no object; ``a.gcd`` and
        ``(n + 7).gcd`` give ``a`` and ``n + 7`` as the first argument.
        """
        while head.kind == "paren":
            head = head.args[0]
        if head.kind == "proj":
            base, field = head.args
            sort = self.tree_sort([base])
            fn = field_function(sort, field) if sort is not None else None
            return (fn, [base]) if fn is not None else None
        if head.kind != "ident":
            return None
        name = head.args[0]
        if self._lookup_local(name) is not None:
            return None
        fn = DATA_FUNCTIONS.get(name)
        if fn is not None:
            return fn, []
        for namespace in self.opens:
            fn = DATA_FUNCTIONS.get(f"{namespace}.{name}")
            if fn is not None:
                if self.mathlib and name in _AMBIGUOUS_WITH_MATHLIB:
                    raise self.fail(
                        f"MiniLean: `{name}` is ambiguous here (`{fn.name}` and Mathlib's "
                        f"`{name}`); write `{fn.name}`",
                        head,
                    )
                return fn, []
        if "." in name:
            base_name, _, field = name.rpartition(".")
            loc = self._lookup_local(base_name)
            if loc is not None and loc[1] in (NAT, INT):
                fn = field_function(SORT_OF_TYPE[loc[1]], field)
                if fn is not None:
                    base = Node("ident", [base_name], head.start, head.end - len(field) - 1)
                    return fn, [base]
        return None

    def _apply_data_function(
        self, fn: DataFunction, args: list[Node], node: Node
    ) -> tuple[Expr, str]:
        if len(args) != len(fn.args):
            if len(args) < len(fn.args):
                raise self.fail(
                    "MiniLean: partial applications of functions are not supported", node
                )
            raise self.fail(messages.function_expected(self.source(node), fn.result), node)
        values = tuple(
            self.data_arg(a, TYPE_OF_SORT[s]) for a, s in zip(args, fn.args, strict=True)
        )
        return apply_function(fn, values), fn.result

    # -- the maximal type of a tree ----------------------------------------------------------
    def tree_sort(self, nodes: list[Node], coerced_leaves: bool = True) -> str | None:
        """The maximal type of the trees ``nodes`` (``binop%``/``binrel%``), or None when no
        leaf fixes one (numerals only; also ``↑e`` leaves only, unless ``coerced_leaves``)."""
        found: set[str] = set()
        coerced: set[str] = set()
        for node in nodes:
            self._collect_sorts(node, found, coerced)
        if "Int" in found:
            return "Int"
        if found:
            return "Nat"
        if len(coerced) == 1 and coerced_leaves:
            # `↑e = 2`: no leaf fixes the type, `↑e` elaborates as `e`.
            return next(iter(coerced))
        if coerced and coerced_leaves:
            raise self.fail("MiniLean: `↑` between terms of unknown type", nodes[0])
        return None

    def sort_of_tree(self, nodes: list[Node], expected: str | None = None) -> str:
        """The one sort of an arithmetic tree (``binop%``'s "maximal type")."""
        return self.tree_sort(nodes) or expected or "Nat"

    def _collect_sorts(self, node: Node, out: set[str], coerced: set[str] | None = None) -> None:
        k = node.kind
        if k == "calc_prev" and self.calc_prev is not None:
            out.add(self.calc_prev[1])
        elif k == "paren":
            self._collect_sorts(node.args[0], out, coerced)
        elif k == "binop" and node.args[0] in ARITH_OPS:
            self._collect_sorts(node.args[1], out, coerced)
            if node.args[0] != "^":
                self._collect_sorts(node.args[2], out, coerced)
        elif k == "neg":
            self._collect_sorts(node.args[0], out, coerced)
            out.add("Int") if not out else None
        elif k == "coe":
            if coerced is not None:
                inner = self.tree_sort([node.args[0]])
                if inner is not None:
                    coerced.add(inner)
        elif k == "ident":
            loc = self._lookup_local(node.args[0])
            if loc is None and node.args[0].endswith(".succ"):
                out.add("Nat")
            if loc is not None:
                if loc[1] == NAT:
                    out.add("Nat")
                elif loc[1] == INT:
                    out.add("Int")
            elif "." in node.args[0]:
                found = self._quiet_data_function(node)
                if found is not None:
                    out.add(found[0].result)
        elif k == "ascr":
            ty = self.type_(node.args[1])
            if ty == NAT:
                out.add("Nat")
            elif ty == INT:
                out.add("Int")
        elif k == "app":
            head = node.args[0]
            if head.kind == "ident" and (head.args[0] == "Nat.pred" or self._is_succ(head.args[0])):
                out.add("Nat")
            loc = self.function_local(head)
            if loc is not None and loc[1][2] in ("Nat", "Int"):
                out.add(loc[1][2])
            elif loc is None:
                found = self._quiet_data_function(head)
                if found is not None:
                    out.add(found[0].result)
        elif k == "proj":
            if node.args[1] == "succ":
                out.add("Nat")
            else:
                found = self._quiet_data_function(node)
                if found is not None:
                    out.add(found[0].result)

    def _quiet_data_function(self, head: Node) -> tuple[DataFunction, list[Node]] | None:
        try:
            return self.data_function(head)
        except LeanFailure:
            return None

    # -- data terms --------------------------------------------------------------------------
    def term(self, node: Node, sort: str) -> Expr:
        """A data term of sort ``Nat``/``Int`` (``Nat`` leaves of an ``Int`` term are cast)."""
        k = node.kind
        if k == "paren":
            return self.term(node.args[0], sort)
        if k == "num":
            return ("lit", node.args[0], sort)
        if k == "calc_prev" and self.calc_prev is not None and self.calc_prev[1] == sort:
            return self.calc_prev[0]
        if k == "ident":
            return self._ident_term(node, sort)
        if k == "binop" and node.args[0] in ARITH_OPS:
            op, lhs, rhs = node.args
            a = self.term(lhs, sort)
            if op == "^":
                b = self.term(rhs, self.sort_of_tree([rhs], "Nat"))
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
        if k == "coe":
            return self._coe_term(node, sort)
        if k == "ascr":
            ty = self.type_(node.args[1])
            if ty not in (NAT, INT):
                raise self.fail("MiniLean: this ascription is outside the fragment", node)
            inner = self.data_arg(node.args[0], ty)
            return self._as_sort(inner, SORT_OF_TYPE[ty], sort, node)
        if k == "app":
            head, args = node.args
            called = self.call(head, args, node)
            if called is not None:
                if called[1] == "Prop":
                    raise self.fail(
                        messages.type_mismatch(self.source(node), "Prop", sort, "Type", "Type"),
                        node,
                    )
                return self._as_sort(called[0], called[1], sort, node)
            if head.kind == "ident" and self._is_succ(head.args[0]) and len(args) == 1:
                return self._as_sort(("succ", self.term(args[0], "Nat")), "Nat", sort, node)
            found = self.data_function(head)
            if found is not None:
                fn, leading = found
                value, result = self._apply_data_function(fn, [*leading, *args], node)
                return self._as_sort(value, result, sort, node)
            if head.kind == "ident":
                self.refuse_mathlib_name(head.args[0], head)
                self.refuse_unknown_head(head)
        if k == "proj":
            if node.args[1] == "succ":
                return self._as_sort(("succ", self.term(node.args[0], "Nat")), "Nat", sort, node)
            found = self.data_function(node)
            if found is not None:
                value, result = self._apply_data_function(found[0], found[1], node)
                return self._as_sort(value, result, sort, node)
        if k == "hole":
            raise self.fail(messages.synthesize_placeholder(self.context_text(), sort), node)
        raise self.fail(f"MiniLean: this {sort} term is outside the fragment", node)

    def _as_sort(self, value: Expr, got: str, sort: str, node: Node) -> Expr:
        """``value : got`` where a ``sort`` term is expected: itself, or ``↑value``."""
        if got == sort:
            return value
        if got == "Nat" and sort == "Int":
            return cast(value)
        raise self.fail(messages.type_mismatch(self.source(node), got, sort, "Type", "Type"), node)

    def _ident_term(self, node: Node, sort: str) -> Expr:
        name = node.args[0]
        loc = self._lookup_local(name)
        if loc is None and name.endswith(".succ"):
            base = self._lookup_local(name[: -len(".succ")])
            if base is not None and base[1] == NAT:
                return self._as_sort(("succ", base[0]), "Nat", sort, node)
        if loc is None:
            found = self.data_function(node) if "." in name else None
            if found is not None:
                value, result = self._apply_data_function(found[0], found[1], node)
                return self._as_sort(value, result, sort, node)
            if name in TYPE_NAMES or name in ("True", "False"):
                raise self.fail(f"MiniLean: '{name}' is not a {sort} term", node)
            self.refuse_mathlib_name(name, node)
            raise self.unknown_identifier(name, node)
        e, ty = loc
        want = NAT if sort == "Nat" else INT
        if ty[0] == "arrow":
            raise self.fail(messages.type_mismatch(name, self.pp(ty), sort, "Type", "Type"), node)
        untyped = e[0] == "bvar" and name in self._untyped
        if ty == NAT and sort == "Int" and not untyped:
            return cast(e)
        if ty != want:
            got_sort = "Prop" if ty not in VAR_TYPES else "Type"
            raise self.fail(messages.type_mismatch(name, self.pp(ty), sort, got_sort, "Type"), node)
        return e

    def _coe_term(self, node: Node, sort: str) -> Expr:
        """``↑e`` against ``sort``: ``e`` itself when the sorts agree, a cast from ``Nat``."""
        inner_node = node.args[0]
        inner_sort = self.tree_sort([inner_node])
        if inner_sort is None:
            raise self.fail("MiniLean: `↑` on a term of unknown type", node)
        inner = self.term(inner_node, inner_sort)
        if inner_sort == sort:
            return inner
        if inner_sort == "Nat" and sort == "Int":
            return cast(inner)
        raise self.fail(
            messages.type_mismatch(self.source(node), inner_sort, sort, "Type", "Type"), node
        )

    def context_text(self) -> str:
        text = pp_goal(self.goal, self.mathlib)
        return text[: text.rfind("⊢")]

    def data_arg(self, node: Node, dom: Expr) -> Expr:
        """A term elaborated against the expected type ``dom`` (a ``binop%`` tree whose
        maximal type starts at ``dom``: ``Nat`` leaves of an ``Int`` argument are cast)."""
        sort = "Nat" if dom == NAT else "Int"
        found: set[str] = set()
        self._collect_sorts(node, found)
        if sort == "Nat" and "Int" in found:
            raise self.fail(
                "MiniLean: expected a Nat argument, got an Int term (Int does not coerce to Nat)",
                node,
            )
        return self.term(node, sort)

    def divisibility(self, lhs: Node, rhs: Node, node: Node) -> Expr:
        """``a ∣ b`` (``Dvd.dvd a b``): the type of ``a`` if it has one, else that of ``b``."""
        # `↑p ∣ n`: a coerced left side waits for the right one (its elaboration is postponed).
        sort = (
            self.tree_sort([lhs], coerced_leaves=False)
            or self.tree_sort([rhs], coerced_leaves=False)
            or self.tree_sort([lhs, rhs])
            or "Nat"
        )
        a = self.data_arg(lhs, TYPE_OF_SORT[sort])
        b = self.data_arg(rhs, TYPE_OF_SORT[sort])
        return ("dvd", "∣", sort, a, b)
