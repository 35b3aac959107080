"""What every ``lean-gym`` command checks before it writes anything.

A command line mistake must cost the user one line on stderr and exit code 2, never a traceback
and never half-written files. The commands (``run``, ``data ...``, ``verify``) therefore load
their dataset, build and probe their backend and check their output paths first, through the
functions here, each of which turns what can go wrong into a :class:`~lean_gym.errors.UsageError`
whose message says what is wrong and how to fix it:

* :func:`load_dataset`: an unknown name, a missing file, an unloadable Hugging Face dataset, an
  unknown split, no theorem left;
* :func:`open_backend`: an unknown backend name, real Lean asked for without Lean, a missing
  optional package (``leanclient`` for ``lsp``), a server that does not answer (``kimina``:
  asked once, up front, instead of once per theorem), a backend that cannot run tactics when the
  command replays proofs tactic by tactic;
* :func:`check_output_dir` / :func:`check_output_file`: an output path that is the wrong kind of
  thing (a file where a directory goes, a directory where a file goes).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lean_gym.backends import make_backend
from lean_gym.backends.base import ProverBackend
from lean_gym.data.theorems import LoadedTheorems, load_theorems
from lean_gym.errors import BackendError, DatasetLoadError, TheoremStartError, UsageError
from lean_gym.types import Theorem

__all__ = [
    "load_dataset",
    "open_backend",
    "check_output_dir",
    "check_output_file",
    "PROBE_THEOREM_NAME",
]

PROBE_THEOREM_NAME = "lean_gym_preflight"
"""The name of the trivial theorem (``: True``) a backend is probed with."""


def load_dataset(
    source: str, *, split: str | None = None, limit: int | None = None, what: str = "theorems"
) -> LoadedTheorems:
    """``load_theorems(source, split=, limit=)``, its failures as usage errors.

    Raises:
        UsageError: The dataset cannot be loaded, or it has no theorem (after split and limit).
    """
    try:
        theorems = load_theorems(source, split=split, limit=limit)
    except (FileNotFoundError, ValueError, DatasetLoadError) as exc:
        raise UsageError(f"--dataset {source}: {exc}") from exc
    if not theorems:
        where = f" in split {split!r}" if split else ""
        raise UsageError(
            f"--dataset {source} has no {what}{where}; pass another dataset or --split"
        )
    return theorems


def open_backend(
    name: str, *, header: str = "", tactics: bool = True, timeout: float | None = None
) -> ProverBackend:
    """Builds the backend ``name`` and checks, once, that it answers.

    The probe checks the trivial theorem ``theorem lean_gym_preflight : True := by trivial``
    (under ``header``, the dataset's, so that a REPL process for it is started once and reused)
    and, with ``tactics``, starts it in tactic mode.

    Args:
        name: A registered backend name or ``auto``.
        header: The header of the theorems the command will run.
        tactics: The command runs tactics (replays proofs, plays the envs): refuse a backend
            that only checks whole proofs.
        timeout: Seconds the probe may take (None: the backend's own defaults, which leave
            a REPL time to import Mathlib for the header).

    Raises:
        UsageError: Saying what is missing and how to get it.
    """
    try:
        backend = make_backend(name)
    except ImportError as exc:  # an optional package the backend needs (leanclient for lsp)
        raise UsageError(f"--backend {name}: {exc}") from exc
    except (ValueError, BackendError) as exc:
        raise UsageError(f"--backend {name}: {exc}") from exc
    try:
        _probe(backend, name, header=header, tactics=tactics, timeout=timeout)
    except UsageError:
        backend.close()
        raise
    return backend


def _probe(
    backend: ProverBackend, name: str, *, header: str, tactics: bool, timeout: float | None
) -> None:
    probe = Theorem(PROBE_THEOREM_NAME, ": True", header=header, proof="trivial")
    try:
        verdict = backend.verify(probe, "trivial", timeout=timeout)
    except BackendError as exc:
        raise UsageError(f"--backend {name} cannot check a proof: {exc}") from exc
    if verdict.reason in ("crash", "timeout"):
        raise UsageError(
            f"--backend {name} does not answer: {verdict.detail}. Start it (see the README's "
            "Backends section) or use --backend minilean"
        )
    if not tactics:
        return
    try:
        state = backend.start(probe, timeout=timeout)
    except TheoremStartError as exc:  # the backend runs, but not even `True` starts
        under = "under the dataset's header " if header.strip() else ""
        raise UsageError(
            f"--backend {name} cannot start the theorem `: True` {under}({exc.error.message})"
        ) from exc
    except BackendError as exc:
        raise UsageError(
            f"--backend {name} cannot run tactics ({exc}), and this command replays proofs "
            "tactic by tactic: use --backend minilean or repl"
        ) from exc
    discard: Any = getattr(backend, "discard", None)
    if callable(discard):
        discard(state)


def check_output_dir(path: str | os.PathLike[str], flag: str = "--out") -> Path:
    """``path`` may be used as an output directory (it is one, or does not exist yet)."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(
            f"{flag} {out} is an existing file, not a directory: pass a directory to write the "
            "run's files into (it is created if missing)"
        )
    _check_parent(out, flag)
    return out


def check_output_file(path: str | os.PathLike[str], flag: str = "--out") -> Path:
    """``path`` may be written as a file (it is one, or does not exist yet)."""
    out = Path(path)
    if out.is_dir():
        raise UsageError(f"{flag} {out} is a directory: pass a file name, e.g. {out / 'out.jsonl'}")
    _check_parent(out, flag)
    return out


def _check_parent(out: Path, flag: str) -> None:
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{flag} {out}: {parent} is a file, not a directory")
            if not os.access(parent, os.W_OK):
                raise UsageError(f"{flag} {out}: {parent} is not writable")
            return
