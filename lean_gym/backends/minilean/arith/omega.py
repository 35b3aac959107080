"""MiniLean's ``omega``: a model of Lean's ``omega`` tactic, front end and algorithm.

It proves what Lean's ``omega`` proves (Lean 4 core, v4.33 sources) and nothing more:

- the goal is prepared as ``MVarId.falseOrByContra`` does (leading ``∀ → ¬`` introduced, then
  ``¬goal`` assumed);
- each hypothesis is read as ``omega``'s ``MetaProblem.addFact`` reads it
  (``Lean/Elab/Tactic/Omega/Frontend.lean``): Nat relations are cast to Int (``Int.ofNat_le_of_le``
  ...), ``<`` becomes ``+ 1 ≤``, ``x = y`` becomes ``x - y = 0``, ``¬`` is pushed inside
  (``pushNot``), ``∧`` is split, ``→``, ``↔``, ``≠`` and ``∨`` become disjunctions kept for case
  splitting, ``∃`` gives a witness, and everything else is ignored;
- terms are linearised as ``asLinearCombo`` does, with its atoms, numbered in the order Lean
  meets them, and the facts ``OmegaM.analyzeAtom`` records about new atoms (``0 ≤ ↑x``, the bounds
  of ``x / k``, the Nat subtraction dichotomy, ``0 ≤ ↑x % ↑y``, the bounds of ``x % 2 ^ k``),
  which are processed before the remaining hypotheses;
- the linear problem is built, its equalities solved as they come, and eliminated by
  :mod:`.omega_core` (exact equality elimination, Fourier-Motzkin on the real shadow, no dark or
  grey shadow); when that fails, the most recently found disjunction is split
  (``splitDisjunction``), skipping one whose first side gives no new fact.

Where Lean's result depends on the iteration order of its hash sets (which of several tied
equalities is solved first), every order is tried: the goal is proved only if all of them prove
it, refused with a MiniLean message if they disagree. Every proof is then confirmed by z3 on an
independent encoding (:mod:`.omega_z3`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lean_gym.backends.minilean.arith.messages import NO_CONSTRAINTS, OMEGA_FAILURE, timeout_message
from lean_gym.backends.minilean.arith.nnf import NameSupply, intro_goal, name_supply_for
from lean_gym.backends.minilean.arith.omega_core import (
    Chooser,
    Coeffs,
    OmegaTimeout,
    Problem,
    coeffs_add,
    coeffs_set,
    coeffs_smul,
    coeffs_sub,
    elimination,
    solve_equalities,
)
from lean_gym.backends.minilean.arith.syntax import Formula, Term, substitute_var

# Int-level expressions, the terms Lean's omega sees once Nat facts are cast to Int:
#   ("ivar", name)          an Int variable or opaque Int application
#   ("ilit", value)         an Int numeral (negative ones are `-n`)
#   ("cast", nat_term)      `↑t` for a Nat term of the arith syntax
#   ("ineg", e)             `-e`
#   ("iop", op, a, b)       op in + - * / %
#   ("ipow", base, nat_term) `base ^ exponent`
#   ("bmod", index)         the atom a hard equality introduces
IExpr = tuple
# Facts are arith formulas, or Int relations ("irel", op, a, b) with op in = ≤ <.
Fact = tuple
LinearCombo = tuple[int, Coeffs]

MAX_RUNS = 64
MAX_POWER_BITS = 1 << 16


class Unsupported(Exception):
    """The goal needs a behaviour of Lean's ``omega`` that this model does not reproduce."""


class OmegaFailure(Exception):
    """Lean's ``omega`` fails with this message."""


@dataclass(frozen=True)
class OmegaResult:
    """Outcome of :func:`run_omega`.

    Attributes:
        proved: every run of the model found a contradiction.
        reason: Lean's failure message, or a MiniLean refusal.
        verify: the model proved the goal and z3 must confirm it.
    """

    proved: bool
    reason: str = ""


# -- Ground evaluation (`groundNat?`, `groundInt?`) -----------------------------------------


def _pow(base: int, exponent: int) -> int:
    if exponent > 1 and abs(base) > 1 and exponent * abs(base).bit_length() > MAX_POWER_BITS:
        raise Unsupported("MiniLean: a power too large to evaluate in an omega problem")
    return base**exponent


