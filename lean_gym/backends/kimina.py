"""Client for kimina-lean-server's ``POST /api/check``: batched whole-proof checks over HTTP.

The server keeps a pool of REPLs keyed by header and answers a batch of snippets in one request
(see ``shared/REPL-PROTOCOL.md``)::

    {"snippets": [{"id", "code"}], "timeout": t, "debug": false, "reuse": true}
    -> {"results": [{"id", "time", "response": {...REPL fields...}} | {"id", "time", "error"}]}

It checks whole declarations only; tactic mode needs ``backend='repl'``. Standard library only
(``urllib``). A 429 ("No available REPLs") is retried with bounded exponential backoff; any other
failure of the call becomes ``CheckOutput(error=LeanError(...))`` naming the URL, so a reward
function never raises because the server is down.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from typing import Any

from lean_gym.backends.base import DEFAULT_TACTIC_TIMEOUT, DEFAULT_VERIFY_TIMEOUT, BackendBase
from lean_gym.backends.repl_answers import bare_error, messages_of, parse_axioms
from lean_gym.errors import BackendError
from lean_gym.types import CheckOutput, LeanError, ProofState, TacticResult, Theorem

__all__ = ["KiminaBackend", "snippet_code"]

CHECK_PATH = "/api/check"
API_KEY_HEADER = "X-Auth-Token"  # kimina-lean-server's APIKeyHeader name
# Seconds the HTTP call may take beyond the Lean timeout (queueing, header import, transfer).
HTTP_SLACK = 30.0


def _is_axioms_answer(text: str, name: str) -> bool:
    return name in text and ("depends on axioms" in text or "does not depend on any axioms" in text)


def snippet_code(theorem: Theorem, text: str) -> str:
    """The snippet for one check: header, declaration, then ``#print axioms NAME``."""
    parts = [theorem.header.strip(), text.rstrip(), f"#print axioms {theorem.name}"]
    return "\n".join(part for part in parts if part) + "\n"


