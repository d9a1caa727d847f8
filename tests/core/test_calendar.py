"""The working-day calendar: real 2024–2026 notices, the provisional fallback, import, cache.

Expected deadlines are worked out by hand from the State Council notices (as shipped in
chinesecalendar 1.11.0), not by calling the code under test.
"""

from __future__ import annotations

import sys
import types
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from zhizhi.core import calendar
from zhizhi.core.calendar import Due, add, day_info, is_workday, working_days_between
from zhizhi.core.errors import ValidationFailed
from zhizhi.core.models import CalendarDay, CalendarYear

SH = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")


def d(s: str) -> date:
    return date.fromisoformat(s)


def at(s: str) -> datetime:
    """'2024-09-30 10:00' in Asia/Shanghai."""
    return datetime.fromisoformat(s).replace(tzinfo=SH)


def eod(s: str) -> datetime:
    return datetime.combine(d(s), time(23, 59, 59), tzinfo=SH)


def span(first: str, last: str) -> list[date]:
    a, b = d(first), d(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------------------------
# Seed data


def test_seed_publishes_every_chinesecalendar_year() -> None:
    years = set(CalendarYear.objects.filter(published=True).values_list("year", flat=True))
    assert years == set(range(2004, 2027))
    assert CalendarYear.objects.get(year=2025).source == "chinesecalendar 1.11.0"
    assert CalendarDay.objects.filter(kind="holiday").count() == len(chinese_calendar.holidays) == 621
    assert CalendarDay.objects.filter(kind="workday").count() == len(chinese_calendar.workdays) == 150
    spring = CalendarDay.objects.get(date=d("2024-02-12"))
    assert (spring.kind, spring.name, spring.year) == ("holiday", "春节", 2024)
    assert CalendarDay.objects.get(date=d("2024-10-12")).name == "国庆节"


def test_every_seeded_day_agrees_with_chinesecalendar() -> None:
    day = d("2004-01-01")
    while day <= d("2026-12-31"):
        assert is_workday(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


# --------------------------------------------------------------------------------------------
# Days of the real 2024–2026 notices


@pytest.mark.parametrize(
    "day",
    [
        "2024-02-04",  # Sunday, 春节调休
        "2024-02-18",  # Sunday, 春节调休
        "2024-02-09",  # Friday, 除夕 was not a day off in 2024
        "2024-09-14",  # Saturday, 中秋调休
        "2024-09-29",  # Sunday, 国庆调休
        "2024-10-12",  # Saturday, 国庆调休
        "2025-01-26",  # Sunday, 春节调休
        "2025-02-08",  # Saturday, 春节调休
        "2025-04-27",  # Sunday, 劳动节调休
        "2025-09-28",  # Sunday, 国庆调休
        "2025-10-11",  # Saturday, 国庆调休
        "2026-01-04",  # Sunday, 元旦调休
        "2026-02-14",  # Saturday, 春节调休
        "2026-02-28",  # Saturday, 春节调休
        "2026-05-09",  # Saturday, 劳动节调休
        "2026-09-20",  # Sunday, 国庆调休
        "2026-10-10",  # Saturday, 国庆调休
        "2024-02-19",  # an ordinary Monday
    ],
)
def test_working_days(day: str) -> None:
    assert is_workday(d(day)) is True


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2024-02-10", "2024-02-17"),  # 春节 2024
        ("2024-10-01", "2024-10-07"),  # 国庆 2024
        ("2025-01-28", "2025-02-04"),  # 春节 2025
        ("2025-10-01", "2025-10-08"),  # 国庆·中秋 2025
        ("2026-01-01", "2026-01-03"),  # 元旦 2026
        ("2026-02-15", "2026-02-23"),  # 春节 2026
        ("2026-05-01", "2026-05-05"),  # 劳动节 2026
        ("2026-10-01", "2026-10-07"),  # 国庆 2026
    ],
)
def test_holiday_periods(first: str, last: str) -> None:
    assert [day for day in span(first, last) if is_workday(day)] == []
    # and the days around them that are not weekends are working days
    before, after = d(first) - timedelta(days=1), d(last) + timedelta(days=1)
    for around in (before, after):
        if around.weekday() < 5:
            assert is_workday(around) is True


def test_ordinary_weekend_is_off() -> None:
    assert is_workday(d("2024-02-03")) is False  # Saturday
    assert is_workday(d("2026-03-08")) is False  # Sunday


