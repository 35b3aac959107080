"""The shipped theorem sets: well-formed rows, honest difficulty tags, proofs MiniLean accepts.

Also the issue's "Done when": a shipped proof cut short by its last top-level tactic is rejected
(unless it still closes every goal; no shipped proof needs that exception today). And the honest
splits of minilean-bench: every row records its template family and its split, no family
straddles train and test, no statement occurs (variable names normalised) in two families, and
the hard tier's proofs are 10 to 30 tactics long.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from lean_gym.tactic_text import join_tactics, split_tactics
from lean_gym.types import Theorem

DATASETS = Path(__file__).resolve().parents[2] / "lean_gym" / "datasets"
SMOKE = DATASETS / "smoke.jsonl"
BENCH = DATASETS / "minilean-bench.jsonl"
GENERATOR = DATASETS / "generate_minilean_bench.py"
REQUIRED = ("name", "formal_statement", "header", "proof", "difficulty", "source")
BENCH_REQUIRED = (*REQUIRED, "family", "split")
CORE_ONLY_FORBIDDEN = ("ℕ", "ℤ", "norm_num", "linarith", "nlinarith", "positivity", "import")

# Shipped proofs whose last tactic is redundant, so that the cut-short proof still closes every
# goal: name -> why. Empty: every shipped proof needs its last tactic.
REDUNDANT_LAST_TACTIC: dict[str, str] = {}


def load_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def theorem_of(row: dict[str, Any]) -> Theorem:
    return Theorem.from_formal_statement(
        row["formal_statement"],
        header=row["header"],
        proof=row["proof"],
        source=row["source"],
        difficulty=row["difficulty"],
    )


def _bullet_body(tactic: str) -> str:
    first, _, rest = tactic.partition("\n")
    # `· tac` : the block starts two columns in, like the continuation lines.
    return "  " + first[1:].strip() + ("\n" + rest if rest else "")


def count_tactics(block: str) -> int:
    """Tactics of a proof: top-level ones, bullets counted by their contents, and one plus the
    contents of every `| pat => ...` alternative (the rule documented in datasets/README.md)."""
    total = 0
    for tactic in split_tactics(block):
        lines = tactic.split("\n")
        if tactic.startswith(("·", ".")) and tactic[1:2] in (" ", "\n", ""):
            total += count_tactics(_bullet_body(tactic))
            continue
        if lines[0].rstrip().endswith(":= by") and len(lines) > 1:
            # `have h : T := by` with its block below: one plus the block's tactics.
            total += 1 + count_tactics("\n".join(lines[1:]))
            continue
        arms = [i for i, line in enumerate(lines) if line.startswith("|") and "=>" in line]
        if not arms:
            total += 1
            continue
        total += 1
        for start, stop in zip(arms, [*arms[1:], len(lines)], strict=True):
            inline = lines[start].split("=>", 1)[1].strip()
            body = (["  " + inline] if inline else []) + lines[start + 1 : stop]
            total += count_tactics("\n".join(body))
    return total


def expected_difficulty(row: dict[str, Any]) -> str:
    """The tier: ``hard`` for the deep families, else ``easy`` (1-2 tactics) or ``medium``."""
    if row["name"].startswith("deep_"):
        return "hard"
    return "easy" if count_tactics(row["proof"]) <= 2 else "medium"


@pytest.fixture(scope="module")
def smoke_rows() -> list[dict[str, Any]]:
    return load_rows(SMOKE)


@pytest.fixture(scope="module")
def bench_rows() -> list[dict[str, Any]]:
    return load_rows(BENCH)


def test_rows_are_well_formed(smoke_rows, bench_rows) -> None:
    for rows, source in ((smoke_rows, "smoke"), (bench_rows, "minilean-bench")):
        for row in rows:
            assert all(k in row for k in (BENCH_REQUIRED if source != "smoke" else REQUIRED)), row
            assert row["source"] == source, row["name"]
            assert row["header"] == "", row["name"]
            assert row["formal_statement"].startswith(f"theorem {row['name']} ")
            assert row["formal_statement"].endswith(" := by"), row["name"]
            theorem = theorem_of(row)
            assert theorem.name == row["name"]
            assert theorem.formal_statement == row["formal_statement"]
            assert row["proof"].strip() and not row["proof"].startswith((" ", "\n"))
            text = row["formal_statement"] + "\n" + row["proof"]
            for word in CORE_ONLY_FORBIDDEN:
                assert word not in text, (row["name"], word)
            assert "sorry" not in row["proof"] and "admit" not in row["proof"]


def test_names_are_unique_across_sets(smoke_rows, bench_rows) -> None:
    names = [row["name"] for row in smoke_rows + bench_rows]
    assert len(names) == len(set(names))


def test_sizes(smoke_rows, bench_rows) -> None:
    assert 10 <= len(smoke_rows) <= 20
    assert len(bench_rows) >= 300
    hard = [r for r in bench_rows if r["difficulty"] == "hard"]
    assert len(hard) >= 30
    # Many proofs branch into several goals (so segmenting by goal-count changes means something).
    branching = [
        r for r in bench_rows if any(t in r["proof"] for t in ("·", "<;>", "all_goals", "| "))
    ]
    assert len(branching) >= 100


def test_difficulty_tags_match_proof_length(smoke_rows, bench_rows) -> None:
    wrong = [
        (r["name"], r["difficulty"], count_tactics(r["proof"]))
        for r in smoke_rows + bench_rows
        if r["difficulty"] != expected_difficulty(r)
    ]
    assert not wrong, wrong


def test_hard_tier_proofs_are_10_to_30_tactics(bench_rows) -> None:
    lengths = {
        r["name"]: count_tactics(r["proof"]) for r in bench_rows if r["difficulty"] == "hard"
    }
    assert lengths and all(10 <= n <= 30 for n in lengths.values()), lengths
    # The tier is deep families, each with several members.
    families = Counter(r["family"] for r in bench_rows if r["difficulty"] == "hard")
    assert len(families) >= 8 and min(families.values()) >= 3, families


def test_families_and_the_fixed_test_split(bench_rows) -> None:
    from lean_gym.data.splits import normalize_statement

    families_of: dict[str, set[str]] = {}
    split_of_family: dict[str, set[str]] = {}
    for row in bench_rows:
        statement = theorem_of(row).statement
        families_of.setdefault(normalize_statement(statement), set()).add(row["family"])
        split_of_family.setdefault(row["family"], set()).add(row["split"])
        assert row["split"] in ("train", "test"), row["name"]
    assert all(len(f) == 1 for f in families_of.values()), [
        f for f in families_of.values() if len(f) > 1
    ]
    assert all(len(s) == 1 for s in split_of_family.values()), "a family straddles the split"
    # Every tier is held out in part, about a fifth of its rows.
    for tier in ("easy", "medium", "hard"):
        rows = [r for r in bench_rows if r["difficulty"] == tier]
        test = [r for r in rows if r["split"] == "test"]
        assert 0.1 <= len(test) / len(rows) <= 0.4, (tier, len(test), len(rows))
    # No test statement occurs in train, even with the numerals normalised as well.
    for numerals in (False, True):
        train = {normalize_statement(theorem_of(r).statement, numerals=numerals)
                 for r in bench_rows if r["split"] == "train"}  # fmt: skip
        test = {normalize_statement(theorem_of(r).statement, numerals=numerals)
                for r in bench_rows if r["split"] == "test"}  # fmt: skip
        assert not train & test, sorted(train & test)


def test_load_theorems_reads_the_splits_and_families() -> None:
    from lean_gym.data import load_theorems

    everything = load_theorems("minilean-bench")
    train = load_theorems("minilean-bench", split="train")
    test = load_theorems("minilean-bench", split="test")
    assert (
        len(train) + len(test)
        == len(everything)
        == len(load_theorems("minilean-bench", split="all"))
    )
    assert {t.name for t in train}.isdisjoint(t.name for t in test)
    assert all(t.family for t in everything)
    assert {t.family for t in train}.isdisjoint(t.family for t in test)
    with pytest.raises(ValueError, match="test, train"):
        load_theorems("minilean-bench", split="valid")


def test_generator_reproduces_the_shipped_file() -> None:
    spec = importlib.util.spec_from_file_location("generate_minilean_bench", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.render(module.build_rows()) == BENCH.read_text(encoding="utf-8")
    # The generator's own tactic count agrees with the one based on split_tactics.
    for row in load_rows(BENCH):
        assert module.count_tactics(row["proof"]) == count_tactics(row["proof"]), row["name"]


# ------------------------------------------------------------------------------------------
# MiniLean checks every shipped proof.


def _minilean_backend():
    module = importlib.import_module("lean_gym.backends.minilean.backend")
    return module.MiniLeanBackend()


def _problems(output) -> list[str]:
    """What makes a checked declaration fail: a call error, an error message, a sorry."""
    problems = []
    if output.error is not None:
        problems.append(f"{output.error.kind}: {output.error.message}")
    for message in output.messages:
        if message.severity == "error":
            problems.append(f"error: {message.data}")
        elif "sorry" in message.data:
            problems.append(f"{message.severity}: {message.data}")
    return problems


def _has_integrity() -> bool:
    try:
        module = importlib.import_module("lean_gym.integrity")
    except ImportError:
        return False
    return hasattr(module, "verify_proof")


@pytest.fixture(scope="module")
def backend():
    backend = _minilean_backend()
    yield backend
    backend.close()


def test_minilean_accepts_every_shipped_proof(backend, smoke_rows, bench_rows) -> None:
    use_verify = _has_integrity()
    failures = []
    for row in smoke_rows + bench_rows:
        theorem = theorem_of(row)
        output = backend.check_declaration(theorem, theorem.declaration(row["proof"]))
        problems = _problems(output)
        if not problems and use_verify:
            verdict = backend.verify(theorem, row["proof"])
            if not verdict.ok:
                problems.append(f"verify: {verdict.reason}: {verdict.detail}")
        if problems:
            failures.append(f"{row['name']}: {' | '.join(problems)}")
    assert not failures, f"{len(failures)} shipped proofs rejected:\n" + "\n".join(failures)


def test_proofs_cut_short_are_rejected(backend, smoke_rows, bench_rows) -> None:
    accepted = []
    for row in smoke_rows + bench_rows:
        if row["name"] in REDUNDANT_LAST_TACTIC:
            continue
        tactics = split_tactics(row["proof"])
        assert tactics, row["name"]
        theorem = theorem_of(row)
        short = join_tactics(tactics[:-1])
        output = backend.check_declaration(theorem, theorem.declaration(short))
        if not _problems(output):
            accepted.append(f"{row['name']}: accepted without {tactics[-1]!r}")
    assert not accepted, "\n".join(accepted)


@pytest.mark.real_lean
def test_real_lean_accepts_every_shipped_proof(smoke_rows, bench_rows) -> None:
    """The datasets' claim itself: real Lean proves every shipped theorem with its proof."""
    import os

    from lean_gym.backends.repl import ReplBackend

    failures = []
    with ReplBackend(project=os.environ["LEAN_GYM_PROJECT"]) as lean:
        for row in smoke_rows + bench_rows:
            theorem = theorem_of(row)
            verdict = lean.verify(theorem, row["proof"])
            if not verdict.ok:
                failures.append(f"{row['name']}: {verdict.reason}: {verdict.detail[:200]}")
    assert not failures, f"{len(failures)} shipped proofs fail on real Lean:\n" + "\n".join(
        failures[:40]
    )
