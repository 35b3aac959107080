"""The train/test split: by family, deterministic, no statement on both sides."""

from __future__ import annotations

from lean_gym.data.theorems import load_theorems
from lean_gym.types import normalize_whitespace
from training.theorem_sets import family_of, load_split, split_theorems


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


def test_family_names() -> None:
    from lean_gym.types import Theorem

    def family(name: str) -> str:
        return family_of(Theorem(name, "(p : Prop) (h : p) : p"))

    assert family("and_swap_1_2") == "and_swap"
    assert family("imp_chain_5_apply_0") == "imp_chain"
    assert family("smoke_or_inl") == "smoke_or_inl"


def test_another_seed_moves_families() -> None:
    theorems = list(load_theorems("minilean-bench"))
    a = {t.name for t in split_theorems(theorems, "test", seed=0)}
    b = {t.name for t in split_theorems(theorems, "test", seed=1)}
    assert a != b
