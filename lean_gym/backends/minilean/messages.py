"""Lean 4's wording of the errors MiniLean reports, in one place.

Each function returns the text Lean's elaborator or tactic framework would print (``throwError``
messages of ``Lean/Elab``); positions are the caller's business. Messages that are MiniLean's
own (the fragment's limits) start with ``MiniLean:`` and stay next to the code that raises
them. The arithmetic procedures' wordings live in :mod:`lean_gym.backends.minilean.arith.messages`.
"""

from __future__ import annotations

from lean_gym.backends.minilean.expr import Expr

NO_GOALS = "No goals to be solved"
INTRO_FAILED = "tactic 'introN' failed, insufficient number of binders"

# The structure a field is looked up in (``h.foo`` resolves ``C.foo`` for the head constant
# ``C`` of ``h``'s type; a function type resolves in ``Function``).
_STRUCTURE_OF_KIND = {
    "and": "And",
    "or": "Or",
    "iff": "Iff",
    "ex": "Exists",
    "not": "Not",
    "pi": "Function",
    "true": "True",
    "false": "False",
}
_STRUCTURE_OF_RELATION = {"=": "Eq", "≠": "Ne", "<": "LT.lt", "≤": "LE.le", ">": "GT.gt"}
_STRUCTURE_OF_RELATION["≥"] = "GE.ge"


def unknown_identifier(name: str) -> str:
    return f"Unknown identifier `{name}`"


def type_mismatch(
    term: str, got: str, expected: str, got_sort: str = "Prop", expected_sort: str = "Prop"
) -> str:
    """``throwTypeMismatchError``: ``term`` has type ``got`` where ``expected`` was wanted."""
    return (
        f"type mismatch\n  {term}\nhas type\n  {got} : {got_sort}\n"
        f"but is expected to have type\n  {expected} : {expected_sort}"
    )


def application_type_mismatch(app: str, arg: str, got: str, expected: str) -> str:
    """``throwAppTypeMismatch``: the argument ``arg`` of the application ``app``."""
    return (
        f"application type mismatch\n  {app}\nargument\n  {arg}\nhas type\n  {got} : Prop\n"
        f"but is expected to have type\n  {expected} : Prop"
    )


def function_expected(term: str, ty: str) -> str:
    return f"function expected at\n  {term}\nterm has type\n  {ty}"


def synthesize_placeholder(context: str, target: str) -> str:
    """``_`` with no way to fill it; ``context`` is the goal's hypotheses block."""
    return f"don't know how to synthesize placeholder\ncontext:\n{context}⊢ {target}"


def synthesize_implicit(context: str, target: str) -> str:
    return f"don't know how to synthesize implicit argument\ncontext:\n{context}⊢ {target}"


def structure_name(ty: Expr) -> str:
    """The namespace Lean's field notation searches for a value of type ``ty``."""
    if ty[0] == "rel":
        return _STRUCTURE_OF_RELATION.get(ty[1], "?")
    return _STRUCTURE_OF_KIND.get(ty[0], "?")


def invalid_field(field: str, ty: Expr, term: str, shown_type: str) -> str:
    """``h.field`` where the structure of ``h``'s type has no such field."""
    return (
        f"invalid field '{field}', the environment does not contain "
        f"'{structure_name(ty)}.{field}'\n  {term}\nhas type\n  {shown_type}"
    )


def unsolved_goals(goal_texts: list[str]) -> str:
    return "unsolved goals\n" + "\n\n".join(goal_texts)


def not_inductive(shown_type: str) -> str:
    """An anonymous constructor ``⟨...⟩`` against a type that is not a structure."""
    return "invalid constructor ⟨...⟩, expected type must be an inductive type \n  " + shown_type


def subst_not_equation(shown_type: str) -> str:
    return (
        "Tactic `subst` failed: invalid equality proof, it is not of the form (x = t) or "
        f"(t = x)\n  {shown_type}"
    )


def tactic_failed(tactic: str, goal_text: str) -> str:
    """``Tactic `assumption` failed`` and the like, followed by the goal."""
    return f"Tactic `{tactic}` failed\n\n{goal_text}"
