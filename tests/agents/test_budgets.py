"""Budgets: parsed strictly, and never exceeded by any algorithm (a property test over random
budgets and theorems)."""

from __future__ import annotations

import random

import pytest
from agent_fakes import SlowPolicy, TokenPolicy

from agents.search import BUDGET_REASONS, BUILTIN_SEARCHES, Budget, make_search

ALGORITHMS = list(BUILTIN_SEARCHES)  # not what other test modules registered


def test_parse_and_print():
    budget = Budget.parse("expansions=600, lean_calls=5000,policy-calls=7,wall_seconds=1.5")
    assert budget == Budget(expansions=600, lean_calls=5000, policy_calls=7, wall_seconds=1.5)
    assert Budget.parse(str(budget)) == budget
    assert Budget.parse("") == Budget() and Budget().unlimited
    assert Budget.parse("tokens=none") == Budget()
    assert Budget.from_json(budget.to_json()) == budget


@pytest.mark.parametrize(
    "text", ["expansion=3", "expansions", "expansions=x", "expansions=-1", "expansions=1.5"]
)
def test_parse_rejects_mistakes(text):
    with pytest.raises(ValueError):
        Budget.parse(text)


def _granularity(name: str) -> str:
    return {"segment-best-first": "segment", "whole-proof": "proof"}.get(name, "step")


@pytest.mark.parametrize("name", ALGORITHMS)
def test_no_budget_is_ever_exceeded(name, backend, bench):
    rng = random.Random(f"budgets-{name}")
    theorems = [t for t in bench if t.difficulty in ("medium", "hard")]
    search = make_search(name, k=rng.choice([2, 4, 8]))
    policy = TokenPolicy(_granularity(name))
    for _ in range(25):
        budget = Budget(
            expansions=rng.choice([None, 0, 1, 2, 3, 5, 8]),
            lean_calls=rng.choice([None, 0, 1, 2, 3, 5, 9, 15]),
            policy_calls=rng.choice([None, 0, 1, 2, 4, 7]),
            tokens=rng.choice([None, 0, 5, 20, 60]),
        )
        theorem = rng.choice(theorems)
        result = search.search(theorem, backend, policy, budget)
        for counter in ("expansions", "lean_calls", "policy_calls", "tokens"):
            limit = getattr(budget, counter)
            if limit is not None:
                assert getattr(result, counter) <= limit, (name, budget, theorem.name, result)
        if not result.solved:
            assert result.reason in (*BUDGET_REASONS, "exhausted", "policy_error"), result.reason
        if result.reason and result.reason.startswith("budget:"):
            counter = result.reason.split(":", 1)[1]
            limit = getattr(budget, counter)
            assert limit is not None
            # The reason names a budget that is actually (close to) spent.
            assert getattr(result, counter) >= limit - (1 if counter != "tokens" else 60)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_wall_seconds(name, backend, bench):
    theorem = next(t for t in bench if t.name.startswith("hard_or_map"))
    policy = SlowPolicy(0.05, _granularity(name))
    result = make_search(name).search(theorem, backend, policy, Budget(wall_seconds=0.25))
    assert result.time_total < 0.25 + 0.2
    if not result.solved:
        assert result.reason in ("budget:wall_seconds", "exhausted")
