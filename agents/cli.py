"""The agents' subcommands of ``lean-gym``: ``eval`` and ``compare`` (registered through the
``lean_gym.commands`` entry point group, so that lean_gym never imports agents).

Flags come from the argument dataclasses :class:`agents.evaluate.EvalArgs` and
:class:`agents.evaluate.CompareArgs` (``lean_gym.cli_args``). A mistake in the arguments is one
line on stderr and exit code 2; nothing is written before the arguments are checked.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

__all__ = ["register"]

_EVAL_HELP = "run a search with a policy on a dataset and write a resumable run folder"
_COMPARE_HELP = "run the same theorems and budget at the step, segment and proof granularities"


def _one_line_errors(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Makes argparse report a mistake as one line (``PROG: error: ...``) with exit code 2."""

    def error(message: str) -> NoReturn:
        print(f"{parser.prog}: error: {' '.join(message.split())}", file=sys.stderr)
        raise SystemExit(2)

    parser.error = error  # type: ignore[method-assign]
    return parser


def _print_summary(summary: dict[str, Any], out: Any) -> None:
    per = summary["per_solved"]
    runs = summary["runs"]

    def fmt(value: Any) -> str:
        return "-" if value is None else f"{value:.1f}"

    print(
        f"solved {summary['solved']}/{summary['total']} ({summary['solved_pct']:.1f}%), "
        f"started {summary['started']}/{summary['total']}"
    )
    if summary.get("attempts", 0) > 1:
        print(f"runs: {runs['mean']:.1f} ± {runs['std']:.1f}% solved per attempt")
    if summary["pass_at_k"]:
        print(
            "pass@k: " + ", ".join(f"@{k} {100 * v:.1f}%" for k, v in summary["pass_at_k"].items())
        )
    print(
        f"per solved theorem: Lean calls {fmt(per['lean_calls'])}, policy calls "
        f"{fmt(per['policy_calls'])}, expansions {fmt(per['expansions'])}, tokens "
        f"{fmt(per['tokens'])}"
    )
    time = summary["time"]
    print(
        f"time (s, summed over attempts): policy {time['policy']:.2f}, Lean {time['lean']:.2f}, "
        f"search {time['search']:.2f}, total {time['total']:.2f}"
    )
    if summary["could_not_start"]:
        reasons = ", ".join(
            f"{count} × {reason}" for reason, count in summary["could_not_start"].items()
        )
        print(f"could not start {summary['total'] - summary['started']}: {reasons}")
    if summary["failed_by_reason"]:
        reasons = ", ".join(
            f"{count} × {reason}" for reason, count in summary["failed_by_reason"].items()
        )
        print(f"not solved: {reasons}")
    print(f"run folder: {out}")


def _run(command: str, run: Any, args: Any) -> Any:
    """``run(args)``, or None after printing why a worker could not start."""
    from agents.executors import WorkerSetupError

    try:
        return run(args)
    except WorkerSetupError as exc:
        print(f"lean-gym {command}: a worker could not start: {exc}", file=sys.stderr)
        return None


def _cmd_eval(namespace: argparse.Namespace) -> int:
    from agents.evaluate import EvalArgs, evaluate
    from lean_gym.cli_args import dataclass_from_namespace

    report = _run("eval", evaluate, dataclass_from_namespace(EvalArgs, namespace))
    if report is None:
        return 1
    _print_summary(report.summary, report.out)
    if report.interrupted:
        print(
            f"interrupted: {report.ran} attempts written this time; rerun the same command to "
            "resume",
            file=sys.stderr,
        )
        return 130
    return 0


def _cmd_compare(namespace: argparse.Namespace) -> int:
    from agents.evaluate import CompareArgs, compare
    from lean_gym.cli_args import dataclass_from_namespace

    report = _run("compare", compare, dataclass_from_namespace(CompareArgs, namespace))
    if report is None:
        return 1
    table = report.out / "compare.md"
    if table.exists():
        print(table.read_text(encoding="utf-8"), end="")
    print(f"comparison in {report.out} (compare.json, compare.md, compare.png)")
    from agents.report.cli import report_after_compare

    report_after_compare(report.out)
    if report.interrupted:
        print("interrupted: rerun the same command to resume", file=sys.stderr)
        return 130
    return 0


def register(subparsers: Any) -> None:
    """Adds the agents' subcommands (``eval``, ``compare``, ``report``) to ``lean-gym``."""
    from agents.evaluate import CompareArgs, EvalArgs
    from lean_gym.cli_args import add_dataclass_arguments

    evaluate_parser = subparsers.add_parser(
        "eval", help=_EVAL_HELP, description=_EVAL_HELP.capitalize() + "."
    )
    add_dataclass_arguments(_one_line_errors(evaluate_parser), EvalArgs)
    evaluate_parser.set_defaults(func=_cmd_eval)

    compare_parser = subparsers.add_parser(
        "compare", help=_COMPARE_HELP, description=_COMPARE_HELP.capitalize() + "."
    )
    add_dataclass_arguments(_one_line_errors(compare_parser), CompareArgs)
    compare_parser.set_defaults(func=_cmd_compare)

    from agents.report.cli import register_report

    register_report(subparsers)
