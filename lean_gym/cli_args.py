"""Command-line flags from an argument dataclass: one source of truth for a command's options.

As in CleanRL's scripts and TRL's ``HfArgumentParser``, a command's arguments are a dataclass;
its fields give the flags (``max_len`` -> ``--max-len``), their types and defaults, and the
Google-style ``Attributes:`` section of its docstring gives the ``--help`` text::

    @dataclass
    class ValuesArgs:
        \"\"\"Arguments of ``lean-gym data values``.

        Attributes:
            trajectories: Input jsonl of trajectories.
            gamma: The discount, in (0, 1].
        \"\"\"

        trajectories: str
        gamma: float = 0.95

    add_dataclass_arguments(parser, ValuesArgs)
    args = dataclass_from_namespace(ValuesArgs, parser.parse_args())

Supported field types: ``str``, ``int``, ``float``, ``pathlib.Path``, each optionally
``| None``; ``bool`` (``--flag`` when the default is False, ``--flag/--no-flag`` when it is
True); ``Literal[...]`` (the values become ``choices``). A field without a default is a
required flag. A field's ``metadata={"choices": callable_or_sequence}`` gives choices from a
registry that is open at run time (template names). The help text is plain: reST markup in the
docstring (````code````, ``:func:`name```) is dropped, and so is "(default: None)" (the
docstring says what no value means).

:class:`CommandParser` is the parser every ``lean-gym`` command uses: a mistake argparse itself
finds (an unknown flag, a value of the wrong type) is one line on stderr and exit code 2, like
the mistakes the commands find (:func:`usage_error`).
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NoReturn, TypeVar

from lean_gym.errors import UsageError

__all__ = [
    "CommandParser",
    "add_dataclass_arguments",
    "dataclass_from_namespace",
    "attribute_docs",
    "plain_text",
    "plain_block",
    "usage_error",
    "PROG",
]

PROG = "lean-gym"
"""The prefix of every usage error line."""

T = TypeVar("T")

_ROLE = re.compile(r":[\w:.-]+:`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")
_ENTRY = re.compile(r"^(\w+)(?:\s*\([^)]*\))?:\s*(.*)$")


def plain_text(text: str) -> str:
    """``text`` without reST markup (roles, double backticks) and with white space folded."""
    return " ".join(plain_block(text).split())


def plain_block(text: str) -> str:
    """``text`` without reST markup, its lines and paragraphs kept (for a ``--help``
    description shown with ``RawDescriptionHelpFormatter``)."""
    text = _ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1], text)
    text = _LITERAL.sub(r"\1", text)
    return text.replace("::\n", ":\n")


def usage_error(message: object) -> int:
    """Prints ``lean-gym: error: MESSAGE`` as one line on stderr; returns the exit code 2."""
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


class CommandParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr (exit code 2).

    argparse prints the usage and then the error on two lines; here the error says where to
    find the usage instead. Sub-parsers created from it are of the same class.
    """

    def error(self, message: str) -> NoReturn:  # noqa: D102 (argparse's hook)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def attribute_docs(cls: type) -> dict[str, str]:
    """The entries of the ``Attributes:`` section of ``cls``'s docstring, as plain text."""
    doc = inspect.getdoc(cls) or ""
    lines = doc.split("\n")
    entries: dict[str, list[str]] = {}
    inside = False
    entry_indent: int | None = None
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if not inside:
            inside = stripped == "Attributes:" and indent == 0
            continue
        if not stripped:
            continue
        if indent == 0:
            break  # the next section
        if entry_indent is None:
            entry_indent = indent
        match = _ENTRY.match(stripped) if indent == entry_indent else None
        if match:
            current = match.group(1)
            entries[current] = [match.group(2)]
        elif current is not None:
            entries[current].append(stripped)
    return {name: plain_text(" ".join(parts)) for name, parts in entries.items()}


def _without_none(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> ``(X, True)``; anything else -> ``(annotation, False)``."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return options[0], True
    return annotation, False


def _choices(field: dataclasses.Field[Any]) -> list[Any] | None:
    choices = field.metadata.get("choices")
    if choices is None:
        return None
    return list(choices() if callable(choices) else choices)


def add_dataclass_arguments(parser: argparse.ArgumentParser, cls: type) -> argparse.ArgumentParser:
    """Adds one flag per init field of the dataclass ``cls`` to ``parser``; returns the parser.

    Raises:
        TypeError: For a field type the command line cannot express.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    docs = attribute_docs(cls)
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        flag = "--" + field.name.replace("_", "-")
        required = field.default is dataclasses.MISSING and (
            field.default_factory is dataclasses.MISSING
        )
        default = None
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        text = docs.get(field.name, "").replace("%", "%%")
        options: dict[str, Any] = {"dest": field.name, "required": required}
        kind, _ = _without_none(hints[field.name])
        if kind is bool:
            if default is True:
                options["action"] = argparse.BooleanOptionalAction
            else:
                options["action"] = "store_true"
            options["default"] = bool(default)
            parser.add_argument(flag, help=text, **options)
            continue
        choices = _choices(field)
        if typing.get_origin(kind) is Literal:
            choices = list(typing.get_args(kind))
            kind = type(choices[0])
        if kind not in (str, int, float, Path):
            raise TypeError(f"{cls.__name__}.{field.name}: unsupported type {hints[field.name]!r}")
        options.update(type=kind, default=default)
        if choices is not None:
            options["choices"] = choices
        if not required and default is not None:
            text = f"{text} (default: %(default)s)" if text else "(default: %(default)s)"
        parser.add_argument(flag, help=text, metavar=_metavar(field.name, choices), **options)
    return parser


def _metavar(name: str, choices: list[Any] | None) -> str:
    if choices is not None:
        return "{" + ",".join(str(c) for c in choices) + "}"
    return name.upper()


def dataclass_from_namespace(cls: Callable[..., T], namespace: argparse.Namespace) -> T:
    """The dataclass ``cls`` built from the parsed flags of :func:`add_dataclass_arguments`.

    Raises:
        UsageError: When the constructor refuses the values (its ``ValueError``); the CLI
            prints it as one line and exits with 2.
    """
    values = {
        field.name: getattr(namespace, field.name)
        for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        if field.init
    }
    try:
        return cls(**values)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
