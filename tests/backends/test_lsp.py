"""Tests of the leanclient (LSP) backend: error paths always, real Lean when available."""

from __future__ import annotations

import os
import shutil
import sys
import types

import pytest

from lean_gym.backends import make_backend
from lean_gym.backends.base import LEAN_INSTALL_HINT, LeanNotFoundError
from lean_gym.backends.lsp import LSP_INSTALL_HINT, LspBackend, diagnostic_to_message
from lean_gym.types import Success, Theorem

THM = Theorem("lean_gym_lsp_and", "(p q : Prop) (hp : p) (hq : q) : p ∧ q")


@pytest.fixture
def fake_leanclient(monkeypatch):
    """A stand-in module so that the checks after the import can be reached without leanclient."""
    module = types.ModuleType("leanclient")
    monkeypatch.setitem(sys.modules, "leanclient", module)
    return module


def test_missing_leanclient_gives_install_hint(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "leanclient", None)  # makes `import leanclient` fail
    with pytest.raises(ImportError, match=r"pip install 'lean-gym\[lsp\]'"):
        LspBackend(project=tmp_path)
    assert "lean-gym[lsp]" in LSP_INSTALL_HINT
    with pytest.raises(ImportError):
        make_backend("lsp", project=str(tmp_path))


def test_missing_lake_or_project_raises_lean_not_found(fake_leanclient, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LeanNotFoundError) as info:
        LspBackend(project=tmp_path)
    assert "`lake` is not on PATH" in str(info.value) and LEAN_INSTALL_HINT in str(info.value)
    monkeypatch.setattr(shutil, "which", lambda name: f"/opt/bin/{name}")
    monkeypatch.delenv("LEAN_GYM_PROJECT", raising=False)
    with pytest.raises(LeanNotFoundError, match="No Lean project given"):
        LspBackend()
    with pytest.raises(LeanNotFoundError, match="does not exist"):
        LspBackend(project=tmp_path / "nope")
    with pytest.raises(LeanNotFoundError, match="no lakefile"):
        LspBackend(project=tmp_path)
    (tmp_path / "lakefile.lean").write_text("import Lake\n")
    backend = LspBackend(project=tmp_path)  # the server itself starts lazily
    assert backend.project == tmp_path.resolve()
    backend.close()
    backend.close()


def test_diagnostic_conversion_shifts_lines():
    diagnostic = {
        "range": {"start": {"line": 4, "character": 2}, "end": {"line": 4, "character": 9}},
        "severity": 1,
        "message": "unknown identifier 'x'",
    }
    message = diagnostic_to_message(diagnostic, line_offset=2)
    assert message.severity == "error" and message.data == "unknown identifier 'x'"
    assert (message.pos.line, message.pos.column) == (3, 2)
    assert diagnostic_to_message({**diagnostic, "severity": 3}).severity == "info"


def real_backend() -> LspBackend:
    pytest.importorskip("leanclient", reason="the lsp backend needs leanclient (lean-gym[lsp])")
    project = os.environ.get("LEAN_GYM_PROJECT")
    if not project or shutil.which("lake") is None:
        pytest.skip("real Lean needs LEAN_GYM_PROJECT (a Lake project) and lake")
    return LspBackend(project=project, tactic_timeout=120, verify_timeout=300)


@pytest.mark.real_lean
def test_real_check_declaration():
    with real_backend() as backend:
        ok = backend.check_declaration(THM, THM.declaration("constructor\nexact hp\nexact hq"))
        assert ok.error is None and ok.axioms == ()
        assert not [m for m in ok.messages if m.severity == "error"]
        bad = backend.check_declaration(THM, THM.declaration("constructor\nexact hp"))
        assert any(m.severity == "error" for m in bad.messages)


@pytest.mark.real_lean
def test_real_tactic_mode():
    with real_backend() as backend:
        root = backend.start(THM)
        assert root.pp() == "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q"
        split = backend.run_tactic(root, "constructor")
        assert isinstance(split, Success) and split.state.num_goals == 2
        done = backend.run_tactic(backend.run_tactic(split.state, "exact hp").state, "exact hq")
        assert isinstance(done, Success) and done.state.is_solved
        wrong = backend.run_tactic(split.state, "exact hq")
        assert not wrong.ok and wrong.kind == "error"
