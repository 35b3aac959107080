"""Conjecturer-prover self-play (STP): new problems just beyond the prover's reach, every round.

STP ("Beyond Limited Data: Self-play LLM Theorem Provers with Iterative Conjecturing and
Proving", Dong and Ma) alternates a conjecturer that writes statements related to known
theorems and a prover that tries them; conjectures whose empirical pass rate is low but not
zero are the curriculum: the prover trains on their proofs and the conjecturer on them. Here,
with the verifier lean-gym provides::

    bootstrap  prover <- SFT on the known proofs of the train side (``known_proofs``);
               its held-out score is round 0 of the learning curve
    round r    seeds       <- the train theorems, and the conjectures earlier rounds kept
               propose     <- rule mutations (agents.conjecture.RuleConjecturer) and, once it
                              was trained, the model conjecturer (``conjecturer``)
               screen      <- stated by the backend, inside its fragment, new, not closed by
                              one trivial tactic, not disproved (agents.conjecture), never a
                              held-out statement
               attempts    <- ``attempts`` searches per kept conjecture with the current prover
                              (agents.evaluate), each proof re-verified by the runner
               band        <- conjectures whose success rate lies in [band_low, band_high]
               prover      <- SFT from the current prover on the band's proofs so far (every
                              one replayed and verified again through integrity) and the
                              known proofs
               conjecturer <- SFT on (seed -> band conjecture) rows: hard but solved
               eval        <- the new prover on the held-out side

A false conjecture never earns a proof: every proof that enters training is checked by
``backend.verify`` (:mod:`lean_gym.integrity`), and the backend is sound; the round's record
counts the conjectures disproved (a proof of the negation verified) and refuted (a
counterexample the backend could not confirm). Each round is a row of
``OUTPUT_DIR/self_play.jsonl`` and TensorBoard scalars (``OUTPUT_DIR/tensorboard``). Every step
leaves its files (screened conjectures, the attempts' eval folder, the proofs, each stage's
``stage_result.json``), so a killed run resumes where it stopped.

::

    lean-gym train --config training/configs/cpu/self_play.yaml
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from training.config import ConfigError, parse_stage_args, resolve_model
from training.pipeline import (
    EvalSettings,
    PipelineArguments,
    evaluate_model,
    markdown_table,
    run_stage_once,
    stage_flags,
    write_json,
)

__all__ = [
    "SelfPlayArguments",
    "CONJECTURERS",
    "success_rates",
    "balanced_draw",
    "in_band",
    "verified_proof_trajectories",
    "run_self_play",
    "dataclass_types",
    "main",
]

CONJECTURERS = ("rules", "model", "both")
LOG_FILE = "self_play.jsonl"


@dataclass
class SelfPlayArguments(PipelineArguments):
    """The self-play rounds (the shared fields are :class:`~training.pipeline.PipelineArguments'`:
    the starting prover, the theorems and their split, the search of the attempts and of the
    held-out evals; ``attempts`` is the held-out eval's).

    Attributes:
        stage: Always ``self-play``.
        conjecturer_model: The starting model conjecturer (empty: the starting prover's
            base model, first trained after round 1).
        limit: At most this many seed theorems.
        rounds: Rounds to run (rerun with more to continue a finished run).
        conjecturer: ``rules``, ``model`` or ``both``.
        mutations: Rule mutations (empty: all of agents.conjecture.MUTATIONS).
        per_theorem: Rule candidates per seed theorem.
        per_rule: Of which at most this many from one mutation.
        model_seeds: Seeds shown to the model conjecturer per round (0: all).
        model_samples: Model samples per seed.
        max_conjectures: Kept conjectures attempted per round (0: all; else a seeded draw,
            round robin over the rules).
        conjecture_attempts: Prover attempts per conjecture (the n of the success rate).
        band_low: The lowest success rate a conjecture may have to count as hard but solved.
        band_high: The highest.
        grow_seeds: Use the band conjectures of earlier rounds as seeds too.
        known_proofs: Bootstrap on the known proofs and keep them in every round's data.
        evaluate_bootstrap: Evaluate the bootstrap prover on the held-out side (round 0).
        sft_config: The SFT stage's config (prover and conjecturer).
        sft_args: Extra SFT flags for the prover (``name=value`` items).
        bootstrap_sft_args: Extra SFT flags for the bootstrap only (after ``sft_args``, so
            they win: a different ``token_budget``, for example).
        conjecturer_sft_args: Extra SFT flags for the conjecturer.
        conjecturer_args: Model conjecturer sampling arguments (``temperature=1.0,...``).
    """

    stage: str = field(default="self-play", metadata={"help": "always this"})
    output_dir: str = field(default="runs/self-play", metadata={"help": "run folder"})
    conjecturer_model: str = field(default="", metadata={"help": "starting conjecturer"})
    limit: int | None = field(default=None, metadata={"help": "at most N seed theorems"})
    rounds: int = field(default=2, metadata={"help": "rounds to run"})
    conjecturer: str = field(default="both", metadata={"help": "rules, model or both"})
    mutations: list[str] = field(default_factory=list, metadata={"help": "rule mutations"})
    per_theorem: int = field(default=4, metadata={"help": "rule candidates per seed"})
    per_rule: int = field(default=2, metadata={"help": "of which at most N per mutation"})
    model_seeds: int = field(default=64, metadata={"help": "seeds shown to the model (0: all)"})
    model_samples: int = field(default=2, metadata={"help": "model samples per seed"})
    max_conjectures: int = field(default=0, metadata={"help": "conjectures attempted (0: all)"})
    conjecture_attempts: int = field(default=4, metadata={"help": "attempts per conjecture"})
    band_low: float = field(default=0.1, metadata={"help": "lowest success rate of the band"})
    band_high: float = field(default=0.9, metadata={"help": "highest success rate of the band"})
    grow_seeds: bool = field(default=True, metadata={"help": "band conjectures become seeds"})
    known_proofs: bool = field(default=True, metadata={"help": "bootstrap on known proofs"})
    evaluate_bootstrap: bool = field(default=True, metadata={"help": "evaluate round 0"})
    sft_config: str = field(
        default="training/configs/cpu/sft.yaml", metadata={"help": "SFT stage config"}
    )
    sft_args: list[str] = field(default_factory=list, metadata={"help": "extra prover SFT flags"})
    bootstrap_sft_args: list[str] = field(
        default_factory=list, metadata={"help": "extra flags of the bootstrap SFT"}
    )
    conjecturer_sft_args: list[str] = field(
        default_factory=list, metadata={"help": "extra conjecturer SFT flags"}
    )
    conjecturer_args: str = field(
        default="temperature=1.0,max_new_tokens=64", metadata={"help": "conjecturer sampling"}
    )
    granularity: str = field(default="step", metadata={"help": "step, segment or proof"})
    k: int = field(default=8, metadata={"help": "candidates per expansion"})
    workers: int = field(default=0, metadata={"help": "search worker processes"})

    def check(self) -> None:
        """Refuses inconsistent settings before anything runs."""
        if self.rounds < 0:
            raise ConfigError("rounds must be >= 0")
        if self.conjecturer not in CONJECTURERS:
            raise ConfigError(
                f"conjecturer must be one of {CONJECTURERS}, got {self.conjecturer!r}"
            )
        if self.conjecture_attempts < 1 or self.attempts < 1:
            raise ConfigError("conjecture_attempts and attempts must be >= 1")
        if not 0.0 <= self.band_low <= self.band_high <= 1.0:
            raise ConfigError("the band needs 0 <= band_low <= band_high <= 1")
        if self.band_low == 0.0:
            raise ConfigError("band_low must be > 0: a conjecture never solved has no proof")
        for name in ("per_theorem", "per_rule", "model_samples"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1")
        if not Path(self.sft_config).is_file():
            raise ConfigError(f"sft_config: no such file {self.sft_config}")
        from agents.conjecture import available_mutations

        unknown = sorted(set(self.mutations) - set(available_mutations()))
        if unknown:
            raise ConfigError(
                f"unknown mutation(s) {unknown}; known: {', '.join(available_mutations())}"
            )


# --------------------------------------------------------------------------- pieces


def success_rates(results: Iterable[Mapping[str, Any]], attempts: int) -> dict[str, dict[str, Any]]:
    """Per theorem of an eval folder's rows: ``{"solved": s, "attempts": a, "rate": s / n,
    "proofs": [...]}``, ``n`` being the attempts asked for (a missing attempt counts as a
    failure)."""
    rates: dict[str, dict[str, Any]] = {}
    for row in results:
        name = str(row["theorem"])
        entry = rates.setdefault(name, {"solved": 0, "attempts": 0, "proofs": []})
        entry["attempts"] += 1
        if row.get("solved") and row.get("proof"):
            entry["solved"] += 1
            if row["proof"] not in entry["proofs"]:
                entry["proofs"].append(row["proof"])
    for entry in rates.values():
        entry["rate"] = entry["solved"] / max(attempts, 1)
    return rates


def balanced_draw(conjectures: Sequence[Any], count: int, seed: int) -> list[Any]:
    """At most ``count`` conjectures (0: all), drawn round robin over their rules (a seeded
    shuffle within each), so that a rule that keeps many does not crowd out the others."""
    if not count or len(conjectures) <= count:
        return list(conjectures)
    rng = random.Random(seed)
    by_rule: dict[str, list[Any]] = {}
    for conjecture in conjectures:
        by_rule.setdefault(conjecture.rule, []).append(conjecture)
    pools = [by_rule[rule] for rule in sorted(by_rule)]
    for pool in pools:
        rng.shuffle(pool)
    chosen: list[Any] = []
    while len(chosen) < count:
        for pool in pools:
            if pool and len(chosen) < count:
                chosen.append(pool.pop())
    return chosen


def in_band(rate: float, low: float, high: float) -> bool:
    """Whether a success rate is in the band ``[low, high]``."""
    return low <= rate <= high


def verified_proof_trajectories(
    backend: Any, items: Iterable[tuple[Any, str]]
) -> tuple[list[Any], int]:
    """Linear trajectories of ``(theorem, proof)`` pairs whose proof the backend verifies
    again (``build_trajectory`` with ``verify=True``, :mod:`lean_gym.integrity`), and how many
    were rejected."""
    from lean_gym.data.trajectories import build_trajectory
    from lean_gym.errors import LeanGymError

    kept: list[Any] = []
    rejected = 0
    for theorem, proof in items:
        try:
            trajectory = build_trajectory(backend, theorem, proof, verify=True)
        except (LeanGymError, ValueError):
            rejected += 1
            continue
        if trajectory.verified is True and trajectory.complete:
            kept.append(trajectory)
        else:
            rejected += 1
    return kept, rejected


def _write_rows_atomically(rows: Iterable[Mapping[str, Any]], path: Path) -> Path:
    from lean_gym.data.jsonl import write_rows

    temporary = path.with_name(f".{path.name}.tmp")
    write_rows(rows, temporary)
    os.replace(temporary, path)
    return path


def _read_rows(path: Path) -> list[dict[str, Any]]:
    from lean_gym.data.jsonl import parse_lines

    with open(path, encoding="utf-8") as handle:
        return [row for _, row in parse_lines(handle) if isinstance(row, dict)]


def _log_rounds(path: Path) -> dict[int, dict[str, Any]]:
    """The rounds the log holds (a torn last line, from a kill, is ignored)."""
    if not path.is_file():
        return {}
    rounds: dict[int, dict[str, Any]] = {}
    for row in _read_rows(path):
        if "round" in row:
            rounds[int(row["round"])] = row
    return rounds


def _append_log(path: Path, record: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _tensorboard(log_dir: Path, step: int, scalars: Mapping[str, float]) -> None:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # pragma: no cover - tensorboard ships with the train extra
        return
    writer = SummaryWriter(log_dir=str(log_dir))
    try:
        for tag, value in scalars.items():
            writer.add_scalar(tag, float(value), int(step))
    finally:
        writer.close()


def _parse_pairs(text: str) -> dict[str, Any]:
    from lean_gym.data.explore_cli import parse_pairs

    try:
        return parse_pairs(text)
    except ValueError as exc:
        raise ConfigError(str(exc).replace("--policy-args", "conjecturer_args")) from None


# --------------------------------------------------------------------------- the rounds


@dataclass
class _Run:
    """What the rounds share."""

    args: SelfPlayArguments
    out: Path
    train: list[Any]
    heldout: list[Any]
    heldout_file: Path
    settings: EvalSettings
    shared: list[str]
    known_file: Path | None


def _screen_round(run: _Run, r: int, seeds: list[Any], conjecturer_dir: str | None,
                  earlier: Sequence[Any]) -> list[Any]:  # fmt: skip
    """Proposes and screens a round's conjectures (or reads them back)."""
    from agents.conjecture import (
        Conjecture,
        ConjectureScreen,
        ModelConjecturer,
        RuleConjecturer,
    )
    from lean_gym.backends import make_backend

    args = run.args
    path = run.out / f"round-{r}" / "conjectures.jsonl"
    if path.is_file():
        return [Conjecture.from_json(row) for row in _read_rows(path)]
    proposals = []
    if args.conjecturer in ("rules", "both"):
        rules = RuleConjecturer(
            args.mutations or None,
            per_theorem=args.per_theorem,
            per_rule=args.per_rule,
            seed=args.seed + r,
        )
        proposals += rules.propose(seeds)
    if args.conjecturer in ("model", "both") and conjecturer_dir:
        shown = list(seeds)
        if args.model_seeds and len(shown) > args.model_seeds:
            shown = random.Random(args.seed + r).sample(shown, args.model_seeds)
        model = ModelConjecturer.from_model(
            conjecturer_dir,
            policy=args.policy,
            samples=args.model_samples,
            seed=args.seed + 1000 * r,
            **_parse_pairs(args.conjecturer_args),
        )
        try:
            proposals += model.propose(shown)
        finally:
            model.close()
    backend = make_backend(args.backend)
    try:
        screen = ConjectureScreen(
            backend,
            seeds,
            exclude=[t.statement for t in run.heldout],
        )
        screen.remember(c.theorem.statement for c in earlier)
        verdicts = screen.screen_all(proposals, progress=True)
    finally:
        backend.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_rows_atomically((c.to_json() for c in verdicts), path)
    return verdicts


