"""The soundness cross-check of MiniLean's ``omega``: the linear problem decided by z3.

:mod:`.omega` models Lean's own algorithm; whatever that model proves must also be refuted here,
by an encoding written independently of it. The problem is linearised with Lean's notion of
atoms, each fact about an atom true in Lean's semantics (so every refutation is sound), and the
propositional structure is kept in full:

- Nat terms are read as Ints; every Nat atom ``↑x`` is non-negative.
- ``x * y`` is linear when one factor is a constant, otherwise the product is an atom.
- ``x / k`` for a numeral ``k > 0`` is an atom ``a`` with ``k * a ≤ x < k * a + k``; ``x / 0 = 0``;
  ``x / -k = -(x / k)``; ``x % k = x - k * (x / k)``; a non-numeral divisor gives an atom.
- ``x % b ^ e`` with a numeral ``b > 0`` is an atom ``r`` with ``0 ≤ r < b ^ e``.
- Nat ``a - b`` is an atom ``t`` with ``b ≤ a ∧ t = a - b ∨ a < b ∧ t = 0``.
- ``b ^ e`` is computed when both are numerals, ``b ^ (e + 1)`` is ``b ^ e * b`` for a numeral
  ``b``, anything else is an atom.
- Opaque propositions, ``True``/``False`` and ``∀`` facts are ignored; ``∃`` facts give a fresh
  witness.

z3 decides this problem completely, so it is stronger than Lean's ``omega`` (no dark or grey
shadow there): it is a check, never the decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lean_gym.backends.minilean.arith.eval import apply_op
from lean_gym.backends.minilean.arith.nnf import Node, Refutation
from lean_gym.backends.minilean.arith.solver import check_sat, z3mod
from lean_gym.backends.minilean.arith.syntax import Term, term_to_lean

# A linear combination: (constant, {atom index: coefficient}) with no zero coefficients.
Linear = tuple[int, dict[int, int]]

# Linear literals: ("le", lin) for lin ≤ 0, ("eq", lin) for lin = 0, ("ne", lin) for lin ≠ 0.
# Formulas over them: ("and", [..]), ("or", [..]), ("const", bool), literals.


def _lin_add(a: Linear, b: Linear, scale: int = 1) -> Linear:
    coeffs = dict(a[1])
    for index, coeff in b[1].items():
        value = coeffs.get(index, 0) + scale * coeff
        if value:
            coeffs[index] = value
        else:
            coeffs.pop(index, None)
    return (a[0] + scale * b[0], coeffs)


def _lin_scale(a: Linear, factor: int) -> Linear:
    if factor == 0:
        return (0, {})
    return (a[0] * factor, {i: c * factor for i, c in a[1].items()})


def _lin_const(value: int) -> Linear:
    return (value, {})


def _lin_atom(index: int) -> Linear:
    return (0, {index: 1})


@dataclass
class OmegaAtom:
    """An atom of the linear problem: what omega treats as an integer unknown."""

    key: tuple
    display: str


@dataclass
class Linearizer:
    """Turns terms into linear combinations over atoms, recording the facts about new atoms."""

    atoms: list[OmegaAtom] = field(default_factory=list)
    facts: list[tuple] = field(default_factory=list)
    _index: dict[tuple, int] = field(default_factory=dict)

    def _atom(self, key: tuple, display_term: Term, nat: bool) -> tuple[int, bool]:
        index = self._index.get(key)
        if index is not None:
            return index, False
        index = len(self.atoms)
        self._index[key] = index
        self.atoms.append(OmegaAtom(key, term_to_lean(display_term, cast_nat=True)))
        if nat:
            self.facts.append(("le", (0, {index: -1})))  # 0 ≤ ↑t
        return index, True

    def linearize(self, term: Term) -> Linear:
        """The linear combination denoting ``term`` (read as an Int)."""
        tag = term[0]
        if tag == "lit":
            return _lin_const(term[1])
        if tag == "var":
            index, _ = self._atom(("var", term[1], term[2]), term, term[2] == "Nat")
            return _lin_atom(index)
        value = _ground(term)
        if value is not None:
            return _lin_const(value)
        if tag == "neg":
            return _lin_scale(self.linearize(term[2]), -1)
        if tag == "cast":  # `↑t` is the value of the Nat term `t`
            return self.linearize(term[2])
        op, sort, left, right = term
        nat = sort == "Nat"
        if op == "+":
            return _lin_add(self.linearize(left), self.linearize(right))
        if op == "-":
            if not nat:
                return _lin_add(self.linearize(left), self.linearize(right), -1)
            return self._nat_sub(term)
        if op == "*":
            return self._mul(term)
        if op in ("/", "%"):
            divisor = _ground(right) if op == "/" else _ground_modulus(right, sort)
            if divisor is None:
                if op == "%" and _positive_power(right):
                    return self._mod_power(term)
                return self._opaque(term)
            if op == "/":
                return self._div(left, divisor, sort)
            # emod_def: x % k = x - k * (x / k)
            quotient = self._div(left, divisor, sort)
            return _lin_add(self.linearize(left), _lin_scale(quotient, divisor), -1)
        return self._pow(term)

    def _opaque(self, term: Term) -> Linear:
        # Lean pushes `↑` through Nat `/` and `%` (`Int.ofNat_ediv`, `Int.ofNat_emod`), so the
        # atom of `x / y` is the Int `↑x / ↑y`, with no sign fact; `↑x % ↑y` gets
        # `Int.emod_ofNat_nonneg` (OmegaM.analyzeAtom). Other Nat atoms are casts: `0 ≤ ↑t`.
        nat = term[1] == "Nat" and term[0] != "/"
        index, _ = self._atom(("term", term), term, nat)
        return _lin_atom(index)

    def _mod_power(self, term: Term) -> Linear:
        # `x % b ^ e` with a numeral `b > 0`: the modulus is positive, so 0 ≤ r < b ^ e.
        index, new = self._atom(("term", term), term, False)
        if new:
            modulus = self.linearize(term[3])
            r = _lin_atom(index)
            self.facts.append(("le", _lin_scale(r, -1)))
            self.facts.append(("le", _lin_add(_lin_add(r, modulus, -1), _lin_const(1))))
        return _lin_atom(index)

    def _nat_sub(self, term: Term) -> Linear:
        index, new = self._atom(("term", term), term, True)
        if new:
            a = self.linearize(term[2])
            b = self.linearize(term[3])
            t = _lin_atom(index)
            difference = _lin_add(a, b, -1)
            # b ≤ a ∧ t = a - b  ∨  a < b ∧ t = 0
            self.facts.append(
                (
                    "or",
                    [
                        (
                            "and",
                            [
                                ("le", _lin_scale(difference, -1)),
                                ("eq", _lin_add(t, difference, -1)),
                            ],
                        ),
                        ("and", [("le", _lin_add(difference, _lin_const(1))), ("eq", t)]),
                    ],
                )
            )
        return _lin_atom(index)

    def _mul(self, term: Term) -> Linear:
        # Like Lean's `commitWhen`: atoms met while trying the factors are forgotten when the
        # product turns out to be non-linear.
        saved_atoms, saved_facts = len(self.atoms), len(self.facts)
        left = self.linearize(term[2])
        right = self.linearize(term[3])
        if not left[1]:
            return _lin_scale(right, left[0])
        if not right[1]:
            return _lin_scale(left, right[0])
        for atom in self.atoms[saved_atoms:]:
            del self._index[atom.key]
        del self.atoms[saved_atoms:]
        del self.facts[saved_facts:]
        return self._opaque(term)

    def _div(self, dividend: Term, divisor: int, sort: str) -> Linear:
        if divisor == 0:  # Int.ediv_zero / Nat.div_zero
            return _lin_const(0)
        if divisor < 0:  # Int.ediv_neg: x / -k = -(x / k)
            return _lin_scale(self._div(dividend, -divisor, sort), -1)
        display = ("/", sort, dividend, ("lit", divisor, sort))
        # The atom is the Int `↑x / k`: only the two bounds below are known about it.
        index, new = self._atom(("div", dividend, divisor, sort), display, False)
        if new:
            x = self.linearize(dividend)
            a = _lin_atom(index)
            # k * a ≤ x  and  x < k * a + k
            self.facts.append(("le", _lin_add(_lin_scale(a, divisor), x, -1)))
            self.facts.append(
                ("le", _lin_add(_lin_add(x, _lin_scale(a, divisor), -1), _lin_const(1 - divisor)))
            )
        return _lin_atom(index)

    def _pow(self, term: Term) -> Linear:
        _, sort, base, exponent = term
        base_value = _ground(base)
        if base_value is not None and exponent[0] == "+" and exponent[3] == ("lit", 1, "Nat"):
            # Int.pow_succ: b ^ (e + 1) = b ^ e * b
            return _lin_scale(self.linearize(("^", sort, base, exponent[2])), base_value)
        # A Nat power with a numeral base becomes the Int `↑b ^ e` (`Int.ofNat_pow`): an atom
        # with no facts at all (omega does not know `0 < 2 ^ n`). Other Nat powers stay casts
        # `↑(x ^ e)`, which are non-negative; Int powers are atoms without facts.
        nat = sort == "Nat" and base_value is None
        index, _ = self._atom(("term", term), term, nat)
        return _lin_atom(index)

    def literal(self, node: Node) -> tuple:
        """The linear literal of a relation node ``("rel", op, t1, t2)``."""
        _, op, left, right = node
        difference = _lin_add(self.linearize(left), self.linearize(right), -1)
        if op == "=":
            return ("eq", difference)
        if op == "≠":
            return ("ne", difference)
        if op == "<":
            return ("le", _lin_add(difference, _lin_const(1)))
        return ("le", difference)

    def formula(self, node: Node) -> tuple:
        """The linear formula of a normal-form node (opaque propositions are already gone)."""
        tag = node[0]
        if tag == "rel":
            return self.literal(node)
        if tag in ("and", "or"):
            return (tag, [self.formula(child) for child in node[1]])
        if tag == "const":
            return node
        raise ValueError(f"unexpected node in omega problem: {node!r}")


def _ground(term: Term) -> int | None:
    """The value of a ground term as omega's ``groundInt?``/``groundNat?`` see it, else None.

    Lean's ground evaluation covers numerals, ``+ - * / ^`` and negation; ``%`` is only
    unfolded (``Int.emod_def``) when its modulus is a ``groundNat?`` (see ``_ground_modulus``).
    """
    tag = term[0]
    if tag == "lit":
        return term[1]
    if tag == "var":
        return None
    if tag == "neg":
        value = _ground(term[2])
        return None if value is None else -value
    if tag == "cast":
        return _ground(term[2])
    op, sort, left, right = term
    if op == "%":
        modulus = _ground_modulus(right, sort)
        dividend = _ground(left)
        if modulus is None or dividend is None:
            return None
        return apply_op("%", sort, dividend, modulus)
    a = _ground(left)
    if a is None:
        return None
    b = _ground(right)
    if b is None:
        return None
    return apply_op(op, sort, a, b)


def _positive_power(term: Term) -> bool:
    """Whether ``term`` is ``b ^ e`` for a numeral ``b > 0``, or its cast ``↑b``, or the cast of
    such a Nat power (so positive whatever ``e`` is)."""
    if term[0] == "cast":
        return _positive_power(term[2])
    if term[0] != "^":
        return False
    base = term[2][2] if term[2][0] == "cast" else term[2]
    return base[0] == "lit" and base[1] > 0


def _ground_modulus(term: Term, sort: str) -> int | None:
    """The modulus ``k`` of ``x % k`` when omega unfolds it: ``groundNat? k`` succeeds.

    ``groundNat?`` reads numerals, ``+ * / ^`` (and ``-``, with Nat's truncation) but not
    negation, so ``x % -3`` and an Int ``x % (2 - 5)`` stay atoms (MiniLean keeps every Int
    modulus with a subtraction opaque rather than reproduce Lean's Nat arithmetic on it).
    """
    if _has_op(term, ("neg", "%") if sort == "Nat" else ("neg", "%", "-")):
        return None
    return _ground(term)


def _has_op(term: Term, ops: tuple[str, ...]) -> bool:
    tag = term[0]
    if tag in ("lit", "var"):
        return False
    if tag in ops:
        return True
    if tag in ("neg", "cast"):
        return _has_op(term[2], ops)
    return _has_op(term[2], ops) or _has_op(term[3], ops)


def _to_z3(formula: tuple, variables: list) -> object:
    z3 = z3mod()
    tag = formula[0]
    if tag == "const":
        return z3.BoolVal(formula[1])
    if tag in ("and", "or"):
        parts = [_to_z3(child, variables) for child in formula[1]]
        return z3.And(parts) if tag == "and" else z3.Or(parts)
    const, coeffs = formula[1]
    terms = [variables[i] * c if c != 1 else variables[i] for i, c in sorted(coeffs.items())]
    if not terms:
        value = {"le": const <= 0, "eq": const == 0, "ne": const != 0}[tag]
        return z3.BoolVal(value)
    expr = z3.Sum(terms) if len(terms) > 1 else terms[0]
    if tag == "le":
        return expr <= -const
    if tag == "eq":
        return expr == -const
    return expr != -const


def z3_status(problem: Refutation, timeout_ms: int) -> str:
    """``"unsat"`` (refuted), ``"sat"`` or ``"unknown"`` for the problem (built with
    ``opaque_props=True``). Must be called with the z3 lock held."""
    linearizer = Linearizer()
    formulas = [linearizer.formula(node) for node in problem.conjuncts]
    constraints = [*linearizer.facts, *formulas]
    z3 = z3mod()
    variables = [z3.Int(f"omega_atom_{i}") for i in range(len(linearizer.atoms))]
    assertions = [_to_z3(formula, variables) for formula in constraints]
    return check_sat(assertions, timeout_ms)
