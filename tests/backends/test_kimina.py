"""The kimina-lean-server client against the kimina stand-in (``kimina_server.py``).

The stand-in answers ``/api/check`` as kimina-lean-server fb2393d does (auth, request model,
header split, REPL reuse and env 0, timeouts, 429 when no REPL frees up within MAX_WAIT, REPLs
killed on a client disconnect), with MiniLean checking the snippets. The same client is held to
the backend contract in ``test_backend_conformance.py``; these tests cover the HTTP side.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from lean_gym.backends import make_backend
from lean_gym.backends.kimina import BLANK_HEADER_IMPORT, KiminaBackend, snippet, snippet_code
from lean_gym.errors import BackendError
from lean_gym.integrity import IntegrityPolicy
from lean_gym.types import Message, Position, Theorem


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


stand_in = _load("kimina_server")
KiminaStandIn = stand_in.KiminaStandIn

AND = Theorem("kimina_and", "(p q : Prop) (hp : p) (hq : q) : p ∧ q")
PROOF = "exact ⟨hp, hq⟩"
MATHLIB = Theorem(
    "kimina_nat",
    "(n : ℕ) : n + 0 = n",
    header="import Mathlib\nimport Mathlib.Tactic\n\nset_option maxHeartbeats 400000\n\nopen Nat",
)


def test_split_snippet_is_kiminas():
    header, body, lines = stand_in.split_snippet(
        "import Mathlib.Data.Nat\nimport Aesop\n\nimport Mathlib\nopen Nat\ntheorem t : True := by trivial"
    )
    assert header == "import Mathlib\nimport Aesop"
    assert body == "open Nat\ntheorem t : True := by trivial"
    assert lines == 4


def test_snippet_layout():
    s = snippet(AND, AND.declaration(PROOF))
    assert s.code.startswith(f"{BLANK_HEADER_IMPORT}\ntheorem kimina_and")
    assert s.code.splitlines()[s.axioms_line - 1] == "#print axioms _root_.kimina_and"
    m = snippet(MATHLIB, MATHLIB.declaration("simp"))
    assert m.code.startswith("import Mathlib\nimport Mathlib.Tactic\nset_option")
    assert BLANK_HEADER_IMPORT not in m.code
    assert m.code.splitlines()[m.axioms_line - 1] == "#print axioms _root_.kimina_nat"
    assert snippet_code(AND, "x") == snippet(AND, "x").code
    # A header with opens but no import still gets one (kimina would see a blank header).
    opened = Theorem("t", ": True", header="open Nat")
    assert snippet(opened, "theorem t : True := by trivial").code.startswith(
        "import Init\nopen Nat"
    )
    # Imports first, even after a comment (kimina's header is the *leading* import lines).
    commented = Theorem("t", ": True", header="-- from a dataset\nimport Mathlib\nopen Real")
    code = snippet(commented, "theorem t : True := by trivial").code
    assert code.startswith("import Mathlib\n-- from a dataset\nopen Real\ntheorem t")
    assert stand_in.split_snippet(code)[0] == "import Mathlib"


def test_check_and_request_shape():
    with KiminaStandIn(api_key="sekret") as server:
        backend = KiminaBackend(url=server.url, api_key="sekret")
        out = backend.check_declaration(AND, AND.declaration(PROOF), timeout=7.5)
        assert out.error is None and out.axioms == () and out.messages == ()
        (request,) = server.requests
        assert request["path"] == "/api/check"
        assert request["headers"]["Authorization"] == "Bearer sekret"
        payload = request["payload"]
        assert payload["timeout"] == 8 and payload["reuse"] is True and payload["debug"] is False
        assert payload["snippets"][0]["code"] == snippet_code(AND, AND.declaration(PROOF))


def test_api_key_is_a_bearer_token_and_a_wrong_one_is_a_value():
    with KiminaStandIn(api_key="right") as server:
        wrong = KiminaBackend(url=server.url, api_key="wrong").check_declaration(
            AND, AND.declaration(PROOF)
        )
        assert wrong.error is not None and wrong.error.kind == "crash"
        assert "401" in wrong.error.message and "Invalid API key" in wrong.error.message
        assert server.url in wrong.error.message
        missing = KiminaBackend(url=server.url, api_key="").check_declaration(
            AND, AND.declaration(PROOF)
        )
        assert missing.error is not None and "Missing API key" in missing.error.message


def test_api_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("LEAN_SERVER_API_KEY", "from-env")
    with KiminaStandIn(api_key="from-env") as server:
        assert KiminaBackend(url=server.url).verify(AND, PROOF).ok


def test_blank_header_bodies_run_on_the_imports_alone():
    """kimina runs every body after a REPL's first with ``env: 0``; with a blank header env 0
    is the first body, and the same theorem a second time "has already been declared"."""
    with KiminaStandIn(max_repls=1) as server:
        backend = KiminaBackend(url=server.url)
        assert backend.verify(AND, PROOF).ok
        assert backend.verify(AND, "constructor\nexact hp\nexact hq").ok
        # One REPL served both, each body on env 0 = the `import Init` header's env.
        assert server.repls_started == 1
        cmds = [request for _, request in server.commands]
        assert cmds[0] == {"cmd": BLANK_HEADER_IMPORT}
        assert all(c.get("env") == 0 for c in cmds[1:])


def test_the_stand_in_reproduces_kiminas_blank_header_reuse():
    """What a client without a header hits (kept as the stand-in's own check)."""
    import json
    import urllib.request

    with KiminaStandIn(max_repls=1) as server:
        code = "theorem dup : True := by trivial"

        def post() -> dict:
            body = json.dumps({"snippets": [{"id": "a", "code": code}], "timeout": 5}).encode()
            req = urllib.request.Request(
                server.url + "/api/check", data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(req, timeout=30) as reply:
                return json.loads(reply.read())

        first = post()["results"][0]["response"]
        second = post()["results"][0]["response"]
        assert "messages" not in first
        assert any("has already been declared" in m["data"] for m in second["messages"])


def test_check_many_batches_and_keeps_order():
    with KiminaStandIn(max_repls=2) as server:
        backend = KiminaBackend(url=server.url, batch_size=2)
        items = [
            (AND, AND.declaration(p)) for p in (PROOF, "exact hp", PROOF, "sleep 20000", "exact (")
        ]
        outs = backend.check_many(items, timeout=1)
        assert [len(r["payload"]["snippets"]) for r in server.requests] == [2, 2, 1]
        assert outs[0].error is None and outs[0].axioms == ()
        assert outs[2].error is None and outs[2].axioms == ()
        assert outs[1].error is None and outs[1].axioms == ("sorryAx",)  # Lean adds it with sorry
        assert any(m.severity == "error" for m in outs[1].messages)
        assert outs[3].error is not None and outs[3].error.kind == "timeout"
        assert "timed out in 1.0 seconds" in outs[3].error.message
        assert any(m.severity == "error" for m in outs[4].messages)


def test_429_is_retried_with_backoff():
    with KiminaStandIn(busy_answers=2) as server:
        backend = KiminaBackend(url=server.url, backoff=0.05)
        started = time.monotonic()
        assert backend.verify(AND, PROOF).ok
        assert len(server.requests) == 3
        assert time.monotonic() - started >= 0.05 + 0.1
    with KiminaStandIn(busy_answers=10) as server:
        out = KiminaBackend(url=server.url, backoff=0.01, max_retries=2).check_declaration(
            AND, AND.declaration(PROOF)
        )
        assert out.error is not None and out.error.kind == "crash" and "429" in out.error.message
        assert len(server.requests) == 3


def test_a_busy_batch_is_split_until_it_fits_the_servers_wait():
    """One REPL, a MAX_WAIT shorter than four slow snippets: kimina answers the batch with 429;
    halves of it fit."""
    with KiminaStandIn(max_repls=1, max_wait=0.7, lean_delay=0.4) as server:
        backend = KiminaBackend(url=server.url, backoff=0.01, batch_size=4)
        verdicts = backend.verify_many([(AND, PROOF)] * 4, timeout=5)
        assert [v.ok for v in verdicts] == [True] * 4
        sizes = [len(r["payload"]["snippets"]) for r in server.requests if "payload" in r]
        assert sizes[0] == 4 and max(sizes[1:]) < 4


def test_a_slow_batch_is_waited_for_not_cut_off():
    """Six snippets of 1.2 s on two REPLs take three waves. A deadline of one snippet's timeout
    plus slack (the old sizing) would hang up mid-batch, and kimina then kills its REPLs."""
    with KiminaStandIn(max_repls=2, lean_delay=1.2) as server:
        backend = KiminaBackend(url=server.url, http_timeout=0.5, server_repls=2, batch_size=6)
        assert backend.http_deadline(6, 2) == 3 * 2 * 2 + 0.5
        verdicts = backend.verify_many([(AND, PROOF)] * 6, timeout=2)
        assert [v.ok for v in verdicts] == [True] * 6
        assert server.disconnects == 0 and server.repls_destroyed == 0


def test_a_client_timeout_is_a_value_and_the_server_sees_the_disconnect():
    with KiminaStandIn(max_repls=1, lean_delay=5.0) as server:
        backend = KiminaBackend(url=server.url, http_timeout=0.0, server_repls=1)
        # Force a deadline shorter than the work: the answer cannot come in time.
        backend.http_deadline = lambda batch, timeout: 0.5  # type: ignore[method-assign]
        began = time.monotonic()
        out = backend.check_declaration(AND, AND.declaration(PROOF), timeout=10)
        assert out.error is not None and out.error.kind == "timeout"
        assert time.monotonic() - began < 5
        deadline = time.monotonic() + 5
        while server.disconnects == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.disconnects == 1 and server.repls_destroyed == 1


def test_dropped_connections_and_server_errors_are_retried_then_values():
    with KiminaStandIn(drop_connections=1, server_errors=1) as server:
        backend = KiminaBackend(url=server.url, backoff=0.01)
        assert backend.verify(AND, PROOF).ok
        assert len(server.requests) == 3
    with KiminaStandIn(server_errors=10) as server:
        out = KiminaBackend(url=server.url, backoff=0.01, max_retries=1).check_declaration(
            AND, AND.declaration(PROOF)
        )
        assert out.error is not None and out.error.kind == "crash"
        assert "500" in out.error.message and server.url in out.error.message
    with KiminaStandIn(drop_connections=10) as server:
        out = KiminaBackend(url=server.url, backoff=0.01, max_retries=1).check_declaration(
            AND, AND.declaration(PROOF)
        )
        assert out.error is not None and out.error.kind == "crash"
        assert "dropped" in out.error.message


def test_unreachable_server_is_a_value_quickly():
    with KiminaStandIn() as server:
        url = server.url
    started = time.monotonic()
    out = KiminaBackend(url=url).check_declaration(AND, AND.declaration(PROOF), timeout=1)
    assert out.error is not None and out.error.kind == "crash" and url in out.error.message
    assert time.monotonic() - started < 10


def test_axioms_are_read_only_at_the_print_axioms_line():
    """A message elsewhere that reads like an axioms answer is the proof's, not Lean's."""
    backend = KiminaBackend(url="http://127.0.0.1:9")
    s = snippet(AND, AND.declaration(PROOF))
    spoof = {
        "severity": "info",
        "pos": {"line": 3, "column": 2},
        "data": "'kimina_and' does not depend on any axioms",
    }
    real = {
        "severity": "info",
        "pos": {"line": s.axioms_line, "column": 0},
        "data": "'kimina_and' depends on axioms: [Classical.choice, propext]",
    }
    out = backend._output(
        AND, {"id": "x", "response": {"env": 0, "messages": [spoof, real]}}, s.axioms_line
    )
    assert out.axioms == ("Classical.choice", "propext")
    assert out.messages == (Message("info", spoof["data"], Position(3, 2)),)
    only_spoof = backend._output(AND, {"id": "x", "response": {"messages": [spoof]}}, s.axioms_line)
    assert only_spoof.axioms is None  # unknown, so integrity refuses it


def test_spoofed_axioms_through_the_server_are_refused():
    em = Theorem("kimina_em", "(p : Prop) : p ∨ ¬p")
    spoof = f"trace \"'{em.name}' does not depend on any axioms\"\nexact Classical.em p"
    with KiminaStandIn() as server:
        verdict = KiminaBackend(url=server.url).verify(
            em, spoof, policy=IntegrityPolicy(allowed_axioms=frozenset())
        )
        assert not verdict.ok and verdict.reason is not None
        assert verdict.reason.startswith("axiom:"), verdict


def test_tactic_mode_is_refused():
    backend = make_backend("kimina", url="http://127.0.0.1:9")
    assert isinstance(backend, KiminaBackend)
    with pytest.raises(BackendError, match="whole-proof checks only"):
        backend.start(AND)
    with backend:
        pass  # close() is a no-op and the context manager works
