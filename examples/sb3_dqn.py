"""DQN (stable-baselines3) on LeanCandidates-v0: choose one of K scripted tactic candidates.

Trains on minilean-bench's training families, evaluates on its test split (held-out
families) against a uniformly random chooser and the proposer's first candidate, logs to
TensorBoard and writes the learning curve as a PNG::

    python examples/sb3_dqn.py                 # tiny: well under a minute on a CPU
    python examples/sb3_dqn.py --full          # the curve in the README
    tensorboard --logdir runs/sb3-dqn/tb

Needs the sb3 extra: ``pip install 'lean-gym[sb3]'``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sb3_common import RunArgs, check_ranges, parse_args, run_experiment


@dataclass
class DQNArgs:
    """DQN's hyperparameters (stable-baselines3's names).

    Attributes:
        learning_rate: Adam's step size.
        buffer_size: Replay buffer size.
        learning_starts: Steps collected before the first update.
        batch_size: Minibatch size.
        gamma: Discount.
        train_freq: Env steps between updates.
        target_update_interval: Env steps between target network updates.
        exploration_fraction: Share of training over which epsilon falls to its final value.
        exploration_final_eps: The final epsilon.
    """

    learning_rate: float = 5e-4
    buffer_size: int = 50_000
    learning_starts: int = 500
    batch_size: int = 64
    gamma: float = 0.95
    train_freq: int = 4
    target_update_interval: int = 500
    exploration_fraction: float = 0.3
    exploration_final_eps: float = 0.05

    def __post_init__(self) -> None:
        check_ranges(
            self,
            positive=("learning_rate", "buffer_size", "batch_size", "gamma", "train_freq"),
            at_least_one=("target_update_interval",),
            non_negative=("learning_starts",),
            unit_interval=("exploration_fraction", "exploration_final_eps"),
        )
        if self.gamma > 1:
            raise ValueError(f"--gamma must be <= 1, got {self.gamma}")


def main(run: RunArgs, dqn: DQNArgs) -> dict[str, Any]:
    run = run.resolved("dqn")

    def build_model(env: Any, tensorboard_dir: Path) -> Any:
        from stable_baselines3 import DQN

        return DQN(
            "MlpPolicy",
            env,
            learning_rate=dqn.learning_rate,
            buffer_size=dqn.buffer_size,
            learning_starts=dqn.learning_starts,
            batch_size=dqn.batch_size,
            gamma=dqn.gamma,
            train_freq=dqn.train_freq,
            target_update_interval=dqn.target_update_interval,
            exploration_fraction=dqn.exploration_fraction,
            exploration_final_eps=dqn.exploration_final_eps,
            seed=run.seed,
            device=run.device,
            tensorboard_log=str(tensorboard_dir),
            verbose=0,
        )

    return run_experiment(
        run, algorithm="dqn", label="DQN", build_model=build_model, hyperparameters=dqn
    )


if __name__ == "__main__":
    main(*parse_args(DQNArgs, __doc__.splitlines()[0]))
