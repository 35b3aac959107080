"""Every exception class in lean_gym pickles with its attributes, and keeps its old import path.

The classes are found by importing every lean_gym module, so a new exception is covered the
day it is written; each is built from its constructor's signature with a sample value per
parameter type.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil

import pytest

import lean_gym
from lean_gym import errors
from lean_gym.types import LeanError, Position, Theorem

MINILEAN = "lean_gym.backends.minilean"

SAMPLES: dict[str, object] = {
    "str": "what went wrong",
    "int": 7,
    "float": 2.5,
    "Theorem": Theorem("t", "(p : Prop) (h : p) : p", proof="exact h"),
    "LeanError": LeanError("error", "unknown identifier 'x'", Position(2, 4)),
}


def _exception_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(lean_gym.__path__, "lean_gym."):
        if info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional dependency (leanclient, datasets) is missing
            continue
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__.startswith("lean_gym"):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[name] for name in sorted(found)]


def _sample(annotation: str) -> object:
    for option in (part.strip() for part in annotation.split("|")):
        if option in SAMPLES:
            return SAMPLES[option]
    raise AssertionError(f"no sample value for a parameter of type {annotation!r}: add one")


def _instance(cls: type[BaseException]) -> BaseException:
    init = cls.__init__
    if init in (BaseException.__init__, Exception.__init__):
        return cls(SAMPLES["str"])
    args = []
    for name, param in inspect.signature(init).parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.default is not param.empty:
            continue
        # ``from __future__ import annotations`` keeps annotations as their source text
        annotation = param.annotation
        args.append(_sample(annotation if isinstance(annotation, str) else annotation.__name__))
    return cls(*args)


CLASSES = _exception_classes()
OURS = [c for c in CLASSES if not c.__module__.startswith(MINILEAN)]
MINILEANS = [c for c in CLASSES if c.__module__.startswith(MINILEAN)]


def _round_trip(cls: type[BaseException]) -> None:
    original = _instance(cls)
    clone = pickle.loads(pickle.dumps(original))
    assert type(clone) is cls
    assert str(clone) == str(original) and clone.args == original.args
    assert vars(clone) == vars(original)


def test_the_exceptions_are_found() -> None:
    names = {c.__name__ for c in OURS}
    assert {"LeanGymError", "BackendError", "TheoremStartError", "DatasetLoadError"} <= names


@pytest.mark.parametrize("cls", OURS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_exception_pickles(cls: type[BaseException]) -> None:
    _round_trip(cls)


def test_every_exception_outside_minilean_lives_in_errors_py() -> None:
    elsewhere = [
        f"{c.__module__}.{c.__qualname__}" for c in OURS if c.__module__ != errors.__name__
    ]
    assert elsewhere == []
    assert all(issubclass(c, errors.LeanGymError) for c in OURS)


@pytest.mark.parametrize("cls", MINILEANS, ids=lambda c: c.__qualname__)
def test_every_minilean_exception_pickles(cls: type[BaseException]) -> None:
    _round_trip(cls)


def test_old_import_locations_still_work() -> None:
    from lean_gym.backends import BackendError, LeanNotFoundError, TheoremStartError
    from lean_gym.backends.base import LEAN_INSTALL_HINT
    from lean_gym.backends.repl_process import ReplDied, ReplTimeout
    from lean_gym.data import DatasetLoadError
    from lean_gym.data.theorems import DatasetLoadError as FromTheorems

    assert BackendError is errors.BackendError and TheoremStartError is errors.TheoremStartError
    assert LeanNotFoundError is errors.LeanNotFoundError
    assert DatasetLoadError is FromTheorems is errors.DatasetLoadError
    assert ReplDied is errors.ReplDied and ReplTimeout is errors.ReplTimeout
    assert LEAN_INSTALL_HINT in str(errors.LeanNotFoundError("no Lean"))
    assert issubclass(errors.DatasetLoadError, RuntimeError)


def test_a_theorem_start_error_keeps_its_values_across_pickling() -> None:
    original = errors.TheoremStartError(SAMPLES["Theorem"], SAMPLES["LeanError"])
    clone = pickle.loads(pickle.dumps(original))
    assert clone.theorem == original.theorem and clone.error == original.error
    assert "cannot start theorem 't'" in str(clone)
