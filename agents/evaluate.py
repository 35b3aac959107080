"""The evaluation runner behind ``lean-gym eval`` and ``lean-gym compare``.

``evaluate(EvalArgs(...))`` runs a search with a policy on every theorem of a dataset,
``attempts`` times each, over worker processes that each own a backend, a policy and a search
(the executor seam, :mod:`agents.executors`), and writes a run folder::

    DIR/config.json     {"format": "lean-gym.eval", "format_version": 1, "args": {...},
                         "lean_gym_version": ..., "started": ISO time}
    DIR/results.jsonl   one row per (theorem, attempt), appended as each finishes
    DIR/trees/<index>-<attempt>.jsonl   the search tree (the data layer's trajectory record)
    DIR/summary.json    totals, pass@k, per-solved costs, could-not-start and failure reasons
    DIR/summary.md      the same as markdown tables; DIR/solved_vs_lean_calls.png

Every proof a search finds is checked again through ``backend.verify`` (the integrity rules):
only a verified proof counts as solved. A theorem the backend cannot start gets rows with
``started: false`` and the start error, and the summary counts why. A rerun with the same
``--out`` skips the (theorem, attempt) pairs already in ``results.jsonl``; Ctrl-C stops the
workers, writes the summary of what is done and leaves a folder that a rerun resumes. Memory
stays flat: a worker frees each search's states when it ends and writes its tree to disk.

``compare(CompareArgs(...))`` runs the same theorems and budget at the three granularities
(``step``, ``segment``, ``proof``), one eval folder each, and writes one table and a plot of
success against Lean calls.
"""

from __future__ import annotations

import contextlib
import datetime
import inspect
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from agents.executors import Task, WorkerSetupError, make_executor
from agents.metrics import summarize, summary_markdown
from lean_gym.errors import TheoremStartError, UsageError

__all__ = [
    "EvalArgs",
    "CompareArgs",
    "EvalArgsError",
    "EvalReport",
    "EvalWorker",
    "WorkerSpec",
    "WorkerSetupError",
    "evaluate",
    "compare",
    "read_results",
    "parse_kwargs",
    "crash_row",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "DEFAULT_SEARCH_FOR",
]

FORMAT_NAME = "lean-gym.eval"
FORMAT_VERSION = 1

# The search each granularity uses in ``compare`` (and ``eval`` when --search is not given).
DEFAULT_SEARCH_FOR = {"step": "best-first", "segment": "segment-best-first", "proof": "whole-proof"}
# The prompt template a model policy gets at each granularity (lean_gym.data.templates).
DEFAULT_TEMPLATE_FOR = {"step": "leandojo", "segment": "leandojo", "proof": "whole-proof"}

# Arguments that do not change results: a rerun may change them and still resume.
_RESUME_FREE = {
    "out", "workers", "executor", "overwrite", "attempts", "limit", "progress", "ray_address",
    "ray_retries",
}  # fmt: skip


class EvalArgsError(UsageError):
    """A mistake in the eval's arguments (the command line shows it as one line, exit 2)."""


