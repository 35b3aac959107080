"""The data the page's script renders: the theorem index, and per theorem its attempts and trees.

Everything here is plain JSON (made safe for the page by :func:`agents.report.escaping
.script_json`). A run is shown as one or more *columns*: an eval folder is one column, a compare
folder one per granularity, so that the page's list and its per-theorem panes are the same code
for both.

A tree is sent as a list of rows, one per drawn node (arrays rather than objects: a tree of
thousands of nodes stays small); :data:`NODE_FIELDS` names the positions and the page's script
reads them in that order. A segment recorded as a chain of one node per tactic is drawn as one
edge (see :class:`_Shape`). A tree larger than ``max_nodes`` keeps its first ``max_nodes`` nodes
in creation order plus every node on a proof path (the ancestors of a kept node are always
kept, since a parent precedes its children), and each kept node counts the children left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agents.report.errors import ReportError
from agents.report.run import EvalRun, ResultRow, TheoremAttempts, TreeRecord

__all__ = [
    "NODE_FIELDS",
    "Column",
    "declaration_text",
    "proof_blocks",
    "tree_payload",
    "attempt_payload",
    "theorem_payload",
    "index_entry",
    "jsonable",
]

# The order of a node row's fields (agents/report/static/report.js reads them by position).
NODE_FIELDS = (
    "id",  # the node's id in the tree file
    "parent",  # the parent's position in this list (None for the root)
    "tactic",  # the edge's tactic or segment text (None for the root)
    "state",  # the goals as Lean printed them (None for a failed edge)
    "num_goals",  # None for a failed edge
    "error_kind",  # LeanError kind of a failed edge, else None
    "error_message",  # Lean's message of a failed edge, else None
    "expanded",  # the order in which the search expanded the node, or None
    "segment",  # the tactics of a segment edge, or None
    "on_proof_path",  # 1 or 0
    "depth",
    "hidden_children",  # children left out of a truncated tree
    "descendants",  # edges below it as drawn (those left out included)
    "steps",  # a folded segment chain's intermediate nodes: [[id, tactic, state], ...]
)

_DECLARATION = re.compile(r"^\s*(?:@\[[^\]]*\]\s*)?(theorem|lemma|example)\b")

Column = tuple[str, EvalRun]


def jsonable(value: Any) -> Any:
    """``value`` with NaN and infinities as None and mappings/tuples as dicts/lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def declaration_text(name: str, statement: str) -> str:
    """The statement as a Lean declaration (``theorem NAME STATEMENT := by`` when it is bare)."""
    if _DECLARATION.match(statement):
        return statement
    return f"theorem {name} {statement} := by" if statement else f"theorem {name}"


