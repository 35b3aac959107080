"""The arguments every training stage shares: where its theorems come from and how it runs.

Each stage's script arguments (``SFTScriptArguments``, ``GRPOScriptArguments``, ...) extend
:class:`StageArguments`, which extends TRL's own ``ScriptArguments`` (``dataset_name``,
``dataset_train_split``, ...), so that a stage's YAML reads like one of TRL's scripts' plus
the lean-gym fields below.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from trl import ScriptArguments

from training.config import ConfigError

__all__ = ["StageArguments", "apply_torch_threads"]


def apply_torch_threads(threads: int | None) -> None:
    """Sets torch's CPU threads (and ``OMP_NUM_THREADS`` for worker processes started later).

    A tiny model's matrices are too small for several threads to pay: on a busy 2-core machine
    one thread ran a training step of the tiny model 40 times faster than two (0.09 s against
    3.6 s, measured side by side), because the threads mostly wait for each other.
    """
    if not threads:
        return
    import torch

    torch.set_num_threads(int(threads))
    os.environ["OMP_NUM_THREADS"] = str(int(threads))


@dataclass
class StageArguments(ScriptArguments):
    """The fields every stage has.

    Attributes:
        stage: The stage's name (what ``lean-gym train`` dispatches on).
        theorems: A theorem set (shipped name or jsonl path).
        theorems_split: Which side of it to read: ``train`` (default) or ``all``; the ``test``
            side is for evaluation only.
        test_fraction: Share of families held out when the rows carry no ``split`` field.
        split_seed: Seed of that family split (and of the stage's own shuffles).
        limit: At most this many theorems.
        trajectories: Trajectory / search-tree jsonl files or directories (comma separated)
            to read instead of replaying ``theorems``.
        template: The prompt template (``leandojo``, ``bfs-prover``, ``whole-proof``, ...).
        backend: The backend (``minilean``, ``minilean-subprocess``, ``repl``, ``kimina``...).
        model_seed: Seed of the tiny model when ``model_name_or_path`` is ``tiny``.
        torch_threads: torch CPU threads (None: torch's default; the CPU configs use 1).
    """

    stage: str = field(default="", metadata={"help": "the stage (set by the config)"})
    theorems: str = field(
        default="minilean-bench", metadata={"help": "theorem set (shipped name or jsonl)"}
    )
    theorems_split: str = field(default="train", metadata={"help": "train or all"})
    test_fraction: float = field(
        default=0.2, metadata={"help": "share of families held out when rows carry no split"}
    )
    split_seed: int = field(default=0, metadata={"help": "seed of the family split"})
    limit: int | None = field(default=None, metadata={"help": "at most N theorems"})
    trajectories: str | None = field(
        default=None,
        metadata={"help": "trajectory/search-tree jsonl files or directories, comma separated"},
    )
    template: str = field(default="leandojo", metadata={"help": "prompt template name"})
    backend: str = field(default="minilean", metadata={"help": "backend name"})
    model_seed: int = field(default=0, metadata={"help": "seed of the tiny model"})
    torch_threads: int | None = field(default=None, metadata={"help": "torch CPU threads"})

    expected_stage = ""

    def __post_init__(self) -> None:
        if self.expected_stage and self.stage not in ("", self.expected_stage):
            raise ConfigError(
                f"this is the {self.expected_stage} script, but the config says stage: {self.stage}"
            )
        self.stage = self.expected_stage or self.stage
        if self.theorems_split not in ("train", "all"):
            raise ConfigError(
                f"theorems_split must be 'train' or 'all' (the test side is for evaluation), "
                f"got {self.theorems_split!r}"
            )

    def load_train_theorems(self) -> list[Any]:
        """The theorems this stage may train on."""
        from training.theorem_sets import load_split

        try:
            return load_split(
                self.theorems,
                self.theorems_split,
                test_fraction=self.test_fraction,
                seed=self.split_seed,
                limit=self.limit,
            )
        except (ValueError, FileNotFoundError) as exc:
            raise ConfigError(f"theorems: {exc}") from None

    def load_trajectories(self) -> list[Any]:
        """The ``trajectories`` files' records, or replays of the train theorems' proofs."""
        from training.corpus import read_trajectories, replay_trajectories

        if self.trajectories:
            try:
                return read_trajectories(self.trajectories)
            except FileNotFoundError as exc:
                raise ConfigError(str(exc)) from None
        return replay_trajectories(self.load_train_theorems(), self.backend)

    def setup(self) -> None:
        """What a stage does before it builds anything (torch threads)."""
        apply_torch_threads(self.torch_threads)
