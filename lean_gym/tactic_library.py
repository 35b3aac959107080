"""The goal-aware scripted tactic library: what a baseline without a model tries, and in which order.

Given a proof state (text only: the goals as Lean prints them), :class:`TacticLibrary` reads
the main goal's target and hypotheses and proposes tactics that fit their shape:

* closing: ``exact h`` for a hypothesis whose type is the target (also ``h.1``, ``h.2``,
  ``h.mp hx``, ``h.mpr hx``, ``f hx``, ``h.elim``, ``absurd hx hn``), ``assumption``,
  ``trivial``, ``rfl``, ``decide`` on closed propositions, ``omega`` on linear Nat/Int
  arithmetic, ``simp``, ``contradiction``, ``exists w`` with a witness found by evaluating the
  body over small numbers;
* structural: ``intro NAME`` (the binder's own name for ``∀``, ``hp`` for an assumption ``p``),
  ``constructor`` on ``∧``/``↔``, ``left``/``right`` on ``∨`` (the side a hypothesis proves
  first), ``refine ⟨w, ?_⟩`` on ``∃``, ``exfalso``, ``apply f`` for an implication that ends in
  the target, ``by_cases`` on a decidable disjunct;
* hypotheses: ``obtain ⟨ha, hb⟩ := h`` on ``∧``/``↔``, ``rcases h with ha | hb`` on ``∨``,
  ``obtain ⟨x, hx⟩ := h`` on ``∃``, ``subst``/``rw [h]``/``simp [h]`` on equations,
  ``simp at h`` on closed false facts;
* induction on a ``Nat`` variable of the target (plain, and with closing alternatives), and the
  ``Nat.pow_succ``/``Nat.mul_succ`` rewrites its successor case needs.

Each rule gives a weight; the weights of one state are normalised into probabilities with a
fixed share (:attr:`TacticLibrary.reserve`, 10% by default) left for "anything else", so the
pseudo-logprobs are honest: the probabilities of one state's candidates sum to at most 1.
Ties are broken by a hash of ``(seed, state, tactic)``, so a seed changes the order of equally
weighted tactics (and pass@k over seeds means something) while one seed is deterministic.
With ``temperature > 0`` the order is sampled (Gumbel top-k over the same probabilities, seeded
the same way); the logprobs stay the model's.

:meth:`TacticLibrary.segments` and :meth:`TacticLibrary.proofs` chain step proposals into
segments (up to the tactic that changes the number of goals, SEG-ATP's cut) and whole proofs
(with ``·`` bullets for the subgoals) by predicting, on the text alone, what the structural
tactics do (``intro``, ``obtain``, ``left``/``right``, ``exfalso``, ``constructor``,
``rcases``, ``by_cases``, ``refine ⟨w, ?_⟩``) and assuming closers close. A chain's
probability is the product of its steps', so these distributions are honest too. A prediction
is a guess: Lean decides.

Pure text and the standard library: no torch, no backend. ``agents.policies.scripted`` wraps
it as a policy; ``LeanCandidates-v0`` uses it for its default candidates.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from lean_gym.types import Goal, ProofState, normalize_whitespace

__all__ = [
    "Prop",
    "Hypothesis",
    "Suggestion",
    "RuleContext",
    "Rule",
    "DEFAULT_RULES",
    "TacticLibrary",
    "parse_prop",
    "parse_hypotheses",
    "suggest_tactics",
    "evaluate_arith",
]

_NUMERIC_TYPES = frozenset({"Nat", "Int", "ℕ", "ℤ"})
_SORTS = frozenset({"Prop", "Type", "Sort"})
_OPEN = "([{⟨"
_CLOSE = ")]}⟩"
_BINDERS = ("∀", "∃", "fun", "λ", "∃!")
_BINDER_HEADS = frozenset(word[0] for word in _BINDERS)
_RELATIONS = ("≠", "≤", "≥", "=", "<", ">")
_IDENT = re.compile(
    r"[A-Za-z_\u0370-\u03ff\u1f00-\u1fff][A-Za-z0-9_'\u0370-\u03ff\u2080-\u2089.!?✝]*"
)
_ARITH_ONLY = re.compile(r"^[\sA-Za-z0-9_'\u2080-\u2089+\-*/%^()]*$")


# --------------------------------------------------------------------------- propositions


@dataclass(frozen=True)
class Prop:
    """A proposition parsed from Lean's printed text (only the shape the rules look at).

    Attributes:
        kind: ``iff``, ``imp``, ``or``, ``and``, ``not``, ``forall``, ``exists``, ``rel``
            (``= ≠ < ≤ > ≥``), ``true``, ``false`` or ``atom`` (anything else).
        args: The sub-propositions (``imp``: premise, conclusion; ``forall``/``exists``: the
            body; ``not``: the negated proposition).
        text: The canonical text (minimal parentheses, folded white space): two propositions
            that print the same are equal.
        binders: For ``forall``/``exists``: ``((name, type or None), ...)``.
        op: For ``rel``: the relation symbol; ``lhs``/``rhs``: its sides as text.
    """

    kind: str
    args: tuple[Prop, ...] = ()
    text: str = ""
    binders: tuple[tuple[str, str | None], ...] = ()
    op: str = ""
    lhs: str = ""
    rhs: str = ""


_PRECEDENCE = {"iff": 20, "imp": 25, "or": 30, "and": 35, "not": 40}
_SYMBOL = {"iff": "↔", "imp": "→", "or": "∨", "and": "∧"}


def _depth_scan(text: str) -> Iterable[tuple[int, str, int]]:
    """(index, character, bracket depth before it) for every character of ``text``."""
    depth = 0
    for index, char in enumerate(text):
        if char in _CLOSE:
            depth -= 1
        yield index, char, depth
        if char in _OPEN:
            depth += 1


def _strip_parens(text: str) -> str:
    text = text.strip()
    while text[:1] == "(" and text[-1:] == ")":
        depth = 0
        for index, char in enumerate(text):
            if char in _OPEN:
                depth += 1
            elif char in _CLOSE:
                depth -= 1
                if depth == 0 and index < len(text) - 1:
                    return text
        text = text[1:-1].strip()
    return text


def _binder_start(text: str, index: int) -> bool:
    if text[index] not in _BINDER_HEADS:
        return False
    for word in _BINDERS:
        if text.startswith(word, index):
            before = text[index - 1] if index > 0 else " "
            after = text[index + len(word)] if index + len(word) < len(text) else " "
            word_like = word[0].isalpha()
            if not word_like or (not before.isalnum() and not after.isalnum() and after != "_"):
                return True
    return False


def _split_top(text: str, symbol: str) -> tuple[str, str] | None:
    """Splits at the first ``symbol`` outside brackets and before any binder."""
    for index, _char, depth in _depth_scan(text):
        if depth != 0:
            continue
        if _binder_start(text, index):
            return None
        if text.startswith(symbol, index):
            return text[:index], text[index + len(symbol) :]
    return None


def _split_relation(text: str) -> tuple[str, str, str] | None:
    for index, _char, depth in _depth_scan(text):
        if depth != 0:
            continue
        if _binder_start(text, index):
            return None
        for op in _RELATIONS:
            if text.startswith(op, index):
                return text[:index].strip(), op, text[index + len(op) :].strip()
    return None


def _parse_binders(text: str) -> tuple[tuple[str, str | None], ...]:
    text = text.strip()
    groups = re.findall(r"[(\[{]([^()\[\]{}]*)[)\]}]", text)
    if not groups:
        groups = [text]
    binders: list[tuple[str, str | None]] = []
    for group in groups:
        names, _, ty = group.partition(":")
        for name in names.split():
            binders.append((name, normalize_whitespace(ty) or None))
    return tuple(binders)


def _binder_text(binders: Sequence[tuple[str, str | None]]) -> str:
    parts: list[str] = []
    index = 0
    while index < len(binders):
        ty = binders[index][1]
        names = [binders[index][0]]
        while index + len(names) < len(binders) and binders[index + len(names)][1] == ty:
            names.append(binders[index + len(names)][0])
        parts.append(f"({' '.join(names)} : {ty})" if ty else " ".join(names))
        index += len(names)
    return " ".join(parts)


def _wrap(prop: Prop, context: int) -> str:
    precedence = _PRECEDENCE.get(prop.kind, 100)
    if prop.kind in ("forall", "exists") or precedence <= context:
        return f"({prop.text})"
    return prop.text


def _make(kind: str, *args: Prop) -> Prop:
    if kind == "not":
        inner = args[0]
        return Prop("not", args, "¬" + _wrap(inner, 39))
    left, right = args
    precedence = _PRECEDENCE[kind]
    # Right associative: the left operand needs parentheses at equal precedence.
    left_text = _wrap(left, precedence)
    right_text = _wrap(right, precedence - 1)
    return Prop(kind, args, f"{left_text} {_SYMBOL[kind]} {right_text}")


@functools.lru_cache(maxsize=32768)
def parse_prop(text: str) -> Prop:
    """Parses a printed proposition; what the grammar does not cover becomes an ``atom``."""
    text = _strip_parens(normalize_whitespace(text))
    if not text:
        return Prop("atom", text="")
    for kind in ("iff", "imp", "or", "and"):
        split = _split_top(text, _SYMBOL[kind])
        if split is not None and split[0].strip() and split[1].strip():
            return _make(kind, parse_prop(split[0]), parse_prop(split[1]))
    if text.startswith("¬"):
        return _make("not", parse_prop(text[1:]))
    for word, kind in (("∀", "forall"), ("∃", "exists")):
        if text.startswith(word) and not text.startswith("∃!"):
            rest = text[len(word) :]
            for index, char, depth in _depth_scan(rest):
                if depth == 0 and char == ",":
                    binders = _parse_binders(rest[:index])
                    if not binders:
                        break
                    body = parse_prop(rest[index + 1 :])
                    if kind == "forall":
                        shown = f"∀ {_binder_text(binders)}, {body.text}"
                    else:
                        names = " ".join(name for name, _ in binders)
                        shown = f"∃ {names}, {body.text}"
                    return Prop(kind, (body,), shown, binders=binders)
            return Prop("atom", text=text)
    if text == "True":
        return Prop("true", text=text)
    if text == "False":
        return Prop("false", text=text)
    relation = _split_relation(text)
    if relation is not None and relation[0] and relation[2]:
        lhs, op, rhs = relation
        lhs, rhs = _strip_parens(lhs), _strip_parens(rhs)
        return Prop("rel", text=f"{lhs} {op} {rhs}", op=op, lhs=lhs, rhs=rhs)
    return Prop("atom", text=text)


def _substitute(text: str, name: str, value: str) -> str:
    value = f"({value})" if not re.fullmatch(r"[\w'.]+", value) else value
    return re.sub(rf"(?<![\w'.]){re.escape(name)}(?![\w'✝])", lambda _m: value, text)


# --------------------------------------------------------------------------- arithmetic


_TOKEN = re.compile(r"\s*(\d+|[A-Za-z_][\w'.✝]*|[-+*/%^()])")


@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    tokens = tuple(_TOKEN.findall(text))
    if "".join(tokens).replace(" ", "") != text.replace(" ", ""):
        raise ValueError(f"not arithmetic: {text!r}")
    return tokens


def evaluate_arith(text: str, env: dict[str, int] | None = None, *, nat: bool = True) -> int:
    """Evaluates a Nat/Int expression with Lean's semantics (truncated Nat subtraction,
    ``x / 0 = 0``, Euclidean Int division).

    Raises:
        ValueError: For text outside ``+ - * / % ^``, numerals and the names in ``env``.
    """
    env = env or {}
    tokens = _tokens(text)
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        if position >= len(tokens):
            raise ValueError("unexpected end")
        position += 1
        return tokens[position - 1]

    def fix(value: int) -> int:
        return max(value, 0) if nat else value

    def div(a: int, b: int) -> int:
        if b == 0:
            return 0
        if nat:
            return a // b
        q = a // b if b > 0 else -((-a) // b)
        if a - q * b < 0:
            q = q - 1 if b > 0 else q + 1
        return q

    def mod(a: int, b: int) -> int:
        return a if b == 0 else a - div(a, b) * b

    def atom() -> int:
        token = take()
        if token == "(":
            value = additive()
            if take() != ")":
                raise ValueError("unbalanced parentheses")
            return value
        if token == "-":
            if nat:
                raise ValueError("negation of a Nat")
            return -power()
        if token.isdigit():
            return int(token)
        if token in env:
            return env[token]
        raise ValueError(f"unknown name {token!r}")

    def power() -> int:
        base = atom()
        if peek() == "^":
            take()
            exponent = power()
            if exponent < 0 or exponent > 64:
                raise ValueError("exponent out of range")
            return base**exponent
        return base

    def multiplicative() -> int:
        value = power()
        while peek() in ("*", "/", "%"):
            op = take()
            rhs = power()
            value = value * rhs if op == "*" else div(value, rhs) if op == "/" else mod(value, rhs)
        return value

    def additive() -> int:
        value = multiplicative()
        while peek() in ("+", "-"):
            op = take()
            rhs = multiplicative()
            value = fix(value + rhs) if op == "+" else fix(value - rhs)
        return value

    value = additive()
    if position != len(tokens):
        raise ValueError(f"trailing text in {text!r}")
    return value


def _holds(prop: Prop, env: dict[str, int], nat: bool) -> bool:
    """Decides a quantifier-free proposition over arithmetic (raises ValueError outside it)."""
    kind = prop.kind
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind == "not":
        return not _holds(prop.args[0], env, nat)
    if kind in ("and", "or", "imp", "iff"):
        a = _holds(prop.args[0], env, nat)
        b = _holds(prop.args[1], env, nat)
        return {"and": a and b, "or": a or b, "imp": (not a) or b, "iff": a == b}[kind]
    if kind == "rel":
        x = evaluate_arith(prop.lhs, env, nat=nat)
        y = evaluate_arith(prop.rhs, env, nat=nat)
        return {
            "=": x == y,
            "≠": x != y,
            "<": x < y,
            "≤": x <= y,
            ">": x > y,
            "≥": x >= y,
        }[prop.op]
    raise ValueError(f"cannot decide {prop.text!r}")


def _identifiers(text: str) -> set[str]:
    return {m.group(0) for m in _IDENT.finditer(text)}


# --------------------------------------------------------------------------- hypotheses


@dataclass(frozen=True)
class Hypothesis:
    """One name of the context and its type (``x y : Nat`` gives two)."""

    name: str
    type: str
    prop: Prop

    @property
    def accessible(self) -> bool:
        """False for Lean's inaccessible names (``h✝``): tactics cannot refer to them."""
        return "✝" not in self.name and self.name != "_"

    @property
    def is_data(self) -> bool:
        """True for a variable (``x : Nat``, ``p : Prop``, ``f : Nat → Nat``), not a proof."""
        head = self.type.split()[0] if self.type.split() else ""
        return head in _NUMERIC_TYPES or head in _SORTS or _is_function_type(self.type)


