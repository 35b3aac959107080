"""The z3 side: one cached solver and a bounded satisfiability check.

``z3`` is imported on first use so that importing MiniLean stays cheap. z3's default context is
not thread-safe, so every use of it (building expressions included) happens under
:data:`Z3_LOCK`; calls are short, so serialising them costs little.
"""

from __future__ import annotations

import threading
from typing import Any

Z3_LOCK = threading.RLock()
_state: dict[str, Any] = {}


def z3mod() -> Any:
    """The ``z3`` module, imported on first use."""
    module = _state.get("z3")
    if module is None:
        with Z3_LOCK:
            import z3

            module = _state["z3"] = z3
    return module


def check_sat(assertions: list[Any], timeout_ms: int) -> str:
    """Checks the conjunction of ``assertions``; returns ``"unsat"``, ``"sat"`` or ``"unknown"``.

    Must be called with :data:`Z3_LOCK` held. The solver's own timeout bounds the search; a timer
    interrupting the z3 context backs it up (an interrupt of an idle context is harmless).
    """
    z3 = z3mod()
    solver = _state.get("solver")
    if solver is None:
        solver = _state["solver"] = z3.Solver()
    solver.reset()
    timeout_ms = max(1, int(timeout_ms))
    solver.set("timeout", timeout_ms)
    solver.add(*assertions)
    timer = threading.Timer(timeout_ms / 1000 + 0.5, solver.ctx.interrupt)
    timer.daemon = True
    timer.start()
    try:
        result = solver.check()
    except z3.Z3Exception:
        return "unknown"
    finally:
        timer.cancel()
    if result == z3.unsat:
        return "unsat"
    if result == z3.sat:
        return "sat"
    return "unknown"
