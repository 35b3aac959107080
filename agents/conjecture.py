"""Conjecturers: new problems made from known theorems, kept only when they are worth proving.

STP (Dong and Ma, "Beyond Limited Data: Self-play LLM Theorem Provers with Iterative
Conjecturing and Proving") trains a conjecturer that writes statements related to a seed
theorem, just beyond the prover's reach, while the prover learns to prove them: a curriculum
without human problems. This module gives the two conjecturers and the screen every candidate
passes (:mod:`training.self_play` runs the rounds).

**Rule-based mutations** (:data:`MUTATIONS`, ``register_mutation(name, "module:attr")``), all
inside the vocabulary of the seed statement, so inside the backend's fragment when the seed
was:

* ``numerals``: change a numeral (``n + 3 = 5`` -> ``n + 3 = 6``, ``n + 4 = 5``, ...);
* ``generalize``: generalise a constant to a variable with a hypothesis (``... = 5`` ->
  ``(k : Nat) (hk : k = 5) : ... = k``, ``(hk : 5 ≤ k)``, ``(hk : k ≤ 5)``);
* ``weaken``: weaken a hypothesis (``a < b`` -> ``a ≤ b``, ``p ∧ q`` -> ``p``, or drop it):
  a stronger theorem, often false;
* ``strengthen``: strengthen a hypothesis (``a ≤ b`` -> ``a < b``, ``p ∨ q`` -> ``p``): a weaker
  theorem;
* ``conjoin``: the conjunction of two known statements (variables renamed apart).

**Model-based** (:class:`ModelConjecturer`): a model prompted with a theorem
(:data:`CONJECTURE_PROMPT`) writes a related statement; any generator with the model policies'
``complete(prompts, n, seed)`` (``hf:``, ``vllm:``, ``openai:``), or a plain callable, will do.
:func:`conjecturer_rows` turns screened conjectures into its SFT rows.

**The screen** (:class:`ConjectureScreen`), in order: the statement parses; it is new (up to
variable names, :func:`~agents.statements.alpha_key`) and not one of the excluded statements
(the held-out test split); it stays inside the backend's fragment (the real-Lean guard of
:mod:`agents.statements`: under MiniLean, a statement outside its fragment is dropped, never
sent); the backend can state it (``start``); no single trivial tactic closes it
(:attr:`ScreenConfig.trivial_tactics`); and an attempt to disprove it fails
(:func:`agents.disproof.try_disprove`: small instances, a counterexample search, proving the
negation). Every candidate comes back as a :class:`Conjecture` with its status, so a report
counts what was dropped and why; each records the backend that judged it.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.disproof import Disproof, DisproofConfig, try_disprove
from agents.statements import (
    Binder,
    Statement,
    alpha_key,
    backend_label,
    fragment_for,
    identifiers,
)
from lean_gym.errors import LeanGymError
from lean_gym.tactic_library import parse_prop
from lean_gym.types import Success, Theorem

__all__ = [
    "Proposal",
    "Conjecture",
    "STATUSES",
    "Mutation",
    "MUTATIONS",
    "register_mutation",
    "available_mutations",
    "RuleConjecturer",
    "ModelConjecturer",
    "CONJECTURE_PROMPT",
    "conjecture_prompt",
    "parse_conjecture",
    "conjecturer_rows",
    "ScreenConfig",
    "ConjectureScreen",
    "conjecture_name",
    "count_statuses",
]

# What the screen can say about a candidate, in the order it checks.
STATUSES = (
    "unparsable",
    "excluded",
    "duplicate",
    "outside_fragment",
    "not_stated",
    "trivial",
    "disproved",
    "refuted",
    "kept",
)


@dataclass(frozen=True)
class Proposal:
    """A candidate statement, before the screen.

    Attributes:
        statement: The statement text (binders and ``: conclusion``).
        parents: The names of the theorems it was made from.
        rule: The mutation (``numerals``, ``generalize``...) or ``model``.
        detail: What the mutation changed.
        header: The header the statement needs (the parent's).
        family: The parent's family (so that a family split keeps a conjecture with its
            seed, :mod:`lean_gym.data.splits`).
    """

    statement: str
    parents: tuple[str, ...]
    rule: str
    detail: str = ""
    header: str = ""
    family: str | None = None


def conjecture_name(statement: str) -> str:
    """A stable declaration name for a statement: ``conj_`` and a hash of its alpha key."""
    try:
        key = alpha_key(statement)
    except ValueError:
        key = " ".join(statement.split())
    return "conj_" + hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Conjecture:
    """A screened candidate.

    Attributes:
        theorem: The statement as a theorem (``conj_<hash>``, the parent's header, source
            ``conjecture``).
        parents: The theorems it was made from.
        rule: The mutation or ``model``.
        detail: What the mutation changed.
        status: One of :data:`STATUSES`; only ``kept`` conjectures go to the prover.
        reason: Why it was dropped (the trivial tactic, the start error, the fragment...).
        disproof: The disproof (``disproved``: confirmed by the backend; ``refuted``: a
            counterexample the backend could not confirm).
        backend: The backend that judged it (``minilean`` for MiniLean in any form).
        lean_calls: Backend calls its screening spent.
    """

    theorem: Theorem
    parents: tuple[str, ...]
    rule: str
    detail: str = ""
    status: str = "kept"
    reason: str = ""
    disproof: Disproof | None = None
    backend: str = ""
    lean_calls: int = 0

    @property
    def kept(self) -> bool:
        return self.status == "kept"

    def to_json(self) -> dict[str, Any]:
        return {
            "theorem": self.theorem.to_json(),
            "parents": list(self.parents),
            "rule": self.rule,
            "detail": self.detail,
            "status": self.status,
            "reason": self.reason,
            "disproof": None if self.disproof is None else self.disproof.to_json(),
            "backend": self.backend,
            "lean_calls": self.lean_calls,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Conjecture:
        disproof = obj.get("disproof")
        return cls(
            theorem=Theorem.from_json(obj["theorem"]),
            parents=tuple(str(p) for p in obj.get("parents") or ()),
            rule=str(obj.get("rule", "")),
            detail=str(obj.get("detail", "")),
            status=str(obj.get("status", "kept")),
            reason=str(obj.get("reason", "")),
            disproof=None if disproof is None else Disproof.from_json(disproof),
            backend=str(obj.get("backend", "")),
            lean_calls=int(obj.get("lean_calls", 0)),
        )


def count_statuses(conjectures: Iterable[Conjecture]) -> dict[str, int]:
    """Conjectures per status, every status present (0 when none)."""
    counts = dict.fromkeys(STATUSES, 0)
    for conjecture in conjectures:
        counts[conjecture.status] = counts.get(conjecture.status, 0) + 1
    return counts


# --------------------------------------------------------------------------- mutations

# A mutation maps (statement, rng, the other seed statements) to (new statement, detail) pairs.
Mutation = Callable[[Statement, random.Random, Sequence[Statement]], Iterable[tuple[str, str]]]

_NUMERAL = re.compile(r"(?<![\w.'₀-₉])\d+(?![\w.'])")
_NUMERIC_ANNOTATION = re.compile(r"([\w' ]+?)\s*:\s*(Nat|Int|ℕ|ℤ)\b")
_INT_TYPES = frozenset({"Int", "ℤ"})


def _numeric_types(statement: Statement) -> set[str]:
    """The numeric types the statement's variables have (binders and annotated quantifiers)."""
    found = {kind for _, kind in statement.variables if kind != "Prop"}
    for text in [b.type for b in statement.binders] + [statement.conclusion]:
        found.update(m.group(2) for m in _NUMERIC_ANNOTATION.finditer(text))
    return {"Int" if kind in _INT_TYPES else "Nat" for kind in found}


