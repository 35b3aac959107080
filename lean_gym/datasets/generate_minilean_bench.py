"""Writes ``minilean-bench.jsonl``: core Lean 4 theorems with known proofs, deterministically.

Every theorem is built from a family (a proof shape) instantiated with different variable names,
constants and proof styles, so the set is varied without being random: running the generator
twice gives the same file byte for byte. Every statement is true and every proof is meant to be
accepted by real Lean 4 without Mathlib (core tactics only: no ``use``, ``norm_num``,
``linarith``, ``ℕ``). ``tests/datasets/test_shipped_datasets.py`` checks every proof with
MiniLean.

Each row records its ``family`` (the name up to its first ``_<digit>`` group, with the aliases
of :data:`FAMILY_ALIASES` where two name stems are one template) and its ``split``: whole
families are held out as the fixed ``test`` split (:func:`test_families`), so no template
straddles train and test; the generator refuses a statement that, with its variable names
normalised, occurs in two families. The ``hard`` tier is :mod:`deep_families`.

Run ``python lean_gym/datasets/generate_minilean_bench.py`` to rewrite the shipped file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace
from lean_gym.data.splits import normalize_statement
from lean_gym.datasets.deep_families import DEEP_FAMILIES

__all__ = [
    "BenchRow",
    "GeneratorArgs",
    "FAMILY_ALIASES",
    "TEST_FRACTION",
    "build_rows",
    "count_tactics",
    "difficulty_of",
    "family_of_name",
    "test_families",
    "main",
]

SOURCE = "minilean-bench"

FAMILY_ALIASES: dict[str, str] = {
    # Name stems whose statements coincide once variable names are normalised: one template.
    "int_le_antisymm_term": "int_omega",
    "simp_zero_add": "zero_add",
    "ind_zero_add": "zero_add",
    "ind_mul_le_long": "ind_mul_le",
}

TEST_FRACTION = 0.2
"""The share of each tier's rows (core, hard) held out as the test split, in whole families."""

_TEST_SALT = "minilean-bench-test"
_STEM = re.compile(r"_\d.*$")


@dataclass(frozen=True)
class GeneratorArgs:
    """Arguments of the generator.

    Attributes:
        output: Where the jsonl file is written.
        check: Only compare the generated rows with the output file (exit code 1 if they
            differ).
    """

    output: Path = Path(__file__).with_name("minilean-bench.jsonl")
    check: bool = False


@dataclass(frozen=True)
class BenchRow:
    """One theorem of the benchmark before it is written as a jsonl row.

    Attributes:
        name: The theorem's name.
        statement: Binders and type.
        proof: The known proof.
        hard: Whether the row belongs to the hard tier (:mod:`deep_families`).
    """

    name: str
    statement: str
    proof: str
    hard: bool = False

    @property
    def family(self) -> str:
        return family_of_name(self.name)

    def to_json(self, split: str) -> dict[str, str]:
        return {
            "name": self.name,
            "formal_statement": f"theorem {self.name} {self.statement} := by",
            "header": "",
            "proof": self.proof,
            "difficulty": "hard" if self.hard else difficulty_of(self.proof),
            "source": SOURCE,
            "family": self.family,
            "split": split,
        }


def family_of_name(name: str) -> str:
    """A row's template family: its name up to the first ``_<digit>`` group, aliased."""
    stem = _STEM.sub("", name) or name
    return FAMILY_ALIASES.get(stem, stem)


# ---------------------------------------------------------------------------------------------
# Counting tactics (the difficulty tag). The proofs written here use one layout only: top-level
# tactics at column 0, nested blocks indented by two, alternatives `| pat => ...` at the column
# of their tactic. The dataset test recounts with `lean_gym.tactic_text.split_tactics`.


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(x) - len(x.lstrip(" ")) for x in lines if x.strip()]
    cut = min(indents) if indents else 0
    return [x[cut:] for x in lines]


def _top_level(block: str) -> list[list[str]]:
    """Groups the lines of a block into top-level tactics (continuations are indented or `|`)."""
    groups: list[list[str]] = []
    for line in _dedent(block.split("\n")):
        if not line.strip():
            continue
        if groups and (line.startswith((" ", "|", "<;>"))):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _count_group(lines: list[str]) -> int:
    head = lines[0]
    if head.startswith(("· ", ". ")):
        # The bullet's block: its first line follows `· `, the others are indented by two.
        body = [head[2:]] + [x[2:] if x.startswith("  ") else x for x in lines[1:]]
        return count_tactics("\n".join(body))
    if head.rstrip().endswith(":= by") and len(lines) > 1:
        # `have h : T := by` with its block on the next lines: one plus the block's tactics.
        return 1 + count_tactics("\n".join(lines[1:]))
    alternatives = [i for i, x in enumerate(lines) if x.startswith("| ") and "=>" in x]
    if alternatives:
        total = 1
        bounds = [*alternatives, len(lines)]
        for start, stop in zip(bounds, bounds[1:], strict=False):
            first = lines[start].split("=>", 1)[1].strip()
            rest = [x[2:] if x.startswith("  ") else x for x in lines[start + 1 : stop]]
            total += count_tactics("\n".join(([first] if first else []) + rest))
        return total
    return 1


def count_tactics(block: str) -> int:
    """Counts the tactics of a proof: top-level ones plus those nested in bullets, ``with`` arms
    and ``have ... := by`` blocks.

    A bullet ``· tacs`` counts as its tactics (the bullet only focuses); a tactic with
    alternatives (``induction n with | zero => a | succ k ih => b c``) counts one plus the
    tactics of every alternative; ``have h : T := by`` followed by an indented block counts one
    plus the block's tactics; anything else (including ``t1 <;> t2``, ``first``, ``try``,
    ``all_goals`` and ``have h : T := by tac`` on one line) counts one.
    """
    return sum(_count_group(g) for g in _top_level(block))


def difficulty_of(proof: str) -> str:
    """The tag of a core-tier row: ``easy`` (1-2 tactics) or ``medium`` (3 or more), by
    :func:`count_tactics`. ``hard`` is the deep tier's, whatever the length."""
    return "easy" if count_tactics(proof) <= 2 else "medium"


def _p(*lines: str) -> str:
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Families. Each yields BenchRows; names carry the family and an index.

Family = Callable[[], Iterator[BenchRow]]

PROP_TRIPLES = [("p", "q", "r"), ("a", "b", "c"), ("P", "Q", "R"), ("A", "B", "C")]
NAT_TRIPLES = [("a", "b", "c"), ("m", "n", "k"), ("x", "y", "z"), ("i", "j", "l")]


def fam_and_swap() -> Iterator[BenchRow]:
    for i, (p, q, _) in enumerate(PROP_TRIPLES):
        st = f"({p} {q} : Prop) (h : {p} ∧ {q}) : {q} ∧ {p}"
        styles = [
            "exact ⟨h.2, h.1⟩",
            _p(f"obtain ⟨h{p}, h{q}⟩ := h", f"exact ⟨h{q}, h{p}⟩"),
            _p("constructor", "· exact h.right", "· exact h.left"),
            _p(
                f"have h{p} : {p} := h.1",
                f"have h{q} : {q} := h.2",
                "constructor",
                f"· exact h{q}",
                f"· exact h{p}",
            ),
        ]
        for j, proof in enumerate(styles):
            yield BenchRow(f"and_swap_{i}_{j}", st, proof)


