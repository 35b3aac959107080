"""What LeanStep-v0 costs on top of the prover: env steps against direct backend calls.

Both sides replay the known proofs of a theorem set with MiniLean in this process: the env side
through ``gym.make("LeanStep-v0")`` (reset, one step per tactic; the last step verifies the
proof), the backend side straight on ``MiniLeanBackend`` (``start``, ``run_tactic`` per
tactic, then ``verify``), i.e. the same prover calls. The two are interleaved theorem by
theorem, alternating which goes first, so that drift and caches hit both alike. The result is
one ratio, env time / backend time; the target is at most 1.15.

Run: ``python benchmarks/env_overhead.py [--limit 200] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import gymnasium as gym

import lean_gym  # noqa: F401  (registers the env ids)
from lean_gym.backends.minilean.backend import MiniLeanBackend
from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace
from lean_gym.data.theorems import load_theorems
from lean_gym.tactic_text import join_tactics, split_tactics
from lean_gym.types import Success, Theorem


@dataclass
class Args:
    """Command line arguments.

    Attributes:
        dataset: The theorem set whose known proofs are replayed (a shipped name or a path).
        limit: How many theorems of it.
        rounds: How many passes over them (1: a cold run; the text-check cache warms after).
    """

    dataset: str = "minilean-bench"
    limit: int = 200
    rounds: int = 3


def parse_args() -> Args:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataclass_arguments(parser, Args)
    return dataclass_from_namespace(Args, parser.parse_args())


def run_env(env: gym.Env, theorem: Theorem, tactics: list[str]) -> int:
    env.reset(options={"theorem": theorem.name})
    reward = 0.0
    for tactic in tactics:
        _, reward, _, _, info = env.step(tactic)
        if info["error"] is not None:
            raise RuntimeError(f"{theorem.name}: {tactic!r} failed in the env: {info['error']}")
    if reward != 1.0:
        raise RuntimeError(f"{theorem.name}: the known proof earned {reward} in the env")
    return len(tactics)


def run_backend(backend: MiniLeanBackend, theorem: Theorem, tactics: list[str]) -> int:
    state = backend.start(theorem)
    for tactic in tactics:
        result = backend.run_tactic(state, tactic)
        if not isinstance(result, Success):
            raise RuntimeError(f"{theorem.name}: {tactic!r} failed on the backend: {result}")
        state = result.state
    if not backend.verify(theorem, join_tactics(list(state.tactics))).ok:
        raise RuntimeError(f"{theorem.name}: the known proof did not verify on the backend")
    return len(tactics)


def main(args: Args) -> float:
    theorems = [t for t in load_theorems(args.dataset, limit=args.limit) if t.proof]
    backend = MiniLeanBackend()
    # Only proofs the prover accepts measure anything; the others are counted and left out.
    work, skipped = [], []
    for theorem in theorems:
        tactics = split_tactics(theorem.proof or "")
        try:
            run_backend(backend, theorem, tactics)
        except RuntimeError as exc:
            skipped.append(str(exc))
            continue
        work.append((theorem, tactics))
    if not work:
        raise SystemExit(f"no known proof of {args.dataset} replays on MiniLean: {skipped[:3]}")
    env = gym.make(
        "LeanStep-v0", dataset=[t for t, _ in work], backend="minilean", max_episode_steps=10_000
    )
    env_seconds = backend_seconds = 0.0
    steps = 0
    for round_index in range(args.rounds):
        for i, (theorem, tactics) in enumerate(work):
            env_first = (i + round_index) % 2 == 0
            for side in ("env", "backend") if env_first else ("backend", "env"):
                began = time.perf_counter()
                if side == "env":
                    steps += run_env(env, theorem, tactics)
                    env_seconds += time.perf_counter() - began
                else:
                    run_backend(backend, theorem, tactics)
                    backend_seconds += time.perf_counter() - began
    check_seconds = env.unwrapped.stats.check_seconds
    env.close()
    backend.close()
    ratio = env_seconds / backend_seconds
    print(
        f"dataset={args.dataset} theorems={len(work)} (skipped {len(skipped)} whose known proof "
        f"fails on MiniLean) rounds={args.rounds} tactic steps={steps}"
    )
    for reason in skipped[:3]:
        print(f"  skipped: {reason[:160]}")
    print(f"env:     {env_seconds:8.3f} s  {steps / env_seconds:10.1f} steps/s")
    print(f"backend: {backend_seconds:8.3f} s  {steps / backend_seconds:10.1f} steps/s")
    print(f"ratio env/backend = {ratio:.3f} (target <= 1.15: {'OK' if ratio <= 1.15 else 'OVER'})")
    # The env refuses forbidden text before it reaches Lean; the bare backend does not check.
    print(
        f"  of which integrity text checks: {check_seconds:.3f} s "
        f"({1e6 * check_seconds / steps:.0f} us/step); without them the ratio would be "
        f"{(env_seconds - check_seconds) / backend_seconds:.3f}"
    )
    return ratio


if __name__ == "__main__":
    main(parse_args())