def _is_function_type(ty: str) -> bool:
    parts = [p.strip() for p in ty.split("→")]
    return len(parts) > 1 and all(p in _NUMERIC_TYPES or p in _SORTS for p in parts)


def parse_hypotheses(goal: Goal) -> list[Hypothesis]:
    """The context of ``goal`` as one :class:`Hypothesis` per bound name, in order."""
    out: list[Hypothesis] = []
    for line in goal.hypotheses:
        names, sep, ty = line.partition(" : ")
        if not sep:
            continue
        ty = normalize_whitespace(ty)
        prop = parse_prop(ty)
        for name in names.split():
            out.append(Hypothesis(name, ty, prop))
    return out


# --------------------------------------------------------------------------- suggestions


@dataclass(frozen=True)
class Suggestion:
    """One proposed tactic (or tactic block) with its pseudo-logprob.

    Attributes:
        text: The tactic, or for segments and proofs the newline-joined tactics.
        logprob: ``log`` of the probability the library gives it (<= 0; one state's
            probabilities sum to at most 1).
        rule: The rule (or ``+``-joined rules of a chain) that proposed it.
    """

    text: str
    logprob: float
    rule: str = ""


@dataclass
class RuleContext:
    """What a rule looks at: the main goal, parsed, and the other goals.

    Attributes:
        goal: The main goal.
        target: Its target, parsed.
        hypotheses: Its context, parsed.
        other_goals: The goals after it.
        numeric: Names of the context's Nat/Int variables and whether each is a Nat.
    """

    goal: Goal
    target: Prop
    hypotheses: list[Hypothesis]
    other_goals: tuple[Goal, ...] = ()
    numeric: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, goal: Goal, other_goals: Sequence[Goal] = ()) -> RuleContext:
        hyps = parse_hypotheses(goal)
        numeric = {
            h.name: h.type in ("Nat", "ℕ")
            for h in hyps
            if h.type in _NUMERIC_TYPES and h.accessible
        }
        return cls(goal, parse_prop(goal.target), hyps, tuple(other_goals), numeric)

    @property
    def names(self) -> set[str]:
        return {h.name for h in self.hypotheses}

    def proofs(self) -> list[Hypothesis]:
        """The accessible hypotheses that are proofs (not variables)."""
        return [h for h in self.hypotheses if h.accessible and not h.is_data]

    def fresh(self, base: str, taken: Iterable[str] = ()) -> str:
        """``base`` or ``base1``, ``base2``... whichever the context does not bind yet."""
        used = self.names | set(taken)
        if base not in used:
            return base
        for suffix in range(1, 100):
            if f"{base}{suffix}" not in used:
                return f"{base}{suffix}"
        return base + "'"

    def name_for(self, prop: Prop, taken: Iterable[str] = ()) -> str:
        """A readable hypothesis name for an assumption of ``prop`` (``hp`` for ``p``)."""
        if prop.kind == "atom" and re.fullmatch(r"[a-z]\w{0,2}", prop.text):
            return self.fresh("h" + prop.text, taken)
        if prop.kind == "not" and re.fullmatch(r"[a-z]\w{0,2}", prop.args[0].text):
            return self.fresh("hn" + prop.args[0].text, taken)
        return self.fresh("h", taken)

    def numeric_kind(self, text: str) -> bool | None:
        """True (Nat), False (Int) or None (not arithmetic over the context's variables)."""
        if not _ARITH_ONLY.match(text):
            return None
        names = _identifiers(text)
        if not names <= set(self.numeric):
            return None
        kinds = {self.numeric[n] for n in names}
        if len(kinds) > 1:
            return None
        return kinds.pop() if kinds else True


