"""Shared test configuration.

Tests marked ``real_lean`` run against a real Lean REPL: they need ``lake`` on PATH and a Lake
project with leanprover-community/repl built, named by the ``LEAN_GYM_PROJECT`` environment
variable. Without them those tests are skipped with the reason spelled out.
"""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def real_lean_missing_reason() -> str | None:
    """Why real-Lean tests cannot run here, or None if they can."""
    project = os.environ.get("LEAN_GYM_PROJECT")
    if not project:
        return "real Lean not configured: set LEAN_GYM_PROJECT to a Lake project with the REPL"
    if not shutil.which("lake"):
        return "real Lean not available: `lake` is not on PATH (install elan)"
    if not os.path.isdir(project):
        return f"real Lean not available: LEAN_GYM_PROJECT={project!r} is not a directory"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = real_lean_missing_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "real_lean" in item.keywords:
            item.add_marker(skip)
