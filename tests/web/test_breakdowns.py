"""The dashboard's intake over time: months counted in one pass of per-month filters, between local
midnights (Asia/Shanghai), and the same counts where a long period falls back to grouping by day."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.cases.factories import SH, create
from tests.township import Township
from zhizhi.accounts import scope
from zhizhi.metrics import breakdowns
from zhizhi.metrics.kpis import Period

pytestmark = pytest.mark.django_db


@pytest.fixture
def around_midnights(township: Township) -> Township:
    for at in (
        datetime(2023, 12, 31, 23, 59, tzinfo=SH),  # the year before
        datetime(2024, 3, 31, 23, 59, tzinfo=SH),  # March, local time (UTC: 15:59)
        datetime(2024, 4, 1, 0, 0, tzinfo=SH),  # April, local time (UTC: still 31 March)
        datetime(2024, 4, 1, 7, 59, tzinfo=SH),  # April (UTC: 31 March 23:59)
        datetime(2024, 12, 31, 23, 30, tzinfo=SH),  # December
        datetime(2025, 1, 1, 0, 10, tzinfo=SH),  # the year after
    ):
        create(township, now=at)
    return township


def counts(t: Township, start: date, end: date) -> tuple[str, dict[str, int]]:
    qs = scope.visible_cases(t.users["dispatcher"])
    granularity, buckets = breakdowns.intake_over_time(qs, region=None, period=Period(start, end))
    return granularity, {b.key: b.count for b in buckets if b.count}


def test_a_year_counts_each_month_between_local_midnights(around_midnights: Township) -> None:
    assert counts(around_midnights, date(2024, 1, 1), date(2024, 12, 31)) == (
        "month",
        {"2024-03": 1, "2024-04": 2, "2024-12": 1},
    )


@pytest.mark.parametrize("filters", [0, 24])
def test_a_long_period_counts_the_same_by_day_as_by_month_filters(
    around_midnights: Township, filters: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 30 months: above the filters' limit the months are summed from a grouping by day
    monkeypatch.setattr(breakdowns, "MAX_MONTH_FILTERS", filters)
    granularity, found = counts(around_midnights, date(2023, 1, 1), date(2025, 6, 30))
    assert (granularity, found) == (
        "month",
        {"2023-12": 1, "2024-03": 1, "2024-04": 2, "2024-12": 1, "2025-01": 1},
    )


def test_a_short_period_counts_each_local_day(around_midnights: Township) -> None:
    assert counts(around_midnights, date(2024, 3, 1), date(2024, 4, 30)) == (
        "day",
        {"2024-03-31": 1, "2024-04-01": 2},
    )