Rule = Callable[[RuleContext], Iterable[tuple[str, float]]]


def _is_arith(ctx: RuleContext, prop: Prop) -> bool:
    """A quantifier-free combination of relations over the context's Nat/Int variables."""
    if prop.kind == "rel":
        return (
            ctx.numeric_kind(prop.lhs) is not None
            and ctx.numeric_kind(prop.rhs) is not None
            and ctx.numeric_kind(f"{prop.lhs} + {prop.rhs}") is not None
        )
    if prop.kind in ("and", "or", "imp", "iff", "not"):
        return all(_is_arith(ctx, arg) for arg in prop.args)
    return prop.kind in ("true", "false")


def _is_linear(text: str) -> bool:
    """No product or power of two non-numerals (omega's fragment, roughly)."""
    return not re.search(r"[A-Za-z_)]\s*[*/%^]\s*[A-Za-z_(]", text) and not re.search(
        r"\^\s*[A-Za-z_(]", text
    )


def _closed(prop: Prop) -> bool:
    return not any(not t.isdigit() for t in _identifiers(prop.text))


@dataclass(frozen=True)
class _Fact:
    """A proof term the context provides and its proposition (a hypothesis, a projection of
    one, an instance of a ``∀`` hypothesis)."""

    term: str
    prop: Prop
    derived: bool