def fam_or_swap() -> Iterator[BenchRow]:
    for i, (p, q, _) in enumerate(PROP_TRIPLES):
        st = f"({p} {q} : Prop) (h : {p} ∨ {q}) : {q} ∨ {p}"
        styles = [
            _p(
                "cases h with",
                f"| inl h{p} => exact Or.inr h{p}",
                f"| inr h{q} => exact Or.inl h{q}",
            ),
            _p(
                f"rcases h with h{p} | h{q}",
                "· right",
                f"  exact h{p}",
                "· left",
                f"  exact h{q}",
            ),
            f"exact Or.elim h (fun h{p} => Or.inr h{p}) (fun h{q} => Or.inl h{q})",
        ]
        for j, proof in enumerate(styles):
            yield BenchRow(f"or_swap_{i}_{j}", st, proof)


def fam_and_assoc() -> Iterator[BenchRow]:
    for i, (p, q, r) in enumerate(PROP_TRIPLES[:3]):
        fwd = f"({p} {q} {r} : Prop) (h : ({p} ∧ {q}) ∧ {r}) : {p} ∧ ({q} ∧ {r})"
        yield BenchRow(
            f"and_assoc_fwd_{i}_0",
            fwd,
            _p(f"obtain ⟨⟨h{p}, h{q}⟩, h{r}⟩ := h", f"exact ⟨h{p}, h{q}, h{r}⟩"),
        )
        yield BenchRow(
            f"and_assoc_fwd_{i}_1",
            fwd,
            _p(
                f"rcases h with ⟨⟨h{p}, h{q}⟩, h{r}⟩",
                "constructor",
                f"· exact h{p}",
                "· constructor",
                f"  · exact h{q}",
                f"  · exact h{r}",
            ),
        )
        bwd = f"({p} {q} {r} : Prop) (h : {p} ∧ ({q} ∧ {r})) : ({p} ∧ {q}) ∧ {r}"
        yield BenchRow(f"and_assoc_bwd_{i}_0", bwd, "exact ⟨⟨h.1, h.2.1⟩, h.2.2⟩")
        yield BenchRow(
            f"and_assoc_bwd_{i}_1",
            bwd,
            _p(
                f"obtain ⟨h{p}, h{q}, h{r}⟩ := h",
                "refine ⟨⟨?_, ?_⟩, ?_⟩",
                f"· exact h{p}",
                f"· exact h{q}",
                f"· exact h{r}",
            ),
        )


def fam_or_assoc() -> Iterator[BenchRow]:
    for i, (p, q, r) in enumerate(PROP_TRIPLES[:3]):
        st = f"({p} {q} {r} : Prop) (h : {p} ∨ ({q} ∨ {r})) : ({p} ∨ {q}) ∨ {r}"
        yield BenchRow(
            f"or_assoc_{i}_0",
            st,
            _p(
                f"rcases h with h{p} | h{q} | h{r}",
                f"· exact Or.inl (Or.inl h{p})",
                f"· exact Or.inl (Or.inr h{q})",
                f"· exact Or.inr h{r}",
            ),
        )
        yield BenchRow(
            f"or_assoc_{i}_1",
            st,
            _p(
                "cases h with",
                f"| inl h{p} =>",
                "  left",
                "  left",
                f"  exact h{p}",
                f"| inr h{q}{r} =>",
                f"  cases h{q}{r} with",
                f"  | inl h{q} =>",
                "    left",
                "    right",
                f"    exact h{q}",
                f"  | inr h{r} =>",
                "    right",
                f"    exact h{r}",
            ),
        )


CHAIN_LETTERS = ["a", "b", "c", "d", "e", "f", "g", "k"]


def fam_imp_chain() -> Iterator[BenchRow]:
    for n in range(2, 8):
        props = CHAIN_LETTERS[: n + 1]
        hyps = " ".join(f"(h{j + 1} : {props[j]} → {props[j + 1]})" for j in range(n))
        st = f"({' '.join(props)} : Prop) {hyps} : {props[0]} → {props[-1]}"
        term = "ha"
        for j in range(n):
            term = f"h{j + 1} ({term})" if j else f"h1 {term}"
        yield BenchRow(f"imp_chain_{n}_term", st, f"exact fun ha => {term}")
        applies = [f"apply h{j}" for j in range(n, 0, -1)]
        yield BenchRow(f"imp_chain_{n}_apply", st, _p("intro ha", *applies, "exact ha"))
        if n >= 3:
            haves = [f"have s1 : {props[1]} := h1 ha"]
            haves += [f"have s{j} : {props[j]} := h{j} s{j - 1}" for j in range(2, n + 1)]
            yield BenchRow(f"imp_chain_{n}_have", st, _p("intro ha", *haves, f"exact s{n}"))


def fam_curry() -> Iterator[BenchRow]:
    for i, (p, q, r) in enumerate(PROP_TRIPLES):
        cur = f"({p} {q} {r} : Prop) (h : {p} ∧ {q} → {r}) : {p} → {q} → {r}"
        yield BenchRow(f"curry_{i}_0", cur, _p(f"intro h{p} h{q}", f"exact h ⟨h{p}, h{q}⟩"))
        yield BenchRow(f"curry_{i}_1", cur, f"exact fun h{p} h{q} => h ⟨h{p}, h{q}⟩")
        unc = f"({p} {q} {r} : Prop) (h : {p} → {q} → {r}) : {p} ∧ {q} → {r}"
        yield BenchRow(f"uncurry_{i}_0", unc, _p("intro hc", "exact h hc.1 hc.2"))
        yield BenchRow(
            f"uncurry_{i}_1",
            unc,
            _p(
                "intro hc",
                f"obtain ⟨h{p}, h{q}⟩ := hc",
                "apply h",
                f"· exact h{p}",
                f"· exact h{q}",
            ),
        )


def fam_negation() -> Iterator[BenchRow]:
    for i, (p, q, _) in enumerate(PROP_TRIPLES):
        dn = f"({p} : Prop) (h{p} : {p}) : ¬¬{p}"
        yield BenchRow(f"not_not_intro_{i}_0", dn, _p("intro hn", f"exact hn h{p}"))
        yield BenchRow(f"not_not_intro_{i}_1", dn, f"exact fun hn => hn h{p}")
        cp = f"({p} {q} : Prop) (h : {p} → {q}) : ¬{q} → ¬{p}"
        yield BenchRow(f"contrapose_{i}_0", cp, _p(f"intro hn{q} h{p}", f"exact hn{q} (h h{p})"))
        yield BenchRow(
            f"contrapose_{i}_1",
            cp,
            _p(f"intro hn{q}", f"intro h{p}", f"apply hn{q}", "apply h", f"exact h{p}"),
        )
        ab = f"({p} {q} : Prop) (h{p} : {p}) (hn : ¬{p}) : {q}"
        yield BenchRow(f"absurd_{i}_0", ab, f"exact absurd h{p} hn")
        yield BenchRow(f"absurd_{i}_1", ab, _p("exfalso", f"exact hn h{p}"))
        yield BenchRow(f"absurd_{i}_2", ab, "contradiction")
        fe = f"({p} : Prop) (h : False) : {p}"
        yield BenchRow(
            f"false_elim_{i}",
            fe,
            ["exact h.elim", "exact False.elim h", "cases h", "contradiction"][i],
        )
        fi = f"({p} {q} : Prop) (h : {p} → False) (h{p} : {p}) : {q}"
        yield BenchRow(f"exfalso_apply_{i}", fi, _p("exfalso", "apply h", f"exact h{p}"))


