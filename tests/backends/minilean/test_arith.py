"""Tests of MiniLean's arithmetic decision procedures (lean_gym.backends.minilean.arith)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import pytest

from lean_gym.backends.minilean.arith import (
    ArithVerdict,
    check_terms_equal,
    decide,
    evaluate,
    norm_num,
    omega,
    simp_arith,
    simp_arith_decides,
    validate,
)

# ---------------------------------------------------------------------------------------------
# Builders


def nv(name: str) -> tuple:
    return ("var", name, "Nat")


def iv(name: str) -> tuple:
    return ("var", name, "Int")


def nl(value: int) -> tuple:
    return ("lit", value, "Nat")


def il(value: int) -> tuple:
    return ("lit", value, "Int")


def nat(op: str, a: tuple, b: tuple) -> tuple:
    return (op, "Nat", a, b)


def int_(op: str, a: tuple, b: tuple) -> tuple:
    return (op, "Int", a, b)


def neg(t: tuple) -> tuple:
    return ("neg", "Int", t)


def lit_of(value: int, sort: str) -> tuple:
    return ("lit", value, sort)


x, y, z, a, b, n = nv("x"), nv("y"), nv("z"), nv("a"), nv("b"), nv("n")
i, j, k = iv("i"), iv("j"), iv("k")

# ---------------------------------------------------------------------------------------------
# Semantics: values fixed by Lean 4 core definitions.
#  * Nat.sub truncates (Nat.sub: `n - (m+1) = pred (n - m)`), Nat.div/Nat.mod: `x / 0 = 0`,
#    `x % 0 = x` (Init/Prelude.lean, Init/Data/Nat/Div.lean).
#  * `instance : Div Int := ⟨Int.ediv⟩`, `instance : Mod Int := ⟨Int.emod⟩`
#    (Init/Data/Int/DivMod/Basic.lean). The docstring examples there:
#    12 / 7 = 1, 12 / -7 = -1, -12 / 7 = -2, -12 / -7 = 2, 7 / 0 = 0;
#    12 % 7 = 5, 12 % -7 = 5, -12 % 7 = 2, -12 % -7 = 2, 7 % 0 = 7.
#  * Int.pow / Nat.pow: `m ^ 0 = 1`, so `0 ^ 0 = 1`.

NAT_CASES = [
    ("-", 3, 5, 0),
    ("-", 5, 3, 2),
    ("-", 0, 0, 0),
    ("/", 7, 2, 3),
    ("/", 7, 0, 0),
    ("/", 0, 0, 0),
    ("%", 7, 2, 1),
    ("%", 7, 0, 7),
    ("%", 0, 5, 0),
    ("^", 0, 0, 1),
    ("^", 2, 10, 1024),
    ("^", 0, 3, 0),
    ("*", 6, 7, 42),
    ("+", 6, 7, 13),
]

INT_CASES = [
    ("/", 12, 7, 1),
    ("/", 12, -7, -1),
    ("/", -12, 7, -2),
    ("/", -12, -7, 2),
    ("/", 7, 0, 0),
    ("/", -7, 0, 0),
    ("/", -7, 2, -4),
    ("/", 7, -2, -3),
    ("/", -7, -2, 4),
    ("%", 12, 7, 5),
    ("%", 12, -7, 5),
    ("%", -12, 7, 2),
    ("%", -12, -7, 2),
    ("%", 7, 0, 7),
    ("%", -7, 0, -7),
    ("%", -7, 2, 1),
    ("%", 7, -2, 1),
    ("%", -7, -2, 1),
    ("-", 3, 5, -2),
    ("^", -2, 3, -8),
    ("^", 0, 0, 1),
]


@pytest.mark.parametrize(("op", "left", "right", "expected"), NAT_CASES)
def test_nat_operation_values(op: str, left: int, right: int, expected: int) -> None:
    assert evaluate(nat(op, nl(left), nl(right))) == expected


@pytest.mark.parametrize(("op", "left", "right", "expected"), INT_CASES)
def test_int_operation_values(op: str, left: int, right: int, expected: int) -> None:
    exponent = nl(right) if op == "^" else il(right)
    assert evaluate(int_(op, il(left), exponent)) == expected


@pytest.mark.parametrize(("op", "left", "right", "expected"), INT_CASES)
def test_procedures_agree_with_evaluation_on_int(
    op: str, left: int, right: int, expected: int
) -> None:
    # The symbolic encodings must agree with the evaluator: with the operands given as
    # hypotheses about variables, every procedure proves the true value and refutes a wrong one.
    exponent_sort = "Nat" if op == "^" else "Int"
    p, q = iv("p"), ("var", "q", exponent_sort)
    hyps = [("=", p, il(left)), ("=", q, lit_of(right, exponent_sort))]
    term = int_(op, p, q)
    ground = ("=", int_(op, il(left), lit_of(right, exponent_sort)), il(expected))
    if op == "%" and right < 0:
        # Lean's omega reads a modulus with `groundNat?`, which does not read `-k`: `x % -7` is
        # an atom about which nothing is known (OmegaM.analyzeAtom), even for a numeral `x`.
        assert not omega(hyps, ground).proved
        assert not omega(hyps, ("=", int_(op, p, il(right)), il(expected))).proved
        assert decide(ground) is True
        return
    assert omega(hyps, ground).proved
    assert decide(("=", int_(op, il(left), lit_of(right, exponent_sort)), il(expected))) is True
    assert (
        decide(("=", int_(op, il(left), lit_of(right, exponent_sort)), il(expected + 1))) is False
    )
    if op in ("/", "%"):
        # Division by a literal is exact in omega: substitute the literal divisor.
        literal_divisor = int_(op, p, il(right))
        assert omega(hyps, ("=", literal_divisor, il(expected))).proved
        assert not omega(hyps, ("=", literal_divisor, il(expected + 1))).proved
    assert not norm_num(hyps, ("≠", term, term)).proved


# Powers with a variable base are atoms for omega (as in Lean), so they are left out here.
@pytest.mark.parametrize(
    ("op", "left", "right", "expected"), [case for case in NAT_CASES if case[0] != "^"]
)
def test_omega_nat_operations_match_semantics(
    op: str, left: int, right: int, expected: int
) -> None:
    goal = ("=", nat(op, x, nl(right)), nl(expected))
    assert omega([("=", x, nl(left))], goal).proved
    wrong = ("=", nat(op, x, nl(right)), nl(expected + 1))
    assert not omega([("=", x, nl(left))], wrong).proved


def test_huge_power_is_not_computed() -> None:
    assert evaluate(nat("^", nl(2), nl(10**9))) is None
    assert evaluate(int_("^", il(-1), nl(10**9 + 1))) == -1
    assert evaluate(nat("^", nl(1), nl(10**12))) == 1


def test_evaluate_with_free_variable_is_none() -> None:
    assert evaluate(nat("+", x, nl(1))) is None
    assert evaluate(nat("*", nl(0), x)) is None  # evaluation, not simplification


# ---------------------------------------------------------------------------------------------
# omega: true linear facts

OMEGA_TRUE = [
    ("sub_add_cancel", [("≤", b, a)], ("=", nat("+", nat("-", a, b), b), a)),
    (
        "mod_two_cases",
        [],
        ("or", ("=", nat("%", x, nl(2)), nl(0)), ("=", nat("%", x, nl(2)), nl(1))),
    ),
    ("div_mul_le", [], ("≤", nat("*", nat("/", x, nl(2)), nl(2)), x)),
    ("trans", [("<", x, y), ("<", y, z)], ("<", nat("+", x, nl(1)), z)),
    ("nat_nonneg", [], ("≥", x, nl(0))),
    ("truncated_zero", [("≤", a, b)], ("=", nat("-", a, b), nl(0))),
    (
        "disjunction_hyp",
        [("or", ("=", x, nl(1)), ("=", x, nl(2)))],
        ("and", ("≥", x, nl(1)), ("≤", x, nl(2))),
    ),
    (
        "iff_goal",
        [],
        ("iff", ("<", x, nl(5)), ("≤", nat("+", x, nl(1)), nl(5))),
    ),
    (
        "int_linear",
        [("=", int_("+", i, j), il(10)), ("=", int_("-", i, j), il(2))],
        ("=", i, il(6)),
    ),
    ("int_neg", [("<", i, il(0))], (">", neg(i), il(0))),
    ("int_ediv_neg_literal", [], ("=", int_("/", i, il(-1)), neg(i))),
    ("int_emod_nonneg", [], ("≥", int_("%", i, il(3)), il(0))),
    ("int_emod_bound", [], ("<", int_("%", i, il(5)), il(5))),
    ("parity", [], ("≠", nat("*", nl(2), x), nat("+", nat("*", nl(2), y), nl(1)))),
    (
        "forall_goal",
        [],
        ("forall", "m", "Nat", ("implies", ("<", nv("m"), nl(3)), ("≤", nv("m"), nl(2)))),
    ),
    ("implies_goal", [], ("implies", ("<", x, nl(3)), ("not", ("=", x, nl(3))))),
    (
        "exists_hyp",
        [("exists", "m", "Nat", ("=", x, nat("*", nl(2), nv("m"))))],
        ("=", nat("%", x, nl(2)), nl(0)),
    ),
    (
        "pow_succ",
        [],
        ("=", nat("^", nl(2), nat("+", n, nl(1))), nat("*", nl(2), nat("^", nl(2), n))),
    ),
    ("nonlinear_atom_same", [("<", nat("*", x, y), nl(4))], ("≤", nat("*", x, y), nl(3))),
    ("contradictory_hyps", [("<", x, nl(2)), (">", x, nl(5))], ("=", y, nl(7))),
    (
        "implication_hyp",
        [("implies", ("<", x, nl(3)), ("=", y, nl(0))), ("=", x, nl(1))],
        ("=", y, nl(0)),
    ),
    ("iff_hyp", [("iff", ("=", x, nl(0)), ("=", y, nl(0))), ("=", x, nl(0))], ("=", y, nl(0))),
    ("ground_power", [], ("=", nat("^", nl(3), nl(4)), nl(81))),
    ("div_by_zero", [], ("=", nat("/", x, nl(0)), nl(0))),
    ("mod_by_zero", [], ("=", nat("%", x, nl(0)), x)),
    ("not_not_hyp", [("not", ("not", ("<", x, nl(1))))], ("=", x, nl(0))),
]


@pytest.mark.parametrize(
    ("hyps", "goal"), [c[1:] for c in OMEGA_TRUE], ids=[c[0] for c in OMEGA_TRUE]
)
def test_omega_proves_true_linear_facts(hyps: list, goal: tuple) -> None:
    verdict = omega(hyps, goal)
    assert verdict == ArithVerdict(True, "")


OMEGA_FALSE = [
    ("sub_add_no_hyp", [], ("=", nat("+", nat("-", a, b), b), a)),
    ("nat_sub_not_int", [], ("=", nat("+", nat("-", x, nl(1)), nl(1)), x)),
    ("strict", [("<", x, nl(3))], ("<", x, nl(2))),
    ("int_can_be_negative", [], ("≥", i, il(0))),
    ("mod_three", [], ("or", ("=", nat("%", x, nl(3)), nl(0)), ("=", nat("%", x, nl(3)), nl(1)))),
    ("div_mul_eq", [], ("=", nat("*", nat("/", x, nl(2)), nl(2)), x)),
    ("int_ediv_trunc", [], ("=", int_("/", il(-7), il(2)), il(-3))),
    ("int_emod_sign", [], ("≥", int_("%", i, il(5)), il(1))),
    # `i % -3` is an atom without facts for Lean (groundNat? does not read `-3`).
    ("int_emod_negative_modulus", [], ("≥", int_("%", i, il(-3)), il(0))),
    ("wrong_disjunct", [("or", ("=", x, nl(1)), ("=", x, nl(2)))], ("=", x, nl(1))),
    ("iff_false", [], ("iff", ("<", x, nl(5)), ("<", x, nl(4)))),
    ("exists_goal", [], ("exists", "m", "Nat", ("=", nv("m"), nl(3)))),
    ("forall_hyp_unused", [("forall", "m", "Nat", ("<", nv("m"), x))], ("=", nl(0), nl(1))),
    ("false_hyp_unused", [("false",)], ("=", x, nl(3))),
    (
        "prop_atom_unused",
        [("atom", "p"), ("implies", ("atom", "p"), ("=", x, nl(0)))],
        ("=", x, nl(0)),
    ),
    ("true_goal", [], ("true",)),
    ("atom_goal", [("atom", "p")], ("atom", "p")),
    ("int_sum", [("=", int_("+", i, j), il(0))], ("=", i, il(0))),
    ("div_by_literal", [], ("=", nat("/", nat("*", nl(2), x), nl(4)), x)),
    ("ground_false", [], ("=", nat("^", nl(2), nl(5)), nl(31))),
    ("neq_goal", [("≤", x, nl(1))], ("≠", x, nl(1))),
    ("upper_bound", [("≥", x, nl(10))], ("<", x, nl(100))),
    ("nat_sub_order", [], ("=", nat("-", a, b), nat("-", b, a))),
]


@pytest.mark.parametrize(
    ("hyps", "goal"), [c[1:] for c in OMEGA_FALSE], ids=[c[0] for c in OMEGA_FALSE]
)
def test_omega_rejects_unprovable_goals(hyps: list, goal: tuple) -> None:
    verdict = omega(hyps, goal)
    assert verdict.proved is False
    assert verdict.reason.startswith("omega could not prove the goal:\n")


OMEGA_NONLINEAR_TRUE = [
    ("square_nonneg", [], ("≥", int_("*", i, i), il(0))),
    ("square_as_power", [], ("=", int_("^", i, nl(2)), int_("*", i, i))),
    ("mul_comm", [], ("=", nat("*", x, y), nat("*", y, x))),
    ("distrib", [], ("=", nat("*", x, nat("+", y, nl(1))), nat("+", nat("*", x, y), x))),
    ("div_self", [("≥", x, nl(1))], ("=", nat("/", x, x), nl(1))),
    ("mod_var_lt", [("≥", y, nl(1))], ("<", nat("%", x, y), y)),
]


@pytest.mark.parametrize(
    ("hyps", "goal"),
    [c[1:] for c in OMEGA_NONLINEAR_TRUE],
    ids=[c[0] for c in OMEGA_NONLINEAR_TRUE],
)
def test_omega_treats_nonlinear_subterms_as_atoms(hyps: list, goal: tuple) -> None:
    verdict = omega(hyps, goal)
    assert verdict.proved is False
    assert verdict.reason.startswith("omega could not prove the goal")


def test_omega_failure_message_names_atoms_like_lean() -> None:
    verdict = omega([], ("≥", int_("*", i, i), il(0)))
    assert verdict.reason == (
        "omega could not prove the goal:\n"
        "a possible counterexample may satisfy the constraints\n"
        "  a ≤ -1\n"
        "where\n"
        " a := i * i"
    )


def test_omega_failure_without_arithmetic_facts() -> None:
    verdict = omega([], ("exists", "m", "Nat", ("=", nv("m"), nl(3))))
    assert verdict.reason.startswith(
        "omega could not prove the goal:\nNo usable constraints found."
    )


def test_omega_failure_message_skips_names_in_scope() -> None:
    verdict = omega([], ("<", a, nl(0)))
    assert "\n b := ↑a" in verdict.reason
    assert "  b ≥ 0" in verdict.reason


def test_omega_forall_goal_shadowing_free_variable() -> None:
    # ∀ x : Int, x + 1 > x, while a Nat x is free elsewhere: the bound x is a different variable.
    goal = ("forall", "x", "Int", (">", int_("+", iv("x"), il(1)), iv("x")))
    assert omega([("=", x, nl(3))], goal).proved
    wrong = ("forall", "x", "Int", ("≥", iv("x"), il(0)))
    assert not omega([("=", x, nl(3))], wrong).proved


# ---------------------------------------------------------------------------------------------
# decide


def test_decide_closed_formulas() -> None:
    assert decide(("=", nat("+", nl(2), nl(2)), nl(4))) is True
    assert decide(("<", nat("-", nl(3), nl(5)), nl(1))) is True
    assert decide(("and", ("true",), ("≠", nl(1), nl(1)))) is False
    assert decide(("implies", ("false",), ("=", nl(0), nl(1)))) is True
    assert decide(("iff", ("<", il(-1), il(0)), ("≥", il(3), il(3)))) is True
    assert decide(("not", ("=", int_("/", il(-7), il(2)), il(-4)))) is False


def test_decide_refuses_open_or_quantified_formulas() -> None:
    assert decide(("=", x, nl(1))) is None
    assert decide(("forall", "m", "Nat", ("≥", nv("m"), nl(0)))) is None
    assert decide(("atom", "p")) is None
    assert decide(("or", ("true",), ("atom", "p"))) is None
    assert decide(("≤", nl(3), nl(2))) is False


# ---------------------------------------------------------------------------------------------
# norm_num, simp_arith, check_terms_equal


def test_norm_num_numeric_goals() -> None:
    assert norm_num([], ("=", nat("^", nl(2), nl(10)), nl(1024))).proved
    assert norm_num([], ("≠", int_("%", il(-7), il(2)), il(-1))).proved
    assert norm_num([], ("<", int_("*", il(-3), il(4)), il(-11))).proved
    false_goal = norm_num([], ("=", nat("+", nl(2), nl(2)), nl(5)))
    assert false_goal == ArithVerdict(False, "unsolved goals\n⊢ False")


def test_norm_num_linear_with_hypotheses() -> None:
    assert norm_num([("<", i, il(3))], ("≤", i, il(2))).proved
    assert norm_num([("≤", x, y)], ("≤", nat("+", x, nl(1)), nat("+", y, nl(1)))).proved
    assert norm_num([], ("=", nat("*", x, y), nat("*", y, x))).proved
    failed = norm_num([("<", i, il(3))], ("≤", i, il(1)))
    assert failed == ArithVerdict(False, "norm_num failed to simplify")


def test_norm_num_is_weaker_than_omega_on_parity() -> None:
    goal = ("≠", nat("*", nl(2), x), nat("+", nat("*", nl(2), y), nl(1)))
    assert omega([], goal).proved
    assert not norm_num([], goal).proved


def test_simp_arith_normalisation() -> None:
    assert simp_arith([], ("<", x, nat("+", x, nl(1)))).proved
    assert simp_arith([], ("=", nat("+", x, y), nat("+", y, x))).proved
    assert simp_arith([], ("≤", nl(0), x)).proved
    assert simp_arith([], ("=", nat("+", x, nl(0)), x)).proved
    assert simp_arith([], ("forall", "m", "Nat", ("≠", nat("+", nv("m"), nl(1)), nl(0)))).proved
    assert simp_arith([("=", x, nl(5))], ("=", nat("+", x, nl(1)), nl(6))).proved
    assert simp_arith([], ("=", nat("-", nl(3), nl(5)), nl(0))).proved
    assert simp_arith([], ("≥", i, il(0))) == ArithVerdict(False, "simp made no progress")
    assert not simp_arith([("<", x, nl(3))], ("<", x, nl(5))).proved  # needs linear reasoning
    assert not simp_arith([], ("=", nat("+", nat("-", x, nl(1)), nl(1)), x)).proved


def test_check_terms_equal() -> None:
    square = int_("^", int_("+", i, il(1)), nl(2))
    expanded = int_("+", int_("*", i, i), int_("+", int_("*", il(2), i), il(1)))
    assert check_terms_equal(square, expanded)
    assert not check_terms_equal(square, int_("+", int_("*", i, i), il(1)))
    assert check_terms_equal(nat("-", nat("+", a, b), b), a)
    assert not check_terms_equal(nat("+", nat("-", a, b), b), a)
    assert check_terms_equal(int_("-", i, j), int_("+", i, neg(j)))
    assert check_terms_equal(nat("/", x, nl(1)), x)
    assert not check_terms_equal(nat("/", nat("*", nl(2), x), nl(2)), x)  # true, but not ring


# ---------------------------------------------------------------------------------------------
# Soundness sweep: whatever a procedure proves must hold on every small assignment.


def _all_values(sort: str) -> range:
    return range(0, 4) if sort == "Nat" else range(-3, 4)


def _substitute(formula: tuple, values: dict[str, int]) -> tuple:
    def term(t: tuple) -> tuple:
        if t[0] == "var":
            return ("lit", values[t[1]], t[2]) if t[1] in values else t
        if t[0] == "neg":
            return ("neg", "Int", term(t[2]))
        if t[0] == "lit":
            return t
        return (t[0], t[1], term(t[2]), term(t[3]))

    tag = formula[0]
    if tag in ("=", "≠", "<", "≤", ">", "≥"):
        return (tag, term(formula[1]), term(formula[2]))
    if tag == "not":
        return ("not", _substitute(formula[1], values))
    if tag in ("and", "or", "implies", "iff"):
        return (tag, _substitute(formula[1], values), _substitute(formula[2], values))
    return formula


def test_proved_goals_hold_on_small_values() -> None:
    ops = ["+", "-", "*", "/", "%"]
    candidates = []
    for sort in ("Nat", "Int"):
        p, q = ("var", "p", sort), ("var", "q", sort)
        for op in ops:
            for rhs in (p, q, ("lit", 0, sort), ("lit", 1, sort), ("lit", 2, sort)):
                for rel in ("=", "≤", "<", "≠"):
                    for other in (p, q, ("lit", 0, sort), ("lit", 1, sort)):
                        candidates.append((sort, (rel, (op, sort, p, rhs), other)))
    proved_count = 0
    for sort, goal in candidates:
        verdicts = [omega([], goal), norm_num([], goal), simp_arith([], goal)]
        if not any(v.proved for v in verdicts):
            continue
        proved_count += 1
        for pv in _all_values(sort):
            for qv in _all_values(sort):
                assert decide(_substitute(goal, {"p": pv, "q": qv})) is True, goal
    assert proved_count > 20  # the sweep exercised real proofs


# ---------------------------------------------------------------------------------------------
# Malformed input


@pytest.mark.parametrize(
    "bad",
    [
        ("var", "x"),
        ("var", "", "Nat"),
        ("var", "x", "Real"),
        ("lit", -1, "Nat"),
        ("lit", True, "Nat"),
        ("lit", 1.5, "Int"),
        ("neg", "Nat", nl(1)),
        ("+", "Nat", nl(1), il(1)),
        ("^", "Int", il(2), il(3)),
        ("sqrt", "Nat", nl(4)),
        (),
        "x",
        ("=", nl(1), il(1)),
        ("and", ("true",)),
        ("forall", "m", "Nat", ("=", ("var", "m", "Int"), il(0))),
        ("bogus",),
    ],
)
def test_malformed_input_raises(bad: object) -> None:
    with pytest.raises(ValueError):
        validate(bad)
    with pytest.raises(ValueError):
        omega([], bad)  # type: ignore[arg-type]


def test_mixed_sorts_for_one_name_raise() -> None:
    with pytest.raises(ValueError, match="variable x"):
        omega([("=", x, nl(0))], ("=", iv("x"), il(0)))
    with pytest.raises(ValueError):
        check_terms_equal(x, iv("x"))
    with pytest.raises(ValueError):
        omega([], ("=", x, x), timeout_ms=0)
    with pytest.raises(ValueError):
        evaluate(("lit", 1, "Real"))


def test_validate_reports_sorts() -> None:
    assert validate(nat("+", x, nl(1))) == "Nat"
    assert validate(("neg", "Int", i)) == "Int"
    assert validate(("exists", "m", "Int", ("<", iv("m"), il(0)))) == "Prop"


def test_lists_are_accepted_as_tuples() -> None:
    goal = [
        "≤",
        ["*", "Nat", ["/", "Nat", ["var", "x", "Nat"], ["lit", 2, "Nat"]], ["lit", 2, "Nat"]],
        ["var", "x", "Nat"],
    ]
    assert omega([], goal).proved


# ---------------------------------------------------------------------------------------------
# Timeouts and speed


def _pigeonhole(holes: int) -> list[tuple]:
    pigeons = [nv(f"p{idx}") for idx in range(holes + 1)]
    hyps: list[tuple] = [("<", p, nl(holes)) for p in pigeons]
    for first in range(len(pigeons)):
        for second in range(first + 1, len(pigeons)):
            hyps.append(("≠", pigeons[first], pigeons[second]))
    return hyps


def test_small_pigeonhole_is_proved() -> None:
    assert omega(_pigeonhole(3), ("false",)).proved


def test_timeout_is_respected() -> None:
    start = time.perf_counter()
    verdict = omega(_pigeonhole(9), ("false",), timeout_ms=50)
    elapsed = time.perf_counter() - start
    assert verdict.proved is False
    assert verdict.reason.startswith("(deterministic) timeout at `omega`")
    assert elapsed < 2.0


def test_typical_omega_call_is_fast() -> None:
    hyps = [("≤", b, a), ("<", a, nat("+", b, nl(5)))]
    goal = ("=", nat("+", nat("-", a, b), b), a)
    omega(hyps, goal)  # warm-up: z3 import and solver construction
    durations = []
    for _ in range(30):
        start = time.perf_counter()
        assert omega(hyps, goal).proved
        durations.append(time.perf_counter() - start)
    assert statistics.median(durations) < 0.05


def test_import_does_not_load_z3() -> None:
    code = "import sys, lean_gym.backends.minilean.arith; print('z3' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------
# Coercions ↑n from Nat to Int


def cast(t: tuple) -> tuple:
    return ("cast", "Int", t)


def test_cast_terms_validate_and_evaluate() -> None:
    assert validate(cast(x)) == "Int"
    with pytest.raises(ValueError):
        validate(cast(i))
    assert evaluate(cast(nat("-", nl(3), nl(5)))) == 0


def test_omega_pushes_casts_as_lean_does() -> None:
    assert omega([], ("≥", cast(x), il(0))).proved  # Int.ofNat_nonneg
    assert omega([], ("=", cast(nat("+", x, nl(1))), int_("+", cast(x), il(1)))).proved
    assert omega([], ("=", cast(nat("*", nl(3), x)), int_("*", il(3), cast(x)))).proved
    # ↑(a - b) is an atom with the subtraction dichotomy: equal to ↑a - ↑b only when b ≤ a
    sub = ("=", cast(nat("-", a, b)), int_("-", cast(a), cast(b)))
    assert not omega([], sub).proved
    assert omega([("≤", b, a)], sub).proved
    verdict = omega([], ("<", cast(x), i))
    assert verdict.reason.endswith("where\n a := ↑x\n b := i")


def test_simp_arith_reads_a_cast_as_an_atom() -> None:
    assert simp_arith([], ("≠", int_("+", cast(x), il(1)), cast(x))).proved
    # The normaliser alone does not push the cast (that is the simp lemma Int.natCast_add's job).
    relation = ("=", cast(nat("+", x, nl(1))), int_("+", cast(x), il(1)))
    assert simp_arith_decides(relation) is None