def _arg(term: str) -> str:
    return term if re.fullmatch(r"[\w'.]+|\(.*\)|⟨.*⟩", term) else f"({term})"


def _facts(ctx: RuleContext) -> list[_Fact]:
    """The context's proofs, their projections and their instances at the context's variables
    (at most two levels deep)."""
    facts: list[_Fact] = []
    variables = list(ctx.numeric)[:4]

    def add(term: str, prop: Prop, derived: bool, depth: int) -> None:
        facts.append(_Fact(term, prop, derived))
        if depth >= 2:
            return
        if prop.kind == "and":
            add(f"{term}.1", prop.args[0], True, depth + 1)
            add(f"{term}.2", prop.args[1], True, depth + 1)
        elif prop.kind == "iff":
            add(f"{term}.mp", _make("imp", *prop.args), True, depth + 1)
            add(f"{term}.mpr", _make("imp", prop.args[1], prop.args[0]), True, depth + 1)
        elif prop.kind == "forall" and prop.binders[0][1] in _NUMERIC_TYPES:
            binder = prop.binders[0][0]
            rest = prop.binders[1:]
            for variable in variables:
                body = _substitute(prop.args[0].text, binder, variable)
                shown = f"∀ {_binder_text(rest)}, {body}" if rest else body
                add(f"({term} {variable})", parse_prop(shown), True, depth + 1)

    for h in ctx.proofs():
        add(h.name, h.prop, False, 0)
    return facts


def _premises(prop: Prop, limit: int = 3) -> tuple[list[Prop], Prop]:
    """``A → B → C`` as ``([A, B], C)`` (at most ``limit`` premises)."""
    premises: list[Prop] = []
    while prop.kind == "imp" and len(premises) < limit:
        premises.append(prop.args[0])
        prop = prop.args[1]
    return premises, prop


def rule_close_by_hypothesis(ctx: RuleContext) -> Iterable[tuple[str, float]]:
    """``exact`` with a fact of the context (a hypothesis, a projection, an instance of a
    ``∀``), or with one applied to facts; ``apply`` when the premises are not at hand."""
    target = ctx.target
    facts = _facts(ctx)
    by_type: dict[str, _Fact] = {}
    for fact in facts:
        by_type.setdefault(fact.prop.text, fact)

    def evidence(prop: Prop) -> str | None:
        fact = by_type.get(prop.text)
        if fact is not None:
            return fact.term
        if _is_arith(ctx, prop) and prop.kind == "rel" and _is_linear(prop.text):
            return "(by omega)"
        return None

    if target.text in by_type:
        fact = by_type[target.text]
        yield f"exact {fact.term}", 45.0 if fact.derived else 60.0
    for fact in facts:
        p = fact.prop
        if p.kind == "imp":
            premises, conclusion = _premises(p)
            if conclusion.text == target.text:
                args = [evidence(premise) for premise in premises]
                if all(a is not None for a in args):
                    joined = " ".join(_arg(a) for a in args if a is not None)
                    weight = 45.0 if all(a != "(by omega)" for a in args) else 25.0
                    yield f"exact {fact.term} {joined}", weight
                if not fact.term.startswith("("):
                    yield f"apply {fact.term}", 12.0
            elif len(premises) == 1:
                # f (g x): the premise itself from a one-premise implication.
                for other in facts:
                    if other.prop.kind == "imp" and other.term != fact.term:
                        inner, result = _premises(other.prop, 1)
                        if result.text == premises[0].text and conclusion.text == target.text:
                            a = evidence(inner[0])
                            if a is not None:
                                yield f"exact {fact.term} ({other.term} {_arg(a)})", 35.0
        elif p.kind == "not" and target.kind == "false":
            a = evidence(p.args[0])
            if a is not None:
                yield f"exact {fact.term} {_arg(a)}", 45.0
            if not fact.term.startswith("("):
                yield f"apply {fact.term}", 12.0
        elif p.kind == "false":
            yield f"exact {fact.term}.elim", 50.0
        elif p.kind == "or" and not fact.derived:
            a, b = p.args
            left = by_type.get(_make("imp", a, target).text)
            right = by_type.get(_make("imp", b, target).text)
            if left is not None and right is not None:
                yield f"exact {fact.term}.elim {left.term} {right.term}", 40.0
    if target.kind != "false":
        for fact in facts:
            if fact.prop.kind == "not":
                positive = by_type.get(fact.prop.args[0].text)
                if positive is not None:
                    yield f"exact absurd {positive.term} {fact.term}", 40.0
    if facts:
        yield "assumption", 3.0


def rule_intro(ctx: RuleContext) -> Iterable[tuple[str, float]]:
    """``intro`` with the binder's name (``∀``) or a name made from the premise (``→``, ``¬``)."""
    target = ctx.target
    if target.kind == "forall":
        name = target.binders[0][0]
        if name not in ctx.names:
            yield f"intro {name}", 30.0
        else:
            yield f"intro {ctx.fresh(name)}", 20.0
    elif target.kind in ("imp", "not"):
        yield f"intro {ctx.name_for(target.args[0])}", 30.0


