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
from lean_gym.types import LeanError, Success, Theorem

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


# -- against the leanclient stand-in (tests/backends/fake_leanclient.py, MiniLean behind it) -----


def _load_fake():
    import importlib.util
    from pathlib import Path

    name = "fake_leanclient"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def standin(monkeypatch, tmp_path):
    fake = _load_fake()
    monkeypatch.setitem(sys.modules, "leanclient", fake)
    real_which = shutil.which
    monkeypatch.setattr(
        shutil,
        "which",
        lambda cmd, *a, **k: "/fake/lake" if cmd == "lake" else real_which(cmd, *a, **k),
    )
    (tmp_path / "lakefile.toml").write_text('name = "standin"\n')
    backend = LspBackend(project=tmp_path)
    yield backend, fake
    backend.close()


MULTI = Theorem("lsp_multi", "(a b : Nat)\n    (h : a = b) :\n    b = a")


def test_multi_line_statement_starts_and_steps(standin):
    """Lean reports "unsolved goals" at the ``by``, on the statement's last line; the sorry is
    on the line after it."""
    backend, fake = standin
    root = backend.start(MULTI)
    assert root.pp() == "a b : Nat\nh : a = b\n⊢ b = a"
    path, line, character = fake.instances[-1].goal_requests[-1]
    assert (line, character) == (3, 2)  # `  sorry` after a three-line statement
    step = backend.run_tactic(root, "subst h")
    assert isinstance(step, Success) and step.state.pp() == "a : Nat\n⊢ a = a"
    assert backend.verify(MULTI, "subst h\nrfl").ok


def test_a_failed_goal_request_is_a_failed_step_not_a_proof(standin):
    backend, fake = standin
    root = backend.start(THM)
    fake.instances[-1].goal_error = {"message": "Request timed out after 30.0s"}
    result = backend.run_tactic(root, "constructor")
    assert isinstance(result, LeanError) and result.kind == "timeout"
    fake.instances[-1].goal_error = {"code": -32801, "message": "content modified"}
    result = backend.run_tactic(root, "exact ⟨hp, hq⟩")
    assert isinstance(result, LeanError) and result.kind == "crash"
    assert "content modified" in result.message
    from lean_gym.errors import TheoremStartError

    with pytest.raises(TheoremStartError, match="goal request"):
        backend.start(THM)
    fake.instances[-1].goal_error = None
    assert backend.run_tactic(root, "exact ⟨hp, hq⟩").state.is_solved


def test_leanclient_failure_entries_are_a_failed_call(standin):
    backend, fake = standin
    root = backend.start(THM)
    fake.instances[-1].rpc_error = {
        "message": "leanclient: Received LeanFileProgressKind.fatalError."
    }
    result = backend.run_tactic(root, "constructor")
    assert isinstance(result, LeanError) and result.kind == "crash"
    out = backend.check_declaration(THM, THM.declaration("exact ⟨hp, hq⟩"))
    assert out.error is not None and out.error.kind == "crash" and out.messages == ()


def test_a_dead_server_is_restarted_once(standin):
    backend, fake = standin
    root = backend.start(THM)
    started = len(fake.instances)
    fake.instances[-1].dead = True
    assert backend.run_tactic(root, "exact ⟨hp, hq⟩").state.is_solved
    assert len(fake.instances) == started + 1


def test_columns_are_utf16_on_the_wire_and_codepoints_in_messages(standin):
    from lean_gym.backends.lsp import codepoint_column, utf16_units

    assert utf16_units("a𝔸b") == 4 and codepoint_column("a𝔸b", 3) == 2
    diagnostic = {
        "range": {"start": {"line": 0, "character": 13}, "end": {"line": 0, "character": 15}},
        "severity": 1,
        "message": "type mismatch",
    }
    message = diagnostic_to_message(diagnostic, lines=["  /- 𝔸𝔸 -/ exact hq"])
    assert message.pos.column == 13 - 2  # two astral characters are four UTF-16 units
    backend, _ = standin
    root = backend.start(THM)
    wrong = backend.run_tactic(root, "/- 𝔸𝔸 -/ exact hq")
    assert isinstance(wrong, LeanError) and wrong.kind == "error"
    assert wrong.pos is not None and wrong.pos.column == len("  /- 𝔸𝔸 -/ exact ")