def fam_iff() -> Iterator[BenchRow]:
    for i, (p, q, _) in enumerate(PROP_TRIPLES):
        it = f"({p} {q} : Prop) (h1 : {p} → {q}) (h2 : {q} → {p}) : {p} ↔ {q}"
        yield BenchRow(f"iff_intro_{i}_0", it, "exact ⟨h1, h2⟩")
        yield BenchRow(f"iff_intro_{i}_1", it, _p("constructor", "· exact h1", "· exact h2"))
        yield BenchRow(
            f"iff_intro_{i}_2",
            it,
            _p(
                "constructor",
                f"· intro h{p}",
                f"  exact h1 h{p}",
                f"· intro h{q}",
                f"  exact h2 h{q}",
            ),
        )
        mp = f"({p} {q} : Prop) (h : {p} ↔ {q}) (h{p} : {p}) : {q}"
        yield BenchRow(f"iff_mp_{i}_0", mp, f"exact h.mp h{p}")
        yield BenchRow(f"iff_mp_{i}_1", mp, _p("apply h.mp", f"exact h{p}"))
        yield BenchRow(f"iff_mp_{i}_2", mp, _p("rw [← h]", f"exact h{p}"))
        mpr = f"({p} {q} : Prop) (h : {p} ↔ {q}) (h{q} : {q}) : {p}"
        yield BenchRow(f"iff_mpr_{i}", mpr, f"exact h.mpr h{q}")
        sy = f"({p} {q} : Prop) (h : {p} ↔ {q}) : {q} ↔ {p}"
        yield BenchRow(
            f"iff_symm_{i}",
            sy,
            [
                "exact h.symm",
                "exact ⟨h.mpr, h.mp⟩",
                _p(
                    "constructor",
                    f"· intro h{q}",
                    f"  exact h.mpr h{q}",
                    f"· intro h{p}",
                    f"  exact h.mp h{p}",
                ),
                _p("constructor", "· exact h.2", "· exact h.1"),
            ][i],
        )


def fam_distrib() -> Iterator[BenchRow]:
    for i, (p, q, r) in enumerate(PROP_TRIPLES):
        d1 = f"({p} {q} {r} : Prop) (h : {p} ∧ ({q} ∨ {r})) : ({p} ∧ {q}) ∨ ({p} ∧ {r})"
        if i % 2 == 0:
            proof = _p(
                f"obtain ⟨h{p}, h{q} | h{r}⟩ := h",
                "· left",
                f"  exact ⟨h{p}, h{q}⟩",
                "· right",
                f"  exact ⟨h{p}, h{r}⟩",
            )
        else:
            proof = _p(
                f"rcases h with ⟨h{p}, h{q}{r}⟩",
                f"cases h{q}{r} with",
                f"| inl h{q} => exact Or.inl ⟨h{p}, h{q}⟩",
                f"| inr h{r} => exact Or.inr ⟨h{p}, h{r}⟩",
            )
        yield BenchRow(f"and_or_distrib_{i}", d1, proof)
        d2 = f"({p} {q} {r} : Prop) (h : ({p} ∧ {q}) ∨ ({p} ∧ {r})) : {p} ∧ ({q} ∨ {r})"
        yield BenchRow(
            f"and_or_factor_{i}",
            d2,
            _p(
                f"rcases h with ⟨h{p}, h{q}⟩ | ⟨h{p}, h{r}⟩",
                f"· exact ⟨h{p}, Or.inl h{q}⟩",
                f"· exact ⟨h{p}, Or.inr h{r}⟩",
            ),
        )
        d3 = f"({p} {q} {r} : Prop) (h : {p} ∨ ({q} ∧ {r})) : ({p} ∨ {q}) ∧ ({p} ∨ {r})"
        if i % 2 == 0:
            proof = _p(
                f"rcases h with h{p} | ⟨h{q}, h{r}⟩",
                f"· exact ⟨Or.inl h{p}, Or.inl h{p}⟩",
                f"· exact ⟨Or.inr h{q}, Or.inr h{r}⟩",
            )
        else:
            proof = _p(
                f"rcases h with h{p} | ⟨h{q}, h{r}⟩",
                "· constructor",
                "  · left",
                f"    exact h{p}",
                "  · left",
                f"    exact h{p}",
                "· constructor",
                "  · right",
                f"    exact h{q}",
                "  · right",
                f"    exact h{r}",
            )
        yield BenchRow(f"or_and_distrib_{i}", d3, proof)


def fam_de_morgan() -> Iterator[BenchRow]:
    for i, (p, q, _) in enumerate(PROP_TRIPLES):
        m1 = f"({p} {q} : Prop) (h : ¬({p} ∨ {q})) : ¬{p} ∧ ¬{q}"
        if i % 2 == 0:
            proof = f"exact ⟨fun h{p} => h (Or.inl h{p}), fun h{q} => h (Or.inr h{q})⟩"
        else:
            proof = _p(
                "constructor",
                f"· intro h{p}",
                "  apply h",
                "  left",
                f"  exact h{p}",
                f"· intro h{q}",
                "  apply h",
                "  right",
                f"  exact h{q}",
            )
        yield BenchRow(f"not_or_{i}", m1, proof)
        m2 = f"({p} {q} : Prop) (h : ¬{p} ∧ ¬{q}) : ¬({p} ∨ {q})"
        if i % 2 == 0:
            proof = _p(
                "intro hor",
                f"rcases hor with h{p} | h{q}",
                f"· exact h.1 h{p}",
                f"· exact h.2 h{q}",
            )
        else:
            proof = _p(
                "intro hor",
                f"obtain ⟨hn{p}, hn{q}⟩ := h",
                "cases hor with",
                f"| inl h{p} => exact hn{p} h{p}",
                f"| inr h{q} => exact hn{q} h{q}",
            )
        yield BenchRow(f"not_or_intro_{i}", m2, proof)
        m3 = f"({p} {q} : Prop) (h : ¬{p} ∨ ¬{q}) : ¬({p} ∧ {q})"
        yield BenchRow(
            f"not_and_of_{i}",
            m3,
            _p(
                "intro hand",
                f"rcases h with hn{p} | hn{q}",
                f"· exact hn{p} hand.1",
                f"· exact hn{q} hand.2",
            ),
        )


def fam_three_way() -> Iterator[BenchRow]:
    for i, (p, q, r) in enumerate(PROP_TRIPLES):
        st = f"({p} {q} {r} : Prop) (h{p} : {p}) (h{q} : {q}) (h{r} : {r}) : {p} ∧ {q} ∧ {r}"
        proof = [
            f"exact ⟨h{p}, h{q}, h{r}⟩",
            _p("refine ⟨?_, ?_, ?_⟩", "all_goals assumption"),
            _p(
                "constructor",
                f"· exact h{p}",
                "· constructor",
                f"  · exact h{q}",
                f"  · exact h{r}",
            ),
            _p("refine ⟨?_, ?_, ?_⟩", f"· exact h{p}", f"· exact h{q}", f"· exact h{r}"),
        ][i]
        yield BenchRow(f"and_three_{i}", st, proof)
        oe = f"({p} {q} {r} : Prop) (h : {p} ∨ {q}) (h1 : {p} → {r}) (h2 : {q} → {r}) : {r}"
        proof = [
            "exact h.elim h1 h2",
            _p("cases h with", f"| inl h{p} => exact h1 h{p}", f"| inr h{q} => exact h2 h{q}"),
            _p(
                f"rcases h with h{p} | h{q}",
                "· apply h1",
                f"  exact h{p}",
                "· apply h2",
                f"  exact h{q}",
            ),
            _p(f"obtain h{p} | h{q} := h", f"· exact h1 h{p}", f"· exact h2 h{q}"),
        ][i]
        yield BenchRow(f"or_elim_{i}", oe, proof)