def rule_split_target(ctx: RuleContext) -> Iterable[tuple[str, float]]:
    """``constructor`` / ``exact ⟨a, b⟩`` on ``∧`` and ``↔``, ``left``/``right`` on ``∨``."""
    target = ctx.target
    facts = {h.prop.text: h.name for h in ctx.proofs()}
    if target.kind == "and":
        a, b = target.args
        if a.text in facts and b.text in facts:
            yield f"exact ⟨{facts[a.text]}, {facts[b.text]}⟩", 45.0
        yield "constructor", 20.0
    elif target.kind == "iff":
        a, b = target.args
        forward = facts.get(_make("imp", a, b).text)
        backward = facts.get(_make("imp", b, a).text)
        if forward and backward:
            yield f"exact ⟨{forward}, {backward}⟩", 45.0
        yield "constructor", 20.0
    elif target.kind == "or":
        a, b = target.args
        left = 10.0 + (25.0 if a.text in facts else 0.0)
        right = 10.0 + (25.0 if b.text in facts else 0.0)
        if a.text in facts:
            yield f"exact Or.inl {facts[a.text]}", 40.0
        if b.text in facts:
            yield f"exact Or.inr {facts[b.text]}", 40.0
        yield "left", left
        yield "right", right
        for side in (a, b):
            if side.kind == "rel" and _is_arith(ctx, side) and not _closed(side):
                yield f"by_cases h : {side.text}", 4.0
                break
    elif target.kind == "true":
        yield "trivial", 50.0


def _solve_for(name: str, prop: Prop) -> list[str]:
    """Witness texts that make a relation about ``name`` hold, read off its shape
    (``name + t = r`` gives ``r - t``; ``name > t`` gives ``t + 1``; ...)."""
    if prop.kind == "and":
        return _solve_for(name, prop.args[0]) + _solve_for(name, prop.args[1])
    if prop.kind != "rel":
        return []
    out: list[str] = []
    for lhs, op, rhs in (
        (prop.lhs, prop.op, prop.rhs),
        (prop.rhs, _FLIP.get(prop.op, ""), prop.lhs),
    ):
        if name in _identifiers(rhs):
            continue
        if lhs == name:
            out.append(
                {"=": rhs, "≥": rhs, "≤": rhs, ">": f"{rhs} + 1", "<": f"{rhs} - 1"}.get(op, rhs)
            )
            continue
        m = re.fullmatch(rf"{re.escape(name)} \+ (.+)|(.+) \+ {re.escape(name)}", lhs)
        if m and op == "=":
            other = m.group(1) or m.group(2)
            out.append(f"-{_arg(other)}" if rhs == "0" else f"{_arg(rhs)} - {_arg(other)}")
        m = re.fullmatch(rf"{re.escape(name)} - (.+)", lhs)
        if m and op == "=":
            out.append(f"{_arg(rhs)} + {_arg(m.group(1))}")
    return out


_FLIP = {"=": "=", "≠": "≠", "<": ">", ">": "<", "≤": "≥", "≥": "≤"}


def _witnesses(ctx: RuleContext, target: Prop) -> list[tuple[str, float]]:
    """Witnesses for ``∃ x, body``: solutions found by evaluating the body over small numbers
    (Nat first; Int too when the binder's type is not printed), read off the body's shape,
    then the context's variables, the body's numerals, 0 and 1."""
    name, ty = target.binders[0]
    body = target.args[0]
    if len(target.binders) > 1:
        body = Prop("exists", (body,), "", binders=target.binders[1:])
    out: list[tuple[str, float]] = []
    semantics = [ty not in ("Int", "ℤ")] if ty is not None else [True, False]
    for nat in semantics:
        found = 0
        for value in sorted(range(-20, 101), key=lambda v: (abs(v), v < 0)):
            if nat and value < 0:
                continue
            try:
                ok = _holds(body, {name: value}, nat)
            except (ValueError, KeyError, OverflowError):
                break
            if ok:
                out.append((str(value), 30.0 if found == 0 else 8.0))
                found += 1
                if found >= 2:
                    break
        if found:
            break
    for witness in _solve_for(name, body)[:3]:
        out.append((witness, 20.0))
    for variable in ctx.numeric:
        if variable != name:
            out.append((variable, 6.0))
    for numeral in sorted(set(re.findall(r"\d+", body.text)), key=int)[:3]:
        out.append((numeral, 3.0))
    out += [("0", 2.0), ("1", 1.5)]
    unique: dict[str, float] = {}
    for value, weight in out:
        unique[value] = max(weight, unique.get(value, 0.0))
    return sorted(unique.items(), key=lambda item: -item[1])[:6]


def rule_exists(ctx: RuleContext) -> Iterable[tuple[str, float]]:
    """``exists w`` (closes when ``trivial`` does) and ``refine ⟨w, ?_⟩`` on an ``∃`` target."""
    if ctx.target.kind != "exists":
        return
    for value, weight in _witnesses(ctx, ctx.target):
        yield f"exists {value}", weight
        yield f"refine ⟨{value}, ?_⟩", weight * 0.5


def rule_destruct(ctx: RuleContext) -> Iterable[tuple[str, float]]:
    """``obtain``/``rcases`` on ``∧ ∃ ↔ ∨`` hypotheses, with names from their parts."""
    for h in ctx.proofs():
        p = h.prop
        if p.kind == "and":
            a = ctx.name_for(p.args[0])
            b = ctx.name_for(p.args[1], taken=[a])
            yield f"obtain ⟨{a}, {b}⟩ := {h.name}", 14.0
        elif p.kind == "exists":
            variable = p.binders[0][0]
            variable = variable if variable not in ctx.names else ctx.fresh(variable)
            proof = ctx.fresh("h" + variable, taken=[variable])
            yield f"obtain ⟨{variable}, {proof}⟩ := {h.name}", 18.0
        elif p.kind == "iff":
            a = ctx.fresh("h1")
            b = ctx.fresh("h2", taken=[a])
            yield f"obtain ⟨{a}, {b}⟩ := {h.name}", 4.0
        elif p.kind == "or":
            a = ctx.name_for(p.args[0])
            b = ctx.name_for(p.args[1], taken=[a])
            if a == b:
                b = ctx.fresh(a + "'")
            yield f"rcases {h.name} with {a} | {b}", 14.0


