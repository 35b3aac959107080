"""Segmenters, prompt templates, SFT rows, dedup and the train/validation split."""

from __future__ import annotations

import random

import pytest
from data_fakes import AND_THEOREM, PROJ_THEOREM, and_backend, linear, proj_backend

from lean_gym.data.segments import (
    FixedLengthSegmenter,
    GoalChangeSegmenter,
    Segmenter,
    dedup_rows,
    is_validation_theorem,
    make_segmenter,
    segment_rows,
    split_by_theorem,
)
from lean_gym.data.templates import TEMPLATES, get_template
from lean_gym.data.trajectories import build_trajectory
from lean_gym.types import Theorem

# --------------------------------------------------------------------------- goal-change cuts


def test_goal_change_on_and_intro_gives_three_segments() -> None:
    trajectory = build_trajectory(and_backend(), AND_THEOREM)
    segments = make_segmenter("goal-change").split(trajectory.nodes)
    assert [s.tactics for s in segments] == [("constructor",), ("exact hp",), ("exact hq",)]
    assert [s.start.id for s in segments] == [0, 1, 2]
    assert [s.end.id for s in segments] == [1, 2, 3]
    assert [s.prefix for s in segments] == [(), ("constructor",), ("constructor", "exact hp")]


def test_goal_change_keeps_intro_and_projection_together() -> None:
    trajectory = build_trajectory(proj_backend(), PROJ_THEOREM)
    segments = make_segmenter("goal-change").split(trajectory)
    assert [s.tactics for s in segments] == [("intro h", "exact h.1")]
    assert segments[0].start_depth == 0 and segments[0].end.is_solved


def test_goal_change_closes_at_max_len() -> None:
    trajectory = linear(AND_THEOREM, [1, 1, 1, 1, 1, 1, 0])
    assert [s.num_tactics for s in GoalChangeSegmenter(max_len=4).split(trajectory)] == [4, 2]
    assert [s.num_tactics for s in GoalChangeSegmenter(max_len=None).split(trajectory)] == [6]


def test_other_segmenters_on_a_known_path() -> None:
    trajectory = linear(AND_THEOREM, [1, 2, 2, 1, 1, 0])
    assert [s.num_tactics for s in make_segmenter("goal-change").split(trajectory)] == [1, 2, 2]
    assert [s.num_tactics for s in make_segmenter("fixed", k=2).split(trajectory)] == [2, 2, 1]
    assert [s.num_tactics for s in make_segmenter("step").split(trajectory)] == [1] * 5
    assert [s.num_tactics for s in make_segmenter("whole").split(trajectory)] == [5]


def test_make_segmenter_errors() -> None:
    with pytest.raises(ValueError, match="unknown segmenter"):
        make_segmenter("sentences")
    with pytest.raises(ValueError, match="takes"):
        make_segmenter("step", k=3)
    with pytest.raises(ValueError, match="k must be"):
        make_segmenter("fixed", k=0)
    # None values are ignored, so the CLI can pass every option.
    assert isinstance(make_segmenter("whole", max_len=None, k=None), Segmenter)


def test_a_path_must_be_consecutive() -> None:
    trajectory = linear(AND_THEOREM, [1, 1, 1, 0])
    nodes = list(trajectory.nodes)
    with pytest.raises(ValueError, match="not a path"):
        make_segmenter("step").split([nodes[0], nodes[2], nodes[3]])


# --------------------------------------------------------------------------- property test


def _random_trajectory(rng: random.Random, index: int):
    length = rng.randint(1, 14)
    counts = [rng.randint(1, 4)]
    for _ in range(length - 1):
        counts.append(counts[-1] if rng.random() < 0.5 else rng.randint(1, 4))
    counts.append(0 if rng.random() < 0.8 else rng.randint(1, 3))
    return linear(Theorem(f"rand_{index}", ": True"), counts)


def test_every_segmenter_covers_every_tactic_exactly_once() -> None:
    rng = random.Random(20240611)
    for index in range(300):
        trajectory = _random_trajectory(rng, index)
        tactics = [n.tactic for n in trajectory.nodes[1:]]
        max_len, k = rng.randint(1, 6), rng.randint(1, 6)
        segmenters = [
            make_segmenter("goal-change", max_len=max_len),
            make_segmenter("fixed", k=k),
            make_segmenter("step"),
            make_segmenter("whole"),
        ]
        for segmenter in segmenters:
            segments = segmenter.split(trajectory)
            flat = [t for s in segments for t in s.tactics]
            assert flat == tactics, (segmenter, trajectory.to_json())
            assert all(s.num_tactics >= 1 for s in segments)
            assert segments[0].start.id == 0 and segments[-1].end.id == len(tactics)
            for before, after in zip(segments, segments[1:], strict=False):
                assert before.end.id == after.start.id
                assert after.prefix == before.prefix + before.tactics
        # Goal-change cuts are exactly the goal-count changes, the max_len cuts and the end.
        counts = [n.num_goals for n in trajectory.nodes]
        expected_cuts, run = [], 0
        for i in range(1, len(counts)):
            run += 1
            if counts[i] != counts[i - 1] or run == max_len or i == len(counts) - 1:
                expected_cuts.append(i)
                run = 0
        got = [s.end.id for s in GoalChangeSegmenter(max_len=max_len).split(trajectory)]
        assert got == expected_cuts
        fixed = FixedLengthSegmenter(k).split(trajectory)
        assert all(s.num_tactics == k for s in fixed[:-1]) and fixed[-1].num_tactics <= k


# --------------------------------------------------------------------------- templates


