"""Trajectories and search trees: ``s0 -a0-> s1 -a1-> ... -> sn`` as one jsonl record format.

A trajectory is a tree of proof states. A linear trajectory (the replay of a known proof) is a
tree whose nodes form one path; a search tree has branches, failed tactics and dead ends. Both
are stored the same way, one JSON object per line (``lean_gym/data/FORMATS.md`` has the full
reference)::

    {
      "format": "lean-gym.trajectory", "format_version": 1,
      "kind": "linear" | "tree",
      "theorem": {"name", "statement", "header", "formal_statement", "proof", "source",
                  "difficulty"},
      "proof": "<the tactic block the trajectory replays, or the proof search found>" | null,
      "origin": "replay" | "allTactics" | "search" | ...,
      "backend": {"name": "minilean", "version": ... | null, "lean_version": ... | null,
                  "lean_gym_version": "0.1.0"},
      "complete": true,            # some node has no goals left
      "verified": true | false | null,   # backend.verify(theorem, proof).ok; null: not checked
      "verify_reason": null | "lean_error" | ...,
      "meta": {...},               # free-form (search statistics, ...)
      "nodes": [
        {"id": 0, "parent": null, "tactic": null, "depth": 0,
         "state": "p q : Prop\\nhp : p\\nhq : q\\n⊢ p ∧ q",            # ProofState.pp()
         "goals": [{"hypotheses": ["p q : Prop", "hp : p", "hq : q"], "target": "p ∧ q",
                    "case": null}],
         "num_goals": 1, "error": null, "on_proof_path": true},
        {"id": 1, "parent": 0, "tactic": "constructor", "depth": 1, ...},
        {"id": 5, "parent": 1, "tactic": "exact hq", "depth": 2,
         "state": null, "goals": null, "num_goals": null,
         "error": {"kind": "error", "message": "type mismatch ..."}, "on_proof_path": false}
      ]
    }

Node ids are ``0..n-1`` in creation order, a parent always precedes its children, node 0 is the
root (the theorem's initial state). A failed tactic is a leaf with ``error`` set and no state.
``on_proof_path`` marks the nodes on a path from the root to a node with no goals. ``depth``
is the number of tactics from the root.

:func:`build_trajectory` turns a known proof into a linear trajectory through any backend:
the proof is split into top-level tactics (:func:`lean_gym.tactic_text.split_tactics`) and run
one by one with ``backend.run_tactic``. A backend that offers the REPL's ``allTactics`` output
(:class:`~lean_gym.backends.capabilities.SupportsAllTactics`) is used instead when the proof
verifies; see :func:`trajectory_from_all_tactics`. :class:`TreeBuilder` records search trees.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lean_gym
from lean_gym.backends.base import ProverBackend
from lean_gym.backends.capabilities import SupportsAllTactics
from lean_gym.data.jsonl import parse_lines, write_rows
from lean_gym.errors import BackendError
from lean_gym.tactic_text import split_tactics
from lean_gym.types import Goal, LeanError, ProofState, Success, Theorem

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "TrajectoryNode",
    "Trajectory",
    "TreeBuilder",
    "TrajectoryFailure",
    "build_trajectory",
    "build_trajectories",
    "trajectory_from_all_tactics",
    "backend_info",
    "write_jsonl",
    "read_jsonl",
    "iter_jsonl",
]

logger = logging.getLogger(__name__)

FORMAT_NAME = "lean-gym.trajectory"
FORMAT_VERSION = 1


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class TrajectoryNode:
    """One node: the state reached by ``tactic`` from ``parent``, or the failure of ``tactic``.

    Attributes:
        id: The node's index in its trajectory (``0`` is the root).
        parent: The parent's id; None for the root.
        tactic: The tactic (or tactic block) run on the parent; None for the root.
        state: The state printed as the observation (``ProofState.pp()``); None when the
            tactic failed.
        goals: The open goals; None when the tactic failed.
        num_goals: ``len(goals)``; None when the tactic failed.
        error: The failure, for a failed tactic (its position kept when Lean gave one); None
            otherwise.
        on_proof_path: True when the node lies on a path from the root to a solved node.
        depth: Tactics from the root.
    """

    id: int
    parent: int | None
    tactic: str | None
    state: str | None
    goals: tuple[Goal, ...] | None
    num_goals: int | None
    error: LeanError | None = None
    on_proof_path: bool = False
    depth: int = 0

    def __post_init__(self) -> None:
        if (self.error is None) == (self.state is None):
            raise ValueError(f"node {self.id}: exactly one of state and error must be set")
        if self.goals is not None and self.num_goals != len(self.goals):
            raise ValueError(
                f"node {self.id}: num_goals={self.num_goals} but {len(self.goals)} goals"
            )
        if (self.parent is None) != (self.tactic is None):
            raise ValueError(f"node {self.id}: the root alone has no parent and no tactic")

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def is_solved(self) -> bool:
        """True for a state with no goals left."""
        return self.num_goals == 0 and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "parent": self.parent,
            "tactic": self.tactic,
            "depth": self.depth,
            "state": self.state,
            "goals": None if self.goals is None else [g.to_json() for g in self.goals],
            "num_goals": self.num_goals,
            "error": None if self.error is None else self.error.to_json(),
            "on_proof_path": self.on_proof_path,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> TrajectoryNode:
        goals_raw = obj.get("goals")
        goals = None if goals_raw is None else tuple(Goal.from_json(g) for g in goals_raw)
        num_goals = obj.get("num_goals")
        if num_goals is None and goals is not None:
            num_goals = len(goals)
        error_raw = obj.get("error")
        return cls(
            id=int(obj["id"]),
            parent=None if obj.get("parent") is None else int(obj["parent"]),
            tactic=obj.get("tactic"),
            state=obj.get("state"),
            goals=goals,
            num_goals=None if num_goals is None else int(num_goals),
            error=None if error_raw is None else LeanError.from_json(error_raw),
            on_proof_path=bool(obj.get("on_proof_path", False)),
            depth=int(obj.get("depth", 0)),
        )


@dataclass(frozen=True)
class Trajectory:
    """A proof attempt of one theorem as a tree of nodes (a linear trajectory is one path).

    Attributes:
        theorem: The theorem.
        nodes: The nodes, ids ``0..n-1`` in order; node 0 is the root.
        backend: The backend's name.
        backend_version: The backend's own version string, if it has one.
        lean_version: The Lean (or MiniLean) version the backend reports, if any.
        lean_gym_version: ``lean_gym.__version__`` when the trajectory was made.
        origin: How it was made: ``replay``, ``allTactics``, ``search``...
        proof: The tactic block the trajectory replays (or the proof a search found).
        verified: ``backend.verify(theorem, proof).ok``; None when not checked.
        verify_reason: The verification's ``reason`` when it failed.
        meta: Free-form extra information (JSON values).
    """

    theorem: Theorem
    nodes: tuple[TrajectoryNode, ...]
    backend: str
    backend_version: str | None = None
    lean_version: str | None = None
    lean_gym_version: str = lean_gym.__version__
    origin: str = "replay"
    proof: str | None = None
    verified: bool | None = None
    verify_reason: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.nodes:
            raise ValueError("a trajectory has at least its root node")
        for index, node in enumerate(self.nodes):
            if node.id != index:
                raise ValueError(f"node ids must be 0..n-1 in order; found {node.id} at {index}")
            if index == 0:
                if node.parent is not None or node.failed:
                    raise ValueError("node 0 must be the root: no parent and a state")
                if node.depth != 0:
                    raise ValueError("the root has depth 0")
                continue
            if node.parent is None or not 0 <= node.parent < index:
                raise ValueError(f"node {index}: parent {node.parent} must be an earlier node")
            parent = self.nodes[node.parent]
            if parent.failed:
                raise ValueError(f"node {index}: its parent {parent.id} is a failed tactic")
            if node.depth != parent.depth + 1:
                raise ValueError(f"node {index}: depth {node.depth} != parent depth + 1")

    # -- structure

    @property
    def root(self) -> TrajectoryNode:
        return self.nodes[0]

    @property
    def complete(self) -> bool:
        """True when some node has no goals left."""
        return any(node.is_solved for node in self.nodes)

    @property
    def is_linear(self) -> bool:
        """True when the nodes form one path from the root."""
        return all(node.parent == node.id - 1 for node in self.nodes[1:])

    @property
    def kind(self) -> str:
        return "linear" if self.is_linear else "tree"

    def children(self, node_id: int) -> list[TrajectoryNode]:
        return [node for node in self.nodes if node.parent == node_id]

    def path_to(self, node_id: int) -> list[TrajectoryNode]:
        """The nodes from the root to ``node_id``, both included."""
        path = [self.nodes[node_id]]
        while path[-1].parent is not None:
            path.append(self.nodes[path[-1].parent])
        return path[::-1]

    def proof_paths(self) -> list[list[TrajectoryNode]]:
        """Every path from the root to a solved node, shortest first."""
        paths = [self.path_to(node.id) for node in self.nodes if node.is_solved]
        return sorted(paths, key=len)

    def tactics_to(self, node_id: int) -> list[str]:
        return [node.tactic for node in self.path_to(node_id)[1:] if node.tactic is not None]

    # -- JSON

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "kind": self.kind,
            "theorem": self.theorem.to_json(),
            "proof": self.proof,
            "origin": self.origin,
            "backend": {
                "name": self.backend,
                "version": self.backend_version,
                "lean_version": self.lean_version,
                "lean_gym_version": self.lean_gym_version,
            },
            "complete": self.complete,
            "verified": self.verified,
            "verify_reason": self.verify_reason,
            "meta": dict(self.meta),
            "nodes": [node.to_json() for node in self.nodes],
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Trajectory:
        if obj.get("format") != FORMAT_NAME:
            raise ValueError(f"not a {FORMAT_NAME} record (format={obj.get('format')!r})")
        version = obj.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(f"unsupported {FORMAT_NAME} format_version {version!r}")
        backend = obj.get("backend") or {}
        return cls(
            theorem=Theorem.from_json(obj["theorem"]),
            nodes=tuple(TrajectoryNode.from_json(n) for n in obj["nodes"]),
            backend=str(backend.get("name", "")),
            backend_version=backend.get("version"),
            lean_version=backend.get("lean_version"),
            lean_gym_version=str(backend.get("lean_gym_version", "")),
            origin=str(obj.get("origin", "")),
            proof=obj.get("proof"),
            verified=obj.get("verified"),
            verify_reason=obj.get("verify_reason"),
            meta=dict(obj.get("meta") or {}),
        )


def write_jsonl(trajectories: Iterable[Trajectory], path: str | os.PathLike[str]) -> int:
    """Writes one trajectory per line (creating the directory); returns how many."""
    return write_rows((trajectory.to_json() for trajectory in trajectories), path)


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[Trajectory]:
    """Reads trajectories lazily.

    Raises:
        FileNotFoundError: When there is no such file.
        ValueError: For a line that is not a valid trajectory record (its line number is in
            the message).
    """
    with open(path, encoding="utf-8") as handle:
        for number, obj in parse_lines(handle):
            try:
                if isinstance(obj, ValueError):
                    raise obj
                yield Trajectory.from_json(obj)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: bad trajectory record: {exc}") from exc


def read_jsonl(path: str | os.PathLike[str]) -> list[Trajectory]:
    """Reads every trajectory of a jsonl file (see :func:`iter_jsonl`)."""
    return list(iter_jsonl(Path(path)))


# --------------------------------------------------------------------------- building


class TreeBuilder:
    """Collects nodes of a proof attempt (a replay or a search) and builds the Trajectory.

    ``on_proof_path`` is computed by :meth:`build` from the solved nodes.
    """

    def __init__(self, theorem: Theorem):
        self.theorem = theorem
        self._nodes: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self._nodes)

    def _add(
        self,
        parent: int | None,
        tactic: str | None,
        goals: Sequence[Goal] | None,
        state: str | None,
        error: LeanError | None,
    ) -> int:
        if parent is None and self._nodes:
            raise ValueError("the root is already set")
        if parent is not None:
            if not 0 <= parent < len(self._nodes):
                raise ValueError(f"unknown parent node {parent}")
            if self._nodes[parent]["error"] is not None:
                raise ValueError(f"node {parent} is a failed tactic and has no children")
        depth = 0 if parent is None else self._nodes[parent]["depth"] + 1
        node_id = len(self._nodes)
        self._nodes.append(
            {
                "id": node_id,
                "parent": parent,
                "tactic": tactic,
                "goals": None if goals is None else tuple(goals),
                "state": state,
                "error": error,
                "depth": depth,
            }
        )
        return node_id

    def add_root(self, state: ProofState) -> int:
        """Adds the theorem's initial state as node 0."""
        return self._add(None, None, state.goals, state.pp(), None)

    def add_state(self, parent: int, tactic: str, state: ProofState) -> int:
        """Adds the state ``tactic`` reached from ``parent``."""
        return self._add(parent, tactic, state.goals, state.pp(), None)

    def add_goals(self, parent: int | None, tactic: str | None, goals: Sequence[Goal]) -> int:
        """Adds a state known only by its goals (e.g. from the REPL's allTactics output)."""
        text = ProofState(self.theorem, tuple(goals)).pp()
        return self._add(parent, tactic, goals, text, None)

    def add_failure(self, parent: int, tactic: str, error: LeanError) -> int:
        """Adds a failed tactic (a leaf)."""
        return self._add(parent, tactic, None, None, error)

    def add_result(self, parent: int, tactic: str, result: Success | LeanError) -> int:
        """Adds a backend's TacticResult: a state on success, a failed leaf otherwise."""
        if isinstance(result, Success):
            return self.add_state(parent, tactic, result.state)
        return self.add_failure(parent, tactic, result)

    def build(
        self,
        *,
        backend: str,
        backend_version: str | None = None,
        lean_version: str | None = None,
        origin: str = "search",
        proof: str | None = None,
        verified: bool | None = None,
        verify_reason: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Trajectory:
        on_path: set[int] = set()
        for raw in self._nodes:
            if raw["error"] is None and raw["goals"] is not None and not raw["goals"]:
                node_id: int | None = raw["id"]
                while node_id is not None and node_id not in on_path:
                    on_path.add(node_id)
                    node_id = self._nodes[node_id]["parent"]
        nodes = tuple(
            TrajectoryNode(
                id=raw["id"],
                parent=raw["parent"],
                tactic=raw["tactic"],
                state=raw["state"],
                goals=raw["goals"],
                num_goals=None if raw["goals"] is None else len(raw["goals"]),
                error=raw["error"],
                on_proof_path=raw["id"] in on_path,
                depth=raw["depth"],
            )
            for raw in self._nodes
        )
        return Trajectory(
            theorem=self.theorem,
            nodes=nodes,
            backend=backend,
            backend_version=backend_version,
            lean_version=lean_version,
            origin=origin,
            proof=proof,
            verified=verified,
            verify_reason=verify_reason,
            meta=dict(meta or {}),
        )


def _version_attr(backend: Any, names: Sequence[str]) -> str | None:
    for name in names:
        value = getattr(backend, name, None)
        if callable(value):
            try:
                value = value()
            except Exception:  # a version probe must never break data building
                value = None
        if isinstance(value, str) and value:
            return value
    return None


def backend_info(backend: Any) -> tuple[str, str | None, str | None]:
    """(name, backend version, Lean/MiniLean version) as far as the backend exposes them."""
    name = getattr(backend, "name", None) or type(backend).__name__
    version = _version_attr(backend, ("backend_version", "version", "__version__"))
    lean_version = _version_attr(backend, ("lean_version", "minilean_version"))
    return str(name), version, lean_version


def _parse_goals_text(text: str) -> tuple[Goal, ...]:
    """Goals printed by ``ppGoals`` (blank-line separated; ``no goals`` when empty)."""
    text = text.strip()
    if not text or text == "no goals":
        return ()
    return tuple(Goal.parse(chunk) for chunk in text.split("\n\n") if chunk.strip())


def _tactic_positions(proof: str, tactics: Sequence[str]) -> list[tuple[int, int]] | None:
    """Where each top-level tactic starts in ``theorem.declaration(proof)`` (line, column).

    ``Theorem.declaration`` puts the formal statement on line 1 and indents each proof line by
    two spaces, so proof line ``k`` (0-based) is declaration line ``k + 2``.
    """
    lines = proof.split("\n")
    line_no, col = 0, 0
    positions: list[tuple[int, int]] = []
    for tactic in tactics:
        first = tactic.split("\n", 1)[0].strip()
        found = None
        while line_no < len(lines):
            at = lines[line_no].find(first, col)
            if at >= 0:
                found = (line_no, at)
                break
            line_no, col = line_no + 1, 0
        if found is None:
            return None
        positions.append((found[0] + 2, found[1] + 2))
        extra_lines = tactic.count("\n")
        if extra_lines:
            line_no, col = found[0] + extra_lines + 1, 0
        else:
            line_no, col = found[0], found[1] + len(first)
    return positions


def trajectory_from_all_tactics(
    theorem: Theorem,
    proof: str,
    entries: Sequence[Mapping[str, Any]],
    *,
    backend: str,
    backend_version: str | None = None,
    lean_version: str | None = None,
    verified: bool | None = True,
) -> Trajectory | None:
    """Builds the linear trajectory of a proof Lean accepted from the REPL's ``allTactics``.

    Each entry is one REPL ``tactics`` item: ``{"tactic", "goals" (the goals before it, as
    ``ppGoals`` prints them), "pos": {"line", "column"}, "endPos", "proofState"?}``, with
    positions relative to ``theorem.declaration(proof)`` (line 1 is the ``theorem`` line) or, when
    the backend sent the header in the same command, to the header, a blank line or none, and
    the declaration (the line offset is found by trying these). The REPL lists nested tactics
    too; the entries that start where a top-level tactic starts give the state before it, and
    the state after the last one is ``no goals`` (the proof was accepted).

    Returns:
        The trajectory, or None when some top-level tactic has no entry at its position (for
        example a ``·`` bullet, which the REPL does not list): the caller replays instead.
    """
    tactics = split_tactics(proof)
    positions = _tactic_positions(proof, tactics)
    if not tactics or positions is None:
        return None
    by_pos: dict[tuple[int, int], Mapping[str, Any]] = {}
    for entry in entries:
        pos = entry.get("pos") or {}
        try:
            key = (int(pos["line"]), int(pos["column"]))
        except (KeyError, TypeError, ValueError):
            continue
        by_pos.setdefault(key, entry)
    header_lines = len(theorem.header.split("\n")) if theorem.header.strip() else 0
    offsets = dict.fromkeys((0, header_lines, header_lines + 1, header_lines + 2))
    found: list[Mapping[str, Any]] | None = None
    for offset in offsets:
        matched = [by_pos.get((line + offset, column)) for line, column in positions]
        if all(entry is not None for entry in matched):
            found = matched  # type: ignore[assignment]
            break
    if found is None:
        return None
    builder = TreeBuilder(theorem)
    parent: int | None = None
    for index, entry in enumerate(found):
        try:
            goals = _parse_goals_text(str(entry.get("goals", "")))
        except ValueError:
            return None
        parent = builder.add_goals(parent, None if index == 0 else tactics[index - 1], goals)
    assert parent is not None
    builder.add_goals(parent, tactics[-1], ())
    return builder.build(
        backend=backend,
        backend_version=backend_version,
        lean_version=lean_version,
        origin="allTactics",
        proof=proof,
        verified=verified,
    )


def _all_tactics_entries(backend: Any, theorem: Theorem, proof: str) -> list[Any] | None:
    if not isinstance(backend, SupportsAllTactics):
        return None
    try:
        answer = backend.all_tactics(theorem, proof)
    except (NotImplementedError, BackendError) as exc:
        logger.info("all_tactics unavailable for %s (%s); replaying", theorem.name, exc)
        return None
    if answer is None:
        return None
    if isinstance(answer, Mapping):
        answer = answer.get("tactics")
    return list(answer) if answer is not None else None


def build_trajectory(
    backend: ProverBackend,
    theorem: Theorem,
    proof: str | None = None,
    *,
    timeout: float | None = None,
    verify: bool = True,
    use_all_tactics: bool = True,
) -> Trajectory:
    """Turns a known proof into a linear trajectory ``s0 -a0-> s1 ... -> sn``.

    Args:
        backend: Any ProverBackend.
        theorem: The theorem.
        proof: The tactic block; defaults to ``theorem.proof``.
        timeout: Per call (start, each tactic, verification); None uses the backend's default.
        verify: Check the whole proof with ``backend.verify`` and record the verdict.
        use_all_tactics: Use the backend's ``all_tactics`` (REPL ``allTactics``) when it has one
            and the proof verified.

    Returns:
        The trajectory. The replay stops at the first failed tactic, which becomes a failed
        leaf; ``complete`` tells whether the path reached a state with no goals.

    Raises:
        ValueError: When there is no proof or it has no tactic.
        TheoremStartError: When the backend cannot start the theorem.
    """
    proof = proof if proof is not None else theorem.proof
    if proof is None:
        raise ValueError(f"theorem {theorem.name!r} has no known proof")
    tactics = split_tactics(proof)
    if not tactics:
        raise ValueError(f"the proof of {theorem.name!r} has no tactic")
    name, version, lean_version = backend_info(backend)

    verified: bool | None = None
    reason: str | None = None
    if verify:
        verification = backend.verify(theorem, proof, timeout)
        verified, reason = bool(verification.ok), verification.reason

    if use_all_tactics and verified:
        entries = _all_tactics_entries(backend, theorem, proof)
        if entries is not None:
            trajectory = trajectory_from_all_tactics(
                theorem,
                proof,
                entries,
                backend=name,
                backend_version=version,
                lean_version=lean_version,
                verified=verified,
            )
            if trajectory is not None:
                return trajectory
            logger.info("allTactics did not cover the top-level tactics of %s", theorem.name)

    builder = TreeBuilder(theorem)
    state = backend.start(theorem, timeout)
    node = builder.add_root(state)
    for tactic in tactics:
        result = backend.run_tactic(state, tactic, timeout)
        node = builder.add_result(node, tactic, result)
        if not isinstance(result, Success):
            break
        state = result.state
    return builder.build(
        backend=name,
        backend_version=version,
        lean_version=lean_version,
        origin="replay",
        proof=proof,
        verified=verified,
        verify_reason=reason,
    )


@dataclass(frozen=True)
class TrajectoryFailure:
    """A theorem no trajectory was built for, and why (it could not start, or has no tactic)."""

    theorem: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"theorem": self.theorem, "reason": self.reason}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> TrajectoryFailure:
        return cls(theorem=str(obj["theorem"]), reason=str(obj["reason"]))

    def __str__(self) -> str:
        return f"{self.theorem}: {self.reason}"


def build_trajectories(
    backend: ProverBackend,
    theorems: Iterable[Theorem],
    *,
    timeout: float | None = None,
    verify: bool = True,
) -> tuple[list[Trajectory], list[TrajectoryFailure]]:
    """:func:`build_trajectory` for every theorem with a known proof, with one error policy.

    A theorem that cannot start (:class:`~lean_gym.errors.TheoremStartError`, or any
    :class:`~lean_gym.errors.BackendError` of the call) or whose proof has no tactic is
    reported and skipped, never raised: ``lean-gym data trajectories`` and ``lean-gym run``
    both build their data through here. Theorems without a proof are left out.

    Returns:
        The trajectories, in order, and the theorems skipped with their reasons.
    """
    trajectories: list[Trajectory] = []
    failures: list[TrajectoryFailure] = []
    for theorem in theorems:
        if theorem.proof is None:
            continue
        try:
            trajectories.append(build_trajectory(backend, theorem, timeout=timeout, verify=verify))
        except (BackendError, ValueError) as exc:
            failures.append(TrajectoryFailure(theorem.name, str(exc)))
    return trajectories, failures