def _fresh(statement: Statement, base: str) -> str:
    taken = statement.names() | set(identifiers(statement.render()))
    if base not in taken:
        return base
    for index in range(1, 100):
        if f"{base}{index}" not in taken:
            return f"{base}{index}"
    raise ValueError("no fresh name")


def mutate_numerals(
    statement: Statement, rng: random.Random, others: Sequence[Statement] = ()
) -> Iterator[tuple[str, str]]:
    """Each numeral of a hypothesis or the conclusion changed to a nearby value."""
    texts = [b.type for b in statement.binders] + [statement.conclusion]
    for index, text in enumerate(texts):
        if index < len(statement.binders) and statement.binders[index].is_data:
            continue
        for match in _NUMERAL.finditer(text):
            value = int(match.group(0))
            for new in sorted({value + 1, value - 1, value + 2, 2 * value} - {value}):
                if new < 0:
                    continue
                changed = text[: match.start()] + str(new) + text[match.end() :]
                if index < len(statement.binders):
                    binders = list(statement.binders)
                    binder = binders[index]
                    binders[index] = Binder(binder.names, changed, binder.bracket)
                    result = Statement(tuple(binders), statement.conclusion)
                else:
                    result = Statement(statement.binders, changed)
                yield result.render(), f"{value} -> {new}"


