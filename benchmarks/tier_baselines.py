"""What a random and a greedy tactic agent prove on minilean-bench, per tier.

Two model-free baselines, both in ``LeanStep-v0`` on MiniLean with the same candidate tactics
at every state: the goal-aware scripted library's suggestions
(:class:`lean_gym.tactic_library.TacticLibrary`, the first ``--candidates`` of them) followed
by a short list of generic tactics (:data:`GENERIC_TACTICS`).

* random: at every step, one candidate drawn uniformly (seeded); a tactic Lean refuses leaves
  the state as it was and the agent draws again, up to ``--max-steps`` steps.
* greedy (one-step lookahead): at every step, every candidate is tried with ``expand``; a
  candidate that closes the proof is taken, else the successful one whose state has the
  fewest goals and then the shortest text, among states not seen before in the episode. It
  stops when no candidate leads anywhere new, or after ``--max-steps`` steps.

A theorem counts as proved only when the env paid the reward (the whole proof verified through
the integrity rules). The table has one row per tier (the ``difficulty`` field), proved counts
per agent, and the mean number of Lean calls per theorem.

Run: ``python benchmarks/tier_baselines.py [--dataset minilean-bench] [--split all]
[--limit N] [--max-steps 30]``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

import lean_gym  # noqa: F401  (registers the env ids)
from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace
from lean_gym.data.theorems import load_theorems
from lean_gym.tactic_library import TacticLibrary
from lean_gym.types import ProofState, Theorem

__all__ = [
    "Args",
    "GENERIC_TACTICS",
    "TIERS",
    "candidates",
    "random_agent",
    "greedy_agent",
    "measure",
    "format_table",
    "main",
]

GENERIC_TACTICS = (
    "intro h",
    "constructor",
    "assumption",
    "rfl",
    "simp",
    "omega",
    "decide",
    "trivial",
    "left",
    "right",
    "exfalso",
    "contradiction",
)
"""Tried after the library's suggestions at every state (duplicates dropped)."""

TIERS = ("easy", "medium", "hard")


@dataclass
class Args:
    """Command line arguments.

    Attributes:
        dataset: The theorem set (a shipped name or a jsonl path).
        split: Which rows: train, test, or all.
        limit: At most N theorems (after the split).
        max_steps: Env steps per episode (the random agent's draws, the greedy agent's moves).
        candidates: Library suggestions per state (the generic tactics come on top).
        seed: Seed of the random agent.
    """

    dataset: str = "minilean-bench"
    split: str = "all"
    limit: int | None = None
    max_steps: int = 30
    candidates: int = 16
    seed: int = 0

    def __post_init__(self) -> None:
        if self.split not in ("train", "test", "all"):
            raise ValueError(f"--split must be train, test or all, got {self.split!r}")
        if self.max_steps < 1:
            raise ValueError(f"--max-steps must be >= 1, got {self.max_steps}")
        if self.candidates < 0:
            raise ValueError(f"--candidates must be >= 0, got {self.candidates}")


def candidates(library: TacticLibrary, state: ProofState, k: int) -> list[str]:
    """The library's first ``k`` suggestions for ``state``, then the generic tactics."""
    out: list[str] = []
    for text in [s.text for s in library.suggest(state, k)] + list(GENERIC_TACTICS):
        if text not in out:
            out.append(text)
    return out


def random_agent(
    env: gym.Env, theorem: Theorem, *, max_steps: int, k: int, rng: random.Random
) -> bool:
    """One episode of uniformly drawn candidates; True when the env paid the reward."""
    library = TacticLibrary(seed=rng.randrange(2**31))
    env.reset(options={"theorem": theorem.name})
    for _ in range(max_steps):
        state = env.unwrapped.state
        tactic = rng.choice(candidates(library, state, k))
        _, reward, terminated, truncated, _ = env.step(tactic)
        if terminated:
            return reward > 0
        if truncated:
            return False
    return False


def _score(state: ProofState) -> tuple[int, int]:
    return (state.num_goals, len(state.pp()))


