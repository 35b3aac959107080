"""Reward functions for TRL's ``GRPOTrainer``, paid by the Lean verifier.

Each is a callable with TRL's reward signature, ``f(prompts, completions, **kwargs) ->
list[float | None]`` (``trl/trainer/grpo_trainer.py``, ``_calculate_rewards``): ``kwargs`` holds
every dataset column as a list aligned with the completions, plus ``log_metric(name, value)``
and ``log_extra(column, values)``, and, in episode mode, the extra keys the rollout function
returned. The columns they read:

==================  =================================================================
``theorem_json``    the theorem, ``json.dumps(theorem.to_json())`` (the theorem's
                    JSON codec)
``prefix``          the tactics from the theorem's root to the prompt's state (a list)
==================  =================================================================

* :class:`ProofReward` (``proof``): the completion is a whole proof (after ``prefix``); 1.0 when
  ``verify_many`` accepts it, else 0.0. CoProver's binary verified reward.
* :class:`SegmentReward` (``segment``): the completion is a segment run from the prompt's state
  tactic by tactic; 1.0 when it closes the proof *and* the whole proof (prefix + segment)
  verifies, ``partial_credit`` times the share of the state's goals it closed when it closes
  some without error, ``valid_credit`` when it runs without error and closes none, 0.0 on any
  error.
* :class:`FormatReward` (``format``): 1.0 for a completion that is one tactic block (fences
  tolerated, no prose around or inside it, nothing the integrity text rules refuse).
* :class:`EpisodeReward` (``episode``): the verdict of a multi-turn episode, which
  ``LeanSegment-v0`` verified through integrity when its last segment closed the proof.

Rewards never crash training: a completion that does not parse, a tactic Lean refuses, a backend
that crashes or a check past its deadline (:class:`~training.verifier_pool.VerifierPool`) gives
0.0, and the reason is counted. Every call logs, through ``log_metric``, the share of the batch
per outcome (``outcomes/<reward>/verified``, ``outcomes/<reward>/timeout``,
``outcomes/<reward>/<rejection reason>``...),
so TensorBoard shows rejection reasons next to the reward curves. A proof counts only through
the backend's ``verify`` (:func:`lean_gym.integrity.verify_proof`).
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from lean_gym.data.templates import PromptTemplate, get_template
from lean_gym.integrity import check_proof_text
from lean_gym.tactic_text import join_tactics, strip_comments_and_strings
from lean_gym.types import LeanError, Success, Theorem
from training.verifier_pool import VerifierPool, WorkerContext

__all__ = [
    "LeanReward",
    "ProofReward",
    "SegmentReward",
    "FormatReward",
    "EpisodeReward",
    "REWARDS",
    "make_reward",
    "completion_text",
    "parse_theorem",
]

logger = logging.getLogger(__name__)


def completion_text(completion: Any) -> str:
    """The text of a completion: a string, or the last message of a conversational one."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        last = completion[-1]
        if isinstance(last, dict):
            return str(last.get("content") or "")
    return str(completion or "")


@lru_cache(maxsize=4096)
def parse_theorem(theorem_json: str) -> Theorem:
    """The theorem of a ``theorem_json`` column entry (cached: a batch repeats each G times)."""
    return Theorem.from_json(json.loads(theorem_json))


def _column(kwargs: dict[str, Any], name: str, n: int, reward: str) -> list[Any]:
    values = kwargs.get(name)
    if values is None:
        raise KeyError(
            f"the {reward} reward needs a {name!r} dataset column (build the dataset with "
            f"training.grpo.build_dataset); columns given: {sorted(kwargs)}"
        )
    if len(values) != n:
        raise ValueError(f"column {name!r} has {len(values)} entries for {n} completions")
    return list(values)


