"""Run folders written by hand in the eval format (the team contract, section 3) for the tests.

:func:`write_eval_run` runs a tiny breadth-first search with a fixed action list on in-process
MiniLean, so the trees hold real goals and Lean's real messages, and writes ``config.json``,
``results.jsonl``, ``trees/<index>-<attempt>.jsonl`` (with ``expanded`` and, for segment
edges, ``segment``), ``summary.json`` and a PNG, as ``lean-gym eval --out`` does.
:func:`write_hostile_run` writes a run whose every text is markup-like (``<script>``,
``</script>``, quotes, ``&``, ``-->``, U+2028) to test escaping. :func:`write_big_tree_run`
writes one theorem with a tree of thousands of nodes.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lean_gym.backends import make_backend
from lean_gym.data.theorems import load_theorems
from lean_gym.data.trajectories import Trajectory, TreeBuilder
from lean_gym.errors import TheoremStartError
from lean_gym.types import Goal, LeanError, ProofState, Success, Theorem

STEP_ACTIONS = (
    "constructor",
    "intro h",
    "exact hp",
    "exact hq",
    "exact h.1",
    "exact h.2",
    "left",
    "assumption",
    "omega",
    "exact Nat.add_comm a b",
)
UNSTARTABLE = Theorem(name="cannot_start", statement="(x : NoSuchType) : x = x", source="test")


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid grey PNG (no image library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def write_tree(
    path: Path, trajectory: Trajectory, expanded: dict[int, int], segments: dict
) -> None:
    """Writes a tree file: the trajectory record plus ``expanded`` and ``segment`` per node."""
    obj = trajectory.to_json()
    for node in obj["nodes"]:
        node["expanded"] = expanded.get(node["id"])
        if node["id"] in segments:
            node["segment"] = list(segments[node["id"]])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False) + "\n", encoding="utf-8")


def _run_action(backend: Any, state: ProofState, action: Sequence[str]) -> Success | LeanError:
    result: Success | LeanError = Success(state)
    for tactic in action:
        result = backend.run_tactic(state, tactic)
        if not isinstance(result, Success):
            return result
        state = result.state
    return result


def search_tree(
    backend: Any,
    theorem: Theorem,
    actions: Sequence[Sequence[str]],
    *,
    max_expansions: int,
) -> tuple[Trajectory, dict[int, int], dict[int, tuple[str, ...]], str | None, int, int]:
    """A breadth-first search: returns the tree, expansion orders, segments, the proof found,
    expansions and Lean calls."""
    builder = TreeBuilder(theorem)
    root_state = backend.start(theorem)
    root = builder.add_root(root_state)
    queue = deque([(root, root_state, ())])
    expanded: dict[int, int] = {}
    segments: dict[int, tuple[str, ...]] = {}
    seen = {root_state.key()}
    lean_calls = 1
    proof: str | None = None
    while queue and proof is None and len(expanded) < max_expansions:
        node, state, path = queue.popleft()
        expanded[node] = len(expanded)
        for action in actions:
            result = _run_action(backend, state, action)
            lean_calls += len(action)
            text = "\n".join(action)
            child = builder.add_result(node, text, result)
            if len(action) > 1:
                segments[child] = tuple(action)
            if isinstance(result, Success):
                if result.state.is_solved:
                    proof = "\n".join((*path, text))
                    break
                if result.state.key() not in seen:
                    seen.add(result.state.key())
                    queue.append((child, result.state, (*path, text)))
    trajectory = builder.build(backend="minilean", origin="search", proof=proof, verified=None)
    return trajectory, expanded, segments, proof, len(expanded), lean_calls


def _actions(granularity: str, theorem: Theorem) -> list[tuple[str, ...]]:
    if granularity == "step":
        return [(t,) for t in STEP_ACTIONS]
    if granularity == "segment":
        pairs = [("constructor", "exact hp"), ("intro h", "exact h.1"), ("exact hq", "exact hp")]
        return pairs + [(t,) for t in STEP_ACTIONS]
    return [("exact foo_bar",), tuple((theorem.proof or "omega").split("\n"))]


def write_eval_run(
    out: Path,
    *,
    granularity: str = "step",
    names: Sequence[str] = ("smoke_and_intro", "smoke_and_left", "smoke_add_comm", "smoke_or_elim"),
    attempts: int = 1,
    unstartable: bool = True,
    max_expansions: int = 6,
    summary: bool = True,
) -> Path:
    """Writes an eval folder (searching the smoke theorems ``names`` on MiniLean)."""
    out.mkdir(parents=True, exist_ok=True)
    backend = make_backend("minilean")
    theorems = {t.name: t for t in load_theorems("smoke")}
    chosen = [theorems[n] for n in names]
    if unstartable:
        chosen.append(UNSTARTABLE)
    config = {
        "format": "lean-gym.eval",
        "format_version": 1,
        "args": {
            "dataset": "smoke",
            "policy": "scripted",
            "search": "bfs",
            "granularity": granularity,
            "budget": f"expansions={max_expansions}",
            "attempts": attempts,
        },
        "lean_gym_version": "0.1.0",
        "started": "2025-01-01T00:00:00+00:00",
    }
    (out / "config.json").write_text(json.dumps(config), encoding="utf-8")
    rows = []
    for index, theorem in enumerate(chosen):
        for attempt in range(attempts):
            row: dict[str, Any] = {
                "theorem": theorem.name,
                "index": index,
                "attempt": attempt,
                "statement": theorem.statement,
                "header": theorem.header,
                "search": "bfs",
                "granularity": granularity,
                "policy": "scripted",
            }
            budget = max_expansions if attempt == 0 else 1
            try:
                trajectory, expanded, segments, proof, expansions, calls = search_tree(
                    backend,
                    theorem,
                    _actions(granularity, theorem),
                    max_expansions=budget,
                )
            except TheoremStartError as exc:
                row.update(
                    started=False,
                    start_error=str(exc),
                    solved=False,
                    proof=None,
                    verification=None,
                    reason="start_error",
                    expansions=0,
                    lean_calls=1,
                    policy_calls=0,
                    unique_states=0,
                    tokens=0,
                    time={"policy": 0.0, "lean": 0.001, "search": 0.0, "total": 0.001},
                    tree=None,
                )
                rows.append(row)
                continue
            tree_rel = f"trees/{index}-{attempt}.jsonl"
            write_tree(out / tree_rel, trajectory, expanded, segments)
            verification = None
            if proof is not None:
                verdict = backend.verify(theorem, proof)
                verification = {
                    "ok": verdict.ok,
                    "messages": [m.to_json() for m in verdict.messages],
                    "axioms": list(verdict.axioms),
                    "reason": verdict.reason,
                    "detail": verdict.detail,
                }
            solved = proof is not None and bool(verification and verification["ok"])
            reason = None
            if not solved:
                reason = (
                    "exhausted" if proof is None and expansions < budget else "budget:expansions"
                )
            row.update(
                started=True,
                start_error=None,
                solved=solved,
                proof=proof,
                verification=verification,
                reason=reason,
                expansions=expansions,
                lean_calls=calls,
                policy_calls=expansions,
                unique_states=sum(1 for n in trajectory.nodes if not n.failed),
                tokens=0,
                time={"policy": 0.001, "lean": 0.01, "search": 0.002, "total": 0.013},
                tree=tree_rel,
            )
            rows.append(row)
    with open(out / "results.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    if summary:
        solved_names = {r["theorem"] for r in rows if r["solved"]}
        started = {r["theorem"] for r in rows if r["started"]}
        total = len(chosen)
        doc = {
            "total": total,
            "started": len(started),
            "solved": len(solved_names),
            "solved_pct": 100.0 * len(solved_names) / total,
            "pass_at_k": {"1": len(solved_names) / total},
            "per_solved": {"lean_calls": 3.5, "policy_calls": 2.0, "expansions": 2.0, "tokens": 0},
            "time": {"policy": 0.004, "lean": 0.04, "search": 0.008, "total": 0.052},
            "could_not_start": {"start_error": total - len(started)}
            if total > len(started)
            else {},
            "failed_by_reason": {},
        }
        (out / "summary.json").write_text(json.dumps(doc), encoding="utf-8")
        (out / "summary.md").write_text("| total | solved |\n|---|---|\n", encoding="utf-8")
    (out / "solved_vs_calls.png").write_bytes(tiny_png())
    return out


def write_compare_run(out: Path, **kwargs: Any) -> Path:
    """Writes a compare folder: an eval folder per granularity plus compare.json/md/png."""
    out.mkdir(parents=True, exist_ok=True)
    for granularity in ("step", "segment", "proof"):
        write_eval_run(out / granularity, granularity=granularity, **kwargs)
    (out / "compare.json").write_text(json.dumps({"granularities": ["step", "segment", "proof"]}))
    (out / "compare.md").write_text("| granularity | solved |\n|---|---|\n", encoding="utf-8")
    (out / "compare.png").write_bytes(tiny_png(6, 4))
    return out


# Markup-like text: each must show as text and never become an element or run.
HOSTILE = (
    "<script>window.__pwned = 1</script>",
    '</script><img src=x onerror="window.__pwned=2">',
    "a & b \"quoted\" 'single' --> <!-- c",
    "line\u2028sep\u2029para",
)
HOSTILE_NAME = 'evil_<script>alert(1)</script>_"q"_&amp;_-->\u2028x'


def write_hostile_run(out: Path) -> Path:
    """An eval folder whose names, statements, goals, tactics and messages are all markup-like."""
    out.mkdir(parents=True, exist_ok=True)
    evil = " ".join(HOSTILE)
    theorem = Theorem(name=HOSTILE_NAME, statement=f"(h : {HOSTILE[2]}) : True", source=evil)
    goal = Goal(hypotheses=(f"h : {HOSTILE[0]}", f"k : {HOSTILE[3]}"), target=HOSTILE[1])
    builder = TreeBuilder(theorem)
    root = builder.add_root(ProofState(theorem, (goal,)))
    mid = builder.add_state(root, f"intro {HOSTILE[0]}", ProofState(theorem, (goal,)))
    builder.add_failure(root, f"exact {HOSTILE[1]}", LeanError("error", f"unknown {evil}"))
    done = builder.add_state(mid, f"trivial -- {HOSTILE[2]}", ProofState(theorem, ()))
    trajectory = builder.build(backend="minilean", origin="search", proof="x")
    write_tree(
        out / "trees" / "0-0.jsonl",
        trajectory,
        {root: 0, mid: 1},
        {done: (f"trivial -- {HOSTILE[2]}", HOSTILE[3])},
    )
    config = {
        "format": "lean-gym.eval",
        "format_version": 1,
        "args": {
            "dataset": evil,
            "policy": HOSTILE[0],
            "search": HOSTILE[1],
            "granularity": "segment",
        },
        "lean_gym_version": "0.1.0",
        "started": HOSTILE[2],
    }
    (out / "config.json").write_text(json.dumps(config), encoding="utf-8")
    proof = f"intro {HOSTILE[0]}\ntrivial -- {HOSTILE[2]}"
    rows = [
        {
            "theorem": HOSTILE_NAME,
            "index": 0,
            "attempt": 0,
            "statement": theorem.statement,
            "header": f"import {HOSTILE[1]}",
            "started": True,
            "start_error": None,
            "solved": True,
            "proof": proof,
            "verification": {
                "ok": True,
                "messages": [],
                "axioms": [],
                "reason": None,
                "detail": "",
            },
            "reason": None,
            "expansions": 2,
            "lean_calls": 4,
            "policy_calls": 2,
            "unique_states": 3,
            "tokens": 9,
            "time": {"policy": 0.1, "lean": 0.2, "search": 0.05, "total": 0.35},
            "search": HOSTILE[1],
            "granularity": "segment",
            "policy": HOSTILE[0],
            "tree": "trees/0-0.jsonl",
        },
        {
            "theorem": f"rejected {HOSTILE[1]}",
            "index": 1,
            "attempt": 0,
            "statement": HOSTILE[0],
            "header": "",
            "started": True,
            "start_error": None,
            "solved": False,
            "proof": HOSTILE[0],
            "verification": {
                "ok": False,
                "messages": [
                    {"severity": "error", "data": f"bad {evil}", "pos": {"line": 2, "column": 2}}
                ],
                "axioms": [],
                "reason": "lean_error",
                "detail": evil,
            },
            "reason": f"verification:{HOSTILE[0]}",
            "tree": None,
        },
        {
            "theorem": f"nostart {HOSTILE[2]}",
            "index": 2,
            "attempt": 0,
            "statement": HOSTILE[1],
            "started": False,
            "start_error": f"elaboration failed: {evil}",
            "solved": False,
            "reason": "start_error",
            "tree": None,
        },
    ]
    with open(out / "results.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = {
        "total": 3,
        "started": 2,
        "solved": 1,
        "solved_pct": 33.3,
        "pass_at_k": {"1": 0.333},
        "per_solved": {},
        "time": {},
        "could_not_start": {evil: 1},
        "failed_by_reason": {f"verification:{HOSTILE[0]}": 1},
    }
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return out


def write_big_tree_run(out: Path, *, nodes: int = 5000, fanout: int = 8) -> Path:
    """One solved theorem whose tree has ``nodes`` nodes (a wide, failure-heavy search)."""
    out.mkdir(parents=True, exist_ok=True)
    theorem = Theorem(name="big_tree", statement="(n : Nat) : n = n", source="test")
    builder = TreeBuilder(theorem)
    goal = Goal(("n : Nat",), "n = n")
    builder.add_root(ProofState(theorem, (goal,)))
    frontier = deque([0])
    expanded: dict[int, int] = {}
    while len(builder) < nodes - 1:
        parent = frontier.popleft()
        expanded[parent] = len(expanded)
        for k in range(fanout):
            if len(builder) >= nodes - 1:
                break
            if k % 3 == 2:
                builder.add_failure(
                    parent, f"simp [lemma_{k}]", LeanError("error", f"simp failed {k}")
                )
            else:
                depth_goal = Goal(
                    ("n : Nat", f"h{k} : n ≤ n + {k}"), f"n = n ∧ {len(builder)} = {len(builder)}"
                )
                child = builder.add_state(
                    parent,
                    f"have h{k} : n ≤ n + {k} := by omega",
                    ProofState(theorem, (depth_goal,)),
                )
                frontier.append(child)
    last = frontier.popleft()
    expanded[last] = len(expanded)
    builder.add_state(last, "rfl", ProofState(theorem, ()))
    trajectory = builder.build(backend="minilean", origin="search", proof="rfl")
    write_tree(out / "trees" / "0-0.jsonl", trajectory, expanded, {})
    proof = "\n".join(trajectory.tactics_to(len(trajectory.nodes) - 1))
    config = {"format": "lean-gym.eval", "format_version": 1, "args": {"granularity": "step"}}
    (out / "config.json").write_text(json.dumps(config), encoding="utf-8")
    row = {
        "theorem": "big_tree",
        "index": 0,
        "attempt": 0,
        "statement": theorem.statement,
        "started": True,
        "solved": True,
        "proof": proof,
        "expansions": len(expanded),
        "lean_calls": nodes,
        "granularity": "step",
        "tree": "trees/0-0.jsonl",
    }
    (out / "results.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    return out
