"""The `python -m lean_gym.backends.minilean` server process: framing and robustness."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.fixture
def server():
    proc = subprocess.Popen(
        [sys.executable, "-m", "lean_gym.backends.minilean"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


def read_answer(proc) -> dict:
    lines = []
    while True:
        line = proc.stdout.readline()
        assert line, "server closed its output"
        if not line.strip():
            if lines:
                break
            continue
        lines.append(line)
    return json.loads(b"".join(lines).decode("utf-8"))


def send(proc, payload: bytes) -> dict:
    proc.stdin.write(payload + b"\n\n")
    proc.stdin.flush()
    return read_answer(proc)


def ask(proc, request: dict) -> dict:
    return send(proc, json.dumps(request, ensure_ascii=False).encode("utf-8"))


def test_session_and_robustness(server):
    out = ask(server, {"cmd": "theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by sorry"})
    assert out["sorries"][0]["goal"] == "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q"
    ps = out["sorries"][0]["proofState"]
    assert send(server, b'{"cmd": oops')["message"].startswith("Could not parse JSON")
    assert "message" in send(server, b"\xff\xfe\x00garbage\x80")
    big = ask(server, {"tactic": "exact " + "h" * 1_000_000, "proofState": ps})
    assert "message" in big and "too large" in big["message"]
    assert ask(server, {"tactic": "exact hp", "proofState": 999}) == {
        "message": "Unknown proof state."
    }
    # Multi-line JSON request (pretty-printed) is accepted like the REPL's getLines.
    pretty = json.dumps({"tactic": "constructor", "proofState": ps}, indent=1).encode()
    out = send(server, pretty)
    assert out["proofStatus"] == "Incomplete: open goals remain"
    out = ask(server, {"tactic": "exact hp", "proofState": out["proofState"]})
    out = ask(server, {"tactic": "exact hq", "proofState": out["proofState"]})
    assert out["proofStatus"] == "Completed"
    server.stdin.close()
    assert server.wait(timeout=10) == 0
