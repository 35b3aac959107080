"""Reading and writing jsonl (one JSON object per line, UTF-8): the one place that does it.

Every file the data layer and ``lean-gym run`` write (trajectories, segment rows, value rows)
goes through :func:`write_rows`; every reader (theorem sets, trajectory files) through
:func:`parse_lines`, which keeps the line numbers that error messages and load reports cite.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["write_rows", "parse_lines"]


def write_rows(rows: Iterable[Mapping[str, Any]], path: str | os.PathLike[str]) -> int:
    """Writes one JSON object per line (creating the parent directory); returns the count."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(target, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False))
            out.write("\n")
            count += 1
    return count


def parse_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` for every non-blank line (1-based) of ``lines`` (a text's
    ``splitlines()`` or an open file, read lazily); a line that is not JSON gives a
    ``ValueError`` as its value, so that a caller can skip it or raise it."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, ValueError(f"invalid JSON ({exc.msg} at column {exc.colno})")
