"""``LeanSegment-v0``: one proof segment (several tactics) per env step."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from lean_gym.data.segments import GoalChangeSegmenter, Segmenter, proof_path
from lean_gym.data.trajectories import Trajectory
from lean_gym.envs.base import LeanEnv
from lean_gym.tactic_text import join_tactics, split_tactics
from lean_gym.types import LeanError, Outcome, ProofState

__all__ = ["LeanSegmentEnv"]


class LeanSegmentEnv(LeanEnv):
    """Prove a Lean 4 theorem one proof segment (a few tactics) at a time.

    ## Description

    The granularity of SEG-ATP: an action is a segment, a chunk of a proof made of several
    tactics separated by newlines (for example everything up to the tactic that changes the
    number of open goals). The env splits it into its top-level tactics
    (``lean_gym.tactic_text.split_tactics``: a tactic keeps its indented continuation lines,
    ``·`` blocks and ``induction ... with`` alternatives) and runs them one by one, reporting a
    per-tactic trace. One segment is one env step; every tactic is one Lean call.

    ```python
    import gymnasium as gym
    import lean_gym

    env = gym.make("LeanSegment-v0", dataset="smoke", backend="minilean")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step("intro h\\nexact h.1")
    ```

    ## Action Space

    ``LeanText(max_action_length)`` (16384 characters): a tactic block as it would appear after
    ``:= by``. Bad text comes back as an error, never an exception: empty, too long, null
    characters, non-``str``, text the integrity rules forbid (``#eval``, ``sorry``, ...;
    ``info["error"]["kind"] == "rejected"``, nothing is sent to Lean) and text Lean refuses.

    ## Observation Space

    ``LeanText(max_observation_length)`` (32768 characters): the proof state as Lean prints it
    (goals separated by a blank line, ``no goals`` when complete); a longer state is cut
    deterministically and ``info["observation_truncated"]`` is set.

    ## Rewards

    ``1.0`` on the step that completes a proof that ``backend.verify`` accepts, else ``0.0``;
    minus ``step_penalty`` per segment and ``error_penalty`` per failed segment; or whatever a
    ``reward_fn(RewardContext)`` returns.

    ## Starting State

    The theorem's root goal; ``reset(options={"theorem": NAME})`` picks one by name,
    ``{"index": i}`` by position, else the next of ``order`` (``shuffle`` by default, seeded and
    reproducible; ``on_start_error`` says what to do with a theorem that cannot start), as in
    ``LeanStep-v0``.

    ## Episode End

    * Termination: no goal is left (reward by verification, as in ``LeanStep-v0``; a complete
      proof that fails verification terminates with reward 0 and
      ``info["verification"]["reason"]``).
    * Truncation: ``max_episode_steps`` segments (default 20), given to ``gym.make`` or to the
      env: one limit, as in ``LeanStep-v0``.

    A segment whose tactic ``i`` fails leaves the state as it was before the segment (or, with
    ``partial=True``, at the state after the valid prefix ``0..i-1``); ``info["error"]`` is the
    failing tactic's error and ``info["failed_tactic_index"]`` is ``i``. A segment that goes on
    after the goals are closed fails on the extra tactic, as Lean's ``no goals`` error.

    Info: as ``LeanStep-v0`` (``theorem``, ``goals``, ``num_goals``, ``error``, ``proof``,
    ``steps``, ``lean_calls`` counting tactics, ``observation_truncated``, ``verification``) plus
    ``trace`` (``[{tactic, ok, error, num_goals}]`` for the tactics run, ``num_goals`` after the
    tactic, or before it when it failed) and ``failed_tactic_index`` (-1 when none failed:
    always an int, so that vector envs batch it).

    ## Arguments

    As ``LeanStep-v0`` (``dataset``, ``backend``, ``backend_kwargs``, ``max_episode_steps``
    (default 20), ``order``, ``on_start_error``, ``step_penalty``, ``error_penalty``,
    ``reward_fn``, ``max_action_length`` (16384), ``max_observation_length``,
    ``tactic_timeout``, ``verify_timeout``, ``render_mode``, ``integrity_policy``,
    ``error_in_observation``), plus:

    * ``partial`` (False): keep the valid prefix of a segment that fails part-way.

    Search API (unwrapped): ``state``, ``restore(state)``, ``expand(state, segment) ->
    Outcome`` (the final state, every intermediate state in ``states`` and the per-tactic
    ``trace``, without moving the env), ``verify(proof)``, ``lean_calls``.
    ``LeanSegmentEnv.actions_for_proof(proof, trajectory=..., segmenter=...)`` cuts a known
    proof into segments (goal-change by default, along the trajectory's goal counts).

    ## Version History

    * v0: Initial version.
    """

    default_max_episode_steps: ClassVar[int | None] = 20
    default_max_action_length: ClassVar[int] = 16384

    def __init__(self, *args: Any, partial: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.partial = bool(partial)

    def _extra_info_defaults(self) -> dict[str, Any]:
        return {"trace": [], "failed_tactic_index": -1}

    def _outcome_info(self, outcome: Outcome, text: str | None) -> dict[str, Any]:
        return {
            "trace": [entry.to_json() for entry in outcome.trace],
            "failed_tactic_index": outcome.failed_tactic_index,
        }

    def _apply(self, state: ProofState, text: str) -> Outcome:
        tactics = split_tactics(text)
        if not tactics:
            return Outcome(
                LeanError("rejected", "no_tactics: the segment has no tactics", None), state
            )
        outcome = self._run_tactics(state, tactics)
        if outcome.error is not None and not self.partial:
            return replace(outcome, state=state)
        return outcome

    @classmethod
    def actions_for_proof(
        cls,
        proof: str,
        *,
        trajectory: Trajectory | None = None,
        segmenter: Segmenter | None = None,
    ) -> list[str]:
        """A known proof cut into segments by ``segmenter`` (default: goal-change).

        Along ``trajectory``'s proof path when it has one, so that the segments follow the
        goal counts; without it the goal counts are unknown and a goal-change segmenter cuts
        only at its ``max_len``.
        """
        segmenter = segmenter if segmenter is not None else GoalChangeSegmenter()
        path = proof_path(proof, trajectory)
        return [join_tactics(segment.tactics) for segment in segmenter.split(path)]
