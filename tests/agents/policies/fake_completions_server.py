"""A stand-in OpenAI-compatible completions server on 127.0.0.1, started and stopped by tests.

It answers ``POST /v1/completions`` and ``GET /v1/models`` with the JSON vLLM's OpenAI server
documents (``vllm/entrypoints/openai/completion/protocol.py``: ``choices`` with ``index``,
``text``, ``logprobs.{tokens, token_logprobs, top_logprobs, text_offset}``,
``finish_reason``, ``stop_reason``; ``usage``). What it answers is up to a ``respond``
callable given the request body; queued ``faults`` (an HTTP status, a hang, garbage) are
served first, one per request. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Fault:
    """One abnormal answer: an error status (with headers), a hang, or a non-JSON body."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    hang: bool = False


def choice(index: int, text: str, token_logprobs: list[float], tokens: list[str] | None = None):
    """A completions ``choice`` as vLLM writes it."""
    tokens = tokens if tokens is not None else [f"t{i}" for i in range(len(token_logprobs))]
    offsets, at = [], 0
    for token in tokens:
        offsets.append(at)
        at += len(token)
    return {
        "index": index,
        "text": text,
        "logprobs": {
            "text_offset": offsets,
            "token_logprobs": token_logprobs,
            "tokens": tokens,
            "top_logprobs": [{t: lp} for t, lp in zip(tokens, token_logprobs, strict=True)],
        },
        "finish_reason": "stop",
        "stop_reason": None,
    }


def response(choices: list[dict[str, Any]], model: str = "fake-prover") -> dict[str, Any]:
    """A completions response around ``choices``."""
    tokens = sum(len(c["logprobs"]["token_logprobs"]) for c in choices if c.get("logprobs"))
    return {
        "id": "cmpl-fake",
        "object": "text_completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": {"prompt_tokens": 1, "completion_tokens": tokens, "total_tokens": tokens + 1},
    }


class FakeCompletionsServer:
    """The server; use as a context manager (it binds a free port on 127.0.0.1)."""

    def __init__(
        self, respond: Callable[[dict[str, Any]], dict[str, Any]], models=("fake-prover",)
    ):
        self.respond = respond
        self.models = list(models)
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.released = threading.Event()  # set at shutdown: hanging handlers return
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeCompletionsServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, payload: dict[str, Any] | None) -> None:
                owner.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers),
                     "json": payload}
                )  # fmt: skip
                if owner.faults:
                    fault = owner.faults.pop(0)
                    if fault.hang:
                        owner.released.wait(30)
                        return
                    if fault.status != 200 or fault.body is not None:
                        body = fault.body
                        if body is None:
                            body = json.dumps(
                                {"error": {"message": f"fake error {fault.status}",
                                           "type": "BadRequestError", "code": fault.status}}
                            ).encode()  # fmt: skip
                        self._send(fault.status, body, fault.headers)
                        return
                if self.command == "GET" and self.path == "/v1/models":
                    data = [{"id": m, "object": "model", "owned_by": "vllm"} for m in owner.models]
                    self._send(200, json.dumps({"object": "list", "data": data}).encode(), {})
                elif self.command == "POST" and self.path == "/v1/completions":
                    body = json.dumps(owner.respond(payload or {})).encode()
                    self._send(200, body, {})
                else:
                    self._send(404, b'{"error": {"message": "not found"}}', {})

            def do_GET(self) -> None:
                self._handle(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self._handle(json.loads(self.rfile.read(length) or b"{}"))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
