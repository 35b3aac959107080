"""LeanText: the space of Lean text."""

from __future__ import annotations

import copy
import multiprocessing as mp
import pickle

import pytest
from gymnasium.spaces import Text
from gymnasium.vector.utils import (
    batch_space,
    create_empty_array,
    create_shared_memory,
    read_from_shared_memory,
    write_to_shared_memory,
)

from lean_gym.spaces import LEAN_SYMBOLS, LeanText

LEAN_GOAL = "x y : Nat\nh : x = y\n⊢ ∀ (n : ℕ), n + 0 = n ∧ ¬x ≠ y → ∃ k, k ≤ n ↔ ⟨a, b⟩ ∨ ℤ ≥ 0"


def test_gymnasium_text_rejects_lean_but_lean_text_accepts_it():
    assert LEAN_GOAL not in Text(max_length=200)
    assert LEAN_GOAL in LeanText(max_length=200)


def test_contains_bounds_and_types():
    space = LeanText(max_length=5, min_length=1)
    assert "⊢ ∀ ℕ" in space  # 5 code points
    assert "abcdef" not in space
    assert "" not in space
    assert 5 not in space
    assert b"abc" not in space
    assert None not in space
    # Control characters are contained: the env, not the space, answers them with an error.
    assert "a\x00b" in space


def test_empty_string_is_contained_by_default():
    assert "" in LeanText(max_length=3)


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_invalid_max_length_raises(bad):
    with pytest.raises(ValueError):
        LeanText(max_length=bad)


def test_invalid_min_length_raises():
    with pytest.raises(ValueError):
        LeanText(max_length=3, min_length=4)


def test_sample_is_deterministic_per_seed_and_contained():
    a = LeanText(max_length=64, seed=7)
    b = LeanText(max_length=64, seed=7)
    c = LeanText(max_length=64, seed=8)
    samples_a = [a.sample() for _ in range(20)]
    samples_b = [b.sample() for _ in range(20)]
    samples_c = [c.sample() for _ in range(20)]
    assert samples_a == samples_b
    assert samples_a != samples_c
    assert all(s in a for s in samples_a)


def test_samples_use_lean_unicode():
    space = LeanText(max_length=200, sample_max_length=200, seed=0)
    text = "".join(space.sample() for _ in range(50))
    assert any(ch in text for ch in LEAN_SYMBOLS)
    assert "\n" in text and " " in text


def test_sample_respects_small_max_length_and_min_length():
    space = LeanText(max_length=3, min_length=2, seed=1)
    for _ in range(50):
        s = space.sample()
        assert 2 <= len(s) <= 3


def test_sample_mask_fixes_length_and_charset():
    space = LeanText(max_length=20, seed=3)
    s = space.sample(mask=(10, "⊢ab"))
    assert len(s) == 10 and set(s) <= set("⊢ab")
    assert len(space.sample(mask=(7, None))) == 7
    with pytest.raises(ValueError):
        space.sample(mask=(21, None))
    with pytest.raises(ValueError):
        space.sample(probability=(1, "a"))


def test_jsonable_round_trip():
    space = LeanText(max_length=100)
    samples = [LEAN_GOAL[:100], "", "exact ⟨h.2, h.1⟩"]
    assert space.from_jsonable(space.to_jsonable(samples)) == samples


def test_eq_hash_repr():
    assert LeanText(10) == LeanText(10)
    assert LeanText(10) != LeanText(11)
    assert LeanText(10) != LeanText(10, min_length=1)
    assert LeanText(10) != Text(10)
    assert hash(LeanText(10)) == hash(LeanText(10))
    assert repr(LeanText(10)) == "LeanText(max_length=10)"
    assert repr(LeanText(10, min_length=2)) == "LeanText(max_length=10, min_length=2)"


def test_not_np_flattenable_and_shapeless():
    space = LeanText(10)
    assert space.is_np_flattenable is False
    assert space.shape is None


def test_pickle_and_deepcopy_keep_the_sampler_state():
    space = LeanText(max_length=32, seed=5)
    space.sample()
    clone = pickle.loads(pickle.dumps(space))
    twin = copy.deepcopy(space)
    assert clone == space
    assert clone.sample() == twin.sample() == space.sample()


def test_vector_batching_helpers():
    space = LeanText(max_length=16)
    assert create_empty_array(space, n=3) == ("", "", "")
    batched = batch_space(space, 2)
    assert ("⊢ a", "b") in batched


@pytest.mark.parametrize("text", ["", "⊢ ∀ (n : ℕ), n", "a\x00b", "\ud800x", "😀" * 16])
def test_shared_memory_round_trip(text):
    space = LeanText(max_length=16)
    memory = create_shared_memory(space, n=2, ctx=mp)
    write_to_shared_memory(space, 1, text, memory)
    write_to_shared_memory(space, 0, "other", memory)
    assert read_from_shared_memory(space, memory, n=2) == ("other", text)


def test_shared_memory_view_is_live_and_copies_to_a_tuple():
    space = LeanText(max_length=8)
    memory = create_shared_memory(space, n=2, ctx=mp)
    view = read_from_shared_memory(space, memory, n=2)
    write_to_shared_memory(space, 0, "⊢ a", memory)
    write_to_shared_memory(space, 1, "b", memory)
    snapshot = copy.deepcopy(view)
    assert snapshot == ("⊢ a", "b") and type(snapshot) is tuple
    write_to_shared_memory(space, 1, "changed", memory)
    assert view[1] == "changed" and snapshot[1] == "b"
    assert list(view) == ["⊢ a", "changed"] and len(view) == 2


def test_shared_memory_refuses_text_longer_than_the_space():
    space = LeanText(max_length=4)
    memory = create_shared_memory(space, n=1, ctx=mp)
    with pytest.raises(ValueError):
        write_to_shared_memory(space, 0, "too long", memory)
