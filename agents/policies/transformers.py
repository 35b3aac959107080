"""A policy that samples from any Hugging Face causal LM with ``transformers``' ``generate``.

The spec ``hf:PATH_OR_NAME`` builds it: a local ``save_pretrained`` folder (the tiny model of
:mod:`agents.models.tiny`, a fine-tuned checkpoint) or a hub name (downloaded unless
``HF_HUB_OFFLINE=1``, in which case the error says so). One :meth:`propose_batch` is one
``generate`` call for all the states of a search frontier (left padding), ``k`` samples each
(``num_return_sequences``); each sample is cut at the template's stop strings and at the end
of sequence, parsed by the template, deduplicated, and ranked by its summed token
log-probability.

The log-probabilities are those of the model's raw logits (before temperature, top-k and
top-p), taken by a logits processor that keeps one step of log-softmax at a time (no
``vocab x steps`` tensor per sample), the stop or end-of-sequence token included: the same
numbers vLLM reports as ``cumulative_logprob``. A generation call is bounded by
``max_time`` seconds (``transformers``' ``MaxTimeCriteria``: samples are cut when it passes).
On a GPU the model runs in bfloat16 unless ``dtype`` says otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents.policies.errors import ModelLoadError, PolicyError
from agents.policies.generation import Completion, ModelPolicy
from lean_gym.data.templates import DEFAULT_TEMPLATE, PromptTemplate
from lean_gym.types import ProofState

__all__ = ["TransformersPolicy"]

_INSTALL_HINT = "pip install 'lean-gym[train]'"
_DTYPES = ("auto", "bfloat16", "float16", "float32")


def _import_torch_transformers() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise ImportError(
            f"TransformersPolicy needs torch and transformers ({exc}); install them with "
            f"{_INSTALL_HINT}"
        ) from exc
    return torch, transformers


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _load_error(name: str, exc: Exception) -> ModelLoadError:
    path = Path(name).expanduser()
    if path.is_dir():
        return ModelLoadError(f"could not load a causal LM and its tokenizer from {path}: {exc}")
    if path.exists():
        return ModelLoadError(f"{path} is a file, not a model directory (a save_pretrained folder)")
    if _hub_offline():
        return ModelLoadError(
            f"model {name!r} is not a local directory and HF_HUB_OFFLINE=1 forbids downloading "
            "it: pass a save_pretrained folder (agents.models.tiny.build_tiny_model builds a "
            "tiny one) or unset HF_HUB_OFFLINE"
        )
    return ModelLoadError(f"could not load model {name!r} from the Hugging Face Hub: {exc}")


def _recorder(torch: Any, transformers: Any) -> Any:
    """A logits processor recording the raw log-probability of every sampled token.

    Called at each step with the sequences so far and that step's scores, it keeps the step's
    log-softmax until the next call shows which token was picked, and stores only that
    token's value. Steps that ``generate`` later undoes are ignored: values are keyed by the
    position they score.
    """

    class TokenLogprobRecorder(transformers.LogitsProcessor):
        def __init__(self) -> None:
            self.pending: tuple[int, Any] | None = None
            self.resolved: dict[int, Any] = {}

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            length = input_ids.shape[1]
            if self.pending is not None and self.pending[0] == length - 1:
                pos, logp = self.pending
                self.resolved[pos] = logp.gather(1, input_ids[:, pos : pos + 1]).squeeze(1)
            self.pending = (length, torch.log_softmax(scores.float(), dim=-1))
            return scores

        def token_logprobs(self, sequences: Any, start: int) -> Any:
            columns = []
            for pos in range(start, sequences.shape[1]):
                if pos in self.resolved:
                    columns.append(self.resolved[pos])
                elif self.pending is not None and self.pending[0] == pos:
                    logp = self.pending[1]
                    columns.append(logp.gather(1, sequences[:, pos : pos + 1]).squeeze(1))
                else:  # pragma: no cover - generate scored every position it kept
                    raise RuntimeError(f"no recorded log-probability for position {pos}")
            if not columns:
                return torch.zeros((sequences.shape[0], 0), device=sequences.device)
            return torch.stack(columns, dim=1)

    return TokenLogprobRecorder()


class TransformersPolicy(ModelPolicy):
    """Samples candidates from a Hugging Face causal LM.

    Args:
        model_name_or_path: A ``save_pretrained`` directory or a hub model name (the tail of
            the ``hf:`` spec).
        template: The prompt template (name or object); it fixes the granularity.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
        dtype: ``"auto"`` (bfloat16 on a GPU, float32 on the CPU), ``"bfloat16"``,
            ``"float16"`` or ``"float32"``.
        batch_size: The most prompts per ``generate`` call; None: all of a frontier at once.
        max_time: Seconds one ``generate`` call may take (samples are cut then); None: no
            bound.
        max_prompt_tokens: Prompts longer than this lose their start (left truncation);
            None: the model's context length minus ``max_new_tokens`` when it has one.
        use_chat_template: For chat templates, render the turns with the tokenizer's own chat
            template instead of the template's fixed rendering.
        trust_remote_code: Passed to ``from_pretrained`` (models with custom code).
        model: An already loaded model (then ``model_name_or_path`` only names it).
        tokenizer: An already loaded tokenizer (with ``model``).
        **sampling: The sampling settings
            (:class:`~agents.policies.generation.SamplingSettings`): ``temperature`` (0 decodes
            greedily, one candidate), ``top_p``, ``top_k`` (0 disables it),
            ``max_new_tokens``, ``oversample`` (draw ``ceil(k * oversample)`` samples for
            ``k`` distinct candidates), ``seed`` (generation call ``i`` uses ``seed + i``).

    Raises:
        ModelLoadError: The model or tokenizer cannot be loaded (the message says how to fix
            it), or the device is not available.
        ImportError: torch or transformers is missing (with the install command).
    """

    def __init__(
        self,
        model_name_or_path: str | os.PathLike[str],
        *,
        template: str | PromptTemplate = DEFAULT_TEMPLATE,
        device: str = "auto",
        dtype: str = "auto",
        batch_size: int | None = None,
        max_time: float | None = 60.0,
        max_prompt_tokens: int | None = None,
        use_chat_template: bool = False,
        trust_remote_code: bool = False,
        model: Any = None,
        tokenizer: Any = None,
        **sampling: Any,
    ) -> None:
        super().__init__(template, **sampling)
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {_DTYPES}, got {dtype!r}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if max_time is not None and max_time <= 0:
            raise ValueError(f"max_time must be > 0 seconds, got {max_time}")
        torch, transformers = _import_torch_transformers()
        self._torch = torch
        self._transformers = transformers
        self.model_name = str(model_name_or_path)
        self.device = self._resolve_device(device)
        self.dtype = self._resolve_dtype(dtype)
        self.batch_size = batch_size
        self.max_time = max_time
        self.use_chat_template = use_chat_template and self.template_has_chat
        if (model is None) != (tokenizer is None):
            raise ValueError("pass both model and tokenizer, or neither")
        if model is None:
            tokenizer, model = self._load(trust_remote_code)
        self.tokenizer = tokenizer
        self.model = model.to(self.device).eval()
        self._prepare_tokenizer()
        if self.use_chat_template and not getattr(self.tokenizer, "chat_template", None):
            raise ModelLoadError(
                f"use_chat_template=True but the tokenizer of {self.model_name!r} has no chat "
                "template; use the template's own rendering (use_chat_template=False)"
            )
        context = getattr(self.model.config, "max_position_embeddings", None)
        if max_prompt_tokens is None and isinstance(context, int):
            max_prompt_tokens = max(1, context - self.sampling.max_new_tokens)
        self.max_prompt_tokens = max_prompt_tokens
        self._eos_ids = self._end_token_ids()
        self._stop_criteria = self._stop_string_criteria()

    # ------------------------------------------------------------------------------ set-up

    def _resolve_device(self, device: str) -> str:
        torch = self._torch
        if device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ModelLoadError(f"device {device!r} requested but CUDA is not available here")
        if device != "cpu" and not device.startswith("cuda"):
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}")
        return device

    def _resolve_dtype(self, dtype: str) -> Any:
        torch = self._torch
        if dtype == "auto":
            return torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        return getattr(torch, dtype)

    def _load(self, trust_remote_code: bool) -> tuple[Any, Any]:
        transformers = self._transformers
        name = self.model_name
        if Path(name).expanduser().is_dir():
            name = str(Path(name).expanduser())
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(
                name, trust_remote_code=trust_remote_code
            )
            model = transformers.AutoModelForCausalLM.from_pretrained(
                name, dtype=self.dtype, trust_remote_code=trust_remote_code
            )
        except (OSError, ValueError, KeyError) as exc:
            raise _load_error(self.model_name, exc) from exc
        return tokenizer, model

    def _prepare_tokenizer(self) -> None:
        tokenizer = self.tokenizer
        if tokenizer.pad_token is None:
            if tokenizer.eos_token is None:
                raise ModelLoadError(
                    f"the tokenizer of {self.model_name!r} has no pad or eos token"
                )
            tokenizer.pad_token = tokenizer.eos_token
        tokenizer.padding_side = "left"
        tokenizer.truncation_side = "left"

    def _end_token_ids(self) -> frozenset[int]:
        ids: set[int] = set()
        configured = getattr(self.model.generation_config, "eos_token_id", None)
        if isinstance(configured, int):
            ids.add(configured)
        elif configured is not None:
            ids.update(int(i) for i in configured)
        if self.tokenizer.eos_token_id is not None:
            ids.add(int(self.tokenizer.eos_token_id))
        return frozenset(ids)

    def _stop_string_criteria(self) -> Any:
        stop = [s for s in self.template.stop if s]
        if not stop:
            return None
        return self._transformers.StopStringCriteria(tokenizer=self.tokenizer, stop_strings=stop)

    # ---------------------------------------------------------------------------- sampling

    def prompt(self, state: ProofState) -> str:
        if self.use_chat_template:
            messages = self.template.messages(state.pp(), state.theorem, state.tactics)
            return self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        return super().prompt(state)

    def complete(
        self, prompts: Sequence[str], n: int, seed: int | None = None
    ) -> list[list[Completion]]:
        torch = self._torch
        size = self.batch_size or len(prompts)
        results: list[list[Completion]] = []
        devices = [self.device] if self.device.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices, enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            for start in range(0, len(prompts), size):
                results.extend(self._generate(prompts[start : start + size], n))
        return results

    def _generate(self, prompts: Sequence[str], n: int) -> list[list[Completion]]:
        torch = self._torch
        settings = self.sampling
        encoded = self.tokenizer(
            list(prompts),
            return_tensors="pt",
            padding=True,
            truncation=self.max_prompt_tokens is not None,
            max_length=self.max_prompt_tokens,
            add_special_tokens=not self.use_chat_template,
        ).to(self.device)
        recorder = _recorder(torch, self._transformers)
        options: dict[str, Any] = {
            "max_new_tokens": settings.max_new_tokens,
            "num_return_sequences": n,
            "return_dict_in_generate": True,
            "pad_token_id": self.tokenizer.pad_token_id,
            "eos_token_id": sorted(self._eos_ids) or None,
            "logits_processor": self._transformers.LogitsProcessorList([recorder]),
        }
        if self._stop_criteria is not None:
            options["stopping_criteria"] = self._transformers.StoppingCriteriaList(
                [self._stop_criteria]
            )
        if self.max_time is not None:
            options["max_time"] = self.max_time
        if settings.greedy:
            options.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            options.update(
                do_sample=True,
                temperature=settings.temperature,
                top_p=settings.top_p,
                top_k=settings.top_k,
            )
        try:
            with torch.inference_mode():
                output = self.model.generate(**encoded, **options)
        except torch.cuda.OutOfMemoryError as exc:
            raise PolicyError(
                f"out of GPU memory sampling {n} completions for {len(prompts)} prompts; "
                "lower batch_size or k"
            ) from exc
        start = encoded["input_ids"].shape[1]
        sequences = output.sequences
        logprobs = recorder.token_logprobs(sequences, start).float().cpu()
        generated = sequences[:, start:].cpu().tolist()
        grouped: list[list[Completion]] = [[] for _ in prompts]
        for row, ids in enumerate(generated):
            end = self._sequence_end(ids)
            text = self.tokenizer.decode(ids[:end], skip_special_tokens=True)
            values = tuple(float(v) for v in logprobs[row, :end].tolist())
            grouped[row // n].append(
                Completion(
                    text=text,
                    logprob=float(logprobs[row, :end].sum()) if end else 0.0,
                    num_tokens=end,
                    token_ids=tuple(ids[:end]),
                    token_logprobs=values,
                )
            )
        return grouped

    def _sequence_end(self, ids: list[int]) -> int:
        """How many of the generated ``ids`` a sample has: up to its end token or stop string.

        What follows is padding (``generate`` pads finished samples until all are done); a
        sample that a stop criterion ended on text spanning the prompt has no stop string of
        its own, only that trailing padding.
        """
        end = len(ids)
        pad = self.tokenizer.pad_token_id
        if pad is not None and pad not in self._eos_ids:
            while end and ids[end - 1] == pad:
                end -= 1
        for i, token in enumerate(ids[:end]):
            if token in self._eos_ids:
                end = i + 1
                break
        stops = [s for s in self.template.stop if s]
        if not stops:
            return end

        def stopped(length: int) -> bool:
            text = self.tokenizer.decode(ids[:length], skip_special_tokens=False)
            return any(s in text for s in stops)

        if not stopped(end):
            return end
        low, high = 1, end  # the shortest prefix that already holds a stop string
        while low < high:
            mid = (low + high) // 2
            if stopped(mid):
                high = mid
            else:
                low = mid + 1
        return low

    def cache_key(self) -> tuple[Any, ...]:
        return (*super().cache_key(), self.model_name, self.use_chat_template)

    def close(self) -> None:
        """Drops the model (and frees its GPU memory)."""
        self.model = None
        if self.device.startswith("cuda"):
            self._torch.cuda.empty_cache()

    def __repr__(self) -> str:
        return (
            f"TransformersPolicy({self.model_name!r}, template={self.template.name!r}, "
            f"device={self.device!r})"
        )
