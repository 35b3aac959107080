"""VLLMPolicy without a GPU: the install hint, and the whole path through a stand-in ``vllm``
module whose ``LLM``, ``SamplingParams``, ``RequestOutput`` and ``CompletionOutput`` have the
shapes of vLLM 0.30's (``vllm/entrypoints/llm.py``, ``vllm/sampling_params.py``,
``vllm/outputs.py``, ``vllm/logprobs.py``)."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from agents.policies.base import Policy
from agents.policies.errors import PolicyError
from agents.policies.vllm import INSTALL_HINT, VLLMPolicy, completions_from_request_output
from lean_gym.types import ProofState

pytest_plugins = ["policy_fixtures"]  # the tiny model and states (see its docstring)


@dataclass
class Logprob:  # vllm.logprobs.Logprob
    logprob: float
    rank: int | None = None
    decoded_token: str | None = None


@dataclass
class CompletionOutput:  # vllm.outputs.CompletionOutput
    index: int
    text: str
    token_ids: list[int]
    cumulative_logprob: float | None
    logprobs: list[dict[int, Logprob]] | None
    routed_experts: Any = None
    finish_reason: str | None = None
    stop_reason: int | str | None = None


@dataclass
class RequestOutput:  # vllm.outputs.RequestOutput (the fields a policy reads)
    request_id: str
    prompt: str | None
    prompt_token_ids: list[int] | None
    prompt_logprobs: Any
    outputs: list[CompletionOutput]
    finished: bool


_SAMPLING_FIELDS = {
    "n", "presence_penalty", "frequency_penalty", "repetition_penalty", "temperature",
    "top_p", "top_k", "min_p", "seed", "stop", "stop_token_ids", "ignore_eos", "max_tokens",
    "min_tokens", "logprobs", "prompt_logprobs", "detokenize", "skip_special_tokens",
    "include_stop_str_in_output",
}  # fmt: skip


class SamplingParams:  # vllm.SamplingParams: keyword fields, unknown ones rejected
    def __init__(self, **kwargs: Any) -> None:
        unknown = set(kwargs) - _SAMPLING_FIELDS
        if unknown:
            raise TypeError(f"SamplingParams got unexpected fields {sorted(unknown)}")
        if kwargs.get("top_k", 0) not in (-1, 0) and kwargs["top_k"] < 1:
            raise ValueError("top_k must be -1 (disable), or at least 1")
        self.__dict__.update({"n": 1, "max_tokens": 16, "logprobs": None, "stop": None})
        self.__dict__.update(kwargs)


WORDS = ["intro h", "exact h", "simp", "omega", "constructor", "rfl", "intro h", "decide"]


class LLM:  # vllm.LLM: generate(prompts, sampling_params, *, use_tqdm) -> list[RequestOutput]
    instances: list[LLM] = []

    def __init__(self, model: str, **kwargs: Any) -> None:
        self.model = model
        self.kwargs = kwargs
        self.calls: list[tuple[list[Any], SamplingParams]] = []
        LLM.instances.append(self)

    def generate(self, prompts: Any, sampling_params: SamplingParams | None = None, *,
                 use_tqdm: bool = True, lora_request: Any = None) -> list[RequestOutput]:  # fmt: skip
        assert use_tqdm is False
        assert sampling_params is not None and sampling_params.logprobs is not None
        self.calls.append((list(prompts), sampling_params))
        results = []
        for p, prompt in enumerate(prompts):
            outputs = []
            for i in range(sampling_params.n):
                word = WORDS[(p + i) % len(WORDS)]
                ids = [100 + p, 200 + i, 7]
                steps = [{t: Logprob(-0.5 * (i + 1), rank=1)} for t in ids]
                cumulative = sum(s[t].logprob for s, t in zip(steps, ids, strict=True))
                text = f"{word}\n[GOAL]" if i == 1 else word  # a stop string left in
                outputs.append(
                    CompletionOutput(i, text, ids, cumulative, steps, finish_reason="stop")
                )
            results.append(RequestOutput(str(p), prompt, [1, 2], None, outputs, True))
        return results

    def get_tokenizer(self) -> Any:
        raise AssertionError("not used without use_chat_template")


@pytest.fixture
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("vllm")
    module.LLM = LLM
    module.SamplingParams = SamplingParams
    monkeypatch.setitem(sys.modules, "vllm", module)
    LLM.instances.clear()
    return module


def test_missing_vllm_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'lean-gym\[vllm\]'"):
        VLLMPolicy("deepseek-ai/DeepSeek-Prover-V1.5-RL")
    assert INSTALL_HINT == "pip install 'lean-gym[vllm]'"


def test_engine_and_sampling_parameters(
    fake_vllm: types.ModuleType, states: list[ProofState]
) -> None:
    policy = VLLMPolicy(
        "some/prover", template="bfs-prover", temperature=1.3, top_p=0.9, max_new_tokens=256,
        seed=4, oversample=1.5, tensor_parallel_size=2, max_model_len=4096,
        engine_kwargs={"enforce_eager": True},
    )  # fmt: skip
    assert isinstance(policy, Policy)
    engine = LLM.instances[-1]
    assert engine.model == "some/prover"
    assert engine.kwargs == {
        "dtype": "auto", "tensor_parallel_size": 2, "gpu_memory_utilization": 0.9,
        "trust_remote_code": False, "max_model_len": 4096, "seed": 4, "enforce_eager": True,
    }  # fmt: skip
    policy.propose_batch(states, 4)
    policy.propose(states[0], 4)
    (prompts, first), (_, second) = engine.calls
    assert prompts == [s.pp() + ":::" for s in states]
    assert first.n == 6  # ceil(4 * 1.5)
    assert (first.temperature, first.top_p, first.top_k) == (1.3, 0.9, -1)
    assert (first.max_tokens, first.logprobs, first.stop) == (256, 1, [":::"])
    assert (first.seed, second.seed) == (4, 5)  # seed + call number


def test_outputs_become_ranked_distinct_candidates(
    fake_vllm: types.ModuleType, states: list[ProofState]
) -> None:
    policy = VLLMPolicy("m", template="leandojo", oversample=2)
    answers = policy.propose_batch(states[:2], 3)
    # Prompt 0 samples: intro h (-1.5), exact h + stop (-3.0), simp (-4.5), omega, constructor,
    # rfl; prompt 1 starts one word later. The best 3, the stop marker cut.
    assert [(c.text, c.logprob, c.num_tokens) for c in answers[0]] == [
        ("intro h", -1.5, 3),
        ("exact h", -3.0, 3),
        ("simp", -4.5, 3),
    ]
    assert [c.text for c in answers[1]] == ["exact h", "simp", "omega"]


def test_greedy_asks_one_sample(fake_vllm: types.ModuleType, states: list[ProofState]) -> None:
    policy = VLLMPolicy("m", temperature=0)
    assert policy.granularity is None
    assert VLLMPolicy("m", template="kimina-prover").granularity == "proof"
    assert len(policy.propose(states[0], 8)) == 1
    assert policy.llm.calls[-1][1].n == 1


def test_request_output_conversion() -> None:
    steps = [{5: Logprob(-0.25), 9: Logprob(-3.0)}, {6: Logprob(-0.5)}]
    with_cumulative = CompletionOutput(0, "simp", [5, 6], -0.75, steps)
    without = CompletionOutput(1, "omega", [5, 6], None, steps)
    nothing = CompletionOutput(2, "rfl", [5, 6], None, None)
    out = RequestOutput("0", "p", [1], None, [with_cumulative, without], True)
    first, second = completions_from_request_output(out)
    assert (first.text, first.logprob, first.num_tokens, first.token_ids) == (
        "simp",
        -0.75,
        2,
        (5, 6),
    )
    assert first.token_logprobs == (-0.25, -0.5)
    assert (second.logprob, second.token_logprobs) == (-0.75, (-0.25, -0.5))
    with pytest.raises(PolicyError, match="no log-probabilities"):
        completions_from_request_output(RequestOutput("1", "p", [1], None, [nothing], True))


def test_wrong_output_count_is_a_policy_error(
    fake_vllm: types.ModuleType, states: list[ProofState], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = VLLMPolicy("m")
    monkeypatch.setattr(policy.llm, "generate", lambda *a, **k: [])
    with pytest.raises(PolicyError, match="0 outputs for 3 prompts"):
        policy.propose_batch(states, 2)


@dataclass
class _Tokenizer:
    calls: list[Any] = field(default_factory=list)

    def apply_chat_template(self, messages: Any, tokenize: bool, add_generation_prompt: bool):
        assert tokenize is False and add_generation_prompt is True
        return "<s>" + "|".join(m["content"] for m in messages) + "<assistant>"

    def __call__(self, text: str, add_special_tokens: bool = True) -> dict[str, list[int]]:
        assert add_special_tokens is False
        self.calls.append(text)
        return {"input_ids": [len(text), 1]}


def test_chat_template_prompts_go_as_token_ids(
    fake_vllm: types.ModuleType, states: list[ProofState], monkeypatch: pytest.MonkeyPatch
) -> None:
    tokenizer = _Tokenizer()
    monkeypatch.setattr(LLM, "get_tokenizer", lambda self: tokenizer)
    policy = VLLMPolicy("m", template="internlm-step-prover", use_chat_template=True)
    policy.propose(states[0], 2)
    prompts, _ = LLM.instances[-1].calls[-1]
    assert prompts == [{"prompt_token_ids": [len(tokenizer.calls[0]), 1]}]
    assert tokenizer.calls[0].startswith("<s>---\nNAME: and_intro_ex")
