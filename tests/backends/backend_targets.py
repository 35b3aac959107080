"""The backends the conformance suite runs on, and how to build, break and restart each.

A target is a name and a factory. ``minilean`` and ``minilean-subprocess`` always run; ``kimina``
is lean_gym's kimina client against the kimina stand-in (``kimina_server.py``) and
``lsp-standin`` the lsp backend against the leanclient stand-in (``fake_leanclient.py``), both
checking with MiniLean; ``repl`` and ``lsp`` run real Lean in the Lake project named by
``LEAN_GYM_PROJECT`` and skip with that reason otherwise; ``kimina-server`` runs the kimina
client against a real kimina-lean-server at ``LEAN_GYM_KIMINA_URL`` (with
``LEAN_GYM_KIMINA_API_KEY``). ``LEAN_GYM_CONFORMANCE_BACKENDS`` adds more targets: a comma-separated
list of registered backend names or ``module:attr`` factories (a new backend's author runs the
suite on it this way).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]


def load_local(name: str) -> Any:
    """A module next to this file, by path (tests/ is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Target:
    """A backend the suite runs on.

    Attributes:
        name: The pytest id.
        tactics: Whether it has tactic mode (``start``/``run_tactic``); kimina has not.
        real_lean: Whether it runs real Lean (then MiniLean's divergences do not apply).
        mathlib: Whether its theorems may import Mathlib (real Lean with a Mathlib project).
    """

    name: str
    tactics: bool = True
    real_lean: bool = False


def real_project_reason() -> str | None:
    project = os.environ.get("LEAN_GYM_PROJECT")
    if not project:
        return "real Lean not configured: set LEAN_GYM_PROJECT to a Lake project with the REPL"
    if shutil.which("lake") is None:
        return "real Lean not available: `lake` is not on PATH (install elan)"
    if not Path(project).is_dir():
        return f"LEAN_GYM_PROJECT={project!r} is not a directory"
    return None


def project_has_mathlib() -> bool:
    project = os.environ.get("LEAN_GYM_PROJECT")
    if not project:
        return False
    manifest = Path(project) / "lake-manifest.json"
    try:
        return '"mathlib"' in manifest.read_text(encoding="utf-8").lower()
    except OSError:
        return False


TARGETS = [
    Target("minilean"),
    Target("minilean-subprocess"),
    Target("repl", real_lean=True),
    Target("lsp", real_lean=True),
    Target("lsp-standin"),
    Target("kimina", tactics=False),
    Target("kimina-server", tactics=False, real_lean=True),
]
_EXTRA = [t for t in os.environ.get("LEAN_GYM_CONFORMANCE_BACKENDS", "").split(",") if t.strip()]
TARGETS += [Target(f"extra:{spec.strip()}") for spec in _EXTRA]


@contextlib.contextmanager
def open_backend(target: Target, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> Iterator[Any]:
    """The backend of ``target``, closed (and its servers stopped) afterwards; skips when the
    target cannot run here."""
    from lean_gym.backends import make_backend

    name = target.name
    if name in ("minilean", "minilean-subprocess"):
        backend = make_backend(name, **kwargs)
        with backend:
            yield backend
        return
    if name in ("repl", "lsp"):
        reason = real_project_reason()
        if reason is not None:
            pytest.skip(reason)
        if name == "lsp":
            pytest.importorskip("leanclient", reason="the lsp backend needs leanclient")
        kwargs.setdefault("tactic_timeout", 300.0)
        kwargs.setdefault("verify_timeout", 600.0)
        backend = make_backend(name, project=os.environ["LEAN_GYM_PROJECT"], **kwargs)
        with backend:
            yield backend
        return
    if name == "lsp-standin":
        fake = load_local("fake_leanclient")
        monkeypatch.setitem(sys.modules, "leanclient", fake)
        import tempfile

        with tempfile.TemporaryDirectory(prefix="lean-gym-lsp-standin-") as tmp:
            (Path(tmp) / "lakefile.toml").write_text('name = "standin"\n', encoding="utf-8")
            real_which = shutil.which
            monkeypatch.setattr(
                shutil,
                "which",
                lambda cmd, *a, **k: "/fake/lake" if cmd == "lake" else real_which(cmd, *a, **k),
            )
            backend = make_backend("lsp", project=tmp, **kwargs)
            with backend:
                yield backend
        return
    if name == "kimina":
        server_module = load_local("kimina_server")
        with server_module.KiminaStandIn(api_key="conformance-key", max_repls=2) as server:
            backend = make_backend("kimina", url=server.url, api_key="conformance-key", **kwargs)
            backend.standin = server  # type: ignore[attr-defined]
            with backend:
                yield backend
        return
    if name == "kimina-server":
        url = os.environ.get("LEAN_GYM_KIMINA_URL")
        if not url:
            pytest.skip("no kimina-lean-server configured: set LEAN_GYM_KIMINA_URL")
        backend = make_backend(
            "kimina", url=url, api_key=os.environ.get("LEAN_GYM_KIMINA_API_KEY"), **kwargs
        )
        with backend:
            yield backend
        return
    if name.startswith("extra:"):
        spec = name.removeprefix("extra:")
        if ":" in spec:
            module_name, _, attr = spec.partition(":")
            factory: Callable[..., Any] = getattr(importlib.import_module(module_name), attr)
            backend = factory(**kwargs)
        else:
            backend = make_backend(spec, **kwargs)
        with backend:
            yield backend
        return
    raise ValueError(name)


def kill_prover(backend: Any) -> None:
    """Makes the backend lose every proof state it holds, the way a crash would.

    The REPL client's processes are SIGKILLed; MiniLean in-process forgets its states; the lsp
    backend's language server dies (the stand-in's every call then raises EOFError).
    """
    from lean_gym.backends.repl import ReplBackend

    if isinstance(backend, ReplBackend):
        for pid in backend.process_ids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return
    repl = getattr(backend, "_repl", None)
    if repl is not None and hasattr(repl, "proof_states"):
        repl.proof_states.clear()
        return
    client = getattr(backend, "_client", None)
    if client is not None:
        if hasattr(client, "dead"):
            client.dead = True
        else:
            with contextlib.suppress(Exception):
                client.close()
