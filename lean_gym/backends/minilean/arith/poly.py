"""Commutative-ring normal forms of terms (what ``ring_nf`` computes), with opaque atoms.

A polynomial is a dict from monomials to non-zero integer coefficients; a monomial is a sorted
tuple of ``(atom key, exponent)``, the empty tuple being the constant monomial. Variables are
atoms; so are the operations that are not ring operations (Nat truncated subtraction, ``/``, ``%``,
``^`` with a non-numeral exponent), keyed by their operator and the normal forms of their operands
(sound: equal normal forms denote equal values, hence equal results).
"""

from __future__ import annotations

from lean_gym.backends.minilean.arith.eval import apply_op, evaluate_term
from lean_gym.backends.minilean.arith.syntax import Term

Monomial = tuple[tuple[str, int], ...]
Poly = dict[Monomial, int]

# Limits that keep expansion cheap; past them the power stays an opaque atom.
MAX_EXPANDED_EXPONENT = 64
MAX_TERMS = 4096


def poly_const(value: int) -> Poly:
    """The constant polynomial."""
    return {(): value} if value else {}


def poly_add(p: Poly, q: Poly, scale: int = 1) -> Poly:
    """``p + scale * q``."""
    result = dict(p)
    for mono, coeff in q.items():
        value = result.get(mono, 0) + scale * coeff
        if value:
            result[mono] = value
        else:
            result.pop(mono, None)
    return result


def _mono_mul(a: Monomial, b: Monomial) -> Monomial:
    powers = dict(a)
    for atom, exp in b:
        powers[atom] = powers.get(atom, 0) + exp
    return tuple(sorted(powers.items()))


def poly_mul(p: Poly, q: Poly) -> Poly | None:
    """``p * q``, or ``None`` when the product would exceed :data:`MAX_TERMS` terms."""
    if len(p) * len(q) > MAX_TERMS * 4:
        return None
    result: Poly = {}
    for ma, ca in p.items():
        for mb, cb in q.items():
            mono = _mono_mul(ma, mb)
            value = result.get(mono, 0) + ca * cb
            if value:
                result[mono] = value
            else:
                result.pop(mono, None)
    return result if len(result) <= MAX_TERMS else None


def poly_constant_value(p: Poly) -> int | None:
    """The value of a constant polynomial, else ``None``."""
    if not p:
        return 0
    if len(p) == 1 and () in p:
        return p[()]
    return None


def poly_key(p: Poly) -> tuple:
    """A hashable, order-independent identity of a polynomial."""
    return tuple(sorted(p.items()))


class PolyNormalizer:
    """Computes normal forms and remembers the sort of every atom it created.

    Attributes:
        atom_sorts: sort of each atom key (``"Nat"`` atoms are non-negative).
        atom_terms: a representative term of each atom (for messages).
    """

    def __init__(self) -> None:
        self.atom_sorts: dict[str, str] = {}
        self.atom_terms: dict[str, Term] = {}
        self._cache: dict[Term, Poly] = {}

    def _atom(self, key: str, sort: str, term: Term) -> Poly:
        self.atom_sorts.setdefault(key, sort)
        self.atom_terms.setdefault(key, term)
        return {((key, 1),): 1}

    def normalize(self, term: Term) -> Poly:
        """The normal form of ``term`` (memoised per normaliser)."""
        term = tuple(term)
        cached = self._cache.get(term)
        if cached is None:
            cached = self._normalize(term)
            self._cache[term] = cached
        return cached

    def _normalize(self, term: Term) -> Poly:
        tag = term[0]
        if tag == "lit":
            return poly_const(term[1])
        if tag == "var":
            return self._atom(f"v:{term[1]}:{term[2]}", term[2], term)
        value = evaluate_term(term)
        if value is not None:
            return poly_const(value)
        if tag == "neg":
            return poly_add({}, self.normalize(term[2]), -1)
        if tag == "cast":
            # `↑t` is an atom over the normal form of `t` (casts are not pushed inside).
            return self._atom(repr(("cast", poly_key(self.normalize(term[2])))), "Int", term)
        op, sort = term[0], term[1]
        left = self.normalize(term[2])
        right = self.normalize(term[3])
        left_value = poly_constant_value(left)
        right_value = poly_constant_value(right)
        if left_value is not None and right_value is not None:
            value = apply_op(op, sort, left_value, right_value)
            if value is not None:
                return poly_const(value)
        if op == "+":
            return poly_add(left, right)
        if op == "*":
            product = poly_mul(left, right)
            return product if product is not None else self._opaque(term, left, right)
        if op == "-":
            if sort == "Int":
                return poly_add(left, right, -1)
            return self._nat_sub(term, left, right)
        if op in ("/", "%") and right_value is not None:
            if right_value == 0:  # x / 0 = 0 and x % 0 = x, for Nat and Int alike
                return {} if op == "/" else left
            if right_value == 1:
                return left if op == "/" else {}
            if right_value == -1 and op == "/":
                return poly_add({}, left, -1)
            if right_value == -1:
                return {}
        if op == "^" and right_value is not None and right_value <= MAX_EXPANDED_EXPONENT:
            result: Poly | None = poly_const(1)
            for _ in range(right_value):
                result = poly_mul(result, left) if result is not None else None
            if result is not None:
                return result
        return self._opaque(term, left, right)

    def _nat_sub(self, term: Term, left: Poly, right: Poly) -> Poly:
        # Truncated subtraction is exact when the sign of the difference is known: every Nat
        # atom, hence every monomial of Nat atoms, is non-negative.
        difference = poly_add(left, right, -1)
        if all(coeff >= 0 for coeff in difference.values()):
            return difference
        if all(coeff <= 0 for coeff in difference.values()):
            return {}
        return self._opaque(term, left, right)

    def _opaque(self, term: Term, left: Poly, right: Poly) -> Poly:
        key = repr((term[0], term[1], poly_key(left), poly_key(right)))
        return self._atom(key, term[1], term)


def terms_equal_as_polynomials(t1: Term, t2: Term) -> bool:
    """Whether two terms have the same ring normal form (sound, incomplete)."""
    normalizer = PolyNormalizer()
    return normalizer.normalize(t1) == normalizer.normalize(t2)