def greedy_agent(env: gym.Env, theorem: Theorem, *, max_steps: int, k: int) -> bool:
    """One episode of one-step lookahead; True when the env paid the reward."""
    library = TacticLibrary(seed=0)
    env.reset(options={"theorem": theorem.name})
    base = env.unwrapped
    seen = {base.state.key()}
    for _ in range(max_steps):
        state = base.state
        best: tuple[tuple[int, int], str] | None = None
        for tactic in candidates(library, state, k):
            outcome = base.expand(state, tactic)
            if not outcome.ok:
                continue
            after = outcome.state
            if after.is_solved:
                best = ((0, 0), tactic)
                break
            if after.key() in seen:
                continue
            if best is None or _score(after) < best[0]:
                best = (_score(after), tactic)
        if best is None:
            return False
        _, reward, terminated, truncated, _ = env.step(best[1])
        seen.add(base.state.key())
        if terminated:
            return reward > 0
        if truncated:
            return False
    return False


def measure(
    theorems: Sequence[Theorem],
    *,
    max_steps: int = 30,
    k: int = 16,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Runs both agents on every theorem: per tier, the theorem count and what each proved.

    Returns:
        ``{tier: {"theorems": n, "random": proved, "greedy": proved, "random_calls": calls,
        "greedy_calls": calls, "random_proved": [names], "greedy_proved": [names]}}``.
    """
    env = gym.make(
        "LeanStep-v0", dataset=list(theorems), backend="minilean", max_episode_steps=max_steps
    )
    rng = random.Random(seed)
    table: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "theorems": 0,
            "random": 0,
            "greedy": 0,
            "random_calls": 0,
            "greedy_calls": 0,
            "random_proved": [],
            "greedy_proved": [],
        }
    )
    for theorem in theorems:
        row = table[theorem.difficulty or "untagged"]
        row["theorems"] += 1
        for name, play in (
            ("random", lambda t: random_agent(env, t, max_steps=max_steps, k=k, rng=rng)),
            ("greedy", lambda t: greedy_agent(env, t, max_steps=max_steps, k=k)),
        ):
            proved = play(theorem)
            row[name] += proved
            row[f"{name}_calls"] += env.unwrapped.lean_calls
            if proved:
                row[f"{name}_proved"].append(theorem.name)
        if progress is not None:
            progress(theorem.name)
    env.close()
    order = {tier: i for i, tier in enumerate(TIERS)}
    return dict(sorted(table.items(), key=lambda item: order.get(item[0], len(order))))


def format_table(table: dict[str, dict[str, Any]]) -> str:
    """The measured table as markdown: proved per agent and tier, and Lean calls per theorem."""
    lines = [
        "| tier | theorems | random proves | greedy proves | Lean calls per theorem (random / greedy) |",
        "|---|---|---|---|---|",
    ]
    total = {"theorems": 0, "random": 0, "greedy": 0}
    for tier, row in table.items():
        n = row["theorems"]
        for key in total:
            total[key] += row[key]
        lines.append(
            f"| {tier} | {n} | {_share(row['random'], n)} | {_share(row['greedy'], n)} | "
            f"{row['random_calls'] / max(n, 1):.1f} / {row['greedy_calls'] / max(n, 1):.1f} |"
        )
    n = total["theorems"]
    lines.append(f"| all | {n} | {_share(total['random'], n)} | {_share(total['greedy'], n)} | |")
    return "\n".join(lines)


def _share(proved: int, n: int) -> str:
    return f"{proved} ({100.0 * proved / n:.1f}%)" if n else "0"


def main(argv: list[str] | None = None) -> dict[str, dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataclass_arguments(parser, Args)
    args = dataclass_from_namespace(Args, parser.parse_args(argv))
    split = None if args.split == "all" else args.split
    theorems = list(load_theorems(args.dataset, split=split, limit=args.limit))
    bar = _bar(len(theorems))
    began = time.perf_counter()
    table = measure(
        theorems,
        max_steps=args.max_steps,
        k=args.candidates,
        seed=args.seed,
        progress=(lambda _: bar.update(1)) if bar is not None else None,
    )
    if bar is not None:
        bar.close()
    print(
        f"{args.dataset} ({args.split}): {len(theorems)} theorems, max {args.max_steps} steps, "
        f"{args.candidates} library suggestions + {len(GENERIC_TACTICS)} generic tactics, "
        f"seed {args.seed}, {time.perf_counter() - began:.0f} s"
    )
    print(format_table(table))
    hard = table.get("hard")
    if hard is not None and (hard["random_proved"] or hard["greedy_proved"]):
        print(
            f"hard theorems a baseline proved: {sorted(set(hard['random_proved'] + hard['greedy_proved']))}"
        )
    return table


def _bar(total: int) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a convenience
        return None
    return tqdm(total=total, desc="theorems", unit="theorem", leave=False)


if __name__ == "__main__":
    main()