def test_template_prompts() -> None:
    state = "p q : Prop\n⊢ p ∧ q"
    assert get_template("leandojo").render(state) == "[GOAL]\np q : Prop\n⊢ p ∧ q\n[PROOFSTEP]\n"
    assert get_template().name == "leandojo"
    assert get_template("bfs-prover").render(state) == "p q : Prop\n⊢ p ∧ q:::"
    theorem = Theorem("w", "(p : Prop) (hp : p) : p ∧ p", header="import Mathlib")
    whole = get_template("whole-proof")
    assert whole.render(state, theorem) == (
        "import Mathlib\n\ntheorem w (p : Prop) (hp : p) : p ∧ p := by\n"
    )
    assert whole.render(state, theorem, ("constructor", "· exact hp")) == (
        "import Mathlib\n\ntheorem w (p : Prop) (hp : p) : p ∧ p := by\n  constructor\n"
        "  · exact hp\n"
    )
    assert whole.completion(["exact hp", "induction n with\n| zero => rfl"]) == (
        "  exact hp\n  induction n with\n  | zero => rfl"
    )
    with pytest.raises(ValueError, match="needs the theorem"):
        whole.render(state)
    with pytest.raises(ValueError, match="unknown prompt template"):
        get_template("chatml")


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_parse_inverts_completion(name: str) -> None:
    template = get_template(name)
    tactics = [
        "intro h",
        "induction n with\n| zero => simp\n| succ k ih => omega",
        "· exact h.1",
        "constructor <;> simp",
    ]
    assert template.parse(template.completion(tactics)) == tactics


def test_parse_drops_what_models_add() -> None:
    leandojo = get_template("leandojo")
    assert leandojo.parse("intro h\nexact h</s>garbage") == ["intro h", "exact h"]
    assert leandojo.parse("exact h\n[GOAL]\n⊢ q") == ["exact h"]
    assert get_template("bfs-prover").parse("simp:::more") == ["simp"]
    whole = get_template("whole-proof")
    fenced = "```lean4\ntheorem w (p : Prop) (hp : p) : p := by\n  exact hp\n```\nDone."
    assert whole.parse(fenced) == ["exact hp"]
    assert whole.parse("  intro h\n  exact h\n```") == ["intro h", "exact h"]


# --------------------------------------------------------------------------- rows


def test_segment_rows_render_prompts_and_completions() -> None:
    trajectory = build_trajectory(and_backend(), AND_THEOREM)
    rows = segment_rows([trajectory], make_segmenter("goal-change"), "leandojo")
    assert rows[0] == {
        "prompt": "[GOAL]\np q : Prop\nhp : p\nhq : q\n⊢ p ∧ q\n[PROOFSTEP]\n",
        "completion": "constructor",
        "theorem": "and_intro_ex",
        "statement": AND_THEOREM.statement,
        "family": None,
        "start_depth": 0,
        "num_tactics": 1,
        "segmenter": "goal-change",
    }
    assert [r["start_depth"] for r in rows] == [0, 1, 2]
    assert rows[1]["prompt"].startswith("[GOAL]\ncase left\n")
    whole = segment_rows([trajectory], make_segmenter("whole"), "whole-proof")
    assert whole == [
        {
            "prompt": f"{AND_THEOREM.formal_statement}\n",
            "completion": "  constructor\n  exact hp\n  exact hq",
            "theorem": "and_intro_ex",
            "statement": AND_THEOREM.statement,
            "family": None,
            "start_depth": 0,
            "num_tactics": 3,
            "segmenter": "whole",
        }
    ]


def test_rows_skip_rejected_and_incomplete_trajectories() -> None:
    rejected = build_trajectory(and_backend(verified=False), AND_THEOREM)
    assert rejected.complete and rejected.verified is False
    assert segment_rows([rejected], make_segmenter("step")) == []
    incomplete = build_trajectory(and_backend(), AND_THEOREM, "constructor\nexact hq")
    assert segment_rows([incomplete], make_segmenter("step")) == []
    rows = segment_rows([incomplete], make_segmenter("step"), require_complete=False)
    assert [r["completion"] for r in rows] == ["constructor"]


def test_dedup_keeps_one_row_per_prompt_and_completion() -> None:
    trajectory = build_trajectory(and_backend(), AND_THEOREM)
    rows = segment_rows([trajectory, trajectory], make_segmenter("step"))
    assert len(rows) == 6
    unique = dedup_rows(rows)
    assert unique == rows[:3]


def test_split_is_by_theorem_deterministic_and_near_the_fraction() -> None:
    rows = [{"theorem": f"thm_{i}", "prompt": str(j), "completion": ""} for i in range(1000)
            for j in range(3)]  # fmt: skip
    train, val = split_by_theorem(rows, val_fraction=0.1, seed=7)
    assert len(train) + len(val) == len(rows)
    val_names = {r["theorem"] for r in val}
    assert not val_names & {r["theorem"] for r in train}
    assert 60 <= len(val_names) <= 140
    assert split_by_theorem(rows, 0.1, seed=7) == (train, val)
    assert {r["theorem"] for r in split_by_theorem(rows, 0.1, seed=8)[1]} != val_names
    assert split_by_theorem(rows, 0.0)[1] == [] and split_by_theorem(rows, 1.0)[0] == []
    with pytest.raises(ValueError, match="val_fraction"):
        is_validation_theorem("x", 1.5)


def test_split_keeps_theorems_with_one_statement_on_one_side() -> None:
    rows = [
        {"theorem": f"variant_{i}", "statement": "(p : Prop) (h : p) : p", "prompt": str(i)}
        for i in range(50)
    ] + [
        {"theorem": f"other_{i}", "statement": f"(n : Nat) : n + {i} = {i} + n"} for i in range(50)
    ]
    train, val = split_by_theorem(rows, val_fraction=0.3, seed=1)
    variant_sides = {"train" if r in train else "val" for r in rows[:50]}
    assert len(variant_sides) == 1
    assert train and val
