"""The training subcommands of ``lean-gym`` (registered through the ``lean_gym.commands`` entry
point group)."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Adds the training subcommands (``train``) to ``lean-gym``."""
