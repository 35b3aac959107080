"""The edge of the fragment: Mathlib notions MiniLean refuses with one named error.

A statement that mentions ``ℝ``, ``Finset.range``, ``n !``, ``Nat.Prime`` or ``a ≡ b [MOD n]``
is not a false statement, it is one MiniLean cannot read: it is refused with
``outside MiniLean's fragment: NAME`` (naming what was met, and the Lean constant behind a
notation), never with a misleading "unknown identifier" or a parse error, so that a dataset
report can group the problems by what they need.
"""

from __future__ import annotations

OUTSIDE_FRAGMENT = "outside MiniLean's fragment: "


def outside_fragment(what: str) -> str:
    """The error text for a Mathlib notion the fragment does not have."""
    return OUTSIDE_FRAGMENT + what


# Characters of Mathlib notation (the lexer meets them first) and what they stand for.
MATHLIB_CHARACTERS = {
    "∑": "∑ (Finset.sum)",
    "∏": "∏ (Finset.prod)",
    "≡": "≡ [MOD n] (Nat.ModEq)",
    "⁻": "⁻¹ (Inv.inv)",
    "√": "√ (Real.sqrt)",
    "π": "π (Real.pi)",
    "⌊": "⌊x⌋ (Int.floor)",
    "⌋": "⌊x⌋ (Int.floor)",
    "⌈": "⌈x⌉ (Int.ceil)",
    "⌉": "⌈x⌉ (Int.ceil)",
    "∞": "∞ (Top.top)",
    "∫": "∫ (MeasureTheory.integral)",
    "ᶜ": "ᶜ (HasCompl.compl)",
    "⊆": "⊆ (HasSubset.Subset)",
    "∩": "∩ (Inter.inter)",
    "∪": "∪ (Union.union)",
    "\\": "\\ (SDiff.sdiff)",
}

# Types of Mathlib (with Mathlib imported they exist; MiniLean has only Nat, Int and Prop).
MATHLIB_TYPES = frozenset(
    {"ℝ", "ℚ", "ℂ", "Real", "Rat", "Complex", "NNReal", "ENNReal", "EReal", "ZMod", "Finset"}
    | {"Set", "Polynomial", "Matrix", "Multiset", "PNat", "ℕ+", "Quaternion"}
)

# Mathlib constants statements use (definitions and predicates, not lemmas).
MATHLIB_CONSTANTS = frozenset(
    {
        "Nat.Prime",
        "Prime",
        "Nat.factorial",
        "Nat.choose",
        "Nat.sqrt",
        "Nat.digits",
        "Nat.divisors",
        "Nat.properDivisors",
        "Nat.totient",
        "Nat.primeFactors",
        "Nat.factorization",
        "Nat.ModEq",
        "Int.ModEq",
        "Nat.Coprime",
        "Nat.fib",
        "Int.floor",
        "Nat.floor",
        "Nat.ceil",
        "Equiv",
        "List.Pairwise",
        "Int.ceil",
        "Int.fract",
        "Int.sqrt",
        "Int.toNat'",
        "Even",
        "Odd",
        "abs",
        "IsLeast",
        "IsGreatest",
        "IsLUB",
        "IsGLB",
        "deriv",
        "Irrational",
        "StrictMono",
        "Monotone",
        "Squarefree",
        "padicValNat",
        "Function.Injective",
        "Function.Surjective",
        "Function.Bijective",
    }
)
MATHLIB_PREFIXES = (
    "Real.",
    "Complex.",
    "Finset.",
    "Set.",
    "Polynomial.",
    "Matrix.",
    "Multiset.",
    "MeasureTheory.",
    "Filter.",
    "ZMod.",
    "Rat.",
    "NNReal.",
    "EuclideanGeometry.",
)

# Names an `open` of these namespaces makes available unqualified (`open Real` gives `sqrt`).
_OPENED = {
    "Real": ("sqrt", "pi", "exp", "log", "cos", "sin", "tan", "arctan", "cosh", "sinh", "logb"),
    "Nat": ("factorial", "choose", "digits", "divisors", "totient", "Prime", "fib", "sqrt"),
    "Finset": ("range", "Icc", "Ico", "Ioc", "Ioo", "sum", "prod", "filter", "card"),
}


def mathlib_name(name: str, opens: tuple[str, ...] = ()) -> str | None:
    """The Mathlib constant ``name`` refers to (given the opened namespaces), or None."""
    if name in MATHLIB_TYPES or name in MATHLIB_CONSTANTS or name.startswith(MATHLIB_PREFIXES):
        return name
    for namespace in opens:
        if name in _OPENED.get(namespace, ()):
            return f"{namespace}.{name}"
    return None