class LeanReward:
    """The shared behaviour: outcome counting, metrics, and never raising for one sample.

    Subclasses implement :meth:`score`, returning one ``(reward, outcome)`` per completion;
    ``outcome`` is ``verified``, ``timeout`` or a rejection reason.
    """

    __name__ = "lean"

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self._seen: set[str] = set()

    def score(
        self, prompts: Sequence[Any], completions: Sequence[str], kwargs: dict[str, Any]
    ) -> list[tuple[float, str]]:
        raise NotImplementedError

    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        texts = [completion_text(c) for c in completions]
        scored = self.score(prompts, texts, kwargs)
        self._log(scored, kwargs)
        return [float(reward) for reward, _ in scored]

    def _log(self, scored: list[tuple[float, str]], kwargs: dict[str, Any]) -> None:
        counts = Counter(outcome for _, outcome in scored)
        self.outcomes.update(counts)
        self._seen.update(counts)
        log_metric: Callable[[str, float], None] | None = kwargs.get("log_metric")
        if log_metric is not None and scored:
            # Every outcome seen so far is logged every step (0 when absent), so the averages
            # over a logging window are shares of all samples, not of the steps it appeared in.
            for outcome in sorted(self._seen):
                share = counts.get(outcome, 0) / len(scored)
                log_metric(f"outcomes/{self.__name__}/{outcome}", share)
        log_extra = kwargs.get("log_extra")
        if log_extra is not None:
            log_extra(f"{self.__name__}_outcome", [outcome for _, outcome in scored])


class _PoolReward(LeanReward):
    """A reward that runs Lean through a :class:`VerifierPool` (built from ``backend`` when no
    ``pool`` is given; then the reward owns and closes it)."""

    def __init__(
        self,
        *,
        pool: VerifierPool | None = None,
        backend: str = "minilean",
        workers: int = 1,
        timeout: float = 30.0,
        template: str | PromptTemplate = "leandojo",
        backend_kwargs: dict[str, Any] | None = None,
    ):
        super().__init__()
        self._owns_pool = pool is None
        self.pool = pool or VerifierPool(
            backend, size=workers, timeout=timeout, backend_kwargs=backend_kwargs
        )
        self.template = get_template(template)

    def parse(self, completion: str) -> list[str] | None:
        """The completion's tactics, or None when it has none or cannot be read."""
        try:
            tactics = self.template.parse(completion)
        except ValueError:
            return None
        return tactics or None

    def close(self) -> None:
        if self._owns_pool:
            self.pool.close()


class ProofReward(_PoolReward):
    """1.0 for a completion that, after the row's ``prefix``, is a proof ``verify_many`` accepts.

    Identical (theorem, proof) pairs of a batch (a group of G samples often repeats itself) are
    checked once.
    """

    __name__ = "proof"

    def score(
        self, prompts: Sequence[Any], completions: Sequence[str], kwargs: dict[str, Any]
    ) -> list[tuple[float, str]]:
        n = len(completions)
        theorems = _column(kwargs, "theorem_json", n, "proof")
        prefixes = kwargs.get("prefix") or [[] for _ in range(n)]
        results: list[tuple[float, str] | None] = [None] * n
        unique: dict[tuple[Theorem, str], list[int]] = {}
        for i, (completion, theorem_json, prefix) in enumerate(
            zip(completions, theorems, prefixes, strict=True)
        ):
            try:
                theorem = parse_theorem(theorem_json)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"bad theorem_json entry: {exc}") from exc
            tactics = self.parse(completion)
            if tactics is None:
                results[i] = (0.0, "no_tactics")
                continue
            proof = join_tactics([*(prefix or []), *tactics])
            unique.setdefault((theorem, proof), []).append(i)
        pairs = list(unique)
        verdicts = self.pool.verify_many(pairs)
        for pair, verdict in zip(pairs, verdicts, strict=True):
            outcome = "verified" if verdict.ok else (verdict.reason or "rejected")
            if outcome == "timeout":
                logger.warning(
                    "proof reward: verification of %s timed out (reward 0)", pair[0].name
                )
            for i in unique[pair]:
                results[i] = (1.0 if verdict.ok else 0.0, outcome)
        return [r if r is not None else (0.0, "error") for r in results]


