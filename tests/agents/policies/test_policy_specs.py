"""The model policies behind their specs: ``make_policy("hf:DIR")``, ``openai:URL`` and
``vllm:NAME`` build them with the spec's tail as the first argument, and ``lean-gym eval``
runs a search with the tiny model."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from fake_completions_server import FakeCompletionsServer, choice, response

from agents.policies import make_policy, policy_granularity
from agents.policies.openai import OpenAIPolicy
from agents.policies.vllm import VLLMPolicy
from lean_gym.types import ProofState

pytest_plugins = ["policy_fixtures"]  # the tiny model and states (see its docstring)


def test_hf_spec(tiny_model_dir: Path, states: list[ProofState]) -> None:
    from agents.policies.transformers import TransformersPolicy

    policy = make_policy(f"hf:{tiny_model_dir}", template="bfs-prover", seed=0, max_new_tokens=5)
    assert isinstance(policy, TransformersPolicy)
    assert policy.template.name == "bfs-prover" and policy.sampling.seed == 0
    assert len(policy.propose(states[0], 2)) <= 2
    whole = make_policy(f"hf:{tiny_model_dir}", template="deepseek-prover-v2")
    assert policy_granularity(whole) == "proof"
    with pytest.raises(TypeError):
        make_policy(f"hf:{tiny_model_dir}", temprature=1.0)  # a misspelt setting is refused


def test_openai_spec(states: list[ProofState]) -> None:
    def respond(body):
        return response([choice(i, "simp", [-0.5]) for i in range(len(body["prompt"]))])

    with FakeCompletionsServer(respond) as server:
        policy = make_policy(f"openai:{server.url}", model="m", temperature=0)
        assert isinstance(policy, OpenAIPolicy)
        assert [c.text for c in policy.propose(states[0], 3)] == ["simp"]


def test_vllm_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)
    with pytest.raises(ImportError, match=r"lean-gym\[vllm\]"):
        make_policy("vllm:deepseek-ai/DeepSeek-Prover-V1.5-RL")
    fake = types.ModuleType("vllm")
    fake.SamplingParams = dict
    fake.LLM = lambda **kwargs: types.SimpleNamespace(kwargs=kwargs)
    monkeypatch.setitem(sys.modules, "vllm", fake)
    policy = make_policy("vllm:some/prover", template="kimina-prover")
    assert isinstance(policy, VLLMPolicy) and policy.llm.kwargs["model"] == "some/prover"


def test_eval_runs_with_the_tiny_model(tiny_model_dir: Path, tmp_path: Path) -> None:
    from lean_gym.cli import main

    out = tmp_path / "run"
    code = main(
        [
            "eval", "--dataset", "smoke", "--limit", "2", "--policy", f"hf:{tiny_model_dir}",
            "--budget", "expansions=2", "--workers", "0", "--k", "2", "--out", str(out),
            "--policy-args", "max_new_tokens=6", "--no-progress",
        ]
    )  # fmt: skip
    assert code == 0
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 2
    for row in rows:
        assert row["started"] and row["policy"] == f"hf:{tiny_model_dir}"
        assert row["policy_calls"] >= 1 and row["tokens"] > 0
        assert row["reason"] in {"exhausted", "budget:expansions"} or row["solved"]