def rule_false(ctx: RuleContext) -> Iterable[tuple[str, float]]:
    """``contradiction`` and ``exfalso`` when the context holds a negation or a false fact."""
    proofs = ctx.proofs()
    has_negation = any(h.prop.kind in ("not", "false") for h in proofs) or any(
        h.prop.kind == "imp" and h.prop.args[1].kind == "false" for h in proofs
    )
    false_fact = False
    for h in proofs:
        if h.prop.kind == "rel" and _closed(h.prop):
            with contextlib.suppress(ValueError):
                false_fact = false_fact or not _holds(h.prop, {}, True)
    if has_negation or false_fact:
        yield "contradiction", 10.0 if ctx.target.kind == "false" else 5.0
        if ctx.target.kind != "false":
            yield "exfalso", 6.0
    if false_fact:
        for h in proofs:
            if h.prop.kind == "rel" and _closed(h.prop):
                yield f"simp at {h.name}", 12.0


def rule_arithmetic(ctx: RuleContext) -> Iterable[tuple[str, float]]:
    """``decide``/``rfl`` on closed goals, ``omega`` on linear Nat/Int, ``simp`` otherwise."""
    target = ctx.target
    arith = _is_arith(ctx, target)
    context_arith = any(
        _is_arith(ctx, h.prop) and h.prop.kind not in ("true", "false") for h in ctx.proofs()
    )
    if arith and _closed(target):
        try:
            holds = _holds(target, {}, True)
        except (ValueError, OverflowError):
            holds = True
        if holds:
            yield "decide", 40.0
            if target.kind == "rel" and target.op == "=":
                yield "rfl", 15.0
    if arith and not _closed(target):
        linear = _is_linear(target.text)
        yield "omega", 35.0 if linear else 6.0
        if target.kind == "rel" and target.op == "=":
            yield "rfl", 25.0 if target.lhs == target.rhs else 5.0
    elif target.kind == "false" and context_arith:
        yield "omega", 25.0
    elif target.kind == "rel" and target.op == "=" and target.lhs == target.rhs:
        yield "rfl", 40.0
    if target.kind in ("rel", "and", "or", "not", "iff") or arith:
        yield "simp", 6.0


def rule_equations(ctx: RuleContext) -> Iterable[tuple[str, float]]:
    """``subst``, ``rw [h]`` and ``simp [h]`` with an equation of the context."""
    for h in ctx.proofs():
        p = h.prop
        if p.kind != "rel" or p.op != "=":
            continue
        mentioned = p.lhs in _identifiers(ctx.target.text) or p.lhs in ctx.target.text
        if (
            re.fullmatch(r"[\w']+", p.lhs)
            and p.lhs in ctx.numeric
            or (re.fullmatch(r"[\w']+", p.rhs) and p.rhs in ctx.numeric)
        ):
            yield f"subst {h.name}", 6.0
        if mentioned:
            yield f"rw [{h.name}]", 8.0
            yield f"simp [{h.name}]", 5.0


def rule_induction(ctx: RuleContext) -> Iterable[tuple[str, float]]:
    """``induction n`` on a Nat variable of the target, and the successor-case rewrites."""
    target_names = _identifiers(ctx.target.text)
    for name, is_nat in ctx.numeric.items():
        if not is_nat or name not in target_names:
            continue
        yield f"induction {name}", 7.0
        # One closing form (each closer runs omega, the slowest tactic: more forms cost more
        # than they prove; plain induction leaves the cases to the search).
        yield f"induction {name} with\n| zero => simp\n| succ k ih => omega", 5.0
    text = ctx.target.text
    if re.search(r"\^ \(\S+ \+ 1\)", text):
        yield "rw [Nat.pow_succ]", 10.0
    if re.search(r"\* \(\S+ \+ 1\)", text):
        yield "rw [Nat.mul_succ]", 6.0


DEFAULT_RULES: tuple[Rule, ...] = (
    rule_close_by_hypothesis,
    rule_split_target,
    rule_intro,
    rule_exists,
    rule_destruct,
    rule_false,
    rule_arithmetic,
    rule_equations,
    rule_induction,
)

# Tactics after which the library assumes the goal is closed (for chaining only).
_CLOSERS = re.compile(
    r"^(exact|assumption|trivial|rfl|decide|omega|simp|contradiction|exists|simp at|"
    r"induction \S+ with)\b"
)


# Suggestions of one state followed when chaining segments and proofs.
_BRANCHING = 6

# Distributions kept per library (a search revisits states; chaining revisits goals).
_CACHE_SIZE = 4096


def _unit(h: int) -> float:
    """A number in (0, 1) from a hash."""
    return (h % (2**53 - 1) + 0.5) / (2**53)