def _prover_data(
    run: _Run, r: int, kept: list[Any], rates: dict[str, dict[str, Any]]
) -> tuple[Path, dict[str, int]]:
    """The round's verified proofs of band conjectures as trajectories (or read back)."""
    from lean_gym.backends import make_backend
    from lean_gym.data.trajectories import write_jsonl

    args = run.args
    path = run.out / f"round-{r}" / "proofs.jsonl"
    counts_path = path.with_suffix(".counts.json")
    if path.is_file() and counts_path.is_file():
        return path, json.loads(counts_path.read_text(encoding="utf-8"))
    items = []
    for conjecture in kept:
        entry = rates.get(conjecture.theorem.name)
        if entry is None or not in_band(entry["rate"], args.band_low, args.band_high):
            continue
        items.extend((conjecture.theorem, proof) for proof in entry["proofs"])
    backend = make_backend(args.backend)
    try:
        trajectories, rejected = verified_proof_trajectories(backend, items)
    finally:
        backend.close()
    temporary = path.with_name(f".{path.name}.tmp")
    write_jsonl(trajectories, temporary)
    os.replace(temporary, path)
    counts = {"proofs_found": len(items), "proofs_verified": len(trajectories),
              "proofs_rejected": rejected}  # fmt: skip
    write_json(counts_path, counts)
    return path, counts


