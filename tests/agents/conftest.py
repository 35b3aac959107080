"""Shared fixtures of the agents tests: MiniLean, the smoke set, the benchmark."""

from __future__ import annotations

import pytest

from lean_gym.backends import make_backend
from lean_gym.data import load_theorems


@pytest.fixture(scope="module")
def backend():
    with make_backend("minilean") as instance:
        yield instance


@pytest.fixture(scope="session")
def smoke():
    return list(load_theorems("smoke"))


@pytest.fixture(scope="session")
def bench():
    return list(load_theorems("minilean-bench"))