def _normalize(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class _Shape:
    """A tree as the page draws it: segment chains folded into one edge each.

    A search may record a segment edge as one node per tactic (every intermediate state kept)
    with ``segment`` on the chain's last node; the page draws that chain as one edge from the
    chain's first parent to its last node, and keeps the folded intermediate states as the
    edge's ``steps``. A segment recorded as a single node (its tactics joined) needs no folding.

    Attributes:
        parent: Per node, its parent as drawn (None for the root and for folded nodes).
        folded: Per node, True when it is an intermediate node of a folded chain.
        steps: Per chain end, the folded nodes' ids in order.
        depth: Per node, edges from the root as drawn.
    """

    parent: tuple[int | None, ...]
    folded: tuple[bool, ...]
    steps: Mapping[int, tuple[int, ...]]
    depth: tuple[int, ...]


def _shape(record: TreeRecord) -> _Shape:
    nodes = record.trajectory.nodes
    children = [0] * len(nodes)
    for node in nodes[1:]:
        assert node.parent is not None
        children[node.parent] += 1
    parent: list[int | None] = [node.parent for node in nodes]
    folded = [False] * len(nodes)
    steps: dict[int, tuple[int, ...]] = {}
    for node in nodes:
        segment = record.segments[node.id]
        if not segment or len(segment) < 2 or node.tactic != segment[-1]:
            continue
        chain: list[int] = []
        current = node
        for tactic in reversed(segment[:-1]):
            above = None if current.parent is None else nodes[current.parent]
            if (
                above is None
                or above.parent is None  # the root is never folded
                or above.tactic != tactic
                or children[above.id] != 1
                or record.expanded[above.id] is not None
                or folded[above.id]
            ):
                break
            chain.append(above.id)
            current = above
        if len(chain) != len(segment) - 1:
            continue
        for inner in chain:
            folded[inner] = True
            parent[inner] = None
        parent[node.id] = nodes[chain[-1]].parent
        steps[node.id] = tuple(reversed(chain))
    depth = [0] * len(nodes)
    for node in nodes[1:]:
        above = parent[node.id]
        if above is not None:
            depth[node.id] = depth[above] + 1
    return _Shape(tuple(parent), tuple(folded), steps, tuple(depth))


def _solved_path(record: TreeRecord, proof: str | None) -> list[int] | None:
    """The ids of the path to the solved node whose tactics make ``proof`` (else the shortest)."""
    trajectory = record.trajectory
    paths = trajectory.proof_paths()
    if not paths:
        return None
    if proof is not None:
        wanted = _normalize(proof)
        for path in paths:
            tactics = "\n".join(n.tactic for n in path[1:] if n.tactic is not None)
            if _normalize(tactics) == wanted:
                return [n.id for n in path]
    return [n.id for n in paths[0]]


def proof_blocks(record: TreeRecord | None, proof: str | None) -> list[list[str]] | None:
    """The found proof cut where the search's edges were: one block per edge of the proof path.

    A segment edge (a single node, or a chain of one node per tactic) is one block of its
    tactics; a tactic edge is a block of one. None when the tree has no solved node (the page then shows the
    proof text as one block).
    """
    if record is None:
        return None
    path = _solved_path(record, proof)
    if path is None:
        return None
    blocks: list[list[str]] = []
    for node_id in path[1:]:
        segment = record.segments[node_id]
        tactic = record.trajectory.nodes[node_id].tactic or ""
        if segment and len(segment) > 1 and tactic == segment[-1]:
            # A chain (one node per tactic): its first tactics are the blocks just added.
            head = [[t] for t in segment[:-1]]
            if blocks[-len(head) :] == head:
                del blocks[-len(head) :]
            blocks.append(list(segment))
        else:
            blocks.append(list(segment) if segment else [tactic])
    return blocks


def tree_payload(record: TreeRecord, max_nodes: int) -> dict[str, Any]:
    """The tree as the page's script reads it (see :data:`NODE_FIELDS`)."""
    nodes = record.trajectory.nodes
    total = len(nodes)
    shape = _shape(record)
    drawn = [node.id for node in nodes if not shape.folded[node.id]]
    keep = [i for i in drawn if i < max_nodes or nodes[i].on_proof_path]
    position = {node_id: i for i, node_id in enumerate(keep)}
    hidden = [0] * total
    descendants = [0] * total
    for node_id in reversed(drawn[1:]):  # drawn parents come before their children
        above = shape.parent[node_id]
        assert above is not None
        descendants[above] += descendants[node_id] + 1
        if node_id not in position:
            hidden[above] += 1
    rows = []
    for node_id in keep:
        node = nodes[node_id]
        error = node.error
        segment = record.segments[node_id]
        above = shape.parent[node_id]
        steps = shape.steps.get(node_id)
        if segment and steps is None and node.tactic == segment[-1]:
            segment = None  # an unfolded chain: this edge is its last tactic only
        rows.append(
            [
                node.id,
                None if above is None else position[above],
                node.tactic,
                node.state,
                node.num_goals,
                None if error is None else error.kind,
                None if error is None else error.message,
                record.expanded[node_id],
                None if segment is None else list(segment),
                1 if node.on_proof_path else 0,
                shape.depth[node_id],
                hidden[node_id],
                descendants[node_id],
                None
                if steps is None
                else [[nodes[i].id, nodes[i].tactic, nodes[i].state] for i in steps],
            ]
        )
    return {
        "total": total,
        "shown": len(rows),
        "drawn": len(drawn),
        "failed": sum(1 for n in nodes if n.error is not None),
        "expanded": sum(1 for e in record.expanded if e is not None),
        "solved": sum(1 for n in nodes if n.is_solved),
        "max_depth": max(shape.depth),
        "nodes": rows,
    }


def _verification_payload(verification: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if verification is None:
        return None
    messages = verification.get("messages")
    return jsonable(
        {
            "ok": bool(verification.get("ok", False)),
            "reason": verification.get("reason"),
            "detail": verification.get("detail") or "",
            "messages": list(messages) if isinstance(messages, (list, tuple)) else [],
        }
    )


def attempt_payload(run: EvalRun, row: ResultRow, max_nodes: int) -> dict[str, Any]:
    """One attempt: its row, the proof cut into blocks and the tree (or why there is none)."""
    record: TreeRecord | None = None
    tree_error: str | None = None
    if row.tree is not None:
        try:
            record = run.tree(row)
        except ReportError as exc:
            tree_error = str(exc)
    return jsonable(
        {
            "attempt": row.attempt,
            "status": row.status,
            "started": row.started,
            "start_error": row.start_error,
            "solved": row.solved,
            "reason": row.reason,
            "proof": row.proof,
            "blocks": proof_blocks(record, row.proof) if row.solved else None,
            "verification": _verification_payload(row.verification),
            "stats": {
                "expansions": row.expansions,
                "lean_calls": row.lean_calls,
                "policy_calls": row.policy_calls,
                "unique_states": row.unique_states,
                "tokens": row.tokens,
            },
            "time": dict(row.time),
            "search": row.search,
            "granularity": row.granularity or run.granularity,
            "policy": row.policy,
            "tree": None if record is None else tree_payload(record, max_nodes),
            "tree_file": row.tree,
            "tree_error": tree_error,
        }
    )


def theorem_payload(
    name: str,
    cells: Sequence[tuple[EvalRun, TheoremAttempts] | None],
    max_nodes: int,
) -> dict[str, Any]:
    """One theorem's detail: statement and, per column, every attempt."""
    statement = header = ""
    for cell in cells:
        if cell is not None:
            best = cell[1].best
            statement, header = best.statement, best.header
            break
    return {
        "name": name,
        "declaration": declaration_text(name, statement),
        "header": header,
        "columns": [
            None
            if cell is None
            else {
                "attempts": [attempt_payload(cell[0], row, max_nodes) for row in cell[1].attempts]
            }
            for cell in cells
        ],
    }


def index_entry(
    name: str, cells: Sequence[TheoremAttempts | None], detail: Mapping[str, Any]
) -> dict[str, Any]:
    """One theorem's line in the list: per column its status and the best attempt's counters."""
    out_cells: list[dict[str, Any] | None] = []
    for cell, column in zip(cells, detail["columns"], strict=True):
        if cell is None:
            out_cells.append(None)
            continue
        best = cell.best
        best_payload = column["attempts"][cell.attempts.index(best)]
        tree = best_payload["tree"]
        out_cells.append(
            jsonable(
                {
                    "status": cell.status,
                    "reasons": list(cell.reasons),
                    "attempts": len(cell.attempts),
                    "solved_attempts": sum(1 for r in cell.attempts if r.solved),
                    "expansions": best.expansions,
                    "lean_calls": best.lean_calls,
                    "policy_calls": best.policy_calls,
                    "tokens": best.tokens,
                    "time": best.time.get("total"),
                    "nodes": None if tree is None else tree["total"],
                }
            )
        )
    indexes = [c.index for c in cells if c is not None and c.index is not None]
    return {"name": name, "index": min(indexes) if indexes else None, "cells": out_cells}
