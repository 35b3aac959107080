"""Proof-state exploration: many tactics tried at many intermediate states, as training data.

InternLM2.5-StepProver's and DeepSeek-Prover's observation is that a known proof shows one
tactic per state while a state usually admits many: trying a wide set of tactics at every
intermediate state, and keeping each that makes progress, turns one trajectory into a tree of
verified alternatives (a one-shot fine-tune on such data took a 7B step prover to 60.74% on
miniF2F). This module does that through any backend:

1. every input trajectory (a replayed proof or a search tree, ``lean_gym/data/FORMATS.md``
   section 2) is replayed on the backend, tactic by tactic, so that each of its states is a live
   :class:`~lean_gym.types.ProofState` of *this* backend (a node that does not replay is dropped
   with its subtree: nothing in the output was produced by another backend);
2. at each state the known children are tried again (provenance ``known``), then the scripted
   library's tactics (:class:`~lean_gym.tactic_library.TacticLibrary`, all of them by default,
   provenance ``library``) and a policy's samples (any object with ``propose(state, k)``, for
   example a model policy at a high temperature, provenance ``policy``);
3. a tactic that makes progress (no error, and a state whose :meth:`~lean_gym.types.ProofState.key`
   is neither the state's own nor an ancestor's) becomes a node; new states are explored on up
   to ``depth`` tactics away from the known ones, within ``max_lean_calls`` per theorem;
4. a tactic that closes the last goal gives a new proof, which counts only when
   ``backend.verify`` (:mod:`lean_gym.integrity`) accepts the whole path; a tactic the
   integrity text rules refuse (``sorry``...) is never sent.

The output is one search-tree record per theorem (``origin: "exploration"``), so that
``lean-gym data segments`` cuts every verified proof path of it and ``lean-gym data values``
labels every state, with real negatives: states reached by valid tactics that lead to no proof
within the budget get value 0, and failed tactics stay as failed leaves. Alongside, one flat row
per (state, tactic) tried, de-duplicated, with its outcome and provenance::

    {"theorem", "statement", "state", "tactic", "source": "known" | "library" | "policy",
     "outcome": "progress" | "solved" | "error" | "rejected" | "no_progress" | "cycle",
     "next_state", "error", "closes_goal", "on_proof", "depth", "backend"}

:class:`ExplorationReport` counts states explored, distinct valid tactics per state (against
the known ones) and the Lean calls spent.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from lean_gym.backends.base import ProverBackend
from lean_gym.data.jsonl import parse_lines, write_rows
from lean_gym.data.trajectories import Trajectory, TreeBuilder, backend_info, write_jsonl
from lean_gym.errors import LeanGymError
from lean_gym.integrity import check_proof_text
from lean_gym.tactic_library import TacticLibrary
from lean_gym.tactic_text import join_tactics
from lean_gym.types import LeanError, ProofState, Success, Theorem, normalize_whitespace

__all__ = [
    "SOURCES",
    "OUTCOMES",
    "ORIGIN",
    "TacticProposer",
    "ExplorationConfig",
    "ExplorationRow",
    "ExplorationReport",
    "ExplorationResult",
    "explore",
    "write_rows_jsonl",
    "read_rows_jsonl",
    "set_policy_factory",
    "make_exploration_policy",
    "write_trees",
]

logger = logging.getLogger(__name__)

ORIGIN = "exploration"
SOURCES = ("library", "policy", "both")
OUTCOMES = ("progress", "solved", "error", "rejected", "no_progress", "cycle")
Outcome = Literal["progress", "solved", "error", "rejected", "no_progress", "cycle"]
# Outcomes whose tactic is valid at its state (distinct valid tactics are counted over these).
_VALID = frozenset({"progress", "solved"})


@runtime_checkable
class TacticProposer(Protocol):
    """What exploration needs from a policy: ``propose(state, k)`` returning candidates that
    have a ``text`` (``agents.policies.Candidate``) or are plain strings."""

    def propose(self, state: ProofState, k: int) -> Sequence[Any]: ...


# The factory ``lean-gym data explore --policy SPEC`` builds its policy with. lean_gym cannot
# import the packages that define policies; one of them registers its factory here (``training``'s
# CLI plugin registers ``agents.policies.make_policy``).
_POLICY_FACTORY: Callable[..., Any] | None = None


def set_policy_factory(factory: Callable[..., Any] | None) -> None:
    """Sets the callable ``factory(spec, **kwargs) -> policy`` behind ``--policy SPEC``."""
    global _POLICY_FACTORY
    _POLICY_FACTORY = factory


def make_exploration_policy(spec: str, **kwargs: Any) -> Any:
    """The policy of a spec (``scripted``, ``hf:PATH``...) through the registered factory.

    Raises:
        ValueError: When no factory is registered or the factory refuses the spec.
    """
    if _POLICY_FACTORY is None:
        raise ValueError(
            f"--policy {spec}: no policy factory is registered (policies come from the agents "
            "package; install lean-gym with its agents and training packages)"
        )
    try:
        policy = _POLICY_FACTORY(spec, **kwargs)
    except (ImportError, TypeError) as exc:
        raise ValueError(f"--policy {spec}: {exc}") from None
    if not isinstance(policy, TacticProposer):
        raise ValueError(f"--policy {spec}: the factory gave {policy!r}, which has no propose()")
    return policy


@dataclass(frozen=True)
class ExplorationConfig:
    """How much to explore.

    Attributes:
        sources: ``library`` (the scripted tactic library), ``policy`` (the policy's samples)
            or ``both``.
        library_k: Tactics of the library per state (None: every tactic it proposes).
        policy_k: Candidates asked of the policy per state.
        depth: Explore on from new states up to this many tactics away from a known state
            (1: only the known states are explored; 0: the known tactics are replayed only).
        max_lean_calls: Lean calls per theorem for exploration (None: unlimited); replaying
            the known tactics is not limited by it.
        max_states: States explored per theorem (None: unlimited).
        timeout: Seconds per backend call (None: the backend's default).
    """

    sources: str = "library"
    library_k: int | None = None
    policy_k: int = 8
    depth: int = 1
    max_lean_calls: int | None = 400
    max_states: int | None = None
    timeout: float | None = None

    def __post_init__(self) -> None:
        if self.sources not in SOURCES:
            raise ValueError(f"sources must be one of {', '.join(SOURCES)}, got {self.sources!r}")
        if self.library_k is not None and self.library_k < 1:
            raise ValueError(f"library_k must be >= 1 (or None: all), got {self.library_k}")
        if self.policy_k < 1:
            raise ValueError(f"policy_k must be >= 1, got {self.policy_k}")
        if self.depth < 0:
            raise ValueError(f"depth must be >= 0, got {self.depth}")
        if self.max_lean_calls is not None and self.max_lean_calls < 0:
            raise ValueError(f"max_lean_calls must be >= 0, got {self.max_lean_calls}")
        if self.max_states is not None and self.max_states < 0:
            raise ValueError(f"max_states must be >= 0, got {self.max_states}")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError(f"timeout must be > 0, got {self.timeout}")

    @property
    def uses_library(self) -> bool:
        return self.sources in ("library", "both")

    @property
    def uses_policy(self) -> bool:
        return self.sources in ("policy", "both")


@dataclass(frozen=True)
class ExplorationRow:
    """One tactic tried at one state.

    Attributes:
        theorem: The theorem's name.
        statement: Its statement, white space folded.
        state: The state the tactic ran on (``ProofState.pp()``).
        tactic: The tactic.
        source: ``known`` (a child of the input trajectory), ``library`` or ``policy``.
        outcome: ``progress`` (a new state), ``solved`` (no goals left, the path verified),
            ``error`` (Lean refused it), ``rejected`` (the integrity rules refused the tactic
            or the proof it completed), ``no_progress`` (the same state) or ``cycle`` (the
            state of an ancestor).
        next_state: The state reached (``no goals`` when solved); None on error.
        error: The error message; None when the tactic ran.
        closes_goal: The tactic left fewer goals than it found.
        on_proof: The edge lies on a verified proof path of the theorem's explored tree.
        depth: Tactics from the root to ``state``.
        backend: The backend that ran it.
    """

    theorem: str
    statement: str
    state: str
    tactic: str
    source: str
    outcome: str
    next_state: str | None = None
    error: str | None = None
    closes_goal: bool = False
    on_proof: bool = False
    depth: int = 0
    backend: str = ""

    @property
    def valid(self) -> bool:
        """The tactic made progress (a new state, or a verified end of the proof)."""
        return self.outcome in _VALID

    def to_json(self) -> dict[str, Any]:
        return {
            "theorem": self.theorem,
            "statement": self.statement,
            "state": self.state,
            "tactic": self.tactic,
            "source": self.source,
            "outcome": self.outcome,
            "next_state": self.next_state,
            "error": self.error,
            "closes_goal": self.closes_goal,
            "on_proof": self.on_proof,
            "depth": self.depth,
            "backend": self.backend,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> ExplorationRow:
        return cls(
            theorem=str(obj["theorem"]),
            statement=str(obj.get("statement", "")),
            state=str(obj["state"]),
            tactic=str(obj["tactic"]),
            source=str(obj.get("source", "")),
            outcome=str(obj["outcome"]),
            next_state=obj.get("next_state"),
            error=obj.get("error"),
            closes_goal=bool(obj.get("closes_goal", False)),
            on_proof=bool(obj.get("on_proof", False)),
            depth=int(obj.get("depth", 0)),
            backend=str(obj.get("backend", "")),
        )


@dataclass(frozen=True)
class ExplorationReport:
    """What an exploration run did.

    Attributes:
        backend: The backend's name.
        theorems: Theorems explored (input trajectories are grouped by theorem).
        skipped: Theorems that could not start on the backend.
        states_explored: States at which new tactics were tried.
        tactics_tried: (state, tactic) pairs run or refused, the known ones included.
        valid_per_state: Per explored state, its distinct valid tactics (all sources).
        valid_per_known_state: The same for the explored states of the input trajectories.
        known_per_state: Per explored state of the input trajectories, its distinct valid
            tactics among the known ones (what the known proofs and trees contain).
        new_proofs: Solved nodes found by exploration (each path verified).
        rejected: Tactics or completed proofs the integrity rules refused.
        replay_failures: Known tactics that did not replay on this backend (dropped with
            their subtrees).
        lean_calls: Backend calls spent (tactics, verifications and starts).
        budget_exhausted: Theorems whose ``max_lean_calls`` ran out.
        outcomes: Rows per outcome.
    """

    backend: str = ""
    theorems: int = 0
    skipped: int = 0
    states_explored: int = 0
    tactics_tried: int = 0
    valid_per_state: tuple[int, ...] = ()
    valid_per_known_state: tuple[int, ...] = ()
    known_per_state: tuple[int, ...] = ()
    new_proofs: int = 0
    rejected: int = 0
    replay_failures: int = 0
    lean_calls: int = 0
    budget_exhausted: int = 0
    outcomes: Mapping[str, int] = field(default_factory=dict)

    @property
    def mean_valid_per_state(self) -> float:
        """Distinct valid tactics per explored state, on average."""
        return _mean(self.valid_per_state)

    @property
    def mean_valid_per_known_state(self) -> float:
        """Distinct valid tactics per explored known state, on average."""
        return _mean(self.valid_per_known_state)

    @property
    def mean_known_per_state(self) -> float:
        """Distinct valid known tactics per explored known state, on average."""
        return _mean(self.known_per_state)

    def histogram(self) -> dict[int, int]:
        """Explored states per number of distinct valid tactics."""
        return dict(sorted(Counter(self.valid_per_state).items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "theorems": self.theorems,
            "skipped": self.skipped,
            "states_explored": self.states_explored,
            "tactics_tried": self.tactics_tried,
            "mean_valid_per_state": self.mean_valid_per_state,
            "mean_valid_per_known_state": self.mean_valid_per_known_state,
            "mean_known_per_state": self.mean_known_per_state,
            "valid_per_state": list(self.valid_per_state),
            "valid_per_known_state": list(self.valid_per_known_state),
            "known_per_state": list(self.known_per_state),
            "valid_histogram": {str(k): v for k, v in self.histogram().items()},
            "new_proofs": self.new_proofs,
            "rejected": self.rejected,
            "replay_failures": self.replay_failures,
            "lean_calls": self.lean_calls,
            "budget_exhausted": self.budget_exhausted,
            "outcomes": dict(self.outcomes),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> ExplorationReport:
        return cls(
            backend=str(obj.get("backend", "")),
            theorems=int(obj.get("theorems", 0)),
            skipped=int(obj.get("skipped", 0)),
            states_explored=int(obj.get("states_explored", 0)),
            tactics_tried=int(obj.get("tactics_tried", 0)),
            valid_per_state=tuple(int(v) for v in obj.get("valid_per_state", ())),
            valid_per_known_state=tuple(int(v) for v in obj.get("valid_per_known_state", ())),
            known_per_state=tuple(int(v) for v in obj.get("known_per_state", ())),
            new_proofs=int(obj.get("new_proofs", 0)),
            rejected=int(obj.get("rejected", 0)),
            replay_failures=int(obj.get("replay_failures", 0)),
            lean_calls=int(obj.get("lean_calls", 0)),
            budget_exhausted=int(obj.get("budget_exhausted", 0)),
            outcomes={str(k): int(v) for k, v in (obj.get("outcomes") or {}).items()},
        )


def _mean(values: Sequence[int]) -> float:
    return sum(values) / len(values) if values else 0.0


@dataclass(frozen=True)
class ExplorationResult:
    """The explored trees (one per theorem), the rows, and the report."""

    trees: tuple[Trajectory, ...]
    rows: tuple[ExplorationRow, ...]
    report: ExplorationReport


# --------------------------------------------------------------------------- one theorem


@dataclass
class _Node:
    """A live state node of the tree being built."""

    id: int
    state: ProofState
    depth_from_known: int
    ancestors: frozenset[str]


@dataclass
class _Tally:
    lean_calls: int = 0
    replay_failures: int = 0
    new_proofs: int = 0
    rejected: int = 0
    states: int = 0
    exhausted: bool = False


@dataclass(frozen=True)
class _Tried:
    """One (node, tactic) tried: its outcome, the child node id (None: not in the tree) and
    the error."""

    parent: int
    tactic: str
    source: str
    outcome: str
    child: int | None
    error: LeanError | None


class _TheoremExplorer:
    """Builds the explored tree of one theorem from its input trajectories."""

    def __init__(
        self,
        backend: ProverBackend,
        theorem: Theorem,
        config: ExplorationConfig,
        library: TacticLibrary | None,
        policy: Any,
    ):
        self.backend = backend
        self.theorem = theorem
        self.config = config
        self.library = library
        self.policy = policy
        self.builder = TreeBuilder(theorem)
        self.tally = _Tally()
        self.tried: dict[tuple[int, str], _Tried] = {}
        self.live: dict[int, _Node] = {}
        self.parents: dict[int, tuple[int, str]] = {}  # child -> (parent, tactic)
        self.known_ids: set[int] = set()
        self.solved_ids: list[int] = []
        self.explored_keys: set[str] = set()

    def _spent(self) -> bool:
        limit = self.config.max_lean_calls
        return limit is not None and self.tally.lean_calls >= limit

    def _record(self, tried: _Tried) -> _Tried:
        self.tried[(tried.parent, tried.tactic)] = tried
        if tried.child is not None:
            self.parents[tried.child] = (tried.parent, tried.tactic)
        return tried

    def _fail(self, node: _Node, tactic: str, source: str, outcome: str, error: LeanError):
        child = self.builder.add_failure(node.id, tactic, error)
        if outcome == "rejected":
            self.tally.rejected += 1
        return self._record(_Tried(node.id, tactic, source, outcome, child, error))

    def _try(self, node: _Node, tactic: str, source: str) -> _Tried:
        """Runs ``tactic`` at ``node`` (once per node) and records what it did.

        A known tactic keeps its node even when the state does not change (a ``show`` of a
        known proof), so that the known paths stay whole; a new one must make progress.
        """
        done = self.tried.get((node.id, tactic))
        if done is not None:
            return done
        rejection = check_proof_text(tactic)
        if rejection is not None:
            error = LeanError("rejected", f"{rejection.reason}: {rejection.detail}")
            return self._fail(node, tactic, source, "rejected", error)
        self.tally.lean_calls += 1
        result = self.backend.run_tactic(node.state, tactic, self.config.timeout)
        if not isinstance(result, Success):
            return self._fail(node, tactic, source, "error", result)
        state = result.state
        key = state.key()
        outcome = "progress"
        if key == node.state.key():
            outcome = "no_progress"
        elif key in node.ancestors:
            outcome = "cycle"
        if outcome != "progress" and source != "known":
            return self._record(_Tried(node.id, tactic, source, outcome, None, None))
        if state.is_solved:
            self.tally.lean_calls += 1
            verification = self.backend.verify(
                self.theorem, join_tactics(state.tactics), self.config.timeout
            )
            if not verification.ok:
                error = LeanError(
                    "rejected", f"verification: {verification.reason}: {verification.detail}"
                )
                return self._fail(node, tactic, source, "rejected", error)
            child = self.builder.add_state(node.id, tactic, state)
            self.solved_ids.append(child)
            if source != "known":
                self.tally.new_proofs += 1
            return self._record(_Tried(node.id, tactic, source, "solved", child, None))
        child = self.builder.add_state(node.id, tactic, state)
        depth = 0 if source == "known" else node.depth_from_known + 1
        self.live[child] = _Node(child, state, depth, node.ancestors | {node.state.key()})
        return self._record(_Tried(node.id, tactic, source, outcome, child, None))

    def replay(self, trajectories: Sequence[Trajectory]) -> None:
        """Adds the root and every known node that replays on this backend.

        Raises:
            BackendError: When the theorem does not start.
        """
        self.tally.lean_calls += 1
        root_state = self.backend.start(self.theorem, self.config.timeout)
        root_id = self.builder.add_root(root_state)
        self.live[root_id] = _Node(root_id, root_state, 0, frozenset())
        self.known_ids.add(root_id)
        for trajectory in trajectories:
            mapping: dict[int, _Node | None] = {0: self.live[root_id]}
            for known in trajectory.nodes[1:]:
                parent = mapping.get(known.parent) if known.parent is not None else None
                if parent is None or known.tactic is None:
                    mapping[known.id] = None
                    continue
                tried = self._try(parent, known.tactic, "known")
                if tried.child is not None:
                    self.known_ids.add(tried.child)
                mapping[known.id] = self.live.get(tried.child) if tried.child is not None else None
                expected_state = not known.failed
                got_state = tried.outcome in ("progress", "solved", "no_progress", "cycle")
                if expected_state and not got_state:
                    self.tally.replay_failures += 1

    def _candidates(self, node: _Node) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if self.config.uses_library and self.library is not None:
            for suggestion in self.library.suggest(node.state, self.config.library_k):
                found.append((suggestion.text, "library"))
        if self.config.uses_policy and self.policy is not None:
            try:
                proposals = self.policy.propose(node.state, self.config.policy_k)
            except Exception as exc:  # a policy failure must not end an exploration run
                logger.warning("policy failed at a state of %s: %s", self.theorem.name, exc)
                proposals = []
            for candidate in proposals:
                text = candidate if isinstance(candidate, str) else getattr(candidate, "text", "")
                if isinstance(text, str) and text.strip():
                    found.append((text, "policy"))
        return found

    def explore(self) -> None:
        """Tries new tactics at every live state, breadth first, within the budget."""
        if self.config.depth == 0:
            return
        queue = [node for node in self.live.values() if not node.state.is_solved]
        position = 0
        while position < len(queue):
            node = queue[position]
            position += 1
            if self._spent():
                self.tally.exhausted = True
                break
            limit = self.config.max_states
            if limit is not None and len(self.explored_keys) >= limit:
                break
            key = node.state.key()
            if key in self.explored_keys:
                continue
            self.explored_keys.add(key)
            self.tally.states += 1
            for tactic, source in self._candidates(node):
                if self._spent():
                    self.tally.exhausted = True
                    break
                tried = self._try(node, tactic, source)
                child = self.live.get(tried.child) if tried.child is not None else None
                if child is not None and child.depth_from_known < self.config.depth:
                    queue.append(child)

    def _path_tactics(self, node_id: int) -> list[str]:
        tactics: list[str] = []
        while node_id in self.parents:
            node_id, tactic = self.parents[node_id]
            tactics.append(tactic)
        return tactics[::-1]

    def build(self, trajectories: Sequence[Trajectory]) -> tuple[Trajectory, list[ExplorationRow]]:
        name, version, lean_version = backend_info(self.backend)
        proof: str | None = None
        if self.solved_ids:
            shortest = min(self.solved_ids, key=lambda i: len(self._path_tactics(i)))
            proof = join_tactics(self._path_tactics(shortest))
        elif trajectories:
            proof = trajectories[0].proof
        meta = {
            "explored_from": sorted({t.origin for t in trajectories}),
            "source_backends": sorted({t.backend for t in trajectories if t.backend}),
            "known_nodes": sorted(self.known_ids),
            "sources": self.config.sources,
            "depth": self.config.depth,
            "lean_calls": self.tally.lean_calls,
            "states_explored": self.tally.states,
        }
        tree = self.builder.build(
            backend=name,
            backend_version=version,
            lean_version=lean_version,
            origin=ORIGIN,
            proof=proof,
            # Every solved node's path was verified before it was added; None: no proof.
            verified=True if self.solved_ids else None,
            meta=meta,
        )
        statement = normalize_whitespace(self.theorem.statement)
        rows = []
        for tried in self.tried.values():
            parent = tree.nodes[tried.parent]
            child = tree.nodes[tried.child] if tried.child is not None else None
            valid = tried.outcome in _VALID
            closes = (
                valid
                and child is not None
                and child.num_goals is not None
                and parent.num_goals is not None
                and child.num_goals < parent.num_goals
            )
            rows.append(
                ExplorationRow(
                    theorem=self.theorem.name,
                    statement=statement,
                    state=parent.state or "",
                    tactic=tried.tactic,
                    source=tried.source,
                    outcome=tried.outcome,
                    next_state=child.state if valid and child is not None else None,
                    error=None if tried.error is None else tried.error.message,
                    closes_goal=bool(closes),
                    on_proof=bool(child is not None and child.on_proof_path),
                    depth=parent.depth,
                    backend=name,
                )
            )
        return tree, rows


# --------------------------------------------------------------------------- the run


def _group(trajectories: Iterable[Trajectory]) -> list[tuple[Theorem, list[Trajectory]]]:
    """Input trajectories per theorem (name and statement), in first-seen order."""
    groups: dict[tuple[str, str], tuple[Theorem, list[Trajectory]]] = {}
    for trajectory in trajectories:
        theorem = trajectory.theorem
        key = (theorem.name, normalize_whitespace(theorem.statement))
        groups.setdefault(key, (theorem, []))[1].append(trajectory)
    return list(groups.values())


def _stats(
    tree: Trajectory, rows: Sequence[ExplorationRow], explored: set[str], known_ids: set[int]
) -> list[tuple[int, int, bool]]:
    """(distinct valid tactics, distinct valid known tactics, is a known state) for each
    explored state of one theorem."""
    keys: dict[str, str] = {}
    known_keys: set[str] = set()
    for node in tree.nodes:
        if node.failed or node.state is None:
            continue
        key = ProofState(tree.theorem, node.goals or ()).key()
        keys.setdefault(node.state, key)
        if node.id in known_ids:
            known_keys.add(key)
    valid: dict[str, set[str]] = {}
    known: dict[str, set[str]] = {}
    for row in rows:
        key = keys.get(row.state)
        if not row.valid or key is None:
            continue
        valid.setdefault(key, set()).add(row.tactic)
        if row.source == "known":
            known.setdefault(key, set()).add(row.tactic)
    return [
        (len(valid.get(k, ())), len(known.get(k, ())), k in known_keys) for k in sorted(explored)
    ]


def explore(
    backend: ProverBackend,
    trajectories: Iterable[Trajectory],
    config: ExplorationConfig | None = None,
    *,
    policy: Any = None,
    library: TacticLibrary | None = None,
    progress: bool = False,
) -> ExplorationResult:
    """Explores the states of ``trajectories`` on ``backend`` (see the module docstring).

    Args:
        backend: Any ProverBackend; every node of the output was produced by it.
        trajectories: Linear trajectories and search trees (``read_jsonl``).
        config: How much to explore (:class:`ExplorationConfig`).
        policy: Any object with ``propose(state, k)`` (used when ``config.sources`` is
            ``policy`` or ``both``).
        library: The scripted library (default: ``TacticLibrary()``).
        progress: Show a progress bar with live counts.

    Raises:
        ValueError: When the sources need a policy and none is given.
    """
    config = config or ExplorationConfig()
    if config.uses_policy and policy is None:
        raise ValueError(f"sources={config.sources!r} needs a policy (an object with propose())")
    if policy is not None and not isinstance(policy, TacticProposer):
        raise ValueError(f"the policy {policy!r} has no propose(state, k)")
    library = library if library is not None else TacticLibrary()
    name, _, _ = backend_info(backend)
    groups = _group(trajectories)
    trees: list[Trajectory] = []
    all_rows: list[ExplorationRow] = []
    seen_rows: set[tuple[str, str, str]] = set()
    valid_per_state: list[int] = []
    valid_per_known_state: list[int] = []
    known_per_state: list[int] = []
    totals = _Tally()
    skipped = exhausted = 0
    outcomes: Counter[str] = Counter()

    from tqdm.auto import tqdm

    bar = tqdm(groups, desc="exploring", unit="theorem", disable=not progress)
    try:
        for theorem, group in bar:
            explorer = _TheoremExplorer(backend, theorem, config, library, policy)
            try:
                explorer.replay(group)
                explorer.explore()
            except LeanGymError as exc:  # a theorem that cannot start, or a dead backend
                logger.warning("exploration skips %s: %s", theorem.name, exc)
                skipped += 1
                totals.lean_calls += explorer.tally.lean_calls
                continue
            tree, rows = explorer.build(group)
            trees.append(tree)
            kept = []
            for row in rows:
                key = (row.statement, row.state, row.tactic)
                if key in seen_rows:
                    continue
                seen_rows.add(key)
                kept.append(row)
                outcomes[row.outcome] += 1
            all_rows.extend(kept)
            # The theorem's own rows: a state it shares with an earlier theorem of the same
            # statement (whose rows the de-duplication kept) still counts for this one.
            for valid, known, is_known in _stats(
                tree, rows, explorer.explored_keys, explorer.known_ids
            ):
                valid_per_state.append(valid)
                if is_known:
                    valid_per_known_state.append(valid)
                    known_per_state.append(known)
            tally = explorer.tally
            totals.lean_calls += tally.lean_calls
            totals.replay_failures += tally.replay_failures
            totals.new_proofs += tally.new_proofs
            totals.rejected += tally.rejected
            totals.states += tally.states
            exhausted += tally.exhausted
            bar.set_postfix(
                states=totals.states, valid=sum(valid_per_state), proofs=totals.new_proofs,
                calls=totals.lean_calls,
            )  # fmt: skip
    finally:
        bar.close()
    report = ExplorationReport(
        backend=name,
        theorems=len(trees),
        skipped=skipped,
        states_explored=totals.states,
        tactics_tried=len(all_rows),
        valid_per_state=tuple(valid_per_state),
        valid_per_known_state=tuple(valid_per_known_state),
        known_per_state=tuple(known_per_state),
        new_proofs=totals.new_proofs,
        rejected=totals.rejected,
        replay_failures=totals.replay_failures,
        lean_calls=totals.lean_calls,
        budget_exhausted=exhausted,
        outcomes=dict(sorted(outcomes.items())),
    )
    return ExplorationResult(tuple(trees), tuple(all_rows), report)


def write_rows_jsonl(rows: Iterable[ExplorationRow], path: str | os.PathLike[str]) -> int:
    """Writes exploration rows, one per line; returns how many."""
    return write_rows((row.to_json() for row in rows), path)


def read_rows_jsonl(path: str | os.PathLike[str]) -> list[ExplorationRow]:
    """Reads exploration rows.

    Raises:
        ValueError: For a line that is not a row (its line number in the message).
    """
    rows = []
    with open(Path(path), encoding="utf-8") as handle:
        for number, obj in parse_lines(handle):
            try:
                if isinstance(obj, ValueError):
                    raise obj
                rows.append(ExplorationRow.from_json(obj))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: bad exploration row: {exc}") from exc
    return rows


def write_trees(result: ExplorationResult, path: str | os.PathLike[str]) -> int:
    """Writes the explored trees as trajectory records; returns how many."""
    return write_jsonl(result.trees, path)
