"""Lean's wording for the failures of the arithmetic tactics."""

from __future__ import annotations

OMEGA_FAILURE = "omega could not prove the goal"
# Lean/Elab/Tactic/Omega/Frontend.lean, `formatErrorMessage`, when no fact was usable.
NO_CONSTRAINTS = (
    "No usable constraints found. You may need to unfold definitions so `omega` can see linear "
    "arithmetic facts about `Nat` and `Int`, which may also involve multiplication, division, "
    "and modular remainder by constants."
)
NORM_NUM_FAILURE = "norm_num failed to simplify"
SIMP_FAILURE = "simp made no progress"
# What Lean reports when norm_num rewrites a closed false goal to `False` and leaves it open.
NORM_NUM_FALSE_GOAL = "unsolved goals\n⊢ False"


def timeout_message(tactic: str) -> str:
    """Lean's wording when a tactic exhausts its budget (MiniLean's budget is time)."""
    return (
        f"(deterministic) timeout at `{tactic}`, maximum number of heartbeats (200000) has been "
        "reached\nUse `set_option maxHeartbeats <num>` to set the limit.\nAdditional diagnostic "
        "information may be available using the `set_option diagnostics true` command."
    )
