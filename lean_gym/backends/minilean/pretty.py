"""Printing expressions and goals the way Lean 4's delaborator and parenthesizer do.

Precedences follow Lean core notation: ``↔`` 20, ``→`` 25 (right), ``∨`` 30 (right), ``∧`` 35
(right), ``¬`` takes its argument at 40, relations 50, ``+ -`` 65 (left), ``* / %`` 70 (left),
``^`` 75 (right), unary ``-`` 75. Binder notations (``∀ ∃ fun``) extend to the right and need
parentheses only when something follows them. Long lines are not wrapped at width 100 (Lean
does); goals in the fragment are short.

Applications of the known core functions use generalized field notation (``a.gcd b`` for
``Nat.gcd a b``) except on a numeral (``Nat.gcd 180 168``), as Lean's
``appFieldNotationCandidate?`` decides. With Mathlib, its binder-predicate delaborators
(``Mathlib/Util/Delaborators.lean``) print ``∀ x, x > 0 → p`` as ``∀ x > 0, p`` and
``∃ x, x < 5 ∧ p`` as ``∃ x < 5, p`` (for ``> < ≥ ≤``), and such an ``∃`` does not merge with
the ones around it.
"""

from __future__ import annotations

from lean_gym.backends.minilean.expr import Expr, has_loose_bvar
from lean_gym.backends.minilean.functions import function_of
from lean_gym.backends.minilean.goals import Goal

MAX_PREC = 1024
LEAD_PREC = 1023
_BIN_PREC = {"+": (65, 65, 66), "-": (65, 65, 66), "*": (70, 70, 71), "/": (70, 70, 71)}
_BIN_PREC["%"] = (70, 70, 71)
_BIN_PREC["^"] = (75, 76, 75)
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# Relations Mathlib's delaborators fold into a binder (`∀ x > 0, p`, `∃ x ≤ n, p`).
_BINDER_PREDICATES = (">", "<", "≥", "≤")


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
            if e[1][0] == "lit":  # no field notation on a numeral
                return self._paren(f"Nat.succ {e[1][1]}", prec > MAX_PREC - 1)
            return self._fmt(e[1], bound, MAX_PREC, False) + ".succ"
        if k == "cast":
            return "↑" + self._fmt(e[1], bound, MAX_PREC, False)
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
        if k in ("rel", "dvd"):
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
            return self._paren(self._exists(e, bound), not trailing or prec > LEAD_PREC)
        if k == "lam":
            name = e[1].name
            text = f"fun {name} => {self._fmt(e[3], bound + [name], 0, True)}"
            return self._paren(text, not trailing or prec > LEAD_PREC)
        if k == "call":
            fn = function_of(e)
            args = [self._fmt(a, bound, MAX_PREC, False) for a in e[2]]
            if fn is not None and e[2][0][0] != "lit":
                head = f"{args[0]}.{fn.field}"
                if len(args) == 1:
                    return head
                return self._paren(" ".join([head, *args[1:]]), prec > MAX_PREC - 1)
            f = self._fmt(e[1], bound, MAX_PREC, False)
            return self._paren(f"{f} {' '.join(args)}", prec > MAX_PREC - 1)
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
        cute: str | None = None
        while body[0] == "pi" and has_loose_bvar(body[3], 0):
            binder = body[1]
            dom = self._fmt(body[2], inner, 0, True)
            grouped = groups and groups[-1][1] == dom and groups[-1][2] == binder.implicit
            if not grouped and not binder.implicit and self._predicate_of(body, "pi"):
                # `∀ (x : T), x > z → p`, alone in its group: `∀ x > z, p` (Mathlib).
                cute = self._predicate_binder("∀", body, inner)
                break
            if grouped:
                groups[-1][0].append(binder.name)
            else:
                groups.append(([binder.name], dom, binder.implicit))
            inner.append(binder.name)
            body = body[3]
        rest = cute if cute is not None else self._fmt(body, inner, 0, True)
        if not groups:
            return self._paren(rest, not trailing or prec > LEAD_PREC)
        parts = []
        for names, dom, implicit in groups:
            open_, close = ("{", "}") if implicit else ("(", ")")
            parts.append(f"{open_}{' '.join(names)} : {dom}{close}")
        text = f"∀ {' '.join(parts)}, {rest}"
        return self._paren(text, not trailing or prec > LEAD_PREC)

    def _predicate_of(self, e: Expr, kind: str) -> bool:
        """Whether the binder ``e`` (``∀``/``∃``) prints with a binder predicate (Mathlib only):
        its body is ``x op z → p`` (``x op z ∧ p`` for ``∃``) about the bound variable."""
        if not self.mathlib:
            return False
        body = e[3]
        if kind == "pi":
            if body[0] != "pi" or has_loose_bvar(body[3], 0):
                return False
            pred = body[2]
        else:
            if body[0] != "and":
                return False
            pred = body[1]
        return pred[0] == "rel" and pred[1] in _BINDER_PREDICATES and pred[3] == ("bvar", 0)

    def _predicate_binder(self, quantifier: str, e: Expr, bound: list[str]) -> str:
        """``∀ x > z, p`` / ``∃ x > z, p`` for a binder accepted by :meth:`_predicate_of`."""
        name = e[1].name
        inner = [*bound, name]
        pred = e[3][2] if quantifier == "∀" else e[3][1]
        rest = e[3][3] if quantifier == "∀" else e[3][2]
        rest_bound = [*inner, "_"] if quantifier == "∀" else inner
        z = self._fmt(pred[4], inner, 51, False)
        return f"{quantifier} {name} {pred[1]} {z}, {self._fmt(rest, rest_bound, 0, True)}"

    def _exists(self, e: Expr, bound: list[str]) -> str:
        """An ``∃`` chain: consecutive binders merge (``∃ x y, p``), a binder predicate does not."""
        if self._predicate_of(e, "ex"):
            return self._predicate_binder("∃", e, bound)
        names: list[str] = []
        body = e
        inner = list(bound)
        while body[0] == "ex" and not self._predicate_of(body, "ex"):
            names.append(body[1].name)
            inner.append(body[1].name)
            body = body[3]
        return f"∃ {' '.join(names)}, {self._fmt(body, inner, 0, True)}"


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
    """The goal as Lean prints it: case line, grouped hypotheses, ``⊢ target`` (computed once
    per goal object and flag: the text is a function of both)."""
    printed = goal._printed
    if printed is None:
        printed = {}
        object.__setattr__(goal, "_printed", printed)
    text = printed.get(mathlib)
    if text is None:
        text = printed[mathlib] = _pp_goal(goal, mathlib)
    return text


def _pp_goal(goal: Goal, mathlib: bool) -> str:
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