def mutate_generalize(
    statement: Statement, rng: random.Random, others: Sequence[Statement] = ()
) -> Iterator[tuple[str, str]]:
    """A numeral of the conclusion becomes a variable ``k`` with a hypothesis about it."""
    kinds = _numeric_types(statement)
    if len(kinds) > 1:
        return  # Nat and Int both: a new variable of either would need a coercion somewhere
    kind = kinds.pop() if kinds else "Nat"
    values = sorted({int(m.group(0)) for m in _NUMERAL.finditer(statement.conclusion)})
    for value in values:
        name = _fresh(statement, "k")
        hyp = _fresh(statement, "hk")
        pattern = re.compile(rf"(?<![\w.'₀-₉]){value}(?![\w.'])")
        conclusion = pattern.sub(name, statement.conclusion)
        for relation in (f"{name} = {value}", f"{value} ≤ {name}", f"{name} ≤ {value}"):
            binders = (*statement.binders, Binder((name,), kind), Binder((hyp,), relation))
            yield Statement(binders, conclusion).render(), f"{value} -> {name} with {relation}"


_WEAKER = {"<": "≤", ">": "≥", "=": "≤"}
_STRONGER = {"≤": "<", "≥": ">", "≠": "<"}


def _hypothesis_variants(
    statement: Statement, table: Mapping[str, str], split: str
) -> Iterator[tuple[str, str]]:
    """Each hypothesis with its relation replaced by ``table``'s or its ``split`` connective
    (``and``/``or``) cut to one side."""
    for index, binder in enumerate(statement.binders):
        if binder.is_data or len(binder.names) != 1:
            continue
        prop = parse_prop(binder.type)
        replacements: list[tuple[str, str]] = []
        if prop.kind == "rel" and prop.op in table:
            new = f"{prop.lhs} {table[prop.op]} {prop.rhs}"
            replacements.append((new, f"{prop.op} -> {table[prop.op]}"))
        if prop.kind == split:
            for side in prop.args:
                replacements.append((side.text, f"{prop.text} -> {side.text}"))
        for new_type, detail in replacements:
            binders = list(statement.binders)
            binders[index] = Binder(binder.names, new_type, binder.bracket)
            yield Statement(tuple(binders), statement.conclusion).render(), detail


def mutate_weaken(
    statement: Statement, rng: random.Random, others: Sequence[Statement] = ()
) -> Iterator[tuple[str, str]]:
    """A hypothesis weakened (``<`` -> ``≤``, ``p ∧ q`` -> ``p``) or dropped."""
    yield from _hypothesis_variants(statement, _WEAKER, "and")
    for index, binder in enumerate(statement.binders):
        if binder.is_data:
            continue
        name = " ".join(binder.names)
        rest = statement.binders[:index] + statement.binders[index + 1 :]
        used = set(identifiers(" ".join([*(b.type for b in rest), statement.conclusion])))
        if used & set(binder.names):
            continue  # the hypothesis is referred to
        yield Statement(rest, statement.conclusion).render(), f"drop {name}"


def mutate_strengthen(
    statement: Statement, rng: random.Random, others: Sequence[Statement] = ()
) -> Iterator[tuple[str, str]]:
    """A hypothesis strengthened (``≤`` -> ``<``, ``p ∨ q`` -> ``p``)."""
    yield from _hypothesis_variants(statement, _STRONGER, "or")


def mutate_conjoin(
    statement: Statement, rng: random.Random, others: Sequence[Statement] = ()
) -> Iterator[tuple[str, str]]:
    """The conjunction of this statement and another seed's (its names renamed apart)."""
    pool = [other for other in others if other != statement]
    rng.shuffle(pool)
    own = statement.names() | set(identifiers(statement.render()))
    for other in pool[:3]:
        # Fresh names avoid this statement's words and the other's own (``h`` -> ``h2`` must
        # not meet the other's ``h2``).
        taken = own | other.names() | set(identifiers(other.render()))
        mapping: dict[str, str] = {}
        for name in sorted(other.names() & own):
            suffix = 2
            while f"{name}{suffix}" in taken:
                suffix += 1
            mapping[name] = f"{name}{suffix}"
            taken.add(mapping[name])
        renamed = other.renamed(mapping)
        conclusion = f"({statement.conclusion}) ∧ ({renamed.conclusion})"
        yield (
            Statement((*statement.binders, *renamed.binders), conclusion).render(),
            f"∧ {other.render()}",
        )


