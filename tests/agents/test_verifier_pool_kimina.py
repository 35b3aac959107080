"""The kimina verifier pool against local stand-ins of kimina-lean-server that answer each
snippet with MiniLean's REPL (the protocol of ``lean_gym/backends/kimina.py``): the local
backend's verdicts, spread over servers; a server that is down or too slow gives verdicts, not
exceptions."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from integrity_corpus import ATTEMPTS, THEOREMS

from agents.verifier_pool_kimina import KiminaVerifierPool
from lean_gym.backends import make_backend
from lean_gym.backends.minilean.repl import MiniLeanRepl
from lean_gym.data import load_theorems


class MiniLeanKimina:
    """``POST /api/check`` answered by a fresh MiniLean REPL per snippet, on 127.0.0.1."""

    def __init__(self, delay: float = 0.0):
        self.snippets = 0
        self.delay = delay
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(outer.delay)
                results = []
                for snippet in payload["snippets"]:
                    outer.snippets += 1
                    response = MiniLeanRepl().handle({"cmd": snippet["code"]})
                    results.append({"id": snippet["id"], "time": 0.01, "response": response})
                body = json.dumps({"results": results}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers():
    started = [MiniLeanKimina(), MiniLeanKimina()]
    yield started
    for server in started:
        server.stop()


def corpus() -> list:
    bench = list(load_theorems("minilean-bench", limit=12))
    pairs = [(t, t.proof) for t in bench if t.proof] + [(t, "rfl") for t in bench[:4]]
    return pairs + [(THEOREMS[a.theorem], a.proof) for a in ATTEMPTS if a.policy is None][:8]


def test_the_kimina_pool_gives_the_local_backends_verdicts(servers):
    pairs = corpus()
    with make_backend("minilean") as backend:
        local = backend.verify_many(pairs)
    assert any(v.ok for v in local) and any(v.reason == "lean_error" for v in local)
    with KiminaVerifierPool([s.url for s in servers], timeout=10.0, batch_size=3) as pool:
        assert [(v.ok, v.reason) for v in pool.verify_many(pairs)] == [
            (v.ok, v.reason) for v in local
        ]
        assert [v.ok for v in pool.verify_many(pairs, batch_size=1)] == [v.ok for v in local]
    # Both servers took work; the text rules kept the refused texts from reaching them.
    assert all(server.snippets > 0 for server in servers)
    refused_by_text = sum(1 for v in local if v.reason not in (None, "lean_error"))
    assert sum(s.snippets for s in servers) == 2 * (len(pairs) - refused_by_text)


def test_a_server_that_is_down_gives_crash_verdicts():
    server = MiniLeanKimina()
    url = server.url
    server.stop()
    pairs = corpus()[:3]
    with KiminaVerifierPool(url, timeout=5.0, backend_kwargs={"max_retries": 0}) as pool:
        verdicts = pool.verify_many(pairs)
    assert [v.reason for v in verdicts] == ["crash"] * 3
    assert all("cannot reach the kimina server" in v.detail for v in verdicts)


def test_a_server_past_the_deadline_gives_timeout_verdicts():
    server = MiniLeanKimina(delay=4.0)
    try:
        with KiminaVerifierPool(server.url, timeout=1.0, grace=0.5, per_server=2) as pool:
            began = time.monotonic()
            verdicts = pool.verify_many(corpus()[:2], batch_size=1)
            assert time.monotonic() - began < 3.5  # two 1.5 s chunks on two slots, plus one
            assert [v.reason for v in verdicts] == ["timeout", "timeout"]
            assert pool.timeouts == 2
    finally:
        server.stop()
