"""Finding the Lake project a real-Lean backend runs in, with a clear error when there is none."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lean_gym.errors import LeanNotFoundError

__all__ = ["find_lake_project"]


def find_lake_project(project: str | Path | None, what: str) -> Path:
    """The resolved Lake project directory, after checking that ``lake`` can run there.

    Args:
        project: The project directory, or None to read ``LEAN_GYM_PROJECT``.
        what: What needs the project, for the error text (e.g. "the Lean REPL").

    Raises:
        LeanNotFoundError: Naming exactly what is missing (no project given, no ``lake`` on
            PATH, no such directory, no lakefile); its text ends with the install steps.
    """
    if project is None:
        project = os.environ.get("LEAN_GYM_PROJECT") or None
    if project is None:
        raise LeanNotFoundError(
            f"No Lean project given for {what}: pass project='/path/to/lake/project' or set "
            "LEAN_GYM_PROJECT."
        )
    if shutil.which("lake") is None:
        raise LeanNotFoundError(f"`lake` is not on PATH, so {what} cannot be started.")
    path = Path(project).expanduser()
    if not path.is_dir():
        raise LeanNotFoundError(f"The Lean project directory {str(path)!r} does not exist.")
    if not any((path / name).is_file() for name in ("lakefile.lean", "lakefile.toml")):
        raise LeanNotFoundError(
            f"{str(path)!r} is not a Lake project: it has no lakefile.lean or lakefile.toml."
        )
    return path.resolve()
