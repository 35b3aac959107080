"""The built-in term handlers: core constants MiniLean elaborates by hand, and ``h ▸ e``.

Lean elaborates ``Or.inl h`` or ``absurd h hn`` as applications of ordinary constants with
implicit arguments; MiniLean's expression language has no terms for proofs, so each of these
constants gets a handler that checks its arguments against the expected type directly. The
handlers are registered in :data:`~lean_gym.backends.minilean.elab.core.BUILTIN_CONSTANTS` (and
``▸`` in :data:`~lean_gym.backends.minilean.elab.core.SYNTAX_ELABORATORS`) the way Lean's
``@[builtin_term_elab]`` attribute fills its table; the core looks them up by name.
"""

from __future__ import annotations

from lean_gym.backends.minilean import messages
from lean_gym.backends.minilean.arith_view import decide_value
from lean_gym.backends.minilean.elab.core import (
    Elaborator,
    builtin_constant,
    syntax_elaborator,
)
from lean_gym.backends.minilean.errors import LeanFailure
from lean_gym.backends.minilean.expr import (
    FALSE,
    INT,
    NAT,
    TRUE,
    Binder,
    Expr,
    has_loose_bvar,
    has_mvar,
    instantiate,
    lift,
    occurs,
    replace_term,
)
from lean_gym.backends.minilean.reduce import defeq, whnf_pi
from lean_gym.backends.minilean.syntax import Node

_OR_INTRO = ("Or.inl", "Or.inr", "Or.intro_left", "Or.intro_right")
_LEFT_INTRO = ("Or.inl", "Or.intro_left")

# What the explicit argument of `Eq.symm`, `Ne.symm`, `Iff.mp`, `And.left`... must be.
_NAMESPACE_SHAPE = {"Eq": "?a = ?b", "Ne": "?a ≠ ?b", "Iff": "?a ↔ ?b", "And": "?a ∧ ?b"}


def _app_node(head: Node, args: list[Node]) -> Node:
    return head if not args else Node("app", [head, args], head.start, args[-1].end)


def _applied(el: Elaborator, head: Node, args: list[Node], count: int, message: str) -> Node:
    """The application node, after checking that it has ``count`` explicit arguments."""
    node = _app_node(head, args)
    if len(args) != count:
        raise el.fail(message, node)
    return node


@builtin_constant("rfl", "Eq.refl")
def _rfl(el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None) -> Expr:
    node = _app_node(head, args)
    if name == "Eq.refl" and len(args) == 1 and args[0].kind == "hole" and expected is not None:
        # `Eq.refl _`: the hole is unified with the expected equation's sides.
        if expected[0] == "rel" and expected[1] == "=" and defeq(expected[3], expected[4]):
            return expected
        raise el.fail(_rfl_mismatch(el, node, expected), node)
    if name == "Eq.refl" and len(args) == 1:
        sort = el.sort_of_tree([args[0]])
        t = el.term(args[0], sort)
        return el.check(("rel", "=", sort, t, t), expected, node)
    if args:
        raise el.fail("function expected", node)
    if expected is None:
        raise el.fail("MiniLean: cannot infer the type of rfl here", node)
    e = expected
    if e[0] == "rel" and e[1] == "=" and defeq(e[3], e[4]):
        return expected
    raise el.fail(_rfl_mismatch(el, node, e), node)


def _rfl_mismatch(el: Elaborator, node: Node, e: Expr) -> str:
    if e[0] == "rel" and e[1] == "=":
        got = f"{el.pp(e[3])} = {el.pp(e[3])}"
    else:
        got = "?a = ?a"
    return messages.type_mismatch(el.source(node), got, el.pp(e))