def test_day_info() -> None:
    assert day_info(d("2024-02-12")) == (False, False, "春节")
    assert day_info(d("2024-02-04")) == (True, False, "春节")
    assert day_info(d("2024-09-15")) == (False, False, "中秋")  # a Sunday inside the holiday
    assert day_info(d("2024-03-05")) == (True, False, "")
    assert day_info(d("2024-03-09")) == (False, False, "")
    assert day_info(d("2027-01-01")) == (False, True, "元旦")
    assert day_info(d("2027-01-04")) == (True, True, "")
    assert day_info(d("2027-01-09")) == (False, True, "")
    assert day_info(d("2030-10-02")) == (False, True, "国庆节")  # Wednesday
    assert day_info(d("2030-05-02")) == (False, True, "劳动节")  # Thursday


def test_future_years_never_raise() -> None:
    assert is_workday(d("2027-02-08")) is True  # lunar holidays unknown: Monday counts as working
    assert is_workday(d("2030-10-01")) is False
    assert is_workday(d("2099-12-31")) is True
    assert working_days_between(d("2026-12-31"), d("2030-12-31")) > 0


# --------------------------------------------------------------------------------------------
# add()


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        # Monday before National Day: Oct 1–7 off, Tuesday Oct 8 is the first working day
        ("2024-09-30 10:00", 1, "2024-10-08"),
        # Friday: Sat Feb 3 off, Sun Feb 4 works (1), Mon (2), Tue (3)
        ("2024-02-02 09:30", 3, "2024-02-06"),
        # Thursday: Fri Feb 9 works (1), Feb 10–17 off, Sun Feb 18 works (2)
        ("2024-02-08 15:00", 2, "2024-02-18"),
        # Saturday Sep 28 2024: Sun Sep 29 works (1), Mon Sep 30 (2), Oct 1–7 off, Oct 8 (3)
        ("2024-09-28 08:00", 3, "2024-10-08"),
        # Oct 8 (1) .. Oct 11 (4), Sat Oct 12 works (5)
        ("2024-10-07 12:00", 5, "2024-10-12"),
        # Friday 2025-01-24: Sun 26 (1), Mon 27 (2), Jan 28–Feb 4 off, Feb 5 (3), 6 (4), 7 (5)
        ("2025-01-24 17:00", 5, "2025-02-07"),
        # ... and Saturday Feb 8 works (6)
        ("2025-01-24 17:00", 6, "2025-02-08"),
        # 2025: Sun Sep 28 works (1), Sep 29 (2), Sep 30 (3), Oct 1–8 off, Oct 9 (4)
        ("2025-09-27 10:00", 4, "2025-10-09"),
        # 2026: Sat Feb 14 works (1), Feb 15–23 off, Tue Feb 24 (2)
        ("2026-02-13 09:00", 1, "2026-02-14"),
        ("2026-02-13 09:00", 2, "2026-02-24"),
        # 2026: Wednesday before National Day: Oct 1–7 off, Oct 8 (1), Oct 9 (2), Sat Oct 10 (3)
        ("2026-09-30 16:00", 1, "2026-10-08"),
        ("2026-09-30 16:00", 3, "2026-10-10"),
        # 2025-12-31 → 2026-01-01..03 off, Sun Jan 4 works
        ("2025-12-31 11:00", 1, "2026-01-04"),
        # ten ordinary working days: two full weeks
        ("2024-03-04 10:00", 10, "2024-03-18"),
    ],
)
def test_add_working_days(start: str, amount: int, expected: str) -> None:
    assert add(at(start), amount, "working_days") == Due(at=eod(expected), provisional=False)


def test_add_counts_from_the_shanghai_date_of_start() -> None:
    # 2024-09-30 17:00 UTC is already Tuesday Oct 1, 01:00 in Shanghai
    assert add(datetime(2024, 9, 30, 17, tzinfo=UTC), 1, "working_days").at == eod("2024-10-08")
    # 2024-02-02 16:30 UTC is Saturday Feb 3 00:30 in Shanghai: the next working day is Sun Feb 4
    assert add(datetime(2024, 2, 2, 16, 30, tzinfo=UTC), 1, "working_days").at == eod("2024-02-04")
    # 2024-02-02 15:59 UTC is still Friday Feb 2 in Shanghai
    assert add(datetime(2024, 2, 2, 15, 59, tzinfo=UTC), 1, "working_days").at == eod("2024-02-04")
    assert add(datetime(2024, 2, 2, 15, 59, tzinfo=UTC), 2, "working_days").at == eod("2024-02-05")


