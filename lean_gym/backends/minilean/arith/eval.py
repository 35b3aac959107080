"""Evaluation of closed terms and formulas with Lean 4's semantics.

The definitions mirrored here (Lean 4 core):
- ``Nat.sub`` truncates: ``3 - 5 = 0``.
- ``Nat.div``/``Nat.mod``: floor division, ``x / 0 = 0``, ``x % 0 = x``.
- ``Int`` ``/`` and ``%`` are ``Int.ediv``/``Int.emod`` (``instance : Div Int := ⟨Int.ediv⟩`` in
  ``Init/Data/Int/DivMod/Basic.lean``): Euclidean division, ``0 ≤ x % y < |y|`` for ``y ≠ 0``,
  ``x / 0 = 0``, ``x % 0 = x``; e.g. ``-7 / 2 = -4``, ``-7 % 2 = 1``, ``7 / -2 = -3``.
- ``Monoid.npow``/``Nat.pow``/``Int.pow``: ``x ^ 0 = 1`` (also ``0 ^ 0 = 1``).
"""

from __future__ import annotations

from lean_gym.backends.minilean.arith.syntax import CONNECTIVES, RELATIONS, Formula, Term

# Beyond this many bits a power is not computed (the caller gets "unknown" rather than a hang).
MAX_POWER_BITS = 1 << 22

# Lean's `whnf`/`isDefEq` do not evaluate `b ^ n` on literals when `n` exceeds the option
# `exponentiation.threshold` (default 256; lean4 PR #4637), so `rfl`/`decide` fail there. `Int`
# powers unfold `Int.pow` by structural recursion, one `whnf` level per step: kept well below
# `maxRecDepth`.
MAX_NAT_POW_EXPONENT = 256
MAX_INT_POW_EXPONENT = 64


def nat_sub(a: int, b: int) -> int:
    """``Nat.sub``: truncated subtraction."""
    return a - b if a >= b else 0


def nat_div(a: int, b: int) -> int:
    """``Nat.div``: ``a / 0 = 0``."""
    return 0 if b == 0 else a // b


def nat_mod(a: int, b: int) -> int:
    """``Nat.mod``: ``a % 0 = a``."""
    return a if b == 0 else a % b


def int_emod(a: int, b: int) -> int:
    """``Int.emod``: the remainder in ``[0, |b|)``; ``a % 0 = a``."""
    return a if b == 0 else a % abs(b)


def int_ediv(a: int, b: int) -> int:
    """``Int.ediv``: the quotient with ``a = b * (a / b) + a % b``; ``a / 0 = 0``."""
    return 0 if b == 0 else (a - int_emod(a, b)) // b


def power(base: int, exponent: int) -> int | None:
    """``base ^ exponent`` for a natural exponent, or ``None`` when the result is too large."""
    if exponent < 0:
        raise ValueError(f"negative exponent {exponent}")
    if exponent == 0 or base in (0, 1):
        return 1 if exponent == 0 else base
    if base == -1:
        return -1 if exponent % 2 else 1
    if abs(base).bit_length() * exponent > MAX_POWER_BITS:
        return None
    return base**exponent


def evaluate_term(term: Term) -> int | None:
    """The value of a term without free variables, or ``None`` (free variable, huge power)."""
    tag = term[0]
    if tag == "lit":
        return term[1]
    if tag == "var":
        return None
    if tag == "neg":
        value = evaluate_term(term[2])
        return None if value is None else -value
    if tag == "cast":
        return evaluate_term(term[2])
    left = evaluate_term(term[2])
    if left is None:
        return None
    right = evaluate_term(term[3])
    if right is None:
        return None
    return apply_op(tag, term[1], left, right)


def apply_op(op: str, sort: str, left: int, right: int) -> int | None:
    """Applies a binary operator of the given result sort to two values."""
    if op == "+":
        return left + right
    if op == "*":
        return left * right
    if op == "^":
        return power(left, right)
    nat = sort == "Nat"
    if op == "-":
        return nat_sub(left, right) if nat else left - right
    if op == "/":
        return nat_div(left, right) if nat else int_ediv(left, right)
    if op == "%":
        return nat_mod(left, right) if nat else int_emod(left, right)
    raise ValueError(f"unknown operator {op!r}")


def compare(rel: str, left: int, right: int) -> bool:
    """Truth of ``left rel right``."""
    return {
        "=": left == right,
        "≠": left != right,
        "<": left < right,
        "≤": left <= right,
        ">": left > right,
        "≥": left >= right,
    }[rel]


def evaluate_closed_formula(formula: Formula) -> bool | None:
    """Truth of a closed quantifier-free formula, or ``None`` when it cannot be computed."""
    tag = formula[0]
    if tag == "true":
        return True
    if tag == "false":
        return False
    if tag in RELATIONS:
        left = evaluate_term(formula[1])
        right = evaluate_term(formula[2])
        if left is None or right is None:
            return None
        return compare(tag, left, right)
    if tag == "not":
        value = evaluate_closed_formula(formula[1])
        return None if value is None else not value
    if tag in CONNECTIVES:
        first = evaluate_closed_formula(formula[1])
        second = evaluate_closed_formula(formula[2])
        if first is None or second is None:
            return None
        if tag == "and":
            return first and second
        if tag == "or":
            return first or second
        if tag == "implies":
            return (not first) or second
        return first == second
    return None  # an opaque atom or a quantifier
