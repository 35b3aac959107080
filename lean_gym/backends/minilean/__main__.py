"""``python -m lean_gym.backends.minilean``: MiniLean as a REPL process on stdin/stdout.

Framing as leanprover-community/repl: a request is the lines up to a blank line (each line's
end trimmed, the lines joined, as the REPL's ``getLines`` does); each answer is one JSON object
followed by a blank line. Input is read as bytes and decoded leniently, so binary garbage gets an
error answer instead of killing the server; EOF ends it cleanly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys

from lean_gym.backends.minilean.repl_server import MiniLeanRepl

MAX_REQUEST_BYTES = 4_000_000


def _answer(out, payload: dict) -> None:
    out.write(json.dumps(payload, ensure_ascii=False).encode("utf-8") + b"\n\n")
    out.flush()


def serve(stdin=None, stdout=None) -> None:
    """Serves requests until EOF."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    repl = MiniLeanRepl()
    parts: list[bytes] = []
    size = 0
    oversized = False
    while True:
        line = stdin.readline()
        if line and line.strip():
            size += len(line)
            if size > MAX_REQUEST_BYTES:
                oversized = True
                parts = []
            elif not oversized:
                parts.append(line.rstrip())
            continue
        if oversized:
            _answer(stdout, {"message": f"MiniLean: request larger than {MAX_REQUEST_BYTES} bytes"})
        elif parts:
            text = b"".join(parts).decode("utf-8", errors="replace")
            if not (text.startswith("#") or text.startswith("--")):
                try:
                    request = json.loads(text)
                except (ValueError, RecursionError) as exc:
                    _answer(stdout, {"message": f"Could not parse JSON:\n{exc}"})
                else:
                    _answer(stdout, repl.handle(request))
        parts, size, oversized = [], 0, False
        if not line:
            return


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        serve()


if __name__ == "__main__":
    main()
