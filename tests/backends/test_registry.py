"""Backends by name: the registry, ``auto``, and the honest error when real Lean is missing."""

from __future__ import annotations

import logging

import gymnasium as gym
import pytest

import lean_gym  # noqa: F401
import lean_gym.backends as backends
from lean_gym.backends import (
    BackendBase,
    LeanNotFoundError,
    available_backends,
    make_backend,
    register_backend,
)
from lean_gym.backends.minilean.backend import MiniLeanBackend


@pytest.fixture
def no_lean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEAN_GYM_PROJECT", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")


def test_names_resolve_to_backends() -> None:
    assert {"minilean", "minilean-subprocess", "repl", "lsp", "kimina", "auto"} <= set(
        available_backends()
    )
    with make_backend("minilean") as backend:
        assert isinstance(backend, MiniLeanBackend)
    with pytest.raises(ValueError, match="unknown backend 'nope'"):
        make_backend("nope")


def test_an_instance_passes_through_and_new_names_plug_in() -> None:
    backend = MiniLeanBackend()
    assert make_backend(backend) is backend
    register_backend("my-minilean", lambda **kw: MiniLeanBackend(**kw))
    try:
        assert isinstance(make_backend("my-minilean"), BackendBase)
    finally:
        backends._REGISTRY.pop("my-minilean")


def test_auto_without_lean_uses_minilean_and_says_so_once(
    no_lean: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(backends, "_auto_announced", False)
    with caplog.at_level(logging.WARNING, logger="lean_gym.backends"):
        first = make_backend("auto")
        second = make_backend("auto")
    assert isinstance(first, MiniLeanBackend) and isinstance(second, MiniLeanBackend)
    said = [r.getMessage() for r in caplog.records if "backend 'auto'" in r.getMessage()]
    assert len(said) == 1 and "MiniLean" in said[0]


def test_asking_for_real_lean_without_it_says_how_to_install(no_lean: None) -> None:
    with pytest.raises(LeanNotFoundError) as info:
        make_backend("repl")
    text = str(info.value)
    assert "elan" in text and "lake build repl" in text and "LEAN_GYM_PROJECT" in text
    with pytest.raises(LeanNotFoundError, match="elan"):
        env = gym.make("LeanStep-v0", dataset="smoke", backend="repl")
        env.reset(seed=0)
