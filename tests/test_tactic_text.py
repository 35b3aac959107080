from __future__ import annotations

import pytest

from lean_gym.tactic_text import (
    join_tactics,
    split_tactics,
    strip_comments,
    strip_comments_and_strings,
)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("intro h\nexact h.1", ["intro h", "exact h.1"]),
        ("constructor\n· exact hp\n· exact hq", ["constructor", "· exact hp", "· exact hq"]),
        (
            "induction n with\n| zero => simp\n| succ k ih =>\n  omega",
            ["induction n with\n| zero => simp\n| succ k ih =>\n  omega"],
        ),
        ("constructor <;> simp", ["constructor <;> simp"]),
        ("intro h; exact h", ["intro h", "exact h"]),
        ("have h2 : p := by exact hp; exact h2", ["have h2 : p := by exact hp; exact h2"]),
        ("  intro x\n  -- note: sorry\n  exact ⟨x,\n    rfl⟩", ["intro x", "exact ⟨x,\n  rfl⟩"]),
        ('refine ⟨?_, ?_⟩\n/- a\n b -/\nexact "a -- b"', ["refine ⟨?_, ?_⟩", 'exact "a -- b"']),
        ("rcases h with ⟨a, b⟩ | c\n<;> omega", ["rcases h with ⟨a, b⟩ | c\n<;> omega"]),
        ("first | omega | simp", ["first | omega | simp"]),
        (
            "· constructor\n  · exact a\n  · exact b\n· exact c",
            ["· constructor\n  · exact a\n  · exact b", "· exact c"],
        ),
        ("try (intro h; exact h)", ["try (intro h; exact h)"]),
        ("", []),
        ("  \n -- only a comment\n", []),
    ],
)
def test_split_tactics(block: str, expected: list[str]) -> None:
    assert split_tactics(block) == expected


def test_join_is_inverse_of_split() -> None:
    block = "intro h\nconstructor\n· exact h.2\n· exact h.1"
    assert split_tactics(join_tactics(split_tactics(block))) == split_tactics(block)
    assert join_tactics(["a", "", "b\n  c"]) == "a\nb\n  c"


def test_strip_comments_and_strings_keeps_positions() -> None:
    text = 'exact "sorry" -- sorry\n/- sorry /- nested -/ still -/ x'
    out = strip_comments_and_strings(text)
    assert len(out) == len(text)
    assert "sorry" not in out
    assert out.split("\n")[1].rstrip().endswith("x")
    assert out.index("\n") == text.index("\n")


def test_strip_comments_keeps_strings() -> None:
    text = 'exact "a -- b" -- gone'
    out = strip_comments(text)
    assert '"a -- b"' in out and "gone" not in out


def test_unfence() -> None:
    from lean_gym.tactic_text import unfence

    assert unfence("```lean4\nintro h\nexact h\n```\ntrailing") == "intro h\nexact h\n"
    assert unfence("intro h\n```") == "intro h\n"
    assert unfence("no fence") == "no fence"
