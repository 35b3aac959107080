"""``LeanText``: the Gymnasium space of Lean text (actions and observations of every lean_gym env).

Gymnasium's :class:`~gymnasium.spaces.Text` is a set of strings over a fixed, by default
alphanumeric, character set, so it rejects ``⊢ ∀ (n : Nat), n + 0 = n``. Lean text is any
Unicode, so ``LeanText`` contains every Python ``str`` whose length is within
``[min_length, max_length]``.

Control characters, null bytes included, are *contained*: the space describes what an agent may
send, and what Lean makes of it is Lean's (or the env's) answer, an error observation, never an
exception. Samples are Lean-looking text (tactic words, identifiers and Lean's Unicode symbols),
deterministic for a given seed, which is what Gymnasium's ``check_env`` steps the envs with.

Importing this module also registers ``LeanText`` with Gymnasium's vector utilities
(``create_empty_array`` and the shared-memory functions), so that ``SyncVectorEnv`` and
``AsyncVectorEnv`` (with its default ``shared_memory=True``: one int32 code point per character)
batch lean_gym observations as tuples of strings.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterable, Sequence
from collections.abc import Sequence as SequenceABC
from types import ModuleType
from typing import Any

import numpy as np
from gymnasium.spaces import Space
from gymnasium.vector.utils import (
    create_empty_array,
    create_shared_memory,
    read_from_shared_memory,
    write_to_shared_memory,
)

__all__ = ["LeanText", "SharedTextView", "LEAN_CHARSET", "LEAN_SAMPLE_WORDS"]

# Lean's common Unicode symbols, then ASCII letters, digits, punctuation and white space.
LEAN_SYMBOLS = "⟨⟩→↔∧∨¬∀∃≤≥≠⊢ℕℤ·∘λ"
LEAN_CHARSET = (
    LEAN_SYMBOLS
    + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    + "0123456789"
    + "()[]{}:=.,_'+-*/<>|;@!?"
    + " \n"
)

# Words that make samples look like Lean: tactic names, identifiers, types and symbols.
LEAN_SAMPLE_WORDS: tuple[str, ...] = (
    "intro",
    "intros",
    "exact",
    "apply",
    "constructor",
    "cases",
    "rcases",
    "induction",
    "simp",
    "omega",
    "rfl",
    "rw",
    "have",
    "use",
    "left",
    "right",
    "assumption",
    "trivial",
    "decide",
    "norm_num",
    "h",
    "h₁",
    "x",
    "y",
    "n",
    "k",
    "ih",
    "Nat",
    "Int",
    "ℕ",
    "ℤ",
    "Prop",
    "True",
    "False",
    ":",
    ":=",
    "=>",
    "·",
    "<;>",
    "⟨",
    "⟩",
    "→",
    "↔",
    "∧",
    "∨",
    "¬",
    "∀",
    "∃",
    "≤",
    "≥",
    "≠",
    "⊢",
    "=",
    "+",
    "*",
    "0",
    "1",
    "2",
    "(",
    ")",
    "[",
    "]",
    "with",
    "at",
    "only",
    "fun",
    "by",
)

# Samples are short by default even when ``max_length`` is large: a random 64 KB string is a
# useless test action and slow to check.
DEFAULT_SAMPLE_MAX_LENGTH = 48

# Shared memory stores one int32 code point per character; this value marks the unused tail.
_PAD = -1


class LeanText(Space[str]):
    """Any Unicode Lean text of length ``min_length`` to ``max_length`` (in code points).

    Args:
        max_length: The longest contained text.
        min_length: The shortest contained text (0 by default: the empty string is contained,
            and an env answers it with an error observation).
        sample_max_length: The longest text :meth:`sample` produces unless a mask says
            otherwise (capped by ``max_length``).
        seed: Seeds the sampler.

    Example:
        >>> space = LeanText(max_length=64, seed=0)
        >>> "⊢ ∀ (n : Nat), n + 0 = n" in space
        True
        >>> space.sample() in space
        True
    """

    def __init__(
        self,
        max_length: int,
        *,
        min_length: int = 0,
        sample_max_length: int = DEFAULT_SAMPLE_MAX_LENGTH,
        seed: int | np.random.Generator | None = None,
    ):
        if not isinstance(max_length, (int, np.integer)) or max_length < 1:
            raise ValueError(f"max_length must be a positive int, got {max_length!r}")
        if not isinstance(min_length, (int, np.integer)) or not 0 <= min_length <= max_length:
            raise ValueError(f"min_length must be in [0, max_length], got {min_length!r}")
        if sample_max_length < 0:
            raise ValueError(f"sample_max_length must be >= 0, got {sample_max_length!r}")
        self.max_length = int(max_length)
        self.min_length = int(min_length)
        self.sample_max_length = int(sample_max_length)
        super().__init__(shape=None, dtype=None, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        """Text has no fixed-size numeric form."""
        return False

    def contains(self, x: Any) -> bool:
        """True for every ``str`` of length in ``[min_length, max_length]``."""
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def sample(self, mask: Any | None = None, probability: Any | None = None) -> str:
        """A Lean-looking text, deterministic for the space's seed.

        Args:
            mask: Optional ``(length, charset)``: ``length`` (int or None) fixes the length;
                ``charset`` (str or None) draws characters only from it instead of Lean words.
            probability: Not supported (must be None).

        Returns:
            A contained string.
        """
        if probability is not None:
            raise ValueError("LeanText.sample does not support a probability mask")
        length: int | None = None
        charset: str | None = None
        if mask is not None:
            if not (isinstance(mask, tuple) and len(mask) == 2):
                raise ValueError(f"mask must be a (length, charset) tuple, got {mask!r}")
            length, charset = mask
        rng = self.np_random
        if length is None:
            upper = max(self.min_length, min(self.max_length, self.sample_max_length))
            length = int(rng.integers(self.min_length, upper + 1))
        elif not self.min_length <= length <= self.max_length:
            raise ValueError(
                f"mask length {length} is outside [{self.min_length}, {self.max_length}]"
            )
        if charset is not None:
            if not charset:
                raise ValueError("mask charset must not be empty")
            chars = list(charset)
            return "".join(chars[i] for i in rng.integers(0, len(chars), size=length))
        pieces: list[str] = []
        size = 0
        while size < length:
            # Mostly words separated by spaces, sometimes a line break or a raw character.
            roll = rng.random()
            if roll < 0.75:
                piece = LEAN_SAMPLE_WORDS[int(rng.integers(len(LEAN_SAMPLE_WORDS)))]
            else:
                piece = LEAN_CHARSET[int(rng.integers(len(LEAN_CHARSET)))]
            separator = "\n" if rng.random() < 0.1 else " "
            if pieces:
                pieces.append(separator)
                size += 1
            pieces.append(piece)
            size += len(piece)
        return "".join(pieces)[:length]

    def to_jsonable(self, sample_n: Sequence[str]) -> list[str]:
        return [str(x) for x in sample_n]

    def from_jsonable(self, sample_n: list[Any]) -> list[str]:
        return [str(x) for x in sample_n]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, LeanText)
            and self.max_length == other.max_length
            and self.min_length == other.min_length
        )

    def __hash__(self) -> int:
        return hash((LeanText, self.max_length, self.min_length))

    def __repr__(self) -> str:
        if self.min_length:
            return f"LeanText(max_length={self.max_length}, min_length={self.min_length})"
        return f"LeanText(max_length={self.max_length})"


# --- Gymnasium vector support -------------------------------------------------------------------
# Gymnasium dispatches its batching helpers on the space type; a custom space registers its own.


@create_empty_array.register(LeanText)
def _create_empty_lean_text(space: LeanText, n: int = 1, fn: Any = np.zeros) -> tuple[str, ...]:
    return tuple("" for _ in range(n))


@create_shared_memory.register(LeanText)
def _create_lean_text_shared_memory(space: LeanText, n: int = 1, ctx: ModuleType = mp) -> Any:
    # Why int32 code points: every Unicode character fits, and it is what numpy can view.
    return ctx.Array(np.dtype(np.int32).char, n * space.max_length)


class SharedTextView(SequenceABC[str]):
    """A live, read-only view of ``n`` texts in shared memory.

    ``AsyncVectorEnv`` reads its shared observation buffer once and expects the result to follow
    later writes (as a numpy view does); a tuple of strings would stay stale. This view decodes
    on access, and copying it (``AsyncVectorEnv`` deep-copies observations by default) gives a
    plain tuple of strings.
    """

    def __init__(self, shared_memory: Any, n: int, max_length: int):
        self._data = np.frombuffer(shared_memory.get_obj(), dtype=np.int32).reshape((n, max_length))

    def __len__(self) -> int:
        return self._data.shape[0]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(_decode(row) for row in self._data[index])
        return _decode(self._data[index])

    def __copy__(self) -> tuple[str, ...]:
        return tuple(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> tuple[str, ...]:
        return tuple(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, SharedTextView)):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SharedTextView({tuple(self)!r})"


@read_from_shared_memory.register(LeanText)
def _read_lean_text_from_shared_memory(
    space: LeanText, shared_memory: Any, n: int = 1
) -> SharedTextView:
    return SharedTextView(shared_memory, n, space.max_length)


@write_to_shared_memory.register(LeanText)
def _write_lean_text_to_shared_memory(
    space: LeanText, index: int, values: str, shared_memory: Any
) -> None:
    size = space.max_length
    destination = np.frombuffer(shared_memory.get_obj(), dtype=np.int32)
    destination[index * size : (index + 1) * size] = _encode(values, size)


def _encode(text: str, size: int) -> np.ndarray:
    if len(text) > size:
        raise ValueError(f"text of length {len(text)} does not fit a LeanText({size})")
    codes = np.full(size, _PAD, dtype=np.int32)
    if text:
        codes[: len(text)] = np.frombuffer(
            text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        )
    return codes


def _decode(codes: Iterable[int]) -> str:
    array = np.asarray(codes, dtype=np.int32)
    end = np.flatnonzero(array == _PAD)
    used = array[: end[0]] if end.size else array
    return used.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
