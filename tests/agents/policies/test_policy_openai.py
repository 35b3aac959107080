"""OpenAIPolicy against a completions server on 127.0.0.1 that each test starts and stops:
the request it sends, the answer it reads, retries with back-off, timeouts, errors."""

from __future__ import annotations

import pickle
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from fake_completions_server import FakeCompletionsServer, Fault, choice, response

from agents.policies.errors import PolicyError, PolicyServerError, PolicyTimeoutError
from agents.policies.openai import OpenAIPolicy, completions_from_response
from lean_gym.types import ProofState

pytest_plugins = ["policy_fixtures"]  # the tiny model and states (see its docstring)


def scripted(texts_per_prompt: list[list[tuple[str, list[float]]]], *, reverse: bool = False):
    """A responder answering prompt ``i`` with ``texts_per_prompt[i]`` (text, token logprobs)."""

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        n = body["n"]
        choices = []
        for i, _prompt in enumerate(body["prompt"]):
            for j, (text, lps) in enumerate(texts_per_prompt[i % len(texts_per_prompt)][:n]):
                choices.append(choice(i * n + j, text, lps))
        if reverse:  # the index, not the order, says which prompt a choice answers
            choices.reverse()
        return response(choices)

    return respond


ANSWERS = [
    [("constructor", [-0.5, -0.25]), ("exact ⟨hp, hq⟩", [-1.0, -1.0, -1.0]),
     ("constructor", [-2.0, -2.0]), ("  \n", [-0.1]), ("simp\n[GOAL]\n⊢ q", [-0.2, -0.2])],
    [("exact hp", [-0.3]), ("assumption", [-0.6, -0.6]), ("exact hq", [-5.0]),
     ("trivial", [-9.0]), ("rfl", [-8.0])],
]  # fmt: skip


def test_request_and_answer(states: list[ProofState]) -> None:
    with FakeCompletionsServer(scripted(ANSWERS, reverse=True)) as server:
        policy = OpenAIPolicy(
            server.url, model="fake-prover", api_key="sk-test", seed=5, top_k=20,
            max_new_tokens=64, temperature=0.9, top_p=0.95,
        )  # fmt: skip
        got = policy.propose_batch(states[:2], 5)
        request = server.requests[-1]
    assert request["path"] == "/v1/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    body = request["json"]
    assert body["prompt"] == [policy.prompt(s) for s in states[:2]]
    assert body["prompt"][0].startswith("[GOAL]\n") and body["prompt"][0].endswith("[PROOFSTEP]\n")
    assert body == {
        "model": "fake-prover",
        "prompt": body["prompt"],
        "n": 5,
        "max_tokens": 64,
        "temperature": 0.9,
        "top_p": 0.95,
        "logprobs": 1,
        "stop": ["[GOAL]", "[PROOFSTEP]"],
        "top_k": 20,
        "seed": 5,
    }
    # Prompt 0: the empty answer dropped, "constructor" kept once (its likelier copy), the
    # text after a stop marker cut; ranked by summed log-probability.
    assert [(c.text, c.logprob, c.num_tokens) for c in got[0]] == [
        ("simp", -0.4, 2),
        ("constructor", -0.75, 2),
        ("exact ⟨hp, hq⟩", -3.0, 3),
    ]
    assert [c.text for c in got[1]] == ["exact hp", "assumption", "exact hq", "rfl", "trivial"]


def test_base_url_forms_and_model_discovery(states: list[ProofState]) -> None:
    with FakeCompletionsServer(scripted(ANSWERS), models=["served-7b", "other"]) as server:
        for url in (server.url, server.url + "/", server.url + "/v1", server.url + "/v1/"):
            policy = OpenAIPolicy(url, seed=0)
            assert policy.base_url == server.url + "/v1"
            assert policy.propose(states[0], 2)
        assert server.requests[0]["path"] == "/v1/models"
        assert {r["json"]["model"] for r in server.requests if r["json"]} == {"served-7b"}
        assert policy.served_model() == "served-7b"


def test_retries_429_and_5xx_with_backoff(states: list[ProofState]) -> None:
    with FakeCompletionsServer(scripted(ANSWERS)) as server:
        server.faults = [Fault(503), Fault(429, headers={"Retry-After": "0"}), Fault(502)]
        policy = OpenAIPolicy(server.url, model="m", retries=3, backoff=0.01)
        assert [c.text for c in policy.propose(states[0], 2)] == ["constructor", "exact ⟨hp, hq⟩"]
        assert len(server.requests) == 4
        server.faults = [Fault(500)] * 3
        with pytest.raises(PolicyServerError, match="gave up after 3 attempts") as info:
            OpenAIPolicy(server.url, model="m", retries=2, backoff=0.01).propose(states[0], 2)
        assert info.value.status == 500