def test_add_result_is_end_of_day_in_shanghai() -> None:
    due = add(at("2024-09-30 10:00"), 1, "working_days")
    assert due.at.tzinfo is not None
    assert due.at == datetime(2024, 10, 8, 15, 59, 59, tzinfo=UTC)
    assert due.at.astimezone(SH).time() == time(23, 59, 59)


def test_add_natural_days() -> None:
    assert add(at("2024-09-30 10:00"), 3, "days") == Due(at=eod("2024-10-03"), provisional=False)
    assert add(at("2024-02-28 23:30"), 1, "days").at == eod("2024-02-29")
    assert add(at("2024-12-25 08:00"), 10, "days").at == eod("2025-01-04")
    # natural days do not depend on any notice: never provisional, even in an unpublished year
    assert add(at("2026-12-20 08:00"), 30, "days") == Due(at=eod("2027-01-19"), provisional=False)


def test_add_hours_is_elapsed_time() -> None:
    assert add(at("2024-09-30 10:00"), 36, "hours") == Due(at=at("2024-10-01 22:00"), provisional=False)
    assert add(at("2024-09-30 10:00"), 0, "hours").at == at("2024-09-30 10:00")
    # across New York's DST change (2024-03-10): 24 elapsed hours, not the same wall-clock time
    start = datetime(2024, 3, 9, 12, 0, tzinfo=NEW_YORK)
    assert add(start, 24, "hours").at == datetime(2024, 3, 10, 17, 0, tzinfo=UTC)
    assert add(at("2026-12-31 20:00"), 48, "hours") == Due(at=at("2027-01-02 20:00"), provisional=False)


def test_add_amount_zero_is_end_of_start_date() -> None:
    assert add(at("2024-09-30 10:00"), 0, "days").at == eod("2024-09-30")
    assert add(at("2024-09-30 10:00"), 0, "working_days") == Due(at=eod("2024-09-30"), provisional=False)
    # even when the start date itself is not a working day
    assert add(at("2024-02-03 10:00"), 0, "working_days").at == eod("2024-02-03")
    assert add(at("2027-01-01 10:00"), 0, "working_days") == Due(at=eod("2027-01-01"), provisional=False)


def test_add_rejects_bad_input() -> None:
    with pytest.raises(ValidationFailed) as exc:
        add(at("2024-09-30 10:00"), 1, "weeks")
    assert exc.value.code == "invalid_unit"
    assert exc.value.status == 422
    with pytest.raises(ValidationFailed) as exc:
        add(at("2024-09-30 10:00"), -1, "working_days")
    assert exc.value.code == "invalid_amount"
    for bad in (1.5, "3", True, 10**9):
        with pytest.raises(ValidationFailed) as exc:
            add(at("2024-09-30 10:00"), bad, "days")  # type: ignore[arg-type]
        assert exc.value.code == "invalid_amount"
    with pytest.raises(ValueError, match="aware"):
        add(datetime(2024, 9, 30, 10, 0), 1, "working_days")
    with pytest.raises(ValueError, match="aware"):
        add(d("2024-09-30"), 1, "working_days")  # type: ignore[arg-type]


def test_add_accepts_text_choices_units() -> None:
    from django.db import models

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", "工作日"

    assert add(at("2024-09-30 10:00"), 1, Unit.WORKING_DAYS).at == eod("2024-10-08")


# --------------------------------------------------------------------------------------------
# Unpublished years: the provisional fallback


def test_december_deadline_reaching_into_unpublished_year_is_provisional() -> None:
    # 2026-12-20 is a Sunday. Dec 21–25 (1–5), Dec 28–31 (6–9); 2027: Fri Jan 1 元旦 is skipped by
    # the fallback, Jan 4–8 (10–14), Mon Jan 11 (15).
    assert add(at("2026-12-20 09:00"), 15, "working_days") == Due(at=eod("2027-01-11"), provisional=True)
    # a deadline that stays in 2026 is not provisional
    assert add(at("2026-12-20 09:00"), 9, "working_days") == Due(at=eod("2026-12-31"), provisional=False)
    # the first day looked at in 2027 makes it provisional
    assert add(at("2026-12-20 09:00"), 10, "working_days") == Due(at=eod("2027-01-04"), provisional=True)


