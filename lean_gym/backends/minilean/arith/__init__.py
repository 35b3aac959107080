"""Arithmetic decision procedures of MiniLean: ``omega``, ``decide``, ``norm_num``, ``simp_arith``.

Public entry point; the implementation lives in this package's submodules.

Terms and formulas are tuples::

    Sort    = "Nat" | "Int"
    Term    = ("var", name, sort) | ("lit", value, sort)
            | (op, sort, t1, t2)        op in + - * / % ^ (the exponent of ^ is always a Nat)
            | ("neg", "Int", t) | ("cast", "Int", t)   the coercion ↑t of a Nat term t
    Formula = ("true",) | ("false",) | ("atom", name)
            | (rel, t1, t2)             rel in = ≠ < ≤ > ≥, both sides of one sort
            | ("not", f) | ("and", f, g) | ("or", f, g) | ("implies", f, g) | ("iff", f, g)
            | ("forall", name, sort, f) | ("exists", name, sort, f)

Semantics are Lean 4's: Nat subtraction truncates, ``x / 0 = 0``, ``x % 0 = x``, Int ``/`` and
``%`` are ``Int.ediv``/``Int.emod`` (Euclidean), ``0 ^ 0 = 1``, Nat variables are ``≥ 0``.
A procedure answers ``proved=True`` only when z3 shows ``hyps ∧ ¬goal`` unsatisfiable for an
abstraction that only forgets information (opaque atoms, dropped facts, rational relaxation), so
``proved=True`` is sound; ``unknown`` and timeouts are failures. ``omega`` and ``simp_arith``
are, besides, no stronger than Lean's own algorithms: ``omega`` proves only what a model of
Lean's ``omega`` (:mod:`.omega`, :mod:`.omega_core`) refutes, z3 confirming it; ``simp_arith``
decides a relation only as Lean's ``Nat.Linear``/``Int.Linear`` normaliser does (:mod:`.linear`).
Importing this module does not import z3.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lean_gym.backends.minilean.arith.eval import (
    MAX_INT_POW_EXPONENT,
    MAX_NAT_POW_EXPONENT,
    evaluate_closed_formula,
    evaluate_term,
)
from lean_gym.backends.minilean.arith.linear import decide_relation
from lean_gym.backends.minilean.arith.messages import (
    NORM_NUM_FAILURE,
    NORM_NUM_FALSE_GOAL,
    SIMP_FAILURE,
    timeout_message,
)
from lean_gym.backends.minilean.arith.nnf import refutation_problem
from lean_gym.backends.minilean.arith.norm import run_norm_num, run_simp_arith
from lean_gym.backends.minilean.arith.omega import Naming, Unsupported, run_omega
from lean_gym.backends.minilean.arith.omega_z3 import z3_status
from lean_gym.backends.minilean.arith.poly import terms_equal_as_polynomials
from lean_gym.backends.minilean.arith.solver import Z3_LOCK
from lean_gym.backends.minilean.arith.syntax import (
    collect_free_vars,
    formula_free_vars,
    formula_has_quantifier_or_atom,
    formula_to_lean,
    term_free_vars,
    term_to_lean,
    validate,
    validate_formula,
    validate_term,
)

__all__ = [
    "ArithVerdict",
    "check_terms_equal",
    "decide",
    "evaluate",
    "formula_to_lean",
    "norm_num",
    "omega",
    "simp_arith",
    "simp_arith_decides",
    "term_to_lean",
    "validate",
    "validate_formula",
    "validate_term",
]


@dataclass(frozen=True)
class ArithVerdict:
    """Answer of a decision procedure.

    Attributes:
        proved: the goal follows from the hypotheses (never true for a false goal).
        reason: when not proved, Lean's wording for the failure.
    """

    proved: bool
    reason: str = ""


def _freeze(obj: Any) -> Any:
    """Deep-converts lists to tuples so that callers may pass JSON-like data."""
    if isinstance(obj, (list, tuple)):
        return tuple(_freeze(item) for item in obj)
    return obj


def _prepare(hyps: Sequence[Any], goal: Any) -> tuple[list[tuple], tuple, dict[str, str]]:
    if isinstance(hyps, (str, bytes)) or not isinstance(hyps, Sequence):
        raise ValueError(f"hypotheses must be a list of formulas: {hyps!r}")
    frozen_hyps = [_freeze(h) for h in hyps]
    frozen_goal = _freeze(goal)
    for formula in [*frozen_hyps, frozen_goal]:
        validate_formula(formula)
    free = collect_free_vars([*frozen_hyps, frozen_goal])
    return frozen_hyps, frozen_goal, free


def _check_timeout(timeout_ms: Any) -> int:
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, (int, float)) or timeout_ms <= 0:
        raise ValueError(f"timeout_ms must be a positive number: {timeout_ms!r}")
    return int(max(1, timeout_ms))


def omega(
    hyps: Sequence[Any],
    goal: Any,
    timeout_ms: int = 2000,
    names: Mapping[str, str] | None = None,
    scope: Iterable[str] | None = None,
) -> ArithVerdict:
    """Lean's ``omega``: what Lean's own algorithm proves, and nothing more.

    The goal is refuted by a model of Lean's ``omega`` (:mod:`.omega`: its front end, exact
    equality elimination and Fourier-Motzkin on the real shadow, without the dark and grey
    shadows), and every refutation is confirmed by z3. A failure carries Lean's message.

    Args:
        hyps: the hypotheses in context, in order (non-arithmetic ones are ignored, as by Lean).
        goal: the goal; its leading ``∀``, ``→`` and ``¬`` are introduced first.
        timeout_ms: bound on the time spent.
        names: how variables print in the failure message (default: their names).
        scope: names taken in the local context, which the message's atom names avoid
            (default: the free variables).

    Raises:
        ValueError: malformed input.
    """
    timeout = _check_timeout(timeout_ms)
    frozen_hyps, frozen_goal, free = _prepare(hyps, goal)
    deadline = time.monotonic() + timeout / 1000
    naming = Naming(dict(names or {}), frozenset(free if scope is None else scope))
    try:
        result = run_omega(frozen_hyps, frozen_goal, set(free), timeout, naming)
    except Unsupported as refusal:
        return ArithVerdict(False, str(refusal))
    if not result.proved:
        return ArithVerdict(False, result.reason)
    # The model proved it: z3 must confirm, on its own encoding, that the goal is valid.
    remaining = max(1, int((deadline - time.monotonic()) * 1000))
    problem = refutation_problem(frozen_hyps, frozen_goal, free, opaque_props=True)
    with Z3_LOCK:
        status = z3_status(problem, remaining)
    if status == "unsat":
        return ArithVerdict(True)
    if status == "unknown":
        return ArithVerdict(False, timeout_message("omega"))
    return ArithVerdict(
        False,
        "MiniLean: omega's model refuted a goal that z3 finds satisfiable (an internal error)",
    )


def _run_normaliser(
    runner: Callable[[Any, int], Any], hyps: Sequence[Any], goal: Any, timeout_ms: int
) -> tuple[Any, Any, Any, Any]:
    """Checks and freezes the input, builds the refutation problem and runs ``runner`` on it
    under the z3 lock. Returns (result, frozen hypotheses, frozen goal, free variables)."""
    timeout = _check_timeout(timeout_ms)
    frozen_hyps, frozen_goal, free = _prepare(hyps, goal)
    problem = refutation_problem(frozen_hyps, frozen_goal, free)
    with Z3_LOCK:
        result = runner(problem, timeout)
    return result, frozen_hyps, frozen_goal, free


def norm_num(hyps: Sequence[Any], goal: Any, timeout_ms: int = 2000) -> ArithVerdict:
    """``norm_num``-like: numeric evaluation plus linear arithmetic over the given hypotheses.

    Ground subterms are evaluated exactly; relations are normalised as polynomials and refuted
    over the rationals (``linarith``-strength, weaker than ``omega`` on integer facts such as
    parity), with nonlinear monomials as atoms. Pass ``hyps=[]`` for bare ``norm_num``, which
    does not use the local context.

    Raises:
        ValueError: malformed input.
    """
    result, frozen_hyps, frozen_goal, free = _run_normaliser(run_norm_num, hyps, goal, timeout_ms)
    if result.proved:
        return ArithVerdict(True)
    if result.status == "unknown":
        return ArithVerdict(False, timeout_message("norm_num"))
    closed = not free and not frozen_hyps and not formula_has_quantifier_or_atom(frozen_goal)
    if closed and evaluate_closed_formula(frozen_goal) is False:
        # Lean's norm_num rewrites a false closed goal to `False` and leaves it open.
        return ArithVerdict(False, NORM_NUM_FALSE_GOAL)
    return ArithVerdict(False, NORM_NUM_FAILURE)


def simp_arith(hyps: Sequence[Any], goal: Any, timeout_ms: int = 2000) -> ArithVerdict:
    """What ``simp +arith`` / ``simp_arith`` closes by its arithmetic normaliser.

    Each relation is decided exactly as Lean's ``Nat.Linear`` / ``Int.Linear`` normaliser
    decides it (:mod:`.linear`: on Nat only when the cancelled sides settle it, so ``2 * x ≠ 1``
    is not closed; on Int also by the gcd of the coefficients, so ``2 * x ≠ 1`` is closed);
    an undecided relation is an opaque proposition keyed by its normal form, so that a
    hypothesis is used only when it matches. Pass the hypotheses that the simp call may use
    (``simp [h]``, ``simp_all``), or none.

    Raises:
        ValueError: malformed input.
    """
    result, _, _, _ = _run_normaliser(run_simp_arith, hyps, goal, timeout_ms)
    if result.proved:
        return ArithVerdict(True)
    if result.status == "unknown":
        return ArithVerdict(False, timeout_message("simp"))
    return ArithVerdict(False, SIMP_FAILURE)


def simp_arith_decides(relation: Any) -> bool | None:
    """The truth value ``simp +arith`` gives one relation ``(op, lhs, rhs)``, or ``None`` when
    its normaliser leaves it undecided (see :mod:`.linear`).

    Raises:
        ValueError: malformed input.
    """
    relation = _freeze(relation)
    validate_formula(relation)
    if relation[0] not in ("=", "≠", "<", "≤", ">", "≥"):
        raise ValueError(f"a relation expected: {relation!r}")
    return decide_relation(relation[0], relation[1], relation[2], validate_term(relation[1]))


def decide(goal: Any) -> bool | None:
    """Truth value of a closed, quantifier-free formula without opaque atoms, else ``None``.

    Raises:
        ValueError: malformed input.
    """
    goal = _freeze(goal)
    validate_formula(goal)
    if formula_has_quantifier_or_atom(goal) or next(formula_free_vars(goal), None) is not None:
        return None
    if _has_unreducible_power(goal):
        return None
    return evaluate_closed_formula(goal)


def _has_unreducible_power(node: Any) -> bool:
    """Whether a power in the formula is one Lean's ``decide`` cannot evaluate.

    ``decide`` reduces the ``Decidable`` instance with ``whnf``, which leaves ``b ^ n`` alone
    when ``n`` exceeds ``exponentiation.threshold`` (256); ``Int`` powers recurse once per step.
    """
    if not isinstance(node, tuple) or not node:
        return False
    if node[0] == "^" and len(node) == 4:
        exponent = evaluate_term(node[3])
        limit = MAX_NAT_POW_EXPONENT if node[1] == "Nat" else MAX_INT_POW_EXPONENT
        if exponent is None or exponent > limit:
            return True
    return any(_has_unreducible_power(child) for child in node[1:])


def evaluate(term: Any) -> int | None:
    """Value of a closed term with Lean's semantics; ``None`` if it has a free variable (or is
    a power too large to compute).

    Raises:
        ValueError: malformed input.
    """
    term = _freeze(term)
    validate_term(term)
    if next(term_free_vars(term), None) is not None:
        return None
    return evaluate_term(term)


def check_terms_equal(t1: Any, t2: Any) -> bool:
    """Whether ``t1 = t2`` holds as an identity of commutative rings (``ring``-strength, sound).

    Ground subterms are evaluated; Nat truncated subtraction, ``/``, ``%`` and powers with a
    non-numeral exponent are atoms over normalised operands.

    Raises:
        ValueError: malformed input or operands of different sorts.
    """
    t1, t2 = _freeze(t1), _freeze(t2)
    sort1, sort2 = validate_term(t1), validate_term(t2)
    if sort1 != sort2:
        raise ValueError(f"cannot compare a {sort1} term with an {sort2} term")
    collect_free_vars([("=", t1, t2)])
    return terms_equal_as_polynomials(t1, t2)
