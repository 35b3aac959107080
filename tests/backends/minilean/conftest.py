"""Shared helpers for the MiniLean tests."""

from __future__ import annotations

from typing import Any

import pytest

from lean_gym.backends.minilean.repl_server import MiniLeanRepl


def accepted(response: dict[str, Any]) -> bool:
    """True when a command answer shows a complete proof: no error, no sorry warning."""
    if "message" in response:
        return False
    for m in response.get("messages", []):
        if m["severity"] == "error" or "sorry" in m["data"]:
            return False
    return True


def errors(response: dict[str, Any]) -> list[str]:
    return [m["data"] for m in response.get("messages", []) if m["severity"] == "error"]


@pytest.fixture
def repl() -> MiniLeanRepl:
    return MiniLeanRepl()


@pytest.fixture
def start(repl: MiniLeanRepl):
    """Starts `theorem t STATEMENT := by sorry` and returns (repl, root proof state id)."""

    def _start(statement: str, header: str | None = None) -> int:
        env = None
        if header:
            env = repl.handle({"cmd": header})["env"]
        req: dict[str, Any] = {"cmd": f"theorem t {statement} := by sorry"}
        if env is not None:
            req["env"] = env
        out = repl.handle(req)
        assert "sorries" in out, out
        return out["sorries"][0]["proofState"]

    return _start
