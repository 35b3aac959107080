"""Tests of the kimina-lean-server client against a local HTTP server that answers like kimina."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lean_gym.backends import make_backend
from lean_gym.backends.base import BackendError
from lean_gym.backends.kimina import KiminaBackend, snippet_code
from lean_gym.types import Theorem

THM = Theorem("add_zero_test", "(n : Nat) : n + 0 = n", header="import Mathlib")


class FakeKimina:
    """Scripted kimina: records requests; answers by the snippet code's content."""

    def __init__(self, busy_answers: int = 0, api_key: str | None = None):
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.busy_answers = busy_answers
        self.api_key = api_key
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length))
                outer.requests.append({"path": self.path, **payload})
                outer.headers.append(dict(self.headers))
                if outer.api_key and self.headers.get("X-Auth-Token") != outer.api_key:
                    return self.reply(401, {"detail": "Missing API key"})
                if outer.busy_answers > 0:
                    outer.busy_answers -= 1
                    return self.reply(429, {"detail": "No available REPLs"})
                results = [outer.result(s) for s in payload["snippets"]]
                return self.reply(200, {"results": results})

            def reply(self, code, obj):
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def result(snippet: dict) -> dict:
        code, sid = snippet["code"], snippet["id"]
        name = code.split("#print axioms ")[-1].strip()
        if "sleep" in code:
            return {"id": sid, "error": "Lean REPL command timed out in 1.0 seconds", "time": 1.0}
        if "bogus" in code:
            return {
                "id": sid,
                "time": 0.1,
                "response": {"message": "Lean error:\n<input>:1:1: unknown tactic"},
            }
        messages = []
        if "simp" not in code:
            messages.append(
                {
                    "severity": "error",
                    "pos": {"line": 2, "column": 2},
                    "data": "unsolved goals\nn : Nat\n⊢ n + 0 = n",
                }
            )
        else:
            messages.append(
                {
                    "severity": "info",
                    "pos": {"line": 3, "column": 0},
                    "data": f"'{name}' depends on axioms: [propext]",
                }
            )
        return {"id": sid, "time": 0.2, "response": {"env": 0, "messages": messages}}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_check_declaration_success_and_request_shape():
    with FakeKimina() as server:
        backend = KiminaBackend(url=server.url, api_key="sekret")
        out = backend.check_declaration(THM, THM.declaration("simp"), timeout=7.5)
        assert out.error is None
        assert out.axioms == ("propext",)
        assert out.messages == ()  # the #print axioms answer is not a message of the proof
        (request,) = server.requests
        assert request["path"] == "/api/check"
        assert request["timeout"] == 8 and request["reuse"] is True and request["debug"] is False
        code = request["snippets"][0]["code"]
        assert code == snippet_code(THM, THM.declaration("simp"))
        assert code.startswith("import Mathlib\ntheorem add_zero_test")
        assert code.rstrip().endswith("#print axioms add_zero_test")
        assert server.headers[0]["X-Auth-Token"] == "sekret"


def test_check_many_batches_and_keeps_order():
    with FakeKimina() as server:
        backend = KiminaBackend(url=server.url, batch_size=2)
        items = [(THM, THM.declaration(p)) for p in ("simp", "rfl", "simp", "sleep 5000", "bogus")]
        outs = backend.check_many(items, timeout=1)
        assert len(server.requests) == 3
        assert [len(r["snippets"]) for r in server.requests] == [2, 2, 1]
        assert outs[0].axioms == ("propext",) and outs[2].axioms == ("propext",)
        assert outs[1].error is None and outs[1].axioms is None
        assert any(m.severity == "error" and "unsolved goals" in m.data for m in outs[1].messages)
        assert outs[3].error is not None and outs[3].error.kind == "timeout"
        assert outs[4].error is not None and outs[4].error.kind == "parse"


def test_verify_many_is_one_batch_through_the_integrity_rules():
    from lean_gym.backends import SupportsBatchCheck

    with FakeKimina() as server:
        backend = KiminaBackend(url=server.url)
        assert isinstance(backend, SupportsBatchCheck)
        verdicts = backend.verify_many(
            [(THM, "simp"), (THM, "sorry"), (THM, "rfl"), (THM, "simp")], timeout=1
        )
        # the text rules refuse `sorry` before the server; the rest go in one request
        assert [len(r["snippets"]) for r in server.requests] == [3]
        assert [v.ok for v in verdicts] == [True, False, False, True]
        assert verdicts[1].reason == "sorry" and verdicts[2].reason == "lean_error"


def test_429_is_retried_with_backoff():
    with FakeKimina(busy_answers=2) as server:
        backend = KiminaBackend(url=server.url, backoff=0.05)
        started = time.monotonic()
        out = backend.check_declaration(THM, THM.declaration("simp"))
        assert out.error is None and out.axioms == ("propext",)
        assert len(server.requests) == 3
        assert time.monotonic() - started >= 0.05 + 0.1
    with FakeKimina(busy_answers=10) as server:
        backend = KiminaBackend(url=server.url, backoff=0.01, max_retries=2)
        out = backend.check_declaration(THM, THM.declaration("simp"))
        assert out.error is not None and out.error.kind == "crash" and "429" in out.error.message
        assert len(server.requests) == 3


def test_http_errors_and_unreachable_server_are_values():
    with FakeKimina(api_key="right") as server:
        backend = KiminaBackend(url=server.url, api_key="wrong")
        out = backend.check_declaration(THM, THM.declaration("simp"))
        assert (
            out.error is not None and "401" in out.error.message and server.url in out.error.message
        )
    url = server.url  # the server is shut down now: nothing listens on that port
    started = time.monotonic()
    out = KiminaBackend(url=url).check_declaration(THM, THM.declaration("simp"), timeout=1)
    assert out.error is not None and out.error.kind == "crash"
    assert url in out.error.message
    assert time.monotonic() - started < 10


def test_tactic_mode_is_refused():
    backend = make_backend("kimina", url="http://127.0.0.1:9")
    assert isinstance(backend, KiminaBackend)
    with pytest.raises(BackendError, match="whole-proof checks only"):
        backend.start(THM)
    with backend:
        pass  # close() is a no-op and the context manager works
