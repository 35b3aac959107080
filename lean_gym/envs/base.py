"""``LeanEnv``: what the step, segment and proof envs share.

The base owns the dataset, the backend, the episode bookkeeping, action checking, the Lean-call
budget, rewards, the info dict, rendering, pickling and the search API (``state``, ``restore``,
``expand``, ``verify``, ``lean_calls``). A subclass says what one action does by overriding
:meth:`LeanEnv._apply`, which returns an :class:`~lean_gym.types.Outcome`; ``step`` and
``expand`` both go through it, so a search sees exactly what a step would do.

Conventions every lean_gym env follows:

* Errors are values. A failing, malformed or forbidden action never raises: it leaves the proof
  state unchanged and comes back as the (unchanged) observation with ``info["error"]`` set.
* A refusal before Lean has ``info["error"]["kind"] == "rejected"`` and a message
  ``"REASON: explanation"`` (REASON as the integrity rules name it, or ``empty``, ``too_long``,
  ``not_text``, ``control_char``, ``no_tactics``, ``episode_over``, ``budget``); reasons are
  counted in ``env.unwrapped.stats.rejection_reasons``.
* The info dict is deterministic (two runs of the same seed and actions give equal infos). Wall
  times live in ``env.unwrapped.stats``, never in ``info``.
* Reward 1.0 is paid only for a complete proof that ``backend.verify`` accepts (integrity rules
  included); ``step_penalty`` and ``error_penalty`` are subtracted per step and per failed step;
  a ``reward_fn`` replaces the whole computation.
* Every constructor argument is recorded when the env is built (whatever the subclass), so the
  env pickles by rebuilding itself from them; a new env class adds none of that code.
"""

from __future__ import annotations

import copy
import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import gymnasium as gym

from lean_gym.backends import ProverBackend, make_backend
from lean_gym.data.segments import Segmenter
from lean_gym.data.theorems import load_theorems
from lean_gym.data.trajectories import Trajectory
from lean_gym.errors import BackendError, TheoremStartError
from lean_gym.integrity import IntegrityPolicy, Rejection, check_proof_text
from lean_gym.spaces import LeanText
from lean_gym.tactic_text import join_tactics, split_tactics
from lean_gym.types import (
    LeanError,
    Outcome,
    ProofState,
    Success,
    TacticResult,
    Theorem,
    TraceEntry,
    Verification,
)

__all__ = [
    "LeanEnv",
    "RewardContext",
    "EnvStats",
    "Outcome",
    "InfoRecord",
    "TheoremOrder",
    "StartErrorPolicy",
    "DEFAULT_SEED",
    "TRUNCATION_MARKER",
    "rejection_error",
]

logger = logging.getLogger(__name__)

TheoremOrder = Literal["random", "cycle", "shuffle"]
"""How ``reset`` picks the next theorem (without ``options``): ``random`` draws with
replacement, ``cycle`` goes through the dataset in order, ``shuffle`` takes every theorem once
per pass in a seeded random order (the default)."""

StartErrorPolicy = Literal["raise", "skip"]
"""What ``reset`` does with a theorem the backend cannot start: ``raise`` the
``TheoremStartError`` (the default), or ``skip`` it (counted, logged once, never drawn again)."""

DEFAULT_SEED = 0
"""The seed of an env whose ``reset`` was never given one: the default order is reproducible."""

# Appended to an observation cut at ``max_observation_length`` (the cut is deterministic).
TRUNCATION_MARKER = "\n… [observation truncated]"


@dataclass(frozen=True)
class RewardContext:
    """Everything a pluggable ``reward_fn`` may look at for one step.

    Attributes:
        theorem: The episode's theorem.
        action: The action as given (``str(action)`` if it was not a string).
        state_before: The proof state the action was applied to.
        state_after: The proof state after the step (equal to ``state_before`` on failure).
        error: The step's failure, or None.
        proof_complete: True when no goal is left after the step.
        verification: The verdict on the full proof when it was checked, else None.
        steps: Env steps taken in the episode, this one included.
        lean_calls: Lean calls made in the episode so far, this step's included.
        default_reward: The reward the env's built-in rule gives (verified proof, penalties).
    """

    theorem: Theorem
    action: str
    state_before: ProofState
    state_after: ProofState
    error: LeanError | None
    proof_complete: bool
    verification: Verification | None
    steps: int
    lean_calls: int
    default_reward: float


