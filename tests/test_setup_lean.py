"""``lean-gym setup-lean`` against fake ``elan``/``git``/``lake`` executables on PATH.

The fakes (``tests/fake_lean_tools.py``) log their calls and fail on demand; ``lake exe repl``
runs MiniLean's REPL server, so the smoke step really goes through lean_gym's REPL client.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from lean_gym.setup_lean import (
    DEFAULT_LEAN_VERSION,
    LAKEFILE_MARKER,
    SetupError,
    SetupLeanArgs,
    lakefile_text,
    plan,
)


def _load(name: str):
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fake_tools = _load("fake_lean_tools")
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tools(tmp_path, monkeypatch):
    """Fake elan, git and lake alone on PATH; returns (bin dir, call log)."""
    bin_dir = fake_tools.install_fake_tools(tmp_path / "bin")
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_TOOLS_LOG", str(log))
    monkeypatch.setenv("FAKE_GIT_TAGS", f"v4.25.0,{DEFAULT_LEAN_VERSION},v4.27.0-rc1")
    for var in ("FAKE_NETWORK", "FAKE_LAKE_FAIL", "FAKE_LAKE_OFFLINE", "LEAN_GYM_PROJECT"):
        monkeypatch.delenv(var, raising=False)
    return bin_dir, log


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """``lean-gym setup-lean ARGV`` in a fresh interpreter, with the test's environment."""
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "lean_gym.cli", "setup-lean", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("lean-gym setup-lean: ")
    return lines[0]


def test_dry_run_prints_every_step_and_runs_nothing(tools, tmp_path):
    _, log = tools
    project = tmp_path / "proj"
    result = cli("--dry-run", "--mathlib", "--dir", str(project), "--lean-version", "v4.25.0")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in (
        "git ls-remote --tags https://github.com/leanprover-community/repl refs/tags/v4.25.0",
        "git ls-remote --tags https://github.com/leanprover-community/mathlib4 refs/tags/v4.25.0",
        "elan toolchain install leanprover/lean4:v4.25.0",
        "leanprover/lean4:v4.25.0",
        'rev = "v4.25.0"',
        f"(cd {project} && lake update)",
        f"(cd {project} && lake exe cache get)",
        f"(cd {project} && lake build repl)",
        "| lake exe repl)",
        "dry run: nothing was run",
    ):
        assert text in out, text
    # The printout is a shell script: steps are comments, commands are not indented.
    assert all(line.startswith("#") for line in out.splitlines() if line[:1] == "#")
    assert not project.exists()
    assert fake_tools.read_calls(log) == []


