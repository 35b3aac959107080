"""What ``simp +arith`` decides about one relation: Lean's ``Nat.Linear`` and ``Int.Linear``.

``simp +arith`` (``simp_arith``) runs, after the simp lemmas, the simproc ``simpArith``
(``Lean/Meta/Tactic/Simp/Rewrite.lean``): on a Nat relation ``Arith.Nat.simpCnstr?``, on an Int
one ``Arith.Int.simpRel?`` (``≤ < ≥ >`` and their negations) or ``Arith.Int.simpEq?`` (``=``).
A relation becomes ``True`` or ``False`` exactly when the following tests say so (Lean 4 core,
v4.33 sources); otherwise it is rewritten to a normal form, or left alone, and stays open.

Nat (``src/Init/Data/Nat/Linear.lean``): both sides become polynomials with natural
coefficients over atoms (numerals, ``+``, ``succ``, multiplication by a numeral; everything else
is an atom), common terms are cancelled (``Poly.cancel``), and

- ``PolyCnstr.isValid``: ``lhs = rhs`` when both sides are zero, ``lhs ≤ rhs`` when the left
  side is zero;
- ``PolyCnstr.isUnsat``: ``lhs = rhs`` when one side is zero and the other has a positive
  constant (``Poly.isNonZero``), ``lhs ≤ rhs`` when the left side has a positive constant and
  the right side is zero.

There is no divisibility test: ``2 * x = 1`` and ``x + x = 1`` are not refuted on Nat.

Int (``src/Init/Data/Int/Linear.lean``, ``Lean/Meta/Tactic/Simp/Arith/Int/Simp.lean``): ``a = b``
and ``a ≤ b`` become ``p = 0`` and ``p ≤ 0`` for ``p = a - b`` normalised (``a < b`` is
``a + 1 ≤ b``), and

- ``isValidEq``/``isUnsatEq``, ``isValidLe``/``isUnsatLe``: ``p`` is a constant;
- ``eq_eq_false_of_divCoeff``: ``p = 0`` is false when the gcd of the coefficients of ``p``
  does not divide its constant (``2 * x = 1`` on Int).

A negation is decided when the relation is (``¬a ≤ b`` is rewritten to ``b + 1 ≤ a``, which is
decided exactly when ``a ≤ b`` is; ``¬a = b`` is ``¬`` of the decided equation). Ground subterms
are evaluated first, as the simprocs ``Nat.reduceAdd`` etc. do before ``simpArith`` runs.
"""

from __future__ import annotations

import math

from lean_gym.backends.minilean.arith.eval import evaluate_term
from lean_gym.backends.minilean.arith.syntax import Term

# A linear form: (coefficients by atom, constant). Atoms are the (folded) terms themselves.
Linear = tuple[dict[Term, int], int]


def _fold(term: Term) -> Term:
    """Evaluates the closed subterms, as the ground simprocs do before ``simpArith``."""
    if term[0] in ("var", "lit"):
        return term
    value = evaluate_term(term)
    if value is not None:
        return ("lit", value, term[1])
    if term[0] in ("neg", "cast"):
        return (term[0], "Int", _fold(term[2]))
    return (term[0], term[1], _fold(term[2]), _fold(term[3]))


def _add(a: Linear, b: Linear, scale: int = 1) -> Linear:
    coeffs = dict(a[0])
    for atom, c in b[0].items():
        value = coeffs.get(atom, 0) + scale * c
        if value:
            coeffs[atom] = value
        else:
            coeffs.pop(atom, None)
    return coeffs, a[1] + scale * b[1]


def _scale(a: Linear, k: int) -> Linear:
    if k == 0:
        return {}, 0
    return {atom: k * c for atom, c in a[0].items()}, k * a[1]


def _linear(term: Term) -> Linear:
    """``toLinearExpr`` then ``toPoly``: numerals, ``+`` (and on Int ``-``, negation),
    multiplication by a numeral; any other subterm is an atom."""
    tag = term[0]
    if tag == "lit":
        return {}, term[1]
    if tag == "var":
        return {term: 1}, 0
    if tag == "neg":
        return _scale(_linear(term[2]), -1)
    if tag == "cast":  # `↑n` is an atom of Int.Linear
        return {term: 1}, 0
    op, sort, left, right = term
    if op == "+":
        return _add(_linear(left), _linear(right))
    if op == "-" and sort == "Int":
        return _add(_linear(left), _linear(right), -1)
    if op == "*":
        if left[0] == "lit":
            return _scale(_linear(right), left[1])
        if right[0] == "lit":
            return _scale(_linear(left), right[1])
    return {term: 1}, 0