@dataclass
class EvalArgs:
    """Arguments of ``lean-gym eval``.

    Attributes:
        dataset: A shipped set (``smoke``, ``minilean-bench``) or a jsonl path (e.g.
            ``../shared/data/minif2f/minif2f-valid.jsonl``).
        policy: ``scripted``, ``hf:PATH_OR_NAME``, ``vllm:NAME`` or ``openai:URL``.
        search: A registered search algorithm (``best-first``, ``adaptive-beam``,
            ``value-best-first``, ``mcts``, ``goal-aware-rollout``, ``segment-best-first``,
            ``whole-proof``); empty: the granularity's default.
        granularity: ``step``, ``segment`` or ``proof``: the size of one action.
        budget: Per search, e.g. ``expansions=600,lean_calls=5000,wall_seconds=60``.
        attempts: Independent attempts per theorem (pass@k for every k up to it).
        workers: Worker processes, each with its own backend and policy (0: this process).
        out: The run folder (a rerun with the same folder resumes).
        backend: The backend name (``minilean``, ``repl``, ``auto``, ...).
        limit: Use only the first N theorems.
        seed: Base seed; attempt a uses seed + a.
        k: Candidates per expansion (0: the algorithm's default).
        policy_args: Extra policy arguments, ``name=value,...``.
        search_args: Extra search arguments, ``name=value,...``.
        template: Prompt template for model policies (empty: by granularity).
        policy_timeout: Seconds per policy call before it counts as a failed expansion.
        tactic_timeout: Seconds per Lean call (0: the backend's default).
        save_trees: Write each search tree to DIR/trees.
        executor: ``local`` (worker processes), ``ray`` (Ray actors; ``lean-gym[ray]``) or
            another registered executor.
        ray_address: With ``--executor ray``: ``auto`` (the cluster this node is in),
            ``HOST:PORT`` (its head node) or ``ray://HOST:10001``; empty: a Ray instance on this
            machine, stopped at the end.
        ray_retries: With ``--executor ray``: times an attempt whose worker died runs again on
            another worker before it is written as a ``worker_crash``.
        overwrite: Discard what DIR holds instead of resuming.
        progress: Show a progress bar.
    """

    dataset: str = "smoke"
    policy: str = "scripted"
    search: str = ""
    granularity: str = "step"
    budget: str = "expansions=600"
    attempts: int = 1
    workers: int = 1
    out: str = "runs/eval"
    backend: str = "minilean"
    limit: int | None = None
    seed: int = 0
    k: int = 0
    policy_args: str = ""
    search_args: str = ""
    template: str = ""
    policy_timeout: float = 60.0
    tactic_timeout: float = 0.0
    save_trees: bool = True
    executor: str = "local"
    ray_address: str = ""
    ray_retries: int = 2
    overwrite: bool = False
    progress: bool = True

    @property
    def search_name(self) -> str:
        return self.search or DEFAULT_SEARCH_FOR.get(self.granularity, "best-first")


