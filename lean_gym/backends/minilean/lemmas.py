"""The core Lean 4 lemmas MiniLean knows, with their statements as Lean states them.

Every entry is a true statement, written with Lean's binders (implicit ``{}`` where Lean has
them), so that ``exact Nat.le_of_lt h`` and ``Nat.add_comm a b`` elaborate as in Lean. The Nat
entries were checked against ``src/Init/Data/Nat/Basic.lean`` of Lean 4 (2025): for example
``Nat.add_sub_cancel (n m : Nat)`` and ``Nat.pow_succ (n m : Nat) : n ^ succ m = n ^ m * n`` take
explicit arguments there, so ``exact Nat.add_sub_cancel`` is an error, as in Lean. The texts
are parsed with MiniLean's own parser on first use.
"""

from __future__ import annotations

# name -> statement (parsed as a proposition in the empty context)
CORE_LEMMAS: dict[str, str] = {
    # Nat: algebra
    "Nat.add_comm": "∀ (n m : Nat), n + m = m + n",
    "Nat.add_assoc": "∀ (n m k : Nat), n + m + k = n + (m + k)",
    "Nat.add_left_comm": "∀ (n m k : Nat), n + (m + k) = m + (n + k)",
    "Nat.mul_comm": "∀ (n m : Nat), n * m = m * n",
    "Nat.mul_assoc": "∀ (n m k : Nat), n * m * k = n * (m * k)",
    "Nat.zero_add": "∀ (n : Nat), 0 + n = n",
    "Nat.add_zero": "∀ (n : Nat), n + 0 = n",
    "Nat.mul_one": "∀ (n : Nat), n * 1 = n",
    "Nat.one_mul": "∀ (n : Nat), 1 * n = n",
    "Nat.mul_zero": "∀ (n : Nat), n * 0 = 0",
    "Nat.zero_mul": "∀ (n : Nat), 0 * n = 0",
    "Nat.left_distrib": "∀ (n m k : Nat), n * (m + k) = n * m + n * k",
    "Nat.mul_add": "∀ (n m k : Nat), n * (m + k) = n * m + n * k",
    "Nat.right_distrib": "∀ (n m k : Nat), (n + m) * k = n * k + m * k",
    "Nat.add_mul": "∀ (n m k : Nat), (n + m) * k = n * k + m * k",
    "Nat.sub_self": "∀ (n : Nat), n - n = 0",
    "Nat.add_sub_cancel": "∀ (n m : Nat), n + m - m = n",
    "Nat.succ_ne_zero": "∀ (n : Nat), n.succ ≠ 0",
    "Nat.mul_succ": "∀ (n m : Nat), n * m.succ = n * m + n",
    "Nat.succ_mul": "∀ (n m : Nat), n.succ * m = n * m + m",
    "Nat.add_succ": "∀ (n m : Nat), n + m.succ = (n + m).succ",
    "Nat.succ_add": "∀ (n m : Nat), n.succ + m = (n + m).succ",
    "Nat.succ_eq_add_one": "∀ (n : Nat), n.succ = n + 1",
    "Nat.pow_succ": "∀ (n m : Nat), n ^ m.succ = n ^ m * n",
    "Nat.pow_zero": "∀ (b : Nat), b ^ 0 = 1",
    "Nat.two_mul": "∀ (n : Nat), 2 * n = n + n",
    "Nat.mul_two": "∀ (n : Nat), n * 2 = n + n",
    "Nat.sub_add_cancel": "∀ {n m : Nat}, m ≤ n → n - m + m = n",
    "Nat.add_sub_cancel_left": "∀ (n m : Nat), n + m - n = m",
    "Nat.sub_le": "∀ (n m : Nat), n - m ≤ n",
    "Nat.succ_sub_one": "∀ (n : Nat), n.succ - 1 = n",
    # Nat: order
    "Nat.le_refl": "∀ (n : Nat), n ≤ n",
    "Nat.lt_irrefl": "∀ (n : Nat), ¬n < n",
    "Nat.le_of_lt": "∀ {n m : Nat}, n < m → n ≤ m",
    "Nat.succ_le_of_lt": "∀ {n m : Nat}, n < m → n.succ ≤ m",
    "Nat.lt_of_succ_le": "∀ {n m : Nat}, n.succ ≤ m → n < m",
    "Nat.le_trans": "∀ {n m k : Nat}, n ≤ m → m ≤ k → n ≤ k",
    "Nat.lt_trans": "∀ {n m k : Nat}, n < m → m < k → n < k",
    "Nat.lt_of_lt_of_le": "∀ {n m k : Nat}, n < m → m ≤ k → n < k",
    "Nat.lt_of_le_of_lt": "∀ {n m k : Nat}, n ≤ m → m < k → n < k",
    "Nat.le_antisymm": "∀ {n m : Nat}, n ≤ m → m ≤ n → n = m",
    "Nat.zero_le": "∀ (n : Nat), 0 ≤ n",
    "Nat.succ_pos": "∀ (n : Nat), 0 < n.succ",
    "Nat.zero_lt_succ": "∀ (n : Nat), 0 < n.succ",
    "Nat.zero_lt_one": "0 < 1",
    "Nat.not_lt_zero": "∀ (n : Nat), ¬n < 0",
    "Nat.le_succ": "∀ (n : Nat), n ≤ n.succ",
    "Nat.succ_le_succ": "∀ {n m : Nat}, n ≤ m → n.succ ≤ m.succ",
    "Nat.le_of_succ_le_succ": "∀ {n m : Nat}, n.succ ≤ m.succ → n ≤ m",
    "Nat.lt_succ_of_le": "∀ {n m : Nat}, n ≤ m → n < m.succ",
    "Nat.le_of_lt_succ": "∀ {m n : Nat}, m < n.succ → m ≤ n",
    "Nat.lt_succ_iff": "∀ {m n : Nat}, m < n.succ ↔ m ≤ n",
    "Nat.eq_zero_or_pos": "∀ (n : Nat), n = 0 ∨ n > 0",
    "Nat.lt_or_ge": "∀ (a b : Nat), a < b ∨ a ≥ b",
    "Nat.le_total": "∀ (m n : Nat), m ≤ n ∨ n ≤ m",
    "Nat.mod_lt": "∀ (x : Nat) {y : Nat}, y > 0 → x % y < y",
    "Nat.add_le_add": "∀ {a b c d : Nat}, a ≤ b → c ≤ d → a + c ≤ b + d",
    "Nat.mul_le_mul": "∀ {p q m n : Nat}, p ≤ m → q ≤ n → p * q ≤ m * n",
    "Nat.lt_succ_self": "∀ (n : Nat), n < n.succ",
    "Nat.le_add_right": "∀ (n k : Nat), n ≤ n + k",
    "Nat.le_add_left": "∀ (n m : Nat), n ≤ m + n",
    "Nat.pos_of_ne_zero": "∀ {n : Nat}, n ≠ 0 → 0 < n",
    "Nat.ne_of_gt": "∀ {a b : Nat}, b < a → a ≠ b",
    "Nat.ne_of_lt": "∀ {a b : Nat}, a < b → a ≠ b",
    "Nat.le_of_eq": "∀ {n m : Nat}, n = m → n ≤ m",
    "Nat.not_succ_le_self": "∀ (n : Nat), ¬n.succ ≤ n",
    "Nat.add_le_add_left": "∀ {n m : Nat}, n ≤ m → ∀ (k : Nat), k + n ≤ k + m",
    "Nat.add_le_add_right": "∀ {n m : Nat}, n ≤ m → ∀ (k : Nat), n + k ≤ m + k",
    # Int
    "Int.add_comm": "∀ (a b : Int), a + b = b + a",
    "Int.add_assoc": "∀ (a b c : Int), a + b + c = a + (b + c)",
    "Int.mul_comm": "∀ (a b : Int), a * b = b * a",
    "Int.mul_assoc": "∀ (a b c : Int), a * b * c = a * (b * c)",
    "Int.add_zero": "∀ (a : Int), a + 0 = a",
    "Int.mul_zero": "∀ (a : Int), a * 0 = 0",
    "Int.zero_mul": "∀ (a : Int), 0 * a = 0",
    "Int.zero_add": "∀ (a : Int), 0 + a = a",
    "Int.mul_one": "∀ (a : Int), a * 1 = a",
    "Int.one_mul": "∀ (a : Int), 1 * a = a",
    "Int.sub_self": "∀ (a : Int), a - a = 0",
    "Int.neg_neg": "∀ (a : Int), - -a = a",
    "Int.le_refl": "∀ (a : Int), a ≤ a",
    "Int.lt_irrefl": "∀ (a : Int), ¬a < a",
    "Int.le_of_lt": "∀ {a b : Int}, a < b → a ≤ b",
    "Int.le_trans": "∀ {a b c : Int}, a ≤ b → b ≤ c → a ≤ c",
    "Int.lt_trans": "∀ {a b c : Int}, a < b → b < c → a < c",
    "Int.le_antisymm": "∀ {a b : Int}, a ≤ b → b ≤ a → a = b",
    # Logic
    "And.comm": "∀ {a b : Prop}, a ∧ b ↔ b ∧ a",
    "and_comm": "∀ {a b : Prop}, a ∧ b ↔ b ∧ a",
    "Or.comm": "∀ {a b : Prop}, a ∨ b ↔ b ∨ a",
    "or_comm": "∀ {a b : Prop}, a ∨ b ↔ b ∨ a",
    "And.symm": "∀ {a b : Prop}, a ∧ b → b ∧ a",
    "Or.symm": "∀ {a b : Prop}, a ∨ b → b ∨ a",
    "and_self": "∀ (p : Prop), (p ∧ p) = p",
    "not_not": "∀ {a : Prop}, ¬¬a ↔ a",
    "Classical.not_not": "∀ {a : Prop}, ¬¬a ↔ a",
    "Classical.em": "∀ (p : Prop), p ∨ ¬p",
    "em": "∀ (p : Prop), p ∨ ¬p",
    "Classical.byContradiction": "∀ {p : Prop}, (¬p → False) → p",
    "Decidable.em": "",  # needs an instance argument: not in the fragment
    "True.intro": "True",
    "trivial": "True",
    "Iff.rfl": "∀ {a : Prop}, a ↔ a",
    "Iff.refl": "∀ (a : Prop), a ↔ a",
    "id": "",
    "not_false": "¬False",
    "Nat.lt_irrefl'": "",
}

# Root-namespace names that Mathlib provides (`Mathlib/Logic/Basic.lean`) and core Lean 4 does
# not (core has `Classical.not_not`, `Classical.em`): unknown identifiers without Mathlib.
MATHLIB_ONLY_LEMMAS = frozenset({"not_not", "em"})

# Lemmas whose proofs (transitively) use classical axioms, as `#print axioms` reports them.
CLASSICAL_AXIOMS = ("propext", "Classical.choice", "Quot.sound")
LEMMA_AXIOMS: dict[str, tuple[str, ...]] = {
    "not_not": CLASSICAL_AXIOMS,
    "Classical.not_not": CLASSICAL_AXIOMS,
    "Classical.em": CLASSICAL_AXIOMS,
    "em": CLASSICAL_AXIOMS,
    "Classical.byContradiction": CLASSICAL_AXIOMS,
    "Nat.add_sub_cancel": ("propext",),
    "Int.neg_neg": ("propext",),
    "Int.sub_self": ("propext",),
    "and_self": ("propext",),
}
