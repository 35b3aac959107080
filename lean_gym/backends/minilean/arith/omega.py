"""MiniLean's ``omega``: linear integer arithmetic with Lean's own notion of atoms.

The problem is linearised the way Lean's ``omega`` frontend does it
(``Lean/Elab/Tactic/Omega/Frontend.lean``), and the resulting linear problem, with its
propositional structure, is decided by z3:

- Nat terms are read as Ints; every Nat atom ``↑x`` is non-negative.
- ``x * y`` is linear when one factor is a constant, otherwise the product is an atom.
- ``x / k`` for a numeral ``k > 0`` is an atom ``a`` with ``k * a ≤ x < k * a + k``; ``x / 0 = 0``;
  ``x / -k = -(x / k)``; ``x % k = x - k * (x / k)``; a non-numeral divisor gives an atom.
- Nat ``a - b`` is an atom ``t`` with ``b ≤ a ∧ t = a - b ∨ a < b ∧ t = 0``.
- ``b ^ e`` is computed when both are numerals, ``b ^ (e + 1)`` is ``b ^ e * b`` for a numeral
  ``b``, anything else is an atom (``x ^ 2`` included, as in Lean).
- ``x % k`` is unfolded only for a modulus ``groundNat?`` reads (no negation): ``x % -3`` is an
  atom, as in Lean.
- Only arithmetic facts are used: opaque propositions, ``True``/``False`` and ``∀`` facts are
  ignored; ``∃`` facts give a fresh witness; the goal's leading ``∀ → ¬`` are introduced.

Known gap (MiniLean can be STRONGER than Lean here): z3 decides the linear problem completely,
whereas Lean's implementation omits the omega test's "dark and grey shadows"
(``Lean/Elab/Tactic/Omega.lean``: "Currently we do not implement either the dark or grey
shadows, and thus if the real shadow is satisfiable we must fail"). Lean still proves every
problem whose rational relaxation (after its exact equality solving and bound tightening) is
infeasible, and every problem where each Fourier-Motzkin step can be exact (a variable whose
lower or upper bounds all have unit coefficients). Only problems that need an inexact
elimination with a satisfiable real shadow but no integer solution (non-unit coefficients on
both sides, e.g. ``2 ≤ 3x - 2y ≤ 3 ∧ ...`` shapes) are proved here and not by Lean. Lean also
skips a disjunction whose first branch yields no new fact; MiniLean drops such hypotheses
entirely (facts with opaque propositions), which only makes it weaker.

Atom facts follow ``OmegaM.analyzeAtom`` exactly: a Nat atom ``↑t`` is non-negative; ``x / k``
(numeral ``k > 0``) has its two bounds and no sign fact; Nat ``x / y`` (non-numeral ``y``) is the
Int ``↑x / ↑y`` with no fact, Nat ``x % y`` gets ``0 ≤ ↑x % ↑y``; a power with a numeral base
(``2 ^ n``) is an atom with no fact at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lean_gym.backends.minilean.arith.eval import apply_op
from lean_gym.backends.minilean.arith.messages import NO_CONSTRAINTS, OMEGA_FAILURE, timeout_message
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
    if tag == "neg":
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


@dataclass(frozen=True)
class OmegaResult:
    """Outcome of :func:`run_omega`."""

    proved: bool
    reason: str = ""


def run_omega(problem: Refutation, timeout_ms: int) -> OmegaResult:
    """Decides the refutation problem (built with ``opaque_props=True``) as omega would."""
    linearizer = Linearizer()
    formulas = [linearizer.formula(node) for node in problem.conjuncts]
    constraints = [*linearizer.facts, *formulas]
    z3 = z3mod()
    variables = [z3.Int(f"omega_atom_{i}") for i in range(len(linearizer.atoms))]
    assertions = [_to_z3(formula, variables) for formula in constraints]
    status = check_sat(assertions, timeout_ms)
    if status == "unsat":
        return OmegaResult(True)
    if status == "unknown":
        return OmegaResult(False, timeout_message("omega"))
    return OmegaResult(False, failure_message(constraints, linearizer.atoms, problem.free))


def failure_message(constraints: list[tuple], atoms: list[OmegaAtom], scope: frozenset[str]) -> str:
    """Lean's wording for a failed ``omega``, listing the top-level linear constraints."""
    bounds: dict[tuple[int, ...], list[int | None]] = {}
    for literal in _top_level_literals(constraints):
        kind, (const, coeffs) = literal
        if kind == "ne" or not coeffs:
            continue
        width = max(coeffs) + 1
        vector = [coeffs.get(i, 0) for i in range(width)]
        low: int | None = -const if kind == "eq" else None
        high: int | None = -const
        if next(c for c in vector if c) < 0:  # Lean's `tidy`: a positive leading coefficient
            vector = [-c for c in vector]
            low, high = (None if high is None else -high), (None if low is None else -low)
        divisor = math.gcd(*vector)
        vector = [c // divisor for c in vector]
        low = None if low is None else -((-low) // divisor)
        high = None if high is None else high // divisor
        entry = bounds.setdefault(tuple(vector), [None, None])
        if low is not None:
            entry[0] = low if entry[0] is None else max(entry[0], low)
        if high is not None:
            entry[1] = high if entry[1] is None else min(entry[1], high)
    if not bounds:
        return f"{OMEGA_FAILURE}:\n{NO_CONSTRAINTS}"
    mentioned = sorted({i for vector in bounds for i, c in enumerate(vector) if c})
    names = _atom_names(mentioned, scope)
    lines = []
    for vector in sorted(bounds):
        low, high = bounds[vector]
        expression = _pretty_coeffs(vector, names)
        if low is not None and high is not None:
            lines.append(f"  {low} ≤ {expression} ≤ {high}")
        elif low is not None:
            lines.append(f"  {expression} ≥ {low}")
        else:
            lines.append(f"  {expression} ≤ {high}")
    where = "\n".join(f" {names[i]} := {atoms[i].display}" for i in mentioned)
    return (
        f"{OMEGA_FAILURE}:\na possible counterexample may satisfy the constraints\n"
        + "\n".join(lines)
        + f"\nwhere\n{where}"
    )


def _top_level_literals(constraints: list[tuple]) -> list[tuple]:
    literals: list[tuple] = []
    stack = list(reversed(constraints))
    while stack:
        formula = stack.pop()
        if formula[0] == "and":
            stack.extend(reversed(formula[1]))
        elif formula[0] in ("le", "eq", "ne"):
            literals.append(formula)
    return literals


def _atom_names(mentioned: list[int], scope: frozenset[str]) -> dict[int, str]:
    # Lean names the atoms a, b, c, ..., z, a_1, ... skipping names already in scope.
    names: dict[int, str] = {}
    counter = 0
    for index in mentioned:
        while True:
            letter = chr(ord("a") + counter % 26)
            name = letter if counter < 26 else f"{letter}_{counter // 26}"
            counter += 1
            if name not in scope:
                break
        names[index] = name
    return names


def _pretty_coeffs(vector: tuple[int, ...], names: dict[int, str]) -> str:
    text = ""
    for position, (index, coeff) in enumerate((i, c) for i, c in enumerate(vector) if c):
        if position == 0:
            text += "" if coeff > 0 else "- "
        else:
            text += " + " if coeff > 0 else " - "
        text += names[index] if abs(coeff) == 1 else f"{abs(coeff)}*{names[index]}"
    return text