MUTATIONS: dict[str, str | Mutation] = {
    "numerals": "agents.conjecture:mutate_numerals",
    "generalize": "agents.conjecture:mutate_generalize",
    "weaken": "agents.conjecture:mutate_weaken",
    "strengthen": "agents.conjecture:mutate_strengthen",
    "conjoin": "agents.conjecture:mutate_conjoin",
}


def register_mutation(name: str, mutation: str | Mutation) -> None:
    """Registers a mutation: a ``"module:attr"`` string or the callable itself."""
    if not name:
        raise ValueError("a mutation needs a name")
    MUTATIONS[name] = mutation


def available_mutations() -> list[str]:
    return sorted(MUTATIONS)


def _resolve_mutation(name: str) -> Mutation:
    if name not in MUTATIONS:
        raise ValueError(f"unknown mutation {name!r}; known: {', '.join(available_mutations())}")
    entry = MUTATIONS[name]
    if callable(entry):
        return entry
    module, _, attr = entry.partition(":")
    return getattr(importlib.import_module(module), attr)


def _family(theorem: Theorem) -> str:
    """The family a conjecture of ``theorem`` belongs to: the seed's own."""
    return theorem.family or theorem.name


class RuleConjecturer:
    """Candidates from the rule-based mutations of seed theorems.

    Args:
        mutations: The mutation names (default: all registered).
        per_theorem: At most this many candidates per seed theorem (drawn at random, seeded).
        per_rule: At most this many of them from one mutation.
        seed: The draw's seed.
    """

    def __init__(
        self,
        mutations: Sequence[str] | None = None,
        *,
        per_theorem: int = 8,
        per_rule: int = 2,
        seed: int = 0,
    ):
        self.mutations = list(mutations) if mutations is not None else available_mutations()
        for name in self.mutations:
            _resolve_mutation(name)
        if per_theorem < 1 or per_rule < 1:
            raise ValueError(
                f"per_theorem and per_rule must be >= 1, got {per_theorem}, {per_rule}"
            )
        self.per_theorem = per_theorem
        self.per_rule = per_rule
        self.seed = seed

    def propose(self, theorems: Sequence[Theorem]) -> list[Proposal]:
        """Up to ``per_theorem`` candidates for each seed theorem whose statement parses."""
        parsed: list[tuple[Theorem, Statement]] = []
        for theorem in theorems:
            try:
                parsed.append((theorem, Statement.parse(theorem.statement)))
            except ValueError:
                continue
        statements = [s for _, s in parsed]
        by_statement = {s.render(): t for t, s in parsed}
        proposals: list[Proposal] = []
        for index, (theorem, statement) in enumerate(parsed):
            rng = random.Random(f"{self.seed}:{index}:{theorem.name}")
            seen = {statement.render()}
            per_rule: list[list[Proposal]] = []
            for name in self.mutations:
                variants: list[Proposal] = []
                for text, detail in _resolve_mutation(name)(statement, rng, statements):
                    if text in seen:
                        continue
                    seen.add(text)
                    parents: tuple[str, ...] = (theorem.name,)
                    if name == "conjoin":
                        other = by_statement.get(detail.removeprefix("∧ "))
                        parents = (theorem.name, other.name) if other else parents
                    variants.append(
                        Proposal(text, parents, name, detail, theorem.header, _family(theorem))
                    )
                rng.shuffle(variants)
                per_rule.append(variants[: self.per_rule])
            rng.shuffle(per_rule)
            # Round robin over the rules, so that no rule crowds the others out.
            chosen: list[Proposal] = []
            for layer in itertools.zip_longest(*per_rule):
                chosen.extend(p for p in layer if p is not None)
            proposals.extend(chosen[: self.per_theorem])
        return proposals


# --------------------------------------------------------------------------- the model

CONJECTURE_PROMPT = "[THEOREM]\n{statement}\n[CONJECTURE]\n"
_END_MARKERS = ("<|endoftext|>", "</s>", "<|im_end|>", "[THEOREM]", "[CONJECTURE]", "```")


