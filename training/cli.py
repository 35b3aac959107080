"""The training subcommands of ``lean-gym`` (registered through the ``lean_gym.commands`` entry
point group).

::

    lean-gym train --config training/configs/cpu/quickstart.yaml
    lean-gym train --config training/configs/cpu/sft.yaml -- --max_steps 10 --output_dir runs/x

The config's ``stage:`` picks the script (:data:`STAGES`); everything after ``--`` is passed to
it as flags, which override the YAML (TRL's ``TrlParser``). A mistake in the command, the YAML
or a flag is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

__all__ = ["register", "STAGES", "run_stage", "stage_module", "parse_config"]

# Stage name -> "module:function" taking argv and returning an exit code.
STAGES: dict[str, str] = {
    "sft": "training.sft:main",
    "grpo": "training.grpo:main",
    "value": "training.value:main",
    "dpo": "training.preferences:main",
    "expert-iteration": "training.expert_iteration:main",
    "quickstart": "training.quickstart:main",
    "self-play": "training.self_play:main",
}


def stage_module(stage: str) -> Any:
    """The module of a stage (its ``main`` and ``dataclass_types``).

    Raises:
        ConfigError: For an unknown stage.
    """
    from training.config import ConfigError

    if stage not in STAGES:
        raise ConfigError(f"unknown stage {stage!r}; known: {', '.join(STAGES)}")
    return importlib.import_module(STAGES[stage].partition(":")[0])


def parse_config(config: str, overrides: list[str] | None = None) -> tuple[Any, ...]:
    """The dataclasses a config (and overriding flags) gives its stage's script, without
    running it: what the config tests check every shipped config with."""
    from training.config import parse_stage_args, read_stage_name

    module = stage_module(read_stage_name(config))
    return parse_stage_args(module.dataclass_types(), ["--config", config, *(overrides or [])])


def run_stage(config: str, overrides: list[str] | None = None) -> int:
    """Runs the stage a config names with ``--config CONFIG`` and the overriding flags."""
    from training.config import TRAIN_INSTALL_HINT, ConfigError, read_stage_name

    try:
        stage = read_stage_name(config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if stage not in STAGES:
        print(f"error: {config}: unknown stage {stage!r}; known: {', '.join(STAGES)}",
              file=sys.stderr)  # fmt: skip
        return 2
    module_name, _, attr = STAGES[stage].partition(":")
    try:
        entry = getattr(importlib.import_module(module_name), attr)
    except ImportError as exc:
        print(f"error: {TRAIN_INSTALL_HINT} ({exc})", file=sys.stderr)
        return 2
    return int(entry(["--config", config, *(overrides or [])]) or 0)


def _make_policy(spec: str, **kwargs: Any) -> Any:
    from agents.policies import make_policy

    return make_policy(spec, **kwargs)


def _cmd_train(args: argparse.Namespace) -> int:
    overrides = list(args.overrides or [])
    if overrides and overrides[0] == "--":
        overrides = overrides[1:]
    return run_stage(args.config, overrides)


def register(subparsers: Any) -> None:
    """Adds the training subcommands (``train``) to ``lean-gym``, and gives ``lean-gym data
    explore --policy SPEC`` the policies of :mod:`agents.policies` (lean_gym cannot import
    them itself)."""
    from lean_gym.data.exploration import set_policy_factory

    set_policy_factory(_make_policy)
    train = subparsers.add_parser(
        "train",
        help="run a training stage or pipeline from a YAML config",
        description=(
            "Run the training stage a YAML config names (stage: sft, grpo, value, dpo, "
            "expert-iteration, quickstart, self-play). Flags after -- override the config's fields."
        ),
    )
    train.add_argument("--config", required=True, help="the stage's YAML config")
    train.add_argument(
        "overrides", nargs="*", help="after --: --field value pairs that override the config"
    )
    train.set_defaults(func=_cmd_train)
