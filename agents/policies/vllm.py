"""A policy that samples with an in-process vLLM engine (``vllm.LLM``), for GPU throughput.

The spec ``vllm:NAME_OR_PATH`` builds it. One :meth:`propose_batch` is one ``LLM.generate``
call for all the states of a search frontier with ``SamplingParams(n=k, logprobs=1,
stop=template.stop, ...)``; each ``CompletionOutput`` becomes a
:class:`~agents.policies.generation.Completion` with its ``cumulative_logprob`` (the summed
log-probability of its ``token_ids``, reported by vLLM when ``logprobs`` is set; by default
from the raw logits, ``logprobs_mode="raw_logprobs"``), then candidates as every model policy
makes them. Written against vLLM 0.30 (``vllm/entrypoints/llm.py``, ``vllm/sampling_params.py``,
``vllm/outputs.py``); vLLM is GPU-only and optional: ``pip install 'lean-gym[vllm]'``.

vLLM has no per-call timeout in process: ``max_new_tokens`` bounds a call. For a server
(``vllm serve``, SGLang) with timeouts and retries use
:class:`~agents.policies.openai.OpenAIPolicy`.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import Any

from agents.policies.errors import PolicyError
from agents.policies.generation import Completion, ModelPolicy
from lean_gym.data.templates import DEFAULT_TEMPLATE, PromptTemplate
from lean_gym.types import ProofState

__all__ = ["VLLMPolicy", "completions_from_request_output", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'lean-gym[vllm]'"


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as exc:
        raise ImportError(
            f"VLLMPolicy needs vLLM, which is not installed ({exc}); it runs on a GPU machine: "
            f"{INSTALL_HINT}"
        ) from exc
    return vllm


def _token_logprobs(output: Any) -> tuple[float, ...]:
    """Each generated token's log-probability, from ``CompletionOutput.logprobs``.

    That is one ``{token_id: Logprob}`` per generated token when ``logprobs`` is requested
    (the sampled token always among the keys); empty when vLLM returned none.
    """
    per_token = getattr(output, "logprobs", None)
    if not per_token:
        return ()
    values = []
    for token_id, step in zip(output.token_ids, per_token, strict=False):
        entry = step.get(token_id) if isinstance(step, dict) else None
        if entry is None:
            return ()
        values.append(float(entry.logprob))
    return tuple(values)


def completions_from_request_output(request_output: Any) -> list[Completion]:
    """The samples of one ``vllm.RequestOutput`` (its ``outputs``, a ``CompletionOutput`` each).

    The summed log-probability is ``cumulative_logprob`` when vLLM filled it in (it does when
    ``logprobs`` is requested), else the sum of the per-token values.

    Raises:
        PolicyError: A sample carries no log-probability at all.
    """
    completions = []
    for output in request_output.outputs:
        token_ids = tuple(int(t) for t in output.token_ids)
        values = _token_logprobs(output)
        cumulative = getattr(output, "cumulative_logprob", None)
        if cumulative is None:
            if len(values) != len(token_ids):
                raise PolicyError(
                    "vLLM returned no log-probabilities for a sample (SamplingParams.logprobs "
                    "unset?)"
                )
            cumulative = sum(values)
        completions.append(
            Completion(
                text=output.text,
                logprob=float(cumulative),
                num_tokens=len(token_ids),
                token_ids=token_ids,
                token_logprobs=values,
            )
        )
    return completions


class VLLMPolicy(ModelPolicy):
    """Samples candidates from a model served by an in-process ``vllm.LLM``.

    Args:
        model: A hub model name or local directory (the tail of the ``vllm:`` spec).
        template: The prompt template (name or object); it fixes the granularity.
        dtype: The engine's ``dtype`` (``"auto"``: the checkpoint's, bfloat16 for provers).
        tensor_parallel_size: GPUs per engine.
        gpu_memory_utilization: Share of GPU memory vLLM may take.
        max_model_len: Context length (None: the model's).
        trust_remote_code: For models with custom code.
        use_chat_template: For chat templates, render the turns with the tokenizer's own chat
            template (``LLM.get_tokenizer().apply_chat_template``).
        llm: An engine already built (then ``model`` only names it).
        engine_kwargs: Further ``vllm.LLM`` arguments (``enforce_eager``,
            ``enable_prefix_caching``, ...).
        **sampling: The sampling settings
            (:class:`~agents.policies.generation.SamplingSettings`): ``temperature`` (0 decodes
            greedily, one candidate), ``top_p``, ``top_k`` (0 disables it),
            ``max_new_tokens`` (``SamplingParams.max_tokens``), ``oversample``, ``seed`` (the
            engine's seed, and request ``i`` uses ``seed + i``).

    Raises:
        ImportError: vLLM is not installed (with the install command).
    """

    def __init__(
        self,
        model: str,
        *,
        template: str | PromptTemplate = DEFAULT_TEMPLATE,
        dtype: str = "auto",
        tensor_parallel_size: int = 1,
        gpu_memory_utilization: float = 0.9,
        max_model_len: int | None = None,
        trust_remote_code: bool = False,
        use_chat_template: bool = False,
        llm: Any = None,
        engine_kwargs: dict[str, Any] | None = None,
        **sampling: Any,
    ) -> None:
        super().__init__(template, **sampling)
        vllm = _import_vllm()
        self._sampling_params_cls = vllm.SamplingParams
        self.model_name = str(model)
        self.use_chat_template = use_chat_template and self.template_has_chat
        if llm is None:
            options: dict[str, Any] = {
                "model": self.model_name,
                "dtype": dtype,
                "tensor_parallel_size": tensor_parallel_size,
                "gpu_memory_utilization": gpu_memory_utilization,
                "trust_remote_code": trust_remote_code,
            }
            if max_model_len is not None:
                options["max_model_len"] = max_model_len
            if self.sampling.seed is not None:
                options["seed"] = self.sampling.seed
            options.update(engine_kwargs or {})
            llm = vllm.LLM(**options)
        self.llm = llm

    def sampling_params(self, n: int, seed: int | None = None) -> Any:
        """The ``vllm.SamplingParams`` of one generation call."""
        settings = self.sampling
        stop = [s for s in self.template.stop if s]
        return self._sampling_params_cls(
            n=n,
            temperature=settings.temperature,
            top_p=settings.top_p,
            top_k=settings.top_k if settings.top_k > 0 else -1,
            max_tokens=settings.max_new_tokens,
            logprobs=1,
            stop=stop or None,
            seed=seed,
        )

    def prompt(self, state: ProofState) -> str:
        if self.use_chat_template:
            messages = self.template.messages(state.pp(), state.theorem, state.tactics)
            tokenizer = self.llm.get_tokenizer()
            return tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        return super().prompt(state)

    def complete(
        self, prompts: Sequence[str], n: int, seed: int | None = None
    ) -> list[list[Completion]]:
        inputs: list[Any] = list(prompts)
        if self.use_chat_template:
            # The chat template already wrote the special tokens (BOS included): hand vLLM the
            # token ids so that it does not add them a second time.
            tokenizer = self.llm.get_tokenizer()
            inputs = [
                {"prompt_token_ids": tokenizer(p, add_special_tokens=False)["input_ids"]}
                for p in prompts
            ]
        outputs = self.llm.generate(inputs, self.sampling_params(n, seed), use_tqdm=False)
        if len(outputs) != len(prompts):
            raise PolicyError(f"vLLM returned {len(outputs)} outputs for {len(prompts)} prompts")
        return [completions_from_request_output(output) for output in outputs]

    def cache_key(self) -> tuple[Any, ...]:
        return (*super().cache_key(), self.model_name, self.use_chat_template)

    def close(self) -> None:
        """Drops the engine (vLLM frees its GPU memory when it is collected)."""
        self.llm = None
        gc.collect()

    def __repr__(self) -> str:
        return f"VLLMPolicy({self.model_name!r}, template={self.template.name!r})"