HARD_PROPS = [
    ("p", "q", "r", "s", "t"),
    ("a", "b", "c", "d", "e"),
    ("P", "Q", "R", "S", "T"),
    ("A", "B", "C", "D", "E"),
]


def fam_hard_prop() -> Iterator[BenchRow]:
    for i, (p, q, r, s, t) in enumerate(HARD_PROPS):
        st = (
            f"({p} {q} {r} {s} {t} : Prop) (h1 : {p} ∧ {q}) (h2 : {q} → {r}) (h3 : {r} → {s}) "
            f"(h4 : {p} → {t}) : ({s} ∧ {t}) ∧ {p}"
        )
        yield BenchRow(
            f"hard_and_chain_{i}",
            st,
            _p(
                f"obtain ⟨h{p}, h{q}⟩ := h1",
                f"have h{r} : {r} := h2 h{q}",
                f"have h{s} : {s} := h3 h{r}",
                f"have h{t} : {t} := h4 h{p}",
                "constructor",
                "· constructor",
                f"  · exact h{s}",
                f"  · exact h{t}",
                f"· exact h{p}",
            ),
        )
        st2 = (
            f"({p} {q} {r} {s} : Prop) (h : {p} ∨ {q}) (h1 : {p} → {r}) (h2 : {q} → {s}) : "
            f"({r} ∨ {s}) ∧ ({s} ∨ {r})"
        )
        yield BenchRow(
            f"hard_or_map_{i}",
            st2,
            _p(
                f"rcases h with h{p} | h{q}",
                f"· have h{r} : {r} := h1 h{p}",
                "  constructor",
                "  · left",
                f"    exact h{r}",
                "  · right",
                f"    exact h{r}",
                f"· have h{s} : {s} := h2 h{q}",
                "  constructor",
                "  · right",
                f"    exact h{s}",
                "  · left",
                f"    exact h{s}",
            ),
        )
        st3 = f"({p} {q} {r} : Prop) : ({p} → {q} → {r}) ↔ ({p} ∧ {q} → {r})"
        yield BenchRow(
            f"hard_curry_iff_{i}",
            st3,
            _p(
                "constructor",
                "· intro h hpq",
                "  obtain ⟨hx, hy⟩ := hpq",
                "  exact h hx hy",
                "· intro h hx hy",
                "  apply h",
                "  constructor",
                "  · exact hx",
                "  · exact hy",
            ),
        )
        st4 = f"({p} {q} : Prop) : ({p} ∨ {q}) ∧ ¬{p} → {q}"
        yield BenchRow(
            f"hard_disj_syllogism_{i}",
            st4,
            _p(
                "intro h",
                "obtain ⟨hor, hn⟩ := h",
                "cases hor with",
                "| inl hx =>",
                "  exfalso",
                "  exact hn hx",
                "| inr hy =>",
                "  exact hy",
            ),
        )


def fam_true() -> Iterator[BenchRow]:
    for i, (p, q, _) in enumerate(PROP_TRIPLES[:3]):
        yield BenchRow(
            f"imp_true_{i}",
            f"({p} : Prop) : {p} → True",
            ["intro _\ntrivial", "exact fun _ => trivial", "intro _\nexact True.intro"][i],
        )
        yield BenchRow(
            f"and_true_{i}",
            f"({p} : Prop) (h{p} : {p}) : {p} ∧ True",
            [
                f"exact ⟨h{p}, trivial⟩",
                _p("constructor", f"· exact h{p}", "· trivial"),
                f"exact And.intro h{p} True.intro",
            ][i],
        )
        yield BenchRow(
            f"imp_self_{i}",
            f"({p} {q} : Prop) : {p} → {q} → {p}",
            [
                f"intro h{p} _\nexact h{p}",
                f"exact fun h{p} _ => h{p}",
                f"intro h{p}\nintro _\nassumption",
            ][i],
        )


# --- quantifiers ---------------------------------------------------------------------------


def fam_exists_intro() -> Iterator[BenchRow]:
    # (witness, statement body over `n`, proof styles)
    rows = [
        ("n + 3 = 7", "4", ["exact ⟨4, rfl⟩", "exists 4", "refine ⟨4, ?_⟩\nrfl"]),
        ("2 * n = 10", "5", ["exact ⟨5, rfl⟩", "exists 5", "refine ⟨5, ?_⟩\ndecide"]),
        ("n * n = 49", "7", ["exact ⟨7, rfl⟩", "exists 7"]),
        ("n + n = 12", "6", ["exact ⟨6, by decide⟩", "exists 6"]),
        ("10 - n = 3", "7", ["exact ⟨7, rfl⟩", "exists 7"]),
        ("n % 5 = 3", "8", ["exact ⟨8, rfl⟩", "refine ⟨8, ?_⟩\ndecide"]),
    ]
    k = 0
    for body, _w, proofs in rows:
        for var in ("n", "m"):
            st = f": ∃ {var} : Nat, {body.replace('n', var)}"
            for proof in proofs[(0 if var == "n" else 1) :: 2]:
                yield BenchRow(f"exists_nat_{k}", st, proof)
                k += 1
    conj = [
        ("n > 3 ∧ n < 6", "4"),
        ("n % 2 = 0 ∧ n > 5", "6"),
        ("3 * n = 12 ∧ n ≠ 0", "4"),
    ]
    for j, (body, w) in enumerate(conj):
        st = f": ∃ n : Nat, {body}"
        yield BenchRow(f"exists_conj_{j}_0", st, f"exact ⟨{w}, by decide, by decide⟩")
        yield BenchRow(
            f"exists_conj_{j}_1", st, _p(f"refine ⟨{w}, ?_, ?_⟩", "· decide", "· decide")
        )
        yield BenchRow(f"exists_conj_{j}_2", st, _p(f"refine ⟨{w}, ?_, ?_⟩", "all_goals decide"))
    ints = [
        ("x + 5 = 2", "-3"),
        ("2 * x = -8", "-4"),
        ("x - 7 = -10", "-3"),
        ("x * 3 + 1 = -5", "-2"),
    ]
    for j, (body, w) in enumerate(ints):
        st = f": ∃ x : Int, {body}"
        yield BenchRow(f"exists_int_{j}_0", st, f"exact ⟨{w}, by omega⟩")
        yield BenchRow(f"exists_int_{j}_1", st, _p(f"refine ⟨{w}, ?_⟩", "omega"))


