"""What the model policies share: sampling settings, a state's prompt, completions to candidates.

:class:`~agents.policies.transformers.TransformersPolicy`,
:class:`~agents.policies.vllm.VLLMPolicy` and :class:`~agents.policies.openai.OpenAIPolicy`
differ only in how they sample; each turns a proof state into the prompt of its template
(:func:`prompt_for`), draws ``num_samples`` completions with their summed token
log-probabilities, and hands them to :func:`to_candidates`, which parses each with the
template, drops empty and repeated proposals (keeping the likeliest copy) and returns the best
``k``, most likely first.

Log-probabilities are those of the model's own distribution (the raw logits, before
temperature and top-p), as vLLM reports them by default (``logprobs_mode="raw_logprobs"``):
the sum over the generated tokens, the end-of-sequence or stop token included.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from agents.policies.base import Candidate, PolicyBase
from lean_gym.data.templates import PromptTemplate, get_template
from lean_gym.tactic_text import join_tactics
from lean_gym.types import ProofState

__all__ = [
    "SamplingSettings",
    "Completion",
    "ModelPolicy",
    "prompt_for",
    "to_candidates",
]


@dataclass(frozen=True)
class SamplingSettings:
    """How a model policy samples.

    Attributes:
        temperature: Softmax temperature; 0 means greedy decoding (one sample per state).
        top_p: Nucleus sampling mass, in (0, 1].
        top_k: Keep only the ``top_k`` likeliest tokens; 0 disables it.
        max_new_tokens: The most tokens one completion may have.
        oversample: Draw ``ceil(k * oversample)`` samples for ``k`` candidates, so that
            ``k`` distinct ones survive deduplication more often.
        seed: Seed of the sampler; each generation call uses ``seed + call number``, so a run
            is reproducible and repeated calls still draw fresh samples. None: unseeded.
    """

    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    max_new_tokens: int = 128
    oversample: float = 1.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if not self.temperature >= 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise ValueError(f"top_k must be >= 0 (0 disables it), got {self.top_k}")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if not self.oversample >= 1:
            raise ValueError(f"oversample must be >= 1, got {self.oversample}")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def num_samples(self, k: int) -> int:
        """How many completions to draw for ``k`` candidates (1 when decoding greedily)."""
        if self.greedy:
            return 1
        return max(k, math.ceil(k * self.oversample))

    def call_seed(self, call: int) -> int | None:
        """The sampler seed of generation call number ``call`` (None when unseeded)."""
        return None if self.seed is None else self.seed + call

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> SamplingSettings:
        return cls(**{k: obj[k] for k in cls.__dataclass_fields__ if k in obj})


@dataclass(frozen=True)
class Completion:
    """One raw sample of a model.

    Attributes:
        text: The generated text (stop strings may or may not be included: the template's
            ``parse`` cuts at them).
        logprob: The summed log-probability of its tokens.
        num_tokens: How many tokens were generated.
        token_ids: The generated token ids, when the backend reports them.
        token_logprobs: The log-probability of each generated token, when reported.
    """

    text: str
    logprob: float
    num_tokens: int
    token_ids: tuple[int, ...] = ()
    token_logprobs: tuple[float, ...] = ()


def prompt_for(template: PromptTemplate, state: ProofState) -> str:
    """The template's prompt for ``state`` (its goals, theorem and the tactics so far)."""
    return template.render(state.pp(), state.theorem, state.tactics)


def to_candidates(
    template: PromptTemplate, state: ProofState, completions: Iterable[Completion], k: int
) -> list[Candidate]:
    """The best ``k`` distinct proposals among ``completions``, most likely first.

    Each completion is parsed by the template (the tactics after the state's prefix) and its
    tactics joined; empty proposals are dropped, and of repeated ones the likeliest is kept.
    """
    best: dict[str, Candidate] = {}
    for completion in completions:
        text = join_tactics(template.tactics(completion.text, state.tactics))
        if not text.strip():
            continue
        logprob = completion.logprob if math.isfinite(completion.logprob) else -math.inf
        candidate = Candidate(text=text, logprob=logprob, num_tokens=completion.num_tokens)
        kept = best.get(text)
        if kept is None or candidate.logprob > kept.logprob:
            best[text] = candidate
    ranked = sorted(best.values(), key=lambda c: c.logprob, reverse=True)
    return ranked[: max(k, 0)]


class ModelPolicy(PolicyBase):
    """The shared frame of the model policies: a template, sampling settings, a call counter.

    Subclasses implement :meth:`complete` (one batched generation for many prompts, also the
    raw sampler training rollouts use); :meth:`propose` and :meth:`propose_batch` render,
    sample and rank through it.

    Attributes:
        template: The prompt template (it fixes the granularity: tactic, segment, proof).
        sampling: The sampling settings.
        calls: How many generation calls the policy has made.
    """

    def __init__(self, template: str | PromptTemplate, **sampling: Any) -> None:
        """
        Args:
            template: The prompt template (name or object).
            **sampling: :class:`SamplingSettings` fields (``temperature``, ``top_p``,
                ``top_k``, ``max_new_tokens``, ``oversample``, ``seed``); an unknown name is a
                ``TypeError``, a bad value a ``ValueError``.
        """
        self.template = get_template(template)
        self.sampling = SamplingSettings(**sampling)
        self.calls = 0

    @property
    def granularity(self) -> str | None:
        """The template's granularity (``"step"``, ``"proof"``, or None: step or segment)."""
        return self.template.granularity

    @property
    def template_has_chat(self) -> bool:
        """Whether the template gives chat turns (a model's own chat template can render)."""
        return type(self.template).messages is not PromptTemplate.messages

    def prompt(self, state: ProofState) -> str:
        """The prompt the model sees for ``state``."""
        return prompt_for(self.template, state)

    def complete(
        self, prompts: Sequence[str], n: int, seed: int | None = None
    ) -> list[list[Completion]]:
        """``n`` completions for each prompt, in one generation call.

        Args:
            prompts: The prompts (as :meth:`prompt` renders them).
            n: Samples per prompt.
            seed: The sampler seed of this call; None: unseeded.
        """
        raise NotImplementedError

    def propose(self, state: ProofState, k: int) -> list[Candidate]:
        return self.propose_batch([state], k)[0]

    def propose_batch(self, states: Sequence[ProofState], k: int) -> list[list[Candidate]]:
        if k <= 0 or not states:
            return [[] for _ in states]
        prompts = [self.prompt(state) for state in states]
        seed = self.sampling.call_seed(self.calls)
        self.calls += 1
        completions = self.complete(prompts, self.sampling.num_samples(k), seed)
        return [
            to_candidates(self.template, state, samples, k)
            for state, samples in zip(states, completions, strict=True)
        ]

    def cache_key(self) -> tuple[Any, ...]:
        """What, besides the state and ``k``, decides this policy's answers (for caching)."""
        return (
            type(self).__name__,
            self.template.name,
            tuple(sorted(self.sampling.to_json().items())),
        )
