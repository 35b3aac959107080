"""Prover backends and the small registry that resolves them by name.

``make_backend("minilean")`` gives the embedded prover, ``make_backend("repl", project=...)`` a
real Lean REPL, ``make_backend("auto")`` the configured Lean project if there is one and
MiniLean otherwise. Later backends plug in with :func:`register_backend`.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
from collections.abc import Callable
from typing import Any

from lean_gym.backends.base import BackendBase, ProverBackend
from lean_gym.backends.capabilities import SupportsAllTactics, SupportsBatchCheck, SupportsDiscard
from lean_gym.errors import BackendError, LeanNotFoundError, TheoremStartError

__all__ = [
    "BackendBase",
    "BackendError",
    "LeanNotFoundError",
    "ProverBackend",
    "SupportsAllTactics",
    "SupportsBatchCheck",
    "SupportsDiscard",
    "TheoremStartError",
    "register_backend",
    "make_backend",
    "available_backends",
    "lean_project_from_env",
]

logger = logging.getLogger(__name__)

PROJECT_ENV_VAR = "LEAN_GYM_PROJECT"

_REGISTRY: dict[str, str | Callable[..., ProverBackend]] = {
    "minilean": "lean_gym.backends.minilean.backend:MiniLeanBackend",
    "minilean-subprocess": "lean_gym.backends.repl:minilean_subprocess_backend",
    "repl": "lean_gym.backends.repl:ReplBackend",
    "lsp": "lean_gym.backends.lsp:LspBackend",
    "kimina": "lean_gym.backends.kimina:KiminaBackend",
}

_auto_announced = False


def register_backend(name: str, factory: str | Callable[..., ProverBackend]) -> None:
    """Registers a backend factory under ``name`` (a callable or a ``"module:attr"`` string)."""
    _REGISTRY[name] = factory


def available_backends() -> list[str]:
    return sorted([*_REGISTRY, "auto"])


def _resolve(factory: str | Callable[..., ProverBackend]) -> Callable[..., ProverBackend]:
    if callable(factory):
        return factory
    module_name, _, attr = factory.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def lean_project_from_env() -> str | None:
    """The Lean project configured through the ``LEAN_GYM_PROJECT`` environment variable."""
    project = os.environ.get(PROJECT_ENV_VAR)
    return project or None


def make_backend(spec: str | ProverBackend = "auto", **kwargs: Any) -> ProverBackend:
    """Builds a backend from a name, or returns ``spec`` if it already is one.

    Args:
        spec: A registered name (``minilean``, ``minilean-subprocess``, ``repl``, ``lsp``,
            ``kimina``), ``auto``, or a backend instance.
        **kwargs: Passed to the backend's constructor (e.g. ``project=`` for ``repl``).

    Raises:
        ValueError: For an unknown name.
        LeanNotFoundError: When real Lean is asked for and is not available.
    """
    global _auto_announced
    if not isinstance(spec, str):
        return spec
    if spec == "auto":
        project = kwargs.get("project") or lean_project_from_env()
        if project and shutil.which("lake"):
            kwargs["project"] = project
            spec = "repl"
            message = f"lean_gym: backend 'auto' uses the Lean project at {project}"
        else:
            kwargs.pop("project", None)
            spec = "minilean"
            message = (
                "lean_gym: backend 'auto' found no Lean project (set LEAN_GYM_PROJECT and install "
                "lake) and uses MiniLean, the embedded prover for a fragment of Lean 4"
            )
        if not _auto_announced:
            logger.warning(message)
            _auto_announced = True
    if spec not in _REGISTRY:
        raise ValueError(f"unknown backend {spec!r}; known: {', '.join(available_backends())}")
    return _resolve(_REGISTRY[spec])(**kwargs)