def fam_exists_param() -> Iterator[BenchRow]:
    for i, (a, b, _) in enumerate(NAT_TRIPLES):
        yield BenchRow(
            f"exists_pred_{i}",
            f"({a} : Nat) (h : {a} > 0) : ∃ {b} : Nat, {b} + 1 = {a}",
            [f"exact ⟨{a} - 1, by omega⟩", _p(f"refine ⟨{a} - 1, ?_⟩", "omega")][i % 2],
        )
        yield BenchRow(
            f"exists_gt_{i}",
            f": ∀ {a} : Nat, ∃ {b} : Nat, {b} > {a}",
            [
                _p(f"intro {a}", f"exact ⟨{a} + 1, by omega⟩"),
                _p(f"intro {a}", f"refine ⟨{a} + 1, ?_⟩", "omega"),
                f"exact fun {a} => ⟨{a} + 1, Nat.lt_succ_self {a}⟩",
                _p(f"intro {a}", f"exact ⟨{a} + 1, Nat.lt_succ_self {a}⟩"),
            ][i],
        )
        yield BenchRow(
            f"exists_sum_{i}",
            f"({a} {b} : Nat) : ∃ c : Nat, c = {a} + {b} ∧ c ≥ {a}",
            [
                f"exact ⟨{a} + {b}, rfl, by omega⟩",
                _p(f"refine ⟨{a} + {b}, rfl, ?_⟩", "omega"),
                _p(f"refine ⟨{a} + {b}, ?_, ?_⟩", "· rfl", "· omega"),
                _p(f"refine ⟨{a} + {b}, ?_, ?_⟩", "all_goals omega"),
            ][i],
        )
        yield BenchRow(
            f"int_neg_exists_{i}",
            f": ∀ {a} : Int, ∃ {b} : Int, {a} + {b} = 0",
            [
                _p(f"intro {a}", f"exact ⟨-{a}, by omega⟩"),
                _p(f"intro {a}", f"refine ⟨-{a}, ?_⟩", "omega"),
            ][i % 2],
        )
        yield BenchRow(
            f"exists_least_{i}",
            f": ∃ {a} : Nat, ∀ {b} : Nat, {a} ≤ {b}",
            [
                f"exact ⟨0, fun {b} => Nat.zero_le {b}⟩",
                _p("refine ⟨0, ?_⟩", f"intro {b}", "omega"),
                _p("refine ⟨0, ?_⟩", f"intro {b}", f"exact Nat.zero_le {b}"),
                _p("refine ⟨0, fun _ => ?_⟩", "omega"),
            ][i],
        )


def fam_exists_elim() -> Iterator[BenchRow]:
    for i, (a, b, _) in enumerate(NAT_TRIPLES):
        yield BenchRow(
            f"exists_weaken_{i}",
            f"(h : ∃ {a} : Nat, {a} > 5) : ∃ {b} : Nat, {b} > 3",
            [
                _p(f"obtain ⟨{a}, h{a}⟩ := h", f"exact ⟨{a}, by omega⟩"),
                _p(f"rcases h with ⟨{a}, h{a}⟩", f"refine ⟨{a}, ?_⟩", "omega"),
                _p(f"obtain ⟨{a}, h{a}⟩ := h", f"exact ⟨{a} - 2, by omega⟩"),
                _p("cases h with", f"| intro {a} h{a} => exact ⟨{a}, by omega⟩"),
            ][i],
        )
        yield BenchRow(
            f"exists_bound_{i}",
            f"({b} : Nat) (h : ∃ {a} : Nat, {a} + 2 = {b}) : {b} ≥ 2",
            _p(f"obtain ⟨{a}, h{a}⟩ := h", "omega"),
        )
        yield BenchRow(
            f"exists_conj_elim_{i}",
            f"(h : ∃ {a} : Nat, {a} > 2 ∧ {a} < 4) : ∃ {b} : Nat, {b} = 3",
            [
                _p(f"obtain ⟨{a}, h1, h2⟩ := h", f"exact ⟨{a}, by omega⟩"),
                _p(f"rcases h with ⟨{a}, h1, h2⟩", f"refine ⟨{a}, ?_⟩", "omega"),
                _p(
                    f"obtain ⟨{a}, h1, h2⟩ := h", f"have e : {a} = 3 := by omega", f"exact ⟨{a}, e⟩"
                ),
                "exact ⟨3, rfl⟩",
            ][i],
        )
        yield BenchRow(
            f"exists_double_{i}",
            f"({b} : Nat) (h : ∃ {a} : Nat, {b} = 2 * {a}) : {b} % 2 = 0",
            _p(f"obtain ⟨{a}, h{a}⟩ := h", "omega"),
        )


def fam_forall() -> Iterator[BenchRow]:
    for i, (a, b, c) in enumerate(NAT_TRIPLES):
        yield BenchRow(
            f"forall_add_zero_{i}",
            f": ∀ {a} : Nat, {a} + 0 = {a}",
            [
                _p(f"intro {a}", "rfl"),
                f"exact fun {a} => rfl",
                _p(f"intro {a}", "simp"),
                _p(f"intro {a}", "omega"),
            ][i],
        )
        yield BenchRow(
            f"forall_zero_add_{i}",
            f": ∀ {a} : Nat, 0 + {a} = {a}",
            [
                _p(f"intro {a}", f"exact Nat.zero_add {a}"),
                _p(f"intro {a}", "simp"),
                _p(f"intro {a}", "omega"),
                f"exact fun {a} => Nat.zero_add {a}",
            ][i],
        )
        yield BenchRow(
            f"forall_add_comm_{i}",
            f": ∀ {a} {b} : Nat, {a} + {b} = {b} + {a}",
            [
                _p(f"intro {a} {b}", f"exact Nat.add_comm {a} {b}"),
                _p(f"intro {a} {b}", "omega"),
                f"exact fun {a} {b} => Nat.add_comm {a} {b}",
                _p(f"intro {a}", f"intro {b}", "omega"),
            ][i],
        )
        yield BenchRow(
            f"forall_lt_succ_{i}",
            f": ∀ {a} : Nat, {a} < {a} + 1",
            [_p(f"intro {a}", f"exact Nat.lt_succ_self {a}"), _p(f"intro {a}", "omega")][i % 2],
        )
        yield BenchRow(
            f"forall_inst_{i}",
            f"({a} {b} : Nat) (h : ∀ {c} : Nat, {c} ≤ {a} → {c} ≤ {b}) : {a} ≤ {b}",
            [
                f"exact h {a} (Nat.le_refl {a})",
                _p(f"specialize h {a}", "apply h", "omega"),
                _p(f"have h{a} := h {a} (by omega)", f"exact h{a}"),
                _p(f"apply h {a}", f"exact Nat.le_refl {a}"),
            ][i],
        )
        yield BenchRow(
            f"forall_mono_{i}",
            f"({a} : Nat) (h : ∀ {b} : Nat, {b} < {a} → {b} < 10) (h{a} : 0 < {a}) : 0 < 10",
            [
                f"exact h 0 h{a}",
                _p(f"have h0 := h 0 h{a}", "exact h0"),
                _p("apply h 0", f"exact h{a}"),
                _p(f"specialize h 0 h{a}", "exact h"),
            ][i],
        )
        yield BenchRow(
            f"forall_and_split_{i}",
            f"(h : ∀ {a} : Nat, {a} + 0 = {a} ∧ 0 + {a} = {a}) : ∀ {b} : Nat, 0 + {b} = {b}",
            [
                _p(f"intro {b}", f"exact (h {b}).2"),
                f"exact fun {b} => (h {b}).2",
                _p(f"intro {b}", f"obtain ⟨_, h2⟩ := h {b}", "exact h2"),
                _p(f"intro {b}", f"have hb := h {b}", "exact hb.right"),
            ][i],
        )


# --- arithmetic ----------------------------------------------------------------------------