def _nat_sides(left: Term, right: Term, strict: bool) -> tuple[Linear, Linear]:
    """Both sides with common terms cancelled (``Poly.cancel``); ``strict`` adds 1 on the left
    (``a < b`` is ``a + 1 ≤ b``)."""
    lhs, rhs = _linear(left), _linear(right)
    if strict:
        lhs = (lhs[0], lhs[1] + 1)
    lc, rc = {}, {}
    for atom in set(lhs[0]) | set(rhs[0]):
        d = lhs[0].get(atom, 0) - rhs[0].get(atom, 0)
        if d > 0:
            lc[atom] = d
        elif d < 0:
            rc[atom] = -d
    d = lhs[1] - rhs[1]
    return (lc, max(d, 0)), (rc, max(-d, 0))


def _is_zero(side: Linear) -> bool:
    return not side[0] and side[1] == 0


def _nat_eq(left: Term, right: Term) -> bool | None:
    lhs, rhs = _nat_sides(left, right, False)
    if _is_zero(lhs) and _is_zero(rhs):
        return True
    if (_is_zero(lhs) and rhs[1] > 0) or (lhs[1] > 0 and _is_zero(rhs)):
        return False
    return None


def _nat_le(left: Term, right: Term, strict: bool) -> bool | None:
    lhs, rhs = _nat_sides(left, right, strict)
    if _is_zero(lhs):
        return True
    if lhs[1] > 0 and _is_zero(rhs):
        return False
    return None


def _int_poly(left: Term, right: Term, strict: bool) -> Linear:
    p = _add(_linear(left), _linear(right), -1)
    return (p[0], p[1] + 1) if strict else p


def _int_eq(left: Term, right: Term) -> bool | None:
    coeffs, const = _int_poly(left, right, False)
    if not coeffs:
        return const == 0
    if const % math.gcd(*coeffs.values()) != 0:
        return False  # Int.Linear.eq_eq_false_of_divCoeff
    return None


def _int_le(left: Term, right: Term, strict: bool) -> bool | None:
    coeffs, const = _int_poly(left, right, strict)
    if not coeffs:
        return const <= 0
    return None


def decide_relation(op: str, left: Term, right: Term, sort: str) -> bool | None:
    """The truth value ``simp +arith`` gives the relation ``left op right``, or ``None`` when it
    leaves the relation undecided (rewritten to a normal form or unchanged)."""
    left, right = _fold(left), _fold(right)
    if op in (">", "≥"):
        op, left, right = ("<" if op == ">" else "≤"), right, left
    if op in ("=", "≠"):
        value = _nat_eq(left, right) if sort == "Nat" else _int_eq(left, right)
        if value is None or op == "=":
            return value
        return not value
    strict = op == "<"
    return _nat_le(left, right, strict) if sort == "Nat" else _int_le(left, right, strict)


def normal_key(op: str, left: Term, right: Term, sort: str) -> tuple[tuple, bool]:
    """A proposition key of an undecided relation, as ``(key, positive)``: relations with equal
    keys are equivalent (the key is Lean's normal form up to the sign of a ``≤``, which is
    represented by ``positive``)."""
    left, right = _fold(left), _fold(right)
    if op in (">", "≥"):
        op, left, right = ("<" if op == ">" else "≤"), right, left
    positive = True
    if op == "≠":
        op, positive = "=", False
    strict = op == "<"
    if sort == "Nat":
        lhs, rhs = _nat_sides(left, right, strict)
        tag = "=" if op == "=" else "≤"
        return (tag, sort, _frozen(lhs), _frozen(rhs)), positive
    coeffs, const = _int_poly(left, right, strict)
    g = math.gcd(*coeffs.values()) if coeffs else 1
    if op == "=":
        return ("=", sort, _frozen(({a: c // g for a, c in coeffs.items()}, const // g)), None), (
            positive
        )
    # p ≤ 0 with p = g * q + c: q ≤ floor(-c / g). Make the first coefficient positive: -q ≤ b
    # is ¬(q ≤ -b - 1).
    items = sorted(coeffs.items(), key=lambda item: repr(item[0]))
    bound = (-const) // g
    q = {a: c // g for a, c in items}
    if items[0][1] < 0:
        return ("≤", sort, _frozen(({a: -c for a, c in q.items()}, 0)), -bound - 1), False
    return ("≤", sort, _frozen((q, 0)), bound), True


def _frozen(side: Linear) -> tuple:
    return (tuple(sorted(side[0].items(), key=lambda item: repr(item[0]))), side[1])
