"""Multi-turn episodes in ``LeanSegment-v0`` as one GRPO completion, through ``rollout_func``.

The granularity the envs exist for, trained by the verifier: a rollout is one episode. The model
writes a segment (its tokens are trained: ``env_mask`` 1), the env runs it and answers with the
next proof state, or with Lean's error and the unchanged state (those tokens are the env's:
``env_mask`` 0, left out of the loss), the model writes the next segment, and so on until the
proof is complete, ``max_turns`` segments were written, or the token budget
(``max_completion_length``) is spent. The reward comes at the end from the env's verdict:
``LeanSegment-v0`` pays 1.0 only for a complete proof its backend's ``verify`` accepted
(integrity rules included); :class:`training.rewards.EpisodeReward` reads it from the extra
``proved`` key this rollout returns (TRL forwards every extra key to the reward functions).

Following trl#4543, the whole episode is one sequence: ``prompt_ids`` are the tokens of the
first state's prompt and every later turn lives inside ``completion_ids``, so the trainer's
log-probabilities are computed against exactly the prefix the model saw while sampling (token
ids are concatenated, never re-tokenized). TRL 1.16 passes this function the already-repeated
prompt list (each prompt ``num_generations`` times) and expects one completion per entry.

Each episode is also kept for the data layer: a search-tree record
(``origin: "rl-episode"``; a failed segment is a failed leaf, the next segment starts from the
same state) appended to ``episodes.jsonl`` in the output directory.

Generation uses the trainer's own sampling settings (temperature, top-p, top-k) through
``model.generate``, or ``trainer.vllm_generation.generate`` with ``use_vllm`` (colocate or
server). With vLLM on several processes every process makes the same number of generation
calls (collective in server mode), padding with a dummy prompt once its episodes are over.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lean_gym.data.templates import PromptTemplate, get_template
from lean_gym.data.trajectories import TreeBuilder, backend_info
from lean_gym.tactic_text import join_tactics
from lean_gym.types import LeanError, Theorem

__all__ = ["EpisodeRollout", "Episode", "feedback_text"]

logger = logging.getLogger(__name__)

# Longest Lean error message shown to the model (errors can print whole goals).
MAX_ERROR_CHARS = 300


def feedback_text(
    template: PromptTemplate,
    theorem: Theorem,
    state_text: str,
    prefix: Sequence[str],
    error: str | None,
) -> str:
    """What the env says after a segment: the next state's prompt, after Lean's error if any."""
    text = "\n"
    if error:
        message = error if len(error) <= MAX_ERROR_CHARS else error[:MAX_ERROR_CHARS] + "…"
        text += f"error: {message}\n"
    return text + template.render(state_text, theorem, prefix)


@dataclass
class Episode:
    """One rollout in progress."""

    theorem: Theorem
    env: Any
    prompt_ids: list[int]
    builder: TreeBuilder
    node: int = 0
    completion_ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    env_mask: list[int] = field(default_factory=list)
    tactics: list[str] = field(default_factory=list)
    turns: int = 0
    done: bool = False
    proved: bool = False
    end_reason: str = ""
    verify_reason: str | None = None

    def finish(self, reason: str) -> None:
        self.done = True
        self.end_reason = reason


class EpisodeRollout:
    """A TRL ``rollout_func``: one ``LeanSegment-v0`` episode per prompt.

    Args:
        theorems: The training theorems; each prompt must be the template's prompt of one of
            their root states (what :func:`training.grpo.build_dataset` writes).
        prompts: ``{prompt text: theorem}`` (the dataset's prompts).
        template: The prompt template (a state template: ``leandojo``, ``bfs-prover``...).
        backend: A backend instance shared by the episodes' envs (left open), or a name.
        max_turns: Segments per episode (the env truncates at its own limit, 20, too).
        max_turn_tokens: Tokens per segment.
        output_dir: Where ``episodes.jsonl`` is appended (None: not written).
        env_id: The env to play in.
    """

    __name__ = "lean_segment_episode"

    def __init__(
        self,
        prompts: Mapping[str, Theorem],
        *,
        template: str | PromptTemplate = "leandojo",
        backend: Any = "minilean",
        max_turns: int = 8,
        max_turn_tokens: int = 64,
        output_dir: str | os.PathLike[str] | None = None,
        env_id: str = "LeanSegment-v0",
    ):
        import lean_gym  # noqa: F401  (registers the env ids)

        self.template = get_template(template)
        if self.template.name == "whole-proof":
            raise ValueError("episode mode needs a state template (leandojo, bfs-prover, ...)")
        if max_turns < 1 or max_turn_tokens < 1:
            raise ValueError("max_turns and max_turn_tokens must be >= 1")
        self.prompts = dict(prompts)
        self.max_turns = int(max_turns)
        self.max_turn_tokens = int(max_turn_tokens)
        self.env_id = env_id
        if isinstance(backend, str):
            from lean_gym.backends import make_backend

            backend = make_backend(backend)
        self.backend = backend
        self.path = None if output_dir is None else Path(output_dir) / "episodes.jsonl"
        self._lock = threading.Lock()
        self.episodes_played = 0
        self.episodes_proved = 0

    # ------------------------------------------------------------------ the rollout

    def __call__(self, prompts: list[Any], trainer: Any) -> dict[str, Any]:
        tokenizer = trainer.processing_class
        tokenizer = getattr(tokenizer, "tokenizer", tokenizer)
        budget = int(trainer.args.max_completion_length)
        episodes = [self._start(self._prompt_text(p), tokenizer) for p in prompts]
        lockstep = bool(getattr(trainer, "use_vllm", False)) and (
            trainer.accelerator.num_processes > 1
        )
        for _ in range(self.max_turns):
            active = [e for e in episodes if not e.done]
            if not active and not lockstep:
                break
            limits = [min(self.max_turn_tokens, budget - len(e.completion_ids)) for e in active]
            sequences = [e.prompt_ids + e.completion_ids for e in active]
            generated = self._generate(
                trainer, sequences or [episodes[0].prompt_ids], limits or [1]
            )
            if not active:
                continue
            for episode, (ids, logps) in zip(active, generated, strict=True):
                self._play_turn(episode, ids, logps, tokenizer, budget)
        for episode in episodes:
            if not episode.done:
                episode.finish("turn_limit")
            episode.env.close()
        self._record(episodes, trainer)
        return {
            "prompt_ids": [e.prompt_ids for e in episodes],
            "completion_ids": [e.completion_ids for e in episodes],
            "logprobs": [e.logprobs for e in episodes],
            "env_mask": [e.env_mask for e in episodes],
            "proved": [e.proved for e in episodes],
            "end_reason": [e.end_reason for e in episodes],
            "turns": [e.turns for e in episodes],
        }

    def _prompt_text(self, prompt: Any) -> str:
        if isinstance(prompt, str):
            return prompt
        if isinstance(prompt, list) and prompt and isinstance(prompt[-1], dict):
            return str(prompt[-1].get("content", ""))
        return str(prompt)

    def _start(self, prompt: str, tokenizer: Any) -> Episode:
        import gymnasium as gym

        theorem = self.prompts.get(prompt)
        if theorem is None:
            raise KeyError("episode rollout: a prompt that is no theorem's root prompt")
        env = gym.make(self.env_id, dataset=[theorem], backend=self.backend)
        env.reset(options={"theorem": theorem.name})
        builder = TreeBuilder(theorem)
        builder.add_root(env.unwrapped.state)
        ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        return Episode(theorem=theorem, env=env, prompt_ids=list(ids), builder=builder)

    def _play_turn(
        self,
        episode: Episode,
        ids: list[int],
        logps: list[float],
        tokenizer: Any,
        budget: int,
    ) -> None:
        episode.completion_ids.extend(ids)
        episode.logprobs.extend(logps)
        episode.env_mask.extend([1] * len(ids))
        episode.turns += 1
        segment = tokenizer.decode(ids, skip_special_tokens=True)
        try:
            tactics = self.template.parse(segment)
        except ValueError:
            tactics = []
        action = join_tactics(tactics) if tactics else segment
        _, reward, terminated, truncated, info = episode.env.step(action)
        error = info.get("error")
        if error is None:
            after = episode.env.unwrapped.state
            episode.node = episode.builder.add_state(episode.node, action or " ", after)
            episode.tactics = list(after.tactics)
        else:
            episode.builder.add_failure(
                episode.node, action or " ", LeanError(str(error["kind"]), str(error["message"]))
            )
        if terminated:
            verification = info.get("verification") or {}
            episode.proved = bool(verification.get("ok")) and reward > 0
            episode.verify_reason = verification.get("reason")
            episode.finish(
                "verified" if episode.proved else str(episode.verify_reason or "unverified")
            )
            return
        if truncated or episode.turns >= self.max_turns:
            episode.finish("turn_limit")
            return
        state = episode.env.unwrapped.state
        feedback = feedback_text(
            self.template,
            episode.theorem,
            state.pp(),
            list(state.tactics),
            None if error is None else str(error["message"]),
        )
        feedback_ids = tokenizer(feedback, add_special_tokens=False)["input_ids"]
        if len(episode.completion_ids) + len(feedback_ids) + 1 > budget:
            episode.finish("token_limit")
            return
        episode.completion_ids.extend(feedback_ids)
        episode.logprobs.extend([0.0] * len(feedback_ids))
        episode.env_mask.extend([0] * len(feedback_ids))

    # ------------------------------------------------------------------ generation

    def _generate(
        self, trainer: Any, sequences: list[list[int]], limits: list[int]
    ) -> list[tuple[list[int], list[float]]]:
        """One segment per sequence: (token ids up to and including EOS, their logprobs)."""
        if getattr(trainer, "use_vllm", False):
            return self._generate_vllm(trainer, sequences, limits)
        return self._generate_transformers(trainer, sequences, limits)

    def _generate_transformers(
        self, trainer: Any, sequences: list[list[int]], limits: list[int]
    ) -> list[tuple[list[int], list[float]]]:
        import torch
        from trl.models import unwrap_model_for_generation

        tokenizer = getattr(trainer.processing_class, "tokenizer", trainer.processing_class)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        width = max(len(s) for s in sequences)
        device = trainer.accelerator.device
        input_ids = torch.tensor([[pad] * (width - len(s)) + s for s in sequences], device=device)
        attention = torch.tensor(
            [[0] * (width - len(s)) + [1] * len(s) for s in sequences], device=device
        )
        config = copy.deepcopy(trainer.generation_config)
        config.max_new_tokens = max(1, max(limits))
        config.output_scores = True
        config.return_dict_in_generate = True
        eos = set(trainer.eos_token_ids)
        with (
            unwrap_model_for_generation(
                trainer.model_wrapped,
                trainer.accelerator,
                gather_deepspeed3_params=trainer.args.ds3_gather_for_generation,
                generation_kwargs=trainer.generation_kwargs,
                gradient_checkpointing_kwargs=trainer.args.gradient_checkpointing_kwargs,
            ) as model,
            torch.no_grad(),
        ):
            out = model.generate(
                input_ids=input_ids,
                attention_mask=attention,
                generation_config=config,
            )
            scores = model.compute_transition_scores(
                out.sequences, out.scores, normalize_logits=True
            )
        new = out.sequences[:, width:].tolist()
        logps = scores.tolist()
        results = []
        for ids, lps, limit in zip(new, logps, limits, strict=True):
            cut = min(limit, len(ids))
            for i, token in enumerate(ids[:cut]):
                if token in eos:
                    cut = i + 1
                    break
            results.append((ids[:cut], [float(x) for x in lps[:cut]]))
        return results

    def _generate_vllm(
        self, trainer: Any, sequences: list[list[int]], limits: list[int]
    ) -> list[tuple[list[int], list[float]]]:
        generation = trainer.vllm_generation
        previous = generation.max_completion_length
        generation.max_completion_length = max(1, max(limits))
        try:
            _, completion_ids, logprobs, _ = generation.generate(
                prompts=sequences, images=None, num_generations=1
            )
        finally:
            generation.max_completion_length = previous
        eos = set(trainer.eos_token_ids)
        results = []
        for ids, lps, limit in zip(completion_ids, logprobs, limits, strict=True):
            ids = list(ids)[:limit]
            flat = [float(lp[0]) if isinstance(lp, (list, tuple)) else float(lp) for lp in lps]
            for i, token in enumerate(ids):
                if token in eos:
                    ids = ids[: i + 1]
                    break
            results.append((ids, flat[: len(ids)]))
        return results

    # ------------------------------------------------------------------ the data layer

    def _record(self, episodes: Sequence[Episode], trainer: Any) -> None:
        with self._lock:
            self.episodes_played += len(episodes)
            self.episodes_proved += sum(e.proved for e in episodes)
        if self.path is None or not trainer.accelerator.is_main_process:
            return
        name, version, lean_version = backend_info(self.backend)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        step = int(getattr(trainer.state, "global_step", 0))
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            for episode in episodes:
                record = episode.builder.build(
                    backend=name,
                    backend_version=version,
                    lean_version=lean_version,
                    origin="rl-episode",
                    proof=join_tactics(episode.tactics) if episode.tactics else None,
                    verified=True if episode.proved else (False if episode.verify_reason else None),
                    verify_reason=episode.verify_reason,
                    meta={"global_step": step, "turns": episode.turns, "end": episode.end_reason},
                )
                handle.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
