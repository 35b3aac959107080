"""The data the page's script renders: the theorem index, and per theorem its attempts and trees.

Everything here is plain JSON (made safe for the page by :func:`agents.report.escaping
.script_json`). A run is shown as one or more *columns*: an eval folder is one column, a compare
folder one per granularity, so that the page's list and its per-theorem panes are the same code
for both.

A tree is sent as a list of rows, one per node (arrays rather than objects: a tree of thousands
of nodes stays small); :data:`NODE_FIELDS` names the positions and the page's script reads them
in that order. A tree larger than ``max_nodes`` keeps its first ``max_nodes`` nodes in creation
order plus every node on a proof path (the ancestors of a kept node are always kept, since a
parent precedes its children), and each kept node counts the children left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
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
    "descendants",  # nodes below it in the whole tree (those left out included)
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

    A segment edge is one block of its tactics; a tactic edge is a block of one. None when the
    tree has no solved node (the page then shows the proof text as one block).
    """
    if record is None:
        return None
    path = _solved_path(record, proof)
    if path is None:
        return None
    blocks = []
    for node_id in path[1:]:
        segment = record.segments[node_id]
        tactic = record.trajectory.nodes[node_id].tactic or ""
        blocks.append(list(segment) if segment else [tactic])
    return blocks


def tree_payload(record: TreeRecord, max_nodes: int) -> dict[str, Any]:
    """The tree as the page's script reads it (see :data:`NODE_FIELDS`)."""
    nodes = record.trajectory.nodes
    total = len(nodes)
    keep = [node.id for node in nodes if node.id < max_nodes or node.on_proof_path]
    position = {node_id: i for i, node_id in enumerate(keep)}
    hidden = [0] * total
    descendants = [0] * total
    for node in reversed(nodes[1:]):  # children come after their parent
        assert node.parent is not None
        descendants[node.parent] += descendants[node.id] + 1
        if node.id not in position:
            hidden[node.parent] += 1
    rows = []
    for node_id in keep:
        node = nodes[node_id]
        error = node.error
        segment = record.segments[node_id]
        rows.append(
            [
                node.id,
                None if node.parent is None else position[node.parent],
                node.tactic,
                node.state,
                node.num_goals,
                None if error is None else error.kind,
                None if error is None else error.message,
                record.expanded[node_id],
                None if segment is None else list(segment),
                1 if node.on_proof_path else 0,
                node.depth,
                hidden[node_id],
                descendants[node_id],
            ]
        )
    return {
        "total": total,
        "shown": len(rows),
        "failed": sum(1 for n in nodes if n.error is not None),
        "expanded": sum(1 for e in record.expanded if e is not None),
        "solved": sum(1 for n in nodes if n.is_solved),
        "max_depth": max(n.depth for n in nodes),
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