def _run_segment(
    ctx: WorkerContext,
    item: tuple[Theorem, tuple[str, ...], tuple[str, ...], float, float],
) -> tuple[float, str]:
    """Runs a segment from the state after ``prefix``; the reward rule of :class:`SegmentReward`."""
    theorem, prefix, tactics, partial_credit, valid_credit = item
    start = ctx.start_state(theorem, prefix)
    if isinstance(start, LeanError):
        return 0.0, "bad_prefix"
    if start.is_solved:
        return 0.0, "already_solved"
    rejection = check_proof_text(join_tactics(tactics), ctx._pool.policy)
    if rejection is not None:
        return 0.0, rejection.reason
    state = start
    made = []
    try:
        for tactic in tactics:
            result = ctx.backend.run_tactic(state, tactic, ctx.timeout)
            if not isinstance(result, Success):
                return 0.0, "timeout" if result.kind == "timeout" else f"tactic_{result.kind}"
            state = result.state
            made.append(state)
            if state.is_solved:
                break
        if state.is_solved:
            if len(made) < len(tactics):
                return 0.0, "tactic_after_end"
            verdict = ctx.verify_many([(theorem, join_tactics([*prefix, *tactics]))])[0]
            if verdict.ok:
                return 1.0, "verified"
            return 0.0, verdict.reason or "rejected"
        closed = start.num_goals - state.num_goals
        if closed > 0:
            return partial_credit * closed / start.num_goals, "closed_goals"
        return valid_credit, "no_goal_closed"
    finally:
        for made_state in made:
            ctx.discard(made_state)


