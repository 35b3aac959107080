"""The pieces of MiniLean's model of Lean's ``omega``, checked against Lean's definitions.

``arith.omega_core`` transcribes ``Init/Omega/Constraint.lean`` and
``Lean/Elab/Tactic/Omega/Core.lean``; ``arith.omega`` the front end (``Frontend.lean``,
``OmegaM.lean``). The expected values below are worked out from those definitions.
"""

from __future__ import annotations

import pytest

from lean_gym.backends.minilean.arith import omega_core as core
from lean_gym.backends.minilean.arith.nnf import NameSupply
from lean_gym.backends.minilean.arith.omega import (
    MetaProblem,
    Naming,
    OmegaState,
    Unsupported,
    as_linear_combo,
    ground_int,
    ground_nat_term,
    process_facts,
    run_omega,
)
from lean_gym.backends.minilean.arith.omega_core import Constraint, Problem


def ctx(atoms: int = 0) -> core.Context:
    return core.Context(atoms, core.Chooser(), float("inf"))


def state() -> OmegaState:
    return OmegaState(core.Chooser(), float("inf"), NameSupply(), Naming())


def nat(name: str) -> tuple:
    return ("var", name, "Nat")


def test_tidy_positivizes_then_divides_and_tightens() -> None:
    # -2x - 4y ≥ -7  →  2x + 4y ≤ 7  →  x + 2y ≤ 3 (floor 7/2)
    assert core.tidy((-2, -4), Constraint(-7, None)) == ((1, 2), Constraint(None, 3))
    # 3x ∈ [1, 5] → x ∈ [1, 1] (ceil 1/3, floor 5/3)
    assert core.tidy((3,), Constraint(1, 5)) == ((1,), Constraint(1, 1))
    # zero coefficients: trivial when 0 satisfies it, else impossible; the key keeps its length
    assert core.tidy((0, 0), Constraint(-1, 2)) == ((0, 0), core.TRIVIAL)
    assert core.tidy((0,), Constraint(1, None)) == ((0,), core.IMPOSSIBLE)
    # 2x = 1 has no integer solution: tightening makes it impossible
    assert core.tidy((2,), Constraint(1, 1))[1].impossible


def test_balanced_mod() -> None:
    # Int.bmod x m lies in [-m/2, m/2)
    assert [core.bmod(x, 3) for x in range(-3, 4)] == [0, 1, -1, 0, 1, -1, 0]
    assert [core.bmod(x, 4) for x in range(-2, 3)] == [-2, -1, 0, 1, -2]


def test_keys_are_exact_lists() -> None:
    # [1] and [1, 0] are different keys in Lean's hash map: their bounds are not intersected.
    p = Problem().add_fact(-3, (1,), False).add_fact(3, (-1, 0), False)
    assert p.constraints == {(1,): Constraint(3, None), (1, 0): Constraint(None, 3)}
    assert not p.equalities
    q = Problem().add_fact(-3, (1,), False).add_fact(3, (-1,), False)
    assert q.constraints == {(1,): Constraint(3, 3)} and list(q.equalities) == [(1,)]


def test_easy_equality_is_substituted_everywhere() -> None:
    # x + y = 5 (eliminate x), x - y ≥ 1  →  -2y ≥ -4  →  y ≤ 2
    p = Problem().add_fact(-5, (1, 1), True).add_fact(-1, (1, -1), False)
    solved = core.solve_equalities(p, ctx(2))
    assert solved.constraints == {(0, 1): Constraint(None, 2)}
    assert solved.eliminations[0][2:] == (0, 1)


def test_hard_equality_introduces_an_atom() -> None:
    # 2x + 3y = 1: minNatAbs 2, m = 3, bmod coefficients [-1, 0] and 3 on the new atom 2
    p = Problem().add_fact(-1, (2, 3), True)
    context = ctx(2)
    stepped = core.deal_with_hard_equality(p, (2, 3), context)
    assert context.atoms == 3
    assert stepped.constraints[(-1, 0, 3)] == Constraint(1, 1)
    # solved completely, nothing is left: 2x + 3y = 1 has integer solutions
    assert core.solve_equalities(p, ctx(2)).is_empty


def test_selection_prefers_unit_coefficients_then_small_ones() -> None:
    p = Problem().add_fact(0, (2, 3, 0), True).add_fact(0, (0, 4, 1), True)
    assert core.equality_candidates(p) == [((0, 4, 1), 1)]
    p = Problem().add_fact(0, (2, 5), True).add_fact(0, (3, 4), True).add_fact(0, (2, 3), True)
    # min (minNatAbs, maxNatAbs): (2, 3)
    assert core.equality_candidates(p) == [((2, 3), 2)]


def test_fourier_motzkin_keeps_the_real_shadow_only() -> None:
    # Pugh's example: 27 ≤ 11x + 13y ≤ 45, -10 ≤ 7x - 9y ≤ 4 has no integer point, but its real
    # shadow on y is 1 ≤ y ≤ 2, so Lean's omega (no dark shadow) cannot refute it.
    p = Problem().add_fact(-27, (11, 13), False).add_fact(45, (-11, -13), False)
    p = p.add_fact(10, (7, -9), False).add_fact(4, (-7, 9), False)
    assert p.constraints == {(11, 13): Constraint(27, 45), (7, -9): Constraint(-10, 4)}
    stats = core.EliminationStats()
    shadow = core.fourier_motzkin(p, ctx(2), stats)
    assert shadow.constraints == {(0, 1): Constraint(1, 2)}
    assert stats.inexact_steps == 1
    assert core.elimination(p, ctx(2)).possible


