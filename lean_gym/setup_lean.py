"""``lean-gym setup-lean``: a Lake project with the REPL (and Mathlib), built and smoke-tested.

The steps are the ones the leanprover-community/repl README and kimina-lean-server's
``setup.sh`` take, made explicit so that a user can run them by hand:

1. check that ``elan``, ``git`` and ``lake`` are installed (elan brings ``lake``);
2. check the network and that the REPL (and Mathlib) have a git tag for the Lean version
   (``git ls-remote``): the REPL is tagged per Lean release, and a REPL built for another Lean
   cannot load that Lean's ``.olean`` files;
3. install the toolchain (``elan toolchain install``);
4. write ``lean-toolchain`` and ``lakefile.toml`` pinning Lean, the REPL tag (and the Mathlib
   tag);
5. ``lake update`` (clones the pinned dependencies, writes ``lake-manifest.json``);
6. ``lake exe cache get`` with Mathlib (its prebuilt ``.olean`` files: minutes instead of hours);
7. ``lake build repl``;
8. one smoke check through lean_gym's own REPL client (``ReplBackend``): start a theorem, run a
   tactic, verify the proof through the integrity rules;

then prints the settings to use (``LEAN_GYM_PROJECT=...``). Every step is printed before any
runs; ``--dry-run`` prints them and stops. A missing tool, no network, a missing tag or a failing
step is one line on stderr (the full output of each step goes to ``DIR/setup-lean.log``).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace
from lean_gym.errors import SetupError

__all__ = [
    "DEFAULT_LEAN_VERSION",
    "REPL_GIT_URL",
    "MATHLIB_GIT_URL",
    "SetupLeanArgs",
    "SetupError",
    "Step",
    "plan",
    "lakefile_text",
    "run_setup",
    "register",
    "main",
]

# The version kimina-lean-server pins (server/settings.py, setup.sh): the REPL and Mathlib both
# have a tag for it, and kimina's users run miniF2F-style Mathlib proofs on it.
DEFAULT_LEAN_VERSION = "v4.26.0"
REPL_GIT_URL = "https://github.com/leanprover-community/repl"
MATHLIB_GIT_URL = "https://github.com/leanprover-community/mathlib4"
# The first line of the lakefile this command writes: a directory holding it is ours to reuse.
LAKEFILE_MARKER = "# Written by `lean-gym setup-lean`."
LOG_NAME = "setup-lean.log"
_VERSION_RE = re.compile(r"^v4\.\d+\.\d+(-rc\d+)?$")
# Output of git, curl and lake when there is no network (as they print it).
_NETWORK_SIGNS = (
    "could not resolve host",
    "temporary failure in name resolution",
    "network is unreachable",
    "failed to connect",
    "connection timed out",
    "connection refused",
    "unable to access",
    "could not resolve",
    "no route to host",
    "name or service not known",
)
_FILES_WE_WRITE = ("lean-toolchain", "lakefile.toml", LOG_NAME)
_FILES_LAKE_WRITES = ("lake-manifest.json", ".lake", ".gitignore")


@dataclass
class SetupLeanArgs:
    """Arguments of ``lean-gym setup-lean``.

    Attributes:
        lean_version: The Lean release to pin (``v4.X.Y``); the REPL is used at its tag of the
            same name, and Mathlib too with ``--mathlib``.
        mathlib: Also require Mathlib (at the same tag) and fetch its prebuilt cache; needs
            several GB of disk (about 5-7 GB for recent Mathlib).
        dir: The project directory to create (or to finish, if an earlier run made it).
        dry_run: Print the steps and stop; nothing is checked, written or run.
        step_timeout: Seconds each step may take (a Mathlib build from a cold cache is long).
    """

    lean_version: str = DEFAULT_LEAN_VERSION
    mathlib: bool = False
    dir: str = "lean-project"
    dry_run: bool = False
    step_timeout: float = 7200.0


@dataclass(frozen=True)
class Step:
    """One step of the setup, as printed and as run.

    Attributes:
        title: What the step does, in words.
        kind: ``run`` (a command), ``write`` (a file), ``mkdir``, ``tools`` (the tool check)
            or ``smoke`` (the check through lean_gym's client); the last three run in Python.
        argv: The command of a ``run`` step.
        cwd: Where the command runs (None: the current directory).
        write: ``(path, content)`` for a ``write`` step.
        shell: The line printed for a step done in Python (a user's way to do it by hand).
        check: For a ``git ls-remote`` step: the tag that must be in its output.
    """

    title: str
    kind: str = "run"
    argv: tuple[str, ...] | None = None
    cwd: Path | None = None
    write: tuple[Path, str] | None = None
    shell: str | None = None
    check: str | None = None

    def render(self) -> str:
        """The shell text of the step (what a user would type)."""
        if self.write is not None:
            path, content = self.write
            return f"cat > {shlex.quote(str(path))} <<'EOF'\n{content}EOF"
        if self.argv is not None:
            command = shlex.join(self.argv)
            if self.cwd is not None:
                return f"(cd {shlex.quote(str(self.cwd))} && {command})"
            return command
        return self.shell or ""


def lakefile_text(lean_version: str, mathlib: bool) -> str:
    """The ``lakefile.toml`` pinning the REPL (and Mathlib) to the tag ``lean_version``.

    The REPL's package is named ``REPL`` (its own ``lakefile.toml``); its executable ``repl``
    is then built at ``.lake/packages/REPL/.lake/build/bin/repl``.
    """
    lines = [
        LAKEFILE_MARKER,
        f"# Lean {lean_version}, the REPL at its tag {lean_version}"
        + (f", Mathlib at its tag {lean_version}." if mathlib else "."),
        'name = "lean_gym_project"',
        "",
        "[[require]]",
        'name = "REPL"',
        f'git = "{REPL_GIT_URL}"',
        f'rev = "{lean_version}"',
    ]
    if mathlib:
        lines += [
            "",
            "[[require]]",
            'name = "mathlib"',
            f'git = "{MATHLIB_GIT_URL}"',
            f'rev = "{lean_version}"',
        ]
    return "\n".join(lines) + "\n"


def _smoke_theorem(mathlib: bool) -> tuple[Any, str, str]:
    """The smoke theorem, the tactic run on it, and its whole proof.

    Plain Lean for the core project; with Mathlib the header imports it, so the check also
    proves that the Mathlib import loads under the memory cap.
    """
    from lean_gym.types import Theorem

    if mathlib:
        theorem = Theorem(
            "lean_gym_smoke", "(n : ℕ) (h : 0 < n) : 0 < n + n", header="import Mathlib"
        )
        return theorem, "have h2 : 0 < n + n := by omega", "omega"
    theorem = Theorem("lean_gym_smoke", "(a b : Nat) (h : a = b) : b = a")
    return theorem, "subst h", "exact h.symm"


def plan(args: SetupLeanArgs) -> list[Step]:
    """Every step of the setup for ``args``, in order (nothing is run)."""
    directory = Path(args.dir).expanduser().absolute()
    version = args.lean_version
    toolchain = f"leanprover/lean4:{version}"
    steps = [
        Step(
            "check that elan, git and lake are installed",
            kind="tools",
            shell="command -v elan && command -v git && command -v lake",
        ),
        Step(
            f"check the network and the REPL tag {version}",
            argv=("git", "ls-remote", "--tags", REPL_GIT_URL, f"refs/tags/{version}"),
            check=version,
        ),
    ]
    if args.mathlib:
        steps.append(
            Step(
                f"check the Mathlib tag {version}",
                argv=("git", "ls-remote", "--tags", MATHLIB_GIT_URL, f"refs/tags/{version}"),
                check=version,
            )
        )
    steps += [
        Step(
            f"install the toolchain {toolchain}", argv=("elan", "toolchain", "install", toolchain)
        ),
        Step(
            "create the project directory",
            kind="mkdir",
            shell=f"mkdir -p {shlex.quote(str(directory))}",
        ),
        Step(
            "pin the Lean version",
            kind="write",
            write=(directory / "lean-toolchain", f"{toolchain}\n"),
        ),
        Step(
            "require the REPL" + (" and Mathlib" if args.mathlib else ""),
            kind="write",
            write=(directory / "lakefile.toml", lakefile_text(version, args.mathlib)),
        ),
        Step("fetch the pinned dependencies", argv=("lake", "update"), cwd=directory),
    ]
    if args.mathlib:
        steps.append(
            Step(
                "fetch Mathlib's prebuilt files",
                argv=("lake", "exe", "cache", "get"),
                cwd=directory,
            )
        )
    steps += [
        Step("build the REPL", argv=("lake", "build", "repl"), cwd=directory),
        Step(
            "smoke check through lean_gym's REPL client",
            kind="smoke",
            shell=(
                f"(cd {shlex.quote(str(directory))} && printf '%s\\n\\n' "
                + shlex.quote(_smoke_request(args.mathlib))
                + " | lake exe repl)"
            ),
        ),
    ]
    return steps


def _smoke_request(mathlib: bool) -> str:
    import json

    theorem, _, proof = _smoke_theorem(mathlib)
    header = f"{theorem.header}\n" if theorem.header else ""
    return json.dumps({"cmd": header + theorem.declaration(proof)}, ensure_ascii=False)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _looks_offline(text: str) -> bool:
    lowered = text.lower()
    return any(sign in lowered for sign in _NETWORK_SIGNS)


def _check_directory(directory: Path) -> None:
    """Refuses a directory that has files this command did not write (exit code 2)."""
    if not directory.exists():
        return
    if not directory.is_dir():
        raise SetupError(f"--dir {directory} exists and is not a directory", 2)
    lakefile = directory / "lakefile.toml"
    ours = lakefile.is_file() and lakefile.read_text(encoding="utf-8").startswith(LAKEFILE_MARKER)
    entries = [p.name for p in directory.iterdir()]
    foreign = [n for n in entries if n not in _FILES_WE_WRITE + _FILES_LAKE_WRITES]
    if entries and (foreign or not ours) and not (set(entries) <= {LOG_NAME}):
        shown = ", ".join(sorted(foreign or entries)[:3])
        raise SetupError(
            f"--dir {directory} is not empty and was not made by setup-lean ({shown}); "
            "pick a new directory",
            2,
        )


def _check_tools() -> None:
    if shutil.which("elan") is None:
        raise SetupError(
            "elan is not installed (it installs Lean and lake): see "
            "https://github.com/leanprover/elan, then open a new shell and run this again"
        )
    if shutil.which("git") is None:
        raise SetupError("git is not installed; lake needs it to fetch the REPL and Mathlib")
    if shutil.which("lake") is None:
        raise SetupError(
            "elan is installed but `lake` is not on PATH: add ~/.elan/bin to PATH "
            "(source ~/.elan/env) and run this again"
        )


class _Runner:
    """Runs steps, logging each step's full output to ``log`` and echoing it indented."""

    def __init__(self, log: TextIO, out: TextIO, timeout: float):
        self.log = log
        self.out = out
        self.timeout = timeout

    def run(self, step: Step, index: int, total: int) -> str:
        assert step.argv is not None
        self.log.write(f"\n$ {step.render()}\n")
        self.log.flush()
        try:
            proc = subprocess.Popen(
                list(step.argv),
                cwd=step.cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                start_new_session=True,
            )
        except OSError as exc:
            raise SetupError(f"step {index}/{total} ({step.title}) cannot start: {exc}") from None
        lines: list[str] = []
        assert proc.stdout is not None
        stream = proc.stdout

        def pump() -> None:
            for line in stream:
                lines.append(line)
                self.log.write(line)
                self.out.write(f"    {line}" if line.endswith("\n") else f"    {line}\n")

        reader = threading.Thread(target=pump, name="setup-lean-output", daemon=True)
        reader.start()
        try:
            code = proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            reader.join(timeout=5)
            raise SetupError(
                f"step {index}/{total} ({step.title}) took longer than {self.timeout:g} s "
                f"(--step-timeout); output in {self.log.name}"
            ) from None
        reader.join(timeout=5)
        output = "".join(lines)
        self.log.flush()
        if code != 0:
            shown = shlex.join(step.argv)
            if _looks_offline(output):
                raise SetupError(
                    f"step {index}/{total} ({shown}) needs the network and could not reach it: "
                    f"{_first_line(output)}"
                )
            raise SetupError(
                f"step {index}/{total} ({shown}) failed with exit code {code}: "
                f"{_first_line(output) or 'no output'} (full output: {self.log.name})"
            )
        return output


def _kill(proc: subprocess.Popen[str]) -> None:
    import contextlib
    import signal

    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def _available_tags(url: str, runner_timeout: float) -> list[str]:
    """The ``v4.*`` tags of ``url``, newest first (best effort: [] when listing fails)."""
    try:
        out = subprocess.run(
            ["git", "ls-remote", "--tags", url],
            capture_output=True,
            text=True,
            timeout=min(runner_timeout, 120),
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    tags = {
        m.group(1)
        for m in re.finditer(r"refs/tags/(v4\.\d+\.\d+(?:-rc\d+)?)(?:\^\{\})?$", out, re.M)
    }

    def key(tag: str) -> tuple[int, ...]:
        nums = [int(n) for n in re.findall(r"\d+", tag)]
        stable = 0 if "-rc" in tag else 1
        return (*nums[:3], stable, *nums[3:])

    return sorted(tags, key=key, reverse=True)


def _smoke(directory: Path, mathlib: bool, out: TextIO, timeout: float) -> str:
    """Starts the smoke theorem, runs a tactic and verifies its proof through ReplBackend."""
    from lean_gym.backends.base import BackendError, TheoremStartError
    from lean_gym.backends.repl import ReplBackend

    theorem, tactic, proof = _smoke_theorem(mathlib)
    try:
        with ReplBackend(
            project=directory,
            tactic_timeout=min(timeout, 600.0),
            verify_timeout=min(timeout, 600.0),
            startup_timeout=timeout,
        ) as backend:
            root = backend.start(theorem)
            step = backend.run_tactic(root, tactic)
            if not step.ok:
                raise SetupError(
                    f"smoke check: the tactic {tactic!r} failed: {step.message}"  # type: ignore[union-attr]
                )
            verdict = backend.verify(theorem, proof)
    except TheoremStartError as exc:
        raise SetupError(f"smoke check: {exc}") from None
    except BackendError as exc:
        raise SetupError(f"smoke check: {str(exc).splitlines()[0]}") from None
    if not verdict.ok:
        raise SetupError(f"smoke check: the proof was refused ({verdict.reason}: {verdict.detail})")
    line = f"    {root.pp()}\n    {tactic}  ->  ok;  verify({proof!r})  ->  ok\n"
    out.write(line)
    return line


def settings_text(directory: Path, mathlib: bool) -> str:
    """What to set and pass to use the project (printed at the end)."""
    lines = [
        f"Lean project ready: {directory}",
        "Use it with:",
        f"  export LEAN_GYM_PROJECT={shlex.quote(str(directory))}",
        '  gym.make("LeanStep-v0", backend="repl", dataset=...)   # or backend="auto"',
        f'  make_backend("repl", project={str(directory)!r})',
        "  LEAN_GYM_PROJECT=... python -m pytest tests/backends   # the conformance suite",
    ]
    if mathlib:
        lines.append(
            "Each REPL process that imports Mathlib needs at least 9 GB of address space and "
            "several GB of RAM; ReplBackend caps each at memory_limit_mb (default 16384)."
        )
    return "\n".join(lines) + "\n"


def run_setup(
    args: SetupLeanArgs,
    out: TextIO | None = None,
    *,
    smoke: Callable[[Path, bool, TextIO, float], str] = _smoke,
) -> Path:
    """Runs ``lean-gym setup-lean`` (or prints it, with ``dry_run``).

    Args:
        args: The command's arguments.
        out: Where the steps and the settings are printed (default stdout).
        smoke: The smoke check (a parameter so that tests can replace it).

    Returns:
        The project directory.

    Raises:
        SetupError: With the one line to print and the exit code.
    """
    out = sys.stdout if out is None else out
    if not _VERSION_RE.match(args.lean_version):
        raise SetupError(
            f"--lean-version must look like v4.X.Y (a Lean release tag), not {args.lean_version!r}",
            2,
        )
    if args.step_timeout <= 0:
        raise SetupError("--step-timeout must be positive", 2)
    directory = Path(args.dir).expanduser().absolute()
    steps = plan(args)
    total = len(steps)
    what = f"Lean {args.lean_version} + REPL" + (" + Mathlib" if args.mathlib else "")
    out.write(f"# lean-gym setup-lean: {what} in {directory}; the steps, as shell commands:\n")
    for index, step in enumerate(steps, 1):
        out.write(f"# {index}. {step.title}\n{step.render()}\n")
    if args.dry_run:
        out.write("# (dry run: nothing was run)\n")
        return directory
    _check_directory(directory)
    _check_tools()
    out.write("\n")
    log_file: TextIO | None = None
    pending_log: list[str] = []
    try:
        for index, step in enumerate(steps, 1):
            out.write(f"[{index}/{total}] {step.title}\n")
            out.flush()
            started = time.monotonic()
            if step.kind == "tools":
                pass  # checked above, before anything was written
            elif step.kind == "mkdir":
                directory.mkdir(parents=True, exist_ok=True)
            elif step.kind == "write":
                assert step.write is not None
                path, content = step.write
                path.write_text(content, encoding="utf-8")
            elif step.kind == "run":
                assert step.argv is not None
                if log_file is None and directory.is_dir():
                    log_file = open(directory / LOG_NAME, "a", encoding="utf-8")  # noqa: SIM115
                    log_file.write("".join(pending_log))
                runner = _Runner(log_file or _MemoryLog(pending_log), out, args.step_timeout)
                output = runner.run(step, index, total)
                if step.check is not None and f"refs/tags/{step.check}" not in output:
                    url = step.argv[3]
                    tags = _available_tags(url, args.step_timeout)
                    newest = ", ".join(tags[:5]) if tags else "none listed"
                    raise SetupError(
                        f"{url} has no tag {step.check}; pick --lean-version from its tags "
                        f"(newest: {newest})",
                        2,
                    )
            else:
                if log_file is not None:
                    log_file.flush()
                smoke(directory, args.mathlib, out, args.step_timeout)
            out.write(f"    done in {time.monotonic() - started:.1f} s\n")
    finally:
        if log_file is not None:
            log_file.close()
    out.write("\n" + settings_text(directory, args.mathlib))
    return directory


class _MemoryLog:
    """Collects log text until the project directory exists to hold the log file."""

    name = LOG_NAME

    def __init__(self, sink: list[str]):
        self._sink = sink

    def write(self, text: str) -> int:
        self._sink.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def _cmd_setup_lean(ns: argparse.Namespace) -> int:
    args = dataclass_from_namespace(SetupLeanArgs, ns)
    try:
        run_setup(args)
    except SetupError as exc:
        print(f"lean-gym setup-lean: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("lean-gym setup-lean: interrupted", file=sys.stderr)
        return 130
    return 0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Adds ``setup-lean`` to the ``lean-gym`` command line (flags from :class:`SetupLeanArgs`)."""
    parser = subparsers.add_parser(
        "setup-lean",
        help="create, build and smoke-test a Lake project with the Lean REPL (and Mathlib)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_dataclass_arguments(parser, SetupLeanArgs)
    parser.set_defaults(func=_cmd_setup_lean)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lean-gym")
    register(parser.add_subparsers(dest="command", required=True))
    ns = parser.parse_args(["setup-lean", *(argv if argv is not None else sys.argv[1:])])
    return int(ns.func(ns))


if __name__ == "__main__":
    sys.exit(main())
