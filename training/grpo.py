"""Verifier-rewarded refinement with TRL's ``GRPOTrainer``, at three granularities.

``mode``:

* ``proof``: whole-proof GRPO (CoProver's setup: the binary verified reward of
  :class:`~training.rewards.ProofReward`, no KL (``beta: 0``), clip-higher
  (``epsilon: 0.2``, ``epsilon_high: 0.28``)). Prompts are the theorems' root prompts.
* ``segment``: prompts are proof states drawn from trajectories and search trees (every state
  node that is not solved, with the tactics that reach it), the completion is one segment,
  rewarded by :class:`~training.rewards.SegmentReward` (1 for a verified finish, partial credit
  for closed goals, 0 on error).
* ``episode``: multi-turn rollouts in ``LeanSegment-v0`` through TRL's ``rollout_func``
  (:class:`~training.episode.EpisodeRollout`): segments (trained) interleaved with the env's
  answers (masked by ``env_mask``), rewarded at the end by the env's verified verdict
  (:class:`~training.rewards.EpisodeReward`).

Any mode may add the ``format`` reward (``rewards: [segment, format]`` with
``reward_weights``). Dataset rows carry ``prompt``, ``theorem`` (the name), ``theorem_json``
(the theorem, for the reward functions) and ``prefix`` (the tactics from the root to the
prompt's state). On GPU set ``use_vllm: true`` (``vllm_mode: colocate`` or ``server``) and
``bf16: true``; on CPU ``use_cpu: true``, ``bf16: false``.

::

    lean-gym train --config training/configs/cpu/grpo_segment.yaml [--field value ...]
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from training.config import (
    ConfigError,
    check_device_flags,
    resolve_model,
    tensorboard_dir,
)
from training.results import StageResult, log_values
from training.stage_args import StageArguments
from training.trainers import save_model, stage_main, stage_result

__all__ = ["GRPOScriptArguments", "MODES", "build_dataset", "train_grpo", "main"]

logger = logging.getLogger(__name__)

MODES = ("proof", "segment", "episode")
DEFAULT_REWARDS = {"proof": ["proof"], "segment": ["segment"], "episode": ["episode"]}


@dataclass
class GRPOScriptArguments(StageArguments):
    """What GRPO trains on and how it is rewarded (the trainer's settings are ``GRPOConfig``'s;
    the shared fields are :class:`~training.stage_args.StageArguments`').

    Attributes:
        mode: ``proof``, ``segment`` or ``episode``.
        reward_workers: Backends in the reward pool.
        reward_timeout: Seconds per Lean call of a reward (past it, the sample gets 0).
        rewards: Reward names (``proof``, ``segment``, ``format``, ``episode``); default: the
            mode's own.
        partial_credit: Segment reward for closing goals without finishing.
        valid_credit: Segment reward for a segment that runs but closes no goal.
        max_turns: Episode mode: segments per episode.
        max_turn_tokens: Episode mode: tokens per segment.
        max_prompts: At most this many prompts (drawn with ``split_seed``).

    In segment mode the prompts are the states of ``trajectories`` (search trees, episode
    records) or of the replayed proofs of ``theorems``; ``whole-proof`` suits ``proof`` mode and
    ``episode`` mode needs a state template such as ``leandojo``.
    """

    stage: str = field(default="grpo", metadata={"help": "always 'grpo'"})
    mode: str = field(default="segment", metadata={"help": "proof, segment or episode"})
    reward_workers: int = field(default=1, metadata={"help": "backends in the reward pool"})
    reward_timeout: float = field(default=30.0, metadata={"help": "seconds per Lean call"})
    rewards: list[str] = field(
        default_factory=list, metadata={"help": "reward names (default: the mode's own)"}
    )
    partial_credit: float = field(default=0.5, metadata={"help": "segment: goals closed"})
    valid_credit: float = field(default=0.0, metadata={"help": "segment: ran, closed none"})
    max_turns: int = field(default=8, metadata={"help": "episode: segments per episode"})
    max_turn_tokens: int = field(default=64, metadata={"help": "episode: tokens per segment"})
    max_prompts: int | None = field(default=None, metadata={"help": "at most N prompts"})

    expected_stage = "grpo"


def _root_rows(theorems: Sequence[Any], template: Any, backend: Any) -> list[dict[str, Any]]:
    from lean_gym.errors import TheoremStartError

    rows = []
    for theorem in theorems:
        try:
            root = backend.start(theorem)
        except TheoremStartError as exc:
            logger.warning("skipping %s: %s", theorem.name, exc)
            continue
        rows.append(
            {
                "prompt": template.render(root.pp(), theorem, ()),
                "theorem": theorem.name,
                "theorem_json": json.dumps(theorem.to_json(), ensure_ascii=False),
                "prefix": [],
            }
        )
    return rows


def _state_rows(trajectories: Sequence[Any], template: Any) -> list[dict[str, Any]]:
    rows = []
    seen: set[tuple[str, str]] = set()
    for trajectory in trajectories:
        theorem = trajectory.theorem
        theorem_json = json.dumps(theorem.to_json(), ensure_ascii=False)
        for node in trajectory.nodes:
            if node.failed or node.is_solved or node.state is None:
                continue
            key = (theorem.name, node.state)
            if key in seen:
                continue
            seen.add(key)
            prefix = trajectory.tactics_to(node.id)
            rows.append(
                {
                    "prompt": template.render(node.state, theorem, prefix),
                    "theorem": theorem.name,
                    "theorem_json": theorem_json,
                    "prefix": prefix,
                }
            )
    return rows


def build_dataset(args: GRPOScriptArguments) -> list[dict[str, Any]]:
    """The GRPO prompts of ``args.mode`` (rows with ``prompt``, ``theorem``, ``theorem_json``,
    ``prefix``).

    Raises:
        ConfigError: For an unknown mode or template, or when no prompt could be built.
    """
    from lean_gym.backends import make_backend
    from lean_gym.data.templates import get_template

    if args.mode not in MODES:
        raise ConfigError(f"mode must be one of {MODES}, got {args.mode!r}")
    try:
        template = get_template(args.template)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if args.mode == "episode" and template.name == "whole-proof":
        raise ConfigError("episode mode needs a state template (leandojo, bfs-prover, ...)")

    if args.mode == "segment":
        rows = _state_rows(args.load_trajectories(), template)
    else:
        backend = make_backend(args.backend)
        try:
            rows = _root_rows(args.load_train_theorems(), template, backend)
        finally:
            backend.close()
    if args.max_prompts is not None and len(rows) > args.max_prompts:
        import random

        rows = random.Random(args.split_seed).sample(rows, args.max_prompts)
    if not rows:
        raise ConfigError(f"no GRPO prompts for mode {args.mode!r}")
    return rows


def _check_batch(training_args: Any) -> None:
    """TRL's batch constraint, said before the trainer is built (it is checked at config
    construction too, but a bad YAML should get the sentence with the fix)."""
    generations = training_args.num_generations
    batch = training_args.generation_batch_size
    if generations is not None and batch is not None and batch % generations:
        raise ConfigError(
            f"generation_batch_size ({batch}) must be a multiple of num_generations "
            f"({generations}): raise per_device_train_batch_size or gradient_accumulation_steps"
        )


def train_grpo(
    script_args: GRPOScriptArguments, training_args: Any, model_args: Any
) -> StageResult:
    """Runs GRPO in ``script_args.mode`` and saves the model to ``training_args.output_dir``."""
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import GRPOTrainer, get_peft_config

    from training.episode import EpisodeRollout
    from training.rewards import make_reward, parse_theorem
    from training.verifier_pool import VerifierPool

    check_device_flags(training_args)
    _check_batch(training_args)
    script_args.setup()
    began = time.perf_counter()
    rows = build_dataset(script_args)
    names = list(script_args.rewards) or DEFAULT_REWARDS[script_args.mode]
    if script_args.mode == "episode" and "episode" not in names:
        names = ["episode", *names]
    if training_args.reward_weights is not None and len(training_args.reward_weights) != len(names):
        raise ConfigError(f"reward_weights has {len(training_args.reward_weights)} entries for "
                          f"{len(names)} rewards {names}")  # fmt: skip
    model_path = resolve_model(
        model_args.model_name_or_path, training_args.output_dir, seed=script_args.model_seed
    )
    tokenizer = AutoTokenizer.from_pretrained(model_path, padding_side="left")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token

    pool = VerifierPool(
        script_args.backend, size=script_args.reward_workers, timeout=script_args.reward_timeout
    )
    rollout = None
    try:
        try:
            rewards = [
                make_reward(
                    name,
                    pool=pool,
                    template=script_args.template,
                    partial_credit=script_args.partial_credit,
                    valid_credit=script_args.valid_credit,
                )
                for name in names
            ]
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if script_args.mode == "episode":
            rollout = EpisodeRollout(
                {row["prompt"]: parse_theorem(row["theorem_json"]) for row in rows},
                template=script_args.template,
                backend=script_args.backend,
                max_turns=script_args.max_turns,
                max_turn_tokens=script_args.max_turn_tokens,
                output_dir=training_args.output_dir,
            )
        init_kwargs: dict[str, Any] = {"dtype": model_args.dtype} if model_args.dtype else {}
        if training_args.model_init_kwargs:
            init_kwargs.update(training_args.model_init_kwargs)
        training_args.model_init_kwargs = init_kwargs or None
        os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
        with tensorboard_dir(training_args.output_dir, "grpo"):
            trainer = GRPOTrainer(
                model=model_path,
                reward_funcs=rewards,
                args=training_args,
                train_dataset=Dataset.from_list(rows),
                processing_class=tokenizer,
                peft_config=get_peft_config(model_args),
                rollout_func=rollout,
            )
        trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
        save_model(trainer, training_args.output_dir, tokenizer)
    finally:
        pool.close()
        if rollout is not None:
            rollout.backend.close()
    history = trainer.state.log_history
    reward = log_values(history, "reward")
    metrics: dict[str, float] = {"seconds": time.perf_counter() - began}
    if reward:
        # The first and last quarter of the logged steps: one step's mean over a few groups
        # is too noisy to compare.
        quarter = max(1, len(reward) // 4)
        metrics.update(
            first_reward=sum(reward[:quarter]) / quarter,
            last_reward=sum(reward[-quarter:]) / quarter,
            reward_mean=sum(reward) / len(reward),
        )
    for reward_fn in rewards:
        total = sum(reward_fn.outcomes.values())
        for outcome, count in reward_fn.outcomes.items():
            metrics[f"{reward_fn.__name__}/{outcome}"] = count / total
    if rollout is not None:
        metrics["episodes"] = float(rollout.episodes_played)
        metrics["episodes_proved"] = float(rollout.episodes_proved)
    return stage_result("grpo", trainer, len(rows), metrics)


def dataclass_types() -> tuple[type, ...]:
    """What this stage's ``TrlParser`` parses: (script arguments, trainer config, model)."""
    from trl import GRPOConfig, ModelConfig

    return (GRPOScriptArguments, GRPOConfig, ModelConfig)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m training.grpo --config FILE [--field value ...]``."""
    return stage_main(dataclass_types, train_grpo, argv, "lean-gym train (grpo)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