@builtin_constant(*_OR_INTRO)
def _or_intro(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    node = _app_node(head, args)
    if not args and expected is not None:
        # `Or.inl` unapplied: a function `a → a ∨ b`.
        fn_t = whnf_pi(expected)
        if fn_t[0] == "pi" and not has_loose_bvar(fn_t[3], 0):
            body = instantiate(fn_t[3], TRUE)
            side = 1 if name in _LEFT_INTRO else 2
            if body[0] == "or" and defeq(fn_t[2], body[side]):
                return expected
        raise el.fail(
            messages.type_mismatch(el.source(node), "?a → ?a ∨ ?b", el.pp(expected)), node
        )
    if expected is None or expected[0] != "or":
        if expected is None:
            raise el.fail("MiniLean: cannot infer the type of Or.inl/Or.inr here", node)
        raise el.fail(messages.type_mismatch(el.source(node), "?a ∨ ?b", el.pp(expected)), node)
    if len(args) != 1:
        raise el.fail("MiniLean: Or.inl/Or.inr take one argument here", node)
    el.proof(args[0], expected[1] if name in _LEFT_INTRO else expected[2])
    return expected


@builtin_constant("And.intro")
def _and_intro(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    node = _applied(el, head, args, 2, "MiniLean: And.intro takes two arguments")
    if expected is not None and expected[0] == "and":
        el.proof(args[0], expected[1])
        el.proof(args[1], expected[2])
        return expected
    a = el.proof(args[0], None)
    b = el.proof(args[1], None)
    return el.check(("and", a, b), expected, node)


@builtin_constant("Iff.intro")
def _iff_intro(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    node = _applied(el, head, args, 2, "MiniLean: Iff.intro takes two arguments")
    if expected is None or expected[0] != "iff":
        raise el.fail("MiniLean: Iff.intro needs an expected ↔ type", node)
    el.proof(args[0], ("pi", Binder("a"), expected[1], lift(expected[2], 1, 0)))
    el.proof(args[1], ("pi", Binder("a"), expected[2], lift(expected[1], 1, 0)))
    return expected


@builtin_constant("Exists.intro")
def _exists_intro(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    node = _applied(el, head, args, 2, "MiniLean: Exists.intro takes two arguments")
    return el.anonymous_constructor(Node("anon", [args], node.start, node.end), expected)


@builtin_constant("absurd")
def _absurd(el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None) -> Expr:
    node = _applied(el, head, args, 2, "MiniLean: absurd takes two arguments")
    try:
        a = el.proof(args[0], None)
    except LeanFailure as exc:
        if not exc.message.startswith("MiniLean: cannot infer"):
            raise
        # Lean postpones an argument whose type is unknown (`absurd rfl h`): the type `?a`
        # comes from the second argument `h : ¬?a`.
        neg = el.proof(args[1], None)
        a = _negated(neg)
        if a is None:
            raise el.fail(
                messages.application_type_mismatch(
                    el.source(node), el.source(args[1]), el.pp(neg), "¬?a"
                ),
                args[1],
            ) from None
        el.proof(args[0], a)
        if expected is None:
            raise el.fail("MiniLean: cannot infer the type of absurd here", node) from None
        return expected
    el.proof(args[1], ("not", a))
    if expected is None:
        raise el.fail("MiniLean: cannot infer the type of absurd here", node)
    return expected


def _negated(t: Expr) -> Expr | None:
    """``a`` when ``t`` is (definitionally) ``¬a``: ``¬a``, ``x ≠ y`` or ``a → False``."""
    if t[0] == "not":
        return t[1]
    if t[0] == "rel" and t[1] == "≠":
        return ("rel", "=", t[2], t[3], t[4])
    if t[0] == "pi" and t[3] == FALSE and not has_loose_bvar(t[3], 0):
        return t[2]
    return None


@builtin_constant("False.elim", "nomatch")
def _false_elim(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    node = _applied(el, head, args, 1, "MiniLean: False.elim takes one argument")
    el.proof(args[0], FALSE)
    if expected is None:
        raise el.fail("MiniLean: cannot infer the type of False.elim here", node)
    return expected


@builtin_constant("Exists.elim")
def _exists_elim(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    node = _applied(el, head, args, 2, "MiniLean: Exists.elim takes two arguments")
    ex_t = el.proof(args[0], None)
    if ex_t[0] != "ex":
        raise el.fail(
            messages.application_type_mismatch(
                el.source(node), el.source(args[0]), el.pp(ex_t), "∃ x, ?p x"
            ),
            args[0],
        )
    return el.exists_elim(ex_t, args[1], expected, node)


@builtin_constant("Or.elim")
def _or_elim(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    if len(args) != 3:
        raise el.fail("MiniLean: Or.elim takes three arguments", _app_node(head, args))
    return el.method_call("elim", el.proof(args[0], None), head, args[1:], expected, args[0])


@builtin_constant("And.elim")
def _and_elim(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    node = _app_node(head, args)
    if len(args) < 1:
        raise el.fail(f"MiniLean: {name} needs an argument", node)
    # `And.elim (f : a → b → α) (h : a ∧ b) : α`: the function comes first.
    if len(args) != 2:
        raise el.fail("MiniLean: And.elim takes a function and a conjunction", node)
    base_t = el.proof(args[1], None)
    if base_t[0] != "and":
        raise el.fail(_namespace_mismatch(el, args[1], base_t, "?a ∧ ?b"), args[1])
    return el.method_call("elim", base_t, head, args[:1], expected, args[1])


@builtin_constant("Eq.symm", "Iff.symm", "Ne.symm", "And.left", "And.right", "Iff.mp", "Iff.mpr")
def _namespace_field(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    """``Eq.symm h``, ``Iff.mp h a``...: the field ``h.symm``, ``h.mp a`` spelled as a constant."""
    node = _app_node(head, args)
    if len(args) < 1:
        raise el.fail(f"MiniLean: {name} needs an argument", node)
    base_t = el.proof(args[0], None)
    namespace, field = name.split(".")
    if not _has_shape(base_t, namespace):
        raise el.fail(
            _namespace_mismatch(el, args[0], base_t, _NAMESPACE_SHAPE[namespace]), args[0]
        )
    if base_t[0] == "not":  # `Ne.symm` on `¬a = b`
        eq = base_t[1]
        base_t = ("rel", "≠", eq[2], eq[3], eq[4])
    if field in ("symm", "left", "right") and len(args) == 1:
        return el.check(el.projection(base_t, field, head, args[0]), expected, node)
    if field in ("mp", "mpr"):
        return el.apply_args(el.projection(base_t, field, head, args[0]), head, args[1:], expected)
    return el.method_call(field, base_t, head, args[1:], expected, args[0])


@builtin_constant("Eq.trans", "Iff.trans")
def _trans(el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None) -> Expr:
    _applied(el, head, args, 2, f"MiniLean: {name} takes two arguments")
    base_t = el.proof(args[0], None)
    namespace = name.split(".")[0]
    if not _has_shape(base_t, namespace):
        raise el.fail(
            _namespace_mismatch(el, args[0], base_t, _NAMESPACE_SHAPE[namespace]), args[0]
        )
    return el.method_call("trans", base_t, head, args[1:], expected, args[0])


def _namespace_mismatch(el: Elaborator, arg: Node, got: Expr, wanted: str) -> str:
    return (
        f"application type mismatch\n  {el.source(arg)}\nargument has type\n  "
        f"{el.pp(got)} : Prop\nbut is expected to have type\n  {wanted} : Prop"
    )


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


@builtin_constant("congrArg")
def _congr_arg(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    node = _applied(el, head, args, 2, "MiniLean: congrArg takes a function and an equation")
    f_node, h_node = args
    while f_node.kind == "paren":
        f_node = f_node.args[0]
    h_t = el.proof(h_node, None)
    if h_t[0] != "rel" or h_t[1] != "=" or h_t[2] not in ("Nat", "Int"):
        raise el.fail("MiniLean: congrArg needs an equation between Nat/Int terms", h_node)
    loc = el.function_local(f_node)
    if loc is not None:
        f, fty = loc
        if fty[1] != (h_t[2],):
            raise el.fail(
                messages.application_type_mismatch(
                    el.source(node), el.source(h_node), el.pp(h_t), "?a₁ = ?a₂"
                ),
                h_node,
            )
        eq = ("rel", "=", fty[2], ("call", f, (h_t[3],)), ("call", f, (h_t[4],)))
        return el.check(eq, expected, node)
    if f_node.kind != "fun" or len(f_node.args[0]) != 1 or f_node.args[0][0][0] != "name":
        raise el.fail("MiniLean: congrArg needs a `fun x => ...` function", f_node)
    param = f_node.args[0][0]
    sort = h_t[2]
    el.scope.append((param[1], NAT if sort == "Nat" else INT))
    try:
        out_sort = el.sort_of_tree([f_node.args[1]], sort)
        body = el.term(f_node.args[1], out_sort)
    finally:
        el.scope.pop()
    lhs = instantiate(body, h_t[3])
    rhs = instantiate(body, h_t[4])
    return el.check(("rel", "=", out_sort, lhs, rhs), expected, node)


@builtin_constant("of_decide_eq_true")
def _of_decide_eq_true(
    el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None
) -> Expr:
    """``of_decide_eq_true rfl : p``: the kernel evaluates ``decide p`` to ``true``.

    Only the argument ``rfl`` on a closed proposition MiniLean can decide is modelled.
    """
    node = _app_node(head, args)
    if len(args) != 1 or args[0].kind != "ident" or args[0].args[0] != "rfl":
        raise el.fail("MiniLean: `of_decide_eq_true` is supported with the argument `rfl`", node)
    if expected is None or has_mvar(expected):
        raise el.fail("MiniLean: cannot infer the type of of_decide_eq_true here", node)
    value = decide_value(el.goal, expected)
    if value is None:
        raise el.fail(
            f"MiniLean: cannot evaluate `decide ({el.pp(expected)})` (only closed decidable "
            "propositions of the fragment)",
            node,
        )
    if value is False:
        raise el.fail(
            messages.type_mismatch("rfl", "true = true", f"decide ({el.pp(expected)}) = true"),
            args[0],
        )
    return expected


@builtin_constant("id")
def _id(el: Elaborator, name: str, head: Node, args: list[Node], expected: Expr | None) -> Expr:
    if len(args) != 1:
        raise el.fail("MiniLean: id takes one argument", _app_node(head, args))
    return el.proof(args[0], expected)


@syntax_elaborator("▸")
def _subst_notation(el: Elaborator, node: Node, expected: Expr | None) -> Expr:
    """``h ▸ e`` with ``h : a = b`` and a known expected type (Lean's ``elabSubst``).

    Lean abstracts the occurrences of ``b`` in the expected type (else those of ``a``, using
    ``h.symm``) and checks ``e`` against the result of putting the other side there. Only that
    first attempt is modelled, and only when the abstracted side is a local variable or a
    numeral, where ``kabstract`` finds exactly the syntactic occurrences; Lean's retries
    (rewriting ``e``'s type as well) are refused with a MiniLean error.
    """
    _op, h_node, e_node = node.args
    if expected is None or has_mvar(expected):
        raise el.fail("MiniLean: `h ▸ e` needs a known expected type here", node)
    h_t = el.proof(h_node, None)
    if h_t[0] != "rel" or h_t[1] != "=":
        raise el.fail(
            f"invalid `▸` notation, argument\n  {el.source(h_node)}\nhas type\n  "
            f"{el.pp(h_t)}\nequality expected",
            h_node,
        )
    lhs, rhs = h_t[3], h_t[4]
    for pattern, replacement in ((rhs, lhs), (lhs, rhs)):
        if not occurs(expected, pattern):
            continue
        if pattern[0] not in ("fvar", "lit"):
            raise el.fail(
                "MiniLean: `▸` rewriting a compound term is outside the fragment (Lean's "
                "kabstract matches it up to instances); rewrite with `rw` instead",
                node,
            )
        wanted = replace_term(expected, pattern, replacement)
        try:
            el.proof(e_node, wanted)
        except LeanFailure as exc:
            if exc.message.startswith("MiniLean:"):
                raise
            raise el.fail(
                f"MiniLean: `▸` needs the argument to have type\n  {el.pp(wanted)}\n"
                "(the expected type with the equation's other side); Lean's retry that also "
                f"rewrites the argument's type is outside the fragment\n{exc.message}",
                e_node,
            ) from None
        return expected
    raise el.fail(
        f"invalid `▸` notation, expected result type of cast is \n  {el.pp(expected)}\n"
        f"however, the equality \n  {el.source(h_node)}\nof type \n  {el.pp(h_t)}\n"
        "does not contain the expected result type on either the left or the right hand side",
        node,
    )