def _nat_op(op: str, a: int, b: int) -> int:
    if op == "+":
        return a + b
    if op == "*":
        return a * b
    if op == "-":
        return max(a - b, 0)
    if op == "/":
        return a // b if b else 0
    return _pow(a, b)


def _int_op(op: str, a: int, b: int) -> int:
    if op == "+":
        return a + b
    if op == "*":
        return a * b
    if op == "-":
        return a - b
    # Int.ediv: x / 0 = 0, rounds so that the remainder is non-negative.
    if b == 0:
        return 0
    q = a // abs(b)
    return q if b > 0 else -q


def ground_nat_term(t: Term) -> int | None:
    """``groundNat?`` on a Nat term: numerals, ``+ * - / ^`` (not ``%``)."""
    tag = t[0]
    if tag == "lit":
        return t[1]
    if tag in ("+", "*", "-", "/", "^"):
        a = ground_nat_term(t[2])
        b = ground_nat_term(t[3]) if a is not None else None
        return None if b is None else _nat_op(tag, a, b)
    return None


def ground_nat(e: IExpr) -> int | None:
    """``groundNat?`` on an Int-level expression, with Lean's Nat arithmetic."""
    tag = e[0]
    if tag == "cast":
        return ground_nat_term(e[1])
    if tag == "ilit":
        return e[1] if e[1] >= 0 else None
    if tag == "iop" and e[1] in ("+", "*", "-", "/"):
        a = ground_nat(e[2])
        b = ground_nat(e[3]) if a is not None else None
        return None if b is None else _nat_op(e[1], a, b)
    if tag == "ipow":
        a = ground_nat(e[1])
        b = ground_nat_term(e[2]) if a is not None else None
        return None if b is None else _pow(a, b)
    return None


def ground_int(e: IExpr) -> int | None:
    """``groundInt?``: numerals (``Expr.int?``), casts of ground Nats, ``+ * - /`` and ``^``."""
    tag = e[0]
    if tag == "ilit":
        return e[1]
    if tag == "ineg":
        inner = e[1]
        return -inner[1] if inner[0] == "ilit" and inner[1] >= 0 else None
    if tag == "cast":
        return ground_nat_term(e[1])
    if tag == "iop" and e[1] in ("+", "*", "-", "/"):
        a = ground_int(e[2])
        b = ground_int(e[3]) if a is not None else None
        return None if b is None else _int_op(e[1], a, b)
    if tag == "ipow":
        a = ground_int(e[1])
        b = ground_nat_term(e[2]) if a is not None else None
        return None if b is None else _pow(a, b)
    return None


def _nat_literal(e: IExpr) -> int | None:
    """``natCast?``: a numeral, or the cast of a Nat numeral."""
    if e[0] == "ilit" and e[1] >= 0:
        return e[1]
    if e[0] == "cast" and e[1][0] == "lit":
        return e[1][1]
    return None


# -- From arith syntax to Lean's view ------------------------------------------------------


def int_expr(t: Term) -> IExpr:
    """The Int-level expression of an Int term."""
    tag = t[0]
    if tag == "var":
        return ("ivar", t[1])
    if tag == "lit":
        return ("ilit", t[1])
    if tag == "neg":
        return ("ineg", int_expr(t[2]))
    if tag == "cast":
        return ("cast", t[2])
    if tag == "^":
        return ("ipow", int_expr(t[2]), t[3])
    return ("iop", tag, int_expr(t[2]), int_expr(t[3]))


def _sort(t: Term) -> str:
    return t[2] if t[0] in ("var", "lit") else t[1]


@dataclass(frozen=True)
class Naming:
    """How variables print, and which names are taken (for the atom names a, b, c ...)."""

    display: Mapping[str, str] = field(default_factory=dict)
    scope: frozenset[str] = frozenset()

    def name(self, variable: str) -> str:
        shown = self.display.get(variable)
        if shown is not None:
            return shown
        return variable.split("✝", 1)[0] if "✝" in variable else variable


# -- OmegaM --------------------------------------------------------------------------------


