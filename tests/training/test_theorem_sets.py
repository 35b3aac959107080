"""The train/test split: by family, deterministic, no statement on both sides."""

from __future__ import annotations

from lean_gym.data.splits import family_of
from lean_gym.data.theorems import load_theorems
from lean_gym.types import normalize_whitespace
from training.theorem_sets import load_split, split_theorems


def test_minilean_bench_split_is_by_family_and_leak_free() -> None:
    train = load_split("minilean-bench", "train")
    test = load_split("minilean-bench", "test")
    assert len(train) > 3 * len(test) > 0
    assert {family_of(t) for t in train}.isdisjoint({family_of(t) for t in test})
    statements = {normalize_whitespace(t.statement) for t in train}
    assert not any(normalize_whitespace(t.statement) in statements for t in test)
    assert [t.name for t in load_split("minilean-bench", "test")] == [t.name for t in test]
    everything = {t.name for t in load_theorems("minilean-bench")}
    assert {t.name for t in train} | {t.name for t in test} <= everything


def test_rows_without_a_split_are_split_by_family() -> None:
    from lean_gym.types import Theorem

    # Renamed copies of one statement are one family: they never straddle the split.
    theorems = [
        Theorem(f"t{i}_{j}", f"(a{j} b{j} : Nat) (h : a{j} = b{j} + {i}) : b{j} + {i} = a{j}")
        for i in range(40)
        for j in range(3)
    ]
    train = split_theorems(theorems, "train", test_fraction=0.5)
    test = split_theorems(theorems, "test", test_fraction=0.5)
    assert train and test
    assert {family_of(t) for t in train}.isdisjoint({family_of(t) for t in test})
    assert len({family_of(t) for t in theorems}) == 40


def test_another_seed_moves_families() -> None:
    theorems = list(load_theorems("minilean-bench"))
    a = {t.name for t in split_theorems(theorems, "test", seed=0)}
    b = {t.name for t in split_theorems(theorems, "test", seed=1)}
    assert a != b