def fam_omega_nat() -> Iterator[BenchRow]:
    # (variables used, hypotheses, goal), written over {a} {b} {c} and rendered with two triples.
    shapes = [
        ("ab", "(h1 : {a} < {b})", "{a} + 1 ≤ {b}"),
        ("abc", "(h1 : {a} ≤ {b}) (h2 : {b} < {c})", "{a} < {c}"),
        ("ab", "(h : {a} + 3 = {b})", "{b} - {a} = 3"),
        ("a", "(h : 2 * {a} + 1 = 7)", "{a} = 3"),
        ("a", "(h : {a} % 2 = 1)", "({a} + 1) % 2 = 0"),
        ("a", "", "{a} / 2 ≤ {a}"),
        ("ab", "(h1 : {a} = {b} + 2) (h2 : {b} ≥ 1)", "{a} ≥ 3"),
        ("a", "(h : {a} ≠ 0)", "{a} ≥ 1"),
        ("ab", "(h1 : {a} < 5) (h2 : {b} < 5)", "{a} + {b} < 9"),
        ("ab", "(h : 3 * {a} = 2 * {b})", "{a} ≤ {b}"),
        ("ab", "", "{a} - {b} ≤ {a}"),
        ("ab", "(h1 : {a} + {b} = 10) (h2 : {a} - {b} = 4) (h3 : {b} ≤ {a})", "{a} = 7"),
    ]
    for s, (used, hyps, goal) in enumerate(shapes):
        for i in range(2):
            a, b, c = NAT_TRIPLES[(s + i) % len(NAT_TRIPLES)]
            names = {"a": a, "b": b, "c": c}
            binders = f"({' '.join(names[v] for v in used)} : Nat)"
            hyp_text = hyps.format(**names)
            st = " ".join(x for x in (binders, hyp_text) if x) + " : " + goal.format(**names)
            yield BenchRow(f"nat_omega_{s}_{i}", st, "omega")


def fam_omega_int() -> Iterator[BenchRow]:
    shapes = [
        ("(x y : Int) (h1 : x - y = 4) (h2 : x + y = 10)", "x = 7"),
        ("(x : Int) (h : 2 * x + 3 = 11)", "x = 4"),
        ("(x : Int) (h : x < 0)", "-x > 0"),
        ("(x y : Int) (h : x ≤ y)", "x - y ≤ 0"),
        ("(x : Int) (h1 : 0 ≤ x) (h2 : x ≤ 0)", "x = 0"),
        ("(a b : Int)", "a + b - b = a"),
        ("(u v : Int) (h : u = -v)", "u + v = 0"),
        ("(t : Int) (h : 3 * t - 2 = 7)", "t = 3"),
    ]
    for s, (binders, goal) in enumerate(shapes):
        yield BenchRow(f"int_omega_{s}", f"{binders} : {goal}", "omega")
    yield BenchRow(
        "int_le_antisymm_term",
        "(x : Int) (h1 : 0 ≤ x) (h2 : x ≤ 0) : x = 0",
        "exact Int.le_antisymm h2 h1",
    )
    yield BenchRow("int_add_comm_term", "(x y : Int) : x + y = y + x", "exact Int.add_comm x y")
    yield BenchRow("int_add_zero_simp", "(x : Int) : x + 0 = x", "simp")
    yield BenchRow("int_neg_neg_simp", "(x : Int) : -(-x) = x", "simp")


def fam_decide() -> Iterator[BenchRow]:
    facts = [
        "2 + 3 = 5",
        "7 * 8 = 56",
        "2 ^ 10 = 1024",
        "100 % 7 = 2",
        "17 / 5 = 3",
        "¬(5 < 3)",
        "12 ≤ 12",
        "3 ≠ 4",
        "(10 - 3) * 2 = 14",
        "2 ^ 5 < 40",
    ]
    for i, f in enumerate(facts):
        proof = [
            "decide",
            "rfl",
            "decide",
            "decide",
            "decide",
            "decide",
            "decide",
            "decide",
            "rfl",
            "decide",
        ][i]
        yield BenchRow(f"nat_closed_{i}", f": {f}", proof)
    ands = ["2 < 3 ∧ 3 < 4", "1 + 1 = 2 ∧ 2 * 2 = 4", "10 % 3 = 1 ∧ 10 / 3 = 3"]
    for i, f in enumerate(ands):
        yield BenchRow(
            f"nat_closed_and_{i}",
            f": {f}",
            [
                "constructor <;> decide",
                _p("constructor", "· decide", "· decide"),
                _p("refine ⟨?_, ?_⟩", "all_goals decide"),
            ][i],
        )
    contra = ["2 + 2 = 5", "3 * 3 = 10", "7 < 2"]
    for i, f in enumerate(contra):
        yield BenchRow(
            f"nat_false_hyp_{i}",
            f"(h : {f}) : False",
            ["simp at h", "omega", "exact absurd h (by decide)"][i],
        )


def fam_simp() -> Iterator[BenchRow]:
    for i, (a, b, _) in enumerate(NAT_TRIPLES):
        yield BenchRow(f"simp_add_zero_{i}", f"({a} : Nat) : {a} + 0 = {a}", "simp")
        yield BenchRow(f"simp_zero_add_{i}", f"({a} : Nat) : 0 + {a} = {a}", "simp")
        yield BenchRow(f"simp_mul_one_{i}", f"({a} : Nat) : {a} * 1 = {a}", "simp")
        yield BenchRow(f"simp_one_mul_{i}", f"({a} : Nat) : 1 * {a} = {a}", "simp")
        yield BenchRow(f"simp_mul_zero_{i}", f"({a} : Nat) : {a} * 0 = 0", "simp")
        yield BenchRow(
            f"simp_hyp_{i}", f"({a} {b} : Nat) (h : {a} = {b}) : {a} + 0 = {b}", "simp [h]"
        )


def fam_rewrite() -> Iterator[BenchRow]:
    for i, (a, b, c) in enumerate(NAT_TRIPLES):
        yield BenchRow(
            f"eq_trans_{i}",
            f"({a} {b} {c} : Nat) (h1 : {a} = {b}) (h2 : {b} = {c}) : {a} = {c}",
            ["rw [h1, h2]", "exact h1.trans h2", "exact Eq.trans h1 h2", _p("rw [h1]", "exact h2")][
                i
            ],
        )
        yield BenchRow(
            f"eq_symm_{i}",
            f"({a} {b} : Nat) (h : {a} = {b}) : {b} = {a}",
            ["rw [h]", "exact h.symm", "omega", _p("subst h", "rfl")][i],
        )
        yield BenchRow(
            f"rw_add_{i}",
            f"({a} {b} : Nat) (h : {a} = {b}) : {a} + 1 = {b} + 1",
            ["rw [h]", "exact congrArg (fun t => t + 1) h", "simp [h]", _p("subst h", "rfl")][i],
        )
        yield BenchRow(
            f"subst_omega_{i}",
            f"({a} {b} : Nat) (h : {a} = {b} + 2) : {a} + 1 = {b} + 3",
            [_p("subst h", "omega"), "omega"][i % 2],
        )
        yield BenchRow(
            f"rw_comm_{i}",
            f"({a} {b} : Nat) : {a} + {b} + 0 = {b} + {a}",
            [
                _p("rw [Nat.add_zero]", f"exact Nat.add_comm {a} {b}"),
                "rw [Nat.add_zero, Nat.add_comm]",
                "omega",
                _p("rw [Nat.add_zero]", "omega"),
            ][i],
        )