@dataclass
class OmegaState:
    """``OmegaM``'s state: the atoms (in order), the linear-combination cache, the clock and
    the hash-order choices. Also the context the core needs (:class:`omega_core.Context`)."""

    chooser: Chooser
    deadline: float
    supply: NameSupply
    naming: Naming
    atoms: list[IExpr] = field(default_factory=list)
    index: dict[IExpr, int] = field(default_factory=dict)
    cache: dict[IExpr, LinearCombo] = field(default_factory=dict)

    def snapshot(self) -> tuple[int, dict[IExpr, LinearCombo]]:
        return len(self.atoms), dict(self.cache)

    def restore(self, saved: tuple[int, dict[IExpr, LinearCombo]]) -> None:
        count, cache = saved
        for atom in self.atoms[count:]:
            del self.index[atom]
        del self.atoms[count:]
        self.cache = cache

    def new_atom(self, modulus: int, coeffs: Coeffs) -> int:
        """The atom ``bmod_div_term m coeffs atoms`` of a hard equality."""
        atom = ("bmod", len(self.atoms), modulus, coeffs, tuple(self.atoms))
        self.index[atom] = len(self.atoms)
        self.atoms.append(atom)
        return len(self.atoms) - 1

    def atom_count(self) -> int:
        return len(self.atoms)

    def save_atoms(self) -> object:
        return list(self.atoms)

    def restore_atoms(self, saved: object) -> None:
        assert isinstance(saved, list)
        for atom in self.atoms:
            del self.index[atom]
        self.atoms = list(saved)
        for i, atom in enumerate(self.atoms):
            self.index[atom] = i

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise OmegaTimeout

    def lookup(self, e: IExpr) -> tuple[int, list[Fact] | None]:
        """``lookup``: the atom's index, and the facts about it when it is new."""
        i = self.index.get(e)
        if i is not None:
            return i, None
        facts = _analyze_atom(e)
        self.index[e] = len(self.atoms)
        self.atoms.append(e)
        return len(self.atoms) - 1, facts


def _analyze_atom(e: IExpr) -> list[Fact]:
    """``OmegaM.analyzeAtom``: facts recorded for a new atom."""
    zero = ("ilit", 0)
    tag = e[0]
    if tag == "cast":
        facts: list[Fact] = [("irel", "≤", zero, e)]  # Int.ofNat_nonneg
        t = e[1]
        if t[0] == "-":  # Int.ofNat_sub_dichotomy, inserted at the front
            a, b = t[2], t[3]
            facts.insert(
                0,
                (
                    "or",
                    ("and", ("≤", b, a), ("irel", "=", e, ("iop", "-", ("cast", a), ("cast", b)))),
                    ("and", ("<", a, b), ("irel", "=", e, zero)),
                ),
            )
        return facts
    if tag == "iop" and e[1] == "/":
        k = _nat_literal(e[3])
        if not k:
            return []
        x, kk = e[2], e[3]
        kq = ("iop", "*", kk, e)
        # Int.mul_ediv_self_le, Int.lt_mul_ediv_self_add
        return [("irel", "≤", kq, x), ("irel", "<", x, ("iop", "+", kq, kk))]
    if tag == "iop" and e[1] == "%":
        x, k = e[2], e[3]
        base: int | None = None
        if k[0] == "ipow":
            base = _nat_literal(k[1])
        elif k[0] == "cast" and k[1][0] == "^":
            base = k[1][2][1] if k[1][2][0] == "lit" else None
        elif k[0] == "cast":
            # Int.emod_ofNat_nonneg, when the dividend is a cast too
            return [("irel", "≤", zero, e)] if x[0] == "cast" else []
        if base:  # Int.emod_nonneg, Int.emod_lt_of_pos
            return [("irel", "≤", zero, e), ("irel", "<", e, k)]
        return []
    return []


def _lc_coordinate(i: int) -> LinearCombo:
    return (0, coeffs_set((), i, 1))


def _lc_add(a: LinearCombo, b: LinearCombo) -> LinearCombo:
    return (a[0] + b[0], coeffs_add(a[1], b[1]))


def _lc_sub(a: LinearCombo, b: LinearCombo) -> LinearCombo:
    return (a[0] - b[0], coeffs_sub(a[1], b[1]))


def _lc_neg(a: LinearCombo) -> LinearCombo:
    return (-a[0], coeffs_smul(a[1], -1))


def _lc_mul(a: LinearCombo, b: LinearCombo) -> LinearCombo:
    # LinearCombo.mul: l₂.const * l₁ + l₁.const * l₂ - {const := l₁.const * l₂.const}
    return (a[0] * b[0], coeffs_add(coeffs_smul(a[1], b[0]), coeffs_smul(b[1], a[0])))


def _is_zero(coeffs: Coeffs) -> bool:
    return all(c == 0 for c in coeffs)


