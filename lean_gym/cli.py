"""The ``lean-gym`` command line.

Subcommands:
    run: the main job: play every theorem of a dataset in LeanStep-v0, LeanSegment-v0 and
        LeanProof-v0 with its known proof, verify each, and build the segment-level training
        data (trajectories, segments, value labels) from the proofs.
    data: build datasets: ``trajectories``, ``segments``, ``values``; ``check`` which
        theorems a backend can start.
    verify: check one answer (a proof as a model wrote it) against a dataset theorem.
    backends: list the backend names ``backend=`` accepts.
    setup-lean: create, build and smoke-test a Lake project with the Lean REPL (and Mathlib).

Every command validates its arguments before it writes anything; a mistake is one line on
stderr (``lean-gym: error: ...``, saying how to fix it) and exit code 2, never a traceback.

Packages that build on lean_gym (``agents``: ``eval``, ``compare``, ``report``; ``training``:
``train``) add their subcommands through the ``lean_gym.commands`` entry-point group: each entry
names a ``register(subparsers)`` function. lean_gym itself never imports them, so dependencies
keep pointing one way (``training -> agents -> lean_gym``). A subcommand's flags come from its
argument dataclass (:mod:`lean_gym.cli_args`), which plugins may use too.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from lean_gym import __version__
from lean_gym.backends import available_backends
from lean_gym.cli_args import CommandParser, usage_error
from lean_gym.data.cli import register as register_data
from lean_gym.errors import UsageError
from lean_gym.pipeline import register as register_run
from lean_gym.setup_lean import register as register_setup_lean
from lean_gym.verify_command import register as register_verify

__all__ = ["main", "build_parser", "COMMANDS_GROUP"]

# The entry-point group through which other installed packages add subcommands.
COMMANDS_GROUP = "lean_gym.commands"


def _cmd_backends(args: argparse.Namespace) -> int:
    for name in available_backends():
        print(name)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="lean-gym", description="The Lean 4 theorem prover as Gymnasium environments."
    )
    parser.add_argument("--version", action="version", version=f"lean-gym {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    register_run(subparsers)
    register_data(subparsers)
    register_verify(subparsers)
    backends = subparsers.add_parser("backends", help="list the backend names")
    backends.set_defaults(func=_cmd_backends)
    register_setup_lean(subparsers)
    for plugin in sorted(entry_points(group=COMMANDS_GROUP), key=lambda ep: ep.name):
        plugin.load()(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs a subcommand; a :class:`~lean_gym.errors.UsageError` it raises (a subcommand built
    with :mod:`lean_gym.cli_args` whose arguments are refused) is one line on stderr, exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        return usage_error(exc)
    except BrokenPipeError:
        # The reader went away (`lean-gym ... | head`): stop quietly, as Unix tools do, and
        # point stdout at devnull so that the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by the pipe


if __name__ == "__main__":
    sys.exit(main())
