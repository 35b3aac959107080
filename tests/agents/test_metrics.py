"""pass@k against hand-computed values, and the run summary."""

from __future__ import annotations

from math import comb

import pytest

from agents.metrics import (
    mean_and_spread,
    pass_at_k,
    pass_at_k_table,
    start_error_reason,
    summarize,
    summary_markdown,
)


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (5, 2, 1, 2 / 5),  # one draw: the success rate
        (5, 2, 2, 1 - 3 / 10),  # 1 - C(3,2)/C(5,2)
        (5, 2, 3, 1 - 1 / 10),  # 1 - C(3,3)/C(5,3)
        (5, 2, 4, 1.0),  # fewer than 4 failures: some success is always drawn
        (5, 0, 3, 0.0),
        (5, 5, 1, 1.0),
        (10, 1, 5, 0.5),  # 1 - C(9,5)/C(10,5) = 1 - 126/252
        (1, 1, 1, 1.0),
    ],
)
def test_pass_at_k_hand_computed(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_equals_the_combinatorial_definition():
    for n in range(1, 12):
        for c in range(n + 1):
            for k in range(1, n + 1):
                exact = 1 - comb(n - c, k) / comb(n, k)
                assert pass_at_k(n, c, k) == pytest.approx(exact)


def test_pass_at_k_rejects_impossible_inputs():
    for n, c, k in [(3, 4, 1), (3, 1, 0), (3, 1, 4), (0, 0, 1)]:
        with pytest.raises(ValueError):
            pass_at_k(n, c, k)


def test_table_averages_and_stops_at_the_smallest_n():
    table = pass_at_k_table([(4, 1), (4, 0), (3, 3)])
    assert sorted(table) == [1, 2, 3]
    assert table[1] == pytest.approx((1 / 4 + 0 + 1) / 3)
    assert table[2] == pytest.approx((1 - comb(3, 2) / comb(4, 2) + 0 + 1) / 3)


def test_mean_and_spread():
    spread = mean_and_spread([50.0, 60.0, 70.0])
    assert spread["mean"] == 60.0 and spread["std"] == pytest.approx(10.0)
    assert mean_and_spread([3.0])["std"] == 0.0


def _row(index, attempt, solved, started=True, reason=None, start_error=None, calls=4):
    return {
        "index": index,
        "attempt": attempt,
        "theorem": f"t{index}",
        "started": started,
        "start_error": start_error,
        "solved": solved,
        "reason": reason if not solved else None,
        "lean_calls": calls,
        "policy_calls": 2,
        "expansions": 2,
        "tokens": 0,
        "time": {"policy": 0.1, "lean": 0.2, "search": 0.05, "total": 0.35},
    }


def test_summary_counts():
    rows = [
        _row(0, 0, True, calls=3),
        _row(0, 1, False, reason="exhausted"),
        _row(1, 0, False, reason="budget:expansions"),
        _row(1, 1, True, calls=5),
        _row(
            2,
            0,
            False,
            started=False,
            reason="start_error",
            start_error="unknown module prefix 'Aesop'\n",
        ),
        _row(
            2,
            1,
            False,
            started=False,
            reason="start_error",
            start_error="unknown module prefix 'Aesop'",
        ),
    ]
    summary = summarize(rows, theorems=4)
    assert summary["total"] == 4 and summary["started"] == 2 and summary["solved"] == 2
    assert summary["solved_pct"] == 50.0
    assert summary["could_not_start"] == {"unknown module prefix 'Aesop'": 1}
    assert summary["failed_by_reason"] == {"exhausted": 1, "budget:expansions": 1}
    # pass@1: (1/2 + 1/2 + 0 + 0) / 4 (the fourth theorem has no row yet); pass@2: (1 + 1) / 4.
    assert summary["pass_at_k"] == {"1": pytest.approx(0.25), "2": pytest.approx(0.5)}
    assert summary["runs"]["solved_pct"] == [25.0, 25.0]
    assert summary["per_solved"]["lean_calls"] == 4.0
    assert summary["time"]["total"] == pytest.approx(6 * 0.35)
    text = summary_markdown(summary, title="t")
    assert "| 4 | 2 | 2 | 50.0 |" in text and "pass@2" in text and "Aesop" in text


def test_start_error_reason():
    assert start_error_reason("cannot start theorem 'x': Unknown identifier `ℝ`\nmore") == (
        "Unknown identifier `ℝ`"
    )
    assert start_error_reason(None) == "unknown"