def test_fourier_motzkin_select() -> None:
    # x: lower bound from 2x + y ≥ 1, upper x ≤ 5 (unit): exact, size 1; y: lower from
    # 2x + y ≥ 1, upper y ≤ 0, both unit: exact, size 1. The tie goes to x, the lower index.
    p = Problem().add_fact(-1, (2, 1), False).add_fact(5, (-1, 0), False)
    p = p.add_fact(0, (0, -3), False)
    data = core._fm_data(p)
    chosen = core._fm_select(data)
    assert (chosen.var, chosen.exact, chosen.size) == (0, True, 1)


def test_atoms_are_numbered_as_lean_meets_them() -> None:
    s = state()
    # `x ≤ y` is read `0 ≤ ↑y - ↑x`: y is atom 0
    meta = MetaProblem(Problem(), [("≤", nat("x"), nat("y"))])
    process_facts(meta, s)
    assert s.atoms == [("cast", nat("y")), ("cast", nat("x"))]
    # the non-negativity facts are added after the relation
    assert meta.problem.constraints == {
        (1, -1): Constraint(0, None),
        (1,): Constraint(0, None),
        (0, 1): Constraint(0, None),
    }


def test_nonlinear_product_forgets_its_factors() -> None:
    s = state()
    product = ("iop", "*", ("ivar", "a"), ("ivar", "b"))
    (const, coeffs), facts = as_linear_combo(s, ("iop", "+", product, ("ivar", "c")))
    assert s.atoms == [product, ("ivar", "c")] and (const, coeffs) == (0, (1, 1)) and not facts


def test_atom_facts_follow_analyze_atom() -> None:
    s = state()
    _, facts = as_linear_combo(s, ("cast", ("-", "Nat", nat("a"), nat("b"))))
    assert [f[0] for f in facts] == ["or", "irel"]  # the dichotomy first, then 0 ≤ ↑(a - b)
    _, facts = as_linear_combo(s, ("iop", "/", ("ivar", "x"), ("ilit", 3)))
    assert len(facts) == 2  # 3 * (x / 3) ≤ x < 3 * (x / 3) + 3
    _, facts = as_linear_combo(s, ("iop", "/", ("ivar", "x"), ("ivar", "y")))
    assert facts == []
    # x % -3: groundNat? does not read -3, and nothing is known about the atom
    _, facts = as_linear_combo(s, ("iop", "%", ("ivar", "x"), ("ineg", ("ilit", 3))))
    assert facts == [] and s.atoms[-1][1] == "%"
    # x % 2 ^ k: 0 ≤ x % 2 ^ k < 2 ^ k
    _, facts = as_linear_combo(s, ("iop", "%", ("ivar", "x"), ("ipow", ("ilit", 2), nat("k"))))
    assert len(facts) == 2


def test_ground_evaluation_is_lean_s() -> None:
    # groundInt? has no `%`: x / (7 % 3) is an atom, not x / 1
    s = state()
    atom = ("iop", "/", ("ivar", "x"), ("iop", "%", ("ilit", 7), ("ilit", 3)))
    as_linear_combo(s, atom)
    assert s.atoms[-1] == atom
    assert ground_int(("iop", "/", ("ilit", -7), ("ilit", 2))) == -4  # Int.ediv
    assert ground_nat_term(("-", "Nat", ("lit", 3, "Nat"), ("lit", 5, "Nat"))) == 0


def test_int_modulus_with_a_truncating_subtraction_is_refused() -> None:
    # Lean would rewrite `x % (2 - 5)` as `x % 0` (groundNat? computes 2 - 5 in Nat).
    goal = (
        "=",
        ("%", "Int", ("var", "x", "Int"), ("-", "Int", ("lit", 2, "Int"), ("lit", 5, "Int"))),
        ("var", "x", "Int"),
    )
    with pytest.raises(Unsupported):
        run_omega([], goal, {"x"}, 1000)


def test_disjunction_whose_first_side_gives_nothing_is_dropped() -> None:
    # `p → x = 0` is `¬p ∨ x = 0`: the first side gives no fact, so Lean skips the disjunction.
    hyps = [("atom", "p"), ("implies", ("atom", "p"), ("=", nat("x"), ("lit", 0, "Nat")))]
    assert not run_omega(hyps, ("=", nat("x"), ("lit", 0, "Nat")), {"x", "p"}, 1000).proved
    # with the sides swapped it is split, and the second side is what the goal needs
    hyps = [("or", ("=", nat("x"), ("lit", 0, "Nat")), ("atom", "p"))]
    assert not run_omega(hyps, ("=", nat("x"), ("lit", 0, "Nat")), {"x", "p"}, 1000).proved


def test_false_hypothesis_is_ignored() -> None:
    assert not run_omega([("false",)], ("=", nat("x"), ("lit", 3, "Nat")), {"x"}, 1000).proved
