"""What every search algorithm shares: the env it branches on, the budget, the counters, the
guarded policy calls, deduplication and the tree.

An algorithm subclasses :class:`TreeSearch` and writes :meth:`TreeSearch.run`, which talks to a
:class:`SearchContext`:

* ``ctx.blocked()``: the budget reason that forbids another expansion, or None;
* ``ctx.begin_expansion(node)``: counts an expansion (and records its order in the tree);
* ``ctx.propose(states, k)``: the policy's candidates, one model call however many states
  (None when the policy failed: raised, timed out or returned garbage; that expansion is lost,
  the search goes on);
* ``ctx.apply_candidates(state, node, candidates)``: runs them in order through the env's
  ``expand`` on the state's handle (no replay), recording each in the tree and telling whether
  its state is new (:meth:`ProofState.key` dedup) or solves the theorem, stopping at a proof;
  then the context's expansion hooks run on the children (goal-aware rollout is one);
* ``ctx.apply(state, node, action)``: one action, without the hooks;
* ``ctx.value(fn, state)``: a value estimate, timed as model time, cached per state key.

``run`` returns the solved state or a stop reason; :meth:`TreeSearch.search` turns that into a
:class:`~agents.search.base.SearchResult`. Budgets are checked here, before anything is spent,
so every algorithm respects them the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from agents.search.base import Budget, SearchResult
from agents.search.guard import PolicyFailure, PolicyGuard, validate_proposals
from agents.search.tree import SearchTree
from lean_gym.tactic_text import join_tactics
from lean_gym.types import LeanError, Outcome, ProofState, Theorem

if TYPE_CHECKING:
    from agents.policies.base import Candidate, Policy
    from lean_gym.envs.base import LeanEnv

__all__ = ["SearchContext", "Transition", "TreeSearch", "GRANULARITIES", "env_class"]

GRANULARITIES = ("step", "segment", "proof")

# A hook run on the children of every expansion (goal-aware rollout extends them with it).
ExpansionHook = Callable[["SearchContext", "list[Transition]"], "list[Transition]"]


def env_class(granularity: str) -> type[LeanEnv]:
    """The lean_gym env whose actions have this granularity."""
    from lean_gym.envs import LeanProofEnv, LeanSegmentEnv, LeanStepEnv

    classes = {"step": LeanStepEnv, "segment": LeanSegmentEnv, "proof": LeanProofEnv}
    if granularity not in classes:
        raise ValueError(
            f"unknown granularity {granularity!r}; choose one of {', '.join(GRANULARITIES)}"
        )
    return classes[granularity]


def _granularity_of(env: LeanEnv) -> str:
    from lean_gym.envs import LeanProofEnv, LeanSegmentEnv

    if isinstance(env, LeanProofEnv):
        return "proof"
    if isinstance(env, LeanSegmentEnv):
        return "segment"
    return "step"


@dataclass
class Transition:
    """What applying one action did.

    Attributes:
        state: The state reached (None when the action failed).
        node: The tree node of that state, or of the failure (-1 when not recorded).
        error: The failure, or None.
        new: True when ``state`` was not seen before in this search.
        solved: True when ``state`` has no goals.
        stopped: A budget reason when the action could not run because the budget is spent.
        tactics: The tactics the action ran successfully (a rollout adds its own).
        logprob: The summed logprob of extra tactics a hook added (0 otherwise).
        parent_goals: The number of goals of the state the action was applied to.
        prefix: For a failed multi-tactic action: the state after its valid prefix (None when
            its first tactic failed); ``node`` is then that state's tree node.
        candidate: The policy's candidate this transition applied (set by
            :meth:`SearchContext.apply_candidates`).
    """

    state: ProofState | None
    node: int
    error: LeanError | None = None
    new: bool = False
    solved: bool = False
    stopped: str | None = None
    tactics: tuple[str, ...] = ()
    logprob: float = 0.0
    parent_goals: int = 0
    prefix: ProofState | None = None
    candidate: Candidate | None = None

    @property
    def end(self) -> ProofState | str | None:
        """What ends the search here: the solved state, the spent budget's reason, or None."""
        if self.stopped is not None:
            return self.stopped
        if self.solved:
            return self.state
        return None