def conjecture_prompt(theorem: Theorem) -> str:
    """The prompt a model conjecturer sees for a seed theorem."""
    return CONJECTURE_PROMPT.format(statement=" ".join(theorem.statement.split()))


def parse_conjecture(text: str) -> str | None:
    """The statement a model wrote: its first line, without a repeated ``theorem NAME`` or a
    ``:= by ...`` tail; None when nothing is left."""
    for marker in _END_MARKERS:
        at = text.find(marker)
        if at >= 0:
            text = text[:at]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    line = lines[0]
    line = re.sub(r"^(?:theorem|lemma)\s+\S+\s*", "", line)
    line = re.sub(r"\s*:=.*$", "", line).strip()
    return line or None


def conjecturer_rows(
    conjectures: Iterable[Conjecture], seeds: Mapping[str, Theorem]
) -> list[dict[str, Any]]:
    """SFT rows (``prompt``: a parent's :func:`conjecture_prompt`, ``completion``: the
    conjecture's statement) for the conjectures whose first parent is in ``seeds``."""
    rows = []
    for conjecture in conjectures:
        parent = seeds.get(conjecture.parents[0]) if conjecture.parents else None
        if parent is None:
            continue
        rows.append(
            {
                "prompt": conjecture_prompt(parent),
                "completion": " ".join(conjecture.theorem.statement.split()),
                "theorem": conjecture.theorem.name,
                "parents": list(conjecture.parents),
                "rule": conjecture.rule,
            }
        )
    return rows


class ModelConjecturer:
    """Candidates written by a model prompted with seed theorems.

    Args:
        generator: Something with ``complete(prompts, n, seed)`` returning, per prompt, samples
            with a ``text`` (the model policies of :mod:`agents.policies`), or a callable
            ``(prompts, n) -> list[list[str]]``.
        samples: Samples per seed theorem.
        seed: Seed of the first generation call (call ``i`` uses ``seed + i``).
    """

    def __init__(self, generator: Any, *, samples: int = 4, seed: int = 0):
        if samples < 1:
            raise ValueError(f"samples must be >= 1, got {samples}")
        self.generator = generator
        self.samples = samples
        self.seed = seed
        self.calls = 0

    @classmethod
    def from_model(
        cls, path: str, *, policy: str = "hf", samples: int = 4, seed: int = 0, **sampling: Any
    ) -> ModelConjecturer:
        """A conjecturer sampling from the model at ``path`` through a model policy of
        :mod:`agents.policies` (``hf``: transformers; ``vllm`` on a GPU)."""
        from agents.policies import make_policy

        sampling.setdefault("temperature", 1.0)
        sampling.setdefault("max_new_tokens", 64)
        generator = make_policy(f"{policy}:{path}", template="leandojo", **sampling)
        return cls(generator, samples=samples, seed=seed)

    def _generate(self, prompts: list[str]) -> list[list[str]]:
        complete = getattr(self.generator, "complete", None)
        seed = self.seed + self.calls
        self.calls += 1
        if callable(complete):
            answers = complete(prompts, self.samples, seed)
            return [[getattr(a, "text", a) for a in group] for group in answers]
        return [list(group) for group in self.generator(prompts, self.samples)]

    def propose(self, theorems: Sequence[Theorem], *, batch_size: int = 16) -> list[Proposal]:
        """The parsed samples for each seed theorem (empty samples dropped)."""
        proposals: list[Proposal] = []
        for start in range(0, len(theorems), batch_size):
            batch = list(theorems[start : start + batch_size])
            answers = self._generate([conjecture_prompt(t) for t in batch])
            for theorem, group in zip(batch, answers, strict=True):
                for text in group:
                    statement = parse_conjecture(str(text))
                    if statement:
                        proposals.append(
                            Proposal(
                                statement,
                                (theorem.name,),
                                "model",
                                "",
                                theorem.header,
                                _family(theorem),
                            )  # fmt: skip
                        )
        return proposals

    def close(self) -> None:
        close = getattr(self.generator, "close", None)
        if callable(close):
            close()


# --------------------------------------------------------------------------- the screen


@dataclass(frozen=True)
class ScreenConfig:
    """What a conjecture must survive.

    Attributes:
        trivial_tactics: A conjecture one of these closes in one step is dropped as trivial.
        disproof: How hard to try to disprove it.
        timeout: Seconds per backend call (None: the backend's default).
    """

    trivial_tactics: tuple[str, ...] = (
        "rfl",
        "trivial",
        "assumption",
        "decide",
        "simp",
        "omega",
        "norm_num",
        "contradiction",
    )
    disproof: DisproofConfig = field(default_factory=DisproofConfig)
    timeout: float | None = None


