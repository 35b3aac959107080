"""Lean-fidelity conformance: every case of ``conformance_cases.py`` on three targets.

Targets:
- ``in_process``: MiniLean's protocol handler, ``MiniLeanRepl().handle(request)``;
- ``server``: the MiniLean server process ``python -m lean_gym.backends.minilean``, driven with
  the REPL framing (a JSON request then a blank line; an answer likewise);
- ``real_lean``: ``lake exe repl`` in the Lake project named by ``LEAN_GYM_PROJECT`` (marked
  ``real_lean``; skipped with the reason when Lean is not configured).

Each case runs in a fresh session. Answers are compared structurally: the same keys (the REPL
omits empty lists), the same goals, message severities, positions and texts, proof statuses and
sorries; ids are compared through the symbolic bindings described in ``conformance_cases.py``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest


def _load_cases_module():
    # The cases are data next to this file; load them by path so that the import works under
    # every pytest import mode (tests/ is not a package).
    path = Path(__file__).with_name("conformance_cases.py")
    spec = importlib.util.spec_from_file_location("conformance_cases", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_cases = _load_cases_module()
CASES = _cases.CASES
AnyOf = _cases.AnyOf
ConformanceCase = _cases.ConformanceCase
StartsWith = _cases.StartsWith
Step = _cases.Step

REPO_ROOT = Path(__file__).resolve().parents[2]
MINILEAN_ANSWER_TIMEOUT = 60.0
REAL_LEAN_ANSWER_TIMEOUT = 600.0

# Where the MiniLean protocol handler may live (the first module that defines it is used).
_HANDLER_MODULES = (
    "lean_gym.backends.minilean",
    "lean_gym.backends.minilean.repl_server",
    "lean_gym.backends.minilean.server",
    "lean_gym.backends.minilean.protocol",
    "lean_gym.backends.minilean.backend",
)


def load_minilean_repl_class() -> type:
    """The ``MiniLeanRepl`` class (raises ImportError naming the modules tried)."""
    errors = []
    for name in _HANDLER_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            errors.append(f"{name}: {exc}")
            continue
        cls = getattr(module, "MiniLeanRepl", None)
        if cls is not None:
            return cls
        errors.append(f"{name}: no MiniLeanRepl")
    raise ImportError("MiniLeanRepl not found; tried " + "; ".join(errors))


def frame_text(raw: str) -> str:
    """What the REPL makes of a request's lines: each line without its trailing white space,
    joined without line breaks (REPL/Main.lean ``getLines``)."""
    return "".join(line.rstrip() for line in raw.split("\n"))


# ------------------------------------------------------------------------------------------
# Sessions


class InProcessSession:
    def __init__(self) -> None:
        self.repl = load_minilean_repl_class()()

    def ask(self, step: Step, request: dict[str, Any] | None) -> dict[str, Any] | None:
        if request is None:
            assert step.raw is not None
            request = json.loads(frame_text(step.raw))
        return self.repl.handle(request)

    def stderr(self) -> str:
        return ""

    def close(self) -> None:
        close = getattr(self.repl, "close", None)
        if callable(close):
            close()


class ProcessSession:
    """A REPL server process spoken to with the blank-line framing."""

    def __init__(
        self, argv: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None
    ):
        self.timeout = timeout
        self.proc = subprocess.Popen(
            argv,
            cwd=str(cwd),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.err_chunks: list[bytes] = []
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()

    def _pump_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in iter(self.proc.stdout.readline, b""):
            self.lines.put(line)
        self.lines.put(None)

    def _pump_stderr(self) -> None:
        assert self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read1(65536), b""):  # type: ignore[union-attr]
            self.err_chunks.append(chunk)

    def stderr(self) -> str:
        return b"".join(self.err_chunks).decode("utf-8", "replace")

    def ask(self, step: Step, request: dict[str, Any] | None) -> dict[str, Any] | None:
        """Sends one request; returns the answer, or None if the process ended instead."""
        text = step.raw if request is None else json.dumps(request, ensure_ascii=False)
        assert text is not None
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(text.encode("utf-8") + b"\n\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return None
        deadline = time.monotonic() + self.timeout
        buf: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no answer within {self.timeout}s to {text[:200]!r}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                if buf:
                    raise AssertionError(f"process ended in the middle of an answer: {buf!r}")
                return None
            decoded = line.decode("utf-8")
            if decoded.strip():
                buf.append(decoded)
            elif buf:
                return json.loads("".join(buf))

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except Exception:
                self.proc.kill()
                self.proc.wait(timeout=5)


def open_session(target: str) -> InProcessSession | ProcessSession:
    if target == "in_process":
        return InProcessSession()
    if target == "server":
        env = dict(os.environ)
        env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        return ProcessSession(
            [sys.executable, "-m", "lean_gym.backends.minilean"],
            REPO_ROOT,
            MINILEAN_ANSWER_TIMEOUT,
            env,
        )
    if target == "real_lean":
        project = os.environ.get("LEAN_GYM_PROJECT")
        lake = shutil.which("lake")
        if not project or not lake:
            pytest.skip("real Lean not configured: set LEAN_GYM_PROJECT and put `lake` on PATH")
        return ProcessSession([lake, "exe", "repl"], Path(project), REAL_LEAN_ANSWER_TIMEOUT)
    raise ValueError(target)


# ------------------------------------------------------------------------------------------
# Comparison


def _kind(symbol: str) -> str:
    return re.sub(r"\d+$", "", symbol)


class UnboundSymbol(Exception):
    """A request refers to an id that no earlier answer gave (that answer did not match)."""


class Bindings:
    """Symbolic ids (``$env0``, ``$ps3``) bound to the ids a target returned."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, symbol: str, value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected an id for {symbol}, got {value!r}")
            return
        if symbol in self.values:
            if self.values[symbol] != value:
                errors.append(f"{path}: {symbol} was {self.values[symbol]}, now {value}")
            return
        for other, bound in self.values.items():
            if _kind(other) == _kind(symbol) and bound == value:
                errors.append(f"{path}: {symbol} got id {value}, already given to {other}")
        self.values[symbol] = value

    def substitute(self, obj: Any) -> Any:
        if isinstance(obj, str) and obj.startswith("$"):
            if obj not in self.values:
                raise UnboundSymbol(f"{obj} was not bound by an earlier answer")
            return self.values[obj]
        if isinstance(obj, dict):
            return {k: self.substitute(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.substitute(v) for v in obj]
        return obj


def compare(expected: Any, actual: Any, binds: Bindings, path: str, errors: list[str]) -> None:
    """Appends to ``errors`` every difference between an expected and an actual answer."""
    if isinstance(expected, str) and expected.startswith("$"):
        binds.bind(expected, actual, path, errors)
    elif isinstance(expected, (AnyOf, StartsWith)):
        if not expected.matches(actual):
            errors.append(f"{path}: expected {expected}, got {actual!r}")
    elif isinstance(expected, dict):
        if not isinstance(actual, dict):
            errors.append(f"{path}: expected an object, got {actual!r}")
            return
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing:
            errors.append(f"{path}: missing fields {missing} (answer: {actual!r})")
        if extra:
            errors.append(f"{path}: unexpected fields {extra} = {[actual[k] for k in extra]!r}")
        for key, value in expected.items():
            if key in actual:
                compare(value, actual[key], binds, f"{path}.{key}", errors)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            errors.append(f"{path}: expected {len(expected)} items {expected!r}, got {actual!r}")
            return
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            compare(e, a, binds, f"{path}[{i}]", errors)
    elif expected != actual or type(expected) is not type(actual):
        errors.append(f"{path}: expected {expected!r}, got {actual!r}")


def read_uncaught(stderr: str) -> dict[str, Any] | None:
    """The JSON object of Lean's ``uncaught exception: {...}`` line, if any."""
    m = re.search(r"uncaught exception:\s*(\{.*\})", stderr, re.S)
    if not m:
        return None
    try:
        return json.loads(m.group(1))
    except json.JSONDecodeError:
        return None


def run_case(case: ConformanceCase, target: str) -> list[dict[str, Any] | None]:
    """Runs a case on a target; fails with every difference found. Returns the answers."""
    if case.process_only and target == "in_process":
        pytest.skip("framing case: it is not a JSON request, so only a server process can get it")
    session = open_session(target)
    binds = Bindings()
    errors: list[str] = []
    answers: list[dict[str, Any] | None] = []
    try:
        for index, step in enumerate(case.steps):
            try:
                request = None if step.request is None else binds.substitute(step.request)
            except UnboundSymbol as exc:
                errors.append(f"step {index}: cannot be sent: {exc}")
                break
            answer = session.ask(step, request)
            if answer is None and step.ends_session:
                time.sleep(0.2)
                answer = read_uncaught(session.stderr())
            answers.append(answer)
            if answer is None:
                errors.append(
                    f"step {index}: no answer (process ended); stderr: {session.stderr()[-2000:]}"
                )
                break
            compare(step.expect, answer, binds, f"step {index}", errors)
    finally:
        session.close()
    if errors:
        pytest.fail(f"{case.name} on {target} ({case.source}):\n" + "\n".join(errors))
    return answers


TARGET_PARAMS = [
    pytest.param("in_process", id="in_process"),
    pytest.param("server", id="server"),
    pytest.param("real_lean", id="real_lean", marks=pytest.mark.real_lean),
]


@pytest.mark.parametrize("target", TARGET_PARAMS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_conformance(case: ConformanceCase, target: str, request: pytest.FixtureRequest) -> None:
    if case.minilean_divergence and target != "real_lean":
        request.applymarker(pytest.mark.xfail(strict=True, reason=case.minilean_divergence))
    run_case(case, target)


def test_have_by_sorry_keeps_the_true_goal() -> None:
    """Where MiniLean departs from the recorded REPL answer, it reports the real goal."""
    from lean_gym.backends.minilean.repl_server import MiniLeanRepl

    repl = MiniLeanRepl()
    root = repl.handle({"cmd": "theorem foo (x : Int) : x = x := by sorry"})
    state = root["sorries"][0]["proofState"]
    after = repl.handle({"tactic": "have h : x = 1 := by sorry", "proofState": state})
    assert after["goals"] == ["x : Int\nh : x = 1\n⊢ x = x"]
    done = repl.handle({"tactic": "rfl", "proofState": after["proofState"]})
    assert done["goals"] == [] and "messages" not in done


def test_cases_are_well_formed() -> None:
    """Every symbolic id a request uses is bound by an earlier expected answer."""
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    for case in CASES:
        bound: set[str] = set()
        for step in case.steps:
            assert (step.request is None) != (step.raw is None), case.name
            used = re.findall(r'"(\$[a-z]+\d+)"', json.dumps(step.request or {}))
            assert set(used) <= bound, (case.name, used, bound)
            bound |= set(re.findall(r"'(\$[a-z]+\d+)'", repr(step.expect)))


def _key_order_errors(obj: Any, path: str) -> list[str]:
    errors: list[str] = []
    if isinstance(obj, dict):
        keys = list(obj)
        if keys != sorted(keys, reverse=True):
            errors.append(f"{path}: keys {keys}")
        for k, v in obj.items():
            errors.extend(_key_order_errors(v, f"{path}.{k}"))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            errors.extend(_key_order_errors(v, f"{path}[{i}]"))
    return errors


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.name in ("by_cases", "have_by_sorry", "invalid_tactic")],
    ids=lambda c: c.name,
)
def test_server_prints_fields_in_lean_order(case: ConformanceCase) -> None:
    """Lean's JSON objects list their fields in descending key order (every answer of the REPL
    test suite shows it); the MiniLean server prints them the same way."""
    session = open_session("server")
    binds = Bindings()
    errors: list[str] = []
    try:
        for step in case.steps:
            request = None if step.request is None else binds.substitute(step.request)
            answer = session.ask(step, request)
            assert answer is not None, session.stderr()[-2000:]
            compare(step.expect, answer, binds, "answer", [])
            errors.extend(_key_order_errors(answer, "answer"))
    finally:
        session.close()
    assert not errors, "\n".join(errors)


def test_framing_joins_lines_like_lean() -> None:
    assert frame_text('{"cmd": "a := by\nsorry"}') == '{"cmd": "a := bysorry"}'
    assert frame_text('{"cmd": "x\\n\n  y"}  ') == '{"cmd": "x\\n  y"}'


def test_compare_reports_differences() -> None:
    binds = Bindings()
    errors: list[str] = []
    compare({"env": "$env0", "messages": []}, {"env": 3}, binds, "a", errors)
    assert any("missing fields" in e for e in errors)
    errors.clear()
    compare({"proofState": "$ps1"}, {"proofState": 3}, binds, "b", errors)
    assert errors and "already given to $env0" not in errors[0] or not errors
    errors.clear()
    compare({"proofState": "$ps2"}, {"proofState": 3}, binds, "c", errors)
    assert errors == ["c.proofState: $ps2 got id 3, already given to $ps1"]
    errors.clear()
    compare({"goals": ["⊢ p"]}, {"goals": ["⊢ q"]}, binds, "d", errors)
    assert errors == ["d.goals[0]: expected '⊢ p', got '⊢ q'"]
    assert read_uncaught('uncaught exception: {"message": "Could not parse JSON:\\nx"}') == {
        "message": "Could not parse JSON:\nx"
    }
