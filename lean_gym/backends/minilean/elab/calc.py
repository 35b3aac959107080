"""``calc`` chains: elaborating the steps, composing them with core Lean's ``Trans`` instances.

Lean (``Lean/Elab/Calc.lean``) elaborates each step ``a R b := proof`` as a type, checks that its
left-hand side is defeq to the previous right-hand side (a leading ``_`` stands for it), checks the
proof against the step, and composes the steps with ``Trans.trans``. Core Lean has these
instances for the fragment's relations:

* ``Trans Eq r r`` and ``Trans r Eq r`` for every relation ``r`` (``Init/Prelude.lean``);
* ``<``/``≤`` on ``Nat`` (``Init/Data/Nat/Basic.lean``) and on ``Int``
  (``Init/Data/Int/Order.lean``): ``< <`` gives ``<``, ``≤ ≤`` gives ``≤``, ``< ≤`` and ``≤ <`` give
  ``<``.

``>``/``≥`` chains only compose with ``=`` in core (their ``Trans`` instances are Mathlib's), and
``calc`` never unfolds ``>`` to ``<`` when reading a step's relation. The composed relation must
then be defeq to the expected type (``>`` as flipped ``<`` is fine there, as for ``isDefEq``).
"""

from __future__ import annotations

from lean_gym.backends.minilean.elab.core import Elaborator, syntax_elaborator
from lean_gym.backends.minilean.errors import LeanFailure
from lean_gym.backends.minilean.expr import TYPE_OF_SORT, Expr
from lean_gym.backends.minilean.reduce import defeq
from lean_gym.backends.minilean.syntax import Node

CALC_RELATIONS = ("=", "≠", "<", "≤", ">", "≥")
_ORDER = ("<", "≤")

Step = tuple[Node, Node | None]


def compose(first: str, second: str) -> str | None:
    """The relation ``Trans`` gives for ``a first b`` and ``b second c`` (None: no instance)."""
    if first == "=":
        return second
    if second == "=":
        return first
    if first in _ORDER and second in _ORDER:
        return "≤" if first == second == "≤" else "<"
    return None


def _no_trans(el: Elaborator, first: str, second: str, node: Node) -> LeanFailure:
    return el.fail(
        "MiniLean: invalid 'calc' step, failed to synthesize `Trans` instance: core Lean has no "
        f"transitivity instance composing `{first}` with `{second}`",
        node,
    )


def _step_relation(el: Elaborator, rel_node: Node, prev: tuple[Expr, str] | None) -> Expr:
    """Elaborates a step's relation; a leading ``_`` is the previous right-hand side."""
    node = rel_node
    if prev is not None and node.kind == "binop" and _is_hole(node.args[1]):
        lhs = Node("calc_prev", [], node.args[1].start, node.args[1].end)
        node = Node("binop", [node.args[0], lhs, node.args[2]], node.start, node.end)
    saved = el.calc_prev
    el.calc_prev = prev
    try:
        ty = el.prop(node)
    finally:
        el.calc_prev = saved
    if ty[0] != "rel" or ty[1] not in CALC_RELATIONS or ty[2] not in ("Nat", "Int"):
        raise el.fail(
            "MiniLean: 'calc' steps must be relations = ≠ < ≤ > ≥ between Nat or Int terms",
            rel_node,
        )
    return ty


def _is_hole(node: Node) -> bool:
    return node.kind == "hole" or (node.kind == "ident" and node.args[0] == "_")


def calc_chain(el: Elaborator, steps: list[Step]) -> Expr:
    """Checks every step of a chain and returns the composed relation (Lean's result type)."""
    result: Expr | None = None
    for i, (rel_node, proof_node) in enumerate(steps):
        if i == 0 and proof_node is None:
            # `calc a` alone is the step `a = _ := rfl`.
            sort = el.sort_of_tree([rel_node])
            a = el.term(rel_node, sort)
            result = ("rel", "=", sort, a, a)
            continue
        prev = (result[4], result[2]) if result is not None else None
        ty = _step_relation(el, rel_node, prev)
        if result is not None and (ty[2] != result[2] or not defeq(ty[3], result[4])):
            raise el.fail(
                f"invalid 'calc' step, left-hand side is\n  {el.pp(ty[3])} : "
                f"{el.pp(TYPE_OF_SORT[ty[2]])}\nbut previous right-hand side is\n  "
                f"{el.pp(result[4])} : {el.pp(TYPE_OF_SORT[result[2]])}",
                rel_node,
            )
        assert proof_node is not None
        el.proof(proof_node, ty)
        if result is None:
            result = ty
            continue
        op = compose(result[1], ty[1])
        if op is None:
            raise _no_trans(el, result[1], ty[1], rel_node)
        result = ("rel", op, ty[2], result[3], ty[4])
    assert result is not None
    return result


@syntax_elaborator("calc")
def calc_term(el: Elaborator, node: Node, expected: Expr | None) -> Expr:
    """A ``calc`` term: the composed relation must be defeq to the expected type."""
    steps = node.args[0]
    result = calc_chain(el, steps)
    if expected is None or defeq(result, expected):
        return result if expected is None else expected
    raise calc_failure(el, steps, result, expected)


def calc_failure(el: Elaborator, steps: list[Step], result: Expr, expected: Expr) -> LeanFailure:
    """Lean's ``throwCalcFailure``: the error for a chain whose result is not the expected type.

    With the same relation, a wrong left-hand side is reported at the first step and a wrong
    right-hand side at the last one (both logged when both are wrong); otherwise the relations
    differ.
    """
    sort_t = el.pp(TYPE_OF_SORT[result[2]])
    if expected[0] == "rel" and expected[1] == result[1] and expected[2] == result[2]:
        errors: list[LeanFailure] = []
        if not defeq(result[3], expected[3]):
            errors.append(
                el.fail(
                    f"invalid 'calc' step, left-hand side is\n  {el.pp(result[3])} : {sort_t}\n"
                    f"but is expected to be\n  {el.pp(expected[3])} : {sort_t}",
                    steps[0][0],
                )
            )
        if not defeq(result[4], expected[4]):
            errors.append(
                el.fail(
                    f"invalid 'calc' step, right-hand side is\n  {el.pp(result[4])} : {sort_t}\n"
                    f"but is expected to be\n  {el.pp(expected[4])} : {sort_t}",
                    steps[-1][0],
                )
            )
        if errors:
            if len(errors) == 2 and el.session is not None:
                el.session.log_error(errors[0])
            return errors[-1]
    return el.fail(
        f"MiniLean: the 'calc' chain proves\n  {el.pp(result)}\nwhich is not the expected type\n  "
        f"{el.pp(expected)}",
        steps[0][0],
    )


def calc_extension(result: Expr, target: Expr) -> tuple[Expr, Expr] | None:
    """The tactic's last-step extension: ``(new goal b R' c, composed)`` or None.

    When the chain proves ``a R b`` and the goal is ``a R' c``, the ``calc`` tactic adds the goal
    ``b R' c`` and composes; it succeeds when the composition is defeq to the goal.
    """
    if target[0] != "rel" or target[1] not in CALC_RELATIONS or target[2] != result[2]:
        return None
    if not defeq(result[3], target[3]):
        return None
    last = ("rel", target[1], target[2], result[4], target[4])
    op = compose(result[1], target[1])
    if op is None:
        return None
    composed = ("rel", op, result[2], result[3], target[4])
    if not defeq(composed, target):
        return None
    return last, composed
