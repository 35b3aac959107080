"""Tactic latency, restart cost and memory: in-process MiniLean vs MiniLean behind the REPL client.

Prints, in one run and side by side:

1. the median and p90 round trip of one tactic on in-process MiniLean
   (``lean_gym.backends.minilean.backend.MiniLeanBackend``) and on MiniLean's server as a
   subprocess behind ``ReplBackend`` (the same client that drives real Lean), and their ratio
   (target: subprocess / in-process <= 3x), on the states of known proofs from the shipped
   dataset ``lean_gym/datasets/minilean-bench.jsonl`` (a few built-in theorems if it is missing);
2. the cost of a restart plus replay: the server process is SIGKILLed and the next tactic on a
   deep state is timed (it spawns a new process and replays the state's tactics);
3. resident memory (VmRSS of this process and of the server child) before and after ``--calls``
   tactic calls on each backend, to show that it stays flat.

Usage: ``python benchmarks/backend_latency.py [--theorems 60] [--calls 100000] [--kills 5]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace
from lean_gym.data.theorems import load_theorems as load_dataset
from lean_gym.tactic_text import split_tactics
from lean_gym.types import ProofState, Success, Theorem

DATASET = Path(__file__).resolve().parents[1] / "lean_gym" / "datasets" / "minilean-bench.jsonl"
BUILTIN = [
    Theorem(
        "and_swap", "(p q : Prop) (h : p ∧ q) : q ∧ p", proof="constructor\nexact h.2\nexact h.1"
    ),
    Theorem("imp_self", "(p q : Prop) : p → q → p", proof="intro hp hq\nexact hp"),
    Theorem(
        "or_comm",
        "(p q : Prop) (h : p ∨ q) : q ∨ p",
        proof="cases h with\n| inl hp => right; exact hp\n| inr hq => left; exact hq",
    ),
    Theorem("add_comm_nat", "(a b : Nat) : a + b = b + a", proof="omega"),
]


@dataclass
class Args:
    """Command line arguments.

    Attributes:
        theorems: How many dataset theorems to walk for the latency table.
        calls: Tactic calls per backend for the memory measurement.
        kills: How many kill-and-replay rounds to time.
        rounds: How many times the latency walk goes over the theorems; each theorem is walked
            on the in-process backend and then on the subprocess one, so both see the same load.
        dataset: The jsonl file of theorems (rows with formal_statement, header, proof).
    """

    theorems: int = 60
    calls: int = 100_000
    kills: int = 5
    rounds: int = 5
    dataset: str = str(DATASET)


def parse_args(argv: list[str] | None = None) -> Args:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_dataclass_arguments(parser, Args)
    return dataclass_from_namespace(Args, parser.parse_args(argv))


def rss_kb(pid: int | str = "self") -> int:
    """VmRSS of a process in kB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def load_theorems(path: str, limit: int) -> list[Theorem]:
    if not Path(path).is_file():
        print(f"dataset {path} is missing: using {len(BUILTIN)} built-in theorems")
        return BUILTIN
    return [t for t in load_dataset(Path(path)) if t.proof][:limit]


def tactics_of(theorem: Theorem) -> list[str]:
    return split_tactics(theorem.proof or "")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def walk(backend, theorems: list[Theorem]) -> tuple[list[float], list[ProofState], int]:
    """Times every tactic of every known proof; returns times, reached states, failures."""
    times: list[float] = []
    deep: list[ProofState] = []
    failures = 0
    for theorem in theorems:
        state = backend.start(theorem)
        for tactic in tactics_of(theorem):
            started = time.perf_counter()
            result = backend.run_tactic(state, tactic)
            times.append(time.perf_counter() - started)
            if not isinstance(result, Success):
                failures += 1
                break
            state = result.state
        deep.append(state)
    return times, deep, failures