class SearchContext:
    """One search's env, budget, counters, policy guard, dedup table and tree.

    Args:
        theorem: The theorem.
        env_or_backend: An env (wrapped or not), a backend instance or a backend name.
        policy: The policy.
        budget: The budget.
        granularity: The action granularity (None: the given env's, else ``step``).
        policy_timeout: Seconds per policy call (None: no timeout, called inline).
        record_tree: Keep the search tree.
        search_name: Recorded in the tree's meta.
        env_kwargs: Passed to an env this context builds (``tactic_timeout``, ...).
    """

    def __init__(
        self,
        theorem: Theorem,
        env_or_backend: Any,
        policy: Policy,
        budget: Budget,
        *,
        granularity: str | None = None,
        policy_timeout: float | None = 60.0,
        record_tree: bool = True,
        search_name: str = "",
        env_kwargs: dict[str, Any] | None = None,
    ):
        self.started = time.perf_counter()
        self.theorem = theorem
        self.policy = policy
        self.budget = budget
        self.search_name = search_name
        self.expansions = 0
        self.policy_calls = 0
        self.policy_states = 0
        self.policy_failures = 0
        self.tokens = 0
        self.time_policy = 0.0
        self.time_lean = 0.0
        self.last_failure: PolicyFailure | None = None
        self.hooks: list[ExpansionHook] = []
        self._guard = PolicyGuard(policy_timeout)
        self._deadline = (
            None if budget.wall_seconds is None else self.started + float(budget.wall_seconds)
        )
        self._states: list[ProofState] = []
        self._values: dict[str, float] = {}
        self.env, self._owns_env, self.granularity = self._prepare_env(
            env_or_backend, granularity, env_kwargs or {}
        )
        began = time.perf_counter()
        try:
            self.env.reset(options={"theorem": theorem.name})
        except BaseException:  # TheoremStartError above all: close what was built for it
            if self._owns_env:
                self.env.close()
            raise
        self.time_lean += time.perf_counter() - began
        self._calls_at_start = self.env.lean_calls
        self._saved_max_calls = self.env.max_lean_calls
        if budget.lean_calls is not None:
            self.env.max_lean_calls = self._calls_at_start + int(budget.lean_calls)
        self.root = self.env.state
        self.seen: dict[str, int] = {self.root.key(): 0}
        self.tree = SearchTree(theorem, self.root, enabled=record_tree)
        self._states.append(self.root)

    # ------------------------------------------------------------------ env

    def _prepare_env(
        self, target: Any, granularity: str | None, env_kwargs: dict[str, Any]
    ) -> tuple[LeanEnv, bool, str]:
        from lean_gym.envs.base import LeanEnv

        env = getattr(target, "unwrapped", target)
        if isinstance(env, LeanEnv):
            chosen = granularity or _granularity_of(env)
            try:
                knows_theorem = env.theorem_by_name(self.theorem.name) == self.theorem
            except ValueError:
                knows_theorem = False
            if _granularity_of(env) == chosen and knows_theorem:
                return env, False, chosen
            kwargs = {
                "tactic_timeout": env.tactic_timeout,
                "verify_timeout": env.verify_timeout,
                "integrity_policy": env.integrity_policy,
                **env_kwargs,
            }
            return env_class(chosen)([self.theorem], env.backend, **kwargs), True, chosen
        chosen = granularity or "step"
        return env_class(chosen)([self.theorem], target, **env_kwargs), True, chosen

    @property
    def backend(self) -> Any:
        return self.env.backend

    @property
    def lean_calls(self) -> int:
        return self.env.lean_calls - self._calls_at_start

    # ------------------------------------------------------------------ budget

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def _wall_left(self) -> float | None:
        return None if self._deadline is None else self._deadline - time.perf_counter()

    def lean_blocked(self) -> str | None:
        """The budget reason that forbids another Lean call, or None."""
        if self.budget.lean_calls is not None and self.lean_calls >= self.budget.lean_calls:
            return "budget:lean_calls"
        left = self._wall_left()
        if left is not None and left <= 0:
            return "budget:wall_seconds"
        return None

    def policy_blocked(self) -> str | None:
        """The budget reason that forbids another policy call, or None."""
        budget = self.budget
        if budget.policy_calls is not None and self.policy_calls >= budget.policy_calls:
            return "budget:policy_calls"
        if budget.tokens is not None and self.tokens >= budget.tokens:
            return "budget:tokens"
        left = self._wall_left()
        if left is not None and left <= 0:
            return "budget:wall_seconds"
        return None

    def blocked(self) -> str | None:
        """The budget reason that forbids another expansion, or None."""
        if self.budget.expansions is not None and self.expansions >= self.budget.expansions:
            return "budget:expansions"
        return self.policy_blocked() or self.lean_blocked()

    # ------------------------------------------------------------------ steps of a search

    def begin_expansion(self, node: int) -> None:
        """Counts one expansion of the tree node ``node``."""
        self.expansions += 1
        self.tree.mark_expanded(node, self.expansions)

    def propose(self, states: Sequence[ProofState], k: int) -> list[list[Candidate]] | None:
        """The policy's candidates for ``states`` (one list each), or None when it failed.

        Counts one policy call (``propose`` for one state, ``propose_batch`` for several: one
        model call either way) and ``len(states)`` proposed states; drops candidates whose
        tokens would cross the token budget. The caller checks :meth:`policy_blocked` first.
        """
        self.policy_calls += 1
        self.policy_states += len(states)
        began = time.perf_counter()
        if len(states) == 1:
            ok, value = self._guard.call(
                _propose_one, self.policy, states[0], k, timeout=self._wall_left()
            )
        else:
            ok, value = self._guard.call(
                self.policy.propose_batch, list(states), k, timeout=self._wall_left()
            )
        self.time_policy += time.perf_counter() - began
        if ok:
            try:
                value = validate_proposals(value, len(states), k)
            except ValueError as exc:
                ok, value = False, PolicyFailure("garbage", str(exc))
        if not ok:
            self.policy_failures += 1
            self.last_failure = value
            return None
        if self.budget.tokens is not None:
            value = [self._fit_tokens(candidates) for candidates in value]
        else:
            self.tokens += sum(c.num_tokens for cands in value for c in cands)
        return value

    def _fit_tokens(self, candidates: list[Candidate]) -> list[Candidate]:
        assert self.budget.tokens is not None
        kept = []
        for candidate in candidates:
            if self.tokens + candidate.num_tokens > self.budget.tokens:
                break
            self.tokens += candidate.num_tokens
            kept.append(candidate)
        return kept

    def value(self, fn: Callable[[ProofState], float], state: ProofState) -> float:
        """``fn(state)`` cached per state key and timed as model time; 0.0 when it raises."""
        key = state.key()
        if key in self._values:
            return self._values[key]
        began = time.perf_counter()
        try:
            estimate = float(fn(state))
            if estimate != estimate:  # NaN
                estimate = 0.0
        except Exception:
            estimate = 0.0
        self.time_policy += time.perf_counter() - began
        self._values[key] = estimate
        return estimate

    def apply_candidates(
        self, state: ProofState, node: int, candidates: Sequence[Candidate]
    ) -> list[Transition]:
        """Applies ``candidates`` to ``state`` in order and runs the expansion hooks.

        Stops after the first transition that solves the theorem or hits the budget (it is the
        last of the list); otherwise the hooks (goal-aware rollout) may extend the children.
        """
        out: list[Transition] = []
        for candidate in candidates:
            transition = self.apply(state, node, candidate.text)
            transition.candidate = candidate
            out.append(transition)
            if transition.stopped is not None or transition.solved:
                return out
        for hook in self.hooks:
            out = hook(self, out)
        return out

    def apply(self, state: ProofState, node: int, action: str) -> Transition:
        """Runs ``action`` on ``state`` (tree node ``node``) through the env's ``expand``."""
        blocked = self.lean_blocked()
        if blocked is not None:
            return Transition(None, -1, stopped=blocked)
        began = time.perf_counter()
        try:
            outcome = self.env.expand(state, action)
        except Exception as exc:  # a backend bug must not end the search either
            outcome = Outcome(LeanError("crash", f"{type(exc).__name__}: {exc}"), state)
        self.time_lean += time.perf_counter() - began
        transition = self._record(state, node, action, outcome)
        transition.parent_goals = state.num_goals
        return transition

    def _record(self, parent: ProofState, node: int, action: str, outcome: Outcome) -> Transition:
        """Adds an outcome to the tree (one node per successful tactic) and dedups its state."""
        states = tuple(outcome.states)
        trace = tuple(outcome.trace)
        ok_tactics = [entry.tactic for entry in trace if entry.error is None]
        current = node
        tactics: tuple[str, ...]
        if states and len(ok_tactics) == len(states):
            for tactic, reached in zip(ok_tactics, states, strict=True):
                current = self.tree.add_state(current, tactic, reached)
                self._states.append(reached)
            tactics = tuple(ok_tactics)
        elif outcome.ok:
            current = self.tree.add_state(current, action, outcome.state)
            self._states.append(outcome.state)
            tactics = (action,)
        else:
            tactics = ()
        error = outcome.error
        if error is not None:
            failing = next((e for e in trace if e.error is not None), None)
            if error.kind == "rejected" and error.message.startswith("budget"):
                pass  # not Lean's verdict on the tactic: keep it out of the data
            elif failing is not None:
                self.tree.add_failure(current, failing.tactic, error)
            elif not states:
                self.tree.add_failure(node, action, error)
            # else every tactic ran and goals were left: the recorded states say it all.
            if states and states[-1].key() not in self.seen:
                # The valid prefix of a failed segment reached a new state: keep it in the
                # dedup table so that algorithms that want it can use it.
                self.seen[states[-1].key()] = current
            prefix = states[-1] if states and len(ok_tactics) == len(states) else None
            return Transition(None, current, error=error, tactics=tactics, prefix=prefix)
        reached = outcome.state
        self.tree.mark_segment(current, tactics)
        key = reached.key()
        new = key not in self.seen
        if new:
            self.seen[key] = current
        return Transition(reached, current, new=new, solved=reached.is_solved, tactics=tactics)

    def extend(self, transition: Transition, action: str) -> Transition:
        """Applies one more action after ``transition`` (for hooks): the chained transition."""
        assert transition.state is not None
        nxt = self.apply(transition.state, transition.node, action)
        if nxt.state is None:
            return nxt
        nxt.tactics = transition.tactics + nxt.tactics
        nxt.logprob = transition.logprob
        nxt.parent_goals = transition.parent_goals
        nxt.candidate = transition.candidate
        return nxt

    # ------------------------------------------------------------------ the end

    def result(self, end: ProofState | str) -> SearchResult:
        """The :class:`SearchResult` for a solved state or a stop reason."""
        solved = isinstance(end, ProofState)
        proof = join_tactics(list(end.tactics)) if isinstance(end, ProofState) else None
        reason = None if solved else str(end)
        if reason == "exhausted" and self.policy_failures:
            reason = "policy_error"
        total = self.elapsed()
        meta = {
            "search": self.search_name,
            "granularity": self.granularity,
            "budget": self.budget.to_json(),
            "expansions": self.expansions,
            "lean_calls": self.lean_calls,
            "policy_calls": self.policy_calls,
            "policy_states": self.policy_states,
            "policy_failures": self.policy_failures,
            "reason": reason,
        }
        tree = self.tree.build(self.backend, proof=proof, meta=meta)
        return SearchResult(
            theorem=self.theorem,
            solved=solved,
            proof=proof,
            expansions=self.expansions,
            lean_calls=self.lean_calls,
            policy_calls=self.policy_calls,
            policy_states=self.policy_states,
            unique_states=len(self.seen),
            tokens=self.tokens,
            time_policy=self.time_policy,
            time_lean=self.time_lean,
            time_search=max(0.0, total - self.time_policy - self.time_lean),
            time_total=total,
            reason=reason,
            policy_failures=self.policy_failures,
            tree=tree,
        )

    def close(self) -> None:
        """Frees the search's states in the backend and closes an env built for the search."""
        from lean_gym.backends.capabilities import SupportsDiscard

        self._guard.close()
        backend = self.backend
        if isinstance(backend, SupportsDiscard):
            for state in self._states[1:]:
                try:
                    backend.discard(state)
                except Exception:  # discarding is a hint; never fail a search on it
                    break
        self._states.clear()
        self.seen.clear()
        self._values.clear()
        if self._owns_env:
            self.env.close()
        else:
            self.env.max_lean_calls = self._saved_max_calls


