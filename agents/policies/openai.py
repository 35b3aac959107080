"""A policy that samples from any OpenAI-compatible ``/v1/completions`` server.

The spec ``openai:URL`` builds it: ``vllm serve MODEL`` (``http://HOST:8000``), SGLang's
server, or any service speaking the OpenAI completions protocol. One :meth:`propose_batch` is
one request (or one per ``max_prompts_per_request`` prompts) whose ``prompt`` is the list of
the frontier's prompts, with ``n`` samples each, ``logprobs: 1`` (each choice then carries
``logprobs.token_logprobs``, one per generated token), the template's ``stop`` strings,
``max_tokens``, ``temperature``, ``top_p`` (and ``top_k``, ``seed`` when set, which vLLM and
SGLang accept). The answer's ``choices`` are numbered by ``index`` across prompts, prompt
``i``'s ``n`` samples being ``i*n .. i*n+n-1`` (vLLM's
``entrypoints/openai/completion/serving.py``: ``index=len(choices)`` in prompt order).

Only the standard library is used (``urllib``). Each attempt has a timeout; a 429 or 5xx
answer, a refused or reset connection are retried with exponential back-off (``Retry-After``
honoured, capped); anything else, a timeout, or retries spent raise a
:class:`~agents.policies.errors.PolicyError`, which a search counts as one failed expansion.
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any

from agents.policies.errors import PolicyError, PolicyServerError, PolicyTimeoutError
from agents.policies.generation import Completion, ModelPolicy
from lean_gym.data.templates import DEFAULT_TEMPLATE, PromptTemplate

__all__ = ["OpenAIPolicy", "completions_from_response"]

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def completions_from_response(body: Any, num_prompts: int, n: int) -> list[list[Completion]]:
    """The samples of a ``/v1/completions`` answer, grouped by prompt.

    Args:
        body: The decoded JSON answer (``{"choices": [{"index", "text", "logprobs":
            {"token_logprobs": [...], "tokens": [...]}, "finish_reason"}, ...], ...}``).
        num_prompts: How many prompts the request had.
        n: Samples per prompt.

    Raises:
        PolicyError: The answer is not shaped like a completions response.
    """
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        raise PolicyError(f"the server's answer has no 'choices' list: {str(body)[:200]}")
    grouped: list[list[Completion]] = [[] for _ in range(num_prompts)]
    for position, choice in enumerate(body["choices"]):
        if not isinstance(choice, dict) or not isinstance(choice.get("text"), str):
            raise PolicyError(f"malformed choice in the server's answer: {str(choice)[:200]}")
        index = choice.get("index", position)
        if not isinstance(index, int) or not 0 <= index < num_prompts * n:
            raise PolicyError(f"choice index {index!r} out of range for {num_prompts}x{n} samples")
        logprobs = choice.get("logprobs") or {}
        values = logprobs.get("token_logprobs") if isinstance(logprobs, dict) else None
        if values is None:
            raise PolicyError(
                "the server returned no token log-probabilities (does it support 'logprobs'?)"
            )
        token_ids = choice.get("token_ids") or ()
        grouped[index // n].append(
            Completion(
                text=choice["text"],
                logprob=float(sum(v for v in values if v is not None)),
                num_tokens=len(values),
                token_ids=tuple(int(t) for t in token_ids),
                token_logprobs=tuple(float(v) if v is not None else 0.0 for v in values),
            )
        )
    return grouped


class OpenAIPolicy(ModelPolicy):
    """Samples candidates from an OpenAI-compatible completions server.

    Args:
        base_url: The server, ``http://HOST:PORT`` or ``http://HOST:PORT/v1`` (the tail of
            the ``openai:`` spec).
        model: The served model's name; None: the first model ``GET /v1/models`` lists.
        api_key: Sent as ``Authorization: Bearer``; None: ``$OPENAI_API_KEY`` if set.
        template: The prompt template (name or object); it fixes the granularity.
        timeout: Seconds one attempt may wait for the server (connect and each read).
        retries: How many times a 429/5xx answer or a refused connection is retried.
        backoff: The first retry's delay in seconds; it doubles each time (with jitter).
        max_backoff: The longest delay between attempts.
        max_prompts_per_request: Prompts per request (a frontier larger than this is split).
        extra_body: More fields for each request (e.g. ``{"repetition_penalty": 1.1}``).
        **sampling: The sampling settings
            (:class:`~agents.policies.generation.SamplingSettings`): ``temperature`` (0 decodes
            greedily, one candidate), ``top_p``, ``top_k`` (a vLLM/SGLang extension, not sent
            when 0), ``max_new_tokens`` (``max_tokens``), ``oversample``, ``seed`` (request
            ``i`` sends ``seed + i``; not sent when None).
    """

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        template: str | PromptTemplate = DEFAULT_TEMPLATE,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_prompts_per_request: int = 64,
        extra_body: dict[str, Any] | None = None,
        **sampling: Any,
    ) -> None:
        super().__init__(template, **sampling)
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
        if retries < 0:
            raise ValueError(f"retries must be >= 0, got {retries}")
        if max_prompts_per_request < 1:
            raise ValueError(f"max_prompts_per_request must be >= 1, got {max_prompts_per_request}")
        root = base_url.rstrip("/")
        self.base_url = root if root.endswith("/v1") else root + "/v1"
        self.model = model
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_prompts_per_request = max_prompts_per_request
        self.extra_body = dict(extra_body or {})
        self.requests = 0
        # A server on this machine is reached directly, whatever proxy the environment names.
        host = urllib.parse.urlsplit(self.base_url).hostname or ""
        local = host in {"localhost", "127.0.0.1", "::1"} or host.startswith("127.")
        handlers = [urllib.request.ProxyHandler({})] if local else []
        self._opener = urllib.request.build_opener(*handlers)

    # ------------------------------------------------------------------------------- HTTP

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """One JSON request with the retry policy; the decoded answer."""
        url = self.base_url + path
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        last: PolicyServerError | None = None
        retry_after: str | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self._delay(attempt, retry_after))
            retry_after = None
            request = urllib.request.Request(url, data=data, method=method, headers=self._headers())
            self.requests += 1
            try:
                with self._opener.open(request, timeout=self.timeout) as answer:
                    raw = answer.read()
            except urllib.error.HTTPError as exc:
                last = PolicyServerError(
                    f"{method} {url} answered {exc.code}: {_error_text(exc)}", status=exc.code
                )
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                if exc.code in _RETRY_STATUSES:
                    continue
                raise last from None
            except TimeoutError as exc:
                raise PolicyTimeoutError(
                    f"{method} {url}: no answer within {self.timeout:g} s"
                ) from exc
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, TimeoutError):
                    raise PolicyTimeoutError(
                        f"{method} {url}: no answer within {self.timeout:g} s"
                    ) from exc
                last = PolicyServerError(f"{method} {url} failed: {exc.reason}")
                continue
            except (ConnectionError, OSError) as exc:  # reset mid-answer, broken pipe
                last = PolicyServerError(f"{method} {url} failed: {exc}")
                continue
            try:
                return json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise PolicyError(f"{method} {url} answered with invalid JSON: {exc}") from exc
        assert last is not None
        raise PolicyServerError(
            f"{last.message} (gave up after {self.retries + 1} attempts)", status=last.status
        )

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before attempt ``attempt``: the server's ``Retry-After``, else back-off."""
        if retry_after:
            try:
                return min(self.max_backoff, max(0.0, float(retry_after)))
            except ValueError:
                pass
        delay = self.backoff * 2 ** (attempt - 1)
        return min(self.max_backoff, delay * (0.5 + random.random() / 2))

    # ---------------------------------------------------------------------------- sampling

    def served_model(self) -> str | None:
        """The model name requests carry: the given one, else the server's first model."""
        if self.model is None:
            body = self._request("GET", "/models")
            models = body.get("data") if isinstance(body, dict) else None
            if not models or not isinstance(models[0], dict) or "id" not in models[0]:
                raise PolicyError(f"{self.base_url}/models lists no model: {str(body)[:200]}")
            self.model = str(models[0]["id"])
        return self.model

    def payload(self, prompts: Sequence[str], n: int, seed: int | None = None) -> dict[str, Any]:
        """The JSON body of one ``/v1/completions`` request."""
        settings = self.sampling
        body: dict[str, Any] = {
            "model": self.served_model(),
            "prompt": list(prompts),
            "n": n,
            "max_tokens": settings.max_new_tokens,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "logprobs": 1,
        }
        stop = [s for s in self.template.stop if s]
        if stop:
            body["stop"] = stop
        if settings.top_k > 0:
            body["top_k"] = settings.top_k
        if seed is not None:
            body["seed"] = seed
        body.update(self.extra_body)
        return body

    def complete(
        self, prompts: Sequence[str], n: int, seed: int | None = None
    ) -> list[list[Completion]]:
        results: list[list[Completion]] = []
        size = self.max_prompts_per_request
        for start in range(0, len(prompts), size):
            chunk = prompts[start : start + size]
            body = self._request("POST", "/completions", self.payload(chunk, n, seed))
            results.extend(completions_from_response(body, len(chunk), n))
        return results

    def cache_key(self) -> tuple[Any, ...]:
        return (*super().cache_key(), self.base_url, self.model)

    def __repr__(self) -> str:
        return f"OpenAIPolicy({self.base_url!r}, model={self.model!r}, template={self.template.name!r})"


def _error_text(exc: urllib.error.HTTPError) -> str:
    """The server's error message (OpenAI's ``{"error": {"message"}}`` or vLLM's)."""
    try:
        raw = exc.read().decode("utf-8", "replace")
    except OSError:
        return exc.reason if isinstance(exc.reason, str) else str(exc.reason)
    try:
        body = json.loads(raw)
    except ValueError:
        return raw[:300] or str(exc.reason)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and "message" in error:
            return str(error["message"])[:300]
        if "message" in body:
            return str(body["message"])[:300]
    return raw[:300]