def as_linear_combo(state: OmegaState, e: IExpr) -> tuple[LinearCombo, list[Fact]]:
    """``asLinearCombo``: the linear combination of ``e`` and the facts about its new atoms."""
    cached = state.cache.get(e)
    if cached is not None:
        return cached, []
    lc, facts = _as_linear_combo(state, e)
    state.cache[e] = lc
    return lc, facts


def _atom(state: OmegaState, e: IExpr) -> tuple[LinearCombo, list[Fact]]:
    i, facts = state.lookup(e)
    return _lc_coordinate(i), facts or []


def _as_linear_combo(state: OmegaState, e: IExpr) -> tuple[LinearCombo, list[Fact]]:
    value = ground_int(e)
    if value is not None:
        return (value, ()), []
    tag = e[0]
    if tag == "ivar":
        return _atom(state, e)
    if tag == "ineg":
        lc, facts = as_linear_combo(state, e[1])
        return _lc_neg(lc), facts
    if tag == "cast":
        return _nat_cast(state, e)
    if tag == "ipow":
        base, exponent = e[1], e[2]
        # `succ?`: `k + 1`; Int.pow_succ when the base is ground
        if exponent[0] == "+" and exponent[3] == ("lit", 1, "Nat") and ground_int(base) is not None:
            return as_linear_combo(state, ("iop", "*", ("ipow", base, exponent[2]), base))
        return _atom(state, e)
    if tag != "iop":
        return _atom(state, e)
    op, a, b = e[1], e[2], e[3]
    if op in ("+", "-"):
        la, fa = as_linear_combo(state, a)
        lb, fb = as_linear_combo(state, b)
        return (_lc_add(la, lb) if op == "+" else _lc_sub(la, lb)), fa + fb
    if op == "*":
        # commitWhen: the factors' atoms are forgotten when the product is not linear
        saved = state.snapshot()
        la, fa = as_linear_combo(state, a)
        lb, fb = as_linear_combo(state, b)
        if _is_zero(la[1]) or _is_zero(lb[1]):
            return _lc_mul(la, lb), fa + fb
        state.restore(saved)
        return _atom(state, e)
    if op == "%":
        k = ground_nat(b)
        if k is None:
            return _atom(state, e)
        if ground_int(b) != k:
            # Lean would rewrite with the Nat value of an Int modulus (`x % (2 - 5)` as `x % 0`),
            # an ill-typed step; MiniLean does not follow it.
            raise Unsupported("MiniLean: omega on `%` by this Int modulus is outside the fragment")
        lit = ("ilit", k)
        return as_linear_combo(state, ("iop", "-", a, ("iop", "*", lit, ("iop", "/", a, lit))))
    # `/`
    z = ground_int(b)
    if z is None:
        return _atom(state, e)
    if z == 0:  # Int.ediv_zero
        return (0, ()), []
    if z < 0:  # Int.ediv_neg
        return as_linear_combo(state, ("ineg", ("iop", "/", a, ("ilit", -z))))
    return _atom(state, ("iop", "/", a, ("ilit", z)))


def _nat_cast(state: OmegaState, e: IExpr) -> tuple[LinearCombo, list[Fact]]:
    """``handleNatCast``: push ``↑`` through ``+ * / %``, ``a - b - c``, ``b ^ k`` (ground b)."""
    t = e[1]
    tag = t[0]
    if tag in ("+", "*", "/", "%"):
        lc, facts = as_linear_combo(state, ("iop", tag, ("cast", t[2]), ("cast", t[3])))
        if tag == "*":  # Int.ofNat_mul_nonneg
            fact = ("irel", "≤", ("ilit", 0), ("iop", "*", ("cast", t[2]), ("cast", t[3])))
            facts = [fact, *facts]
        return lc, facts
    if tag == "-" and t[2][0] == "-":  # Int.ofNat_sub_sub
        inner = t[2]
        rewritten = ("-", "Nat", inner[2], ("+", "Nat", inner[3], t[3]))
        return as_linear_combo(state, ("cast", rewritten))
    if tag == "^" and ground_nat_term(t[2]) is not None:  # Int.ofNat_pow
        return as_linear_combo(state, ("ipow", ("cast", t[2]), t[3]))
    return _atom(state, e)


# -- MetaProblem ---------------------------------------------------------------------------


