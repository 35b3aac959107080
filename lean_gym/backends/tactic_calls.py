"""One tactic per REPL request: an action becomes its top-level tactics, run in turn.

The Lean REPL parses the text of a tactic request as exactly one ``tactic``
(``REPL/Snapshots.lean``, ``ProofSnapshot.runString``: ``Parser.runParserCategory env `tactic``),
and ``runParserCategory`` fails with ``<input>:L:C: expected end of input`` when text is left
after that one tactic (``Lean/Parser/Extension.lean``). In Lean 4's grammar ``tac1; tac2`` and
``tac1`` / ``tac2`` on two lines are *sequences*, not one tactic: a ``by`` block is a
``Tactic.tacticSeq`` whose items are separated by ``"; "`` or a line break at the block's column
(``Lean/Parser/Term.lean``: ``tacticSeq1Indented := sepByIndentSemicolon tacticParser``).
leanprover-community/repl#43 shows it: ``ext1 x; ext1 n`` is answered with
``<input>:1:6: expected end of input``. ``tac <;> tac'``, ``first | ..``, ``(tac1; tac2)``, a
``·`` bullet with its block and ``induction ... with | ...`` each *are* one tactic.

So a step or search action such as ``norm_num; linarith`` or two lines is run here as its
top-level tactics (:func:`lean_gym.tactic_text.split_tactics`, the splitter the segment env
uses) one request each, in turn, on every backend: the meaning is the one Lean gives the same
text inside a ``by`` block, and the answer is the same whichever backend runs it. The state the
action reaches records the action as *one* entry of its tactic path (what the caller sent), and
a backend that rebuilds a state by replay splits each entry the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lean_gym.tactic_text import split_tactics
from lean_gym.types import LeanError, Message, ProofState, Success, TacticResult

__all__ = ["tactic_calls", "run_action"]

RunOne = Callable[[ProofState, str, float], TacticResult]


def tactic_calls(action: str) -> list[str]:
    """The tactic requests ``action`` becomes: its top-level tactics, or ``[action]`` itself
    when it is one tactic (sent unchanged), has none, or cannot be read as tactics."""
    try:
        pieces = split_tactics(action)
    except ValueError:
        return [action]
    return pieces if len(pieces) > 1 else [action]


def run_action(run_one: RunOne, state: ProofState, action: str, timeout: float) -> TacticResult:
    """Runs ``action`` on ``state`` as its top-level tactics in turn.

    Args:
        run_one: Runs one tactic: ``run_one(state, tactic, seconds) -> TacticResult``.
        state: The state to start from.
        action: The action text (one tactic or several).
        timeout: Seconds for the whole action.

    Returns:
        The first failure, or the final state with the path ``(*state.tactics, action)`` and
        the messages of every tactic.
    """
    calls = tactic_calls(action)
    if len(calls) == 1:
        return run_one(state, action, timeout)
    deadline = time.monotonic() + timeout
    current = state
    messages: list[Message] = []
    for index, tactic in enumerate(calls):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return LeanError(
                "timeout",
                f"the action did not finish within {timeout:g} s "
                f"(tactic {index + 1} of {len(calls)} was not run)",
            )
        result = run_one(current, tactic, remaining)
        if not isinstance(result, Success):
            return result
        current = result.state
        messages.extend(result.messages)
    final = ProofState(
        theorem=state.theorem,
        goals=current.goals,
        tactics=(*state.tactics, action),
        handle=current.handle,
    )
    return Success(state=final, messages=tuple(messages))
