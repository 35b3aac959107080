"""Fixtures of the model-policy tests: the tiny model (built once per session) and states.

A plugin the test modules load (``pytest_plugins = ["policy_fixtures"]``) rather than a
``conftest.py`` here: tests of ``tests/agents`` import their own ``conftest`` by name, which
a second ``conftest`` module below them would shadow.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lean_gym.types import Goal, ProofState, Theorem

AND_THEOREM = Theorem("and_intro_ex", "(p q : Prop) (hp : p) (hq : q) : p ∧ q")
NAT_THEOREM = Theorem("add_zero_ex", "(n : Nat) : n + 0 = n", header="import Mathlib")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    from agents.models.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", seed=0)


@pytest.fixture
def states() -> list[ProofState]:
    """Three states of two theorems, one deeper in its proof."""
    return [
        ProofState(AND_THEOREM, (Goal(("p q : Prop", "hp : p", "hq : q"), "p ∧ q"),)),
        ProofState(
            AND_THEOREM,
            (Goal(("p q : Prop", "hp : p", "hq : q"), "p", "left"),),
            ("constructor",),
        ),
        ProofState(NAT_THEOREM, (Goal(("n : Nat",), "n + 0 = n"),)),
    ]