@dataclass
class MetaProblem:
    """``MetaProblem``: the linear problem, the facts still to read and the disjunctions."""

    problem: Problem
    facts: list[Fact]
    disjunctions: list[Fact] = field(default_factory=list)

    def copy(self, facts: list[Fact], disjunctions: list[Fact]) -> MetaProblem:
        return MetaProblem(self.problem, facts, disjunctions)


def _is_zero_literal(e: IExpr) -> bool:
    return ground_int(e) == 0 and e[0] in ("ilit", "ineg")


def _add_linear(meta: MetaProblem, state: OmegaState, e: IExpr, equality: bool) -> int:
    """``addIntEquality`` (``e = 0``) / ``addIntInequality`` (``0 ≤ e``)."""
    (const, coeffs), facts = as_linear_combo(state, e)
    meta.facts = [*facts, *meta.facts]
    meta.problem = solve_equalities(meta.problem.add_fact(const, coeffs, equality), state)
    return 1


def _push_not(p: Fact) -> Fact | None:
    """``pushNot``: a useful fact equivalent to ``¬p``, or ``None``."""
    tag = p[0]
    if tag == "implies":
        return ("and", p[1], ("not", p[2]))
    if tag in ("<", "≤", ">", "≥", "=", "≠"):
        a, b = p[1], p[2]
        return {
            "<": lambda: ("≤", b, a),
            "≤": lambda: ("<", b, a),
            ">": lambda: ("≤", a, b),
            "≥": lambda: ("<", a, b),
            "=": lambda: ("or", ("<", a, b), (">", a, b)),
            "≠": lambda: ("=", a, b),
        }[tag]()
    if tag == "irel":
        op, a, b = p[1], p[2], p[3]
        if op == "<":
            return ("irel", "≤", b, a)
        if op == "≤":
            return ("irel", "<", b, a)
        return ("or", ("irel", "<", a, b), ("irel", "<", b, a))
    if tag == "not":
        return p[1]
    if tag == "and":
        return ("or", ("not", p[1]), ("not", p[2]))
    if tag == "or":
        return ("and", ("not", p[1]), ("not", p[2]))
    if tag == "iff":
        return ("or", ("and", p[1], ("not", p[2])), ("and", ("not", p[1]), p[2]))
    return None


def add_fact(meta: MetaProblem, state: OmegaState, t: Fact) -> int:
    """``MetaProblem.addFact``: read one fact; the number of facts it added."""
    if not meta.problem.possible:
        return 0
    state.tick()
    tag = t[0]
    if tag == "irel":
        op, a, b = t[1], t[2], t[3]
        if op == "=":  # Int.sub_eq_zero_of_eq unless the right side is 0
            return _add_linear(meta, state, a if _is_zero_literal(b) else ("iop", "-", a, b), True)
        if op == "≤":  # Int.sub_nonneg_of_le unless the left side is 0
            return _add_linear(meta, state, b if _is_zero_literal(a) else ("iop", "-", b, a), False)
        return add_fact(meta, state, ("irel", "≤", ("iop", "+", a, ("ilit", 1)), b))
    if tag in ("<", "≤", ">", "≥", "=", "≠"):
        a, b = t[1], t[2]
        if tag == "≠":  # Nat.lt_or_gt_of_ne / Int.lt_or_gt_of_ne
            return add_fact(meta, state, ("or", ("<", a, b), (">", a, b)))
        if tag in (">", "≥"):  # whnfR unfolds `a > b` to `b < a`
            tag, a, b = ("<" if tag == ">" else "≤"), b, a
        if _sort(a) == "Nat":
            a_e, b_e = ("cast", a), ("cast", b)
        else:
            a_e, b_e = int_expr(a), int_expr(b)
        return add_fact(meta, state, ("irel", tag, a_e, b_e))
    if tag == "not":
        pushed = _push_not(t[1])
        return 0 if pushed is None else add_fact(meta, state, pushed)
    if tag == "and":
        return add_fact(meta, state, t[1]) + add_fact(meta, state, t[2])
    if tag == "implies":  # Decidable.not_or_of_imp
        return add_fact(meta, state, ("or", ("not", t[1]), t[2]))
    if tag == "iff":  # Decidable.and_or_not_and_not_of_iff
        return add_fact(
            meta, state, ("or", ("and", t[1], t[2]), ("and", ("not", t[1]), ("not", t[2])))
        )
    if tag == "or":
        meta.disjunctions = [t, *meta.disjunctions]
        return 1
    if tag == "exists":  # Exists.choose_spec: the witness is a new atom
        name, sort, body = t[1], t[2], t[3]
        witness = state.supply.fresh(name)
        return add_fact(meta, state, substitute_var(body, name, ("var", witness, sort)))
    return 0  # ∀, True, False, propositions


