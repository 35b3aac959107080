"""TransformersPolicy on the tiny model: distinct ranked candidates, exact log-probabilities,
stop strings and end tokens, batching, seeds, chat templates, bounded time, load errors."""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

pytest_plugins = ["policy_fixtures"]  # the tiny model and states (see its docstring)


from agents.policies.base import Policy  # noqa: E402
from agents.policies.errors import ModelLoadError  # noqa: E402
from agents.policies.generation import to_candidates  # noqa: E402
from agents.policies.transformers import TransformersPolicy  # noqa: E402
from lean_gym.data.templates import TEMPLATES, get_template  # noqa: E402
from lean_gym.types import ProofState  # noqa: E402


def forward_logprobs(policy: TransformersPolicy, prompt: str, token_ids: tuple[int, ...]) -> list:
    """Each generated token's log-probability, from one forward pass over prompt + sample."""
    prompt_ids = policy.tokenizer(prompt, return_tensors="pt")["input_ids"][0].tolist()
    ids = torch.tensor([prompt_ids + list(token_ids)])
    with torch.inference_mode():
        logits = policy.model(input_ids=ids).logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    start = len(prompt_ids)
    return [float(logp[start - 1 + i, t]) for i, t in enumerate(token_ids)]


def test_k_distinct_candidates_ranked(tiny_model_dir: Path, states: list[ProofState]) -> None:
    policy = TransformersPolicy(tiny_model_dir, seed=0, max_new_tokens=12, oversample=2.0)
    assert isinstance(policy, Policy)
    candidates = policy.propose(states[0], 5)
    assert len(candidates) == 5
    assert len({c.text for c in candidates}) == 5
    assert all(c.text.strip() and c.num_tokens > 0 for c in candidates)
    logprobs = [c.logprob for c in candidates]
    assert logprobs == sorted(logprobs, reverse=True)
    assert all(math.isfinite(lp) and lp < 0 for lp in logprobs)
    assert policy.propose(states[0], 0) == []
    assert policy.propose_batch([], 3) == []


def test_logprobs_are_sums_of_raw_token_logprobs(
    tiny_model_dir: Path, states: list[ProofState]
) -> None:
    # Temperature and top-k change what is sampled, not the reported (raw-logit) scores.
    policy = TransformersPolicy(tiny_model_dir, temperature=0.7, top_k=50, max_new_tokens=10)
    prompts = [policy.prompt(s) for s in states]
    samples = policy.complete(prompts, 3, seed=7)
    assert [len(group) for group in samples] == [3, 3, 3]
    for prompt, group in zip(prompts, samples, strict=True):
        for sample in group:
            assert sample.num_tokens == len(sample.token_ids) == len(sample.token_logprobs)
            expected = forward_logprobs(policy, prompt, sample.token_ids)
            assert sample.token_logprobs == pytest.approx(expected, abs=1e-4)
            assert sample.logprob == pytest.approx(sum(expected), abs=1e-3)


def test_candidates_are_the_parsed_samples(tiny_model_dir: Path, states: list[ProofState]) -> None:
    policy = TransformersPolicy(tiny_model_dir, seed=3, max_new_tokens=10)
    twin = TransformersPolicy(tiny_model_dir, seed=3, max_new_tokens=10)
    got = policy.propose_batch(states, 4)
    samples = twin.complete([twin.prompt(s) for s in states], 4, seed=3)
    template = get_template("leandojo")
    expected = [to_candidates(template, s, g, 4) for s, g in zip(states, samples, strict=True)]
    assert got == expected
    for candidates, group in zip(got, samples, strict=True):
        for candidate in candidates:
            assert candidate.logprob in {g.logprob for g in group}
            assert candidate.mean_logprob == pytest.approx(candidate.logprob / candidate.num_tokens)


def test_seed_makes_runs_reproducible(tiny_model_dir: Path, states: list[ProofState]) -> None:
    first = TransformersPolicy(tiny_model_dir, seed=11, max_new_tokens=8)
    second = TransformersPolicy(tiny_model_dir, seed=11, max_new_tokens=8)
    run_a = [first.propose_batch(states, 3) for _ in range(2)]
    run_b = [second.propose_batch(states, 3) for _ in range(2)]
    assert run_a == run_b
    assert run_a[0] != run_a[1]  # each call draws fresh samples (seed + call number)


def test_batch_equals_one_by_one_greedy(tiny_model_dir: Path, states: list[ProofState]) -> None:
    policy = TransformersPolicy(tiny_model_dir, temperature=0, max_new_tokens=16)
    batched = policy.propose_batch(states, 3)
    single = [policy.propose(s, 3) for s in states]
    assert [len(c) for c in batched] == [1, 1, 1]  # greedy: one sample per state
    for got, want in zip(batched, single, strict=True):
        assert [c.text for c in got] == [c.text for c in want]
        assert [c.num_tokens for c in got] == [c.num_tokens for c in want]
        assert [c.logprob for c in got] == pytest.approx([c.logprob for c in want], abs=1e-3)
    # Batches of one prompt give the same as one call for all.
    chunked = TransformersPolicy(tiny_model_dir, temperature=0, max_new_tokens=16, batch_size=1)
    assert [[c.text for c in cs] for cs in chunked.propose_batch(states, 3)] == [
        [c.text for c in cs] for cs in batched
    ]


