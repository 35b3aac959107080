"""Real proofs written by people: every pair of ``core-proofs.jsonl`` must keep passing.

The 352 statement/proof pairs come from Batteries, Theorem Proving in Lean 4 and the Lean logic
game (``../shared/data/core-proofs/SOURCE.md``); MiniLean accepted all of them when the set was
made, so each is a regression test. They are loaded through ``load_theorems`` (which takes the
proof from the ``proof`` column, as a user's dataset would be read) and verified through the
integrity gate.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lean_gym.backends.minilean.backend import MiniLeanBackend
from lean_gym.data.theorems import load_theorems

CORE_PROOFS = (
    Path(__file__).resolve().parents[3]
    / ".."
    / "shared"
    / "data"
    / "core-proofs"
    / "core-proofs.jsonl"
)
EXPECTED_PAIRS = 352

pytestmark = pytest.mark.skipif(
    not CORE_PROOFS.is_file(), reason=f"the shared core-proofs set is not at {CORE_PROOFS}"
)


def test_every_core_proof_passes() -> None:
    rows = [json.loads(line) for line in CORE_PROOFS.read_text(encoding="utf-8").splitlines()]
    theorems = load_theorems(CORE_PROOFS)
    assert len(rows) == len(theorems) == EXPECTED_PAIRS
    failures = []
    with MiniLeanBackend() as backend:
        for row, theorem in zip(rows, theorems, strict=True):
            assert theorem.name == row["name"]
            assert theorem.proof is not None, row["name"]
            verdict = backend.verify(theorem, theorem.proof)
            if not verdict.ok:
                failures.append(f"{row['name']}: {verdict.reason}: {verdict.detail[:200]}")
    assert failures == [], f"{len(failures)} core proofs fail:\n" + "\n".join(failures)


def test_the_stored_proof_text_is_what_the_loader_gives() -> None:
    """The loader hands over each stored proof unchanged (up to surrounding blank lines)."""
    rows = [json.loads(line) for line in CORE_PROOFS.read_text(encoding="utf-8").splitlines()]
    theorems = load_theorems(CORE_PROOFS)
    changed = [r["name"] for r, t in zip(rows, theorems, strict=True) if t.proof != r["proof"]]
    assert changed == []