def test_far_future_fallback() -> None:
    # 2030-09-30 is a Monday; Oct 1–3 (Tue–Thu) are the fixed-date 国庆 days; Fri Oct 4
    assert add(at("2030-09-30 10:00"), 1, "working_days") == Due(at=eod("2030-10-04"), provisional=True)
    # 2030-04-30 Tuesday; May 1–2 (Wed, Thu) 劳动节; Fri May 3
    assert add(at("2030-04-30 10:00"), 1, "working_days") == Due(at=eod("2030-05-03"), provisional=True)


def test_working_days_between() -> None:
    assert working_days_between(d("2024-09-30"), d("2024-10-08")) == 1
    assert working_days_between(d("2024-02-02"), d("2024-02-06")) == 3
    assert working_days_between(d("2024-02-02"), d("2024-02-02")) == 0
    assert working_days_between(d("2024-10-08"), d("2024-09-30")) == -1
    assert working_days_between(d("2023-12-31"), d("2024-12-31")) == 251
    assert working_days_between(d("2024-12-31"), d("2025-12-31")) == 248
    assert working_days_between(d("2025-12-31"), d("2026-12-31")) == 248
    # 2027 by the fallback: 261 Monday–Fridays minus Jan 1 (Fri) and Oct 1 (Fri)
    assert working_days_between(d("2026-12-31"), d("2027-12-31")) == 259
    assert working_days_between(d("2026-12-20"), d("2027-01-11")) == 15