def _hash(*parts: object) -> int:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class TacticLibrary:
    """The scripted tactic library (see the module docstring).

    Args:
        seed: Breaks ties between equally weighted tactics (and seeds sampling).
        temperature: 0 for the most likely order; > 0 samples the order (Gumbel top-k) with
            the probabilities raised to ``1/temperature``.
        rules: The rules, in order (``DEFAULT_RULES``); each maps a :class:`RuleContext` to
            ``(tactic, weight)`` pairs.
        reserve: The probability share left for tactics the library does not propose.
        max_segment_length: Longest chained segment.
        max_proof_tactics: Most tactics in a chained whole proof.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        temperature: float = 0.0,
        rules: Sequence[Rule] = DEFAULT_RULES,
        reserve: float = 0.1,
        max_segment_length: int = 6,
        max_proof_tactics: int = 16,
    ):
        if not 0.0 < reserve < 1.0:
            raise ValueError(f"reserve must be in (0, 1), got {reserve!r}")
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature!r}")
        self.seed = int(seed)
        self.temperature = float(temperature)
        self.rules = tuple(rules)
        self.reserve = float(reserve)
        self.max_segment_length = int(max_segment_length)
        self.max_proof_tactics = int(max_proof_tactics)
        self._cache: dict[str, list[Suggestion]] = {}

    def reseed(self, seed: int) -> None:
        """Sets the tie-breaking and sampling seed."""
        self.seed = int(seed)
        self._cache.clear()

    # -- one step

    def distribution(self, goals: Sequence[Goal]) -> list[Suggestion]:
        """Every tactic the rules propose for the main goal, with normalised logprobs, most
        likely first (ties broken by the seed). Empty for a solved state."""
        if not goals:
            return []
        key = _goals_key(goals[:1])
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = items = self._distribution(goals[0], key)
        return items

    def _distribution(self, goal: Goal, key: str) -> list[Suggestion]:
        ctx = _context(goal)
        weights: dict[str, tuple[float, str]] = {}
        for rule in self.rules:
            try:
                proposals = list(rule(ctx))
            except (ValueError, IndexError, RecursionError):  # a rule must never break a search
                continue
            name = getattr(rule, "__name__", "rule").removeprefix("rule_")
            for text, weight in proposals:
                if weight <= 0 or not text.strip():
                    continue
                old = weights.get(text)
                if old is None or weight > old[0]:
                    weights[text] = (float(weight), name)
        if not weights:
            return []
        total = sum(w for w, _ in weights.values())
        scale = (1.0 - self.reserve) / total
        items = [
            Suggestion(text, math.log(weight * scale), rule)
            for text, (weight, rule) in weights.items()
        ]
        items.sort(key=lambda s: (-s.logprob, _hash(self.seed, key, s.text)))
        return items

    def suggest(self, state: ProofState | Sequence[Goal], k: int | None = None) -> list[Suggestion]:
        """The ``k`` first suggestions for ``state`` (all with ``k=None``), in the library's
        order: most likely first, or sampled with ``temperature > 0``."""
        goals = state.goals if isinstance(state, ProofState) else tuple(state)
        return self._order(self.distribution(goals), _goals_key(goals), k)

    def _order(self, items: list[Suggestion], key: str, k: int | None) -> list[Suggestion]:
        if self.temperature > 0 and len(items) > 1:

            def gumbel(s: Suggestion) -> float:
                u = _unit(_hash(self.seed, "gumbel", key, s.text))
                return s.logprob / self.temperature - math.log(-math.log(u))

            items = sorted(items, key=lambda s: -gumbel(s))
        return items if k is None else items[: max(0, k)]

    # -- chains

    def segments(self, state: ProofState | Sequence[Goal], k: int) -> list[Suggestion]:
        """Up to ``k`` segments: chains of predicted tactics ending with the first one that
        changes the number of goals (or cannot be predicted), most likely first."""
        goals = tuple(state.goals if isinstance(state, ProofState) else state)
        if not goals or k <= 0:
            return []
        beam_width = max(4, k)
        finished: list[tuple[float, list[str], list[str]]] = []
        beam: list[tuple[float, list[str], list[str], tuple[Goal, ...]]] = [(0.0, [], [], goals)]
        for _ in range(self.max_segment_length):
            expanded: list[tuple[float, list[str], list[str], tuple[Goal, ...]]] = []
            for logprob, tactics, rules, current in beam:
                for suggestion in self.distribution(current)[:_BRANCHING]:
                    new_logprob = logprob + suggestion.logprob
                    new_tactics = [*tactics, suggestion.text]
                    new_rules = [*rules, suggestion.rule]
                    predicted = predict(current, suggestion.text)
                    if predicted is None or len(predicted) != len(current):
                        finished.append((new_logprob, new_tactics, new_rules))
                    else:
                        expanded.append((new_logprob, new_tactics, new_rules, predicted))
            expanded.sort(key=lambda item: -item[0])
            beam = expanded[:beam_width]
            if not beam:
                break
        finished.extend((lp, t, r) for lp, t, r, _ in beam)
        return self._chains(finished, _goals_key(goals), k)

    def proofs(self, state: ProofState | Sequence[Goal], k: int) -> list[Suggestion]:
        """Up to ``k`` whole proofs (tactic blocks with ``·`` bullets for subgoals) for the
        state's goals, most likely first; each assumes that its closers close."""
        goals = tuple(state.goals if isinstance(state, ProofState) else state)
        if not goals or k <= 0:
            return []
        beam_width = max(4, k)
        # A partial proof: logprob, its lines as (bullet depth, starts a bullet, text), rules,
        # and the agenda of open goals as (goal, bullet depth, next tactic starts a bullet).
        Line = tuple[int, bool, str]
        Partial = tuple[float, list[Line], list[str], list[tuple[Goal, int, bool]]]
        beam: list[Partial] = [(0.0, [], [], [(goal, 0, False) for goal in goals])]
        finished: list[tuple[float, list[str], list[str]]] = []
        for _ in range(self.max_proof_tactics):
            expanded: list[Partial] = []
            for logprob, lines, rules, agenda in beam:
                (goal, depth, bullet), rest = agenda[0], agenda[1:]
                for suggestion in self.distribution((goal,))[:_BRANCHING]:
                    predicted = predict((goal,), suggestion.text)
                    if predicted is None:
                        if not _CLOSERS.match(suggestion.text):
                            continue  # an unpredictable tactic cannot be followed blindly
                        predicted = ()
                    if len(predicted) > 1:
                        children = [(child, depth + 1, True) for child in predicted]
                    else:
                        children = [(child, depth, False) for child in predicted]
                    item = (
                        logprob + suggestion.logprob,
                        [*lines, (depth, bullet, suggestion.text)],
                        [*rules, suggestion.rule],
                        children + rest,
                    )
                    if item[3]:
                        expanded.append(item)
                    else:
                        finished.append((item[0], [_render_proof(item[1])], item[2]))
            expanded.sort(key=lambda item: -item[0])
            beam = expanded[:beam_width]
            if not beam:
                break
        return self._chains(finished, _goals_key(goals), k)

    def _chains(
        self, chains: list[tuple[float, list[str], list[str]]], key: str, k: int
    ) -> list[Suggestion]:
        best: dict[str, Suggestion] = {}
        for logprob, tactics, rules in chains:
            text = "\n".join(tactics)
            if text not in best or best[text].logprob < logprob:
                best[text] = Suggestion(text, logprob, "+".join(rules))
        items = sorted(best.values(), key=lambda s: (-s.logprob, _hash(self.seed, key, s.text)))
        return self._order(items, key, k)


