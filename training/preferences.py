"""Step-level preference pairs from search trees, trained with TRL's ``DPOTrainer``.

BFS-Prover's DPO data (``zeyu-zheng/BFS-Prover-V2``, ``src/search``): at a state on a proof path,
the tactic the proof took is *chosen* and a sibling tactic that Lean refused (an error leaf of
the tree) is *rejected*. A pair is ``{"prompt": template.render(state), "chosen": tactic,
"rejected": failed sibling}``, TRL's preference format; every (state, chosen) is paired with each
failed sibling, up to ``max_pairs_per_state``. Trees come from ``trajectories`` (the eval
runner's ``trees/``, expert iteration's rounds) or, without them, from replays of known proofs
grown by one probe step (:func:`training.corpus.with_sibling_branches`).

::

    lean-gym train --config training/configs/cpu/dpo.yaml
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Sequence
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

__all__ = ["DPOScriptArguments", "preference_pairs", "build_pairs", "train_dpo", "main"]

logger = logging.getLogger(__name__)


def preference_pairs(
    trajectories: Iterable[Any],
    template: str | Any = "leandojo",
    *,
    max_pairs_per_state: int = 4,
    include_dead_ends: bool = False,
) -> list[dict[str, Any]]:
    """(state, proof-path tactic, failed sibling) pairs of the trees' proof paths.

    Args:
        trajectories: Search trees (linear trajectories have no siblings and give none).
        template: The prompt template.
        max_pairs_per_state: Rejected siblings kept per (state, chosen).
        include_dead_ends: Also reject siblings that ran but reached a state with no solved
            descendant (off by default: BFS-Prover uses Lean's errors only).
    """
    from lean_gym.data.segments import training_paths
    from lean_gym.data.templates import get_template
    from lean_gym.data.values import distances_to_end

    tmpl = get_template(template)
    pairs: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for trajectory in trajectories:
        paths = training_paths(trajectory)
        if not paths:
            continue
        distance = distances_to_end(trajectory) if include_dead_ends else {}
        children: dict[int, list[Any]] = {}
        for node in trajectory.nodes[1:]:
            children.setdefault(node.parent, []).append(node)
        for path in paths:
            for parent, chosen in zip(path, path[1:], strict=False):
                rejected = [
                    c.tactic
                    for c in children.get(parent.id, [])
                    if c.tactic
                    and c.tactic != chosen.tactic
                    and (c.failed or (include_dead_ends and distance.get(c.id) is None))
                ]
                prompt = tmpl.render(
                    parent.state or "", trajectory.theorem, trajectory.tactics_to(parent.id)
                )
                kept = 0
                for tactic in dict.fromkeys(rejected):
                    key = (prompt, chosen.tactic, tactic)
                    if key in seen or kept >= max_pairs_per_state:
                        continue
                    seen.add(key)
                    kept += 1
                    pairs.append(
                        {
                            "prompt": prompt,
                            "chosen": tmpl.completion([chosen.tactic]),
                            "rejected": tmpl.completion([tactic]),
                            "theorem": trajectory.theorem.name,
                        }
                    )
    return pairs


@dataclass
class DPOScriptArguments(StageArguments):
    """Where the preference pairs come from (the trainer's settings are ``DPOConfig``'s; the
    shared fields are :class:`~training.stage_args.StageArguments`'). Without
    ``trajectories``, the replayed proofs of ``theorems`` are probed for failed siblings.

    Attributes:
        max_pairs_per_state: Rejected siblings per (state, chosen tactic).
        include_dead_ends: Also reject siblings that reach dead ends.
        max_pairs: At most this many pairs.
    """

    stage: str = field(default="dpo", metadata={"help": "always 'dpo'"})
    max_pairs_per_state: int = field(default=4, metadata={"help": "rejected per state"})
    include_dead_ends: bool = field(default=False, metadata={"help": "reject dead ends too"})
    max_pairs: int | None = field(default=None, metadata={"help": "at most N pairs"})

    expected_stage = "dpo"


def build_pairs(args: DPOScriptArguments) -> list[dict[str, Any]]:
    """The preference pairs ``args`` asks for.

    Raises:
        ConfigError: When no pair can be built (no tree has a failed sibling on a proof path).
    """
    from training.corpus import with_sibling_branches

    trees = args.load_trajectories()
    if not args.trajectories:
        trees = with_sibling_branches(trees, args.backend)
    try:
        pairs = preference_pairs(
            trees,
            args.template,
            max_pairs_per_state=args.max_pairs_per_state,
            include_dead_ends=args.include_dead_ends,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if args.max_pairs is not None:
        pairs = pairs[: args.max_pairs]
    if not pairs:
        raise ConfigError("no preference pairs: no proof-path state has a failed sibling")
    return pairs


def train_dpo(script_args: DPOScriptArguments, training_args: Any, model_args: Any) -> StageResult:
    """Runs step-level DPO and saves the model to ``training_args.output_dir``."""
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import DPOTrainer, get_peft_config

    check_device_flags(training_args)
    script_args.setup()
    began = time.perf_counter()
    pairs = build_pairs(script_args)
    model_path = resolve_model(
        model_args.model_name_or_path, training_args.output_dir, seed=script_args.model_seed
    )
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    init_kwargs: dict[str, Any] = {"dtype": model_args.dtype} if model_args.dtype else {}
    if training_args.model_init_kwargs:
        init_kwargs.update(training_args.model_init_kwargs)
    training_args.model_init_kwargs = init_kwargs or None
    columns = ("prompt", "chosen", "rejected")
    dataset = Dataset.from_list([{c: p[c] for c in columns} for p in pairs])
    with tensorboard_dir(training_args.output_dir, "dpo"):
        trainer = DPOTrainer(
            model=model_path,
            args=training_args,
            train_dataset=dataset,
            processing_class=tokenizer,
            peft_config=get_peft_config(model_args),
        )
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    save_model(trainer, training_args.output_dir, tokenizer)
    losses = log_values(trainer.state.log_history, "loss")
    margins = log_values(trainer.state.log_history, "rewards/margins")
    metrics: dict[str, float] = {"seconds": time.perf_counter() - began}
    if losses:
        metrics.update(first_loss=losses[0], last_loss=losses[-1])
    if margins:
        metrics.update(first_margin=margins[0], last_margin=margins[-1])
    return stage_result("dpo", trainer, len(pairs), metrics)


def dataclass_types() -> tuple[type, ...]:
    """What this stage's ``TrlParser`` parses: (script arguments, trainer config, model)."""
    from trl import DPOConfig, ModelConfig

    return (DPOScriptArguments, DPOConfig, ModelConfig)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m training.preferences --config FILE [--field value ...]``."""
    return stage_main(dataclass_types, train_dpo, argv, "lean-gym train (dpo)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
