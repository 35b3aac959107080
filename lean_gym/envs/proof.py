"""``LeanProof-v0``: a whole proof per episode (one step)."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from lean_gym.answers import read_proof
from lean_gym.envs.base import LeanEnv, rejection_error
from lean_gym.tactic_text import join_tactics, split_tactics
from lean_gym.types import LeanError, Outcome, ProofState, Success, Verification

__all__ = ["LeanProofEnv"]

# Verification reasons that name a failure of the call, mapped to the LeanError kind.
_CALL_FAILURES = {"timeout": "timeout", "crash": "crash"}


class LeanProofEnv(LeanEnv):
    """Prove a Lean 4 theorem with one whole proof: a one-step episode.

    ## Description

    The whole-proof granularity (DeepSeek-Prover style): the agent sees the theorem's root goal
    and answers with a complete proof. The env checks it as a declaration with
    ``backend.verify`` under the integrity rules (no new commands, no ``sorry``, the dataset's
    statement, standard axioms only). When the proof fails, the env also runs its top-level
    tactics one by one from the root until the first failing one, and reports the proof state
    there and the valid prefix before it: what truncate-and-resume needs.

    ```python
    import gymnasium as gym
    import lean_gym

    env = gym.make("LeanProof-v0", dataset="smoke", backend="minilean")
    obs, info = env.reset(options={"theorem": "smoke_and_intro"})
    obs, reward, terminated, truncated, info = env.step("constructor\\n· exact hp\\n· exact hq")
    ```

    ## Action Space

    ``LeanText(max_action_length)`` (32768 characters): a whole proof as a model writes it,
    read by :func:`lean_gym.answers.read_proof` (the reading ``lean-gym verify`` and the
    training rewards share): the tactic block after ``:= by`` (or ``by ...``), or a full
    declaration ``theorem NAME BINDERS : TYPE := by ...`` whose statement must be the dataset's
    (else it is rejected with reason ``statement_mismatch``), either of them bare or inside a
    markdown fence (```` ```lean4 ... ``` ````, prose around it ignored), a declaration
    possibly after lines of the dataset's header. Bad text (empty, too long, null characters,
    non-``str``, forbidden commands or ``sorry``) is an error, never an exception.

    ## Observation Space

    ``LeanText(max_observation_length)`` (32768 characters). After ``reset``: the root goal as
    Lean prints it. After the step: ``no goals`` for an accepted proof, otherwise the proof state
    at the first error (the state the failing tactic was run on, or the goals left unsolved).

    ## Rewards

    ``1.0`` when ``backend.verify`` accepts the proof, else ``0.0``; minus ``step_penalty``,
    and ``error_penalty`` for a failed proof; or what ``reward_fn(RewardContext)`` returns.

    ## Starting State

    The theorem's root goal; ``reset(options={"theorem": NAME})`` picks one by name,
    ``{"index": i}`` by position, else the next of ``order`` (``shuffle`` by default, seeded and
    reproducible; ``on_start_error`` says what to do with a theorem that cannot start), as in
    ``LeanStep-v0``.

    ## Episode End

    Every step terminates the episode (``terminated=True``, ``truncated=False``): the proof has
    been checked, accepted or not.

    Info: ``theorem``, ``goals`` and ``num_goals`` (of the observed state), ``error`` (the first
    error: ``{kind, message, pos}`` with Lean's position of it in the declaration, None when
    accepted), ``proof`` (the proof block checked), ``steps``, ``lean_calls`` (the check plus
    the step-by-step replay), ``observation_truncated``, ``verification``
    (``{ok, reason, detail, axioms, messages}``), ``messages`` (Lean's messages on the declaration,
    ``{severity, pos, endPos, data}``), ``state_at_error`` (pp text of the state at the first
    failing tactic, or of the unsolved goals; None when accepted or rejected before Lean),
    ``valid_prefix`` (the tactics before it, newline-joined) and ``failed_tactic_index`` (-1
    when no tactic failed, e.g. goals were left unsolved or the proof was accepted).

    ## Arguments

    As ``LeanStep-v0`` (``dataset``, ``backend``, ``backend_kwargs``, ``max_episode_steps``
    (None: the one action ends the episode; registered without a ``TimeLimit``),
    ``order``, ``on_start_error``, ``step_penalty``, ``error_penalty``, ``reward_fn``, ``max_action_length`` (32768),
    ``max_observation_length``, ``tactic_timeout``, ``verify_timeout``, ``render_mode``,
    ``integrity_policy``, ``error_in_observation``, ``max_lean_calls``), plus:

    * ``trace_errors`` (True): on a failed proof, replay its tactics to find the state at the
      first error. False saves those Lean calls (``state_at_error`` is then None).

    Search API (unwrapped): ``expand(state, proof) -> Outcome`` checks ``proof`` as the rest of
    the proof from ``state`` (from the root: the whole proof) without using up the episode's
    action; the outcome carries the ``verification`` and, for a failed proof, the state at the
    first error with the replay's ``trace``. ``LeanProofEnv.actions_for_proof(proof)`` is
    ``[proof]``.

    ## Version History

    * v0: Initial version.
    """

    default_max_episode_steps: ClassVar[int | None] = None
    default_max_action_length: ClassVar[int] = 32768
    one_action_per_episode: ClassVar[bool] = True

    def __init__(self, *args: Any, trace_errors: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.trace_errors = bool(trace_errors)

    def _extra_info_defaults(self) -> dict[str, Any]:
        return {
            "messages": [],
            "state_at_error": None,
            "valid_prefix": None,
            "failed_tactic_index": -1,
        }

    def _prepare(self, action: Any) -> tuple[str | None, LeanError | None]:
        """The tactic block of ``action`` (:func:`lean_gym.answers.read_proof`), checked."""
        error = self._check_basic(action)
        if error is not None:
            return None, error
        assert self._theorem is not None
        began = time.perf_counter()
        answer = read_proof(action, self._theorem, self.integrity_policy)
        self.stats.check_seconds += time.perf_counter() - began
        if not answer.ok:
            return None, rejection_error(answer.rejection)
        return answer.proof, None

    def _apply(self, state: ProofState, proof: str) -> Outcome:
        """Checks ``proof`` as the rest of the proof from ``state`` (the root: the whole proof).

        On failure (with ``trace_errors``) its top-level tactics run from ``state`` up to the
        first failing one: the outcome's state is the state there, its trace the tactics run.
        """
        calls = self._lean_calls
        tactics = split_tactics(proof)
        whole = proof if not state.tactics else join_tactics([*state.tactics, *tactics])
        verification = self.verify(whole)
        if verification.ok:
            final = ProofState(state.theorem, (), (*state.tactics, *tactics))
            return Outcome(Success(final), final, (final,), (), verification, 1)
        error = _first_error(verification)
        if not self.trace_errors:
            return Outcome(error, state, (), (), verification, 1)
        replay = self._run_tactics(state, tactics)
        return Outcome(
            error,
            replay.state,
            replay.states,
            replay.trace,
            verification,
            self._lean_calls - calls,
        )

    def _outcome_info(self, outcome: Outcome, text: str | None) -> dict[str, Any]:
        info = self._extra_info_defaults()
        info["proof"] = join_tactics(split_tactics(text)) if text is not None else ""
        verification = outcome.verification
        if verification is None:  # refused before Lean
            return info
        info["messages"] = [message.to_json() for message in verification.messages]
        if not verification.ok and self.trace_errors:
            index = outcome.failed_tactic_index
            prefix = outcome.trace if index < 0 else outcome.trace[:index]
            info["state_at_error"] = self._fit(outcome.state.pp())
            info["valid_prefix"] = join_tactics([entry.tactic for entry in prefix])
            info["failed_tactic_index"] = index
        return info

    @classmethod
    def actions_for_proof(cls, proof: str, **_: Any) -> list[str]:
        """A known proof as this env's one action: the proof itself."""
        return [proof]


def _first_error(verification: Verification) -> LeanError:
    """The failure to report for a proof that did not verify."""
    reason = verification.reason or "rejected"
    if reason in _CALL_FAILURES:
        return LeanError(_CALL_FAILURES[reason], verification.detail or reason, None)  # type: ignore[arg-type]
    for message in verification.messages:
        if message.severity == "error":
            return LeanError("error", message.data, message.pos)
    detail = f"{reason}: {verification.detail}" if verification.detail else reason
    return LeanError("rejected", detail, None)