def parse_kwargs(text: str, what: str = "arguments") -> dict[str, Any]:
    """``"a=1,b=x,c=true"`` as ``{"a": 1, "b": "x", "c": True}`` (numbers, booleans, None).

    Raises:
        EvalArgsError: For an item without ``=``.
    """
    out: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, raw = part.partition("=")
        if not sep or not name.strip():
            raise EvalArgsError(f"{what}: {part!r} is not NAME=VALUE")
        raw = raw.strip()
        value: Any = raw
        lowered = raw.lower()
        if lowered in ("true", "false"):
            value = lowered == "true"
        elif lowered == "none":
            value = None
        else:
            for cast in (int, float):
                try:
                    value = cast(raw)
                    break
                except ValueError:
                    continue
        out[name.strip().replace("-", "_")] = value
    return out


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs to build its backend, policy and search (picklable)."""

    args: dict[str, Any]
    out: str

    @property
    def eval_args(self) -> EvalArgs:
        return EvalArgs(**self.args)


def _accepts(factory: Any, name: str) -> bool:
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


def build_policy(args: EvalArgs) -> Any:
    """The policy of an eval (the scripted one at the eval's granularity)."""
    from agents.policies import POLICIES, _resolve, make_policy

    name = args.policy.partition(":")[0]
    kwargs = parse_kwargs(args.policy_args, "--policy-args")
    factory = _resolve(name, POLICIES[name]) if name in POLICIES else None
    if name == "scripted":
        kwargs.setdefault("granularity", args.granularity)
    elif factory is not None and _accepts(factory, "template"):
        kwargs.setdefault("template", args.template or DEFAULT_TEMPLATE_FOR[args.granularity])
    if factory is not None and _accepts(factory, "seed"):
        kwargs.setdefault("seed", args.seed)
    return make_policy(args.policy, **kwargs)


def build_search(args: EvalArgs) -> Any:
    """The search algorithm of an eval."""
    from agents.search import make_search, resolve_search

    kwargs = parse_kwargs(args.search_args, "--search-args")
    factory = resolve_search(args.search_name)
    if args.k:
        kwargs.setdefault("k", args.k)
    if _accepts(factory, "granularity") or args.search_name == "goal-aware-rollout":
        kwargs.setdefault("granularity", args.granularity)
    kwargs.setdefault("policy_timeout", args.policy_timeout)
    kwargs.setdefault("record_tree", args.save_trees)
    if args.tactic_timeout:
        kwargs.setdefault("env_kwargs", {"tactic_timeout": args.tactic_timeout})
    return make_search(args.search_name, **kwargs)


def _base_row(spec_args: EvalArgs, task: Task, attempt: int) -> dict[str, Any]:
    theorem = task.theorem
    return {
        "theorem": theorem.name,
        "index": task.index,
        "attempt": attempt,
        "statement": theorem.statement,
        "header": theorem.header,
        "started": True,
        "start_error": None,
        "solved": False,
        "proof": None,
        "verification": None,
        "reason": None,
        "expansions": 0,
        "lean_calls": 0,
        "policy_calls": 0,
        "unique_states": 0,
        "tokens": 0,
        "time": {"policy": 0.0, "lean": 0.0, "search": 0.0, "total": 0.0},
        "search": spec_args.search_name,
        "granularity": spec_args.granularity,
        "policy": spec_args.policy,
        "tree": None,
    }


def crash_row(spec: WorkerSpec, task: Task, attempt: int, exit_code: int | None) -> dict[str, Any]:
    """The row of an attempt whose worker process died."""
    row = _base_row(spec.eval_args, task, attempt)
    row["reason"] = "worker_crash"
    row["start_error"] = None
    row["crash"] = f"worker exit code {exit_code}"
    return row


class EvalWorker:
    """Runs (theorem, attempt) searches on its own backend, policy and search.

    Args:
        spec: What to build.
    """

    def __init__(self, spec: WorkerSpec):
        from lean_gym.backends import make_backend

        self.spec = spec
        self.args = spec.eval_args
        from agents.search import Budget

        self.budget = Budget.parse(self.args.budget)
        self.backend = make_backend(self.args.backend)
        try:
            self.policy = build_policy(self.args)
            self.search = build_search(self.args)
        except BaseException:
            self.backend.close()
            raise
        self.trees = Path(spec.out) / "trees"

    def run_task(self, task: Task, emit: Any) -> None:
        """Runs the task's attempts, emitting ``("start", ...)`` and ``("row", row)`` events."""
        start_error: str | None = None
        for attempt in task.attempts:
            emit(("start", task.index, attempt))
            if start_error is None:
                row = self.run_attempt(task, attempt)
                if not row["started"]:
                    start_error = row["start_error"]
            else:  # the same statement will not start now either
                row = _base_row(self.args, task, attempt)
                row.update(started=False, start_error=start_error, reason="start_error")
            emit(("row", row))

    def _reseed(self, attempt: int) -> None:
        seed = self.args.seed + attempt
        reseed = getattr(self.policy, "reseed", None)
        if callable(reseed):
            reseed(seed)

    def run_attempt(self, task: Task, attempt: int) -> dict[str, Any]:
        """One search and the verification of its proof, as a results row."""
        theorem = task.theorem
        row = _base_row(self.args, task, attempt)
        self._reseed(attempt)
        try:
            result = self.search.search(theorem, self.backend, self.policy, self.budget)
        except TheoremStartError as exc:
            message = exc.error.message if getattr(exc, "error", None) is not None else str(exc)
            row.update(started=False, start_error=message, reason="start_error")
            return row
        except Exception as exc:  # a bug in a search or a backend must not end the run
            row.update(reason="worker_crash", crash=f"{type(exc).__name__}: {exc}")
            return row
        row.update(
            expansions=result.expansions,
            lean_calls=result.lean_calls,
            policy_calls=result.policy_calls,
            unique_states=result.unique_states,
            tokens=result.tokens,
            time={
                "policy": result.time_policy,
                "lean": result.time_lean,
                "search": result.time_search,
                "total": result.time_total,
            },
            proof=result.proof,
            reason=result.reason,
            policy_states=result.policy_states,
            policy_failures=result.policy_failures,
        )
        if result.solved and result.proof is not None:
            verification = self.backend.verify(theorem, result.proof)
            row["verification"] = verification.to_json()
            row["solved"] = bool(verification.ok)
            if not verification.ok:
                row["reason"] = f"verification:{verification.reason}"
        if result.tree is not None:
            row["tree"] = self._write_tree(task.index, attempt, result)
        return row

    def _write_tree(self, index: int, attempt: int, result: Any) -> str:
        from agents.search.base import tree_to_record

        self.trees.mkdir(parents=True, exist_ok=True)
        name = f"{index}-{attempt}.jsonl"
        temporary = self.trees / f".{name}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(tree_to_record(result.tree), ensure_ascii=False) + "\n")
        os.replace(temporary, self.trees / name)
        return f"trees/{name}"

    def close(self) -> None:
        close = getattr(self.policy, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()
        self.backend.close()


# --------------------------------------------------------------------------- the run folder


def read_results(path: Path) -> list[dict[str, Any]]:
    """The complete rows of a ``results.jsonl`` (a torn last line, from a kill, is dropped)."""
    rows: list[dict[str, Any]] = []
    if not path.exists():
        return rows
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and "index" in row and "attempt" in row:
                rows.append(row)
    return rows


def _rewrite_results(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(temporary, path)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class EvalReport:
    """What :func:`evaluate` did.

    Attributes:
        out: The run folder.
        summary: ``summary.json``'s content.
        interrupted: True when Ctrl-C stopped the run (the folder resumes).
        ran: Attempts run in this call.
        skipped: Attempts already in the folder.
    """

    out: Path
    summary: dict[str, Any]
    interrupted: bool = False
    ran: int = 0
    skipped: int = 0


def _validate(args: EvalArgs) -> Any:
    """Checks every argument before anything is written; returns the budget."""
    from agents.policies import POLICIES
    from agents.search import SEARCHES, Budget
    from agents.search.engine import GRANULARITIES

    if args.granularity not in GRANULARITIES:
        raise EvalArgsError(
            f"--granularity must be one of {', '.join(GRANULARITIES)}, got {args.granularity!r}"
        )
    if args.search_name not in SEARCHES:
        raise EvalArgsError(
            f"unknown --search {args.search_name!r}; known: {', '.join(sorted(SEARCHES))}"
        )
    name = args.policy.partition(":")[0]
    if name not in POLICIES:
        raise EvalArgsError(
            f"unknown --policy {args.policy!r}; known: {', '.join(sorted(POLICIES))}"
        )
    if name != "scripted" and not args.policy.partition(":")[2]:
        raise EvalArgsError(f"--policy {name}: needs a target, e.g. {name}:PATH_OR_URL")
    try:
        budget = Budget.parse(args.budget)
    except ValueError as exc:
        raise EvalArgsError(f"--budget: {exc}") from None
    if args.attempts < 1:
        raise EvalArgsError(f"--attempts must be >= 1, got {args.attempts}")
    if args.workers < 0:
        raise EvalArgsError(f"--workers must be >= 0, got {args.workers}")
    if args.k < 0:
        raise EvalArgsError(f"--k must be >= 0, got {args.k}")
    if args.limit is not None and args.limit < 1:
        raise EvalArgsError(f"--limit must be >= 1, got {args.limit}")
    if args.policy_timeout <= 0:
        raise EvalArgsError(f"--policy-timeout must be > 0, got {args.policy_timeout}")
    parse_kwargs(args.policy_args, "--policy-args")
    parse_kwargs(args.search_args, "--search-args")
    from agents.executors import EXECUTORS, resolve_executor
    from lean_gym.backends import make_backend
    from lean_gym.errors import LeanGymError

    try:  # cheap for every backend (processes start on first use): fail before writing
        make_backend(args.backend).close()
    except (ValueError, LeanGymError) as exc:
        raise EvalArgsError(f"--backend {args.backend}: {exc}") from None
    if args.executor not in EXECUTORS:
        raise EvalArgsError(
            f"unknown --executor {args.executor!r}; known: {', '.join(sorted(EXECUTORS))}"
        )
    if args.ray_address and args.executor != "ray":
        raise EvalArgsError("--ray-address needs --executor ray")
    check_args = getattr(resolve_executor(args.executor), "check_args", None)
    if callable(check_args):
        try:
            check_args(args)
        except ValueError as exc:
            raise EvalArgsError(str(exc)) from None
    try:
        build_search(args)
    except (TypeError, ValueError) as exc:
        raise EvalArgsError(f"--search {args.search_name}: {exc}") from None
    if name == "scripted":
        try:
            build_policy(args)
        except (TypeError, ValueError) as exc:
            raise EvalArgsError(f"--policy {args.policy}: {exc}") from None
    return budget


def _load(args: EvalArgs) -> list[Any]:
    from lean_gym.data import load_theorems

    try:
        theorems = list(load_theorems(args.dataset, limit=args.limit))
    except (OSError, ValueError) as exc:
        raise EvalArgsError(f"--dataset {args.dataset}: {exc}") from None
    if not theorems:
        raise EvalArgsError(f"--dataset {args.dataset}: no theorems")
    return theorems


def _prepare_folder(args: EvalArgs, out: Path) -> list[dict[str, Any]]:
    """Creates or checks the run folder; returns the rows already done."""
    config_path = out / "config.json"
    results_path = out / "results.jsonl"
    if out.exists() and not out.is_dir():
        raise EvalArgsError(f"--out {out} is a file, not a folder")
    if config_path.exists():
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise EvalArgsError(f"--out {out}: unreadable config.json ({exc})") from None
        if config.get("format") != FORMAT_NAME:
            raise EvalArgsError(f"--out {out} holds something else than an eval run")
        if args.overwrite:
            for name in ("results.jsonl", "summary.json", "summary.md"):
                with contextlib.suppress(FileNotFoundError):
                    (out / name).unlink()
            for tree in (out / "trees").glob("*.jsonl") if (out / "trees").exists() else ():
                tree.unlink()
        else:
            old = config.get("args") or {}
            new = asdict(args)
            changed = sorted(
                key for key in new if key not in _RESUME_FREE and old.get(key, new[key]) != new[key]
            )
            if changed:
                detail = ", ".join(f"{k}: {old.get(k)!r} -> {new[k]!r}" for k in changed)
                raise EvalArgsError(
                    f"--out {out} holds a run with other arguments ({detail}); "
                    "use another --out or --overwrite"
                )
    elif out.exists() and any(out.iterdir()):
        raise EvalArgsError(f"--out {out} is not empty and is not an eval run folder")
    out.mkdir(parents=True, exist_ok=True)
    if args.overwrite or not config_path.exists():
        import lean_gym

        config = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "args": asdict(args),
            "lean_gym_version": lean_gym.__version__,
            "started": _now(),
        }
        config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", "utf-8")
    rows = read_results(results_path)
    if results_path.exists():
        # Drop a torn last line (a kill mid-write) so that appended rows start on a new line.
        raw = results_path.read_bytes()
        if raw and (not raw.endswith(b"\n") or raw.count(b"\n") != len(rows)):
            _rewrite_results(results_path, rows)
    return rows


def _progress(total: int, initial_solved: int, theorems: int, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    bar = tqdm(total=total, desc="eval", unit="attempt", dynamic_ncols=True, file=sys.stderr)
    bar.set_postfix_str(f"solved {initial_solved}/{theorems}")
    return bar


def write_summary(
    out: Path, theorems: int, *, title: str, complete: bool, attempts: int | None = None
) -> dict[str, Any]:
    """Writes ``summary.json`` and ``summary.md`` from the folder's rows of the first
    ``theorems`` theorems and ``attempts`` attempts (a rerun may have narrowed ``--limit`` or
    ``--attempts``); returns the summary."""
    rows = [
        row
        for row in read_results(out / "results.jsonl")
        if int(row["index"]) < theorems and (attempts is None or int(row["attempt"]) < attempts)
    ]
    summary = summarize(rows, theorems=theorems)
    summary["complete"] = complete
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(summary_markdown(summary, title=title), encoding="utf-8")
    try:
        from agents.plots import plot_solved_vs_lean_calls

        plot_solved_vs_lean_calls({"this run": rows}, theorems, out / "solved_vs_lean_calls.png")
    except ImportError:
        pass  # the tables are the result; the plot needs matplotlib
    except Exception as exc:  # a plotting failure must not lose a finished run
        print(f"solved_vs_lean_calls.png not written: {exc}", file=sys.stderr)
    return summary


def evaluate(args: EvalArgs) -> EvalReport:
    """Runs (or resumes) an eval and writes its run folder (see the module docstring).

    Raises:
        EvalArgsError: For a mistake in ``args`` (nothing is written).
        WorkerSetupError: When a worker cannot build its backend, policy or search.
    """
    _validate(args)
    theorems = _load(args)
    out = Path(args.out)
    done_rows = _prepare_folder(args, out)
    done = {(int(r["index"]), int(r["attempt"])) for r in done_rows}
    tasks = []
    for index, theorem in enumerate(theorems):
        missing = tuple(a for a in range(args.attempts) if (index, a) not in done)
        if missing:
            tasks.append(Task(index, theorem, missing))
    pending = sum(len(t.attempts) for t in tasks)
    solved_names = {int(r["index"]) for r in done_rows if r.get("solved")}
    title = f"{args.dataset}: {args.policy}, {args.search_name}, {args.granularity}"

    spec = WorkerSpec(asdict(args), str(out))
    executor_name = "inline" if args.workers == 0 else args.executor
    executor: Any = None
    bar: Any = None
    ran = 0
    interrupted = False
    results_path = out / "results.jsonl"

    with open(results_path, "a", encoding="utf-8") as results:

        def handle(event: tuple[Any, ...]) -> None:
            nonlocal ran
            if event[0] != "row":
                return
            row = event[1]
            results.write(json.dumps(row, ensure_ascii=False) + "\n")
            results.flush()
            ran += 1
            if row.get("solved"):
                solved_names.add(int(row["index"]))
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(f"solved {len(solved_names)}/{len(theorems)}")

        try:
            if tasks:  # only when there is work: an executor may start processes or a cluster
                executor = make_executor(executor_name, spec, max(args.workers, 1))
                bar = _progress(pending, len(solved_names), len(theorems), args.progress)
                executor.run(tasks, handle)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            if executor is not None:
                with contextlib.suppress(KeyboardInterrupt):
                    executor.close()
            if bar is not None:
                bar.close()
    complete = not interrupted and ran == pending
    summary = write_summary(
        out, len(theorems), title=title, complete=complete, attempts=args.attempts
    )
    return EvalReport(out, summary, interrupted, ran, len(done))


# --------------------------------------------------------------------------- compare


@dataclass
class CompareArgs:
    """Arguments of ``lean-gym compare``.

    Attributes:
        dataset: A shipped set or a jsonl path.
        policy: ``scripted``, ``hf:PATH``, ``vllm:NAME`` or ``openai:URL`` (model policies get
            each granularity's template).
        budget: The same budget for every granularity, e.g. ``expansions=100``.
        searches: The search per granularity, ``step=best-first,segment=...,proof=...``.
        attempts: Attempts per theorem.
        workers: Worker processes (0: this process).
        out: The folder: OUT/<granularity>/ is an eval folder each, plus compare.json,
            compare.md and compare.png.
        backend: The backend name.
        limit: Use only the first N theorems.
        seed: Base seed.
        policy_args: Extra policy arguments, ``name=value,...``.
        policy_timeout: Seconds per policy call.
        overwrite: Discard previous results instead of resuming.
        progress: Show progress bars.
    """

    dataset: str = "smoke"
    policy: str = "scripted"
    budget: str = "expansions=100"
    searches: str = "step=best-first,segment=segment-best-first,proof=whole-proof"
    attempts: int = 1
    workers: int = 1
    out: str = "runs/compare"
    backend: str = "minilean"
    limit: int | None = None
    seed: int = 0
    policy_args: str = ""
    policy_timeout: float = 60.0
    overwrite: bool = False
    progress: bool = True


@dataclass(frozen=True)
class CompareReport:
    """What :func:`compare` did: one :class:`EvalReport` per granularity."""

    out: Path
    reports: dict[str, EvalReport] = field(default_factory=dict)
    interrupted: bool = False


def _searches(text: str) -> dict[str, str]:
    chosen = dict(DEFAULT_SEARCH_FOR)
    for name, value in parse_kwargs(text, "--searches").items():
        if name not in DEFAULT_SEARCH_FOR:
            raise EvalArgsError(f"--searches: unknown granularity {name!r} (step, segment, proof)")
        chosen[name] = str(value)
    return chosen


def compare(args: CompareArgs) -> CompareReport:
    """Runs the three granularities with one budget and writes the comparison.

    Raises:
        EvalArgsError: For a mistake in ``args`` (nothing is written).
    """
    searches = _searches(args.searches)
    out = Path(args.out)
    plan = {}
    for granularity, search in searches.items():
        keep = {f.name for f in fields(EvalArgs)} - {"out", "search", "granularity"}
        eval_args = EvalArgs(
            **{k: v for k, v in asdict(args).items() if k in keep},
            search=search,
            granularity=granularity,
            out=str(out / granularity),
        )
        _validate(eval_args)
        plan[granularity] = eval_args
    _load(plan["step"])
    reports: dict[str, EvalReport] = {}
    interrupted = False
    for granularity, eval_args in plan.items():
        report = evaluate(eval_args)
        reports[granularity] = report
        if report.interrupted:
            interrupted = True
            break
    _write_comparison(out, reports)
    return CompareReport(out, reports, interrupted)


def _write_comparison(out: Path, reports: Mapping[str, EvalReport]) -> None:
    table = {}
    curves = {}
    total = 0
    for granularity, report in reports.items():
        summary = report.summary
        config = json.loads((report.out / "config.json").read_text(encoding="utf-8"))
        table[granularity] = {
            "search": EvalArgs(**config["args"]).search_name,
            **{
                key: summary[key]
                for key in (
                    "total",
                    "started",
                    "solved",
                    "solved_pct",
                    "pass_at_k",
                    "per_solved",
                    "time",
                )
            },
        }
        curves[granularity] = read_results(report.out / "results.jsonl")
        total = max(total, summary["total"])
    (out / "compare.json").write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    lines = [
        "| granularity | search | solved | solved % | Lean calls / solved | policy calls / solved "
        "| expansions / solved | time (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for granularity, row in table.items():
        per = row["per_solved"]

        def fmt(value: Any) -> str:
            return "-" if value is None else f"{value:.1f}"

        lines.append(
            f"| {granularity} | {row['search']} | {row['solved']}/{row['total']} | "
            f"{row['solved_pct']:.1f} | {fmt(per['lean_calls'])} | {fmt(per['policy_calls'])} | "
            f"{fmt(per['expansions'])} | {row['time']['total']:.2f} |"
        )
    (out / "compare.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        from agents.plots import plot_solved_vs_lean_calls

        plot_solved_vs_lean_calls(curves, total, out / "compare.png")
    except ImportError as exc:
        print(f"compare.png not written: {exc}", file=sys.stderr)