def fam_cases_nat() -> Iterator[BenchRow]:
    for i, (a, _, _) in enumerate(NAT_TRIPLES):
        yield BenchRow(
            f"zero_or_pos_{i}",
            f"({a} : Nat) : {a} = 0 ∨ {a} ≥ 1",
            [
                _p(f"by_cases h : {a} = 0", "· left", "  exact h", "· right", "  omega"),
                _p(
                    f"cases {a} with",
                    "| zero => left; rfl".replace("; ", "\n  ")
                    if False
                    else "| zero =>\n  left\n  rfl",
                    "| succ k =>\n  right\n  omega",
                ),
                _p(
                    f"rcases Nat.eq_zero_or_pos {a} with h | h",
                    "· exact Or.inl h",
                    "· exact Or.inr h",
                ),
                _p(f"by_cases h : {a} = 0", "· exact Or.inl h", "· exact Or.inr (by omega)"),
            ][i],
        )
        yield BenchRow(
            f"ne_zero_pos_{i}",
            f"({a} : Nat) (h : {a} ≠ 0) : 0 < {a}",
            [
                "omega",
                _p(
                    f"cases {a} with", "| zero => contradiction", "| succ k => exact Nat.succ_pos k"
                ),
                _p(f"cases {a} with", "| zero => exact absurd rfl h", "| succ k => omega"),
                "exact Nat.pos_of_ne_zero h",
            ][i],
        )
        yield BenchRow(
            f"by_cases_le_{i}",
            f"({a} : Nat) : {a} ≤ 5 ∨ {a} > 5",
            [
                _p(f"by_cases h : {a} ≤ 5", "· left", "  exact h", "· right", "  omega"),
                _p(f"by_cases h : {a} ≤ 5", "· exact Or.inl h", "· exact Or.inr (by omega)"),
                _p(
                    f"rcases Nat.lt_or_ge 5 {a} with h | h",
                    "· right",
                    "  exact h",
                    "· left",
                    "  exact h",
                ),
                _p(f"by_cases h : {a} > 5", "· right", "  exact h", "· left", "  omega"),
            ][i],
        )


def fam_combinators() -> Iterator[BenchRow]:
    for i, (a, b, _) in enumerate(NAT_TRIPLES):
        yield BenchRow(
            f"and_omega_{i}",
            f"({a} : Nat) (h : {a} = 5) : {a} > 2 ∧ {a} < 9",
            [
                "constructor <;> omega",
                _p("constructor", "all_goals omega"),
                _p("constructor", "· omega", "· omega"),
                "exact ⟨by omega, by omega⟩",
            ][i],
        )
        yield BenchRow(
            f"iff_omega_{i}",
            f"({a} : Nat) : {a} + 1 ≤ 5 ↔ {a} < 5",
            [
                "constructor <;> intro h <;> omega",
                _p("constructor", "· intro h", "  omega", "· intro h", "  omega"),
                "exact ⟨fun h => by omega, fun h => by omega⟩",
                _p("constructor", "all_goals intro h", "all_goals omega"),
            ][i],
        )
        yield BenchRow(
            f"triple_omega_{i}",
            f"({a} {b} : Nat) (h1 : {a} = 2) (h2 : {b} = 3) : {a} + {b} = 5 ∧ {a} < {b} ∧ {b} - {a} = 1",
            [
                "refine ⟨?_, ?_, ?_⟩ <;> omega",
                _p("refine ⟨?_, ?_, ?_⟩", "· omega", "· omega", "· omega"),
                _p("constructor", "· omega", "· constructor", "  · omega", "  · omega"),
                _p("subst h1", "subst h2", "decide"),
            ][i],
        )
        yield BenchRow(
            f"first_tac_{i}",
            f"({a} : Nat) (h : {a} < 3) : {a} < 10 ∧ 2 < 3",
            [
                _p("constructor", "all_goals first | decide | omega"),
                _p("constructor", "· omega", "· decide"),
                _p("refine ⟨?_, ?_⟩", "any_goals decide", "omega"),
                "exact ⟨by omega, by decide⟩",
            ][i],
        )
        yield BenchRow(
            f"pair_split_{i}",
            f"({a} {b} : Nat) (h : {a} = 2 ∧ {b} = 3) : {a} + {b} = 5 ∧ {a} < {b}",
            [
                _p(f"obtain ⟨h{a}, h{b}⟩ := h", "constructor", "· omega", "· omega"),
                _p(f"obtain ⟨h{a}, h{b}⟩ := h", "constructor <;> omega"),
                _p(f"rcases h with ⟨h{a}, h{b}⟩", "exact ⟨by omega, by omega⟩"),
                _p("have h1 := h.1", "have h2 := h.2", "constructor", "· omega", "· omega"),
            ][i],
        )


def fam_induction() -> Iterator[BenchRow]:
    for i, (n, k, _) in enumerate([("n", "k", ""), ("m", "j", ""), ("t", "s", "")]):
        # `2 ^ n` grows: one proof serves `n < 2 ^ n` and `1 ≤ 2 ^ n`.
        pow_induction = _p(
            f"induction {n} with",
            "| zero => decide",
            f"| succ {k} ih =>",
            "  rw [Nat.pow_succ]",
            "  omega",
        )
        yield BenchRow(
            f"ind_zero_add_{i}",
            f"({n} : Nat) : 0 + {n} = {n}",
            _p(f"induction {n} with", "| zero => rfl", f"| succ {k} ih => omega"),
        )
        yield BenchRow(
            f"ind_lt_pow_{i}",
            f"({n} : Nat) : {n} < 2 ^ {n}",
            pow_induction,
        )
        yield BenchRow(
            f"ind_one_le_pow_{i}",
            f"({n} : Nat) : 1 ≤ 2 ^ {n}",
            pow_induction,
        )
        yield BenchRow(
            f"ind_double_{i}",
            f"({n} : Nat) : {n} * 2 = {n} + {n}",
            _p(f"induction {n} with", "| zero => rfl", f"| succ {k} ih => omega"),
        )
        yield BenchRow(
            f"ind_mul_le_{i}",
            f"(a b {n} : Nat) (h : a ≤ b) : a * {n} ≤ b * {n}",
            _p(
                f"induction {n} with",
                "| zero => simp",
                f"| succ {k} ih =>",
                "  rw [Nat.mul_succ, Nat.mul_succ]",
                "  omega",
            ),
        )
        yield BenchRow(
            f"ind_mul_le_long_{i}",
            f"(a b {n} : Nat) (h : a ≤ b) : a * {n} ≤ b * {n}",
            _p(
                f"induction {n} with",
                "| zero =>",
                "  simp",
                f"| succ {k} ih =>",
                f"  have e1 : a * ({k} + 1) = a * {k} + a := Nat.mul_succ a {k}",
                f"  have e2 : b * ({k} + 1) = b * {k} + b := Nat.mul_succ b {k}",
                "  rw [e1, e2]",
                f"  have hk : a * {k} + a ≤ b * {k} + b := by omega",
                "  exact hk",
            ),
        )
        yield BenchRow(
            f"ind_pow_mono_{i}",
            f"({n} : Nat) : 2 ^ {n} < 2 ^ ({n} + 1)",
            _p(
                f"have h : 1 ≤ 2 ^ {n} := by",
                f"  induction {n} with",
                "  | zero => decide",
                f"  | succ {k} ih =>",
                "    rw [Nat.pow_succ]",
                "    omega",
                "rw [Nat.pow_succ]",
                "omega",
            ),
        )