def process_facts(meta: MetaProblem, state: OmegaState) -> int:
    """``processFacts``: read the pending facts, newest atom facts first."""
    count = 0
    while meta.facts:
        fact = meta.facts.pop(0)
        count += add_fact(meta, state, fact)
    return count


def omega_impl(meta: MetaProblem, state: OmegaState) -> None:
    """``omegaImpl``: returns when a contradiction is found, raises :class:`OmegaFailure`."""
    process_facts(meta, state)
    p = meta.problem
    if p.possible:
        p = elimination(p, state)
    if p.possible:
        split_disjunction(meta, state)


def split_disjunction(meta: MetaProblem, state: OmegaState) -> None:
    """``splitDisjunction``: case split on the most recently found disjunction."""
    while True:
        if not meta.disjunctions:
            raise OmegaFailure(format_error_message(meta.problem, state))
        h, rest = meta.disjunctions[0], meta.disjunctions[1:]
        saved = state.snapshot()
        first = meta.copy([h[1]], rest)
        if process_facts(first, state) > 0:
            omega_impl(first, state)
            state.restore(saved)
            omega_impl(meta.copy([h[2]], rest), state)
            return
        state.restore(saved)
        meta = meta.copy(meta.facts, rest)


# -- Messages ------------------------------------------------------------------------------


_PREC = {"+": 65, "-": 65, "*": 70, "/": 70, "%": 70, "^": 75}


def _pp_nat(t: Term, naming: Naming, context: int) -> str:
    tag = t[0]
    if tag == "var":
        return _pp_name(t[1], naming)
    if tag == "lit":
        return str(t[1])
    prec = _PREC[tag]
    left, right = (prec + 1, prec) if tag == "^" else (prec, prec + 1)
    text = f"{_pp_nat(t[2], naming, left)} {tag} {_pp_nat(t[3], naming, right)}"
    return f"({text})" if context > prec else text


def _pp_name(variable: str, naming: Naming) -> str:
    # An opaque application is named by its text in parentheses: `(f y)` prints as `f y`.
    if variable.startswith("(") and variable.endswith(")"):
        return variable[1:-1]
    return naming.name(variable)


def pp_atom(e: IExpr, naming: Naming, context: int = 0) -> str:
    """An Int-level expression as Lean prints it (``↑x``, ``↑x / 2``, ``↑(a - b)``)."""
    tag = e[0]
    if tag == "ivar":
        return _pp_name(e[1], naming)
    if tag == "ilit":
        return f"({e[1]})" if e[1] < 0 and context > 0 else str(e[1])
    if tag == "cast":
        t = e[1]
        if t[0] == "var" and not t[1].startswith("("):
            return "↑" + _pp_name(t[1], naming)
        if t[0] == "lit":
            return f"↑{t[1]}"
        return f"↑({_pp_nat(t, naming, 0)})"
    if tag == "ineg":
        text = "-" + pp_atom(e[1], naming, 75)
        return f"({text})" if context > 75 else text
    if tag == "bmod":
        _, _, modulus, coeffs, atoms = e
        listed = ", ".join(pp_atom(a, naming) for a in atoms)
        text = (
            f"Lean.Omega.bmod_div_term {modulus} [{', '.join(map(str, coeffs))}] "
            f"(Lean.Omega.Coeffs.ofList [{listed}])"
        )
        return f"({text})" if context > 0 else text
    if tag == "ipow":
        text = f"{pp_atom(e[1], naming, 76)} ^ {_pp_nat(e[2], naming, 75)}"
        return f"({text})" if context > 75 else text
    op = e[1]
    prec = _PREC[op]
    text = f"{pp_atom(e[2], naming, prec)} {op} {pp_atom(e[3], naming, prec + 1)}"
    return f"({text})" if context > prec else text


def _var_name(i: int) -> str:
    letter = chr(ord("a") + i % 26)
    return letter if i < 26 else f"{letter}_{i // 26}"


