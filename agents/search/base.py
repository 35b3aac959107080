"""The search interface: ``Budget``, ``SearchResult``, the ``SearchAlgorithm`` protocol and the
registry of algorithms.

A search algorithm takes a theorem, an env or a backend to run actions on, a policy to propose
them and a budget, and returns a :class:`SearchResult`: the proof if it found one, what it
spent (expansions, Lean calls, policy calls, tokens, wall time split into policy / Lean /
search bookkeeping), why it stopped, and optionally the search tree in the data layer's
trajectory format (so ``lean-gym data segments|values`` read it directly).

Algorithms register by name with a ``"module:attr"`` string, like the envs and backends, so a
new one is one file and one line (``register_search("mine", "my_pkg.mine:MySearch")``).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from lean_gym.data.trajectories import Trajectory
from lean_gym.types import Theorem

if TYPE_CHECKING:
    from agents.policies.base import Policy

__all__ = [
    "Budget",
    "SearchResult",
    "SearchAlgorithm",
    "BUILTIN_SEARCHES",
    "SEARCHES",
    "register_search",
    "make_search",
    "available_searches",
    "resolve_search",
    "BUDGET_REASONS",
    "STOP_REASONS",
    "tree_to_record",
    "tree_from_record",
]

# Why a search stops without a proof (``SearchResult.reason``).
BUDGET_REASONS = (
    "budget:expansions",
    "budget:lean_calls",
    "budget:policy_calls",
    "budget:tokens",
    "budget:wall_seconds",
)
STOP_REASONS = (*BUDGET_REASONS, "exhausted", "policy_error")


@dataclass(frozen=True)
class Budget:
    """What one search may spend; each limit None means unlimited.

    Every algorithm checks the counted limits before it spends: it never runs more expansions,
    Lean calls or policy calls than allowed, and never uses more tokens (candidates that would
    cross the token limit are dropped; their tokens were generated but are not used).
    ``wall_seconds`` is checked before every policy and Lean call and bounds the policy's
    timeout, so a search ends at most one Lean call's timeout after it.

    Attributes:
        expansions: Nodes expanded (one policy proposal for a state, and its candidates run).
        lean_calls: Lean calls (each tactic of a segment is one; a whole-proof check is one).
        policy_calls: Policy calls: model calls, each ``propose`` (one state) or
            ``propose_batch`` (several, e.g. the lockstep greedy steps of goal-aware rollouts)
            counting one.
        tokens: Generated tokens of the candidates used.
        wall_seconds: Wall-clock seconds.
    """

    expansions: int | None = None
    lean_calls: int | None = None
    policy_calls: int | None = None
    tokens: int | None = None
    wall_seconds: float | None = None

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"budget {item.name} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"budget {item.name} must be finite and >= 0, got {value!r}")
            if item.name != "wall_seconds" and int(value) != value:
                raise ValueError(f"budget {item.name} must be a whole number, got {value!r}")

    @classmethod
    def parse(cls, text: str) -> Budget:
        """Reads ``"expansions=600,lean_calls=5000,wall_seconds=60"`` (``""`` is unlimited).

        Raises:
            ValueError: For an unknown name, a missing ``=`` or a bad number.
        """
        names = {item.name for item in fields(cls)}
        values: dict[str, Any] = {}
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            name, sep, raw = part.partition("=")
            name = name.strip().replace("-", "_")
            if not sep:
                raise ValueError(f"budget item {part!r} needs NAME=VALUE")
            if name not in names:
                raise ValueError(f"unknown budget item {name!r}; known: {', '.join(sorted(names))}")
            raw = raw.strip()
            if raw.lower() in ("none", "inf", ""):
                values[name] = None
                continue
            try:
                number = float(raw) if name == "wall_seconds" else int(raw)
            except ValueError:
                raise ValueError(f"budget {name} must be a number, got {raw!r}") from None
            values[name] = number
        return cls(**values)

    def __str__(self) -> str:
        items = [
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in asdict(self).items()
            if v is not None
        ]
        return ",".join(items)

    @property
    def unlimited(self) -> bool:
        return all(getattr(self, item.name) is None for item in fields(self))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Budget:
        names = {item.name for item in fields(cls)}
        return cls(**{k: v for k, v in obj.items() if k in names})


def tree_to_record(tree: Trajectory) -> dict[str, Any]:
    """The trajectory record of a search tree, with the optional node fields put on the nodes.

    A search keeps per-node extras in ``tree.meta["node_fields"]`` (``{"expanded": {id:
    order}, "segment": {id: [tactic, ...]}}``, since :class:`Trajectory` nodes have fixed
    fields); the record carries them as node fields ``"expanded"`` (every node: the order in
    which the search expanded it, or null) and ``"segment"`` (the final node of a segment edge).
    """
    record = tree.to_json()
    meta = dict(record.get("meta") or {})
    extras = meta.pop("node_fields", None) or {}
    record["meta"] = meta
    expanded = {int(k): v for k, v in (extras.get("expanded") or {}).items()}
    segments = {int(k): v for k, v in (extras.get("segment") or {}).items()}
    for node in record["nodes"]:
        node["expanded"] = expanded.get(node["id"])
        if node["id"] in segments:
            node["segment"] = list(segments[node["id"]])
    return record


def tree_from_record(record: Mapping[str, Any]) -> Trajectory:
    """The inverse of :func:`tree_to_record`."""
    expanded: dict[int, int] = {}
    segments: dict[int, list[str]] = {}
    for node in record.get("nodes") or ():
        if node.get("expanded") is not None:
            expanded[int(node["id"])] = int(node["expanded"])
        if node.get("segment") is not None:
            segments[int(node["id"])] = [str(t) for t in node["segment"]]
    trajectory = Trajectory.from_json(record)
    meta = dict(trajectory.meta)
    if expanded or segments:
        meta["node_fields"] = {"expanded": expanded, "segment": segments}
    return Trajectory(
        **{**{f.name: getattr(trajectory, f.name) for f in fields(trajectory)}, "meta": meta}
    )


@dataclass(frozen=True)
class SearchResult:
    """What one search did.

    Attributes:
        theorem: The theorem searched.
        solved: True when the search reached a state with no goals (the proof is then checked
            by the caller through ``backend.verify``, as the eval runner does).
        proof: The tactics from the root to that state, newline-joined; None when unsolved.
        expansions: Nodes expanded.
        lean_calls: Lean calls made (every ``expand`` tactic; a whole-proof check is one).
        policy_calls: Policy (model) calls; a batch counts one.
        policy_states: States the policy proposed for (a batch of ``n`` counts ``n``).
        unique_states: Distinct states (by ``ProofState.key()``) reached, the root included.
        tokens: Generated tokens of the candidates used.
        time_policy: Seconds in the policy (and value function).
        time_lean: Seconds in Lean calls.
        time_search: Seconds of the search's own bookkeeping (total minus policy and Lean).
        time_total: Wall seconds of the search.
        reason: None when solved; otherwise one of :data:`STOP_REASONS`.
        policy_failures: Expansions lost because the policy raised, timed out or returned
            something that is not a list of candidates.
        tree: The search tree (``origin="search"``), when recorded.
    """

    theorem: Theorem
    solved: bool
    proof: str | None = None
    expansions: int = 0
    lean_calls: int = 0
    policy_calls: int = 0
    policy_states: int = 0
    unique_states: int = 0
    tokens: int = 0
    time_policy: float = 0.0
    time_lean: float = 0.0
    time_search: float = 0.0
    time_total: float = 0.0
    reason: str | None = None
    policy_failures: int = 0
    tree: Trajectory | None = None

    def to_json(self, *, include_tree: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "theorem": self.theorem.to_json(),
            "solved": self.solved,
            "proof": self.proof,
            "expansions": self.expansions,
            "lean_calls": self.lean_calls,
            "policy_calls": self.policy_calls,
            "policy_states": self.policy_states,
            "unique_states": self.unique_states,
            "tokens": self.tokens,
            "time": {
                "policy": self.time_policy,
                "lean": self.time_lean,
                "search": self.time_search,
                "total": self.time_total,
            },
            "reason": self.reason,
            "policy_failures": self.policy_failures,
        }
        if include_tree:
            out["tree"] = None if self.tree is None else tree_to_record(self.tree)
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> SearchResult:
        time = obj.get("time") or {}
        tree = obj.get("tree")
        return cls(
            theorem=Theorem.from_json(obj["theorem"]),
            solved=bool(obj["solved"]),
            proof=obj.get("proof"),
            expansions=int(obj.get("expansions", 0)),
            lean_calls=int(obj.get("lean_calls", 0)),
            policy_calls=int(obj.get("policy_calls", 0)),
            policy_states=int(obj.get("policy_states", 0)),
            unique_states=int(obj.get("unique_states", 0)),
            tokens=int(obj.get("tokens", 0)),
            time_policy=float(time.get("policy", 0.0)),
            time_lean=float(time.get("lean", 0.0)),
            time_search=float(time.get("search", 0.0)),
            time_total=float(time.get("total", 0.0)),
            reason=obj.get("reason"),
            policy_failures=int(obj.get("policy_failures", 0)),
            tree=None if tree is None else tree_from_record(tree),
        )


@runtime_checkable
class SearchAlgorithm(Protocol):
    """What every search algorithm provides."""

    name: str

    def search(
        self, theorem: Theorem, env_or_backend: Any, policy: Policy, budget: Budget
    ) -> SearchResult:
        """Searches for a proof of ``theorem``.

        Args:
            theorem: The theorem.
            env_or_backend: A lean_gym env (``gym.make(...)`` or its unwrapped
                :class:`~lean_gym.envs.base.LeanEnv`; its action semantics are used), a backend
                instance, or a backend name.
            policy: Proposes the actions.
            budget: What the search may spend.

        Raises:
            TheoremStartError: When the backend cannot start the theorem.
        """
        ...


SEARCHES: dict[str, str | Callable[..., SearchAlgorithm]] = {
    "best-first": "agents.search.best_first:BestFirstSearch",
    "adaptive-beam": "agents.search.adaptive_beam:AdaptiveBeamSearch",
    "value-best-first": "agents.search.value_guided:ValueGuidedSearch",
    "mcts": "agents.search.mcts:MCTSSearch",
    "goal-aware-rollout": "agents.search.goal_aware:GoalAwareRollout",
    "segment-best-first": "agents.search.segment_best_first:SegmentBestFirstSearch",
    "whole-proof": "agents.search.whole_proof:WholeProofSampling",
}
#: The algorithms this package ships (``SEARCHES`` also holds what other modules register).
BUILTIN_SEARCHES: tuple[str, ...] = tuple(SEARCHES)


def register_search(name: str, factory: str | Callable[..., SearchAlgorithm]) -> None:
    """Registers an algorithm: a ``"module:attr"`` string (imported on first use) or a callable
    that builds it from keyword arguments."""
    if not name:
        raise ValueError("a search algorithm needs a name")
    SEARCHES[name] = factory


def available_searches() -> list[str]:
    """The registered algorithm names."""
    return sorted(SEARCHES)


def resolve_search(name: str) -> Callable[..., SearchAlgorithm]:
    """The factory registered as ``name``.

    Raises:
        ValueError: For an unknown name (listing the known ones).
    """
    if name not in SEARCHES:
        raise ValueError(
            f"unknown search algorithm {name!r}; known: {', '.join(available_searches())}"
        )
    factory = SEARCHES[name]
    if callable(factory):
        return factory
    module_name, _, attr = factory.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def make_search(name: str, **kwargs: Any) -> SearchAlgorithm:
    """Builds the algorithm registered as ``name`` with ``kwargs``.

    Raises:
        ValueError: For an unknown name.
        TypeError: For a keyword the algorithm does not take.
    """
    return resolve_search(name)(**kwargs)