def test_dry_run_needs_no_tools(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing at all on PATH
    result = cli("--dry-run", "--dir", str(tmp_path / "p"))
    assert result.returncode == 0 and "lake build repl" in result.stdout


def test_plan_order_and_lakefile():
    steps = plan(SetupLeanArgs(mathlib=True, dir="/x"))
    titles = [s.title for s in steps]
    assert titles[0].startswith("check that elan")
    assert titles.index("fetch the pinned dependencies") < titles.index(
        "fetch Mathlib's prebuilt files"
    )
    assert titles.index("fetch Mathlib's prebuilt files") < titles.index("build the REPL")
    assert titles[-1].startswith("smoke check")
    text = lakefile_text("v4.20.0", mathlib=True)
    assert text.startswith(LAKEFILE_MARKER)
    assert 'name = "REPL"' in text and 'name = "mathlib"' in text
    assert text.count('rev = "v4.20.0"') == 2
    assert "mathlib" not in lakefile_text("v4.20.0", mathlib=False)


def test_missing_elan_is_one_line(tmp_path, monkeypatch):
    bin_dir = fake_tools.install_fake_tools(tmp_path / "bin", tools=("git", "lake"))
    monkeypatch.setenv("PATH", str(bin_dir))
    project = tmp_path / "proj"
    result = cli("--dir", str(project))
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "elan is not installed" in line and "github.com/leanprover/elan" in line
    assert "1. check that elan" in result.stdout  # the steps were printed first
    assert not project.exists()


def test_missing_lake_says_where_elan_puts_it(tmp_path, monkeypatch):
    bin_dir = fake_tools.install_fake_tools(tmp_path / "bin", tools=("elan", "git"))
    monkeypatch.setenv("PATH", str(bin_dir))
    result = cli("--dir", str(tmp_path / "proj"))
    assert result.returncode == 1
    assert "~/.elan/bin" in one_line(result.stderr)


def test_no_network_is_one_line(tools, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_NETWORK", "offline")
    project = tmp_path / "proj"
    result = cli("--dir", str(project))
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "needs the network" in line and "Could not resolve host: github.com" in line
    assert not project.exists()


def test_network_failure_of_a_later_step(tools, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_LAKE_OFFLINE", "1")
    result = cli("--dir", str(tmp_path / "proj"))
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "(lake update) needs the network" in line


def test_missing_tag_lists_the_newest_tags(tools, tmp_path):
    result = cli("--dir", str(tmp_path / "proj"), "--lean-version", "v4.99.0")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "has no tag v4.99.0" in line
    assert f"newest: v4.27.0-rc1, {DEFAULT_LEAN_VERSION}, v4.25.0" in line


def test_bad_version_and_foreign_directory_are_usage_errors(tools, tmp_path):
    result = cli("--lean-version", "4.26", "--dir", str(tmp_path / "p"))
    assert result.returncode == 2 and "v4.X.Y" in one_line(result.stderr)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine\n")
    result = cli("--dir", str(foreign))
    assert result.returncode == 2
    assert "not made by setup-lean" in one_line(result.stderr)
    assert (foreign / "notes.txt").read_text() == "mine\n"


def test_failing_step_names_the_step_and_the_log(tools, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_LAKE_FAIL", "build")
    project = tmp_path / "proj"
    result = cli("--dir", str(project))
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "(lake build repl) failed with exit code 1" in line
    assert "fake lake build failed on purpose" in line
    log = project / "setup-lean.log"
    assert str(log) in line and "failed on purpose" in log.read_text()


@pytest.mark.parametrize("mathlib", [False, True], ids=["core", "mathlib"])
def test_full_run_builds_smokes_and_prints_the_settings(tools, tmp_path, mathlib):
    _, log = tools
    project = tmp_path / "proj"
    argv = ["--dir", str(project)] + (["--mathlib"] if mathlib else [])
    result = cli(*argv)
    assert result.returncode == 0, result.stderr + result.stdout
    assert f"export LEAN_GYM_PROJECT={project}" in result.stdout
    assert "verify(" in result.stdout and "->  ok" in result.stdout
    assert (project / "lean-toolchain").read_text() == f"leanprover/lean4:{DEFAULT_LEAN_VERSION}\n"
    assert (project / "lakefile.toml").read_text() == lakefile_text(DEFAULT_LEAN_VERSION, mathlib)
    calls = [(c["tool"], c["argv"]) for c in fake_tools.read_calls(log)]
    expected = [
        ("git", ["ls-remote", "--tags", "https://github.com/leanprover-community/repl",
                 f"refs/tags/{DEFAULT_LEAN_VERSION}"]),
    ]  # fmt: skip
    if mathlib:
        expected.append(
            ("git", ["ls-remote", "--tags", "https://github.com/leanprover-community/mathlib4",
                     f"refs/tags/{DEFAULT_LEAN_VERSION}"])
        )  # fmt: skip
    expected += [
        ("elan", ["toolchain", "install", f"leanprover/lean4:{DEFAULT_LEAN_VERSION}"]),
        ("lake", ["update"]),
    ]
    if mathlib:
        expected.append(("lake", ["exe", "cache", "get"]))
    expected += [("lake", ["build", "repl"]), ("lake", ["exe", "repl"])]
    assert calls == expected
    lake_dirs = {c["cwd"] for c in fake_tools.read_calls(log) if c["tool"] == "lake"}
    assert lake_dirs == {str(project)}
    # A second run reuses the directory it made.
    again = cli(*argv)
    assert again.returncode == 0, again.stderr


def test_run_setup_raises_setup_error_values(tmp_path):
    from lean_gym.setup_lean import run_setup

    with pytest.raises(SetupError) as info:
        run_setup(SetupLeanArgs(lean_version="latest", dir=str(tmp_path / "p")))
    assert info.value.exit_code == 2
    import pickle

    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and again.exit_code == 2