def memory_run(
    backend, theorems: list[Theorem], calls: int, child_pid=None
) -> tuple[int, int, int, int]:
    """(self RSS before, after, child RSS before, after) around ``calls`` tactic calls."""
    pairs = []
    for theorem in theorems[:20]:
        tactics = tactics_of(theorem)
        if tactics:
            pairs.append((backend.start(theorem), tactics[0]))
    warmup = min(1000, calls)
    for i in range(warmup):
        root, tactic = pairs[i % len(pairs)]
        backend.run_tactic(root, tactic)
    gc.collect()
    pid = child_pid() if child_pid else None
    before = (rss_kb(), rss_kb(pid) if pid else 0)
    for i in range(calls):
        root, tactic = pairs[i % len(pairs)]
        backend.run_tactic(root, tactic)
    gc.collect()
    pid = child_pid() if child_pid else None
    after = (rss_kb(), rss_kb(pid) if pid else 0)
    return before[0], after[0], before[1], after[1]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        from lean_gym.backends.minilean.backend import MiniLeanBackend
    except ImportError as exc:
        print(f"MiniLean is not importable yet ({exc}); nothing to measure.")
        return
    from lean_gym.backends.repl import minilean_subprocess_backend

    theorems = load_theorems(args.dataset, args.theorems)
    print(f"{len(theorems)} theorems, {sum(len(tactics_of(t)) for t in theorems)} tactic steps")
    inproc = MiniLeanBackend()
    sub = minilean_subprocess_backend(max_uses=10**9)
    try:
        walk(inproc, theorems[:5])  # warm caches and imports on both sides
        walk(sub, theorems[:5])
        t_in: list[float] = []
        t_sub: list[float] = []
        fail_in = fail_sub = 0
        for _ in range(args.rounds):
            for theorem in theorems:  # interleaved, so machine noise hits both alike
                times, _, failed = walk(inproc, [theorem])
                t_in += times
                fail_in += failed
                times, _, failed = walk(sub, [theorem])
                t_sub += times
                fail_sub += failed
        med_in, med_sub = statistics.median(t_in), statistics.median(t_sub)
        p90_in, p90_sub = percentile(t_in, 0.9), percentile(t_sub, 0.9)
        print("\n== tactic round trip ==")
        print(f"{'':14}{'in-process':>14}{'subprocess':>14}{'ratio':>8}")
        print(f"{'median (ms)':14}{med_in * 1e3:14.3f}{med_sub * 1e3:14.3f}{med_sub / med_in:8.2f}")
        print(f"{'p90 (ms)':14}{p90_in * 1e3:14.3f}{p90_sub * 1e3:14.3f}{p90_sub / p90_in:8.2f}")
        print(f"{'calls':14}{len(t_in):14d}{len(t_sub):14d}")
        print(f"{'failed steps':14}{fail_in:14d}{fail_sub:14d}")
        verdict = "meets" if med_sub / med_in <= 3 else "MISSES"
        print(f"median ratio {med_sub / med_in:.2f}x {verdict} the <= 3x target")

        print("\n== restart + replay (subprocess) ==")
        longest = sorted(theorems, key=lambda t: len(tactics_of(t)), reverse=True)
        costs, depths = [], []
        for theorem in longest[: args.kills]:
            *prefix, last = tactics_of(theorem)
            state = sub.start(theorem)
            for tactic in prefix:
                step = sub.run_tactic(state, tactic)
                if not isinstance(step, Success):
                    break
                state = step.state
            pid = sub.process_for_state(state)
            if pid is None:
                continue
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
            started = time.perf_counter()
            sub.run_tactic(state, last)
            costs.append(time.perf_counter() - started)
            depths.append(len(state.tactics))
        if costs:
            print(f"kills {len(costs)}, replayed depths {depths}")
            print(
                f"restart+replay median {statistics.median(costs) * 1e3:.1f} ms, "
                f"max {max(costs) * 1e3:.1f} ms (stats: {sub.stats})"
            )

        print(f"\n== resident memory over {args.calls} tactic calls ==")
        a0, a1, _, _ = memory_run(inproc, theorems, args.calls)
        print(
            f"in-process : self {a0 / 1024:.1f} MB -> {a1 / 1024:.1f} MB ({(a1 - a0) / 1024:+.1f} MB)"
        )
        b0, b1, c0, c1 = memory_run(
            sub, theorems, args.calls, child_pid=lambda: (sub.process_ids() or [None])[0]
        )
        print(
            f"subprocess : self {b0 / 1024:.1f} MB -> {b1 / 1024:.1f} MB ({(b1 - b0) / 1024:+.1f} MB); "
            f"server {c0 / 1024:.1f} MB -> {c1 / 1024:.1f} MB ({(c1 - c0) / 1024:+.1f} MB)"
        )
    finally:
        sub.close()
        close = getattr(inproc, "close", None)
        if close:
            close()


if __name__ == "__main__":
    main()
