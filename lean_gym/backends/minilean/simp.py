"""MiniLean's ``simp``: a fixed part of Lean 4 core's default simp set, and nothing more.

MiniLean must never be stronger than Lean, so its ``simp`` only rewrites with the lemmas listed
in :data:`SIMP_SET` (each checked to carry ``@[simp]`` in Lean 4 core, see the entry's comment),
the literal-folding simprocs, and the hypotheses or local facts passed as ``simp [h]``. It does
no ring normalisation (``a + b = b + a`` is not a simp fact), and ``simp only [...]`` drops the
lemma set (keeping, as Lean does, the simprocs and ``eq_self``/``iff_self``).

Rewriting is bottom-up (Lean's post-order): the operands of a node are simplified first, then
the node itself, until nothing changes. A result that does not close the goal is only reported
when it is *settled* (:func:`settled`): built from atoms that no lemma of Lean's (much larger)
default simp set rewrites; otherwise the caller fails honestly instead of printing a goal Lean
would not print.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from lean_gym.backends.minilean.arith.eval import compare
from lean_gym.backends.minilean.expr import (
    FALSE,
    TRUE,
    VAR_TYPES,
    Expr,
    has_loose_bvar,
    has_mvar,
    instantiate,
    match_pattern,
    subst_mvars,
)
from lean_gym.backends.minilean.reduce import eval_closed

# The lemmas of Lean 4 core's default simp set that MiniLean uses (name -> statement). Each is
# tagged `@[simp]` in core (Init/SimpLemmas.lean, Init/Core.lean, Init/Data/Nat/Basic.lean,
# Init/Data/Int/Lemmas.lean, Init/Data/Int/Pow.lean).
SIMP_SET: dict[str, str] = {
    "eq_self": "(a = a) = True",
    "iff_self": "(p ↔ p) = True",
    "ne_eq": "(a ≠ b) = ¬(a = b)",
    "gt_iff_lt": "a > b ↔ b < a",
    "ge_iff_le": "a ≥ b ↔ b ≤ a",
    "and_true": "(p ∧ True) = p",
    "true_and": "(True ∧ p) = p",
    "and_false": "(p ∧ False) = False",
    "false_and": "(False ∧ p) = False",
    "and_self": "(p ∧ p) = p",
    "and_not_self": "¬(a ∧ ¬a)",
    "not_and_self": "¬(¬a ∧ a)",
    "or_true": "(p ∨ True) = True",
    "true_or": "(True ∨ p) = True",
    "or_false": "(p ∨ False) = p",
    "false_or": "(False ∨ p) = p",
    "or_self": "(p ∨ p) = p",
    "iff_true": "(p ↔ True) = p",
    "true_iff": "(True ↔ p) = p",
    "iff_false": "(p ↔ False) = ¬p",
    "false_iff": "(False ↔ p) = ¬p",
    "false_implies": "(False → p) = True",
    "implies_true": "(α → True) = True",
    "true_implies": "(True → p) = p",
    "not_true_eq_false": "(¬True) = False",
    "not_false_eq_true": "(¬False) = True",
    "Nat.add_zero": "n + 0 = n",
    "Nat.zero_add": "0 + n = n",
    "Nat.mul_one": "n * 1 = n",
    "Nat.one_mul": "1 * n = n",
    "Nat.mul_zero": "n * 0 = 0",
    "Nat.zero_mul": "0 * n = 0",
    "Nat.sub_zero": "n - 0 = n",
    "Nat.zero_sub": "0 - n = 0",
    "Nat.sub_self": "n - n = 0",
    "Nat.add_sub_cancel": "n + m - m = n",
    "Nat.pow_zero": "n ^ 0 = 1",
    "Nat.pow_one": "a ^ 1 = a",
    "Nat.succ_eq_add_one": "n.succ = n + 1",
    "Nat.zero_le": "0 ≤ n",
    "Nat.le_add_left": "n ≤ m + n",
    "Nat.le_add_right": "n ≤ n + k",
    "Nat.div_zero": "n / 0 = 0",
    "Nat.zero_div": "0 / b = 0",
    "Nat.div_one": "n / 1 = n",
    "Nat.mod_zero": "a % 0 = a",
    "Nat.zero_mod": "0 % b = 0",
    "Nat.mod_one": "x % 1 = 0",
    "Nat.mod_self": "n % n = 0",
    "Nat.dvd_refl": "a ∣ a",
    "Nat.dvd_zero": "a ∣ 0",
    "Nat.one_dvd": "1 ∣ n",
    "Nat.zero_dvd": "0 ∣ n ↔ n = 0",
    "Nat.le_refl": "n ≤ n",
    "Nat.lt_irrefl": "¬n < n",
    "Nat.le_zero_eq": "(a ≤ 0) = (a = 0)",
    "Nat.not_lt": "¬a < b ↔ b ≤ a",
    "Nat.not_le": "¬a ≤ b ↔ b < a",
    "Nat.add_left_cancel_iff": "n + m = n + k ↔ m = k",
    "Nat.add_right_cancel_iff": "m + n = k + n ↔ m = k",
    "Nat.succ_ne_zero": "n + 1 ≠ 0 (with Nat.reduceEqDiff: n + k = 0 is False for a numeral k > 0)",
    "Int.add_zero": "a + 0 = a",
    "Int.zero_add": "0 + a = a",
    "Int.mul_one": "a * 1 = a",
    "Int.one_mul": "1 * a = a",
    "Int.mul_zero": "a * 0 = 0",
    "Int.zero_mul": "0 * a = 0",
    "Int.sub_zero": "a - 0 = a",
    "Int.zero_sub": "0 - a = -a",
    "Int.sub_self": "a - a = 0",
    "Int.neg_neg": "-(-a) = a",
    "Int.neg_mul_neg": "-a * -b = a * b",
    "Int.ediv_zero": "a / 0 = 0",
    "Int.zero_ediv": "0 / b = 0",
    "Int.ediv_one": "a / 1 = a",
    "Int.emod_zero": "a % 0 = a",
    "Int.zero_emod": "0 % b = 0",
    "Int.emod_one": "a % 1 = 0",
    "Int.dvd_refl": "a ∣ a",
    "Int.dvd_zero": "a ∣ 0",
    "Int.one_dvd": "1 ∣ n",
    "Int.zero_dvd": "0 ∣ n ↔ n = 0",
    "Int.pow_zero": "b ^ 0 = 1",
}

# The simprocs MiniLean runs (also under `simp only`): Nat/Int literal arithmetic
# (Nat.reduceAdd/Sub/Mul/Div/Mod/Pow/Succ/Gcd, Int.reduceAdd/Sub/Mul/Div/Mod/Pow/Neg) and literal
# comparisons (Nat.reduceEqDiff/reduceLTLE/..., Int.reduceEq/reduceLT/...).
SIMPROCS = ("literal arithmetic", "literal comparisons")

# `simp only` keeps these lemmas (Lean's `simpOnlyBuiltins`).
SIMP_ONLY_BUILTINS = ("eq_self", "iff_self")

# Lean's `Nat.reducePow`/`Int.reducePow` refuse exponents above `exponentiation.threshold`.
_POW_THRESHOLD = 256
# Rewrites per simp call before MiniLean reports a loop (Lean's `maxSteps` is 100000).
_MAX_REWRITES = 20000
_MAX_DEPTH = 64


class SimpLoop(Exception):
    """Rewriting did not reach a fixpoint (Lean reports a maximum recursion/steps error)."""


def value_of(e: Expr) -> int | None:
    """The value of a Nat/Int literal (``-5`` included), else None."""
    if e[0] == "lit":
        return e[1]
    if e[0] == "neg" and e[1][0] == "lit" and e[1][2] == "Int":
        return -e[1][1]
    return None


def mk_value(v: int, sort: str) -> Expr:
    return ("lit", v, sort) if v >= 0 else ("neg", ("lit", -v, sort))


class Simplifier:
    """Rewrites with ground rules, the simprocs and the enabled lemmas of :data:`SIMP_SET`.

    Args:
        rules: Ground rewrite rules (from hypotheses), left-hand side to right-hand side.
        lemmas: ``True`` for the whole :data:`SIMP_SET` (plain ``simp``), or the names enabled
            by ``simp only [...]``.
    """

    def __init__(
        self,
        rules: dict[Expr, Expr],
        lemmas: bool | frozenset[str],
        check_deadline: Callable[[], None] | None = None,
    ):
        # A rule whose left-hand side has metavariables is a pattern (from a ∀-hypothesis).
        self.rules = {lhs: rhs for lhs, rhs in rules.items() if not has_mvar(lhs)}
        self.patterns = [(lhs, rhs) for lhs, rhs in rules.items() if has_mvar(lhs)]
        self.lemmas = lemmas
        self.check_deadline = check_deadline
        self.budget = _MAX_REWRITES
        self.depth = 0

    def on(self, name: str) -> bool:
        if name not in SIMP_SET:
            return False
        return self.lemmas is True or (not isinstance(self.lemmas, bool) and name in self.lemmas)

    def _rule_for(self, e: Expr) -> Expr | None:
        """The right-hand side of the hypothesis rule that rewrites ``e`` at its root."""
        new = self.rules.get(e)
        if new is not None or not self.patterns or e[0] != "call":
            return new
        for lhs, rhs in self.patterns:
            assignment: dict[int, Expr] = {}
            if match_pattern(lhs, e, assignment):
                return subst_mvars(rhs, assignment)
        return None

    # ------------------------------------------------------------------ driver
    def run(self, e: Expr) -> Expr:
        """The simp normal form of ``e`` (raises :class:`SimpLoop`)."""
        if self.check_deadline is not None:
            self.check_deadline()
        return self.prop(e)

    def _revisit(self, old: Expr, new: Expr, visit: Callable[[Expr], Expr]) -> Expr:
        # Lean simplifies the result of a rewrite again; a rule set that keeps rewriting
        # (`h : x = x + 0` with `Nat.add_zero`) exhausts the budget, as Lean's maxSteps.
        if new == old:
            return old
        self.budget -= 1
        if self.budget < 0 or self.depth > _MAX_DEPTH:
            raise SimpLoop
        if self.check_deadline is not None and self.budget % 256 == 0:
            self.check_deadline()
        self.depth += 1
        try:
            return visit(new)
        finally:
            self.depth -= 1

    # ------------------------------------------------------------------ terms
    def term(self, e: Expr) -> Expr:
        k = e[0]
        if k == "bin":
            e = ("bin", e[1], e[2], self.term(e[3]), self.term(e[4]))
        elif k in ("neg", "succ"):
            e = (k, self.term(e[1]))
        elif k == "call":
            e = ("call", e[1], tuple(self.term(a) for a in e[2]))
        return self._revisit(e, self.term_step(e), self.term)

    def term_step(self, e: Expr) -> Expr:
        """One rewrite at the root of term ``e`` (``e`` itself when none applies)."""
        new = self._rule_for(e)
        if new is not None:
            return new
        k = e[0]
        if k == "succ":
            v = value_of(e[1])
            if v is not None:
                return ("lit", v + 1, "Nat")  # Nat.reduceSucc
            if self.on("Nat.succ_eq_add_one"):
                return ("bin", "+", "Nat", e[1], ("lit", 1, "Nat"))
            return e
        if k == "neg":
            v = value_of(e[1])
            if v is not None:
                return mk_value(-v, "Int")  # Int.reduceNeg
            if e[1][0] == "neg" and self.on("Int.neg_neg"):
                return e[1][1]
            return e
        if k == "call" and e[1] == ("const", "Nat.gcd"):
            values = [value_of(a) for a in e[2]]
            if None not in values:
                return ("lit", math.gcd(*values), "Nat")  # Nat.reduceGcd
            return e
        if k != "bin":
            return e
        op, sort, a, b = e[1], e[2], e[3], e[4]
        va, vb = value_of(a), value_of(b)
        if va is not None and vb is not None and not (op == "^" and vb > _POW_THRESHOLD):
            v = eval_closed(e) if sort == "Nat" else _eval_int(op, va, vb)
            if v is not None:
                return mk_value(v, sort)  # Nat.reduceAdd, Int.reduceMul, ...
        on = self.on
        if op == "+":
            if vb == 0 and on(f"{sort}.add_zero"):
                return a
            if va == 0 and on(f"{sort}.zero_add"):
                return b
        elif op == "*":
            if vb == 0 and on(f"{sort}.mul_zero"):
                return ("lit", 0, sort)
            if va == 0 and on(f"{sort}.zero_mul"):
                return ("lit", 0, sort)
            if vb == 1 and on(f"{sort}.mul_one"):
                return a
            if va == 1 and on(f"{sort}.one_mul"):
                return b
            if sort == "Int" and a[0] == "neg" and b[0] == "neg" and on("Int.neg_mul_neg"):
                return ("bin", "*", sort, a[1], b[1])
        elif op == "-":
            if vb == 0 and on(f"{sort}.sub_zero"):
                return a
            if a == b and on(f"{sort}.sub_self"):
                return ("lit", 0, sort)
            if va == 0 and on(f"{sort}.zero_sub"):
                return ("lit", 0, "Nat") if sort == "Nat" else ("neg", b)
            if (
                sort == "Nat"
                and a[0] == "bin"
                and a[1] == "+"
                and a[4] == b
                and on("Nat.add_sub_cancel")
            ):
                return a[3]
        elif op == "^":
            if vb == 0 and on(f"{sort}.pow_zero"):
                return ("lit", 1, sort)
            if vb == 1 and on(f"{sort}.pow_one"):
                return a
        elif op in ("/", "%"):
            div, mod = ("div", "mod") if sort == "Nat" else ("ediv", "emod")
            name = div if op == "/" else mod
            if vb == 0 and on(f"{sort}.{name}_zero"):
                return ("lit", 0, sort) if op == "/" else a
            if va == 0 and on(f"{sort}.zero_{name}"):
                return ("lit", 0, sort)
            if vb == 1 and on(f"{sort}.{name}_one"):
                return a if op == "/" else ("lit", 0, sort)
            if op == "%" and sort == "Nat" and a == b and on("Nat.mod_self"):
                return ("lit", 0, sort)
        return e

    # ------------------------------------------------------------------ propositions
    def prop(self, e: Expr) -> Expr:
        k = e[0]
        if k in ("and", "or", "iff"):
            e = (k, self.prop(e[1]), self.prop(e[2]))
        elif k == "not":
            e = ("not", self.prop(e[1]))
        elif k == "pi" and e[2] not in VAR_TYPES and not has_loose_bvar(e[3], 0):
            e = ("pi", e[1], self.prop(e[2]), self.prop(e[3]))
        elif k in ("rel", "dvd") and e[2] in ("Nat", "Int"):
            e = (k, e[1], e[2], self.term(e[3]), self.term(e[4]))
        return self._revisit(e, self.prop_step(e), self.prop)

    def prop_step(self, e: Expr) -> Expr:
        """One rewrite at the root of proposition ``e`` (``e`` itself when none applies)."""
        new = self._rule_for(e)
        if new is not None:
            return new
        on = self.on
        k = e[0]
        if k == "rel":
            op, sort, a, b = e[1], e[2], e[3], e[4]
            va, vb = value_of(a), value_of(b)
            if va is not None and vb is not None:
                return TRUE if compare(op, va, vb) else FALSE  # Nat.reduceLTLE, ...
            if op == "=" and a == b:
                return TRUE  # eq_self (kept by `simp only`)
            if sort not in ("Nat", "Int"):
                return e
            return self._rel_lemmas(op, sort, a, b, va, vb) or e
        if k == "dvd":
            return self._dvd_lemmas(e)
        if k == "iff" and e[1] == e[2]:
            return TRUE  # iff_self (kept by `simp only`)
        if k == "not":
            a = e[1]
            if a == TRUE and on("not_true_eq_false"):
                return FALSE
            if a == FALSE and on("not_false_eq_true"):
                return TRUE
            if a[0] == "rel" and a[2] == "Nat" and a[1] == "<" and on("Nat.not_lt"):
                return ("rel", "≤", "Nat", a[4], a[3])
            if a[0] == "rel" and a[2] == "Nat" and a[1] == "≤" and on("Nat.not_le"):
                return ("rel", "<", "Nat", a[4], a[3])
            return e
        if k == "and":
            a, b = e[1], e[2]
            if b == TRUE and on("and_true"):
                return a
            if a == TRUE and on("true_and"):
                return b
            if b == FALSE and on("and_false"):
                return FALSE
            if a == FALSE and on("false_and"):
                return FALSE
            if a == b and on("and_self"):
                return a
            if b == ("not", a) and on("and_not_self"):
                return FALSE
            if a == ("not", b) and on("not_and_self"):
                return FALSE
            return e
        if k == "or":
            a, b = e[1], e[2]
            if b == TRUE and on("or_true"):
                return TRUE
            if a == TRUE and on("true_or"):
                return TRUE
            if b == FALSE and on("or_false"):
                return a
            if a == FALSE and on("false_or"):
                return b
            if a == b and on("or_self"):
                return a
            return e
        if k == "iff":
            a, b = e[1], e[2]
            if b == TRUE and on("iff_true"):
                return a
            if a == TRUE and on("true_iff"):
                return b
            if b == FALSE and on("iff_false"):
                return ("not", a)
            if a == FALSE and on("false_iff"):
                return ("not", b)
            return e
        if k == "pi" and e[2] not in VAR_TYPES and not has_loose_bvar(e[3], 0):
            a, b = e[2], e[3]
            if a == FALSE and on("false_implies"):
                return TRUE
            if b == TRUE and on("implies_true"):
                return TRUE
            if a == TRUE and on("true_implies"):
                return instantiate(b, TRUE)
            return e
        return e

    def _dvd_lemmas(self, e: Expr) -> Expr:
        """The core simp lemmas about ``a ∣ b`` (``Init/Data/Nat/Dvd.lean``, and Int's)."""
        sort, a, b = e[2], e[3], e[4]
        va, vb = value_of(a), value_of(b)
        on = self.on
        if a == b and on(f"{sort}.dvd_refl"):
            return TRUE
        if vb == 0 and on(f"{sort}.dvd_zero"):
            return TRUE
        if va == 1 and on(f"{sort}.one_dvd"):
            return TRUE
        if va == 0 and on(f"{sort}.zero_dvd"):
            return ("rel", "=", sort, b, ("lit", 0, sort))
        return e

    def _rel_lemmas(
        self, op: str, sort: str, a: Expr, b: Expr, va: int | None, vb: int | None
    ) -> Expr | None:
        on = self.on
        if op == "≠" and on("ne_eq"):
            return ("not", ("rel", "=", sort, a, b))
        if op == ">" and on("gt_iff_lt"):
            return ("rel", "<", sort, b, a)
        if op == "≥" and on("ge_iff_le"):
            return ("rel", "≤", sort, b, a)
        if sort != "Nat":
            return None
        if op == "≤":
            if a == b and on("Nat.le_refl"):
                return TRUE
            if va == 0 and on("Nat.zero_le"):
                return TRUE
            if b[0] == "bin" and b[1] == "+" and b[4] == a and on("Nat.le_add_left"):
                return TRUE
            if b[0] == "bin" and b[1] == "+" and b[3] == a and on("Nat.le_add_right"):
                return TRUE
            if vb == 0 and on("Nat.le_zero_eq"):
                return ("rel", "=", "Nat", a, b)
        if op == "<" and a == b and on("Nat.lt_irrefl"):
            return FALSE
        if op == "=":
            if a[0] == "bin" and a[1] == "+" and b[0] == "bin" and b[1] == "+":
                if a[3] == b[3] and on("Nat.add_left_cancel_iff"):
                    return ("rel", "=", "Nat", a[4], b[4])
                if a[4] == b[4] and on("Nat.add_right_cancel_iff"):
                    return ("rel", "=", "Nat", a[3], b[3])
            if (
                vb == 0
                and a[0] == "bin"
                and a[1] == "+"
                and (value_of(a[4]) or 0) > 0
                and on("Nat.succ_ne_zero")
            ):
                return FALSE
        return None


def _eval_int(op: str, a: int, b: int) -> int | None:
    return eval_closed(("bin", op, "Int", mk_value(a, "Int"), mk_value(b, "Int")))


# ---------------------------------------------------------------------- settled results
def settled(e: Expr, atom_type: Callable[[Expr], str | None]) -> bool:
    """Whether no lemma of Lean's default simp set can rewrite ``e`` (conservatively).

    Settled: ``False``; a ``Prop`` variable; ``x = y``, ``x < y``, ``x ≤ y`` between distinct
    variables or uninterpreted applications to variables/numerals; ``x = k`` with a numeral on
    the right; ``¬`` of an equation or of a ``Prop`` variable; ``∧``/``∨`` of settled parts;
    ``↔``/``→`` between atoms; every atom occurring once. Everything else (numerals in an
    inequality, compound arithmetic, quantifiers, ...) may be rewritten further by a lemma MiniLean
    does not model.

    Args:
        atom_type: The type of a free variable, ``"Nat"``/``"Int"``/``"Prop"``/``"fun"`` or None.
    """
    if e == FALSE:
        return True
    atoms: list[Expr] = []
    if not _settled(e, atom_type, atoms, top=True):
        return False
    return len(atoms) == len(set(atoms))


def _settled(
    e: Expr, atom_type: Callable[[Expr], str | None], atoms: list[Expr], top: bool
) -> bool:
    k = e[0]
    if _is_atom(e, atom_type):
        atoms.append(e)
        return True
    if k == "not":
        a = e[1]
        if _is_atom(a, atom_type) and (a[0] == "fvar" or a[1] == "="):
            atoms.append(a)
            return True
        return False
    if k in ("and", "or"):
        return _settled(e[1], atom_type, atoms, False) and _settled(e[2], atom_type, atoms, False)
    if k == "iff" or (k == "pi" and e[2] not in VAR_TYPES and not has_loose_bvar(e[3], 0)):
        a, b = (e[1], e[2]) if k == "iff" else (e[2], e[3])
        if _is_atom(a, atom_type) and _is_atom(b, atom_type):
            atoms.extend((a, b))
            return True
        return False
    return False


def _is_atom(e: Expr, atom_type: Callable[[Expr], str | None]) -> bool:
    k = e[0]
    if k == "fvar":
        return atom_type(e) == "Prop"
    if k == "call":
        # Only a function variable's application: Lean's simp set rewrites core functions
        # (`Nat.gcd_zero_left`, `Int.natAbs_ofNat`, ...).
        return e[1][0] == "fvar" and all(_is_data_leaf(a, atom_type) for a in e[2])
    if k != "rel" or e[2] not in ("Nat", "Int") or e[1] not in ("=", "<", "≤"):
        return False
    a, b = e[3], e[4]
    if a == b or not _is_data_leaf(a, atom_type, numeral=False):
        return False
    if e[1] == "=":
        return _is_data_leaf(b, atom_type)
    return _is_data_leaf(b, atom_type, numeral=False)


def _is_data_leaf(e: Expr, atom_type: Callable[[Expr], str | None], numeral: bool = True) -> bool:
    k = e[0]
    if k == "fvar":
        return atom_type(e) in ("Nat", "Int")
    if k == "lit":
        return numeral
    if k == "neg":
        return numeral and e[1][0] == "lit"
    if k == "call":
        return e[1][0] == "fvar" and all(_is_data_leaf(a, atom_type) for a in e[2])
    return False


def distinct_lhs(pairs: Iterable[tuple[Expr, Expr]]) -> dict[Expr, Expr] | None:
    """The rules as a dict, or None when two rules rewrite the same term differently."""
    out: dict[Expr, Expr] = {}
    for lhs, rhs in pairs:
        if lhs in out and out[lhs] != rhs:
            return None
        out[lhs] = rhs
    return out
