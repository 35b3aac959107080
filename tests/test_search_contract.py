"""The contract the agents package relies on: a search written against lean_gym's public API.

:func:`best_first_search` below uses only ``env.unwrapped.state``, ``expand``,
``ProofState.key()``, ``lean_calls``, ``max_lean_calls`` and ``backend.verify_many``; the test
checks by the syntax tree that it touches no private name, and that it proves every theorem of
the smoke set in both multi-step envs. If this file needs a private name to keep working, the
public API has lost something a search needs.
"""

from __future__ import annotations

import ast
import heapq
import inspect
import itertools
import textwrap
from dataclasses import dataclass

import gymnasium as gym
import pytest

import lean_gym
from lean_gym.data import build_trajectory, load_theorems
from lean_gym.tactic_text import join_tactics
from lean_gym.types import ProofState, Theorem

# Wrong or useless moves offered at every state, so that the search has to choose.
DISTRACTORS = ("exact nonsense_xyz", "rfl", "intro h", "omega", "trivial", "assumption")


@dataclass(frozen=True)
class SearchRun:
    proof: str | None
    expansions: int
    lean_calls: int
    unique_states: int


def candidates(theorem: Theorem, env: gym.Env) -> list[str]:
    """A stand-in policy: the known proof as the env's actions, reversed, among distractors."""
    assert theorem.proof is not None
    trajectory = build_trajectory(env.unwrapped.backend, theorem)
    actions = type(env.unwrapped).actions_for_proof(theorem.proof, trajectory=trajectory)
    return [*DISTRACTORS[:3], *reversed(actions), *DISTRACTORS[3:]]


def best_first_search(env: gym.Env, actions: list[str], max_expansions: int = 200) -> SearchRun:
    """Best-first search on the fewest open goals, then the shallowest path.

    Written only against the public API; see the module docstring.
    """
    search_env = env.unwrapped
    root = search_env.state
    theorem = root.theorem
    tie = itertools.count()
    frontier: list[tuple[int, int, int, ProofState]] = [(root.num_goals, 0, next(tie), root)]
    seen = {root.key()}
    solved: list[ProofState] = []
    expansions = 0
    while frontier and expansions < max_expansions and not solved:
        _, depth, _, state = heapq.heappop(frontier)
        expansions += 1
        for action in actions:
            limit = search_env.max_lean_calls
            if limit is not None and search_env.lean_calls >= limit:
                break
            outcome = search_env.expand(state, action)
            if not outcome.ok:
                continue
            child = outcome.state
            if child.is_solved:
                solved.append(child)
                continue
            if child.key() in seen:
                continue
            seen.add(child.key())
            heapq.heappush(frontier, (child.num_goals, depth + 1, next(tie), child))
    proofs = [join_tactics(list(state.tactics)) for state in solved]
    verdicts = search_env.backend.verify_many([(theorem, proof) for proof in proofs])
    accepted = [proof for proof, verdict in zip(proofs, verdicts, strict=True) if verdict.ok]
    return SearchRun(
        proof=accepted[0] if accepted else None,
        expansions=expansions,
        lean_calls=search_env.lean_calls,
        unique_states=len(seen),
    )


def test_the_search_touches_no_private_name() -> None:
    tree = ast.parse(textwrap.dedent(inspect.getsource(best_first_search)))
    private = [
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr.startswith("_")
    ]
    assert private == []


def test_the_private_name_scan_can_fail() -> None:
    tree = ast.parse("env.unwrapped._lean_calls")
    assert any(isinstance(n, ast.Attribute) and n.attr.startswith("_") for n in ast.walk(tree))


SMOKE = [t for t in load_theorems("smoke") if t.proof]


@pytest.mark.parametrize("env_id", ["LeanStep-v0", "LeanSegment-v0"])
def test_best_first_search_proves_the_smoke_set(env_id: str) -> None:
    assert env_id in lean_gym.ENV_IDS and SMOKE
    env = gym.make(env_id, dataset=SMOKE, backend="minilean", max_lean_calls=2000)
    env_class = type(env.unwrapped)
    try:
        for theorem in SMOKE:
            actions = candidates(theorem, env)
            env.reset(options={"theorem": theorem.name})
            run = best_first_search(env, actions)
            assert run.proof is not None, f"{env_id}: no proof of {theorem.name} found"
            assert run.lean_calls == env.unwrapped.lean_calls > 0
            assert run.unique_states >= 1 and run.expansions >= 1
            # the proof found is a real one: it plays through the env and earns the reward
            env.reset(options={"theorem": theorem.name})
            for action in env_class.actions_for_proof(run.proof):
                _, reward, terminated, _, _ = env.step(action)
            assert terminated and reward == 1.0, (theorem.name, run.proof)
    finally:
        env.close()
