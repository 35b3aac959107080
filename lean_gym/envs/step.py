"""``LeanStep-v0``: one Lean tactic per env step."""

from __future__ import annotations

from typing import ClassVar

from lean_gym.envs.base import LeanEnv

__all__ = ["LeanStepEnv"]


class LeanStepEnv(LeanEnv):
    """Prove a Lean 4 theorem one tactic at a time.

    ## Description

    Each episode is one theorem of the dataset. The agent sees the open goals as Lean prints
    them and answers with a tactic; the env runs it on the backend (MiniLean, a Lean REPL, ...)
    and shows the new goals. The episode ends when no goal is left. The proof is then checked
    as a whole declaration by ``backend.verify`` under the integrity rules, and only a proof
    that passes earns the reward.

    ```python
    import gymnasium as gym
    import lean_gym

    env = gym.make("LeanStep-v0", dataset="smoke", backend="minilean")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step("intro h")
    ```

    ## Action Space

    ``LeanText(max_action_length)``: any Unicode text up to ``max_action_length`` (4096)
    characters, sent to Lean as one tactic call (the text after ``:= by`` at the current goal).
    Anything may be sent; what cannot be a tactic comes back as an error: an empty action, a
    too long one, a null character, a non-``str``, text that the integrity rules forbid (a new
    command such as ``#eval``, ``sorry``, ...: ``info["error"]["kind"] == "rejected"``, never sent
    to Lean) and text that Lean refuses (parse errors, failing tactics).

    ## Observation Space

    ``LeanText(max_observation_length)`` (32768 characters): the proof state as Lean prints it,
    goals separated by a blank line, ``no goals`` when the proof is complete. A longer state is
    cut deterministically, ends with ``"\\n… [observation truncated]"`` and sets
    ``info["observation_truncated"]``.

    ## Rewards

    ``1.0`` on the step that completes a proof that ``backend.verify`` accepts (the tactics so
    far, joined, checked as a whole declaration with the integrity rules), else ``0.0``; minus
    ``step_penalty`` on every step and ``error_penalty`` on every failed step. A
    ``reward_fn(RewardContext) -> float`` replaces this rule (the context carries the built-in
    value as ``default_reward``).

    ## Starting State

    The theorem's root goal. ``reset(options={"theorem": NAME})`` picks a theorem by name,
    ``{"index": i}`` by position; otherwise the next theorem of ``order``: ``"shuffle"``
    (default: every theorem once per pass, each pass in a new seeded order), ``"cycle"``
    (dataset order, round and round) or ``"random"`` (seeded draws with replacement). The
    sequence is seeded by ``reset(seed=...)``; an env never given a seed behaves as seeded with
    0, so the default is reproducible (vector envs: ``envs.reset(seed=s)`` gives sub-env ``i``
    the seed ``s + i``). To sweep a dataset once, ``order="cycle"`` and
    ``len(env.unwrapped.theorems)`` resets, or ``reset(options={"index": i})`` for each ``i``.

    A theorem the backend cannot start (outside MiniLean's fragment, say) raises
    ``TheoremStartError`` from ``reset``; with ``on_start_error="skip"`` the env draws another
    one instead, logs the skipped theorem once, counts it (``env.unwrapped.stats.start_errors``)
    and lists it with its reason (``env.unwrapped.start_errors``). ``lean-gym data check --keep``
    writes the theorems a backend can start.

    ## Episode End

    * Termination: no goal is left. Verification decides the reward: a complete proof that
      fails verification (e.g. a forbidden axiom) still terminates, with reward 0 and the reason
      in ``info["verification"]["reason"]``.
    * Truncation: ``max_episode_steps`` env steps (default 50), whether given to ``gym.make``
      or to the env: the id is registered with ``max_episode_steps=50`` and ``gym.make``'s
      ``TimeLimit`` hands its limit to the env, so ``env.spec.max_episode_steps`` and the env
      agree; built directly, the env enforces its own argument (``-1`` to ``gym.make``: no
      limit).

    A failed tactic never ends the episode: the state is unchanged and ``info["error"]`` says
    why (``{kind, message, pos}``, kind one of ``error parse timeout crash rejected``).

    Info (deterministic; wall times are in ``env.unwrapped.stats``): ``theorem``, ``goals``
    (``[{hypotheses, target, case}]``), ``num_goals``, ``error``, ``proof`` (the tactics so far),
    ``steps``, ``lean_calls``, ``observation_truncated``, ``verification`` (None until a proof
    is complete, then ``{ok, reason, detail, axioms, messages}``).

    ## Arguments

    * ``dataset``: shipped set name (``"smoke"``, ``"minilean-bench"``), jsonl path, or a list of
      ``Theorem``. Default ``"smoke"``.
    * ``backend``: ``"minilean"``, ``"repl"``, ``"auto"`` (default), another registered name, or
      a backend instance (not closed by the env); ``backend_kwargs`` go to ``make_backend``
      (e.g. ``{"project": "/path/to/lake/project"}`` for ``"repl"``).
    * ``max_episode_steps`` (50), ``step_penalty`` (0.0), ``error_penalty`` (0.0), ``reward_fn``.
    * ``max_action_length`` (4096), ``max_observation_length`` (32768).
    * ``tactic_timeout``, ``verify_timeout``: seconds per call (None: the backend's default).
    * ``render_mode``: None or ``"ansi"`` (the state and the last error as text).
    * ``integrity_policy``: a ``lean_gym.integrity.IntegrityPolicy``.
    * ``error_in_observation``: append ``error: MESSAGE`` to the observation after a failure.
    * ``max_lean_calls`` (None): the episode's Lean-call budget (``step`` and ``expand``
      together); once spent, an action is refused with ``budget: ...`` before Lean and the step
      truncates. The check of a completed proof is never refused.
    * ``order`` (``"shuffle"``), ``on_start_error`` (``"raise"``): see Starting State.

    For search, the unwrapped env offers ``state`` (the current ``ProofState``),
    ``restore(state)``, ``expand(state, action) -> Outcome`` (what the step would do, without
    moving the env; no replay while the backend holds the state's handle), ``verify(proof)``
    and ``lean_calls``. ``LeanStepEnv.actions_for_proof(proof)`` gives a known proof's
    top-level tactics.

    ## Version History

    * v0: Initial version.
    """

    default_max_episode_steps: ClassVar[int | None] = 50
