"""MiniLean: an embedded, sound prover for a documented fragment of Lean 4 core.

It speaks the leanprover-community/repl JSON protocol, in-process
(:class:`~lean_gym.backends.minilean.backend.MiniLeanBackend`, which drives
:class:`~lean_gym.backends.minilean.repl_server.MiniLeanRepl`) or as a subprocess
(``python -m lean_gym.backends.minilean``). The fragment is described in the design document,
section 4; everything outside it gets a Lean-worded error.
"""

from __future__ import annotations

__all__ = ["MiniLeanBackend", "MiniLeanRepl"]


def __getattr__(name: str):  # lazy: keep `import lean_gym.backends.minilean` cheap
    if name == "MiniLeanBackend":
        from lean_gym.backends.minilean.backend import MiniLeanBackend

        return MiniLeanBackend
    if name == "MiniLeanRepl":
        from lean_gym.backends.minilean.repl_server import MiniLeanRepl

        return MiniLeanRepl
    raise AttributeError(name)
