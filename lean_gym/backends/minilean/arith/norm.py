"""``norm_num`` and ``simp_arith``: numeric evaluation plus (deliberately weak) linear reasoning.

Both work on ring normal forms (:mod:`arith.poly`): ground subterms are evaluated with Lean's
semantics, the rest becomes a polynomial over atoms.

- ``norm_num`` reads each relation as a linear constraint over the polynomial's monomials and asks
  z3 over the *rationals* (a ``linarith``-like relaxation), after tightening strict inequalities
  the way ``linarith``'s integer preprocessing does (``p < q`` becomes ``p + 1 ≤ q``, exact on
  integers). Sound: every integer model is a rational model.
- ``simp_arith`` decides a relation exactly when Lean's ``Nat.Linear``/``Int.Linear`` normaliser
  does (:mod:`.linear`) and otherwise treats it as an opaque proposition keyed by its normal
  form, then reasons propositionally.
"""

from __future__ import annotations

from dataclasses import dataclass

from lean_gym.backends.minilean.arith.eval import compare
from lean_gym.backends.minilean.arith.linear import decide_relation, normal_key
from lean_gym.backends.minilean.arith.nnf import Node, Refutation
from lean_gym.backends.minilean.arith.poly import Monomial, PolyNormalizer, poly_add
from lean_gym.backends.minilean.arith.solver import check_sat, z3mod
from lean_gym.backends.minilean.arith.syntax import Term


def term_sort(term: Term) -> str:
    """The sort of a well-formed term."""
    tag = term[0]
    if tag in ("var", "lit"):
        return term[2]
    return term[1]


@dataclass(frozen=True)
class NormResult:
    """Outcome of a normalising procedure."""

    proved: bool
    status: str  # "unsat" (proved), "sat" or "unknown"


class _FormulaEncoder:
    """The z3 encoding of a normal-form formula, shared by the procedures below; each subclass
    says how one arithmetic literal is encoded (:meth:`literal`)."""

    prop_prefix = "prop"

    def __init__(self) -> None:
        self.z3 = z3mod()
        self.normalizer = PolyNormalizer()
        self.props: dict[str, object] = {}

    def literal(self, op: str, left: Term, right: Term) -> object:
        raise NotImplementedError

    def node(self, node: Node) -> object:
        z3 = self.z3
        tag = node[0]
        if tag == "const":
            return z3.BoolVal(node[1])
        if tag == "patom":
            prop = self.props.get(node[1])
            if prop is None:
                prop = self.props[node[1]] = z3.Bool(f"{self.prop_prefix}_{len(self.props)}")
            return prop if node[2] else z3.Not(prop)
        if tag in ("and", "or"):
            parts = [self.node(child) for child in node[1]]
            return z3.And(parts) if tag == "and" else z3.Or(parts)
        return self.literal(node[1], node[2], node[3])


class _NormNumEncoder(_FormulaEncoder):
    prop_prefix = "nn_prop"

    def __init__(self) -> None:
        super().__init__()
        self.monomials: dict[Monomial, object] = {}

    def _monomial(self, mono: Monomial) -> object:
        variable = self.monomials.get(mono)
        if variable is None:
            variable = self.z3.Real(f"nn_mono_{len(self.monomials)}")
            self.monomials[mono] = variable
        return variable

    def literal(self, op: str, left: Term, right: Term) -> object:
        z3 = self.z3
        difference = poly_add(self.normalizer.normalize(left), self.normalizer.normalize(right), -1)
        const = difference.pop((), 0)
        if not difference:
            return z3.BoolVal(compare(op, const, 0))
        parts = [self._monomial(m) * c for m, c in sorted(difference.items())]
        expr = z3.Sum(parts) if len(parts) > 1 else parts[0]
        # Every monomial is integer-valued, so strict bounds tighten by one.
        if op == "=":
            return expr == -const
        if op == "≠":
            return z3.Or(expr <= -const - 1, expr >= -const + 1)
        if op == "<":
            return expr <= -const - 1
        return expr <= -const

    def side_facts(self) -> list[object]:
        # Nat atoms are non-negative, so are their products (`Nat.zero_le` is a simp lemma).
        return [
            variable >= 0
            for mono, variable in self.monomials.items()
            if all(self.normalizer.atom_sorts.get(atom) == "Nat" for atom, _ in mono)
        ]


def run_norm_num(problem: Refutation, timeout_ms: int) -> NormResult:
    """Refutes the problem with ground evaluation and rational linear arithmetic."""
    encoder = _NormNumEncoder()
    assertions = [encoder.node(node) for node in problem.conjuncts]
    assertions.extend(encoder.side_facts())
    status = check_sat(assertions, timeout_ms)
    return NormResult(status == "unsat", status)


class _SimpEncoder(_FormulaEncoder):
    prop_prefix = "simp_prop"

    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[tuple, object] = {}

    def _key(self, key: tuple) -> object:
        variable = self.keys.get(key)
        if variable is None:
            variable = self.keys[key] = self.z3.Bool(f"simp_rel_{len(self.keys)}")
        return variable

    def literal(self, op: str, left: Term, right: Term) -> object:
        # Lean's own decision (Nat.Linear / Int.Linear); an undecided relation is an opaque
        # proposition, keyed by its normal form.
        sort = term_sort(left)
        value = decide_relation(op, left, right, sort)
        if value is not None:
            return self.z3.BoolVal(value)
        key, positive = normal_key(op, left, right, sort)
        variable = self._key(key)
        return variable if positive else self.z3.Not(variable)


def run_simp_arith(problem: Refutation, timeout_ms: int) -> NormResult:
    """Refutes the problem with normalised relations read as opaque propositions."""
    encoder = _SimpEncoder()
    assertions = [encoder.node(node) for node in problem.conjuncts]
    status = check_sat(assertions, timeout_ms)
    return NormResult(status == "unsat", status)
