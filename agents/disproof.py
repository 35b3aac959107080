"""Disproving conjectures: small instances, a counterexample search, and proving the negation.

A conjecturer's statement is kept only when an attempt to disprove it fails (STP's filter,
with MiniLean's soundness behind it). Three attempts, cheapest first:

1. **Small instances**: every assignment of small values to the statement's variables (``Nat``
   in ``0..small_nat``, ``Int`` in ``-small_int..small_int``, ``Prop`` in ``{False, True}``),
   decided with Lean's own arithmetic (truncated ``Nat`` subtraction, ``x / 0 = 0``, Lean's
   ``Int`` division: :func:`lean_gym.tactic_library.evaluate_arith`). A proposition the
   evaluator cannot decide (a quantifier inside a hypothesis, a function variable, ``∣``...) is
   *unknown*, never false; ``∃ x, P x`` is true when a small witness is found, unknown
   otherwise. An assignment under which every hypothesis is true and the conclusion false is a
   counterexample.
2. **Counterexample search**: seeded random assignments over a wider range.
3. **Proving the negation**: the backend is asked to prove ``¬ CLOSURE`` (the universal closure
   of the statement), with the counterexample when one was found (``intro h; have hc := h 3 0;
   omega``, or ``decide`` on the instance), else with a few generic tactic scripts (``decide``;
   ``intro h; obtain ⟨x, hx⟩ := h; omega`` for an ``∃``...).

A conjecture counts as **disproved** only when the backend verified a proof of its negation
through :mod:`lean_gym.integrity` (``backend.verify``): a sound backend never proves the
negation of a true statement, so a disproved conjecture is false. A counterexample the backend
could not confirm still rejects the conjecture (``refuted``), but is counted apart.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.statements import Statement
from lean_gym.errors import LeanGymError
from lean_gym.tactic_library import Prop, evaluate_arith, parse_prop
from lean_gym.types import Theorem

__all__ = [
    "DisproofConfig",
    "Disproof",
    "Instance",
    "try_disprove",
    "negation_theorem",
    "counterexamples",
]

_NAT = frozenset({"Nat", "ℕ"})
_INT = frozenset({"Int", "ℤ"})


@dataclass(frozen=True)
class DisproofConfig:
    """How hard to try.

    Attributes:
        small_nat: Small instances: ``Nat`` variables range over ``0..small_nat``.
        small_int: ``Int`` variables over ``-small_int..small_int``.
        max_instances: The most small instances enumerated.
        random_samples: Assignments of the counterexample search.
        random_range: Its values lie in ``0..random_range`` (``Int``: ``±random_range``).
        witness_bound: ``∃ x`` over ``Nat``/``Int`` is true when a witness lies within it.
        undecided_instances: Instances with an undecided conclusion handed to the backend.
        seed: Seed of the search.
        negation_tactics: Generic scripts tried on the negation (a counterexample adds its own).
        timeout: Seconds per backend call (None: the backend's default).
    """

    small_nat: int = 4
    small_int: int = 3
    max_instances: int = 256
    random_samples: int = 100
    random_range: int = 1000
    witness_bound: int = 12
    undecided_instances: int = 2
    seed: int = 0
    negation_tactics: tuple[str, ...] = (
        "decide",
        "simp",
        "omega",
        "intro h\nobtain ⟨x, hx⟩ := h\nomega",
        "intro h\nobtain ⟨x, hx⟩ := h\nsimp at hx",
        "intro h\nsimp at h",
    )
    timeout: float | None = None


@dataclass(frozen=True)
class Disproof:
    """A disproof, or a refutation the backend could not confirm.

    Attributes:
        method: ``small_instances``, ``counterexample_search`` or ``negation``.
        negation: The statement of the negation (``: ¬ CLOSURE``).
        assignment: The counterexample (variable -> value text), when one was found.
        proof: The proof of the negation the backend verified; None when unconfirmed.
        lean_calls: Backend calls the attempt spent.
    """

    method: str
    negation: str
    assignment: Mapping[str, str] = field(default_factory=dict)
    proof: str | None = None
    lean_calls: int = 0

    @property
    def confirmed(self) -> bool:
        """The backend verified a proof of the negation."""
        return self.proof is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "negation": self.negation,
            "assignment": dict(self.assignment),
            "proof": self.proof,
            "confirmed": self.confirmed,
            "lean_calls": self.lean_calls,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Disproof:
        return cls(
            method=str(obj["method"]),
            negation=str(obj["negation"]),
            assignment={str(k): str(v) for k, v in (obj.get("assignment") or {}).items()},
            proof=obj.get("proof"),
            lean_calls=int(obj.get("lean_calls", 0)),
        )


# --------------------------------------------------------------------------- evaluation

Value = bool | int


class _Unknown(Exception):
    """The evaluator cannot decide a proposition."""


@dataclass(frozen=True)
class _Shape:
    """A statement in prenex form: typed variables, hypotheses and the conclusion, in order."""

    items: tuple[tuple[str, str, str], ...]  # ("var", name, type) | ("hyp", name, prop text)
    conclusion: Prop

    @property
    def variables(self) -> list[tuple[str, str]]:
        return [(name, kind) for tag, name, kind in self.items if tag == "var"]


def _shape(statement: Statement) -> _Shape:
    """Binders, then leading ``∀``s and premises of the conclusion, as one list of items."""
    items: list[tuple[str, str, str]] = []
    for binder in statement.binders:
        for name in binder.names or ("_",):
            items.append(("var" if binder.is_data else "hyp", name, binder.type))
    prop = parse_prop(statement.conclusion)
    while True:
        if prop.kind == "forall" and all(t is not None for _, t in prop.binders):
            items.extend(("var", name, str(kind)) for name, kind in prop.binders)
            prop = prop.args[0]
        elif prop.kind == "imp":
            items.append(("hyp", "_", prop.args[0].text))
            prop = prop.args[1]
        else:
            return _Shape(tuple(items), prop)


def _types_of(text: str, types: Mapping[str, str]) -> set[str]:
    """The types of the variables ``text`` mentions."""
    return {types[w] for w in re.findall(r"[A-Za-z_][\w']*", text) if w in types}


def _holds(prop: Prop, env: dict[str, Value], types: dict[str, str], bound: int) -> bool:
    """Decides ``prop`` under ``env``; raises :class:`_Unknown` when it cannot."""
    kind = prop.kind
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind == "atom":
        value = env.get(prop.text)
        if isinstance(value, bool):
            return value
        raise _Unknown(prop.text)
    if kind == "not":
        return not _holds(prop.args[0], env, types, bound)
    if kind in ("and", "or", "imp", "iff"):
        left = _try_holds(prop.args[0], env, types, bound)
        right = _try_holds(prop.args[1], env, types, bound)
        if kind == "and":
            if left is False or right is False:
                return False
            if left is None or right is None:
                raise _Unknown(prop.text)
            return True
        if kind == "or":
            if left is True or right is True:
                return True
            if left is None or right is None:
                raise _Unknown(prop.text)
            return False
        if kind == "imp":
            if left is False or right is True:
                return True
            if left is None or right is None:
                raise _Unknown(prop.text)
            return False
        if left is None or right is None:
            raise _Unknown(prop.text)
        return left == right
    if kind == "exists":
        binders = prop.binders
        if len(binders) != 1 or binders[0][1] not in (_NAT | _INT):
            raise _Unknown(prop.text)
        name, ty = binders[0]
        values = range(bound + 1) if ty in _NAT else range(-bound, bound + 1)
        for value in values:
            inner = dict(env, **{name: value})
            inner_types = dict(types, **{name: str(ty)})
            if _try_holds(prop.args[0], inner, inner_types, bound) is True:
                return True
        raise _Unknown(prop.text)  # no small witness: not a proof that there is none
    if kind == "rel":
        found = _types_of(f"{prop.lhs} {prop.rhs}", types)
        if found - (_NAT | _INT) or (found & _NAT and found & _INT):
            raise _Unknown(prop.text)
        nat = not (found & _INT)
        numbers = {k: v for k, v in env.items() if isinstance(v, int) and not isinstance(v, bool)}
        try:
            x = evaluate_arith(prop.lhs, numbers, nat=nat)
            y = evaluate_arith(prop.rhs, numbers, nat=nat)
        except ValueError:
            raise _Unknown(prop.text) from None
        return {"=": x == y, "≠": x != y, "<": x < y, "≤": x <= y, ">": x > y, "≥": x >= y}[prop.op]
    raise _Unknown(prop.text)


def _try_holds(prop: Prop, env: dict[str, Value], types: dict[str, str], bound: int) -> bool | None:
    try:
        return _holds(prop, env, types, bound)
    except (_Unknown, RecursionError, ZeroDivisionError, OverflowError):
        return None


def _verdict(shape: _Shape, env: dict[str, Value], witness_bound: int) -> bool | None:
    """False: a counterexample (every hypothesis true, the conclusion false); None: every
    hypothesis true and the conclusion undecided (a candidate for the backend); True: not a
    counterexample."""
    types = {name: kind for tag, name, kind in shape.items if tag == "var"}
    for tag, _, text in shape.items:
        if tag == "hyp" and _try_holds(parse_prop(text), env, types, witness_bound) is not True:
            return True
    conclusion = _try_holds(shape.conclusion, env, types, witness_bound)
    return None if conclusion is None else conclusion


def _domain(kind: str, small_nat: int, small_int: int) -> list[Value] | None:
    if kind in _NAT:
        return list(range(small_nat + 1))
    if kind in _INT:
        return sorted(range(-small_int, small_int + 1), key=abs)
    if kind == "Prop":
        return [False, True]
    return None


@dataclass(frozen=True)
class Instance:
    """An assignment under which every hypothesis holds.

    Attributes:
        method: ``small_instances`` or ``counterexample_search``.
        values: Variable -> value.
        definite: The conclusion is false under it (a counterexample); otherwise undecided.
    """

    method: str
    values: Mapping[str, Value]
    definite: bool


def _assignments(
    statement: Statement, shape: _Shape, config: DisproofConfig
) -> Iterator[tuple[str, dict[str, Value]]]:
    variables = shape.variables
    names = [name for name, _ in variables]
    domains = [_domain(kind, config.small_nat, config.small_int) for _, kind in variables]
    if any(d is None for d in domains):
        return
    for count, values in enumerate(itertools.product(*domains)):  # type: ignore[arg-type]
        if count >= config.max_instances:
            break
        yield "small_instances", dict(zip(names, values, strict=True))
    if not variables or all(kind == "Prop" for _, kind in variables):
        return  # the small instances were all of them
    # Values at the statement's own constants (a bound ``x > 900`` is broken at 901, 1000...).
    numerals = sorted({int(n) for n in re.findall(r"\d+", statement.render())})
    near = sorted({v for c in numerals for v in (c - 1, c, c + 1, 2 * c, c * c)} | {0, 1, 2})
    pools = []
    for _, kind in variables:
        if kind in _NAT:
            pools.append([v for v in near if v >= 0])
        elif kind in _INT:
            pools.append(sorted({v for c in near for v in (c, -c)}, key=abs))
        else:
            pools.append([False, True])
    for count, values in enumerate(itertools.product(*pools)):
        if count >= config.max_instances:
            break
        yield "counterexample_search", dict(zip(names, values, strict=True))
    rng = random.Random(config.seed)
    for _ in range(config.random_samples):
        env: dict[str, Value] = {}
        for name, kind in variables:
            if kind in _NAT:
                env[name] = rng.choice([rng.randint(0, 10), rng.randint(0, config.random_range)])
            elif kind in _INT:
                top = rng.choice([10, config.random_range])
                env[name] = rng.randint(-top, top)
            else:
                env[name] = rng.random() < 0.5
        yield "counterexample_search", env


def counterexamples(
    statement: Statement, config: DisproofConfig = DisproofConfig()
) -> Iterator[Instance]:
    """Assignments under which every hypothesis holds and the conclusion is false
    (``definite``) or undecided: small instances first, then values near the statement's
    constants and a seeded random search. Nothing for a variable of another type."""
    shape = _shape(statement)
    seen: set[tuple[tuple[str, Value], ...]] = set()
    for method, env in _assignments(statement, shape, config):
        key = tuple(sorted(env.items()))
        if key in seen:
            continue
        seen.add(key)
        verdict = _verdict(shape, env, config.witness_bound)
        if verdict is not True:
            yield Instance(method, env, verdict is False)


# --------------------------------------------------------------------------- the negation


def negation_theorem(theorem: Theorem, statement: Statement | None = None) -> Theorem:
    """``theorem NAME_neg : ¬ CLOSURE`` with the theorem's header."""
    parsed = statement or Statement.parse(theorem.statement)
    return Theorem(
        name=f"{theorem.name}_neg",
        statement=f": ¬ ({parsed.closure()})",
        header=theorem.header,
        source=f"negation:{theorem.name}",
    )


def _value_text(value: Value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return f"({value})" if value < 0 else str(value)


def _hypothesis_proof(
    text: str, env: dict[str, Value], types: dict[str, str], bound: int
) -> str | None:
    """A proof term of a hypothesis that holds under ``env`` (its variables instantiated):
    ``(by decide)``, ``⟨witness, by decide⟩`` for an ``∃``, pairs for ``∧``; None if none."""
    prop = parse_prop(text)
    if prop.kind == "exists" and len(prop.binders) == 1:
        name, kind = prop.binders[0]
        values = range(bound + 1) if kind in _NAT else range(-bound, bound + 1)
        if kind not in (_NAT | _INT):
            return None
        for value in values:
            inner = dict(env, **{name: value})
            if _try_holds(prop.args[0], inner, dict(types, **{name: str(kind)}), bound) is True:
                return f"⟨{_value_text(value)}, by decide⟩"
        return None
    if prop.kind == "and":
        left = _hypothesis_proof(prop.args[0].text, env, types, bound)
        right = _hypothesis_proof(prop.args[1].text, env, types, bound)
        return None if left is None or right is None else f"⟨{left}, {right}⟩"
    return "(by decide)" if _try_holds(prop, env, types, bound) is True else None


def _instance_scripts(shape: _Shape, instance: Instance, bound: int) -> list[str]:
    """Proofs of the negation from an instance: apply the closure to it, then close."""
    types = {name: kind for tag, name, kind in shape.items if tag == "var"}
    env = dict(instance.values)
    args: list[str | None] = []
    for tag, name, text in shape.items:
        if tag == "var":
            args.append(_value_text(env[name]))
        else:
            args.append(_hypothesis_proof(text, env, types, bound))
    last_var = max((i for i, item in enumerate(shape.items) if item[0] == "var"), default=-1)
    terms: list[str] = []
    if all(a is not None for a in args):
        terms.append(" ".join(["h", *(a for a in args if a is not None)]))
    partial = args[: last_var + 1]
    if all(a is not None for a in partial) and len(partial) < len(args):
        terms.append(" ".join(["h", *(a for a in partial if a is not None)]))
    scripts: list[str] = []
    for term in terms:
        if instance.definite:
            scripts += [
                f"intro h\nexact absurd ({term}) (by decide)",
                f"intro h\nhave hc := {term}\nomega",
                f"intro h\nhave hc := {term}\nsimp at hc",
                f"intro h\nhave hc := {term}\nrevert hc\ndecide",
            ]
        else:
            scripts += [
                f"intro h\nobtain ⟨x, hx⟩ := {term}\nomega",
                f"intro h\nobtain ⟨x, hx⟩ := {term}\nsimp at hx",
                f"intro h\nhave hc := {term}\nomega",
            ]
    return scripts


def _verify(backend: Any, theorem: Theorem, proof: str, timeout: float | None) -> bool:
    try:
        return bool(backend.verify(theorem, proof, timeout).ok)
    except LeanGymError:
        return False


def try_disprove(
    backend: Any, theorem: Theorem, config: DisproofConfig = DisproofConfig()
) -> Disproof | None:
    """Tries to disprove ``theorem`` (see the module docstring); None when every attempt fails.

    The backend is given the first counterexample, then up to
    :attr:`DisproofConfig.undecided_instances` instances whose conclusion the evaluator could
    not decide (an ``∃`` without a small witness), then the generic scripts.

    Raises:
        ValueError: When the statement does not parse.
    """
    statement = Statement.parse(theorem.statement)
    negation = negation_theorem(theorem, statement)
    shape = _shape(statement)
    definite: Instance | None = None
    undecided: list[Instance] = []
    for instance in counterexamples(statement, config):
        if instance.definite:
            definite = instance
            break
        if len(undecided) < config.undecided_instances:
            undecided.append(instance)
    attempts: list[tuple[Instance | None, str]] = []
    for instance in ([definite] if definite else []) + undecided:
        attempts += [
            (instance, s) for s in _instance_scripts(shape, instance, config.witness_bound)
        ]
    attempts += [(None, script) for script in config.negation_tactics]
    calls = 0
    for instance, script in attempts:
        calls += 1
        if _verify(backend, negation, script, config.timeout):
            if instance is None or not instance.values:  # no variable: nothing instantiated
                return Disproof("negation", negation.statement, {}, script, calls)
            values = {k: _value_text(v) for k, v in instance.values.items()}
            return Disproof(instance.method, negation.statement, values, script, calls)
    if definite is not None:
        values = {k: _value_text(v) for k, v in definite.values.items()}
        return Disproof(definite.method, negation.statement, values, None, calls)
    return None
