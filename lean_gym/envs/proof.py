"""``LeanProof-v0``: a whole proof per episode (one step)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from lean_gym.envs.base import LeanEnv, rejection_error
from lean_gym.tactic_text import join_tactics, split_tactics, strip_comments
from lean_gym.types import LeanError, ProofState, Success, Verification

__all__ = ["LeanProofEnv"]

_DECLARATION = re.compile(r"^\s*(?:@\[[^\]]*\]\s*)?(?:theorem|lemma|example)\b")

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

    ``LeanText(max_action_length)`` (32768 characters): the tactic block after ``:= by``, or a
    full declaration ``theorem NAME BINDERS : TYPE := by ...`` whose statement must be the
    dataset's (else it is rejected with reason ``statement_mismatch``). Bad text (empty, too
    long, null characters, non-``str``, forbidden commands or ``sorry``) is an error, never an
    exception.

    ## Observation Space

    ``LeanText(max_observation_length)`` (32768 characters). After ``reset``: the root goal as
    Lean prints it. After the step: ``no goals`` for an accepted proof, otherwise the proof state
    at the first error (the state the failing tactic was run on, or the goals left unsolved).

    ## Rewards

    ``1.0`` when ``backend.verify`` accepts the proof, else ``0.0``; minus ``step_penalty``,
    and ``error_penalty`` for a failed proof; or what ``reward_fn(RewardContext)`` returns.

    ## Starting State

    The theorem's root goal; ``reset(options={"theorem": NAME})`` picks one by name, else the
    seeded ``np_random`` draws one.

    ## Episode End

    Every step terminates the episode (``terminated=True``, ``truncated=False``): the proof has
    been checked, accepted or not.

    Info: ``theorem``, ``goals`` and ``num_goals`` (of the observed state), ``error`` (the first
    error: ``{kind, message, pos}`` with Lean's position of it in the declaration, None when
    accepted), ``proof`` (the proof block checked), ``steps``, ``lean_calls`` (the check plus
    the step-by-step replay), ``observation_truncated``, ``verification``
    (``{ok, reason, detail, axioms}``), ``messages`` (Lean's messages on the declaration,
    ``{severity, pos, endPos, data}``), ``state_at_error`` (pp text of the state at the first
    failing tactic, or of the unsolved goals; None when accepted or rejected before Lean),
    ``valid_prefix`` (the tactics before it, newline-joined) and ``failed_tactic_index`` (-1
    when no tactic failed, e.g. goals were left unsolved or the proof was accepted).

    ## Arguments

    As ``LeanStep-v0`` (``dataset``, ``backend``, ``backend_kwargs``, ``max_episode_steps``
    (1), ``step_penalty``, ``error_penalty``, ``reward_fn``, ``max_action_length`` (32768),
    ``max_observation_length``, ``tactic_timeout``, ``verify_timeout``, ``render_mode``,
    ``integrity_policy``, ``error_in_observation``), plus:

    * ``trace_errors`` (True): on a failed proof, replay its tactics to find the state at the
      first error. False saves those Lean calls (``state_at_error`` is then None).

    ## Version History

    * v0: Initial version.
    """

    default_max_episode_steps: ClassVar[int] = 1
    default_max_action_length: ClassVar[int] = 32768

    def __init__(self, *args: Any, trace_errors: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.trace_errors = bool(trace_errors)
        self._init_kwargs["trace_errors"] = self.trace_errors

    def _extra_info_defaults(self) -> dict[str, Any]:
        return {
            "messages": [],
            "state_at_error": None,
            "valid_prefix": None,
            "failed_tactic_index": -1,
        }

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """Checks ``action`` as the whole proof; the episode always terminates."""
        self._require_state()
        assert self._theorem is not None and self._root is not None
        root = self._root
        episode_over = self._steps > 0
        self._steps += 1
        self.stats.steps += 1

        proof: str | None = None
        error = self._check_basic(action)
        if error is None and episode_over:
            error = LeanError(
                "rejected", "episode_over: one proof per episode, call reset() first", None
            )
        if error is None:
            proof, error = self._proof_block(action)
        if error is None:
            assert proof is not None
            error = self._check_text(proof)

        extras = self._extra_info_defaults()
        extras["proof"] = _normalized(proof) if proof is not None else ""
        verification: Verification | None = None
        final = root
        if error is None:
            assert proof is not None
            verification = self._verify(proof)
            self._verification = verification
            extras["messages"] = [m.to_json() for m in verification.messages]
            if verification.ok:
                final = ProofState(root.theorem, (), tuple(_tactics_of(proof)))
            else:
                error = _first_error(verification)
                if self.trace_errors:
                    final, _, index, prefix = self._locate_error(root, proof)
                    extras["state_at_error"] = self._fit(final.pp())
                    extras["valid_prefix"] = join_tactics(prefix)
                    extras["failed_tactic_index"] = index

        self._state = final
        self._last_error = error
        self._count_error(error)
        reward = self._reward(action, root, final, error, verification)
        obs, info = self._observe(final, extras)
        return obs, reward, True, False, info

    def _proof_block(self, action: str) -> tuple[str | None, LeanError | None]:
        """The tactic block of ``action``, checking a full declaration's statement."""
        if not _DECLARATION.match(strip_comments(action)):
            return action, None
        from lean_gym.integrity import check_full_declaration, split_full_declaration

        assert self._theorem is not None
        error = rejection_error(
            check_full_declaration(self._theorem, action, self.integrity_policy)
        )
        if error is not None:
            return None, error
        return split_full_declaration(action)[1], None

    def _locate_error(
        self, root: ProofState, proof: str
    ) -> tuple[ProofState, LeanError | None, int, list[str]]:
        """Runs the proof's top-level tactics from ``root`` up to the first failure.

        Returns:
            The state at the first error (or after all tactics), that error (None if every
            tactic ran), its index (-1 if none failed) and the tactics before it.
        """
        tactics = _tactics_of(proof)
        current = root
        for index, tactic in enumerate(tactics):
            result = self._run_tactic(current, tactic)
            if not isinstance(result, Success):
                return current, result, index, tactics[:index]
            current = result.state
        return current, None, -1, tactics


def _tactics_of(proof: str) -> list[str]:
    """The proof's top-level tactics (the whole text as one if the splitter cannot read it)."""
    try:
        return split_tactics(proof)
    except ValueError:
        return [proof]


def _normalized(proof: str) -> str:
    """The proof as its top-level tactics, newline-joined (common indentation removed)."""
    return join_tactics(_tactics_of(proof))


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
