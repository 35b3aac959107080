"""Syntax of MiniLean's arithmetic fragment: validation, traversal and Lean-style printing.

Terms and formulas are plain tuples (see :mod:`lean_gym.backends.minilean.arith` for the grammar)
so that the tactic layer can build them without importing any class. Everything here is pure
Python and cheap to import.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

SORTS = ("Nat", "Int")
BINARY_OPS = ("+", "-", "*", "/", "%", "^")
RELATIONS = ("=", "≠", "<", "≤", ">", "≥")
CONNECTIVES = ("and", "or", "implies", "iff")
QUANTIFIERS = ("forall", "exists")

Term = tuple
Formula = tuple


def _fail(message: str, obj: Any) -> ValueError:
    return ValueError(f"{message}: {obj!r}")


def _check_sort(sort: Any, obj: Any) -> str:
    if sort not in SORTS:
        raise _fail(f"unknown sort {sort!r} (expected 'Nat' or 'Int')", obj)
    return sort


def _check_name(name: Any, obj: Any) -> str:
    if not isinstance(name, str) or not name:
        raise _fail("a variable or atom name must be a non-empty string", obj)
    return name


def _is_node(obj: Any) -> bool:
    return isinstance(obj, (tuple, list)) and len(obj) > 0 and isinstance(obj[0], str)


def validate_term(term: Any, scope: dict[str, str] | None = None) -> str:
    """Checks that ``term`` is a well-formed term and returns its sort.

    Args:
        term: the candidate term.
        scope: sorts of the variables bound around the term (by quantifiers); a variable of that
            name must have that sort.

    Raises:
        ValueError: the term is malformed or ill-sorted.
    """
    if not _is_node(term):
        raise _fail("a term must be a non-empty tuple whose first element is its tag", term)
    tag = term[0]
    if tag == "var":
        if len(term) != 3:
            raise _fail("('var', name, sort) expected", term)
        name = _check_name(term[1], term)
        sort = _check_sort(term[2], term)
        if scope is not None and name in scope and scope[name] != sort:
            raise _fail(
                f"variable {name} is bound with sort {scope[name]} but used as {sort}", term
            )
        return sort
    if tag == "lit":
        if len(term) != 3:
            raise _fail("('lit', value, sort) expected", term)
        value, sort = term[1], _check_sort(term[2], term)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail("a literal's value must be an int", term)
        if sort == "Nat" and value < 0:
            raise _fail("a Nat literal must be non-negative", term)
        return sort
    if tag == "neg":
        if len(term) != 3 or term[1] != "Int":
            raise _fail("('neg', 'Int', t) expected (negation exists on Int only)", term)
        if validate_term(term[2], scope) != "Int":
            raise _fail("the operand of an Int negation must be an Int", term)
        return "Int"
    if tag == "cast":
        if len(term) != 3 or term[1] != "Int":
            raise _fail("('cast', 'Int', t) expected (the coercion of a Nat to an Int)", term)
        if validate_term(term[2], scope) != "Nat":
            raise _fail("the operand of a cast must be a Nat", term)
        return "Int"
    if tag in BINARY_OPS:
        if len(term) != 4:
            raise _fail(f"({tag!r}, sort, t1, t2) expected", term)
        sort = _check_sort(term[1], term)
        left = validate_term(term[2], scope)
        right = validate_term(term[3], scope)
        if left != sort:
            raise _fail(f"left operand of {tag} has sort {left}, expected {sort}", term)
        expected_right = "Nat" if tag == "^" else sort
        if right != expected_right:
            raise _fail(f"right operand of {tag} has sort {right}, expected {expected_right}", term)
        return sort
    raise _fail(f"unknown term tag {tag!r}", term)


def validate_formula(formula: Any, scope: dict[str, str] | None = None) -> None:
    """Checks that ``formula`` is a well-formed formula.

    Raises:
        ValueError: the formula is malformed or ill-sorted.
    """
    if not _is_node(formula):
        raise _fail("a formula must be a non-empty tuple whose first element is its tag", formula)
    tag = formula[0]
    if tag in ("true", "false"):
        if len(formula) != 1:
            raise _fail(f"({tag!r},) expected", formula)
        return
    if tag == "atom":
        if len(formula) != 2:
            raise _fail("('atom', name) expected", formula)
        _check_name(formula[1], formula)
        return
    if tag in RELATIONS:
        if len(formula) != 3:
            raise _fail(f"({tag!r}, t1, t2) expected", formula)
        left = validate_term(formula[1], scope)
        right = validate_term(formula[2], scope)
        if left != right:
            raise _fail(f"the sides of {tag} have different sorts ({left} and {right})", formula)
        return
    if tag == "not":
        if len(formula) != 2:
            raise _fail("('not', f) expected", formula)
        validate_formula(formula[1], scope)
        return
    if tag in CONNECTIVES:
        if len(formula) != 3:
            raise _fail(f"({tag!r}, f, g) expected", formula)
        validate_formula(formula[1], scope)
        validate_formula(formula[2], scope)
        return
    if tag in QUANTIFIERS:
        if len(formula) != 4:
            raise _fail(f"({tag!r}, name, sort, f) expected", formula)
        name = _check_name(formula[1], formula)
        sort = _check_sort(formula[2], formula)
        validate_formula(formula[3], {**(scope or {}), name: sort})
        return
    raise _fail(f"unknown formula tag {tag!r}", formula)


def validate(obj: Any) -> str:
    """Validates a term or a formula; returns the term's sort, or ``"Prop"`` for a formula.

    Raises:
        ValueError: ``obj`` is malformed.
    """
    if _is_node(obj) and (obj[0] in ("var", "lit", "neg", "cast") or obj[0] in BINARY_OPS):
        return validate_term(obj)
    validate_formula(obj)
    return "Prop"


def term_free_vars(term: Term, bound: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    """Yields ``(name, sort)`` of every free variable occurrence of ``term``."""
    tag = term[0]
    if tag == "var":
        if term[1] not in bound:
            yield term[1], term[2]
    elif tag in ("neg", "cast"):
        yield from term_free_vars(term[2], bound)
    elif tag in BINARY_OPS:
        yield from term_free_vars(term[2], bound)
        yield from term_free_vars(term[3], bound)


def formula_free_vars(
    formula: Formula, bound: frozenset[str] = frozenset()
) -> Iterator[tuple[str, str]]:
    """Yields ``(name, sort)`` of every free variable occurrence of ``formula``."""
    tag = formula[0]
    if tag in RELATIONS:
        yield from term_free_vars(formula[1], bound)
        yield from term_free_vars(formula[2], bound)
    elif tag == "not":
        yield from formula_free_vars(formula[1], bound)
    elif tag in CONNECTIVES:
        yield from formula_free_vars(formula[1], bound)
        yield from formula_free_vars(formula[2], bound)
    elif tag in QUANTIFIERS:
        yield from formula_free_vars(formula[3], bound | {formula[1]})


def collect_free_vars(formulas: list[Formula]) -> dict[str, str]:
    """Maps each free variable of ``formulas`` to its sort.

    Raises:
        ValueError: one name is used with two sorts.
    """
    sorts: dict[str, str] = {}
    for formula in formulas:
        for name, sort in formula_free_vars(formula):
            if sorts.setdefault(name, sort) != sort:
                raise ValueError(f"variable {name} is used both as {sorts[name]} and as {sort}")
    return sorts


def formula_has_quantifier_or_atom(formula: Formula) -> bool:
    """Whether ``formula`` contains a quantifier or an opaque propositional atom."""
    tag = formula[0]
    if tag in QUANTIFIERS or tag == "atom":
        return True
    if tag == "not":
        return formula_has_quantifier_or_atom(formula[1])
    if tag in CONNECTIVES:
        return formula_has_quantifier_or_atom(formula[1]) or formula_has_quantifier_or_atom(
            formula[2]
        )
    return False


def substitute_var(formula: Formula, old: str, new_term: Term) -> Formula:
    """Replaces the free variable ``old`` by ``new_term`` (a variable, so no capture can occur)."""
    tag = formula[0]
    if tag in RELATIONS:
        return (
            tag,
            _substitute_term(formula[1], old, new_term),
            _substitute_term(formula[2], old, new_term),
        )
    if tag == "not":
        return ("not", substitute_var(formula[1], old, new_term))
    if tag in CONNECTIVES:
        return (
            tag,
            substitute_var(formula[1], old, new_term),
            substitute_var(formula[2], old, new_term),
        )
    if tag in QUANTIFIERS:
        if formula[1] == old:
            return formula
        return (tag, formula[1], formula[2], substitute_var(formula[3], old, new_term))
    return formula


def _substitute_term(term: Term, old: str, new_term: Term) -> Term:
    tag = term[0]
    if tag == "var":
        return new_term if term[1] == old else term
    if tag in ("neg", "cast"):
        return (tag, "Int", _substitute_term(term[2], old, new_term))
    if tag in BINARY_OPS:
        return (
            tag,
            term[1],
            _substitute_term(term[2], old, new_term),
            _substitute_term(term[3], old, new_term),
        )
    return term


# Lean 4 precedences: `+ -` 65 (left), `* / %` 70 (left), `^` 75 (right), prefix `-` 75 ("neg"
# is `-x` with `max` argument precedence), relations 50.
_PRECEDENCE = {"+": 65, "-": 65, "*": 70, "/": 70, "%": 70, "^": 75}


def term_to_lean(term: Term, cast_nat: bool = False) -> str:
    """Prints a term the way Lean 4 prints it.

    Args:
        term: the term.
        cast_nat: print a Nat term as omega shows it, as an Int with the casts pushed to the
            leaves (``↑x + 1``, ``↑x * ↑y``) except through truncated subtraction and powers.
    """
    return _print_term(term, 0, cast_nat)


def _print_term(term: Term, context: int, cast_nat: bool) -> str:
    tag = term[0]
    if tag == "var":
        return f"↑{term[1]}" if cast_nat and term[2] == "Nat" else term[1]
    if tag == "lit":
        text = str(term[1])
        return f"({text})" if term[1] < 0 and context > 0 else text
    if tag == "neg":
        text = "-" + _print_term(term[2], 75, cast_nat)
        return f"({text})" if context > 75 else text
    if tag == "cast":
        inner = term[2]
        if inner[0] in ("var", "lit"):
            return f"↑{_print_term(inner, 1024, False)}"
        return f"↑({_print_term(inner, 0, False)})"

    if cast_nat and term[1] == "Nat" and tag in ("-", "^"):
        return "↑(" + _print_term(term, 0, False) + ")"
    prec = _PRECEDENCE[tag]
    if tag == "^":
        left, right = prec + 1, prec
    else:
        left, right = prec, prec + 1
    right_cast = cast_nat and tag != "^"
    text = f"{_print_term(term[2], left, cast_nat)} {tag} {_print_term(term[3], right, right_cast)}"
    return f"({text})" if context > prec else text


def formula_to_lean(formula: Formula) -> str:
    """Prints a formula roughly the way Lean 4 prints it (used in messages and tests)."""
    return _print_formula(formula, 0)


def _print_formula(formula: Formula, context: int) -> str:
    tag = formula[0]
    if tag == "true":
        return "True"
    if tag == "false":
        return "False"
    if tag == "atom":
        return formula[1]
    if tag in RELATIONS:
        text = f"{term_to_lean(formula[1])} {tag} {term_to_lean(formula[2])}"
        return f"({text})" if context > 50 else text
    if tag == "not":
        # `¬` is `notation:max "¬" p:40`: `¬a = b`, but `¬(a ∧ b)`.
        return "¬" + _print_formula(formula[1], 40)
    if tag in CONNECTIVES:
        symbol, prec, lassoc = {
            "and": ("∧", 35, False),
            "or": ("∨", 30, False),
            "implies": ("→", 25, False),
            "iff": ("↔", 20, False),
        }[tag]
        left_ctx, right_ctx = (prec, prec + 1) if lassoc else (prec + 1, prec)
        text = (
            f"{_print_formula(formula[1], left_ctx)} {symbol} "
            f"{_print_formula(formula[2], right_ctx)}"
        )
        return f"({text})" if context > prec else text
    if tag == "forall":
        text = f"∀ ({formula[1]} : {formula[2]}), {_print_formula(formula[3], 0)}"
    else:
        text = f"∃ {formula[1]}, {_print_formula(formula[3], 0)}"
    return f"({text})" if context > 0 else text