class KiminaBackend(BackendBase):
    """Whole-proof checking through a running kimina-lean-server.

    Args:
        url: The server's base URL.
        api_key: Sent as ``X-Auth-Token`` when the server requires a key.
        tactic_timeout: Kept for the common constructor signature (tactic mode is unsupported).
        verify_timeout: Default Lean timeout in seconds for each snippet.
        http_timeout: Seconds for one HTTP exchange on top of the Lean timeout; default
            :data:`HTTP_SLACK`.
        max_retries: How many times a 429 answer is retried.
        backoff: The first retry delay in seconds; it doubles each retry, capped at 30 s.
        batch_size: Most snippets sent in one request by :meth:`check_many`.
    """

    name = "kimina"

    def __init__(
        self,
        *,
        url: str = "http://127.0.0.1:8000",
        api_key: str | None = None,
        tactic_timeout: float = DEFAULT_TACTIC_TIMEOUT,
        verify_timeout: float = DEFAULT_VERIFY_TIMEOUT,
        http_timeout: float = HTTP_SLACK,
        max_retries: int = 5,
        backoff: float = 1.0,
        batch_size: int = 64,
    ):
        super().__init__(tactic_timeout=tactic_timeout, verify_timeout=verify_timeout)
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.http_timeout = http_timeout
        self.max_retries = max(0, max_retries)
        self.backoff = backoff
        self.batch_size = max(1, batch_size)

    # -- tactic mode is not what kimina does ---------------------------------------------------

    def start(self, theorem: Theorem, timeout: float | None = None) -> ProofState:
        raise BackendError(
            "kimina does whole-proof checks only (check_declaration / verify); tactic mode "
            "needs backend='repl'"
        )

    def run_tactic(
        self, state: ProofState, tactic: str, timeout: float | None = None
    ) -> TacticResult:
        raise BackendError(
            "kimina does whole-proof checks only (check_declaration / verify); tactic mode "
            "needs backend='repl'"
        )

    def close(self) -> None:
        """Nothing to release: every call is a self-contained HTTP request."""

    # -- checks --------------------------------------------------------------------------------

    def check_declaration(
        self, theorem: Theorem, text: str, timeout: float | None = None
    ) -> CheckOutput:
        """Checks one declaration (header + ``text`` + ``#print axioms``) on the server."""
        return self.check_many([(theorem, text)], timeout)[0]

    def check_many(
        self, items: Sequence[tuple[Theorem, str]], timeout: float | None = None
    ) -> list[CheckOutput]:
        """Checks several declarations, ``batch_size`` snippets per request, in order.

        Args:
            items: ``(theorem, declaration text)`` pairs.
            timeout: The Lean timeout per snippet (seconds; the server takes whole seconds).
        """
        timeout = self.verify_timeout if timeout is None else timeout
        outputs: list[CheckOutput] = []
        for start in range(0, len(items), self.batch_size):
            outputs.extend(self._check_batch(items[start : start + self.batch_size], timeout))
        return outputs

    def _check_batch(
        self, items: Sequence[tuple[Theorem, str]], timeout: float
    ) -> list[CheckOutput]:
        ids = [f"{theorem.name}-{uuid.uuid4().hex[:12]}" for theorem, _ in items]
        payload = {
            "snippets": [
                {"id": snippet_id, "code": snippet_code(theorem, text)}
                for snippet_id, (theorem, text) in zip(ids, items, strict=True)
            ],
            # The server's field is an integer number of seconds.
            "timeout": max(1, math.ceil(timeout)),
            "debug": False,
            "reuse": True,
        }
        answer = self._post(payload, timeout + self.http_timeout)
        if isinstance(answer, LeanError):
            return [CheckOutput(error=answer) for _ in items]
        by_id: dict[str, dict[str, Any]] = {}
        for result in answer.get("results") or []:
            if isinstance(result, dict) and isinstance(result.get("id"), str):
                by_id[result["id"]] = result
        outputs = []
        for snippet_id, (theorem, _) in zip(ids, items, strict=True):
            result = by_id.get(snippet_id)
            if result is None:
                outputs.append(
                    CheckOutput(
                        error=LeanError(
                            "crash", f"{self.url}{CHECK_PATH} gave no result for a snippet"
                        )
                    )
                )
            else:
                outputs.append(self._output(theorem, result))
        return outputs

    def _output(self, theorem: Theorem, result: dict[str, Any]) -> CheckOutput:
        error = result.get("error")
        if error:
            text = str(error)
            kind = "timeout" if "timed out" in text else "crash"
            return CheckOutput(error=LeanError(kind, text))
        response = result.get("response")
        if not isinstance(response, dict):
            return CheckOutput(error=LeanError("crash", f"no response in {result!r:.200}"))
        bare = bare_error(response)
        if bare is not None:
            return CheckOutput(error=bare)
        messages = messages_of(response)
        axioms = parse_axioms(messages, theorem.name)
        # The #print axioms answer is the server's, not the proof's: keep it out of messages.
        kept = tuple(m for m in messages if not _is_axioms_answer(m.data, theorem.name))
        return CheckOutput(messages=kept, axioms=axioms)

    def _post(self, payload: dict[str, Any], http_timeout: float) -> dict[str, Any] | LeanError:
        """POSTs ``payload`` to /api/check, retrying 429 with backoff; errors as values."""
        url = f"{self.url}{CHECK_PATH}"
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8", "replace")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers[API_KEY_HEADER] = self.api_key
        delay = self.backoff
        for attempt in range(self.max_retries + 1):
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=http_timeout) as reply:
                    data = json.loads(reply.read().decode("utf-8", "replace"))
            except urllib.error.HTTPError as exc:
                if exc.code == 429 and attempt < self.max_retries:
                    retry_after = exc.headers.get("Retry-After") if exc.headers else None
                    wait = delay
                    if retry_after and retry_after.replace(".", "", 1).isdigit():
                        wait = float(retry_after)
                    time.sleep(min(wait, 30.0))
                    delay = min(delay * 2, 30.0)
                    continue
                detail = exc.read().decode("utf-8", "replace")[:300] if exc.fp else ""
                return LeanError(
                    "crash", f"kimina server at {url} answered HTTP {exc.code}: {detail}"
                )
            except TimeoutError:
                return LeanError(
                    "timeout", f"kimina server at {url} did not answer in {http_timeout:g} s"
                )
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError):
                    return LeanError(
                        "timeout", f"kimina server at {url} did not answer in {http_timeout:g} s"
                    )
                return LeanError("crash", f"cannot reach the kimina server at {url}: {reason}")
            except ValueError as exc:
                return LeanError("crash", f"kimina server at {url} sent invalid JSON: {exc}")
            if not isinstance(data, dict):
                return LeanError("crash", f"kimina server at {url} sent {type(data).__name__}")
            return data
        return LeanError("crash", f"kimina server at {url} kept answering 429 (no available REPLs)")
