"""``LeanCandidates-v0``: choose one of K proposed tactics (or segments); numbers in, an index out.

Classic RL libraries (stable-baselines3, CleanRL, RLlib) need a numeric observation and a
discrete action, while a proof state is text and a tactic is any text. The common bridge is a
choice among proposals: something offers a few candidate tactics and a learned chooser picks
one (TacticZero, Wu et al. 2021, learns by RL to pick from a fixed tactic set; provers with a
generator and a ranker do the same over sampled tactics). This env is that bridge: a proposer
(the scripted tactic library by default, or any object with ``propose(state, k)``, such as a
language-model policy) offers up to K candidates for the current state, the observation
describes the state and each candidate with numbers, and the action is the index of the
candidate to run in the wrapped ``LeanStep-v0`` or ``LeanSegment-v0`` env. The time feature
follows Pardo et al. 2018 (Time Limits in Reinforcement Learning): with a step limit, the steps
left are part of the state.

``lean_gym`` never imports a model library here: the proposer and the optional embedding
callable are injected by the caller.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from lean_gym.backends import ProverBackend
from lean_gym.envs.base import InfoRecord, LeanEnv
from lean_gym.envs.segment import LeanSegmentEnv
from lean_gym.envs.step import LeanStepEnv
from lean_gym.tactic_library import Suggestion, TacticLibrary
from lean_gym.types import Goal, LeanError, ProofState, Theorem

__all__ = [
    "LeanCandidatesEnv",
    "Proposer",
    "TacticLibraryProposer",
    "ObservationLayout",
    "hashed_ngrams",
    "STATE_FIELDS",
    "CANDIDATE_FIELDS",
]

# The wrapped env of each granularity.
_GRANULARITIES: dict[str, type[LeanEnv]] = {"step": LeanStepEnv, "segment": LeanSegmentEnv}

# The state's scalar features, in order, before the goal's text features.
STATE_FIELDS = ("num_goals", "num_hypotheses", "depth", "time", "num_candidates")
# Each candidate's scalar features, in order, before its text features.
CANDIDATE_FIELDS = ("valid", "prior", "neg_logprob", "tried", "failed")

# Counts are divided by these scales and clipped to [0, 1].
GOAL_SCALE = 8
HYPOTHESIS_SCALE = 16
DEPTH_SCALE = 32
LOGPROB_SCALE = 20.0


@runtime_checkable
class Proposer(Protocol):
    """What proposes the candidates: ``agents``' policies satisfy it, and so does
    :class:`TacticLibraryProposer`.

    ``propose(state, k)`` returns up to ``k`` candidates, most likely first, each an object
    with ``text`` (a tactic, or a segment of newline-separated tactics) and ``logprob`` (its
    log-probability under the proposer, <= 0).
    """

    def propose(self, state: ProofState, k: int) -> Sequence[Any]: ...


class TacticLibraryProposer:
    """The goal-aware scripted tactic library as a proposer (no model, no torch).

    Args:
        granularity: ``step`` (:meth:`TacticLibrary.suggest`: one tactic per candidate) or
            ``segment`` (:meth:`TacticLibrary.segments`: chains up to the tactic that changes
            the number of goals).
        **library_kwargs: Passed to :class:`~lean_gym.tactic_library.TacticLibrary` (``seed``,
            ``temperature``, ``reserve``, ``max_segment_length``, ...).
    """

    def __init__(self, granularity: str = "step", **library_kwargs: Any):
        if granularity not in _GRANULARITIES:
            raise ValueError(
                f"granularity must be one of {', '.join(_GRANULARITIES)}, got {granularity!r}"
            )
        self.granularity = granularity
        self.library = TacticLibrary(**library_kwargs)

    def propose(self, state: ProofState, k: int) -> list[Suggestion]:
        if k <= 0 or state.is_solved:
            return []
        if self.granularity == "step":
            return self.library.suggest(state, k)
        return self.library.segments(state, k)

    def __repr__(self) -> str:
        return f"TacticLibraryProposer(granularity={self.granularity!r})"


# --------------------------------------------------------------------------- text features

# Identifiers (with dots and Lean's name characters), numbers, then any other single symbol.
_TOKEN = re.compile(r"\d+|[^\W\d][\w'.!?✝]*|\S")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@functools.lru_cache(maxsize=1 << 16)
def _bucket(gram: str, dim: int) -> tuple[int, float]:
    """A stable bucket and sign for ``gram`` (not Python's ``hash``: that is salted per
    process, and a trained agent must see the same features in every process)."""
    h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
    return h % dim, 1.0 if (h >> 63) & 1 else -1.0


def _add_ngrams(vector: np.ndarray, tokens: Sequence[str], ngram: int, salt: str) -> None:
    dim = len(vector)
    for n in range(1, ngram + 1):
        for i in range(len(tokens) - n + 1):
            index, sign = _bucket(salt + "\x1f".join(tokens[i : i + n]), dim)
            vector[index] += sign


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


@functools.lru_cache(maxsize=1 << 14)
def _text_features(text: str, dim: int, ngram: int, salt: str) -> np.ndarray:
    vector = np.zeros(dim, dtype=np.float32)
    _add_ngrams(vector, _tokens(text), ngram, salt)
    vector = _unit(vector)
    vector.setflags(write=False)
    return vector


def hashed_ngrams(text: str, dim: int = 32, ngram: int = 2, *, salt: str = "") -> np.ndarray:
    """The signed feature hashing of ``text``'s token n-grams (1 to ``ngram``), unit length.

    Tokens are identifiers, numbers and single symbols (``⊢``, ``∧``, ``(``...). Each n-gram is
    hashed (blake2b, stable across processes) to a bucket in ``[0, dim)`` and a sign; the
    vector of signed counts is scaled to unit Euclidean length, so every entry is in
    ``[-1, 1]``. The empty text gives zeros.

    Args:
        text: The text to featurize.
        dim: The vector's length.
        ngram: The longest n-gram.
        salt: Prepended to each n-gram, so that two kinds of text (hypotheses, target) fill
            the same vector without sharing buckets by construction.
    """
    return _text_features(text, int(dim), int(ngram), salt).copy()


def _goal_features(goal: Goal | None, dim: int, ngram: int) -> np.ndarray:
    """A goal's hypotheses and target hashed into one unit vector (target n-grams salted
    apart from hypothesis n-grams, so ``p`` as a target and ``p`` as a hypothesis differ)."""
    if goal is None:
        return np.zeros(dim, dtype=np.float32)
    return _goal_features_cached(goal.hypotheses, goal.target, dim, ngram)


@functools.lru_cache(maxsize=1 << 14)
def _goal_features_cached(
    hypotheses: tuple[str, ...], target: str, dim: int, ngram: int
) -> np.ndarray:
    vector = np.zeros(dim, dtype=np.float32)
    for line in hypotheses:
        _add_ngrams(vector, _tokens(line), ngram, "hyp\x1e")
    _add_ngrams(vector, _tokens(target), ngram, "target\x1e")
    vector = _unit(vector)
    vector.setflags(write=False)
    return vector


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class ObservationLayout:
    """Where each field lives in the flat observation vector.

    Attributes:
        k: Candidate slots.
        text_dim: Length of each text feature block (hash buckets or embedding size).
        state: Slice of the state block (``STATE_FIELDS`` then the goal's text features).
        candidates: One slice per slot (``CANDIDATE_FIELDS`` then the candidate's features).
    """

    k: int
    text_dim: int
    state: slice = field(init=False)
    candidates: tuple[slice, ...] = field(init=False)

    def __post_init__(self) -> None:
        state_size = len(STATE_FIELDS) + self.text_dim
        slot_size = len(CANDIDATE_FIELDS) + self.text_dim
        object.__setattr__(self, "state", slice(0, state_size))
        object.__setattr__(
            self,
            "candidates",
            tuple(
                slice(state_size + i * slot_size, state_size + (i + 1) * slot_size)
                for i in range(self.k)
            ),
        )

    @property
    def size(self) -> int:
        """The length of the observation vector."""
        return self.candidates[-1].stop

    def state_field(self, name: str) -> int:
        """The index of a state scalar (one of ``STATE_FIELDS``)."""
        return self.state.start + STATE_FIELDS.index(name)

    def candidate_field(self, slot: int, name: str) -> int:
        """The index of slot ``slot``'s scalar ``name`` (one of ``CANDIDATE_FIELDS``)."""
        return self.candidates[slot].start + CANDIDATE_FIELDS.index(name)

    def goal_text(self) -> slice:
        """The goal's text features."""
        start = self.state.start + len(STATE_FIELDS)
        return slice(start, start + self.text_dim)

    def candidate_text(self, slot: int) -> slice:
        """Slot ``slot``'s text features."""
        start = self.candidates[slot].start + len(CANDIDATE_FIELDS)
        return slice(start, start + self.text_dim)


@dataclass
class _Proposal:
    """The candidates of one state of the episode, in slot order, and what became of them."""

    candidates: list[Suggestion]
    first_slot: int  # the slot of the proposer's most likely candidate
    error: str | None  # why the proposer gave nothing, if it raised
    tried: dict[int, bool] = field(default_factory=dict)  # slot -> it failed


# --------------------------------------------------------------------------- the env


class LeanCandidatesEnv(gym.Env[np.ndarray, np.int64]):
    """Prove a Lean 4 theorem by choosing, at each step, one of K proposed tactics.

    ## Description

    The bridge between lean-gym and classic RL libraries (stable-baselines3, CleanRL, RLlib):
    a proposer offers up to ``k`` candidate tactics (``granularity="step"``) or proof segments
    (``"segment"``) for the current proof state, and the agent picks one by its index. The
    candidate runs in the wrapped ``LeanStep-v0`` or ``LeanSegment-v0`` env, whose reward,
    verification and info this env passes on. The default proposer is lean_gym's goal-aware
    scripted tactic library (:class:`TacticLibraryProposer`: no model, no torch); any object
    with ``propose(state, k)`` returning objects with ``.text`` and ``.logprob`` is accepted,
    for example ``agents.policies.scripted.ScriptedPolicy`` or a language-model policy of
    ``agents.policies``. The text envs are for language-model policies; this one is for
    agents that need numbers (``PPO("MlpPolicy", env)``, DQN, sb3-contrib's ``MaskablePPO``
    with :meth:`action_masks`).

    ```python
    import gymnasium as gym
    import lean_gym
    from stable_baselines3 import PPO

    env = gym.make("LeanCandidates-v0", dataset="minilean-bench", backend="minilean", k=8)
    model = PPO("MlpPolicy", env, tensorboard_log="runs/tb").learn(10_000)
    ```

    ## Action Space

    ``Discrete(k)``: the slot of the candidate to run. A slot beyond the proposed candidates
    (the proposer gave fewer than ``k``) or an action outside the space is an error, not an
    exception: nothing runs, the state is unchanged, ``info["error"]`` is
    ``{"kind": "rejected", "message": "no_candidate: ...", "pos": None}`` and the reward is
    ``-(step_penalty + error_penalty)``. :meth:`action_masks` marks the proposed slots (and,
    with ``mask_failed=True``, hides candidates that already failed in this state).

    ## Observation Space

    ``Box(low, high, (size,), float32)``: a flat vector whose layout is ``env.unwrapped.layout``
    (:class:`ObservationLayout`). The scalar fields lie in ``[0, 1]``, the text features in
    ``[-1, 1]`` (``[-embedding_bound, embedding_bound]`` with an ``embed`` callable). With
    ``D = hash_dim`` (or the embedding size), ``size = 5 + D + k * (5 + D)``:

    | index | field | value |
    |---|---|---|
    | 0 | ``num_goals`` | open goals / 8, clipped to 1 |
    | 1 | ``num_hypotheses`` | hypotheses of the main goal / 16, clipped to 1 |
    | 2 | ``depth`` | tactics applied from the root / 32, clipped to 1 |
    | 3 | ``time`` | env steps taken / ``max_episode_steps`` (time-awareness for truncation; 0 without a limit) |
    | 4 | ``num_candidates`` | candidates proposed / ``k`` |
    | 5 .. 5+D | goal text | the main goal's hashed token n-grams (hypotheses and target salted apart; unit length) or ``embed``'s output for the main goal's text |

    then, for each slot ``i`` in ``0 .. k-1``, a block of ``5 + D`` numbers starting at
    ``5 + D + i * (5 + D)``:

    | offset | field | value |
    |---|---|---|
    | 0 | ``valid`` | 1 for a proposed candidate, 0 for an empty slot (the whole block is 0 then) |
    | 1 | ``prior`` | the proposer's probability ``exp(logprob)`` |
    | 2 | ``neg_logprob`` | ``-logprob / 20``, clipped to [0, 1] |
    | 3 | ``tried`` | 1 if the candidate was already chosen in this state |
    | 4 | ``failed`` | 1 if it was chosen in this state and failed |
    | 5 .. 5+D | candidate text | the candidate's hashed token n-grams (unit length) or ``embed``'s output |

    Hashing is signed feature hashing of the 1- to ``ngram``-grams of identifiers, numbers and
    symbols (:func:`hashed_ngrams`, blake2b: the same in every process). With ``embed``, one
    call ``embed([main goal text, candidate 1, ...])`` returns an array of shape
    ``(1 + n, D)``, clipped to ``±embedding_bound``. Candidates are in the proposer's order
    (most likely first) unless ``shuffle_candidates=True``.

    ## Rewards

    The wrapped env's: ``1.0`` on the step that completes a proof that ``backend.verify``
    accepts (the integrity rules included), else ``0.0``; minus ``step_penalty`` on every step
    and ``error_penalty`` (default 0.1) on every step whose candidate fails in Lean or whose
    slot is empty. A ``reward_fn`` (passed on to the wrapped env) replaces the rule for the
    candidates that run; an empty slot always costs ``-(step_penalty + error_penalty)``.

    ## Starting State

    The theorem's root goal with its candidates. ``reset(options={"theorem": NAME})`` or
    ``{"index": i}`` picks a theorem; otherwise the seeded ``np_random`` of the wrapped env
    draws one.

    ## Episode End

    * Termination: no goal is left (the reward says whether the proof verified), or a dead
      end: the state has no candidate left to try (the proposer gave none, or with
      ``mask_failed=True`` all of them failed here); ``info["dead_end"]`` is then True.
    * Truncation: ``max_episode_steps`` env steps (default 50, at either granularity; one
      limit whether it is given to ``gym.make`` or to the env, ``gym.make(...,
      max_episode_steps=-1)`` for none), or the wrapped env's Lean-call budget
      (``max_lean_calls``).

    A failing candidate never ends the episode: the state is unchanged, ``info["error"]`` says
    what Lean said and the candidate is marked ``tried`` and ``failed``.

    Info: the wrapped env's (``theorem``, ``goals``, ``num_goals``, ``error``, ``proof``,
    ``lean_calls``, ``observation_truncated``, ``verification``; for segments ``trace`` and
    ``failed_tactic_index``) with ``steps`` counting this env's steps, plus ``candidates`` (the
    ``k`` slot texts, ``""`` for empty slots), ``num_candidates``, ``action_text`` (the
    candidate run, or None), ``dead_end`` and ``proposer_error`` (the proposer's exception as
    text, or None: a proposer that raises leaves the state without candidates).

    ## Arguments

    * ``dataset``, ``backend``: as ``LeanStep-v0`` (a shipped set name, jsonl path or list of
      ``Theorem``; ``"minilean"``, ``"repl"``, ``"auto"`` or a backend instance).
    * ``granularity`` (``"step"``): ``"step"`` wraps ``LeanStep-v0``, ``"segment"`` wraps
      ``LeanSegment-v0``.
    * ``k`` (8): candidate slots.
    * ``proposer`` (None: :class:`TacticLibraryProposer` at the granularity): an object with
      ``propose(state, k)``, or a ``"module:attr"`` string naming a factory called with
      ``proposer_kwargs`` (e.g. ``"agents.policies.scripted:ScriptedPolicy"`` with
      ``{"granularity": "segment"}``; a string spec keeps ``env.spec`` picklable).
    * ``proposer_kwargs`` (None): keyword arguments of the default proposer's library
      (``seed``, ``temperature``, ...) or of the named factory.
    * ``hash_dim`` (32), ``ngram`` (2): the text features' length and longest n-gram.
    * ``embed`` (None): ``embed(texts) -> array (len(texts), D)`` replaces the hashed text
      features; ``embedding_dim`` (None: found by one call) and ``embedding_bound`` (10.0).
    * ``max_episode_steps`` (None: 50), ``step_penalty`` (0.0),
      ``error_penalty`` (0.1).
    * ``mask_failed`` (False): :meth:`action_masks` also hides candidates that failed in this
      state, and a state whose candidates all failed is a dead end.
    * ``shuffle_candidates`` (False): put the candidates in a random slot order (seeded by
      ``reset``), so that an agent must read the priors rather than the slot;
      :meth:`first_action` gives the slot of the proposer's first candidate.
    * ``render_mode``: None or ``"ansi"``.
    * Any other keyword (``backend_kwargs``, ``max_lean_calls``, ``reward_fn``,
      ``integrity_policy``, ``tactic_timeout``, ``verify_timeout``, ``partial`` for segments,
      ...) goes to the wrapped env; ``env.unwrapped.lean_env`` is that env (its search API:
      ``state``, ``expand``, ``restore``, ``verify``).

    ## Version History

    * v0: Initial version.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 1}

    default_max_episode_steps: ClassVar[int | None] = 50

    def __init__(
        self,
        dataset: str | Path | Sequence[Theorem] = "smoke",
        backend: str | ProverBackend = "auto",
        *,
        granularity: str = "step",
        k: int = 8,
        proposer: Proposer | str | None = None,
        proposer_kwargs: dict[str, Any] | None = None,
        hash_dim: int = 32,
        ngram: int = 2,
        embed: Callable[[Sequence[str]], Any] | None = None,
        embedding_dim: int | None = None,
        embedding_bound: float = 10.0,
        max_episode_steps: int | None = None,
        step_penalty: float = 0.0,
        error_penalty: float = 0.1,
        mask_failed: bool = False,
        shuffle_candidates: bool = False,
        render_mode: str | None = None,
        **env_kwargs: Any,
    ):
        if granularity not in _GRANULARITIES:
            raise ValueError(
                f"granularity must be one of {', '.join(_GRANULARITIES)}, got {granularity!r}"
            )
        if int(k) < 1:
            raise ValueError(f"k must be >= 1, got {k!r}")
        if int(hash_dim) < 1 or int(ngram) < 1:
            raise ValueError(f"hash_dim and ngram must be >= 1, got {hash_dim!r}, {ngram!r}")
        if not embedding_bound > 0:
            raise ValueError(f"embedding_bound must be > 0, got {embedding_bound!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, "
                f"got {render_mode!r}"
            )
        self.granularity = granularity
        self.k = int(k)
        self.hash_dim = int(hash_dim)
        self.ngram = int(ngram)
        self.embed = embed
        self.embedding_bound = float(embedding_bound)
        self.step_penalty = float(step_penalty)
        self.error_penalty = float(error_penalty)
        self.mask_failed = bool(mask_failed)
        self.shuffle_candidates = bool(shuffle_candidates)
        self.render_mode = render_mode

        env_class = _GRANULARITIES[granularity]
        limit = self.default_max_episode_steps if max_episode_steps is None else max_episode_steps
        if limit is not None and int(limit) < 1:
            raise ValueError(f"max_episode_steps must be >= 1, got {max_episode_steps!r}")
        self._max_episode_steps = None if limit is None else int(limit)
        self.proposer, self._owns_proposer = _make_proposer(proposer, proposer_kwargs, granularity)
        text_dim = self.hash_dim if embed is None else self._embedding_dim(embedding_dim)
        self.layout = ObservationLayout(self.k, text_dim)
        low = np.zeros(self.layout.size, dtype=np.float32)
        high = np.ones(self.layout.size, dtype=np.float32)
        text_bound = 1.0 if embed is None else self.embedding_bound
        for block in (self.layout.goal_text(), *map(self.layout.candidate_text, range(self.k))):
            low[block], high[block] = -text_bound, text_bound
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        self.action_space = spaces.Discrete(self.k)

        # The wrapped env: built last, so that a bad argument above leaves no backend open.
        self.lean_env: LeanEnv = env_class(
            dataset,
            backend,
            max_episode_steps=self._max_episode_steps,
            step_penalty=self.step_penalty,
            error_penalty=self.error_penalty,
            render_mode=render_mode,
            **env_kwargs,
        )
        self._steps = 0
        self._proposals: dict[str, _Proposal] = {}
        self._proposal: _Proposal | None = None
        self._info: dict[str, Any] | None = None

    # ------------------------------------------------------------------ episode

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Starts an episode (``options``: ``{"theorem": NAME}`` or ``{"index": i}``).

        Raises:
            ValueError: For an unknown theorem name or an index out of range.
            TheoremStartError: When the backend cannot start the theorem.
        """
        super().reset(seed=seed)
        _, inner_info = self.lean_env.reset(seed=seed, options=options)
        self._steps = 0
        self._proposals = {}
        self._proposal = self._propose(self.lean_env.state)
        return self._observation(), self._merge_info(inner_info, None)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Runs the candidate in slot ``action`` (see the class docstring)."""
        if self._proposal is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        self._steps += 1
        proposal = self._proposal
        slot = _slot(action, self.k)
        if slot is None or slot >= len(proposal.candidates):
            error = _no_candidate(action, len(proposal.candidates))
            info = self._merge_info(self._info or {}, None, error=error, ran=False)
            terminated = self._dead_end(proposal)
            truncated = self._out_of_steps()
            reward = -(self.step_penalty + self.error_penalty)
            info["dead_end"] = terminated
            return self._observation(), float(reward), terminated, truncated, info

        text = proposal.candidates[slot].text
        _, reward, terminated, truncated, inner_info = self.lean_env.step(text)
        proposal.tried[slot] = inner_info["error"] is not None
        state = self.lean_env.state
        self._proposal = self._propose(state)
        dead_end = not state.is_solved and self._dead_end(self._proposal)
        terminated = bool(terminated or dead_end)
        truncated = bool(truncated or self._out_of_steps())
        info = self._merge_info(inner_info, text)
        info["dead_end"] = dead_end
        return self._observation(), float(reward), terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """The slots an agent may choose (sb3-contrib's ``MaskablePPO`` calls this).

        True for each proposed candidate (with ``mask_failed``, not one that failed in this
        state). A state with none keeps slot 0 open, since a masked agent needs one legal
        action: choosing it is an error and ends the episode as a dead end.
        """
        mask = np.zeros(self.k, dtype=bool)
        proposal = self._proposal
        if proposal is not None:
            mask[: len(proposal.candidates)] = True
            if self.mask_failed:
                for slot, failed in proposal.tried.items():
                    if failed:
                        mask[slot] = False
        if not mask.any():
            mask[0] = True
        return mask

    def first_action(self) -> int:
        """The slot of the proposer's most likely candidate (0 unless shuffled)."""
        return 0 if self._proposal is None else self._proposal.first_slot

    @property
    def candidates(self) -> list[Suggestion]:
        """The current state's candidates, in slot order (``text``, ``logprob``)."""
        return [] if self._proposal is None else list(self._proposal.candidates)

    @property
    def max_episode_steps(self) -> int | None:
        """The step limit (None: none). Setting it sets the wrapped env's too: ``gym.make``'s
        ``max_episode_steps`` arrives this way (:mod:`lean_gym.envs.step_limit`)."""
        return self._max_episode_steps

    @max_episode_steps.setter
    def max_episode_steps(self, value: int | None) -> None:
        if value is not None and int(value) < 1:
            raise ValueError(f"max_episode_steps must be >= 1 or None, got {value!r}")
        self._max_episode_steps = None if value is None else int(value)
        self.lean_env.max_episode_steps = self._max_episode_steps

    # ------------------------------------------------------------------ the wrapped env

    @property
    def theorems(self) -> list[Theorem]:
        """The dataset's theorems (the wrapped env's)."""
        return self.lean_env.theorems

    def theorem_by_name(self, name: str) -> Theorem:
        """The dataset's theorem called ``name`` (``ValueError`` if there is none)."""
        return self.lean_env.theorem_by_name(name)

    @property
    def state(self) -> ProofState:
        """The current proof state."""
        return self.lean_env.state

    @property
    def theorem(self) -> Theorem:
        """The current episode's theorem."""
        return self.lean_env.theorem

    @property
    def lean_calls(self) -> int:
        """Lean calls of the episode so far."""
        return self.lean_env.lean_calls

    @property
    def stats(self) -> Any:
        """The wrapped env's counters and wall times (:class:`~lean_gym.envs.base.EnvStats`)."""
        return self.lean_env.stats

    def render(self) -> str | None:
        """With ``render_mode="ansi"``: the wrapped env's text and the numbered candidates."""
        if self.render_mode != "ansi":
            return None
        if self._proposal is None:
            return "(no episode: call reset)"
        lines = [(self.lean_env.render() or "").rstrip("\n"), "candidates:"]
        for slot, candidate in enumerate(self._proposal.candidates):
            mark = {True: " (failed)", False: " (tried)"}.get(self._proposal.tried.get(slot), "")
            text = candidate.text.replace("\n", "; ")
            lines.append(f"  [{slot}] p={math.exp(min(candidate.logprob, 0.0)):.3f} {text}{mark}")
        if not self._proposal.candidates:
            lines.append("  (none)")
        return "\n".join(lines) + "\n"

    def close(self) -> None:
        """Closes the wrapped env (and the proposer when this env built it)."""
        self.lean_env.close()
        if self._owns_proposer and callable(getattr(self.proposer, "close", None)):
            self.proposer.close()

    # ------------------------------------------------------------------ helpers

    def _embedding_dim(self, given: int | None) -> int:
        if given is not None:
            if int(given) < 1:
                raise ValueError(f"embedding_dim must be >= 1, got {given!r}")
            return int(given)
        assert self.embed is not None
        probe = np.asarray(self.embed(["⊢ True"]), dtype=np.float32)
        if probe.ndim != 2 or probe.shape[0] != 1 or probe.shape[1] < 1:
            raise TypeError(
                f"embed(texts) must return an array of shape (len(texts), D), got shape "
                f"{probe.shape} for one text"
            )
        return int(probe.shape[1])

    def _propose(self, state: ProofState) -> _Proposal:
        """The state's candidates: asked once per state of the episode, then remembered (a
        sampling proposer would otherwise change the slots under the agent's feet)."""
        key = state.key()
        known = self._proposals.get(key)
        if known is not None:
            return known
        candidates: list[Suggestion] = []
        error = None
        if not state.is_solved:
            try:
                raw = self.proposer.propose(state, self.k)
            except Exception as exc:  # a proposer's failure is the state's, never the episode's
                raw, error = [], f"{type(exc).__name__}: {exc}"
            candidates = _clean(raw, self.k)
        first = 0
        if self.shuffle_candidates and len(candidates) > 1:
            order = self.np_random.permutation(len(candidates))
            first = int(np.flatnonzero(order == 0)[0])
            candidates = [candidates[i] for i in order]
        proposal = _Proposal(candidates, first, error)
        self._proposals[key] = proposal
        return proposal

    def _out_of_steps(self) -> bool:
        return self._max_episode_steps is not None and self._steps >= self._max_episode_steps

    def _dead_end(self, proposal: _Proposal) -> bool:
        if not proposal.candidates:
            return True
        return self.mask_failed and all(
            proposal.tried.get(slot, False) for slot in range(len(proposal.candidates))
        )

    def _observation(self) -> np.ndarray:
        layout = self.layout
        obs = np.zeros(layout.size, dtype=np.float32)
        state = self.lean_env.state
        proposal = self._proposal
        assert proposal is not None
        goal = state.goals[0] if state.goals else None
        obs[layout.state_field("num_goals")] = min(state.num_goals, GOAL_SCALE) / GOAL_SCALE
        hypotheses = len(goal.hypotheses) if goal is not None else 0
        obs[layout.state_field("num_hypotheses")] = (
            min(hypotheses, HYPOTHESIS_SCALE) / HYPOTHESIS_SCALE
        )
        obs[layout.state_field("depth")] = min(len(state.tactics), DEPTH_SCALE) / DEPTH_SCALE
        if self._max_episode_steps is not None:
            obs[layout.state_field("time")] = min(self._steps / self._max_episode_steps, 1.0)
        obs[layout.state_field("num_candidates")] = len(proposal.candidates) / self.k
        if self.embed is None:
            obs[layout.goal_text()] = _goal_features(goal, self.hash_dim, self.ngram)
            texts = [
                _text_features(c.text, self.hash_dim, self.ngram, "") for c in proposal.candidates
            ]
        else:
            vectors = self._embeddings(goal, proposal.candidates)
            obs[layout.goal_text()] = vectors[0]
            texts = list(vectors[1:])
        for slot, candidate in enumerate(proposal.candidates):
            logprob = candidate.logprob
            obs[layout.candidate_field(slot, "valid")] = 1.0
            obs[layout.candidate_field(slot, "prior")] = math.exp(logprob)
            obs[layout.candidate_field(slot, "neg_logprob")] = min(-logprob / LOGPROB_SCALE, 1.0)
            if slot in proposal.tried:
                obs[layout.candidate_field(slot, "tried")] = 1.0
                obs[layout.candidate_field(slot, "failed")] = float(proposal.tried[slot])
            obs[layout.candidate_text(slot)] = texts[slot]
        return obs

    def _embeddings(self, goal: Goal | None, candidates: Sequence[Suggestion]) -> np.ndarray:
        assert self.embed is not None
        texts = [goal.pp() if goal is not None else "no goals", *(c.text for c in candidates)]
        vectors = np.asarray(self.embed(texts), dtype=np.float32)
        expected = (len(texts), self.layout.text_dim)
        if vectors.shape != expected:
            raise TypeError(
                f"embed(texts) returned shape {vectors.shape}, expected {expected} "
                f"(len(texts), embedding_dim)"
            )
        vectors = np.nan_to_num(vectors, nan=0.0, posinf=self.embedding_bound)
        return np.clip(vectors, -self.embedding_bound, self.embedding_bound)

    def _merge_info(
        self,
        inner_info: dict[str, Any],
        action_text: str | None,
        *,
        error: LeanError | None = None,
        ran: bool = True,
    ) -> dict[str, Any]:
        """The wrapped env's info with this env's entries (``ran=False``: no candidate ran,
        so the wrapped env's step entries are its last ones with this step's error)."""
        info = dict(inner_info)
        if not ran:
            info["error"] = None if error is None else InfoRecord(error.to_json())
            info["verification"] = None
            if "trace" in info:
                info["trace"] = []
                info["failed_tactic_index"] = -1
        else:
            self._info = dict(inner_info)
        proposal = self._proposal
        assert proposal is not None
        slots = [c.text for c in proposal.candidates]
        info["steps"] = self._steps
        info["candidates"] = slots + [""] * (self.k - len(slots))
        info["num_candidates"] = len(slots)
        info["action_text"] = action_text
        info["dead_end"] = False
        info["proposer_error"] = proposal.error
        return info


def _make_proposer(
    proposer: Proposer | str | None, kwargs: dict[str, Any] | None, granularity: str
) -> tuple[Any, bool]:
    """The proposer and whether the env built it (and so closes it)."""
    kwargs = dict(kwargs or {})
    if proposer is None:
        return TacticLibraryProposer(granularity, **kwargs), True
    if isinstance(proposer, str):
        module_name, _, attr = proposer.partition(":")
        if not module_name or not attr:
            raise ValueError(f"a proposer spec is 'module:attr', got {proposer!r}")
        factory = getattr(importlib.import_module(module_name), attr)
        built = factory(**kwargs)
        _require_propose(built)
        return built, True
    if kwargs:
        raise ValueError("proposer_kwargs is for the default proposer or a 'module:attr' spec")
    _require_propose(proposer)
    return proposer, False


def _require_propose(proposer: Any) -> None:
    if not callable(getattr(proposer, "propose", None)):
        raise TypeError(
            f"a proposer needs a propose(state, k) method, got {type(proposer).__name__}"
        )


def _clean(raw: Any, k: int) -> list[Suggestion]:
    """The proposer's answer as at most ``k`` distinct non-empty candidates.

    Raises:
        TypeError: When the answer is not a sequence of objects with ``text`` and ``logprob``
            (a programming error of the proposer, not a property of the state).
    """
    try:
        items = list(raw)
    except TypeError:
        raise TypeError(
            f"propose(state, k) must return a list of candidates, got {type(raw).__name__}"
        ) from None
    out: list[Suggestion] = []
    seen: set[str] = set()
    for item in items:
        text = getattr(item, "text", None)
        logprob = getattr(item, "logprob", None)
        if not isinstance(text, str) or not isinstance(logprob, (int, float, np.floating)):
            raise TypeError(
                "propose(state, k) must return objects with text (str) and logprob (float), "
                f"got {item!r}"
            )
        if not text.strip() or text in seen:
            continue
        seen.add(text)
        value = float(logprob)
        value = -math.inf if math.isnan(value) else min(value, 0.0)
        out.append(Suggestion(text, value, getattr(item, "rule", "")))
        if len(out) == k:
            break
    return out


def _slot(action: Any, k: int) -> int | None:
    """``action`` as a slot index, or None when it is not one of ``Discrete(k)``."""
    if isinstance(action, np.ndarray) and action.shape == ():
        action = action.item()
    if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
        return None
    slot = int(action)
    return slot if 0 <= slot < k else None


def _no_candidate(action: Any, proposed: int) -> LeanError:
    if _slot(action, 1 << 62) is None:
        detail = f"the action {action!r} is not a slot index"
    else:
        detail = f"slot {int(action)} holds no candidate ({proposed} proposed)"
    return LeanError("rejected", f"no_candidate: {detail}", None)