def _round(run: _Run, r: int, prover: str, conjecturer_dir: str | None, seeds: list[Any],
           earlier: list[Any], proof_files: list[Path], advance: Any) -> dict[str, Any]:  # fmt: skip
    """One round; returns its record."""
    from agents.conjecture import conjecturer_rows, count_statuses
    from agents.evaluate import read_results
    from training.theorem_sets import write_theorems

    args = run.args
    began = time.perf_counter()
    round_dir = run.out / f"round-{r}"
    record: dict[str, Any] = {"round": r, "prover": prover, "conjecturer": conjecturer_dir,
                              "seeds": len(seeds)}  # fmt: skip
    # -- propose and screen
    verdicts = _screen_round(run, r, seeds, conjecturer_dir, earlier)
    statuses = count_statuses(verdicts)
    kept = balanced_draw([c for c in verdicts if c.kept], args.max_conjectures, args.seed + r)
    record.update(proposals=len(verdicts), statuses=statuses, kept=statuses["kept"],
                  disproved=statuses["disproved"], refuted=statuses["refuted"],
                  attempted=len(kept),
                  by_rule={rule: sum(1 for c in kept if c.rule == rule)
                           for rule in sorted({c.rule for c in verdicts})},
                  screen_lean_calls=sum(c.lean_calls for c in verdicts))  # fmt: skip
    advance(f"round {r} screen: {len(kept)} kept, {statuses['disproved']} disproved")
    # -- attempts
    rates: dict[str, dict[str, Any]] = {}
    if kept:
        kept_file = round_dir / "attempted.jsonl"
        if not kept_file.is_file():
            write_theorems([c.theorem for c in kept], kept_file)
        settings = replace(
            run.settings, attempts=args.conjecture_attempts, seed=args.seed + 1000 * r
        )
        evaluate_model(prover, kept_file, round_dir / "attempts", settings,
                       policy=args.policy_spec(prover))  # fmt: skip
        rates = success_rates(
            read_results(round_dir / "attempts" / "results.jsonl"), args.conjecture_attempts
        )
    band = [c for c in kept if in_band(rates.get(c.theorem.name, {}).get("rate", 0.0),
                                       args.band_low, args.band_high)]  # fmt: skip
    solved = [c for c in kept if rates.get(c.theorem.name, {}).get("solved", 0) > 0]
    always = [c for c in kept if rates.get(c.theorem.name, {}).get("rate", 0.0) >= 1.0]
    record.update(solved_conjectures=len(solved), always_solved=len(always),
                  never_solved=len(kept) - len(solved), band=len(band),
                  mean_rate=(sum(rates.get(c.theorem.name, {}).get("rate", 0.0) for c in kept)
                             / len(kept)) if kept else 0.0)  # fmt: skip
    advance(f"round {r} attempts: {len(solved)}/{len(kept)} solved, {len(band)} in the band")
    # -- the prover's data: the band's proofs, verified again
    proofs_file, counts = _prover_data(run, r, kept, rates)
    record.update(counts)
    files = [*proof_files, proofs_file] if counts["proofs_verified"] else list(proof_files)
    # -- train the prover: the known proofs and every band proof so far (a round without new
    # proofs still trains on the rest, so that every round spends its share of the compute)
    prover_dir = round_dir / "prover-sft"
    data = ([run.known_file] if run.known_file else []) + files
    if data or (prover_dir / "stage_result.json").is_file():
        sources = ",".join(str(p) for p in data)
        result = run_stage_once(args.sft_config, prover_dir, [*run.shared, "--trajectories",
                                sources, "--model_name_or_path", prover,
                                *stage_flags(args.sft_args)])  # fmt: skip
        record.update(prover_rows=result.rows, prover_steps=result.steps,
                      prover_loss=result.metrics.get("last_loss"))  # fmt: skip
        prover = str(prover_dir)
    else:
        record.update(prover_rows=0, prover_steps=0, prover_loss=None)
    advance(f"round {r} prover: {record['prover_rows']} rows")
    # -- train the conjecturer on the hard-but-solved conjectures
    conjecturer_out = conjecturer_dir
    if args.conjecturer in ("model", "both"):
        seeds_by_name = {t.name: t for t in [*run.train, *seeds]}
        rows = conjecturer_rows(band, seeds_by_name)
        record["conjecturer_rows"] = len(rows)
        rows_file = round_dir / "conjecturer_rows.jsonl"
        conj_dir = round_dir / "conjecturer-sft"
        if rows or (conj_dir / "stage_result.json").is_file():
            if not rows_file.is_file():
                _write_rows_atomically(rows, rows_file)
            base = conjecturer_dir or resolve_model(
                args.conjecturer_model or args.model_name_or_path, run.out, seed=args.model_seed
            )
            run_stage_once(args.sft_config, conj_dir, ["--dataset_name", str(rows_file),
                           "--model_name_or_path", base,
                           *stage_flags(args.conjecturer_sft_args)])  # fmt: skip
            conjecturer_out = str(conj_dir)
    advance(f"round {r} conjecturer: {record.get('conjecturer_rows', 0)} rows")
    record["prover_after"] = prover
    record["conjecturer_after"] = conjecturer_out
    record["band_conjectures"] = [c.theorem.to_json() for c in band]
    record["proof_files"] = [str(p) for p in files]
    # -- held-out eval
    summary = evaluate_model(prover, run.heldout_file, round_dir / "eval", run.settings,
                             policy=args.policy_spec(prover))  # fmt: skip
    record.update(heldout_solved=int(summary.get("solved", 0)),
                  heldout_total=int(summary.get("total", 0)),
                  heldout_solved_pct=float(summary.get("solved_pct", 0.0)),
                  seconds=time.perf_counter() - began)  # fmt: skip
    advance(f"round {r} eval: {record['heldout_solved']}/{record['heldout_total']}")
    return record


