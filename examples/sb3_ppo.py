"""PPO (stable-baselines3) on LeanCandidates-v0: choose one of K scripted tactic candidates.

Trains on minilean-bench's training families, evaluates on its test split (held-out
families) against a uniformly random chooser and the proposer's first candidate, logs to
TensorBoard and writes the learning curve as a PNG::

    python examples/sb3_ppo.py                 # tiny: well under a minute on a CPU
    python examples/sb3_ppo.py --full          # the curve in the README
    python examples/sb3_ppo.py --maskable      # sb3-contrib's MaskablePPO with action_masks()
    tensorboard --logdir runs/sb3-ppo/tb

Needs the sb3 extra: ``pip install 'lean-gym[sb3]'``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sb3_common import RunArgs, check_ranges, parse_args, run_experiment


@dataclass
class PPOArgs:
    """PPO's hyperparameters (stable-baselines3's names).

    Attributes:
        maskable: Train sb3-contrib's MaskablePPO, which never picks an empty slot.
        learning_rate: Adam's step size.
        n_steps: Steps per env between updates.
        batch_size: Minibatch size.
        n_epochs: Passes over each rollout.
        gamma: Discount.
        ent_coef: Entropy bonus.
    """

    maskable: bool = False
    learning_rate: float = 1e-3
    n_steps: int = 128
    batch_size: int = 128
    n_epochs: int = 4
    gamma: float = 0.95
    ent_coef: float = 0.01

    def __post_init__(self) -> None:
        check_ranges(
            self,
            positive=("learning_rate", "n_steps", "batch_size", "n_epochs", "gamma"),
            non_negative=("ent_coef",),
        )
        if self.gamma > 1:
            raise ValueError(f"--gamma must be <= 1, got {self.gamma}")


def main(run: RunArgs, ppo: PPOArgs) -> dict[str, Any]:
    run = run.resolved("maskable-ppo" if ppo.maskable else "ppo")

    def build_model(env: Any, tensorboard_dir: Path) -> Any:
        if ppo.maskable:
            from sb3_contrib import MaskablePPO as algorithm
        else:
            from stable_baselines3 import PPO as algorithm
        return algorithm(
            "MlpPolicy",
            env,
            learning_rate=ppo.learning_rate,
            n_steps=ppo.n_steps,
            batch_size=ppo.batch_size,
            n_epochs=ppo.n_epochs,
            gamma=ppo.gamma,
            ent_coef=ppo.ent_coef,
            seed=run.seed,
            device=run.device,
            tensorboard_log=str(tensorboard_dir),
            verbose=0,
        )

    return run_experiment(
        run,
        algorithm="maskable-ppo" if ppo.maskable else "ppo",
        label="MaskablePPO" if ppo.maskable else "PPO",
        build_model=build_model,
        masked=ppo.maskable,
        hyperparameters=ppo,
    )


if __name__ == "__main__":
    main(*parse_args(PPOArgs, __doc__.splitlines()[0]))
