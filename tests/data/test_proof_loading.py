"""How ``load_theorems`` reads a stored proof: its lines keep their place relative to each other."""

from __future__ import annotations

import pytest

from lean_gym.backends.minilean.backend import MiniLeanBackend
from lean_gym.data.theorems import load_theorems


@pytest.mark.parametrize(
    ("proof", "body"),
    [
        # A continuation line stays a continuation (the bug: it was dedented to column 0).
        ("exact fun hp =>\n  show p from hp", "exact fun hp =>\n  show p from hp"),
        ("  intro hp\n  exact hp", "intro hp\nexact hp"),
        ("by\n  intro hp\n  exact hp", "intro hp\nexact hp"),
        ("by exact fun hp =>\n  show p from hp", "exact fun hp =>\n  show p from hp"),
        (
            "theorem t (p : Prop) : p → p := by intro hp\n" + " " * 35 + "exact hp",
            "intro hp\nexact hp",
        ),
    ],
)
def test_stored_proofs_keep_their_layout(proof: str, body: str) -> None:
    rows = [{"name": "t", "formal_statement": "theorem t (p : Prop) : p → p := by", "proof": proof}]
    (theorem,) = load_theorems(rows)
    assert theorem.proof == body
    with MiniLeanBackend() as backend:
        assert backend.verify(theorem, theorem.proof).ok