def format_error_message(p: Problem, state: OmegaState) -> str:
    """``formatErrorMessage``, after Lean's ``omega could not prove the goal:`` line."""
    if p.is_empty:
        return f"{OMEGA_FAILURE}:\n{NO_CONSTRAINTS}"
    naming = state.naming
    mentioned = sorted({i for coeffs in p.constraints for i, c in enumerate(coeffs) if c != 0})
    names: dict[int, str] = {}
    counter = 0
    for i in mentioned:
        while _var_name(counter) in naming.scope:
            counter += 1
        names[i] = _var_name(counter)
        counter += 1
    lines = []
    for coeffs in sorted(p.constraints):
        c = p.constraints[coeffs]
        expression = _pretty_coeffs(coeffs, names)
        if c.lower is not None and c.upper is not None:
            lines.append(f"  {c.lower} ≤ {expression} ≤ {c.upper}")
        elif c.lower is not None:
            lines.append(f"  {expression} ≥ {c.lower}")
        else:
            lines.append(f"  {expression} ≤ {c.upper}")
    where = "\n".join(f" {names[i]} := {pp_atom(state.atoms[i], naming)}" for i in mentioned)
    return (
        f"{OMEGA_FAILURE}:\na possible counterexample may satisfy the constraints\n"
        + "\n".join(lines)
        + f"\nwhere\n{where}"
    )


def _pretty_coeffs(coeffs: Coeffs, names: dict[int, str]) -> str:
    text = ""
    for position, (index, c) in enumerate((i, c) for i, c in enumerate(coeffs) if c != 0):
        if position == 0:
            text += "" if c > 0 else "- "
        else:
            text += " + " if c > 0 else " - "
        text += names[index] if abs(c) == 1 else f"{abs(c)}*{names[index]}"
    return text


# -- Driver --------------------------------------------------------------------------------


def initial_facts(
    hyps: list[Formula], goal: Formula, supply: NameSupply, free: set[str]
) -> list[Fact]:
    """The hypotheses as ``omega`` collects them after ``falseOrByContra``."""
    hyps2, goal2 = intro_goal(hyps, goal, supply, free)
    if goal2 != ("false",):
        hyps2.append(("not", goal2))
    return hyps2


def _run_once(
    facts: list[Fact], script: list[int], deadline: float, supply: NameSupply, naming: Naming
) -> tuple[str, str, Chooser]:
    chooser = Chooser(list(script))
    run_supply = NameSupply(set(supply.taken))
    state = OmegaState(chooser, deadline, run_supply, naming)
    try:
        omega_impl(MetaProblem(Problem(), list(facts)), state)
        return "proved", "", chooser
    except OmegaFailure as failure:
        return "failed", str(failure), chooser
    except OmegaTimeout:
        return "timeout", timeout_message("omega"), chooser


def run_omega(
    hyps: list[Formula],
    goal: Formula,
    free: Iterable[str],
    timeout_ms: int,
    naming: Naming | None = None,
) -> OmegaResult:
    """Runs the model on every hash order Lean could follow.

    Raises:
        Unsupported: the problem needs a behaviour the model does not reproduce.
    """
    naming = naming or Naming(scope=frozenset(free))
    supply = name_supply_for([*hyps, goal])
    facts = initial_facts(list(hyps), goal, supply, set(free))
    deadline = time.monotonic() + timeout_ms / 1000
    outcomes: list[tuple[str, str]] = []
    script: list[int] = []
    while True:
        status, reason, chooser = _run_once(facts, script, deadline, supply, naming)
        outcomes.append((status, reason))
        if status == "timeout":
            return OmegaResult(False, reason)
        made = chooser.made
        k = len(made) - 1
        while k >= 0 and made[k][0] + 1 >= made[k][1]:
            k -= 1
        if k < 0:
            break
        if len(outcomes) >= MAX_RUNS:
            if outcomes[0][0] == "failed":
                return OmegaResult(False, outcomes[0][1])
            raise Unsupported(
                "MiniLean: omega's result here depends on the order of Lean's hash sets, "
                "with too many orders to try"
            )
        script = [pick for pick, _ in made[:k]] + [made[k][0] + 1]
    statuses = {status for status, _ in outcomes}
    if statuses == {"proved"}:
        return OmegaResult(True)
    if statuses == {"failed"}:
        return OmegaResult(False, outcomes[0][1])
    raise Unsupported(
        "MiniLean: whether omega proves this depends on the order of Lean's hash sets, "
        "which MiniLean does not reproduce"
    )
