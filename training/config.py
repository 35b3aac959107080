"""How a training stage is configured: TRL's ``TrlParser`` over dataclasses, CPU flags, logging.

Every stage script (``sft``, ``grpo``, ``value``, ``dpo``, ``expert-iteration``, ``quickstart``)
takes a YAML config and every field as a flag, the way TRL's own scripts do
(``trl/scripts/sft.py``: ``TrlParser((ScriptArguments, SFTConfig, ModelConfig))`` and
``parse_args_and_config``). The YAML names its stage (``stage: sft``), which is how
``lean-gym train --config C.yaml`` knows which script to run.

Shared conventions:

* ``model_name_or_path: tiny`` (or ``tiny:DIR``) builds the project's tiny 2-layer Qwen2 with a
  locally trained tokenizer (:func:`agents.models.tiny.build_tiny_model`) instead of
  downloading anything: what the CPU configs and the tests use.
* TensorBoard: transformers 5 dropped ``logging_dir``; its TensorBoard callback reads the
  ``TENSORBOARD_LOGGING_DIR`` environment variable when the trainer is built.
  :func:`tensorboard_dir` points it at ``OUTPUT_DIR/tensorboard`` for the stage being built
  (unless the user set it).
* A parsing or configuration mistake raises :class:`ConfigError` (one line for the CLI), never
  ``SystemExit`` with a usage dump.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "ConfigError",
    "TRAIN_INSTALL_HINT",
    "require_train_extra",
    "make_parser",
    "parse_stage_args",
    "read_stage_name",
    "resolve_model",
    "tensorboard_dir",
    "check_device_flags",
]

logger = logging.getLogger(__name__)

TRAIN_INSTALL_HINT = (
    "training needs the train extra: pip install 'lean-gym[train]' "
    "(torch, transformers, trl, peft, datasets, accelerate, tensorboard)"
)

# The environment variable transformers' TensorBoardCallback reads for its log directory.
TENSORBOARD_ENV = "TENSORBOARD_LOGGING_DIR"


class ConfigError(ValueError):
    """A stage's configuration or command line is wrong (reported as one line, exit 2)."""


def require_train_extra() -> None:
    """Raises :class:`ConfigError` with the install hint when trl or torch is missing."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
        import trl  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"{TRAIN_INSTALL_HINT} ({exc})") from None


def make_parser(dataclass_types: Sequence[type], prog: str | None = None) -> Any:
    """A ``TrlParser`` over ``dataclass_types`` whose errors raise :class:`ConfigError`."""
    require_train_extra()
    from trl import TrlParser

    class _Parser(TrlParser):
        def error(self, message: str) -> None:  # argparse calls this and would exit
            raise ConfigError(message)

    return _Parser(list(dataclass_types), prog=prog)


def parse_stage_args(
    dataclass_types: Sequence[type], argv: Sequence[str] | None, prog: str | None = None
) -> tuple[Any, ...]:
    """Parses ``--config FILE`` (YAML) and flags into instances of ``dataclass_types``.

    Flags override the YAML; the YAML's ``env:`` mapping sets environment variables (TRL's
    behaviour). Unknown keys or flags, values of the wrong type and the trainers' own
    argument checks (for example bf16 without a GPU) become :class:`ConfigError`.
    """
    parser = make_parser(dataclass_types, prog=prog)
    args = list(argv) if argv is not None else []
    if "--config" in args:
        index = args.index("--config")
        if index + 1 >= len(args):
            raise ConfigError("--config needs a path to a YAML file")
        if not Path(args[index + 1]).is_file():
            raise ConfigError(f"config file not found: {args[index + 1]}")
    try:
        with warnings.catch_warnings():
            # TRL 1.16's configs default the deprecated gradient_checkpointing to True, which
            # makes transformers 5 warn on every parse: not the user's doing.
            warnings.filterwarnings("ignore", message=".*gradient_checkpointing.*deprecated.*")
            return tuple(parser.parse_args_and_config(args))
    except ConfigError:
        raise
    except (ValueError, TypeError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "bf16" in message or "gpu" in message.lower():
            message += " (on a CPU machine set use_cpu: true, bf16: false)"
        raise ConfigError(message) from None
    except OSError as exc:
        raise ConfigError(str(exc)) from None


def read_stage_name(config_path: str | os.PathLike[str]) -> str:
    """The ``stage:`` of a YAML config (what ``lean-gym train`` dispatches on)."""
    import yaml

    path = Path(config_path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "bad YAML"
        raise ConfigError(f"{path}: not valid YAML: {first}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config is a YAML mapping of field names to values")
    stage = data.get("stage")
    if not isinstance(stage, str) or not stage:
        raise ConfigError(f"{path}: the config names no stage (add e.g. 'stage: sft')")
    return stage


def resolve_model(spec: str | None, output_dir: str | os.PathLike[str], *, seed: int = 0) -> str:
    """A model path or hub id for ``model_name_or_path``.

    ``tiny`` builds the tiny test model into ``OUTPUT_DIR/tiny-model``; ``tiny:DIR`` builds (or
    reuses) it in ``DIR``. Anything else is returned as it is.
    """
    if not spec:
        raise ConfigError("model_name_or_path is not set")
    if spec != "tiny" and not spec.startswith("tiny:"):
        return spec
    directory = Path(spec[5:]) if spec.startswith("tiny:") else Path(output_dir) / "tiny-model"
    try:
        from agents.models.tiny import build_tiny_model
    except ImportError as exc:  # pragma: no cover - agents ships with lean-gym
        raise ConfigError(f"model 'tiny' needs agents.models.tiny ({exc})") from None
    return str(build_tiny_model(directory, seed=seed))


@contextlib.contextmanager
def tensorboard_dir(output_dir: str | os.PathLike[str], stage: str) -> Iterator[Path]:
    """Points transformers' TensorBoard callback at ``OUTPUT_DIR/tensorboard`` while a trainer
    is built (or at ``$TENSORBOARD_LOGGING_DIR/STAGE`` when the user set the variable)."""
    previous = os.environ.get(TENSORBOARD_ENV)
    target = Path(previous) / stage if previous else Path(output_dir) / "tensorboard"
    os.environ[TENSORBOARD_ENV] = str(target)
    try:
        yield target
    finally:
        if previous is None:
            os.environ.pop(TENSORBOARD_ENV, None)
        else:
            os.environ[TENSORBOARD_ENV] = previous


def check_device_flags(training_args: Any) -> None:
    """Refuses, with the fix spelled out, flags that cannot run on this machine.

    Without CUDA: ``use_cpu`` must be set (transformers would pick no device), ``bf16`` off and
    ``use_vllm`` off (vLLM is GPU-only). Activation (gradient) checkpointing is turned off on
    CPU, where it only costs time (TRL's base config turns it on by default).
    """
    import torch

    if torch.cuda.is_available():
        return
    problems = []
    if getattr(training_args, "use_vllm", False):
        problems.append("use_vllm needs a GPU (set use_vllm: false)")
    if getattr(training_args, "bf16", False):
        problems.append("bf16 needs a GPU here (set bf16: false)")
    if not getattr(training_args, "use_cpu", False):
        problems.append("no GPU found (set use_cpu: true)")
    if problems:
        raise ConfigError("; ".join(problems))
    # transformers 5 renamed gradient_checkpointing to activation_checkpointing (the old name
    # mirrors the new one after the config is built): turn both off.
    for name in ("activation_checkpointing", "gradient_checkpointing"):
        if getattr(training_args, name, False):
            setattr(training_args, name, False)