def _render_proof(lines: Sequence[tuple[int, bool, str]]) -> str:
    """A whole proof's text from its lines: ``(bullet depth, starts a bullet, tactic)``."""
    out: list[str] = []
    for depth, bullet, text in lines:
        if depth == 0:
            out.append(text)
            continue
        prefix = "  " * (depth - 1)
        head = "· " if bullet else "  "
        out.append(prefix + head + text.replace("\n", "\n" + prefix + "  "))
    return "\n".join(out)


def _goals_key(goals: Sequence[Goal]) -> str:
    return "\n\n".join(normalize_whitespace(Goal(g.hypotheses, g.target).pp()) for g in goals)


# --------------------------------------------------------------------------- prediction


def _with(
    goal: Goal,
    *,
    add: Sequence[tuple[str, str]] = (),
    remove: str | None = None,
    target: str | None = None,
) -> Goal:
    hyps = [line for line in goal.hypotheses if remove is None or line.split(" : ", 1)[0] != remove]
    hyps.extend(f"{name} : {ty}" for name, ty in add)
    return replace(goal, hypotheses=tuple(hyps), target=goal.target if target is None else target)


def predict(goals: Sequence[Goal], tactic: str) -> tuple[Goal, ...] | None:
    """What a structural tactic does to the main goal, predicted on the text alone.

    Returns:
        The goals afterwards (the untouched goals after the main goal's replacements), or None
        when the tactic's effect is not predicted (closers, rewrites, anything else).
    """
    return _predict(tuple(goals), tactic)


@functools.lru_cache(maxsize=16384)
def _context(goal: Goal) -> RuleContext:
    return RuleContext.of(goal)


@functools.lru_cache(maxsize=16384)
def _predict(goals: tuple[Goal, ...], tactic: str) -> tuple[Goal, ...] | None:
    if not goals:
        return None
    goal, rest = goals[0], tuple(goals[1:])
    ctx = _context(goal)
    target = ctx.target
    hyp_types = {h.name: h.prop for h in ctx.hypotheses}
    words = tactic.split()
    if not words or "\n" in tactic:
        return None
    head = words[0]
    new: tuple[Goal, ...] | None = None
    if head == "intro" and len(words) == 2:
        name = words[1]
        if name in ctx.names:
            return None
        if target.kind in ("imp", "not"):
            premise = target.args[0].text
            after = target.args[1].text if target.kind == "imp" else "False"
            new = (_with(goal, add=[(name, premise)], target=after),)
        elif target.kind == "forall":
            binder, ty = target.binders[0]
            if ty is None:
                return None
            body = target.args[0].text
            if name != binder:
                body = _substitute(body, binder, name)
            remaining = target.binders[1:]
            after = f"∀ {_binder_text(remaining)}, {body}" if remaining else body
            new = (_with(goal, add=[(name, ty)], target=after),)
    elif head in ("left", "right") and len(words) == 1 and target.kind == "or":
        new = (_with(goal, target=target.args[0 if head == "left" else 1].text),)
    elif head == "apply" and len(words) == 2 and words[1] in hyp_types:
        prop = hyp_types[words[1]]
        closes = prop.kind == "imp" and prop.args[1].text == target.text
        if closes or (prop.kind == "not" and target.kind == "false"):
            new = (_with(goal, target=prop.args[0].text),)
    elif head == "exfalso" and len(words) == 1:
        new = (_with(goal, target="False"),)
    elif head == "constructor" and len(words) == 1:
        if target.kind == "and":
            new = tuple(_with(goal, target=part.text) for part in target.args)
        elif target.kind == "iff":
            a, b = target.args
            new = (
                _with(goal, target=_make("imp", a, b).text),
                _with(goal, target=_make("imp", b, a).text),
            )
    else:
        obtain = re.fullmatch(r"obtain ⟨([\w']+), ([\w']+)⟩ := ([\w']+)", tactic)
        rcases = re.fullmatch(r"rcases ([\w']+) with ([\w']+) \| ([\w']+)", tactic)
        by_cases = re.fullmatch(r"by_cases ([\w']+) : (.+)", tactic)
        refine = re.fullmatch(r"refine ⟨(.+), \?_⟩", tactic)
        if obtain:
            a, b, source = obtain.groups()
            prop = hyp_types.get(source)
            if prop is None or {a, b} & (ctx.names - {source}):
                return None
            if prop.kind == "and":
                parts = [(a, prop.args[0].text), (b, prop.args[1].text)]
            elif prop.kind == "iff":
                x, y = prop.args
                parts = [(a, _make("imp", x, y).text), (b, _make("imp", y, x).text)]
            elif prop.kind == "exists":
                binder, ty = prop.binders[0]
                body = prop.args[0].text
                if a != binder:
                    body = _substitute(body, binder, a)
                remaining = prop.binders[1:]
                if remaining:
                    body = f"∃ {' '.join(n for n, _ in remaining)}, {body}"
                parts = [(a, ty or "Nat"), (b, body)]
            else:
                return None
            new = (_with(goal, add=parts, remove=source),)
        elif rcases:
            source, a, b = rcases.groups()
            prop = hyp_types.get(source)
            if prop is None or prop.kind != "or":
                return None
            new = (
                _with(goal, add=[(a, prop.args[0].text)], remove=source),
                _with(goal, add=[(b, prop.args[1].text)], remove=source),
            )
        elif by_cases:
            name, prop_text = by_cases.groups()
            if name in ctx.names:
                return None
            negated = _make("not", parse_prop(prop_text)).text
            new = (_with(goal, add=[(name, prop_text)]), _with(goal, add=[(name, negated)]))
        elif refine and target.kind == "exists":
            value = refine.group(1)
            binder = target.binders[0][0]
            body = _substitute(target.args[0].text, binder, value)
            remaining = target.binders[1:]
            if remaining:
                body = f"∃ {' '.join(n for n, _ in remaining)}, {body}"
            new = (_with(goal, target=body),)
    if new is None:
        return None
    return new + rest


def suggest_tactics(state: ProofState, k: int = 8, *, seed: int = 0) -> list[Suggestion]:
    """The ``k`` most likely tactics for ``state`` (a :class:`TacticLibrary` with defaults)."""
    return TacticLibrary(seed=seed).suggest(state, k)