def fam_hard_arith() -> Iterator[BenchRow]:
    for i, (a, b, c) in enumerate(NAT_TRIPLES):
        d = "d" if i != 1 else "e"
        yield BenchRow(
            f"hard_lt_chain_{i}",
            f"({a} {b} {c} {d} : Nat) (h1 : {a} < {b}) (h2 : {b} < {c}) (h3 : {c} < {d}) : {a} + 3 ≤ {d}",
            _p(
                f"have s1 : {a} + 1 ≤ {b} := by omega",
                f"have s2 : {b} + 1 ≤ {c} := by omega",
                f"have s3 : {c} + 1 ≤ {d} := by omega",
                f"have s4 : {a} + 2 ≤ {c} := by omega",
                f"have s5 : {a} + 3 ≤ {d} := by omega",
                f"show {a} + 3 ≤ {d}",
                "exact s5",
            ),
        )
        yield BenchRow(
            f"hard_exists_sum_{i}",
            f"(h1 : ∃ {a} : Nat, {a} > 3) (h2 : ∃ {b} : Nat, {b} > 4) : ∃ {c} : Nat, {c} > 7 ∧ {c} ≠ 0",
            _p(
                f"obtain ⟨{a}, h{a}⟩ := h1",
                f"obtain ⟨{b}, h{b}⟩ := h2",
                f"refine ⟨{a} + {b}, ?_, ?_⟩",
                "· omega",
                "· omega",
            ),
        )
        yield BenchRow(
            f"hard_case_split_{i}",
            f"({a} {b} : Nat) (h : {a} < {b} ∨ {a} = {b}) : {a} ≤ {b} ∧ ({a} ≠ {b} → {a} < {b})",
            _p(
                "rcases h with hlt | heq",
                "· constructor",
                "  · omega",
                "  · intro _",
                "    exact hlt",
                "· constructor",
                "  · omega",
                "  · intro hne",
                "    exfalso",
                "    exact hne heq",
            ),
        )
        yield BenchRow(
            f"hard_int_system_{i}",
            f"({a} {b} : Int) (h1 : {a} + {b} = 10) (h2 : {a} - {b} = 2) : {a} = 6 ∧ {b} = 4 ∧ {a} * 1 > {b}",
            _p(
                f"have h{a} : {a} = 6 := by omega",
                f"have h{b} : {b} = 4 := by omega",
                "refine ⟨?_, ?_, ?_⟩",
                f"· exact h{a}",
                f"· exact h{b}",
                f"· subst h{a}",
                f"  subst h{b}",
                "  omega",
            ),
        )
        yield BenchRow(
            f"hard_mod_cases_{i}",
            f"({a} : Nat) : {a} % 2 = 0 ∨ {a} % 2 = 1",
            _p(
                f"have h := Nat.mod_lt {a} (show 2 > 0 by decide)",
                f"by_cases h0 : {a} % 2 = 0",
                "· left",
                "  exact h0",
                "· right",
                "  omega",
            ),
        )
        yield BenchRow(
            f"hard_bounded_{i}",
            f"({a} {b} : Nat) (h1 : {a} ≤ 3) (h2 : {b} ≤ 3) (h3 : {a} + {b} = 6) : {a} = 3 ∧ {b} = 3",
            _p(
                f"have ha : {a} ≥ 3 := by omega",
                f"have hb : {b} ≥ 3 := by omega",
                "constructor",
                "· apply Nat.le_antisymm",
                "  · exact h1",
                "  · exact ha",
                "· apply Nat.le_antisymm",
                "  · exact h2",
                "  · exact hb",
            ),
        )


def fam_hard_iff() -> Iterator[BenchRow]:
    for i, (p, q, _) in enumerate(PROP_TRIPLES):
        yield BenchRow(
            f"hard_and_comm_iff_{i}",
            f"({p} {q} : Prop) : {p} ∧ {q} ↔ {q} ∧ {p}",
            _p(
                "constructor",
                "· intro h",
                f"  obtain ⟨h{p}, h{q}⟩ := h",
                f"  exact ⟨h{q}, h{p}⟩",
                "· intro h",
                f"  obtain ⟨h{q}, h{p}⟩ := h",
                f"  exact ⟨h{p}, h{q}⟩",
            ),
        )
        yield BenchRow(
            f"hard_or_comm_iff_{i}",
            f"({p} {q} : Prop) : {p} ∨ {q} ↔ {q} ∨ {p}",
            _p(
                "constructor",
                "· intro h",
                f"  rcases h with h{p} | h{q}",
                f"  · exact Or.inr h{p}",
                f"  · exact Or.inl h{q}",
                "· intro h",
                f"  rcases h with h{q} | h{p}",
                f"  · exact Or.inr h{q}",
                f"  · exact Or.inl h{p}",
            ),
        )


def fam_hard_linear() -> Iterator[BenchRow]:
    for i, (a, b, c) in enumerate(NAT_TRIPLES):
        yield BenchRow(
            f"hard_linear_system_{i}",
            f"({a} {b} {c} : Nat) (h1 : {a} + {b} = {c}) (h2 : {c} = 2 * {b}) (h3 : {b} > 0) : "
            f"{a} = {b} ∧ {a} > 0 ∧ {c} > {a}",
            _p(
                f"have e1 : {a} = {b} := by omega",
                f"have e2 : {a} > 0 := by omega",
                f"have e3 : {c} > {a} := by omega",
                "constructor",
                "· exact e1",
                "· constructor",
                "  · exact e2",
                "  · exact e3",
            ),
        )


FAMILIES: list[Family] = [
    fam_and_swap,
    fam_or_swap,
    fam_and_assoc,
    fam_or_assoc,
    fam_imp_chain,
    fam_curry,
    fam_negation,
    fam_iff,
    fam_distrib,
    fam_de_morgan,
    fam_three_way,
    fam_hard_prop,
    fam_true,
    fam_exists_intro,
    fam_exists_param,
    fam_exists_elim,
    fam_forall,
    fam_omega_nat,
    fam_omega_int,
    fam_decide,
    fam_simp,
    fam_rewrite,
    fam_cases_nat,
    fam_combinators,
    fam_induction,
    fam_hard_arith,
    fam_hard_iff,
    fam_hard_linear,
]


def _bench_rows() -> list[BenchRow]:
    """Every row, core families first, then the hard tier."""
    rows = [row for family in FAMILIES for row in family() if row is not None]
    for family in DEEP_FAMILIES:
        rows += [BenchRow(name, statement, proof, hard=True) for name, statement, proof in family()]
    return rows


def test_families(rows: list[BenchRow]) -> set[str]:
    """The families held out as the test split: per tier (core, hard), the families with the
    smallest hash of (salt, family) until they hold :data:`TEST_FRACTION` of the tier's rows."""
    held: set[str] = set()
    for hard in (False, True):
        sizes: dict[str, int] = defaultdict(int)
        for row in rows:
            if row.hard == hard:
                sizes[row.family] += 1
        goal = TEST_FRACTION * sum(sizes.values())
        taken = 0
        for family in sorted(
            sizes, key=lambda f: hashlib.sha256(f"{_TEST_SALT}\x00{f}".encode()).digest()
        ):
            if taken >= goal:
                break
            held.add(family)
            taken += sizes[family]
    return held


def build_rows() -> list[dict[str, str]]:
    """All benchmark rows, in a fixed order, each with its family and split.

    Raises:
        ValueError: If two theorems share a name, or a statement (variable names normalised)
            occurs in two families.
    """
    rows = _bench_rows()
    seen: set[str] = set()
    families_of: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.name in seen:
            raise ValueError(f"duplicate theorem name {row.name!r}")
        seen.add(row.name)
        families_of[normalize_statement(row.statement)].add(row.family)
    shared = {key: sorted(f) for key, f in families_of.items() if len(f) > 1}
    if shared:
        raise ValueError(f"statements shared by several families (alias them): {shared}")
    held = test_families(rows)
    return [row.to_json("test" if row.family in held else "train") for row in rows]


def render(rows: list[dict[str, str]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: list[str] | None = None) -> int:
    """Writes (or with ``--check`` compares) the benchmark file; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_dataclass_arguments(parser, GeneratorArgs)
    args = dataclass_from_namespace(GeneratorArgs, parser.parse_args(argv))
    text = render(build_rows())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run this script to regenerate it")
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {len(text.splitlines())} theorems to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