@dataclass
class EnvStats:
    """Counters and wall times over the env's life (mutable; never part of ``info``)."""

    episodes: int = 0
    steps: int = 0
    lean_calls: int = 0
    errors: int = 0
    rejections: int = 0
    rejection_reasons: dict[str, int] = field(default_factory=dict)
    verifications: int = 0
    verified: int = 0
    start_errors: int = 0
    start_seconds: float = 0.0
    check_seconds: float = 0.0
    tactic_seconds: float = 0.0
    verify_seconds: float = 0.0


class InfoRecord(Mapping[str, Any]):
    """A read-only dict-like record: the form of ``info["error"]`` and ``info["verification"]``.

    Why not a ``dict``: Gymnasium's vector envs merge info dicts key by key and recurse into
    ``dict`` values, which breaks when one sub-env reports an error (a dict) and another none
    (None). A record that is a ``Mapping`` but not a ``dict`` is kept whole in the batched info.
    It indexes, iterates, compares equal to a dict with the same items and pickles; ``dict(r)``
    or :meth:`to_dict` gives a plain dict (for JSON).
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]):
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        return (InfoRecord, (self._data,))

    def to_dict(self) -> dict[str, Any]:
        """A deep plain-dict copy."""
        return copy.deepcopy(self._data)


def _record(value: LeanError | Verification | None) -> InfoRecord | None:
    """The info form of an error or a verdict: its JSON codec, as a record."""
    return None if value is None else InfoRecord(value.to_json())


def _load_dataset(dataset: str | Path | Sequence[Theorem]) -> list[Theorem]:
    if isinstance(dataset, (str, Path)):
        theorems = list(load_theorems(dataset))
    else:
        theorems = list(dataset)
        for item in theorems:
            if not isinstance(item, Theorem):
                raise TypeError(f"dataset items must be Theorem, got {type(item).__name__}")
    if not theorems:
        raise ValueError(f"dataset {dataset!r} has no theorems")
    return theorems


class LeanEnv(gym.Env[str, str]):
    """The shared base of the lean_gym envs (see the subclasses for the documented envs).

    Args:
        dataset: A shipped theorem set name (``"smoke"``, ``"minilean-bench"``, ...), a jsonl
            path, or a list of :class:`~lean_gym.types.Theorem`.
        backend: ``"minilean"``, ``"repl"`` (with ``backend_kwargs={"project": ...}``),
            ``"auto"``, any registered backend name, or a backend instance. The env closes a
            backend it built and leaves an instance it was given open.
        backend_kwargs: Passed to :func:`lean_gym.backends.make_backend`.
        max_episode_steps: Env steps after which the episode is truncated (None: the class's
            default). Enforced by the env itself, so direct construction works; through
            ``gym.make(id, max_episode_steps=N)`` Gymnasium keeps ``N`` for its ``TimeLimit``
            and the registered wrapper hands it to the env (:mod:`lean_gym.envs.step_limit`):
            one limit either way.
        max_lean_calls: Lean calls an episode may make (``step`` and ``expand`` together; None:
            no limit). Once they are spent, an action is refused with
            ``LeanError("rejected", "budget: ...")`` before it reaches Lean (a segment stops at
            the tactic the budget runs out on) and ``step`` truncates the episode. The check of
            a completed proof is never refused: it counts one call, possibly past the limit.
        step_penalty: Subtracted from the reward on every step.
        error_penalty: Subtracted from the reward on every failed step.
        reward_fn: Replaces the built-in reward: called with a :class:`RewardContext`.
        max_action_length: Longest accepted action (longer ones are rejected as errors).
        max_observation_length: Longest observation; longer ones are cut deterministically,
            end with :data:`TRUNCATION_MARKER` and set ``info["observation_truncated"]``.
        tactic_timeout: Seconds per tactic call (None: the backend's default).
        verify_timeout: Seconds per whole-proof check (None: the backend's default).
        render_mode: None or ``"ansi"``.
        integrity_policy: The :class:`lean_gym.integrity.IntegrityPolicy` for text checks and
            verification (None: the default policy).
        error_in_observation: Append ``error: MESSAGE`` to the observation after a failed step
            (off by default: the observation is the proof state and the error is in info).
        order: How ``reset`` picks a theorem without ``options``: ``"shuffle"`` (default, every
            theorem once per pass, a new seeded order each pass), ``"cycle"`` (dataset order,
            round and round) or ``"random"`` (seeded draws with replacement). Seeded by
            ``reset(seed=...)``; an env never given a seed uses :data:`DEFAULT_SEED`, so the
            default sequence is reproducible.
        on_start_error: ``"raise"`` (default): a theorem the backend cannot start raises
            ``TheoremStartError`` from ``reset``. ``"skip"``: ``reset`` draws another one; the
            skipped theorem is logged once, counted in ``stats.start_errors``, listed with its
            reason in ``start_errors`` and never drawn again (a theorem asked for by
            ``options`` still raises).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 1}

    default_max_episode_steps: ClassVar[int | None] = 50
    default_max_action_length: ClassVar[int] = 4096
    default_max_observation_length: ClassVar[int] = 32768
    one_action_per_episode: ClassVar[bool] = False
    """True for an env whose one action decides the episode (``LeanProof-v0``): every step
    terminates it and a second step is refused (``episode_over``)."""

    _init_args: tuple[Any, ...]
    _init_kwargs: dict[str, Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> LeanEnv:
        # EzPickle's idea without the call a subclass could forget: whatever a subclass's
        # constructor takes, the arguments given are recorded before it runs, and unpickling
        # runs the constructor again with them.
        env = super().__new__(cls)
        env._init_args = args
        env._init_kwargs = dict(kwargs)
        return env

    def __init__(
        self,
        dataset: str | Path | Sequence[Theorem] = "smoke",
        backend: str | ProverBackend = "auto",
        *,
        backend_kwargs: dict[str, Any] | None = None,
        max_episode_steps: int | None = None,
        max_lean_calls: int | None = None,
        step_penalty: float = 0.0,
        error_penalty: float = 0.0,
        reward_fn: Callable[[RewardContext], float] | None = None,
        max_action_length: int | None = None,
        max_observation_length: int | None = None,
        tactic_timeout: float | None = None,
        verify_timeout: float | None = None,
        render_mode: str | None = None,
        integrity_policy: IntegrityPolicy | None = None,
        error_in_observation: bool = False,
        order: TheoremOrder = "shuffle",
        on_start_error: StartErrorPolicy = "raise",
    ):
        if order not in ("random", "cycle", "shuffle"):
            raise ValueError(f"order must be 'random', 'cycle' or 'shuffle', got {order!r}")
        if on_start_error not in ("raise", "skip"):
            raise ValueError(f"on_start_error must be 'raise' or 'skip', got {on_start_error!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, "
                f"got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.theorems = _load_dataset(dataset)
        self._theorem_index: dict[str, int] = {}
        for i, theorem in enumerate(self.theorems):
            self._theorem_index.setdefault(theorem.name, i)

        self.max_episode_steps: int | None = (
            self.default_max_episode_steps if max_episode_steps is None else int(max_episode_steps)
        )
        if self.max_episode_steps is not None and self.max_episode_steps < 1:
            raise ValueError(f"max_episode_steps must be >= 1, got {max_episode_steps!r}")
        self.order: TheoremOrder = order
        self.on_start_error: StartErrorPolicy = on_start_error
        self.start_errors: dict[str, str] = {}
        """Theorems skipped because they cannot start (name -> Lean's reason)."""
        self._queue: list[int] = []  # shuffle: the rest of the current pass
        self._cursor = 0  # cycle: the next index
        if max_lean_calls is not None and int(max_lean_calls) < 0:
            raise ValueError(f"max_lean_calls must be >= 0 or None, got {max_lean_calls!r}")
        self.max_lean_calls = None if max_lean_calls is None else int(max_lean_calls)
        self.step_penalty = float(step_penalty)
        self.error_penalty = float(error_penalty)
        self.reward_fn = reward_fn
        self.max_action_length = int(max_action_length or self.default_max_action_length)
        self.max_observation_length = int(
            max_observation_length or self.default_max_observation_length
        )
        if self.max_observation_length <= len(TRUNCATION_MARKER):
            raise ValueError("max_observation_length is too small to hold any text")
        self.tactic_timeout = tactic_timeout
        self.verify_timeout = verify_timeout
        self.integrity_policy = integrity_policy
        self.error_in_observation = bool(error_in_observation)

        self.action_space = LeanText(self.max_action_length)
        self.observation_space = LeanText(self.max_observation_length)

        self._owns_backend = isinstance(backend, str)
        self.backend = make_backend(backend, **(backend_kwargs or {}))
        self.stats = EnvStats()

        self._theorem: Theorem | None = None
        self._root: ProofState | None = None
        self._state: ProofState | None = None
        self._steps = 0
        self._lean_calls = 0
        self._last_error: LeanError | None = None
        self._verification: Verification | None = None
        self._closed = False

    # ------------------------------------------------------------------ episode

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Starts an episode.

        Args:
            seed: Seeds the env's sampler (``self.np_random``) over the dataset and restarts
                the ``shuffle`` pass; an env never given a seed uses :data:`DEFAULT_SEED`.
            options: ``{"theorem": NAME}`` picks a theorem by name, ``{"index": i}`` by
                position (with ``order="cycle"`` the next reset goes on from ``i + 1``);
                otherwise the next theorem of ``order``.

        Raises:
            ValueError: For an unknown theorem name or an index out of range.
            TheoremStartError: When the backend cannot start the theorem (with
                ``on_start_error="skip"``: only for a theorem asked for by ``options``).
            BackendError: With ``on_start_error="skip"``, when no theorem of the dataset can
                start.
        """
        if seed is None and self._np_random is None:
            seed = DEFAULT_SEED
        super().reset(seed=seed)
        if seed is not None:
            self._queue = []
        options = options or {}
        began = time.perf_counter()
        if options.get("theorem") is not None:
            theorem = self.theorem_by_name(str(options["theorem"]))
            root = self.backend.start(theorem)
        elif options.get("index") is not None:
            index = int(options["index"])
            if not 0 <= index < len(self.theorems):
                raise ValueError(f"index {index} is out of range [0, {len(self.theorems)})")
            self._cursor = (index + 1) % len(self.theorems)
            theorem = self.theorems[index]
            root = self.backend.start(theorem)
        else:
            theorem, root = self._start_next()
        self.stats.start_seconds += time.perf_counter() - began
        self.stats.episodes += 1

        self._theorem = theorem
        self._root = root
        self._state = root
        self._steps = 0
        self._lean_calls = 0
        self._last_error = None
        self._verification = None
        return self._observe(root, self._extra_info_defaults())

    def _next_index(self) -> int | None:
        """The next theorem of ``order`` among those not skipped (None: every one was)."""
        n = len(self.theorems)
        available = n - len(self._skipped)
        if available <= 0:
            return None
        if self.order == "random":
            while True:
                index = int(self.np_random.integers(n))
                if index not in self._skipped:
                    return index
        if self.order == "cycle":
            for _ in range(n):
                index, self._cursor = self._cursor, (self._cursor + 1) % n
                if index not in self._skipped:
                    return index
            return None
        while True:  # shuffle
            if not self._queue:
                self._queue = [int(i) for i in self.np_random.permutation(n)]
            index = self._queue.pop(0)
            if index not in self._skipped:
                return index

    def _start_next(self) -> tuple[Theorem, ProofState]:
        """Starts the next theorem of ``order``, skipping those that cannot start if asked."""
        while True:
            index = self._next_index()
            if index is None:
                first = next(iter(self.start_errors.items()))
                raise BackendError(
                    f"none of the dataset's {len(self.theorems)} theorems can start on this "
                    f"backend (on_start_error='skip' skipped them all; {first[0]}: {first[1]}); "
                    "check the dataset with lean-gym data check"
                )
            theorem = self.theorems[index]
            try:
                return theorem, self.backend.start(theorem)
            except TheoremStartError as exc:
                if self.on_start_error == "raise":
                    raise
                self._skip(index, exc)

    @property
    def _skipped(self) -> set[int]:
        return {self._theorem_index[name] for name in self.start_errors}

    def _skip(self, index: int, exc: TheoremStartError) -> None:
        theorem = self.theorems[index]
        reason = exc.error.message.strip().splitlines()[0] if exc.error.message.strip() else ""
        self.start_errors[theorem.name] = reason
        self.stats.start_errors += 1
        logger.warning(
            "lean_gym: skipping theorem %r, which cannot start on this backend (%s); it will "
            "not be drawn again (%d skipped so far)",
            theorem.name,
            reason,
            len(self.start_errors),
        )

    def theorem_by_name(self, name: str) -> Theorem:
        """The dataset's theorem called ``name``.

        Raises:
            ValueError: Listing a few valid names when there is none of that name.
        """
        index = self._theorem_index.get(name)
        if index is None:
            known = ", ".join(repr(t.name) for t in self.theorems[:5])
            more = f" and {len(self.theorems) - 5} more" if len(self.theorems) > 5 else ""
            raise ValueError(f"unknown theorem {name!r}; the dataset has {known}{more}")
        return self.theorems[index]

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """Applies ``action`` to the current state (see the subclass docs for what it means).

        The action's :class:`~lean_gym.types.Outcome` (what :meth:`expand` returns) moves the
        env; the step that closes the proof is then checked with :meth:`verify` unless the
        outcome already carries a verdict.
        """
        state = self._require_state()
        self._steps += 1
        self.stats.steps += 1
        if self.one_action_per_episode and self._steps > 1:
            refusal = "episode_over: one action per episode, call reset() first"
            text, error = None, LeanError("rejected", refusal, None)
        else:
            text, error = self._prepare(action)
        outcome = self._outcome(state, text, error)
        error = outcome.error
        new_state = outcome.state
        self._state = new_state
        self._last_error = error
        self._count_error(error)

        verification = outcome.verification
        # Only the step that closes the proof is checked and paid: stepping on after the end
        # (or from a restored solved state) earns nothing.
        if verification is None and new_state.is_solved and not state.is_solved:
            verification = self.verify(self._current_proof(new_state))
        if verification is not None:
            self._verification = verification
        terminated = self.one_action_per_episode or new_state.is_solved
        limit = self.max_episode_steps
        truncated = not terminated and (
            (limit is not None and self._steps >= limit) or self._budget_spent()
        )
        reward = self._reward(action, state, new_state, error, verification)
        obs, info = self._observe(new_state, self._outcome_info(outcome, text))
        return obs, reward, terminated, truncated, info

    # ------------------------------------------------------------------ what subclasses define

    def _apply(self, state: ProofState, text: str) -> Outcome:
        """Runs one checked action on ``state`` (here: one tactic call)."""
        result = self._run_tactic(state, text)
        if isinstance(result, Success):
            final = result.state
            trace = (TraceEntry(text, None, final.num_goals),)
            return Outcome(result, final, (final,), trace, None, 1)
        return Outcome(result, state, (), (TraceEntry(text, result, state.num_goals),), None, 1)

    def _prepare(self, action: Any) -> tuple[str | None, LeanError | None]:
        """The text :meth:`_apply` runs for ``action`` and its refusal before Lean, if any
        (the text is None when the action is no text at all)."""
        error = self._check_basic(action)
        if error is not None:
            return (action if isinstance(action, str) else None), error
        return action, self._check_text(action)

    def _extra_info_defaults(self) -> dict[str, Any]:
        """Env-specific info entries present on every reset and step (stable keys)."""
        return {}

    def _outcome_info(self, outcome: Outcome, text: str | None) -> dict[str, Any]:
        """The env-specific info entries of a step's outcome (``text``: what was prepared)."""
        return self._extra_info_defaults()

    @classmethod
    def actions_for_proof(
        cls,
        proof: str,
        *,
        trajectory: Trajectory | None = None,
        segmenter: Segmenter | None = None,
    ) -> list[str]:
        """A known proof as this env's actions, in order (here: its top-level tactics).

        Args:
            proof: The tactic block after ``:= by``.
            trajectory: The proof's replay (:func:`lean_gym.data.build_trajectory`), for an
                env whose actions depend on the goals along the way; others ignore it.
            segmenter: How an env of multi-tactic actions cuts the proof; others ignore it.
        """
        return split_tactics(proof)

    # ------------------------------------------------------------------ search API

    @property
    def state(self) -> ProofState:
        """The current proof state (carries the backend handle: branch from it with expand)."""
        return self._require_state()

    @property
    def theorem(self) -> Theorem:
        """The current episode's theorem."""
        self._require_state()
        assert self._theorem is not None
        return self._theorem

    @property
    def lean_calls(self) -> int:
        """Lean calls of the episode so far: tactics, checks and ``expand`` calls."""
        return self._lean_calls

    def restore(self, state: ProofState) -> None:
        """Makes ``state`` (a state of the episode's theorem) the env's current state.

        The step counter and the Lean-call budget are not reset: restoring is a move of the
        search, not a new episode.

        Raises:
            ValueError: If ``state`` belongs to another theorem.
        """
        current = self._require_state()
        if state.theorem != current.theorem:
            raise ValueError(
                f"cannot restore a state of {state.theorem.name!r} in an episode of "
                f"{current.theorem.name!r}"
            )
        self._state = state
        self._last_error = None
        self._verification = None

    def expand(self, state: ProofState, action: str) -> Outcome:
        """What ``step(action)`` would do from ``state``, without moving the env.

        The same :class:`~lean_gym.types.Outcome` a step applies: the final state, every
        state passed through and the per-tactic trace. A step or segment is not verified here
        (call :meth:`verify` on a complete proof); the proof env's action is a whole check, so
        its outcome carries the verdict. Uses the state's backend handle, so no replay happens
        while the handle is valid. The calls count toward ``lean_calls`` and the budget.
        """
        self._require_state()
        text, error = self._prepare(action)
        outcome = self._outcome(state, text, error)
        if outcome.error is not None and outcome.error.kind == "rejected" and not outcome.trace:
            self._count_error(outcome.error)
        return outcome

    def verify(self, proof: str) -> Verification:
        """Checks ``proof`` as a whole proof of the episode's theorem (the integrity rules and
        ``backend.verify``); counts one Lean call, never refused by the budget."""
        self._require_state()
        assert self._theorem is not None
        self._lean_calls += 1
        self.stats.lean_calls += 1
        self.stats.verifications += 1
        began = time.perf_counter()
        verification = self.backend.verify(
            self._theorem, proof, timeout=self.verify_timeout, policy=self.integrity_policy
        )
        self.stats.verify_seconds += time.perf_counter() - began
        if verification.ok:
            self.stats.verified += 1
        return verification

    # ------------------------------------------------------------------ rendering, closing

    def render(self) -> str | None:
        """With ``render_mode="ansi"``: the theorem, the current state and the last error."""
        if self.render_mode != "ansi":
            return None
        if self._state is None:
            return "(no episode: call reset)"
        lines = [f"theorem {self._state.theorem.name}", self._state.pp()]
        if self._last_error is not None:
            lines.append(f"error ({self._last_error.kind}): {self._last_error.message}")
        if self._verification is not None and not self._verification.ok:
            lines.append(f"verification failed: {self._verification.reason}")
        return "\n".join(lines) + "\n"

    def close(self) -> None:
        """Closes the backend if the env built it; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._owns_backend:
            self.backend.close()

    def __getstate__(self) -> dict[str, Any]:
        """Pickles the constructor arguments and the episode, not the backend.

        The backend is rebuilt from its spec on unpickling; the current state's handle is
        dropped (``ProofState`` pickles without it), so the first call on it replays its
        tactics. A backend instance given to the constructor is pickled as it is.
        """
        return {
            "init": (self._init_args, self._init_kwargs),
            "episode": {name: getattr(self, name) for name in _EPISODE_FIELDS},
            "np_random": self._np_random,
            "stats": self.stats,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._init_args, self._init_kwargs = state["init"]
        self.__init__(*self._init_args, **self._init_kwargs)  # type: ignore[misc]
        for name, value in state["episode"].items():
            setattr(self, name, value)
        self._np_random = state["np_random"]
        self.stats = state["stats"]

    # ------------------------------------------------------------------ helpers for subclasses

    def _require_state(self) -> ProofState:
        if self._state is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        return self._state

    def _outcome(self, state: ProofState, text: str | None, error: LeanError | None) -> Outcome:
        """A prepared action's refusal, the budget, then :meth:`_apply`: what ``step`` and
        ``expand`` share."""
        if error is None:
            error = self._budget_error()
        if error is not None:
            return Outcome(error, state)
        assert text is not None
        return self._apply(state, text)

    def _run_tactics(self, state: ProofState, tactics: Sequence[str]) -> Outcome:
        """Runs ``tactics`` one by one from ``state`` up to the first failure.

        Returns the outcome whose ``state`` is the end of the valid prefix (a caller that
        restores the state before the action replaces it). The budget is checked before each
        tactic: a tactic it refuses is the failure.
        """
        trace: list[TraceEntry] = []
        states: list[ProofState] = []
        current = state
        calls = 0
        for tactic in tactics:
            refusal = self._budget_error()
            result = refusal if refusal is not None else self._run_tactic(current, tactic)
            if refusal is None:
                calls += 1
            if isinstance(result, Success):
                current = result.state
                states.append(current)
                trace.append(TraceEntry(tactic, None, current.num_goals))
                continue
            trace.append(TraceEntry(tactic, result, current.num_goals))
            return Outcome(result, current, tuple(states), tuple(trace), None, calls)
        return Outcome(Success(current), current, tuple(states), tuple(trace), None, calls)

    def _check_basic(self, action: Any) -> LeanError | None:
        """Type, emptiness, length and null characters."""
        if not isinstance(action, str):
            return LeanError(
                "rejected", f"not_text: an action must be a str, got {type(action).__name__}", None
            )
        if not action.strip():
            return LeanError("rejected", "empty: the action is empty, send a tactic", None)
        if len(action) > self.max_action_length:
            return LeanError(
                "rejected",
                f"too_long: the action has {len(action)} characters, more than "
                f"max_action_length="
                f"{self.max_action_length}",
                None,
            )
        if "\x00" in action:
            return LeanError("rejected", "control_char: the action contains a null character", None)
        return None

    def _check_text(self, text: str) -> LeanError | None:
        """The integrity rules on a tactic block, before it reaches Lean."""
        began = time.perf_counter()
        if len(text) <= _CACHED_TEXT_LENGTH and _hashable(self.integrity_policy):
            rejection = _cached_text_check(text, self.integrity_policy)
        else:
            rejection = check_proof_text(text, self.integrity_policy)
        self.stats.check_seconds += time.perf_counter() - began
        return rejection_error(rejection)

    def _budget_spent(self) -> bool:
        return self.max_lean_calls is not None and self._lean_calls >= self.max_lean_calls

    def _budget_error(self) -> LeanError | None:
        if not self._budget_spent():
            return None
        return LeanError(
            "rejected",
            f"budget: the episode has made {self._lean_calls} Lean calls, "
            f"max_lean_calls={self.max_lean_calls}",
            None,
        )

    def _run_tactic(self, state: ProofState, tactic: str) -> TacticResult:
        self._lean_calls += 1
        self.stats.lean_calls += 1
        began = time.perf_counter()
        result = self.backend.run_tactic(state, tactic, timeout=self.tactic_timeout)
        self.stats.tactic_seconds += time.perf_counter() - began
        return result

    def _count_error(self, error: LeanError | None) -> None:
        if error is None:
            return
        self.stats.errors += 1
        if error.kind == "rejected":
            self.stats.rejections += 1
            reason = error.message.split(": ", 1)[0]
            self.stats.rejection_reasons[reason] = self.stats.rejection_reasons.get(reason, 0) + 1

    @staticmethod
    def _current_proof(state: ProofState) -> str:
        return join_tactics(list(state.tactics))

    def _reward(
        self,
        action: Any,
        before: ProofState,
        after: ProofState,
        error: LeanError | None,
        verification: Verification | None,
    ) -> float:
        reward = 1.0 if verification is not None and verification.ok else 0.0
        reward -= self.step_penalty
        if error is not None:
            reward -= self.error_penalty
        if self.reward_fn is None:
            return float(reward)
        assert self._theorem is not None
        context = RewardContext(
            theorem=self._theorem,
            action=action if isinstance(action, str) else str(action),
            state_before=before,
            state_after=after,
            error=error,
            proof_complete=after.is_solved,
            verification=verification,
            steps=self._steps,
            lean_calls=self._lean_calls,
            default_reward=float(reward),
        )
        return float(self.reward_fn(context))

    def _observe(self, state: ProofState, extras: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The observation of ``state`` and the info dict (the last error is ``_last_error``)."""
        text = state.pp()
        if self._last_error is not None and self.error_in_observation:
            text = f"{text}\n\nerror: {self._last_error.message}"
        cut = len(text) > self.max_observation_length
        obs = self._fit(text)
        info: dict[str, Any] = {
            "theorem": state.theorem.name,
            "goals": [goal.to_json() for goal in state.goals],
            "num_goals": state.num_goals,
            "error": _record(self._last_error),
            "proof": self._current_proof(state),
            "steps": self._steps,
            "lean_calls": self._lean_calls,
            "observation_truncated": cut,
            "verification": _record(self._verification),
        }
        info.update(extras)
        return obs, info

    def _fit(self, text: str) -> str:
        """``text`` cut to ``max_observation_length`` (deterministically, with a marker)."""
        if len(text) <= self.max_observation_length:
            return text
        keep = self.max_observation_length - len(TRUNCATION_MARKER)
        return text[:keep] + TRUNCATION_MARKER


# What an episode is, beyond the constructor's arguments: pickled with the env (with the
# theorem order's position, the skipped theorems and a limit a gym.make wrapper handed over).
_EPISODE_FIELDS = (
    "_theorem",
    "_root",
    "_state",
    "_steps",
    "_lean_calls",
    "_last_error",
    "_verification",
    "_queue",
    "_cursor",
    "start_errors",
    "max_episode_steps",
)

# Agents send the same short tactics over and over (``simp``, ``omega``, ``intro h``); the text
# rules are a pure function of the text and the (frozen, hashable) policy, so their answers are
# cached for short texts. Long texts are checked every time to keep the cache small.
_CACHED_TEXT_LENGTH = 512


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


@functools.lru_cache(maxsize=8192)
def _cached_text_check(text: str, policy: IntegrityPolicy | None) -> Rejection | None:
    return check_proof_text(text, policy)


def rejection_error(rejection: Rejection | None) -> LeanError | None:
    """A :class:`lean_gym.integrity.Rejection` as the step's error (``reason: detail``)."""
    if rejection is None:
        return None
    message = f"{rejection.reason}: {rejection.detail}" if rejection.detail else rejection.reason
    return LeanError("rejected", message, rejection.pos)
