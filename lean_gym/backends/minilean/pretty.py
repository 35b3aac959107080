"""Printing expressions and goals the way Lean 4's delaborator and parenthesizer do.

Precedences follow Lean core notation: ``↔`` 20, ``→`` 25 (right), ``∨`` 30 (right), ``∧`` 35
(right), ``¬`` takes its argument at 40, relations 50, ``+ -`` 65 (left), ``* / %`` 70 (left),
``^`` 75 (right), unary ``-`` 75. Binder notations (``∀ ∃ fun``) extend to the right and need
parentheses only when something follows them. Long lines are not wrapped at width 100 (Lean
does); goals in the fragment are short.
"""

from __future__ import annotations

from lean_gym.backends.minilean.expr import Expr, has_loose_bvar
from lean_gym.backends.minilean.goals import Goal

MAX_PREC = 1024
LEAD_PREC = 1023
_BIN_PREC = {"+": (65, 65, 66), "-": (65, 65, 66), "*": (70, 70, 71), "/": (70, 70, 71)}
_BIN_PREC["%"] = (70, 70, 71)
_BIN_PREC["^"] = (75, 76, 75)
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class Printer:
    """Prints expressions with given names for locals.

    Args:
        names: Display name of each local id.
        mathlib: Print ``Nat``/``Int`` as ``ℕ``/``ℤ`` (Mathlib's notation).
    """

    def __init__(self, names: dict[int, str] | None = None, mathlib: bool = False):
        self.names = names or {}
        self.mathlib = mathlib

    def pp(self, e: Expr) -> str:
        return self._fmt(e, [], 0, True)

    def _paren(self, text: str, need: bool) -> str:
        return f"({text})" if need else text

    def _fmt(self, e: Expr, bound: list[str], prec: int, trailing: bool) -> str:
        k = e[0]
        if k == "fvar":
            return self.names.get(e[1], f"_fvar.{e[1]}")
        if k == "bvar":
            i = e[1]
            return bound[-1 - i] if i < len(bound) else f"#{i}"
        if k == "mvar":
            return f"?m.{e[1]}"
        if k == "const":
            name = e[1]
            if self.mathlib and name in ("Nat", "Int"):
                return "ℕ" if name == "Nat" else "ℤ"
            return name
        if k == "lit":
            return str(e[1])
        if k == "true":
            return "True"
        if k == "false":
            return "False"
        if k == "succ":
            return self._fmt(e[1], bound, MAX_PREC, False) + ".succ"
        if k == "neg":
            inner = self._fmt(e[1], bound, 75, trailing or prec <= 75)
            sep = " " if inner.startswith("-") else ""
            return self._paren(f"-{sep}{inner}", prec > 75)
        if k == "bin":
            p, lp, rp = _BIN_PREC[e[1]]
            need = prec > p
            t = trailing or need
            lhs = self._fmt(e[3], bound, lp, False)
            rhs = self._fmt(e[4], bound, rp, t)
            return self._paren(f"{lhs} {e[1]} {rhs}", need)
        if k == "rel":
            need = prec > 50
            t = trailing or need
            lhs = self._fmt(e[3], bound, 51, False)
            rhs = self._fmt(e[4], bound, 51, t)
            return self._paren(f"{lhs} {e[1]} {rhs}", need)
        if k == "not":
            return "¬" + self._fmt(e[1], bound, 40, trailing or prec <= MAX_PREC)
        if k in ("and", "or", "iff"):
            sym, p, lp, rp = {
                "and": ("∧", 35, 36, 35),
                "or": ("∨", 30, 31, 30),
                "iff": ("↔", 20, 21, 21),
            }[k]
            need = prec > p
            t = trailing or need
            lhs = self._fmt(e[1], bound, lp, False)
            rhs = self._fmt(e[2], bound, rp, t)
            return self._paren(f"{lhs} {sym} {rhs}", need)
        if k == "pi":
            if not has_loose_bvar(e[3], 0):
                need = prec > 25
                t = trailing or need
                lhs = self._fmt(e[2], bound, 26, False)
                rhs = self._fmt(e[3], bound + ["_"], 25, t)
                return self._paren(f"{lhs} → {rhs}", need)
            return self._binder_group(e, bound, prec, trailing)
        if k == "ex":
            names: list[str] = []
            body = e
            inner = list(bound)
            while body[0] == "ex":
                names.append(body[1].name)
                inner.append(body[1].name)
                body = body[3]
            text = f"∃ {' '.join(names)}, {self._fmt(body, inner, 0, True)}"
            return self._paren(text, not trailing or prec > LEAD_PREC)
        if k == "lam":
            name = e[1].name
            text = f"fun {name} => {self._fmt(e[3], bound + [name], 0, True)}"
            return self._paren(text, not trailing or prec > LEAD_PREC)
        if k == "call":
            f = self._fmt(e[1], bound, MAX_PREC, False)
            args = " ".join(self._fmt(a, bound, MAX_PREC, False) for a in e[2])
            return self._paren(f"{f} {args}", prec > MAX_PREC - 1)
        if k == "arrow":
            names = [self._fmt(("const", d), bound, 0, False) for d in (*e[1], e[2])]
            return self._paren(" → ".join(names), prec > 25)
        if k == "app":
            f = self._fmt(e[1], bound, MAX_PREC, False)
            a = self._fmt(e[2], bound, MAX_PREC, trailing)
            return self._paren(f"{f} {a}", prec > MAX_PREC - 1)
        return f"<{k}>"

    def _binder_group(self, e: Expr, bound: list[str], prec: int, trailing: bool) -> str:
        groups: list[tuple[list[str], str, bool]] = []
        inner = list(bound)
        body = e
        while body[0] == "pi" and has_loose_bvar(body[3], 0):
            binder = body[1]
            dom = self._fmt(body[2], inner, 0, True)
            if groups and groups[-1][1] == dom and groups[-1][2] == binder.implicit:
                groups[-1][0].append(binder.name)
            else:
                groups.append(([binder.name], dom, binder.implicit))
            inner.append(binder.name)
            body = body[3]
        parts = []
        for names, dom, implicit in groups:
            open_, close = ("{", "}") if implicit else ("(", ")")
            parts.append(f"{open_}{' '.join(names)} : {dom}{close}")
        text = f"∀ {' '.join(parts)}, {self._fmt(body, inner, 0, True)}"
        return self._paren(text, not trailing or prec > LEAD_PREC)


