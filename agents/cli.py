"""The agents' subcommands of ``lean-gym`` (registered through the ``lean_gym.commands`` entry
point group, so that lean_gym never imports agents)."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Adds the agents' subcommands (``eval``, ``compare``, ``report``) to ``lean-gym``."""
    from agents.report.cli import register_report

    register_report(subparsers)