def _greedy_ids(policy: TransformersPolicy, state: ProofState) -> tuple[int, ...]:
    return policy.complete([policy.prompt(state)], 1)[0][0].token_ids


def test_stop_strings_end_samples(tiny_model_dir: Path, states: list[ProofState]) -> None:
    free = dataclasses.replace(get_template("leandojo"), stop=())
    policy = TransformersPolicy(tiny_model_dir, template=free, temperature=0, max_new_tokens=20)
    ids = _greedy_ids(policy, states[0])
    assert len(ids) == 20
    text = policy.tokenizer.decode(ids)
    # A token whose text first appears in the sample exactly where that token stands.
    for j in range(3, len(ids)):
        piece = policy.tokenizer.decode(ids[j : j + 1])
        before = len(policy.tokenizer.decode(ids[:j]))
        if piece.strip() and text.find(piece) == before and piece not in "\n":
            break
    else:
        pytest.skip("no token of the greedy sample is a usable stop string")
    stopping = dataclasses.replace(free, stop=(piece,))
    stopped = TransformersPolicy(
        tiny_model_dir, template=stopping, temperature=0, max_new_tokens=20
    )
    sample = stopped.complete([stopped.prompt(states[0])], 1)[0][0]
    assert sample.token_ids == ids[: j + 1]
    assert sample.num_tokens == j + 1
    assert sample.logprob == pytest.approx(sum(sample.token_logprobs), abs=1e-5)
    for candidate in stopped.propose(states[0], 1):
        assert piece not in candidate.text


def test_trailing_padding_is_not_part_of_a_sample(tiny_model_dir: Path) -> None:
    policy = TransformersPolicy(tiny_model_dir, temperature=0, max_new_tokens=8)
    pad, eos = policy.tokenizer.pad_token_id, policy.tokenizer.eos_token_id
    assert policy._sequence_end([5, 6, 7, pad, pad]) == 3
    assert policy._sequence_end([5, eos, pad, pad]) == 2
    assert policy._sequence_end([5, 6, 7]) == 3


def test_end_of_sequence_token_ends_samples(tiny_model_dir: Path, states: list[ProofState]) -> None:
    policy = TransformersPolicy(tiny_model_dir, temperature=0, max_new_tokens=20)
    ids = _greedy_ids(policy, states[0])
    j = 4
    first = ids.index(ids[j])
    model = policy.model
    model.generation_config.eos_token_id = [ids[j]]  # that token now ends a sample
    ending = TransformersPolicy(
        tiny_model_dir,
        temperature=0,
        max_new_tokens=20,
        model=model,
        tokenizer=policy.tokenizer,
    )
    sample = ending.complete([ending.prompt(states[0])], 1)[0][0]
    assert sample.token_ids == ids[: first + 1]


def test_generation_time_is_bounded(tiny_model_dir: Path, states: list[ProofState]) -> None:
    free = dataclasses.replace(get_template("leandojo"), stop=())  # no stop string ends it
    policy = TransformersPolicy(tiny_model_dir, template=free, max_new_tokens=1900, max_time=0.3)
    started = time.monotonic()
    samples = policy.complete([policy.prompt(states[0])], 2)
    elapsed = time.monotonic() - started
    assert elapsed < 5.0
    assert all(s.num_tokens < 1900 for s in samples[0])


def test_every_registered_template_runs(tiny_model_dir: Path, states: list[ProofState]) -> None:
    for name in sorted(TEMPLATES):
        policy = TransformersPolicy(tiny_model_dir, template=name, seed=0, max_new_tokens=4)
        answers = policy.propose_batch(states[1:], 2)
        assert len(answers) == 2, name
        for candidates in answers:
            assert len(candidates) <= 2
            assert all(c.text.strip() for c in candidates)


def test_chat_templates_match_the_tokenizer_chatml(
    tiny_model_dir: Path, states: list[ProofState]
) -> None:
    # The tiny tokenizer's chat template is ChatML: it renders the turns as the templates do.
    checked = 0
    for name, template in sorted(TEMPLATES.items()):
        if getattr(template, "chat_format", None) != "chatml":
            continue
        policy = TransformersPolicy(
            tiny_model_dir, template=name, use_chat_template=True, max_new_tokens=4
        )
        assert policy.use_chat_template
        for state in states:
            assert policy.prompt(state) == template.render(state.pp(), state.theorem, state.tactics)
        checked += 1
    assert checked >= 3
    plain = TransformersPolicy(tiny_model_dir, template="leandojo", use_chat_template=True)
    assert not plain.use_chat_template  # a plain-text template has no turns to render


def test_load_errors_say_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="HF_HUB_OFFLINE=1"):
        TransformersPolicy("no-such-org/no-such-model-xyz")
    stray = tmp_path / "weights.bin"
    stray.write_bytes(b"\0")
    with pytest.raises(ModelLoadError, match="not a model directory"):
        TransformersPolicy(stray)
    with pytest.raises(ModelLoadError, match="could not load"):
        TransformersPolicy(tmp_path)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_cuda_without_a_gpu_is_a_clear_error(tiny_model_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="CUDA is not available"):
        TransformersPolicy(tiny_model_dir, device="cuda")


def test_bad_settings_are_refused(tiny_model_dir: Path) -> None:
    for bad in ({"temperature": -1}, {"top_p": 0}, {"max_new_tokens": 0}, {"dtype": "int8"}):
        with pytest.raises(ValueError):
            TransformersPolicy(tiny_model_dir, **bad)