def _propose_one(policy: Policy, state: ProofState, k: int) -> list[list[Candidate]]:
    return [policy.propose(state, k)]


class TreeSearch:
    """A base for search algorithms: builds the :class:`SearchContext`, runs :meth:`run`.

    Args:
        k: Candidates asked for per expansion.
        granularity: ``step``, ``segment`` or ``proof`` (None: the env's, else the class's
            default).
        policy_timeout: Seconds per policy call (None: no timeout).
        policy_retries: How many more times a node is expanded after its policy call failed
            (each failure costs an expansion; a transient failure, e.g. a timeout, then does
            not lose the node).
        record_tree: Return the search tree in the result.
        env_kwargs: Passed to an env the search builds (``tactic_timeout``, ...).
    """

    name: ClassVar[str] = "tree-search"
    default_granularity: ClassVar[str | None] = None
    default_k: ClassVar[int] = 8

    def __init__(
        self,
        *,
        k: int | None = None,
        granularity: str | None = None,
        policy_timeout: float | None = 60.0,
        policy_retries: int = 1,
        record_tree: bool = True,
        env_kwargs: dict[str, Any] | None = None,
    ):
        self.k = self.default_k if k is None else int(k)
        if policy_retries < 0:
            raise ValueError(f"policy_retries must be >= 0, got {policy_retries!r}")
        self.policy_retries = int(policy_retries)
        if self.k < 1:
            raise ValueError(f"k must be >= 1, got {k!r}")
        if granularity is not None and granularity not in GRANULARITIES:
            raise ValueError(
                f"unknown granularity {granularity!r}; choose one of {', '.join(GRANULARITIES)}"
            )
        self.granularity = granularity or self.default_granularity
        self.policy_timeout = policy_timeout
        self.record_tree = record_tree
        self.env_kwargs = dict(env_kwargs or {})

    def context(
        self, theorem: Theorem, env_or_backend: Any, policy: Policy, budget: Budget
    ) -> SearchContext:
        return SearchContext(
            theorem,
            env_or_backend,
            policy,
            budget,
            granularity=self.granularity,
            policy_timeout=self.policy_timeout,
            record_tree=self.record_tree,
            search_name=self.name,
            env_kwargs=self.env_kwargs,
        )

    def search(
        self,
        theorem: Theorem,
        env_or_backend: Any,
        policy: Policy,
        budget: Budget | None = None,
    ) -> SearchResult:
        """Searches for a proof (see :class:`~agents.search.base.SearchAlgorithm`)."""
        ctx = self.context(theorem, env_or_backend, policy, budget or Budget())
        try:
            if ctx.root.is_solved:
                return ctx.result(ctx.root)
            return ctx.result(self.run(ctx))
        finally:
            ctx.close()

    def run(self, ctx: SearchContext) -> ProofState | str:
        """The algorithm: returns the solved state, or why it stopped."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(k={self.k}, granularity={self.granularity!r})"
