from __future__ import annotations

import pytest

from bench import stats


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0, 1.0), (25, 1.75), (50, 2.5), (75, 3.25), (95, 3.85), (99, 3.97), (100, 4.0)],
)
def test_percentile_interpolates_linearly_between_ranks(q, expected):
    assert stats.percentile([4, 1, 3, 2], q) == pytest.approx(expected)


def test_percentile_of_one_value_and_of_exact_ranks():
    assert stats.percentile([7], 99) == 7.0
    assert stats.percentile(list(range(1, 102)), 50) == 51.0  # 101 values: the middle one
    assert stats.percentile(list(range(1, 101)), 99) == pytest.approx(99.01)


def test_percentile_refuses_nothing_and_bad_q():
    with pytest.raises(ValueError, match="no values"):
        stats.percentile([], 50)
    with pytest.raises(ValueError, match="q must be"):
        stats.percentile([1], 101)


def test_ratio_and_rate():
    assert stats.ratio(50, 200) == 0.25
    assert stats.ratio(3, 0) is None
    assert stats.ratio(None, 2) is None
    assert stats.rate(500, 2.0) == 250.0
    assert stats.rate(5, 0) == 0.0


def test_summary_in_milliseconds():
    s = stats.summary_ms([0.001, 0.002, 0.003, 0.004, 0.010])
    assert s == {"n": 5, "mean": 4.0, "min": 1.0, "p50": 3.0, "p95": 8.8, "p99": 9.76, "max": 10.0}
    assert stats.summary_ms([]) == {"n": 0}
