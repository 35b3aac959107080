"""Flags and help from argument dataclasses (lean_gym.cli_args), and the commands built on it."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from lean_gym.cli import build_parser
from lean_gym.cli_args import (
    add_dataclass_arguments,
    attribute_docs,
    dataclass_from_namespace,
    plain_text,
)
from lean_gym.data.cli import SegmentsArgs, TrajectoriesArgs, ValuesArgs
from lean_gym.errors import UsageError
from lean_gym.pipeline import RunArgs


@dataclass
class DemoArgs:
    """Arguments of a demo command.

    Attributes:
        source: Where the rows come from (see :func:`lean_gym.data.load_theorems`); a
            ``.jsonl`` path or a shipped name.
        out: The output directory.
        mode (str): One of the modes.
        limit: At most N rows; 100% of them when unset.
        rate: A float.
        verbose: Say more.
        check: Check the results (``--no-check`` skips it).
        colour: A registry-backed choice.

    Returns nothing: this section is not an attribute.
    """

    source: str
    out: Path = Path("out")
    mode: Literal["fast", "slow"] = "fast"
    limit: int | None = None
    rate: float = 0.5
    verbose: bool = False
    check: bool = True
    colour: str = field(default="red", metadata={"choices": lambda: ["red", "green"]})

    def __post_init__(self) -> None:
        if self.rate < 0:
            raise ValueError(f"--rate must be >= 0, got {self.rate}")


def parser_for(cls: type) -> argparse.ArgumentParser:
    return add_dataclass_arguments(argparse.ArgumentParser(prog="demo"), cls)


def test_attribute_docs_read_the_google_section_as_plain_text() -> None:
    docs = attribute_docs(DemoArgs)
    assert docs["source"] == (
        "Where the rows come from (see load_theorems); a .jsonl path or a shipped name."
    )
    assert docs["mode"] == "One of the modes." and docs["check"].endswith("(--no-check skips it).")
    assert set(docs) == {f.name for f in dataclasses.fields(DemoArgs)}
    assert plain_text("``a``  and :class:`~x.Y`") == "a and Y"


def test_flags_types_defaults_and_choices() -> None:
    ns = parser_for(DemoArgs).parse_args(["--source", "s.jsonl", "--limit", "3", "--no-check"])
    args = dataclass_from_namespace(DemoArgs, ns)
    assert args == DemoArgs(source="s.jsonl", limit=3, check=False)
    assert isinstance(args.out, Path) and args.mode == "fast" and args.verbose is False
    ns = parser_for(DemoArgs).parse_args(["--source", "x", "--mode", "slow", "--verbose"])
    assert dataclass_from_namespace(DemoArgs, ns).mode == "slow"


@pytest.mark.parametrize(
    "argv", [[], ["--source", "x", "--mode", "medium"], ["--source", "x", "--colour", "blue"]]
)
def test_bad_flags_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parser_for(DemoArgs).parse_args(argv)
    assert exc.value.code == 2


def test_a_refused_value_is_a_usage_error() -> None:
    ns = parser_for(DemoArgs).parse_args(["--source", "x", "--rate", "-1"])
    with pytest.raises(UsageError, match="--rate must be >= 0"):
        dataclass_from_namespace(DemoArgs, ns)


def test_help_comes_from_the_docstring(capsys) -> None:
    with pytest.raises(SystemExit):
        parser_for(DemoArgs).parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Where the rows come from (see load_theorems)" in text
    assert "100% of them when unset." in text and "(default: None)" not in text
    assert "{fast,slow}" in text and "{red,green}" in text and "--no-check" in text
    assert "``" not in text and ":func:" not in text


def test_an_unsupported_field_type_is_refused() -> None:
    @dataclass
    class Bad:
        items: list[str] = field(default_factory=list)

    with pytest.raises(TypeError, match="unsupported type"):
        parser_for(Bad)


@pytest.mark.parametrize("cls", [RunArgs, TrajectoriesArgs, SegmentsArgs, ValuesArgs])
def test_every_lean_gym_command_documents_every_flag(cls: type) -> None:
    docs = attribute_docs(cls)
    assert {f.name for f in dataclasses.fields(cls)} == set(docs), cls.__name__
    assert all(docs.values())


@pytest.mark.parametrize(
    ("argv", "cls"),
    [
        (["run"], RunArgs),
        (["data", "trajectories", "--dataset", "smoke", "--out", "t.jsonl"], TrajectoriesArgs),
        (["data", "segments", "--trajectories", "t.jsonl", "--out", "s.jsonl"], SegmentsArgs),
        (["data", "values", "--trajectories", "t.jsonl", "--out", "v.jsonl"], ValuesArgs),
    ],
)
def test_the_commands_parse_into_their_dataclasses(argv: list[str], cls: type) -> None:
    ns = build_parser().parse_args(argv)
    args = dataclass_from_namespace(cls, ns)
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            assert getattr(args, f.name) == f.default, f.name


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--gamma", "2"],
        ["run", "--dataset", "no_such_set"],
        ["run", "--backend", "no_such_backend"],
        ["run", "--max-len", "0"],
        ["data", "values", "--trajectories", "t.jsonl", "--out", "v.jsonl", "--gamma", "0"],
        ["data", "segments", "--trajectories", "missing.jsonl", "--out", "s.jsonl"],
        ["data", "trajectories", "--dataset", "no_such_set", "--out", "t.jsonl"],
    ],
)
def test_cli_mistakes_are_one_line_and_exit_2(argv: list[str], tmp_path: Path, capsys) -> None:
    from lean_gym.cli import main

    assert main([*argv, *(["--out", str(tmp_path / "o")] if argv[0] == "run" else [])]) == 2
    captured = capsys.readouterr()
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err
    assert not (tmp_path / "o").exists()