def display_names(goal: Goal) -> dict[int, str]:
    """Display names of a goal's locals: shadowed or inaccessible ones get ``✝`` suffixes.

    As Lean's ``sanitizeNames``: walking from the newest local, an inaccessible or shadowed name
    becomes ``n✝``, then ``n✝¹``, ``n✝²`` ... for older ones with the same base name.
    """
    names: dict[int, str] = {}
    seen_accessible: set[str] = set()
    dagger_count: dict[str, int] = {}
    for d in reversed(goal.ctx):
        if not d.inaccessible and d.name not in seen_accessible:
            names[d.fid] = d.name
            seen_accessible.add(d.name)
            continue
        n = dagger_count.get(d.name, 0)
        dagger_count[d.name] = n + 1
        suffix = "✝" + (str(n).translate(_SUPERSCRIPTS) if n else "")
        names[d.fid] = d.name + suffix
    return names


def pp_goal(goal: Goal, mathlib: bool = False) -> str:
    """The goal as Lean prints it: case line, grouped hypotheses, ``⊢ target``."""
    names = display_names(goal)
    printer = Printer(names, mathlib)
    lines: list[str] = []
    if goal.tag:
        lines.append(f"case {goal.tag}")
    group_names: list[str] = []
    group_type: str | None = None
    for d in goal.ctx:
        t = printer.pp(d.type)
        if group_type is not None and t == group_type:
            group_names.append(names[d.fid])
            continue
        if group_type is not None:
            lines.append(f"{' '.join(group_names)} : {group_type}")
        group_names = [names[d.fid]]
        group_type = t
    if group_type is not None:
        lines.append(f"{' '.join(group_names)} : {group_type}")
    lines.append(f"⊢ {printer.pp(goal.target)}")
    return "\n".join(lines)


def pp_expr(goal: Goal | None, e: Expr, mathlib: bool = False) -> str:
    names = display_names(goal) if goal is not None else {}
    return Printer(names, mathlib).pp(e)
