"""Client for kimina-lean-server's ``POST /api/check``: batched whole-proof checks over HTTP.

The server (project-numina/kimina-lean-server, read at fb2393d) keeps a pool of REPLs keyed by
header and answers a batch of snippets in one request (``server/routers/check.py``)::

    {"snippets": [{"id", "code"}], "timeout": t, "debug": false, "reuse": true}
    -> {"results": [{"id", "time", "response": {...REPL fields...}} | {"id", "time", "error"}]}

It checks whole declarations only; tactic mode needs ``backend='repl'``. Standard library only
(``urllib``). How the server works decides how this client talks to it:

- **API key.** ``server/auth.py`` reads the ``Authorization`` header and strips a ``Bearer ``
  prefix (kimina's own client sends ``Authorization: Bearer KEY``); so does this one.
- **Header and reuse.** ``server/split.py`` cuts each snippet into a header (its leading
  ``import`` lines) and a body; a REPL of the same header is reused, and every body after a
  REPL's first command runs with ``"env": 0`` (``server/repl.py`` ``send``). With a real header
  env 0 is the header's env, so each body runs on the imports alone. With a *blank* header the
  first body itself is env 0, and every later body runs on top of it: the second check of a
  theorem fails with "has already been declared". So a snippet always starts with an
  ``import`` line: ``import Init`` (what Lean imports anyway) when the theorem's header has none.
- **Time.** The server runs a request's snippets concurrently on at most ``MAX_REPLS`` REPLs
  (CPU count - 1 by default), each within ``timeout`` (a cold REPL's header gets ``timeout``
  more), and when the client hangs up it cancels the request and *kills* the REPLs it held
  (``routers/check.py``: ``is_disconnected`` then ``destroy_repl``). A snippet that waits more
  than ``MAX_WAIT`` (60 s) for a REPL makes the whole request a 429. So the HTTP deadline is
  sized from the batch: ``ceil(batch / server_repls)`` waves of ``2 * timeout`` each, plus
  ``http_timeout``; a 429 on a batch splits it in halves (smaller batches wait less), and a 429
  on one snippet is retried with exponential backoff. 5xx answers and dropped connections are
  retried the same way; a refused connection is not (the server is not there).
- **Axioms.** ``#print axioms _root_.NAME`` is the snippet's last line; its answer is read only
  from the message *at that line* (the server shifts body positions back to the snippet's
  lines, ``_apply_header_offset``), never from another message that looks like one (a proof's
  ``trace "'NAME' does not depend on any axioms"``).

Any failure of a call becomes ``CheckOutput(error=LeanError(...))`` naming the URL, so a reward
function never raises because the server is down.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lean_gym.backends.base import DEFAULT_TACTIC_TIMEOUT, DEFAULT_VERIFY_TIMEOUT, BackendBase
from lean_gym.backends.repl_answers import bare_error, messages_of, parse_axioms
from lean_gym.errors import BackendError
from lean_gym.types import CheckOutput, LeanError, ProofState, TacticResult, Theorem

__all__ = ["KiminaBackend", "snippet_code", "Snippet", "API_KEY_ENV_VAR"]

CHECK_PATH = "/api/check"
# kimina-lean-server's server/auth.py: APIKeyHeader(name="Authorization"), "Bearer " stripped.
API_KEY_HEADER = "Authorization"
# The variable kimina's own client reads the key from (client/kimina_client/base.py).
API_KEY_ENV_VAR = "LEAN_SERVER_API_KEY"
# Seconds the HTTP call may take beyond the Lean work (queueing, transfer).
HTTP_SLACK = 30.0
# What Lean imports when a file has no header: the header of a snippet whose theorem has none.
BLANK_HEADER_IMPORT = "import Init"
_RETRIED_STATUS = (429, 500, 502, 503, 504)
_MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class Snippet:
    """One snippet sent to the server.

    Attributes:
        code: The snippet's Lean code.
        axioms_line: The 1-based line of its ``#print axioms`` command, where the server
            reports that command's answer.
    """

    code: str
    axioms_line: int


def snippet(theorem: Theorem, text: str) -> Snippet:
    """The snippet for one check: the header's ``import`` lines first (``import Init`` when it
    has none), the rest of the header, the declaration, then ``#print axioms _root_.NAME``.

    kimina's ``split_snippet`` takes only the *leading* import and blank lines as the header, so
    imports go first even when the theorem's header puts a comment before them (Lean allows
    comments there); see the module docstring for why a snippet always has an import.
    """
    lines = theorem.header.strip().splitlines()
    imports = [line.strip() for line in lines if line.strip().startswith("import ")]
    rest = "\n".join(line for line in lines if not line.strip().startswith("import ")).strip()
    parts = ["\n".join(imports) if imports else BLANK_HEADER_IMPORT]
    if rest:
        parts.append(rest)
    parts.append(text.rstrip())
    body = "\n".join(parts)
    axioms_line = body.count("\n") + 2
    return Snippet(f"{body}\n#print axioms _root_.{theorem.name}\n", axioms_line)


def snippet_code(theorem: Theorem, text: str) -> str:
    """The code of :func:`snippet`."""
    return snippet(theorem, text).code


class KiminaBackend(BackendBase):
    """Whole-proof checking through a running kimina-lean-server.

    Args:
        url: The server's base URL.
        api_key: Sent as ``Authorization: Bearer KEY`` (the server's ``LEAN_SERVER_API_KEY``);
            defaults to ``$LEAN_SERVER_API_KEY``, as kimina's own client does.
        tactic_timeout: Kept for the common constructor signature (tactic mode is unsupported).
        verify_timeout: Default Lean timeout in seconds for each snippet.
        http_timeout: Seconds an HTTP exchange may take beyond the Lean work it waits for.
        max_retries: How many times a 429, a 5xx or a dropped connection is retried.
        backoff: The first retry delay in seconds; it doubles each retry, capped at 30 s.
        batch_size: Most snippets sent in one request by :meth:`check_many`.
        server_repls: How many REPLs the server runs at once (its ``LEAN_SERVER_MAX_REPLS``);
            sizes the HTTP deadline of a batch. The default 1 assumes the worst, so a slow batch
            is never cut off (which would make the server kill its REPLs).
        reuse: The request's ``reuse`` field (REPLs of the same header are reused).
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
        batch_size: int = 8,
        server_repls: int = 1,
        reuse: bool = True,
    ):
        super().__init__(tactic_timeout=tactic_timeout, verify_timeout=verify_timeout)
        if server_repls < 1:
            raise ValueError("server_repls must be at least 1")
        self.url = url.rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV_VAR) or None
        self.http_timeout = http_timeout
        self.max_retries = max(0, max_retries)
        self.backoff = backoff
        self.batch_size = max(1, batch_size)
        self.server_repls = server_repls
        self.reuse = reuse
        self.requests_sent = 0

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

    def http_deadline(self, batch: int, timeout: float) -> float:
        """Seconds to wait for the answer to a batch of ``batch`` snippets.

        The server runs them in ``ceil(batch / server_repls)`` waves; each snippet may take
        ``timeout`` and a cold REPL's header ``timeout`` more (``routers/check.py``).
        """
        waves = math.ceil(max(1, batch) / self.server_repls)
        return waves * 2 * max(1, math.ceil(timeout)) + self.http_timeout

    def _check_batch(
        self, items: Sequence[tuple[Theorem, str]], timeout: float
    ) -> list[CheckOutput]:
        snippets = [snippet(theorem, text) for theorem, text in items]
        ids = [f"{theorem.name}-{uuid.uuid4().hex[:12]}" for theorem, _ in items]
        payload = {
            "snippets": [
                {"id": snippet_id, "code": s.code}
                for snippet_id, s in zip(ids, snippets, strict=True)
            ],
            # The server's field is an integer number of seconds (CheckRequest.timeout: int).
            "timeout": max(1, math.ceil(timeout)),
            "debug": False,
            "reuse": self.reuse,
        }
        answer = self._post(
            payload, self.http_deadline(len(items), timeout), split_on_busy=len(items) > 1
        )
        if answer is None:
            # A 429: smaller batches wait less for a REPL (the server's MAX_WAIT). Halve them.
            time.sleep(min(self.backoff, _MAX_BACKOFF))
            half = len(items) // 2
            return self._check_batch(items[:half], timeout) + self._check_batch(
                items[half:], timeout
            )
        if isinstance(answer, LeanError):
            return [CheckOutput(error=answer) for _ in items]
        by_id: dict[str, dict[str, Any]] = {}
        for result in answer.get("results") or []:
            if isinstance(result, dict) and isinstance(result.get("id"), str):
                by_id[result["id"]] = result
        outputs = []
        for snippet_id, (theorem, _), s in zip(ids, items, snippets, strict=True):
            result = by_id.get(snippet_id)
            if result is None:
                error = LeanError("crash", f"{self.url}{CHECK_PATH} gave no result for a snippet")
                outputs.append(CheckOutput(error=error))
            else:
                outputs.append(self._output(theorem, result, s.axioms_line))
        return outputs

    def _output(self, theorem: Theorem, result: dict[str, Any], axioms_line: int) -> CheckOutput:
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
        # The #print axioms answer is the message at the command's own line; every other
        # message is the proof's (and stays one, even if it reads like an axioms answer).
        # An error there (a proof that swallowed the command's first token) stays an error.
        at_command = tuple(
            m
            for m in messages
            if m.severity in ("info", "information")
            and m.pos is not None
            and m.pos.line == axioms_line
        )
        kept = tuple(m for m in messages if m not in at_command)
        return CheckOutput(messages=kept, axioms=parse_axioms(at_command, theorem.name))

    def _post(
        self, payload: dict[str, Any], http_timeout: float, *, split_on_busy: bool = False
    ) -> dict[str, Any] | LeanError | None:
        """POSTs ``payload`` to /api/check; retries 429, 5xx and dropped connections with
        exponential backoff. Returns the answer, the failure as a value, or None for a 429 when
        ``split_on_busy`` (the caller then halves the batch instead of waiting)."""
        url = f"{self.url}{CHECK_PATH}"
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8", "replace")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers[API_KEY_HEADER] = f"Bearer {self.api_key}"
        delay = self.backoff
        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(min(delay, _MAX_BACKOFF))
                delay = min(delay * 2, _MAX_BACKOFF)
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            self.requests_sent += 1
            try:
                with urllib.request.urlopen(request, timeout=http_timeout) as reply:
                    data = json.loads(reply.read().decode("utf-8", "replace"))
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode("utf-8", "replace")[:300] if exc.fp else ""
                if exc.code in _RETRIED_STATUS:
                    retry_after = exc.headers.get("Retry-After") if exc.headers else None
                    if retry_after and retry_after.replace(".", "", 1).isdigit():
                        delay = float(retry_after)
                    last = f"HTTP {exc.code}: {detail}"
                    if exc.code == 429 and split_on_busy:
                        return None
                    continue
                return LeanError(
                    "crash", f"kimina server at {url} answered HTTP {exc.code}: {detail}"
                )
            except TimeoutError:
                return self._timed_out(url, http_timeout)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                last = f"the connection was dropped ({type(exc).__name__})"
                continue
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError):
                    return self._timed_out(url, http_timeout)
                if isinstance(reason, (ConnectionResetError, BrokenPipeError)):
                    last = f"the connection was dropped ({type(reason).__name__})"
                    continue
                return LeanError("crash", f"cannot reach the kimina server at {url}: {reason}")
            except ValueError as exc:
                return LeanError("crash", f"kimina server at {url} sent invalid JSON: {exc}")
            if not isinstance(data, dict):
                return LeanError("crash", f"kimina server at {url} sent {type(data).__name__}")
            return data
        return LeanError(
            "crash", f"kimina server at {url} failed {self.max_retries + 1} times; last: {last}"
        )

    @staticmethod
    def _timed_out(url: str, seconds: float) -> LeanError:
        return LeanError(
            "timeout",
            f"kimina server at {url} did not answer in {seconds:g} s (the server cancels the "
            "request and restarts the REPLs it held)",
        )