def _scalars(record: Mapping[str, Any]) -> dict[str, float]:
    scalars = {
        "heldout/solved_pct": record.get("heldout_solved_pct", 0.0),
        "heldout/solved": record.get("heldout_solved", 0),
    }
    for key in ("kept", "disproved", "refuted", "attempted", "solved_conjectures", "band",
                "always_solved", "never_solved", "mean_rate", "proofs_verified",
                "proofs_rejected", "prover_rows", "conjecturer_rows"):  # fmt: skip
        if isinstance(record.get(key), (int, float)):
            scalars[f"self_play/{key}"] = record[key]
    for status, count in (record.get("statuses") or {}).items():
        scalars[f"conjectures/{status}"] = count
    if isinstance(record.get("prover_loss"), (int, float)):
        scalars["prover/last_loss"] = record["prover_loss"]
    return scalars


def run_self_play(args: SelfPlayArguments) -> dict[str, Any]:
    """Runs (or resumes) the rounds; returns the log's rounds and the table."""
    from tqdm.auto import tqdm

    from lean_gym.data.trajectories import write_jsonl
    from training.corpus import replay_trajectories
    from training.stage_args import apply_torch_threads

    args.check()
    apply_torch_threads(args.torch_threads)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    train = args.train_theorems(args.limit)
    heldout, heldout_file = args.held_out(out)
    settings = args.eval_settings()
    shared = args.stage_flags()
    log_path = out / LOG_FILE
    done = _log_rounds(log_path)
    began = time.perf_counter()
    bar = tqdm(total=2 + 6 * args.rounds, desc="self-play", unit="step")

    def advance(label: str) -> None:
        bar.update(1)
        bar.set_postfix_str(label)

    try:
        base = resolve_model(args.model_name_or_path, out, seed=args.model_seed)
        prover = base
        known_file: Path | None = None
        if args.known_proofs:
            known_file = out / "bootstrap" / "known_proofs.jsonl"
            if not known_file.is_file():
                temporary = known_file.with_name(f".{known_file.name}.tmp")
                write_jsonl(replay_trajectories(train, args.backend), temporary)
                os.replace(temporary, known_file)
            prover = str(out / "bootstrap" / "sft")
            run_stage_once(args.sft_config, prover, [*shared, "--trajectories", str(known_file),
                           "--model_name_or_path", base, *stage_flags(args.sft_args),
                           *stage_flags(args.bootstrap_sft_args)])  # fmt: skip
        advance("bootstrap sft")
        run = _Run(args, out, train, heldout, heldout_file, settings, shared, known_file)
        if args.evaluate_bootstrap and 0 not in done:
            summary = evaluate_model(prover, heldout_file, out / "bootstrap" / "eval", settings,
                                     policy=args.policy_spec(prover))  # fmt: skip
            record0 = {"round": 0, "prover_after": prover, "bootstrap": True,
                       "heldout_solved": int(summary.get("solved", 0)),
                       "heldout_total": int(summary.get("total", 0)),
                       "heldout_solved_pct": float(summary.get("solved_pct", 0.0))}  # fmt: skip
            _append_log(log_path, record0)
            _tensorboard(out / "tensorboard", 0, _scalars(record0))
            done[0] = record0
        advance("bootstrap eval")
        conjecturer_dir: str | None = args.conjecturer_model or None
        seeds = list(train)
        earlier: list[Any] = []
        proof_files: list[Path] = []
        for r in range(1, args.rounds + 1):
            if r in done:
                record = done[r]
                bar.update(6)
            else:
                record = _round(run, r, prover, conjecturer_dir, seeds, earlier, proof_files,
                                advance)  # fmt: skip
                _append_log(log_path, record)
                _tensorboard(out / "tensorboard", r, _scalars(record))
                done[r] = record
            prover = record["prover_after"]
            conjecturer_dir = record.get("conjecturer_after") or conjecturer_dir
            proof_files = [Path(p) for p in record.get("proof_files", [])]
            conjectures_file = out / f"round-{r}" / "conjectures.jsonl"
            if conjectures_file.is_file():
                from agents.conjecture import Conjecture

                earlier += [Conjecture.from_json(row) for row in _read_rows(conjectures_file)]
            if args.grow_seeds:
                from lean_gym.types import Theorem

                seeds += [Theorem.from_json(t) for t in record.get("band_conjectures", [])]
    finally:
        bar.close()
    rounds = [done[r] for r in sorted(done) if r <= args.rounds]
    table = markdown_table(
        ["round", "kept", "disproved", "refuted", "solved (any attempt)", "in band",
         "proofs verified", "prover rows", "held-out solved", "solved %"],
        [(x["round"], x.get("kept", ""), x.get("disproved", ""), x.get("refuted", ""),
          x.get("solved_conjectures", ""), x.get("band", ""), x.get("proofs_verified", ""),
          x.get("prover_rows", ""), f"{x['heldout_solved']}/{x['heldout_total']}",
          x["heldout_solved_pct"]) for x in rounds],
    )  # fmt: skip
    summary = {"args": asdict(args), "rounds": rounds, "table": table,
               "seconds": time.perf_counter() - began}  # fmt: skip
    write_json(out / "self_play.json", summary)
    (out / "self_play.md").write_text(table + "\n", encoding="utf-8")
    return summary


def dataclass_types() -> tuple[type, ...]:
    """What this stage's ``TrlParser`` parses."""
    return (SelfPlayArguments,)


def main(argv: Sequence[str] | None = None) -> int:
    """``lean-gym train --config training/configs/cpu/self_play.yaml``."""
    try:
        (args,) = parse_stage_args(dataclass_types(), argv, prog="lean-gym train (self-play)")
        report = run_self_play(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print()
    print(report["table"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
