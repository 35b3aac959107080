"""Every exception lean_gym raises, in one place.

Errors of a proof step are values (:class:`~lean_gym.types.LeanError`, returned, never raised);
the exceptions here are for a backend that cannot run at all, a theorem that cannot start, a
dataset that cannot load, a command line that is wrong, and the REPL client's internal control
flow.

Every one of them pickles, so it crosses process boundaries (vector envs, Ray workers, a
``multiprocessing`` pool) with its attributes: :class:`LeanGymError` records the arguments the
exception was built with and rebuilds it from them, so a subclass with its own constructor
(``TheoremStartError(theorem, error)``) needs no pickling code of its own. Python's default
rebuilds an exception from ``self.args``, which is the message once ``__init__`` has formatted
one, and then fails on a constructor that takes other arguments.

They also survive how Gymnasium's ``AsyncVectorEnv`` hands a worker's exception to the main
process: it unpickles the exception and raises ``type(exc)(exc)``. Calling a lean_gym exception
class with one of its own instances gives that instance back (:class:`_Reraisable`), so the
main process sees the worker's ``TheoremStartError`` with its theorem and error, not a
``TypeError`` from the constructor.
"""

from __future__ import annotations

from typing import Any

from lean_gym.types import LeanError, Theorem

__all__ = [
    "LeanGymError",
    "BackendError",
    "LeanNotFoundError",
    "TheoremStartError",
    "DatasetLoadError",
    "UsageError",
    "ReplTimeout",
    "ReplDied",
    "ReplHeaderError",
    "SetupError",
    "LEAN_INSTALL_HINT",
]

LEAN_INSTALL_HINT = (
    "To use real Lean: install elan (the Lean toolchain manager, see the Lean 4 documentation) "
    "and run `lean-gym setup-lean` (add --mathlib for Mathlib; --dry-run shows the steps), "
    "then set the LEAN_GYM_PROJECT it prints. By hand: "
    "create or clone a Lake project whose lakefile requires leanprover-community/repl (and "
    "Mathlib if your theorems import it), run `lake build repl` (and `lake exe cache get` for "
    "Mathlib) in it, then pass backend='repl' with project='/path/to/that/project' or set "
    "LEAN_GYM_PROJECT. Without Lean, use backend='minilean' (the embedded prover)."
)


def _rebuild(cls: type[LeanGymError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return cls(*args, **kwargs)


class _Reraisable(type):
    """The metaclass of :class:`LeanGymError`: ``Cls(instance_of_cls)`` is that instance."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and isinstance(args[0], cls):
            return args[0]
        return super().__call__(*args, **kwargs)


class LeanGymError(Exception, metaclass=_Reraisable):
    """The base of every lean_gym exception; pickles through its constructor arguments."""

    _init_args: tuple[Any, ...]
    _init_kwargs: dict[str, Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> LeanGymError:
        self = super().__new__(cls, *args)
        self._init_args = args
        self._init_kwargs = kwargs
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("_init_args", "_init_kwargs")}
        return (_rebuild, (type(self), self._init_args, self._init_kwargs), state)


class BackendError(LeanGymError):
    """A backend cannot do what was asked (not a failed proof step, which is a value)."""


class LeanNotFoundError(BackendError):
    """Real Lean was asked for but no toolchain or REPL project is available.

    The message ends with the install steps (:data:`LEAN_INSTALL_HINT`).
    """

    def __init__(self, what: str):
        super().__init__(f"{what}\n{LEAN_INSTALL_HINT}")


class TheoremStartError(BackendError):
    """The theorem's statement does not elaborate, so no proof state exists for it.

    Attributes:
        theorem: The theorem that could not start.
        error: Lean's answer (or the timeout or crash) as a value.
    """

    def __init__(self, theorem: Theorem, error: LeanError):
        self.theorem = theorem
        self.error = error
        super().__init__(f"cannot start theorem {theorem.name!r}: {error.message}")


class DatasetLoadError(LeanGymError, RuntimeError):
    """A dataset cannot be loaded at all (not installed, offline, missing, bad splits)."""


class UsageError(LeanGymError, ValueError):
    """A command-line argument is wrong (the CLI prints one line and exits with 2)."""


class ReplTimeout(LeanGymError):
    """A REPL process did not answer (or accept the request) before the deadline."""


class ReplDied(LeanGymError):
    """A REPL process exited, closed its pipes, or refused input."""


class ReplHeaderError(LeanGymError):
    """The header command of a new REPL process failed.

    Attributes:
        error: The failure to report, as a value.
    """

    def __init__(self, error: LeanError):
        self.error = error
        super().__init__(error.message)


class SetupError(LeanGymError):
    """``lean-gym setup-lean`` cannot go on: a missing tool, no network, a failed step.

    The message is the one line the command prints.

    Attributes:
        exit_code: 2 for a usage problem (a bad version, a directory that is not the command's),
            1 for the rest.
    """

    def __init__(self, message: str, exit_code: int = 1):
        self.exit_code = exit_code
        super().__init__(message)