class SegmentReward(_PoolReward):
    """Runs the completion as a segment from the prompt's proof state.

    Args:
        partial_credit: Paid, times the share of the state's goals it closed, for a segment that
            closes goals without finishing the proof (0 turns it off).
        valid_credit: Paid for a segment that runs without error but closes no goal.
        **kwargs: As :class:`ProofReward` (``pool`` or ``backend``/``workers``/``timeout``,
            ``template``).
    """

    __name__ = "segment"

    def __init__(self, *, partial_credit: float = 0.5, valid_credit: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        if not 0.0 <= partial_credit <= 1.0 or not 0.0 <= valid_credit <= 1.0:
            raise ValueError("partial_credit and valid_credit must be in [0, 1]")
        self.partial_credit = float(partial_credit)
        self.valid_credit = float(valid_credit)

    def score(
        self, prompts: Sequence[Any], completions: Sequence[str], kwargs: dict[str, Any]
    ) -> list[tuple[float, str]]:
        n = len(completions)
        theorems = _column(kwargs, "theorem_json", n, "segment")
        prefixes = _column(kwargs, "prefix", n, "segment")
        results: list[tuple[float, str] | None] = [None] * n
        unique: dict[tuple[Any, ...], list[int]] = {}
        for i, (completion, theorem_json, prefix) in enumerate(
            zip(completions, theorems, prefixes, strict=True)
        ):
            tactics = self.parse(completion)
            if tactics is None:
                results[i] = (0.0, "no_tactics")
                continue
            item = (
                parse_theorem(theorem_json),
                tuple(prefix or ()),
                tuple(tactics),
                self.partial_credit,
                self.valid_credit,
            )
            unique.setdefault(item, []).append(i)
        items = list(unique)
        answers = self.pool.map(_run_segment, items)
        for item, answer in zip(items, answers, strict=True):
            if answer.ok:
                value = answer.value
            elif answer.status == "timeout":
                logger.warning("segment reward: %s timed out (reward 0)", item[0].name)
                value = (0.0, "timeout")
            else:
                logger.warning(
                    "segment reward: %s failed: %s (reward 0)", item[0].name, answer.detail
                )
                value = (0.0, "error")
            for i in unique[item]:
                results[i] = value
        return [r if r is not None else (0.0, "error") for r in results]


# Prose: a capitalised word followed by three or more plain words, or a line that ends a
# sentence. Lean tactics start with a lower-case keyword, a bullet or a symbol, and never end
# with a full stop after a word.
_PROSE_LINE = re.compile(r"^\s*[A-Z][a-z]+(?:[ ,]+[a-z][a-z']*){3,}|[A-Za-z][.!?]\s*$")
_FENCE_LINE = re.compile(r"^\s*```")


class FormatReward(LeanReward):
    """1.0 for a completion that is one tactic block and nothing else.

    A completion passes when: at most one fenced block, with nothing but white space outside it
    (the fence itself is tolerated); no line of prose (:data:`_PROSE_LINE`, judged on the text
    with comments and strings blanked); the template parses at least one tactic from it; the
    integrity text rules accept the block (no commands, ``sorry``, ...).
    """

    __name__ = "format"

    def __init__(self, *, template: str | PromptTemplate = "leandojo"):
        super().__init__()
        self.template = get_template(template)

    def judge(self, completion: str) -> str:
        """``ok`` or why the completion is not one clean tactic block."""
        text = completion
        for marker in ("<|endoftext|>", "</s>", "<|im_end|>", "<|eot_id|>"):
            text = text.split(marker, 1)[0]
        fences = [i for i, line in enumerate(text.split("\n")) if _FENCE_LINE.match(line)]
        lines = text.split("\n")
        if fences:
            if len(fences) > 2:
                return "several_blocks"
            end = fences[1] if len(fences) == 2 else len(lines)
            outside = lines[: fences[0]] + lines[end + 1 :]
            if any(line.strip() for line in outside):
                return "prose"
            body = "\n".join(lines[fences[0] + 1 : end])
        else:
            body = text
        masked = strip_comments_and_strings(body)
        if any(_PROSE_LINE.search(line) for line in masked.split("\n")):
            return "prose"
        try:
            tactics = self.template.parse(text)
        except ValueError:
            return "unreadable"
        if not tactics:
            return "no_tactics"
        rejection = check_proof_text(join_tactics(tactics))
        if rejection is not None:
            return rejection.reason
        return "ok"

    def score(
        self, prompts: Sequence[Any], completions: Sequence[str], kwargs: dict[str, Any]
    ) -> list[tuple[float, str]]:
        results = []
        for completion in completions:
            outcome = self.judge(completion)
            results.append((1.0 if outcome == "ok" else 0.0, outcome))
        return results


class EpisodeReward(LeanReward):
    """The verdict of a multi-turn episode (the ``proved`` key of the episode rollout).

    ``LeanSegment-v0`` pays its reward only for a complete proof its backend's ``verify``
    accepted; the rollout forwards that verdict per sample with the episode's end reason
    (``verified``, ``step_limit``, ``token_limit``, a rejection reason...).
    """

    __name__ = "episode"

    def score(
        self, prompts: Sequence[Any], completions: Sequence[str], kwargs: dict[str, Any]
    ) -> list[tuple[float, str]]:
        n = len(completions)
        proved = _column(kwargs, "proved", n, "episode")
        reasons = kwargs.get("end_reason") or ["verified" if p else "unproved" for p in proved]
        return [
            (1.0 if ok else 0.0, "verified" if ok else str(reason or "unproved"))
            for ok, reason in zip(proved, reasons, strict=True)
        ]


REWARDS: dict[str, type[LeanReward]] = {
    "proof": ProofReward,
    "segment": SegmentReward,
    "format": FormatReward,
    "episode": EpisodeReward,
}


def make_reward(name: str, **kwargs: Any) -> LeanReward:
    """A reward by name (``proof``, ``segment``, ``format``, ``episode``).

    Keyword arguments a reward does not take are dropped (the GRPO script passes the same
    backend settings to all of them).
    """
    try:
        cls = REWARDS[name]
    except KeyError:
        raise ValueError(f"unknown reward {name!r}; known: {sorted(REWARDS)}") from None
    accepted = {
        ProofReward: {"pool", "backend", "workers", "timeout", "template", "backend_kwargs"},
        SegmentReward: {
            "pool",
            "backend",
            "workers",
            "timeout",
            "template",
            "backend_kwargs",
            "partial_credit",
            "valid_credit",
        },
        FormatReward: {"template"},
        EpisodeReward: set(),
    }[cls]
    return cls(**{k: v for k, v in kwargs.items() if k in accepted})