def test_client_errors_are_not_retried(states: list[ProofState]) -> None:
    with FakeCompletionsServer(scripted(ANSWERS)) as server:
        server.faults = [Fault(400)]
        policy = OpenAIPolicy(server.url, model="m", retries=3, backoff=0.01)
        with pytest.raises(PolicyServerError, match="400: fake error 400") as info:
            policy.propose(states[0], 2)
        assert info.value.status == 400
        assert len(server.requests) == 1


def test_hanging_server_is_bounded_by_the_timeout(states: list[ProofState]) -> None:
    with FakeCompletionsServer(scripted(ANSWERS)) as server:
        server.faults = [Fault(hang=True)]
        policy = OpenAIPolicy(server.url, model="m", timeout=0.5, retries=3)
        started = time.monotonic()
        with pytest.raises(PolicyTimeoutError, match="no answer within 0.5 s"):
            policy.propose(states[0], 2)
        assert time.monotonic() - started < 3.0


def test_refused_connection_is_a_server_error(states: list[ProofState]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    policy = OpenAIPolicy(f"http://127.0.0.1:{port}", model="m", retries=1, backoff=0.01)
    with pytest.raises(PolicyServerError, match="gave up after 2 attempts") as info:
        policy.propose(states[0], 2)
    assert info.value.status is None


def test_malformed_answers_are_policy_errors(states: list[ProofState]) -> None:
    with FakeCompletionsServer(scripted(ANSWERS)) as server:
        server.faults = [Fault(body=b"<html>oops</html>")]
        policy = OpenAIPolicy(server.url, model="m")
        with pytest.raises(PolicyError, match="invalid JSON"):
            policy.propose(states[0], 2)
        server.faults = [Fault(body=b'{"object": "error", "message": "boom"}')]
        with pytest.raises(PolicyError, match="no 'choices'"):
            policy.propose(states[0], 2)
    no_logprobs = {"choices": [{"index": 0, "text": "simp", "logprobs": None}]}
    with pytest.raises(PolicyError, match="no token log-probabilities"):
        completions_from_response(no_logprobs, 1, 1)
    with pytest.raises(PolicyError, match="out of range"):
        completions_from_response(response([choice(3, "simp", [-1.0])]), 1, 2)


def test_errors_pickle() -> None:
    for error in (PolicyError("x"), PolicyTimeoutError("t"), PolicyServerError("s", status=503)):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
    assert pickle.loads(pickle.dumps(PolicyServerError("s", status=503))).status == 503


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="http"):
        OpenAIPolicy("localhost:8000")
    with pytest.raises(ValueError, match="timeout"):
        OpenAIPolicy("http://127.0.0.1:1", timeout=0)


def test_server_backed_by_the_tiny_model_matches_local_sampling(
    tiny_model_dir: Path, states: list[ProofState]
) -> None:
    pytest.importorskip("torch")
    from agents.policies.transformers import TransformersPolicy

    local = TransformersPolicy(tiny_model_dir, temperature=0, max_new_tokens=12)
    served = TransformersPolicy(tiny_model_dir, temperature=0, max_new_tokens=12)

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        assert body["temperature"] == 0 and body["n"] == 1
        assert body["stop"] == list(served.template.stop)
        samples = served.complete(body["prompt"], body["n"])
        choices = []
        for i, group in enumerate(samples):
            for j, sample in enumerate(group):
                tokens = [served.tokenizer.decode([t]) for t in sample.token_ids]
                choices.append(
                    choice(i * body["n"] + j, sample.text, list(sample.token_logprobs), tokens)
                )
        return response(choices)

    with FakeCompletionsServer(respond) as server:
        remote = OpenAIPolicy(server.url, model="tiny", temperature=0, max_new_tokens=12)
        got = remote.propose_batch(states, 3)
    want = local.propose_batch(states, 3)
    assert [[c.text for c in cs] for cs in got] == [[c.text for c in cs] for cs in want]
    for got_c, want_c in zip(sum(got, []), sum(want, []), strict=True):
        assert got_c.logprob == pytest.approx(want_c.logprob, abs=1e-4)
        assert got_c.num_tokens == want_c.num_tokens