def _keys(statements: Iterable[str]) -> set[str]:
    """The alpha keys of the statements that parse."""
    keys = set()
    for text in statements:
        try:
            keys.add(alpha_key(text))
        except ValueError:
            continue
    return keys


class ConjectureScreen:
    """Screens candidates on one backend (see the module docstring).

    Args:
        backend: The backend that states, tries and disproves them.
        seeds: The seed theorems: their statements are not new, and under MiniLean their
            vocabulary is what the fragment guard allows beyond the fragment's own words.
        exclude: Statements no conjecture may equal (up to variable names): the held-out
            test split.
        config: The trivial tactics and the disproof settings.

    Attributes:
        fragment: The guard (:func:`~agents.statements.fragment_for` the backend, taught the
            seeds; None for real Lean).
        label: The backend's name as conjectures record it.
    """

    def __init__(
        self,
        backend: Any,
        seeds: Sequence[Theorem] = (),
        *,
        exclude: Iterable[str] = (),
        config: ScreenConfig | None = None,
    ):
        self.backend = backend
        self.config = config or ScreenConfig()
        self.label = backend_label(backend)
        self.fragment = fragment_for(backend, [t.statement for t in seeds])
        self.seen = _keys(t.statement for t in seeds)
        self.excluded = _keys(exclude)

    def remember(self, statements: Iterable[str]) -> None:
        """Counts ``statements`` as seen: a later candidate equal to one is a duplicate."""
        self.seen |= _keys(statements)

    def _result(
        self, proposal: Proposal, status: str, reason: str = "", **extra: Any
    ) -> Conjecture:
        theorem = Theorem(
            name=conjecture_name(proposal.statement),
            statement=proposal.statement,
            header=proposal.header,
            source="conjecture",
            family=proposal.family,
        )
        return Conjecture(
            theorem=theorem,
            parents=proposal.parents,
            rule=proposal.rule,
            detail=proposal.detail,
            status=status,
            reason=reason,
            backend=self.label,
            **extra,
        )

    def screen(self, proposal: Proposal) -> Conjecture:
        """The verdict on one candidate."""
        try:
            key = alpha_key(proposal.statement)
        except ValueError as exc:
            return self._result(proposal, "unparsable", str(exc))
        if key in self.excluded:
            return self._result(proposal, "excluded", "a held-out statement")
        if key in self.seen:
            return self._result(proposal, "duplicate", "a seed or an earlier candidate")
        self.seen.add(key)
        if self.fragment is not None:
            outside = self.fragment.outside(proposal.statement)
            if outside is not None:
                return self._result(proposal, "outside_fragment", outside)
        conjecture = self._result(proposal, "kept")
        theorem = conjecture.theorem
        calls = 1
        try:
            root = self.backend.start(theorem, self.config.timeout)
        except LeanGymError as exc:
            message = str(getattr(getattr(exc, "error", None), "message", "") or exc)
            return self._result(proposal, "not_stated", message.split("\n")[0], lean_calls=calls)
        for tactic in self.config.trivial_tactics:
            calls += 1
            result = self.backend.run_tactic(root, tactic, self.config.timeout)
            if isinstance(result, Success) and result.state.is_solved:
                return self._result(proposal, "trivial", tactic, lean_calls=calls)
        disproof = try_disprove(self.backend, theorem, self.config.disproof)
        if disproof is not None:
            calls += disproof.lean_calls
            status = "disproved" if disproof.confirmed else "refuted"
            return self._result(
                proposal, status, disproof.method, disproof=disproof, lean_calls=calls
            )
        return self._result(proposal, "kept", lean_calls=calls)

    def screen_all(
        self, proposals: Iterable[Proposal], *, progress: bool = False
    ) -> list[Conjecture]:
        """The verdicts on every candidate, in order (a progress bar with live counts)."""
        from tqdm.auto import tqdm

        items = list(proposals)
        verdicts: list[Conjecture] = []
        kept = 0
        bar = tqdm(items, desc="screening conjectures", unit="candidate", disable=not progress)
        for proposal in bar:
            verdict = self.screen(proposal)
            verdicts.append(verdict)
            kept += verdict.kept
            bar.set_postfix(kept=kept)
        bar.close()
        return verdicts
