"""MiniLean's term elaborator: the core (:mod:`.core`) and its built-in term handlers.

Importing this package loads the handler modules (:mod:`.builtins`, :mod:`.calc`), which
register themselves in the core's tables; the core never imports them.
"""

from __future__ import annotations

from lean_gym.backends.minilean.elab import builtins, calc
from lean_gym.backends.minilean.elab.core import (
    BUILTIN_CONSTANTS,
    SYNTAX_ELABORATORS,
    ElabHost,
    Elaborator,
    lemma_type,
)

__all__ = [
    "BUILTIN_CONSTANTS",
    "SYNTAX_ELABORATORS",
    "ElabHost",
    "Elaborator",
    "builtins",
    "calc",
    "lemma_type",
]
