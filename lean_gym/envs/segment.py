"""``LeanSegment-v0``: one proof segment (several tactics) per env step."""

from __future__ import annotations

from typing import Any, ClassVar

from lean_gym.envs.base import LeanEnv, Outcome, error_to_dict
from lean_gym.tactic_text import split_tactics
from lean_gym.types import LeanError, ProofState, Success

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

    The theorem's root goal; ``reset(options={"theorem": NAME})`` picks one by name, else the
    seeded ``np_random`` draws one.

    ## Episode End

    * Termination: no goal is left (reward by verification, as in ``LeanStep-v0``; a complete
      proof that fails verification terminates with reward 0 and
      ``info["verification"]["reason"]``).
    * Truncation: ``max_episode_steps`` segments (default 20), enforced by the env itself.

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
    (default 20), ``step_penalty``, ``error_penalty``, ``reward_fn``, ``max_action_length``
    (16384), ``max_observation_length``, ``tactic_timeout``, ``verify_timeout``,
    ``render_mode``, ``integrity_policy``, ``error_in_observation``), plus:

    * ``partial`` (False): keep the valid prefix of a segment that fails part-way.

    ``gym.make``'s own ``max_episode_steps=N`` wraps ``TimeLimit(N)`` (episodes end at
    ``min(N, 20)``); construct ``LeanSegmentEnv`` directly to raise the env's own limit.
    Search API (unwrapped): ``state``, ``restore(state)``, ``expand(state, segment)``, the last
    returning ``Success`` with the segment's final state or the first tactic's failure.

    ## Version History

    * v0: Initial version.
    """

    default_max_episode_steps: ClassVar[int] = 20
    default_max_action_length: ClassVar[int] = 16384

    def __init__(self, *args: Any, partial: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.partial = bool(partial)
        self._init_kwargs["partial"] = self.partial

    def _extra_info_defaults(self) -> dict[str, Any]:
        return {"trace": [], "failed_tactic_index": -1}

    def _apply(self, state: ProofState, action: str) -> Outcome:
        try:
            tactics = split_tactics(action)
        except ValueError:
            # Text the splitter cannot read is still Lean's to judge, as a single call.
            tactics = [action]
        if not tactics:
            return Outcome(
                LeanError("rejected", "no_tactics: the segment has no tactics", None), state
            )
        trace: list[dict[str, Any]] = []
        current = state
        for index, tactic in enumerate(tactics):
            result = self._run_tactic(current, tactic)
            if isinstance(result, Success):
                current = result.state
                trace.append(
                    {"tactic": tactic, "ok": True, "error": None, "num_goals": current.num_goals}
                )
                continue
            trace.append(
                {
                    "tactic": tactic,
                    "ok": False,
                    "error": error_to_dict(result),
                    "num_goals": current.num_goals,
                }
            )
            extras = {"trace": trace, "failed_tactic_index": index}
            return Outcome(result, current if self.partial else state, extras)
        extras = {"trace": trace, "failed_tactic_index": -1}
        return Outcome(Success(current), current, extras)