@given(
    a=st.dates(min_value=date(2003, 6, 1), max_value=date(2028, 6, 30)),
    length=st.integers(min_value=0, max_value=400),
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_working_days_between_matches_day_by_day_count(a: date, length: int) -> None:
    b = a + timedelta(days=length)
    expected = sum(is_workday(a + timedelta(days=i)) for i in range(1, length + 1))
    assert working_days_between(a, b) == expected
    assert working_days_between(b, a) == -expected


@given(
    start=st.datetimes(
        min_value=datetime(2024, 1, 1),
        max_value=datetime(2026, 12, 31, 23, 59, 59),
        timezones=st.sampled_from([SH, UTC, NEW_YORK, ZoneInfo("Asia/Tokyo")]),
    ),
    n=st.integers(min_value=0, max_value=30),
)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_working_days_property(start: datetime, n: int) -> None:
    due = add(start, n, "working_days")
    local = due.at.astimezone(SH)
    assert due.at >= start
    assert local.time() == time(23, 59, 59)
    start_date = start.astimezone(SH).date()
    if n == 0:
        assert local.date() == start_date
    else:
        assert is_workday(local.date())
    assert working_days_between(start_date, local.date()) == n
    assert due.provisional is (n > 0 and local.date().year >= 2027)


# --------------------------------------------------------------------------------------------
# The in-memory table


def test_no_queries_per_call(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    add(at("2024-09-30 10:00"), 1, "working_days")  # loads the table
    with django_assert_num_queries(0):
        for i in range(2000):
            add(at("2024-01-01 10:00") + timedelta(days=i % 1000), 15, "working_days")
            is_workday(d("2026-02-14"))
            working_days_between(d("2024-01-01"), d("2026-12-31"))


def test_editing_a_day_changes_add() -> None:
    start = at("2024-09-30 10:00")
    assert add(start, 1, "working_days").at == eod("2024-10-08")

    extra = CalendarDay.objects.create(date=d("2024-10-08"), kind="holiday", name="测试")
    assert extra.year == 2024
    assert add(start, 1, "working_days").at == eod("2024-10-09")

    extra.date = d("2024-10-09")
    extra.save()
    assert add(start, 1, "working_days").at == eod("2024-10-08")
    assert add(start, 2, "working_days").at == eod("2024-10-10")

    extra.delete()
    assert add(start, 2, "working_days").at == eod("2024-10-09")

    CalendarDay.objects.get(date=d("2024-10-07")).delete()  # a Monday becomes a working day
    assert add(start, 1, "working_days").at == eod("2024-10-07")


def test_unpublishing_a_year_makes_it_provisional() -> None:
    start = at("2024-09-30 10:00")
    year = CalendarYear.objects.get(year=2024)
    year.published = False
    year.save()
    # fallback: Oct 1–3 (Tue–Thu) off, Fri Oct 4
    assert add(start, 1, "working_days") == Due(at=eod("2024-10-04"), provisional=True)
    year.published = True
    year.save()
    assert add(start, 1, "working_days") == Due(at=eod("2024-10-08"), provisional=False)


def test_rolled_back_edit_is_forgotten() -> None:
    start = at("2024-09-30 10:00")
    assert add(start, 1, "working_days").at == eod("2024-10-08")

    with transaction.atomic():
        CalendarDay.objects.create(date=d("2024-10-08"), kind="holiday", name="测试")
        assert add(start, 1, "working_days").at == eod("2024-10-09")  # read inside the transaction
        transaction.set_rollback(True)
    assert add(start, 1, "working_days").at == eod("2024-10-08")

    # a change made in an inner block that was released belongs to the outer one
    with transaction.atomic():
        with transaction.atomic():
            CalendarDay.objects.update_or_create(
                date=d("2024-10-08"), defaults={"kind": "holiday", "name": "x"}
            )
            assert add(start, 1, "working_days").at == eod("2024-10-09")
        assert add(start, 1, "working_days").at == eod("2024-10-09")
        transaction.set_rollback(True)
    assert add(start, 1, "working_days").at == eod("2024-10-08")


def test_bulk_update_needs_reload() -> None:
    start = at("2024-09-30 10:00")
    assert add(start, 1, "working_days").at == eod("2024-10-08")
    CalendarYear.objects.filter(year=2024).update(published=False)  # no signals
    calendar.reload()
    assert add(start, 1, "working_days") == Due(at=eod("2024-10-04"), provisional=True)


# --------------------------------------------------------------------------------------------
# `zhizhi calendar`

NOTICE_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-02-05,holiday,春节
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-13,holiday,春节
2027-02-14,workday,春节
2027-02-20,workday,春节
"""


@pytest.fixture
def fake_recompute(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Stand in for zhizhi.cases.sla so the import's recompute hook is exercised in isolation."""
    calls: list[int] = []
    module = types.ModuleType("zhizhi.cases.sla")

    def recompute_provisional() -> int:
        calls.append(1)
        return 7

    module.recompute_provisional = recompute_provisional  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "zhizhi.cases.sla", module)
    return calls


def test_import_with_bad_rows_writes_nothing(tmp_path: Path, fake_recompute: list[int]) -> None:
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(
        "date,kind,name\n"
        "2027-01-01,holiday,元旦\n"  # row 2: fine
        "2027-02-30,holiday,春节\n"  # row 3: no such date
        "2027-02-06,vacation,春节\n"  # row 4: unknown kind
        "2027-02-08,workday,春节\n"  # row 5: a Monday cannot be an adjusted working day
        "2027-01-01,holiday,元旦\n"  # row 6: duplicate of row 2
        "2027-02-07,holiday,\n"  # row 7: no name
        "2027-02-09\n",  # row 8: too few columns
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as exc:
        call_command("calendar", "import", str(csv_file))
    assert exc.value.returncode == 2
    assert str(exc.value).splitlines() == [
        "row 3: invalid date '2027-02-30' (expected YYYY-MM-DD)",
        "row 4: invalid kind 'vacation' (expected holiday or workday)",
        "row 5: 2027-02-08 is a 周一; an adjusted working day (workday) must be a Saturday or Sunday",
        "row 6: duplicate date 2027-01-01 (also row 2)",
        "row 7: name is empty",
        "row 8: expected columns date,kind,name, got 1 column(s)",
    ]
    assert not CalendarDay.objects.filter(year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert fake_recompute == []
    assert add(at("2026-12-20 09:00"), 15, "working_days").provisional is True


def test_import_publishes_the_year(
    tmp_path: Path, fake_recompute: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    start = at("2027-02-04 10:00")  # Thursday
    # before: fallback; Fri Feb 5 (1), Mon Feb 8 (2)
    assert add(start, 2, "working_days") == Due(at=eod("2027-02-08"), provisional=True)
    assert add(at("2026-12-20 09:00"), 15, "working_days") == Due(at=eod("2027-01-11"), provisional=True)

    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(NOTICE_2027, encoding="utf-8-sig")  # with a BOM, as Excel writes it
    call_command("calendar", "import", str(csv_file), "--source", "国办发明电〔2026〕N号")
    out = capsys.readouterr().out
    assert "imported 14 row(s) (14 new, 0 updated); published: 2027" in out
    assert "recomputed 7 open case deadline(s) that were provisional" in out
    assert fake_recompute == [1]

    year = CalendarYear.objects.get(year=2027)
    assert (year.published, year.source) == (True, "国办发明电〔2026〕N号")
    assert CalendarDay.objects.filter(year=2027).count() == 14
    # after: Feb 5–13 off, Sun Feb 14 works (1), Mon Feb 15 (2)
    assert add(start, 2, "working_days") == Due(at=eod("2027-02-15"), provisional=False)
    # Dec 21–25, 28–31 (9), Jan 1–3 off, Jan 4–8 (14), Jan 11 (15): same day, no longer provisional
    assert add(at("2026-12-20 09:00"), 15, "working_days") == Due(at=eod("2027-01-11"), provisional=False)
    assert day_info(d("2027-02-20")) == (True, False, "春节")
    assert day_info(d("2027-10-01")) == (True, False, "")  # published without a National Day entry


def test_import_updates_and_replaces(tmp_path: Path, fake_recompute: list[int]) -> None:
    first = tmp_path / "a.csv"
    first.write_text(NOTICE_2027, encoding="utf-8")
    call_command("calendar", "import", str(first))
    assert CalendarYear.objects.get(year=2027).source == "import a.csv"

    second = tmp_path / "b.csv"  # no header, Chinese kinds, a correction
    second.write_text("2027-02-14,班,春节调休\n2027-02-21,休,测试\n", encoding="utf-8")
    call_command("calendar", "import", str(second), "--replace")
    assert list(CalendarDay.objects.filter(year=2027).values_list("date", "kind", "name")) == [
        (d("2027-02-14"), "workday", "春节调休"),
        (d("2027-02-21"), "holiday", "测试"),
    ]


def test_show(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("calendar", "show", "2024")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2024: published — chinesecalendar 1.11.0"
    assert "  2024-02-12 周一 春节" in out
    assert "  2024-02-04 周日 春节" in out
    assert "  2024-10-12 周六 国庆节" in out
    assert out[-1] == "working days: 251"

    call_command("calendar", "show", "2027")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2027: no published notice")
    assert "  2027-01-01 周五 元旦（固定日期）" in out
    assert out[-1] == "working days: 259 (provisional)"


def test_add_command(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("calendar", "add", "2024-09-30T10:00+08:00", "1", "working_days")
    assert capsys.readouterr().out == "2024-10-08 23:59:59 Asia/Shanghai (周二)\n"
    call_command("calendar", "add", "2026-12-20 09:00", "15", "working_days")
    assert capsys.readouterr().out == "2027-01-11 23:59:59 Asia/Shanghai (周一) provisional\n"
    call_command("calendar", "add", "2024-09-30 10:00", "36", "hours")
    assert capsys.readouterr().out == "2024-10-01 22:00:00 Asia/Shanghai (周二)\n"
    with pytest.raises(CommandError) as exc:
        call_command("calendar", "add", "2024-09-30 10:00", "-1", "days")
    assert exc.value.returncode == 2
    assert str(exc.value).startswith("invalid_amount:")
    with pytest.raises(CommandError) as exc:
        call_command("calendar", "add", "yesterday", "1", "days")
    assert exc.value.returncode == 2


# --------------------------------------------------------------------------------------------
# Admin


def test_admin_pages(admin_client: Client) -> None:
    response = admin_client.get("/admin/core/calendaryear/")
    assert response.status_code == 200
    assert "chinesecalendar 1.11.0" in response.content.decode()
    response = admin_client.get("/admin/core/calendarday/", {"q": "春节", "year": "2025"})
    assert response.status_code == 200
    # 2025 春节: Jan 28–Feb 4 off (8) and Sun Jan 26, Sat Feb 8 working (2)
    assert response.context["cl"].result_count == 10
    day = CalendarDay.objects.get(date=d("2025-01-26"))
    assert admin_client.get(f"/admin/core/calendarday/{day.pk}/change/").status_code == 200
    # an adjusted working day on a Monday is refused
    response = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2027-02-08", "kind": "workday", "name": "春节"}
    )
    assert response.status_code == 200
    assert "调休上班日必须是周六或周日" in response.content.decode()
    response = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2027-02-06", "kind": "workday", "name": "春节"}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=d("2027-02-06")).year == 2027


def test_admin_publish_action(admin_client: Client) -> None:
    year = CalendarYear.objects.create(year=2027, published=False)
    assert add(at("2026-12-20 09:00"), 15, "working_days").provisional is True
    response = admin_client.post(
        "/admin/core/calendaryear/", {"action": "publish", "_selected_action": [year.pk]}, follow=True
    )
    assert response.status_code == 200
    assert CalendarYear.objects.get(year=2027).published is True
    # published with no rows: Monday–Friday only (Jan 1 is no longer assumed off)
    assert add(at("2026-12-20 09:00"), 15, "working_days") == Due(at=eod("2027-01-08"), provisional=False)
