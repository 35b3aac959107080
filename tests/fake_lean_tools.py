"""Fake ``elan``, ``git`` and ``lake`` executables for tests of real-Lean code paths.

:func:`install_fake_tools` writes small Python scripts named ``elan``, ``git`` and ``lake`` into
a directory that a test puts first (or alone) on ``PATH``. They log every call (argv and working
directory, one JSON line each) to ``$FAKE_TOOLS_LOG`` and behave as the real tools do on the
paths lean-gym uses, with faults chosen by environment variables:

- ``git ls-remote --tags URL [refs/tags/T]``: prints ``SHA\\trefs/tags/T`` for the tags in
  ``$FAKE_GIT_TAGS`` (comma separated); ``FAKE_NETWORK=offline`` makes it fail the way git does
  without a network (``fatal: unable to access ...: Could not resolve host: github.com``).
- ``elan toolchain install T``, ``elan --version``.
- ``lake update`` (writes ``lake-manifest.json``), ``lake exe cache get``, ``lake build repl``
  (creates ``.lake/packages/REPL/.lake/build/bin/repl``), ``lake exe repl`` (runs MiniLean's REPL
  server, so the REPL client really talks to a prover), ``lake env PROGRAM ARGS...`` (runs the
  program with ``LEAN_PATH`` set, as Lake does). ``FAKE_LAKE_FAIL=<subcommand>`` makes that
  subcommand print an error and exit 1; ``FAKE_LAKE_OFFLINE=1`` makes ``update`` fail as with no
  network.

This is test scaffolding: nothing here checks Lean code; MiniLean does.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

__all__ = ["install_fake_tools", "read_calls", "REPO_ROOT"]

REPO_ROOT = Path(__file__).resolve().parents[1]

_PRELUDE = """#!@PYTHON@
import json, os, sys
from pathlib import Path

PYTHON = "@PYTHON@"
REPO_ROOT = "@REPO_ROOT@"


def log_call(tool):
    path = os.environ.get("FAKE_TOOLS_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "argv": sys.argv[1:], "cwd": os.getcwd()}) + "\\n")
"""

_GIT = """
log_call("git")
args = sys.argv[1:]
if args[:1] == ["ls-remote"]:
    url = next(a for a in args[1:] if not a.startswith("-"))
    if os.environ.get("FAKE_NETWORK") == "offline":
        host = url.split("/")[2]
        sys.stderr.write(f"fatal: unable to access '{url}/': Could not resolve host: {host}\\n")
        sys.exit(128)
    tags = [t for t in os.environ.get("FAKE_GIT_TAGS", "v4.26.0").split(",") if t]
    wanted = [a for a in args[1:] if a.startswith("refs/")]
    for i, tag in enumerate(tags):
        ref = f"refs/tags/{tag}"
        if not wanted or ref in wanted:
            print(f"{i:040x}\\t{ref}")
    sys.exit(0)
sys.stderr.write(f"fake git: unsupported {args}\\n")
sys.exit(1)
"""

_ELAN = """
log_call("elan")
args = sys.argv[1:]
if args[:1] == ["--version"]:
    print("elan 4.1.2 (fake)")
    sys.exit(0)
if args[:2] == ["toolchain", "install"]:
    print(f"info: downloading component 'lean' of {args[2]} (fake)")
    sys.exit(0)
sys.stderr.write(f"fake elan: unsupported {args}\\n")
sys.exit(1)
"""

_LAKE = """
log_call("lake")
args = sys.argv[1:]
fail = os.environ.get("FAKE_LAKE_FAIL")
name = " ".join(args[:2]) if args[:1] == ["exe"] else (args[0] if args else "")
if fail and fail == name:
    sys.stderr.write(f"error: fake lake {name} failed on purpose\\n")
    sys.exit(1)


def run_minilean():
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    os.execve(PYTHON, [PYTHON, "-m", "lean_gym.backends.minilean"], env)

if args == ["update"]:
    if os.environ.get("FAKE_LAKE_OFFLINE"):
        sys.stderr.write("error: failed to clone https://github.com/leanprover-community/repl: "
                         "fatal: unable to access: Could not resolve host: github.com\\n")
        sys.exit(1)
    if not Path("lakefile.toml").is_file() and not Path("lakefile.lean").is_file():
        sys.stderr.write("error: no configuration file found\\n")
        sys.exit(1)
    Path("lake-manifest.json").write_text('{"version": "1.1.0", "packages": []}\\n')
    print("info: REPL: cloning https://github.com/leanprover-community/repl (fake)")
    sys.exit(0)
if args == ["exe", "cache", "get"]:
    print("Decompressing 7000 file(s) (fake)")
    sys.exit(0)
if args[:1] == ["build"]:
    binary = Path(".lake/packages/REPL/.lake/build/bin/repl")
    binary.parent.mkdir(parents=True, exist_ok=True)
    binary.write_text("#!/bin/sh\\necho fake repl binary >&2\\nexit 1\\n")
    binary.chmod(0o755)
    print("Build completed successfully (fake).")
    sys.exit(0)
if args == ["exe", "repl"]:
    run_minilean()
if args[:1] == ["env"] and len(args) >= 2:
    os.environ["LEAN_PATH"] = str(Path(".lake/build/lib/lean").absolute())
    program = args[1]
    if os.path.basename(program) == "repl":
        run_minilean()
    os.execvp(program, args[1:])
sys.stderr.write(f"fake lake: unsupported {args}\\n")
sys.exit(1)
"""

_BODIES = {"git": _GIT, "elan": _ELAN, "lake": _LAKE}


def install_fake_tools(bin_dir: Path, tools: tuple[str, ...] = ("elan", "git", "lake")) -> Path:
    """Writes the fake ``tools`` into ``bin_dir`` (created if needed); returns ``bin_dir``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        prelude = _PRELUDE.replace("@PYTHON@", sys.executable)
        text = prelude.replace("@REPO_ROOT@", str(REPO_ROOT)) + _BODIES[tool]
        path = bin_dir / tool
        path.write_text(text, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bin_dir


def read_calls(log: Path) -> list[dict]:
    """The calls the fake tools logged, in order."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


if __name__ == "__main__":  # pragma: no cover - manual use: write the fakes somewhere
    install_fake_tools(Path(sys.argv[1]))
    print(os.path.abspath(sys.argv[1]))
