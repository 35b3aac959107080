"""The core of Lean's ``omega``: its ``Problem`` and the elimination algorithm, modelled exactly.

A transcription, in Python, of the algorithm of Lean 4 core (v4.33 sources):

- ``src/Init/Omega/Constraint.lean``: constraints ``[lower, upper]`` on a linear combination of
  atoms, ``tidy`` (make the leading coefficient positive, divide by the gcd of the coefficients
  and tighten the bounds to integers), ``combo``, ``combine``, ``bmod_coeffs``.
- ``src/Init/Omega/IntList.lean`` and ``Coeffs.lean``: coefficient lists are dense ``List Int``
  keys, compared exactly (``[1]`` and ``[1, 0]`` are different keys, as in Lean's hash map).
- ``src/Lean/Elab/Tactic/Omega/Core.lean``: ``Problem.addConstraint``, ``selectEquality``,
  ``solveEasyEquality``, ``dealWithHardEquality`` (balanced mod), ``solveEqualities``,
  ``fourierMotzkinData``, ``fourierMotzkinSelect`` (an elimination with no new constraints first,
  then an exact one, i.e. with unit coefficients in all its lower or all its upper bounds, then
  the fewest new constraints, ties to the lowest variable index), ``fourierMotzkin`` (the real
  shadow, each new constraint tidied) and ``runOmega``/``elimination``.

Lean's docstring (``Lean/Elab/Tactic/Omega.lean``) says it implements neither the dark nor the
grey shadow, so a problem whose real shadow is satisfiable is not refuted; neither is it here.

The one place where Lean's result depends on something this model cannot see is the iteration
order of its hash set of equalities, which decides which equality ``selectEquality`` takes when
several tie. Those choices are made by a :class:`Chooser`, so that a caller can run the
algorithm once per possible choice and accept only what every choice refutes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

Coeffs = tuple[int, ...]


class OmegaTimeout(Exception):
    """The time budget of the elimination ran out (Lean's heartbeats, here wall-clock time)."""


@dataclass(frozen=True)
class Constraint:
    """``lower ≤ value ≤ upper``; a missing bound is ``None`` (Lean's ``Constraint``)."""

    lower: int | None
    upper: int | None

    @property
    def trivial(self) -> bool:
        return self.lower is None and self.upper is None

    @property
    def impossible(self) -> bool:
        return self.lower is not None and self.upper is not None and self.upper < self.lower

    @property
    def exact(self) -> bool:
        return self.lower is not None and self.lower == self.upper

    def sat(self, value: int) -> bool:
        return (self.lower is None or self.lower <= value) and (
            self.upper is None or value <= self.upper
        )


TRIVIAL = Constraint(None, None)
IMPOSSIBLE = Constraint(1, 0)


def exact(value: int) -> Constraint:
    """The constraint ``= value``."""
    return Constraint(value, value)


def _map(c: Constraint, f) -> Constraint:
    return Constraint(
        None if c.lower is None else f(c.lower), None if c.upper is None else f(c.upper)
    )


def scale(k: int, c: Constraint) -> Constraint:
    """``Constraint.scale``: multiply the bounds by ``k`` (flipping them when ``k < 0``)."""
    if k == 0:
        return c if c.impossible else exact(0)
    if k > 0:
        return _map(c, lambda v: k * v)
    return _map(Constraint(c.upper, c.lower), lambda v: k * v)


def add(s: Constraint, t: Constraint) -> Constraint:
    """``Constraint.add``: ``[a, b] + [c, d] = [a + c, b + d]``."""
    lower = None if s.lower is None or t.lower is None else s.lower + t.lower
    upper = None if s.upper is None or t.upper is None else s.upper + t.upper
    return Constraint(lower, upper)


def constraint_combo(a: int, s: Constraint, b: int, t: Constraint) -> Constraint:
    return add(scale(a, s), scale(b, t))


def combine(s: Constraint, t: Constraint) -> Constraint:
    """``Constraint.combine``: the intersection (``Option.merge max`` / ``min``)."""
    if s.lower is None:
        lower = t.lower
    elif t.lower is None:
        lower = s.lower
    else:
        lower = max(s.lower, t.lower)
    if s.upper is None:
        upper = t.upper
    elif t.upper is None:
        upper = s.upper
    else:
        upper = min(s.upper, t.upper)
    return Constraint(lower, upper)


# -- IntList --------------------------------------------------------------------------------


def coeffs_combo(a: int, xs: Coeffs, b: int, ys: Coeffs) -> Coeffs:
    """``IntList.combo``: ``List.zipWithAll (a * x + b * y)``, as long as the longer list."""
    n = max(len(xs), len(ys))
    return tuple(
        a * (xs[i] if i < len(xs) else 0) + b * (ys[i] if i < len(ys) else 0) for i in range(n)
    )


def coeffs_add(xs: Coeffs, ys: Coeffs) -> Coeffs:
    return coeffs_combo(1, xs, 1, ys)


def coeffs_sub(xs: Coeffs, ys: Coeffs) -> Coeffs:
    return coeffs_combo(1, xs, -1, ys)


def coeffs_smul(xs: Coeffs, k: int) -> Coeffs:
    return tuple(k * x for x in xs)


def coeffs_get(xs: Coeffs, i: int) -> int:
    return xs[i] if i < len(xs) else 0


def coeffs_set(xs: Coeffs, i: int, value: int) -> Coeffs:
    """``IntList.set``: ``List.set``, right-padded with zeroes first."""
    if i < len(xs):
        return (*xs[:i], value, *xs[i + 1 :])
    return (*xs, *([0] * (i - len(xs))), value)


def coeffs_gcd(xs: Coeffs) -> int:
    return math.gcd(*xs) if xs else 0


def leading(xs: Coeffs) -> int:
    """``IntList.leading``: the first non-zero entry, or 0."""
    return next((x for x in xs if x != 0), 0)


def min_nat_abs(xs: Coeffs) -> int:
    """``List.minNatAbs``: the least non-zero absolute value, or 0."""
    return min((abs(x) for x in xs if x != 0), default=0)


def max_nat_abs(xs: Coeffs) -> int:
    return max((abs(x) for x in xs), default=0)


def bmod(x: int, m: int) -> int:
    """``Int.bmod``: the balanced remainder, in ``[-m/2, m/2)``."""
    r = x % m
    return r if r < (m + 1) // 2 else r - m


def tidy(coeffs: Coeffs, c: Constraint) -> tuple[Coeffs, Constraint]:
    """``tidy``: ``positivize`` then ``normalize`` (``Init/Omega/Constraint.lean``)."""
    if leading(coeffs) < 0:
        c = Constraint(None if c.upper is None else -c.upper, None if c.lower is None else -c.lower)
        coeffs = coeffs_smul(coeffs, -1)
    g = coeffs_gcd(coeffs)
    if g == 0:
        return coeffs, (TRIVIAL if c.sat(0) else IMPOSSIBLE)
    if g == 1:
        return coeffs, c
    lower = None if c.lower is None else -((-c.lower) // g)
    upper = None if c.upper is None else c.upper // g
    return tuple(x // g for x in coeffs), Constraint(lower, upper)


# -- Choices --------------------------------------------------------------------------------


@dataclass
class Chooser:
    """Makes the choices that Lean's hash-set order makes, following a fixed script.

    ``script[k]`` is the option taken at the ``k``-th choice point (0 past its end). Every
    choice point records how many options it had in :attr:`made`, so that a driver can
    enumerate all scripts.
    """

    script: list[int] = field(default_factory=list)
    made: list[tuple[int, int]] = field(default_factory=list)

    def choose(self, options: int) -> int:
        if options <= 1:
            return 0
        k = len(self.made)
        pick = self.script[k] if k < len(self.script) else 0
        self.made.append((pick, options))
        return pick


@dataclass
class Context:
    """What ``OmegaM`` contributes to the core: the atom count and the clock.

    Attributes:
        atoms: the number of atoms (a hard equality adds one).
        chooser: the hash-order choices.
        deadline: ``time.monotonic()`` past which :class:`OmegaTimeout` is raised.
    """

    atoms: int
    chooser: Chooser
    deadline: float

    def new_atom(self, modulus: int, coeffs: Coeffs) -> int:
        """A new atom for the hard equality ``coeffs`` solved with this modulus."""
        index = self.atoms
        self.atoms += 1
        return index

    def atom_count(self) -> int:
        return self.atoms

    def save_atoms(self) -> object:
        return self.atoms

    def restore_atoms(self, saved: object) -> None:
        assert isinstance(saved, int)
        self.atoms = saved

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise OmegaTimeout


# -- Problem --------------------------------------------------------------------------------


@dataclass
class Problem:
    """Lean's ``Problem``: constraints keyed by their coefficient lists.

    The algorithm's steps build new problems; :meth:`insert` and :meth:`add` change this one in
    place, so a problem that is shared must be copied first (:meth:`copy`).

    Attributes:
        constraints: coefficient list -> constraint, in insertion order.
        equalities: the keys of exact constraints, in insertion order (never pruned, as in Lean).
        eliminations: solved equalities ``(coeffs, constraint, variable, sign)``, most recent
            first, replayed on facts added later.
        possible: false once a constraint is impossible.
        num_vars: the length of the longest key inserted.
    """

    constraints: dict[Coeffs, Constraint] = field(default_factory=dict)
    equalities: dict[Coeffs, None] = field(default_factory=dict)
    eliminations: tuple[tuple[Coeffs, Constraint, int, int], ...] = ()
    possible: bool = True
    num_vars: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.constraints

    def copy(self) -> Problem:
        return Problem(
            dict(self.constraints),
            dict(self.equalities),
            self.eliminations,
            self.possible,
            self.num_vars,
        )

    def insert(self, coeffs: Coeffs, c: Constraint) -> None:
        """``insertConstraint``: no combination with an existing constraint."""
        if c.impossible:
            self.possible = False
            return
        self.constraints[coeffs] = c
        if c.exact:
            self.equalities.setdefault(coeffs)
        self.num_vars = max(self.num_vars, len(coeffs))

    def add(self, coeffs: Coeffs, c: Constraint) -> None:
        """``addConstraint``: intersect with the constraint already held for these coefficients."""
        if not self.possible:
            return
        old = self.constraints.get(coeffs)
        if old is None:
            if not c.trivial:
                self.insert(coeffs, c)
            return
        merged = combine(c, old)
        if merged != old:
            self.insert(coeffs, merged)

    def replay(self, coeffs: Coeffs, c: Constraint) -> tuple[Coeffs, Constraint]:
        """``replayEliminations``: substitute the solved equalities, oldest first."""
        for f_coeffs, f_c, i, sign in reversed(self.eliminations):
            y = coeffs_get(coeffs, i)
            if y != 0:
                k = -1 * sign * y
                coeffs, c = coeffs_combo(k, f_coeffs, 1, coeffs), constraint_combo(k, f_c, 1, c)
        return coeffs, c

    def add_fact(self, const: int, coeffs: Coeffs, equality: bool) -> Problem:
        """A copy with ``addInequality`` (``const + coeffs · atoms ≥ 0``) or ``addEquality``
        (``= 0``) applied."""
        c = exact(-const) if equality else Constraint(-const, None)
        coeffs, c = self.replay(coeffs, c)
        result = self.copy()
        result.add(*tidy(coeffs, c))
        return result


def equality_candidates(p: Problem) -> list[tuple[Coeffs, int]]:
    """The equalities ``selectEquality`` may return, depending on its hash-set order: those with
    a unit coefficient (it takes the first it meets), or else those minimising
    ``(minNatAbs, maxNatAbs)``. Each with its ``minNatAbs``."""
    keyed = [(min_nat_abs(c), max_nat_abs(c), c) for c in p.equalities]
    if not keyed:
        return []
    if any(m == 1 for m, _, _ in keyed):
        return [(c, m) for m, _, c in keyed if m == 1]
    best = min((m, mx) for m, mx, _ in keyed)
    return [(c, m) for m, mx, c in keyed if (m, mx) == best]


def solve_easy_equality(p: Problem, c: Coeffs) -> Problem:
    """``solveEasyEquality``: eliminate the first variable with a ``±1`` coefficient in ``c``."""
    i = next(index for index, x in enumerate(c) if abs(x) == 1)
    sign = 1 if c[i] > 0 else -1
    f = p.constraints[c]
    result = Problem(eliminations=((c, f, i, sign), *p.eliminations))
    for coeffs, g in p.constraints.items():
        ci = coeffs_get(coeffs, i)
        if ci == 0:
            result.add(coeffs, g)
        else:
            k = -1 * sign * ci
            result.add(*tidy(coeffs_combo(k, c, 1, coeffs), constraint_combo(k, f, 1, g)))
    return result


def deal_with_hard_equality(p: Problem, c: Coeffs, ctx: Context) -> Problem:
    """``dealWithHardEquality``: a new atom and the balanced-mod equation, which has a unit
    coefficient, so that the next step is an easy elimination."""
    f = p.constraints[c]
    assert f.exact and f.lower is not None
    m = min_nat_abs(c) + 1
    i = ctx.new_atom(m, c)
    coeffs = coeffs_set(tuple(bmod(x, m) for x in c), i, m)
    result = p.copy()
    result.add(coeffs, exact(bmod(f.lower, m)))
    return result


def _solve_step(p: Problem, coeffs: Coeffs, m: int, ctx: Context) -> Problem:
    return solve_easy_equality(p, coeffs) if m == 1 else deal_with_hard_equality(p, coeffs, ctx)


def _same(a: Problem, b: Problem, eliminations: bool) -> bool:
    if not a.possible or not b.possible:
        return a.possible == b.possible
    return (
        a.constraints == b.constraints
        and a.num_vars == b.num_vars
        and (not eliminations or a.eliminations == b.eliminations)
    )


MAX_LOCAL_STATES = 256


def solve_equalities(p: Problem, ctx: Context, eliminations: bool = True) -> Problem:
    """``solveEqualities``: solve equalities until none is left or the problem is impossible.

    When several equalities tie in ``selectEquality``, every order is followed; if all end in the
    same problem (the usual case: the order of independent eliminations does not matter), that
    is the result, else the chooser picks, as Lean's hash order would.

    Args:
        eliminations: whether the record of solved equalities matters (it does while facts are
            still being added, which replay it; not during the final elimination).
    """
    memo: dict[tuple, tuple[Problem, object]] = {}
    return _solve(p, ctx, eliminations, memo)


def _state_key(p: Problem, ctx: Context, eliminations: bool) -> tuple:
    return (
        frozenset(p.constraints.items()),
        tuple(p.equalities),
        p.eliminations if eliminations else (),
        ctx.atom_count(),
    )


def _solve(p: Problem, ctx: Context, eliminations: bool, memo: dict) -> Problem:
    while p.possible:
        ctx.tick()
        candidates = equality_candidates(p)
        if not candidates:
            return p
        if len(candidates) == 1:
            p = _solve_step(p, *candidates[0], ctx)
            continue
        key = _state_key(p, ctx, eliminations)
        known = memo.get(key)
        if known is not None:
            ctx.restore_atoms(known[1])
            return known[0]
        start = ctx.save_atoms()
        outcomes: list[tuple[Problem, object, int]] = []
        for coeffs, m in candidates:
            ctx.restore_atoms(start)
            if len(memo) > MAX_LOCAL_STATES:
                outcomes = []
                break
            result = _solve(_solve_step(p, coeffs, m, ctx), ctx, eliminations, memo)
            outcomes.append((result, ctx.save_atoms(), ctx.atom_count()))
        if outcomes and all(
            _same(r, outcomes[0][0], eliminations) and n == outcomes[0][2] for r, _, n in outcomes
        ):
            chosen = outcomes[0][:2]
        else:
            pick = ctx.chooser.choose(len(candidates))
            if outcomes:
                chosen = outcomes[pick][:2]
            else:
                ctx.restore_atoms(start)
                coeffs, m = candidates[pick]
                result = _solve(_solve_step(p, coeffs, m, ctx), ctx, eliminations, memo)
                chosen = (result, ctx.save_atoms())
        memo[key] = chosen
        ctx.restore_atoms(chosen[1])
        return chosen[0]
    return p


@dataclass
class _FMData:
    var: int
    irrelevant: list[tuple[Coeffs, Constraint]] = field(default_factory=list)
    lower: list[tuple[Coeffs, Constraint, int]] = field(default_factory=list)
    upper: list[tuple[Coeffs, Constraint, int]] = field(default_factory=list)
    lower_exact: bool = True
    upper_exact: bool = True

    @property
    def empty(self) -> bool:
        return not self.lower and not self.upper

    @property
    def size(self) -> int:
        return len(self.lower) * len(self.upper)

    @property
    def exact(self) -> bool:
        return self.lower_exact or self.upper_exact


def _fm_data(p: Problem) -> list[_FMData]:
    """``fourierMotzkinData``, for the variables that occur (the others are filtered out anyway);
    the irrelevant constraints are gathered only for the selected variable."""
    data: dict[int, _FMData] = {}
    for coeffs, c in p.constraints.items():
        for i, x in enumerate(coeffs):
            if x == 0:
                continue
            d = data.get(i)
            if d is None:
                d = data[i] = _FMData(i)
            # the bounds that `c.scale x` keeps are bounds on the variable
            if (c.lower if x > 0 else c.upper) is not None:
                d.lower.append((coeffs, c, x))
                d.lower_exact = d.lower_exact and abs(x) == 1
            if (c.upper if x > 0 else c.lower) is not None:
                d.upper.append((coeffs, c, x))
                d.upper_exact = d.upper_exact and abs(x) == 1
    return [data[i] for i in sorted(data)]


def _fm_select(data: list[_FMData]) -> _FMData:
    """``fourierMotzkinSelect``."""
    data = [d for d in data if not d.empty]
    best = data[0]
    if best.size == 0:
        return best
    for d in data[1:]:
        if (
            d.size == 0
            or (not best.exact and d.exact)
            or (best.exact == d.exact and d.size < best.size)
        ):
            if d.size == 0:
                return d
            best = d
    return best


@dataclass
class EliminationStats:
    """What the elimination did (for diagnostics and tests)."""

    exact_steps: int = 0
    inexact_steps: int = 0


def fourier_motzkin(
    p: Problem, ctx: Context | None = None, stats: EliminationStats | None = None
) -> Problem:
    """``fourierMotzkin``: eliminate the selected variable, keeping the real shadow."""
    d = _fm_select(_fm_data(p))
    d.irrelevant = [(k, c) for k, c in p.constraints.items() if coeffs_get(k, d.var) == 0]
    if stats is not None:
        if d.exact:
            stats.exact_steps += 1
        else:
            stats.inexact_steps += 1
    result = Problem(eliminations=p.eliminations)
    for coeffs, c in d.irrelevant:
        result.insert(coeffs, c)
    for f_coeffs, f_c, b in d.lower:
        if ctx is not None:
            ctx.tick()
        for g_coeffs, g_c, a in d.upper:
            result.add(
                *tidy(coeffs_combo(a, f_coeffs, -b, g_coeffs), constraint_combo(a, f_c, -b, g_c))
            )
    return result


def elimination(p: Problem, ctx: Context, stats: EliminationStats | None = None) -> Problem:
    """``elimination`` / ``runOmega``: Fourier-Motzkin steps, solving equalities after each."""
    while p.possible and not p.is_empty:
        ctx.tick()
        p = fourier_motzkin(p, ctx, stats)
        if p.possible:
            p = solve_equalities(p, ctx, eliminations=False)
    return p
