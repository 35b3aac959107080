"""The ``hard`` tier of minilean-bench: families whose proofs are 10 to 30 tactics deep.

``generate_minilean_bench.py`` writes these rows with ``difficulty: "hard"``. Each family needs
what a tactic agent without a model does not find by trying tactics one at a time: an auxiliary
lemma stated with ``have`` and proved by induction (a closed form, a bound, monotonicity), a
case split inside a quantifier (residues, parities) with one hypothesis instance per case, or a
chain of rewrites with explicitly instantiated core lemmas (products of sums). The measured
baselines (``benchmarks/tier_baselines.py``: a random and a greedy one-step-lookahead agent over
the scripted tactic library) prove none of them.

The proofs are written for real Lean 4 without Mathlib and are robust to what ``rw`` closes by
itself: every rewrite chain ends with a goal that ``rfl`` cannot close, and ``omega`` finishes
arithmetic. Each family is a function yielding ``(name, statement, proof)``; constants and names
vary between its members, never the proof's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

__all__ = ["DeepRow", "DEEP_FAMILIES"]

DeepRow = tuple[str, str, str]
"""``(name, statement, proof)``."""


def _p(*lines: str) -> str:
    return "\n".join(lines)


def _closed_form(fn: str, zero: str, step: str, form: str, var: str = "m") -> list[str]:
    """``have {fn}_form : ∀ m, {fn} m = {form} := by ...`` by induction with ``omega``."""
    return [
        f"have {fn}_form : ∀ {var}, {fn} {var} = {form} := by",
        f"  intro {var}",
        f"  induction {var} with",
        f"  | zero => simp [{zero}]",
        "  | succ k ih =>",
        f"    have e := {step} k",
        "    omega",
    ]


def fam_rec_pair() -> Iterator[DeepRow]:
    """Two linear recurrences; their closed forms as lemmas, then the relation between them."""
    for i, (f, g, a, b, c) in enumerate(
        [("f", "g", 1, 2, 3), ("u", "v", 0, 3, 5), ("p", "q", 2, 1, 4), ("s", "t", 5, 4, 1)]
    ):
        statement = (
            f"({f} {g} : Nat → Nat) (h{f}0 : {f} 0 = {a}) "
            f"(h{f}s : ∀ n, {f} (n + 1) = {f} n + {b}) (h{g}0 : {g} 0 = {a + c}) "
            f"(h{g}s : ∀ n, {g} (n + 1) = {g} n + {b}) (n : Nat) : {g} n = {f} n + {c}"
        )
        proof = _p(
            *_closed_form(f, f"h{f}0", f"h{f}s", f"{a} + {b} * m"),
            *_closed_form(g, f"h{g}0", f"h{g}s", f"{a + c} + {b} * m"),
            f"rw [{f}_form, {g}_form]",
            "omega",
        )
        yield f"deep_rec_pair_{i}", statement, proof


def fam_rec_square() -> Iterator[DeepRow]:
    """A quadratic closed form: induction whose step is a rewrite chain, then a consequence."""
    for i, (f, odd, c) in enumerate(
        [("f", True, 3), ("g", True, 1), ("h", False, 2), ("u", False, 5)]
    ):
        step = "2 * n + 1" if odd else "2 * n + 2"
        form = f"n * n + {c}" if odd else f"n * n + n + {c}"
        statement = (
            f"({f} : Nat → Nat) (h0 : {f} 0 = {c}) (hs : ∀ n, {f} (n + 1) = {f} n + {step}) : "
            f"∀ n, {f} n = {form} ∧ {f} n ≥ {c}"
        )
        proof = _p(
            f"have aux : ∀ n, {f} n = {form} := by",
            "  intro n",
            "  induction n with",
            "  | zero => simp [h0]",
            "  | succ k ih =>",
            "    have e := hs k",
            "    rw [e]",
            "    rw [ih]",
            "    rw [Nat.add_mul k 1 (k + 1)]",
            "    rw [Nat.mul_add k k 1]",
            "    omega",
            "intro n",
            "constructor",
            "· exact aux n",
            "· rw [aux n]",
            "  omega",
        )
        yield f"deep_rec_square_{i}", statement, proof


def fam_mod_cases() -> Iterator[DeepRow]:
    """A function known on each residue mod 4: split the residue inside the quantifier."""
    variants = [
        ((5, 4, 3, 2), "f n + n % 4 = 5"),
        ((0, 1, 2, 3), "f n = n % 4"),
        ((2, 4, 6, 8), "f n % 2 = 0"),
        ((9, 3, 7, 1), "f n ≤ 9"),
    ]
    for i, (values, goal) in enumerate(variants):
        hyps = " ".join(f"(h{r} : ∀ n, n % 4 = {r} → f n = {v})" for r, v in enumerate(values))
        statement = f"(f : Nat → Nat) {hyps} : ∀ n, {goal}"
        cases: list[str] = []
        for r in range(4):
            cases += [f"· have e := h{r} n h", "  omega"]
        proof = _p(
            "intro n",
            "have h4 : n % 4 = 0 ∨ n % 4 = 1 ∨ n % 4 = 2 ∨ n % 4 = 3 := by omega",
            "rcases h4 with h | h | h | h",
            *cases,
        )
        yield f"deep_mod_cases_{i}", statement, proof


def _residues(name: str, modulus: int) -> str:
    return " ∨ ".join(f"{name} % {modulus} = {r}" for r in range(modulus))


def fam_parity_grid() -> Iterator[DeepRow]:
    """A predicate known on every (residue, residue) cell: nested case splits under ∀ m n."""
    for i, (p, q) in enumerate([(3, 2), (2, 3), (4, 2), (2, 4)]):
        hyps = " ".join(
            f"(h{r}{s} : ∀ a b, a % {p} = {r} → b % {q} = {s} → P a b)"
            for r in range(p)
            for s in range(q)
        )
        statement = f"(P : Nat → Nat → Prop) {hyps} : ∀ m n, P m n"
        alternatives = " | ".join(["hm"] * p)
        lines = [
            "intro m n",
            f"have hm : {_residues('m', p)} := by omega",
            f"rcases hm with {alternatives}",
        ]
        for r in range(p):
            if q == 2:
                lines += [
                    "· by_cases hn : n % 2 = 0",
                    f"  · exact h{r}0 m n hm hn",
                    f"  · exact h{r}1 m n hm (by omega)",
                ]
            else:
                lines += [
                    f"· have hn : {_residues('n', q)} := by omega",
                    f"  rcases hn with {' | '.join(['hn'] * q)}",
                    *(f"  · exact h{r}{s} m n hm hn" for s in range(q)),
                ]
        yield f"deep_parity_grid_{i}", statement, _p(*lines)


def fam_mono() -> Iterator[DeepRow]:
    """From a one-step property to any distance: a lemma over the gap by induction."""
    yield (
        "deep_mono_0",
        "(f : Nat → Nat) (hs : ∀ n, f n ≤ f (n + 1)) : ∀ m n, m ≤ n → f m ≤ f n",
        _p(
            "intro m n hmn",
            "have aux : ∀ d, f m ≤ f (m + d) := by",
            "  intro d",
            "  induction d with",
            "  | zero => simp",
            "  | succ k ih =>",
            "    have step := hs (m + k)",
            "    have e : m + (k + 1) = m + k + 1 := by omega",
            "    rw [e]",
            "    exact Nat.le_trans ih step",
            "have h := aux (n - m)",
            "have e : m + (n - m) = n := by omega",
            "rw [e] at h",
            "exact h",
        ),
    )
    yield (
        "deep_mono_1",
        "(g : Nat → Nat) (hs : ∀ n, g n < g (n + 1)) : ∀ a b, a < b → g a < g b",
        _p(
            "intro a b hab",
            "have aux : ∀ d, g a < g (a + d + 1) := by",
            "  intro d",
            "  induction d with",
            "  | zero => exact hs a",
            "  | succ k ih =>",
            "    have step := hs (a + k + 1)",
            "    have e : a + (k + 1) + 1 = a + k + 1 + 1 := by omega",
            "    rw [e]",
            "    exact Nat.lt_trans ih step",
            "have h := aux (b - a - 1)",
            "have e : a + (b - a - 1) + 1 = b := by omega",
            "rw [e] at h",
            "exact h",
        ),
    )
    yield (
        "deep_mono_2",
        "(u : Nat → Nat) (hs : ∀ n, u (n + 1) ≤ u n) : ∀ i j, i ≤ j → u j ≤ u i",
        _p(
            "intro i j hij",
            "have aux : ∀ d, u (i + d) ≤ u i := by",
            "  intro d",
            "  induction d with",
            "  | zero => simp",
            "  | succ k ih =>",
            "    have step := hs (i + k)",
            "    have e : i + (k + 1) = i + k + 1 := by omega",
            "    rw [e]",
            "    exact Nat.le_trans step ih",
            "have h := aux (j - i)",
            "have e : i + (j - i) = j := by omega",
            "rw [e] at h",
            "exact h",
        ),
    )
    yield (
        "deep_mono_3",
        "(f : Nat → Nat) (hs : ∀ n, f n + 2 ≤ f (n + 1)) : ∀ m n, m ≤ n → f m + 2 * (n - m) ≤ f n",
        _p(
            "intro m n hmn",
            "have aux : ∀ d, f m + 2 * d ≤ f (m + d) := by",
            "  intro d",
            "  induction d with",
            "  | zero => simp",
            "  | succ k ih =>",
            "    have step := hs (m + k)",
            "    have e : m + (k + 1) = m + k + 1 := by omega",
            "    rw [e]",
            "    omega",
            "have h := aux (n - m)",
            "have e : m + (n - m) = n := by omega",
            "rw [e] at h",
            "exact h",
        ),
    )


def fam_prod_chain() -> Iterator[DeepRow]:
    """A sum of products of shifted variables, expanded by a chain of instantiated rewrites."""
    for i, (a, b, c) in enumerate([(1, 2, 3), (1, 1, 2), (2, 3, 4), (1, 3, 5)]):
        square = 3
        linear = 2 * (a + b + c)
        constant = a * b + b * c + c * a
        statement = (
            f"(x y z w : Nat) (h1 : x = w + {a}) (h2 : y = w + {b}) (h3 : z = w + {c}) : "
            f"x * y + y * z + z * x = {square} * (w * w) + {linear} * w + {constant}"
        )
        chain: list[str] = []
        for left, right in ((a, b), (b, c), (c, a)):
            chain += [
                f"rw [Nat.add_mul w {left} (w + {right})]",
                f"rw [Nat.mul_add w w {right}]",
                f"rw [Nat.mul_add {left} w {right}]",
            ]
        proof = _p("rw [h1]", "rw [h2]", "rw [h3]", *chain, "omega")
        yield f"deep_prod_chain_{i}", statement, proof


def fam_mod_exists() -> Iterator[DeepRow]:
    """Every n has a residue mod k, as witnesses: induction, then a case split on the residue."""
    for i, k in enumerate([3, 4, 5]):
        disjuncts = " ∨ ".join(
            f"(∃ m, n = {k} * m)" if r == 0 else f"(∃ m, n = {k} * m + {r})" for r in range(k)
        )
        lines = [
            "intro n",
            "induction n with",
            "| zero => exact Or.inl ⟨0, by omega⟩",
            "| succ j ih =>",
            f"  rcases ih with {' | '.join(['⟨m, hm⟩'] * k)}",
        ]
        for r in range(k):
            target = r + 1
            if target < k:  # the next residue: `right` r+1 times, then `left` unless last
                moves = ["right"] * target + (["left"] if target < k - 1 else [])
                witness = "m"
            else:  # wraps around to residue 0
                moves = ["left"]
                witness = "m + 1"
            lines.append(f"  · {moves[0]}")
            lines += [f"    {move}" for move in moves[1:]]
            lines.append(f"    exact ⟨{witness}, by omega⟩")
        yield f"deep_mod_exists_{i}", f": ∀ n : Nat, {disjuncts}", _p(*lines)


def fam_bounds_pair() -> Iterator[DeepRow]:
    """A lower and an upper bound, each a lemma by induction, then both at once."""
    for i, (f, a, lo, hi) in enumerate(
        [("f", 2, 1, 3), ("g", 0, 1, 2), ("h", 5, 2, 4), ("u", 1, 1, 5)]
    ):
        lo_form = f"{a} + n" if lo == 1 else f"{a} + {lo} * n"
        statement = (
            f"({f} : Nat → Nat) (h0 : {f} 0 = {a}) (hlo : ∀ n, {f} n + {lo} ≤ {f} (n + 1)) "
            f"(hhi : ∀ n, {f} (n + 1) ≤ {f} n + {hi}) : "
            f"∀ n, {lo_form} ≤ {f} n ∧ {f} n ≤ {a} + {hi} * n"
        )
        proof = _p(
            f"have lo : ∀ n, {lo_form} ≤ {f} n := by",
            "  intro n",
            "  induction n with",
            "  | zero => simp [h0]",
            "  | succ k ih =>",
            "    have step := hlo k",
            "    omega",
            f"have hi : ∀ n, {f} n ≤ {a} + {hi} * n := by",
            "  intro n",
            "  induction n with",
            "  | zero => simp [h0]",
            "  | succ k ih =>",
            "    have step := hhi k",
            "    omega",
            "intro n",
            "exact ⟨lo n, hi n⟩",
        )
        yield f"deep_bounds_pair_{i}", statement, proof


def fam_forall_logic() -> Iterator[DeepRow]:
    """Case splits on instances of a ∀-disjunction at two points."""
    yield (
        "deep_forall_logic_0",
        "(P Q R S : Nat → Prop) (h1 : ∀ n, P n ∨ Q n) (h2 : ∀ n, P n → R n) "
        "(h3 : ∀ n, Q n → S n) : ∀ n, (R n ∨ S n) ∧ (R (n + 1) ∨ S (n + 1))",
        _p(
            "intro n",
            "constructor",
            "· rcases h1 n with hp | hq",
            "  · left",
            "    exact h2 n hp",
            "  · right",
            "    exact h3 n hq",
            "· rcases h1 (n + 1) with hp | hq",
            "  · left",
            "    exact h2 (n + 1) hp",
            "  · right",
            "    exact h3 (n + 1) hq",
        ),
    )
    yield (
        "deep_forall_logic_1",
        "(A B C D : Nat → Prop) (h1 : ∀ n, A n ∨ B n ∨ C n) (h2 : ∀ n, A n → D n) "
        "(h3 : ∀ n, B n → D (n + 1)) (h4 : ∀ n, C n → D (n + 2)) : "
        "∀ n, D n ∨ D (n + 1) ∨ D (n + 2)",
        _p(
            "intro n",
            "rcases h1 n with ha | hb | hc",
            "· left",
            "  exact h2 n ha",
            "· right",
            "  left",
            "  exact h3 n hb",
            "· right",
            "  right",
            "  exact h4 n hc",
        ),
    )
    yield (
        "deep_forall_logic_2",
        "(P Q R : Nat → Prop) (h1 : ∀ n, P n ∨ Q n) (h2 : ∀ n, P n → R n) "
        "(h3 : ∀ n, Q n → R (n + 1)) (h4 : ∀ n, R (n + 1) → R n) : "
        "∀ n, R n ∧ R (n + 1) ∧ R (n + 2)",
        _p(
            "intro n",
            "refine ⟨?_, ?_, ?_⟩",
            *(
                line
                for point in ("n", "(n + 1)", "(n + 2)")
                for line in (
                    f"· rcases h1 {point} with hp | hq",
                    f"  · exact h2 {point} hp",
                    f"  · exact h4 {point} (h3 {point} hq)",
                )
            ),
        ),
    )


DEEP_FAMILIES: list[Callable[[], Iterator[DeepRow]]] = [
    fam_rec_pair,
    fam_rec_square,
    fam_mod_cases,
    fam_parity_grid,
    fam_mono,
    fam_prod_chain,
    fam_mod_exists,
    fam_bounds_pair,
    fam_forall_logic,
]
"""The hard tier, in the order the generator writes it."""
