"""Fixtures of the env tests: the scripted backend and envs built on it."""

from __future__ import annotations

import pytest
from scripted_world import ScriptedBackend, scripted_theorems


@pytest.fixture
def scripted_backend() -> ScriptedBackend:
    return ScriptedBackend()


@pytest.fixture
def scripted_env_factory(scripted_backend):
    """Builds an env of the given id over the scripted world (the backend is shared)."""
    import gymnasium as gym

    made = []

    def make(env_id: str, **kwargs):
        kwargs.setdefault("dataset", scripted_theorems())
        env = gym.make(env_id, backend=scripted_backend, **kwargs)
        made.append(env)
        return env

    yield make
    for env in made:
        env.close()
