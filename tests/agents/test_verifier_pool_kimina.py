"""The kimina verifier pool against local stand-ins of kimina-lean-server that check each
snippet with MiniLean's REPL (``tests/backends/kimina_server.py``): the local backend's
verdicts, spread over servers; a server that is down or too slow gives verdicts, not
exceptions."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest
from integrity_corpus import ATTEMPTS, THEOREMS

from agents.verifier_pool_kimina import KiminaVerifierPool
from lean_gym.backends import make_backend
from lean_gym.data import load_theorems


def _stand_in_class():
    name = "kimina_server"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "backends" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].KiminaStandIn


KiminaStandIn = _stand_in_class()


@pytest.fixture
def servers():
    with KiminaStandIn() as first, KiminaStandIn() as second:
        yield [first, second]


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
    sent = [
        sum(len(r.get("payload", {}).get("snippets", [])) for r in server.requests)
        for server in servers
    ]
    assert all(count > 0 for count in sent)
    refused_by_text = sum(1 for v in local if v.reason not in (None, "lean_error"))
    assert sum(sent) == 2 * (len(pairs) - refused_by_text)


def test_a_server_that_is_down_gives_crash_verdicts():
    with KiminaStandIn() as server:
        url = server.url
    pairs = corpus()[:3]
    with KiminaVerifierPool(url, timeout=5.0, backend_kwargs={"max_retries": 0}) as pool:
        verdicts = pool.verify_many(pairs)
    assert [v.reason for v in verdicts] == ["crash"] * 3
    assert all("cannot reach the kimina server" in v.detail for v in verdicts)


def test_a_slow_server_gives_timeout_verdicts_and_the_pool_keeps_its_deadline():
    from agents.verifier_context import verify_chunk

    with KiminaStandIn(lean_delay=3.0) as server:
        pool = KiminaVerifierPool(server.url, timeout=1.0, grace=0.5, per_server=2)
        with pool:
            # The server's own timeout (1 s a snippet) answers first: timeout verdicts.
            verdicts = pool.verify_many(corpus()[:2], batch_size=1)
            assert [v.reason for v in verdicts] == ["timeout", "timeout"]
            # A deadline shorter than the server's answer: the pool gives up on its own.
            began = time.monotonic()
            results = pool.map(verify_chunk, [corpus()[:1], corpus()[1:2]], deadline=0.2)
            assert time.monotonic() - began < 1.0
            assert [r.status for r in results] == ["timeout", "timeout"]
            assert pool.timeouts == 2
