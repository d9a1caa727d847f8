"""Deadlines on the Chinese working-day calendar.

The calendar is data (`CalendarYear`/`CalendarDay`, seeded from chinesecalendar and edited or
imported when the State Council publishes the next year's notice). It is read into memory once per
process and re-read when a row is saved or deleted (signal receivers below), when `reload()` is
called, or at the latest every `ZHIZHI_CALENDAR_REFRESH_SECONDS` (default 300; covers edits made
by another process).

For a year without a published notice a working day is Monday–Friday minus the fixed-date
statutory holidays (元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October — the lunar ones cannot be
placed); any deadline whose counting looked at such a day is `provisional`. Nothing here raises
because a date lies in an unpublished year.

All dates are local dates in Asia/Shanghai; a day-based deadline is 23:59:59 of its last day.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save

from zhizhi.core.errors import ValidationFailed

__all__ = [
    "FALLBACK_HOLIDAYS",
    "FIRST_DAY",
    "LAST_DAY",
    "TZ",
    "UNITS",
    "Due",
    "add",
    "day_info",
    "end_of_day",
    "invalidate",
    "is_published",
    "is_workday",
    "iter_workdays_after",
    "local_date",
    "reload",
    "supported",
    "supported_year",
    "working_days_between",
    "working_days_provisional",
]

TZ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
UNITS = ("days", "working_days", "hours")

# Fixed-date statutory holidays (全国年节及纪念日放假办法, as amended 2024, in force 2025-01-01):
# used only for years whose notice has not been entered.
FALLBACK_HOLIDAYS: dict[tuple[int, int], str] = {
    (1, 1): "元旦",
    (5, 1): "劳动节",
    (5, 2): "劳动节",
    (10, 1): "国庆节",
    (10, 2): "国庆节",
    (10, 3): "国庆节",
}

# Upper bounds on `amount`, so a typo cannot loop for minutes or overflow `date`.
MAX_AMOUNT = {"days": 36_600, "working_days": 25_000, "hours": 36_600 * 24}

_END_OF_DAY = dtime(23, 59, 59)


@dataclass(frozen=True)
class Due:
    at: datetime  # aware; 23:59:59 Asia/Shanghai for day units
    provisional: bool  # the counting touched a year whose holiday notice is not entered yet


# --------------------------------------------------------------------------------------------
# The in-memory table


@dataclass(frozen=True)
class _Table:
    published: frozenset[int]
    holidays: dict[date, str]  # published years only
    workdays: dict[date, str]  # published years only
    # For counting ranges with bisect: days off on Monday–Friday and working Saturdays/Sundays.
    off_weekdays: list[date] = field(default_factory=list)
    on_weekends: list[date] = field(default_factory=list)
    expires_at: float = 0.0  # time.monotonic()


_lock = threading.Lock()
_table: _Table | None = None
# Per thread: {db alias: the atomic blocks open when this thread changed the calendar without
# committing yet}. If those blocks are gone and no commit cleared the entry, they were rolled
# back, and a table read in between may hold the rolled-back rows: re-read it.
_local = threading.local()


def _load() -> _Table:
    from zhizhi.core.models import CalendarDay, CalendarYear, DayKind

    published = frozenset(CalendarYear.objects.filter(published=True).values_list("year", flat=True))
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for day, kind, name in CalendarDay.objects.values_list("date", "kind", "name"):
        if day.year not in published:
            continue
        if kind == DayKind.HOLIDAY:
            holidays[day] = name
        elif kind == DayKind.WORKDAY:
            workdays[day] = name
    refresh = float(getattr(settings, "ZHIZHI_CALENDAR_REFRESH_SECONDS", 300))
    return _Table(
        published=published,
        holidays=holidays,
        workdays=workdays,
        off_weekdays=sorted(d for d in holidays if d.weekday() < 5),
        on_weekends=sorted(d for d in workdays if d.weekday() >= 5),
        expires_at=time.monotonic() + refresh,
    )


def _common_prefix(a: Sequence[object], b: Sequence[object]) -> tuple[object, ...]:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x is not y:
            break
        n += 1
    return tuple(a[:n])


def _rolled_back() -> bool:
    """Whether a block holding an uncommitted calendar change of this thread has been left."""
    pending: dict[str, tuple[object, ...]] | None = getattr(_local, "pending", None)
    if not pending:
        return False
    left = False
    for alias, blocks in list(pending.items()):
        still_open = _common_prefix(blocks, connections[alias].atomic_blocks)
        if len(still_open) < len(blocks):
            left = True
            # the change now belongs to the enclosing blocks, which may still roll it back
            if still_open:
                pending[alias] = still_open
            else:
                del pending[alias]
    return left


def _get() -> _Table:
    table = _table
    if table is None or _rolled_back() or time.monotonic() > table.expires_at:
        table = reload()
    return table


def reload() -> _Table:
    """Re-read the calendar from the database now (and return the new in-memory table)."""
    global _table
    table = _load()
    with _lock:
        _table = table
    return table


def invalidate() -> None:
    """Forget the in-memory table; the next call re-reads it."""
    global _table
    with _lock:
        _table = None


def _on_calendar_change(*, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    # Clear now, so later reads in this transaction see the change; again after commit, since
    # other threads may have re-read the old rows in between; and remember the open transaction
    # so a rollback is noticed (see _rolled_back).
    invalidate()
    connection = connections[using]
    if connection.in_atomic_block:
        pending = getattr(_local, "pending", None) or {}
        # The current stack covers earlier changes too: blocks of theirs still open are its prefix.
        pending[using] = tuple(connection.atomic_blocks)
        _local.pending = pending
        transaction.on_commit(_committed, using=using)


def _committed() -> None:
    _local.pending = None
    invalidate()


for _signal in (post_save, post_delete):
    for _model in ("core.CalendarDay", "core.CalendarYear"):
        _signal.connect(
            _on_calendar_change,
            sender=_model,
            weak=False,
            dispatch_uid=f"calendar-cache-{_model}-{id(_signal)}",
        )


# --------------------------------------------------------------------------------------------
# Days


# The days a filter, a figure or a query may name. Each becomes an instant (its start in Beijing,
# the next day's start, 90 days on): the ends of Python's calendar, 0001-01-01 and 9999-12-31, do
# not survive that, and no record of this office lies outside these.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def supported(day: date | None, name: str) -> date | None:
    """`day` itself (or None); 422 `date_out_of_range` for a day outside FIRST_DAY…LAST_DAY."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationFailed(
            "date_out_of_range",
            f"{name} 超出可查询的日期范围（{FIRST_DAY} 至 {LAST_DAY}）：{day.isoformat()}",
            field=name,
        )
    return day


def supported_year(year: int) -> int:
    """`year` itself; 422 `invalid_year` for a year outside FIRST_DAY's…LAST_DAY's."""
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise ValidationFailed("invalid_year", f"年份不正确：{year}", field="year")
    return year


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware datetime."""
    return moment.astimezone(TZ).date()


def end_of_day(day: date) -> datetime:
    """23:59:59 Asia/Shanghai on `day`."""
    return datetime.combine(day, _END_OF_DAY, tzinfo=TZ)


def _is_workday(table: _Table, day: date) -> bool:
    if day.year in table.published:
        if day in table.workdays:
            return True
        return day.weekday() < 5 and day not in table.holidays
    return day.weekday() < 5 and (day.month, day.day) not in FALLBACK_HOLIDAYS


def is_workday(d: date) -> bool:
    """Whether `d` is a working day (provisionally, for a year without a published notice)."""
    return _is_workday(_get(), _as_date(d))


def day_info(d: date) -> tuple[bool, bool, str]:
    """(is_workday, provisional, name): name is the holiday's (or the adjusted day's) name, or ""."""
    table = _get()
    d = _as_date(d)
    if d.year in table.published:
        if d in table.workdays:
            return True, False, table.workdays[d]
        if d in table.holidays:
            return False, False, table.holidays[d]
        return d.weekday() < 5, False, ""
    name = FALLBACK_HOLIDAYS.get((d.month, d.day), "")
    return d.weekday() < 5 and not name, True, name


def is_published(year: int) -> bool:
    return year in _get().published


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        if d.tzinfo is None:
            raise ValueError("naive datetime; pass a date or an aware datetime")
        return local_date(d)
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return d


def _weekdays_through(day: date) -> int:
    """Number of Monday–Fridays from 0001-01-01 (a Monday) through `day`."""
    n = day.toordinal()
    return (n // 7) * 5 + min(n % 7, 5)


def _count_in(sorted_days: list[date], a: date, b: date) -> int:
    return bisect_right(sorted_days, b) - bisect_right(sorted_days, a)


def working_days_between(a: date, b: date) -> int:
    """Working days in (a, b]; negative (minus those in (b, a]) when b < a. O(log n + years)."""
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -working_days_between(b, a)
    table = _get()
    count = _weekdays_through(b) - _weekdays_through(a)
    # Published years: the table's off-weekdays and working weekends only hold published years.
    count += _count_in(table.on_weekends, a, b) - _count_in(table.off_weekdays, a, b)
    # Unpublished years: the fixed-date holidays that fall on Monday–Friday.
    for year in range(a.year, b.year + 1):
        if year in table.published:
            continue
        for month, day in FALLBACK_HOLIDAYS:
            holiday = date(year, month, day)
            if a < holiday <= b and holiday.weekday() < 5:
                count -= 1
    return count


def working_days_provisional(a: date, b: date) -> bool:
    """Whether the range between a and b (exclusive of the earlier) touches an unpublished year."""
    a, b = _as_date(a), _as_date(b)
    if b < a:
        a, b = b, a
    if a == b:
        return False
    published = _get().published
    return any(year not in published for year in range((a + timedelta(days=1)).year, b.year + 1))


def iter_workdays_after(start: date) -> Iterator[date]:
    """Working days after `start`, in order (unbounded; the table is read once)."""
    table = _get()
    day = _as_date(start)
    one = timedelta(days=1)
    while True:
        day += one
        if _is_workday(table, day):
            yield day


# --------------------------------------------------------------------------------------------
# Deadlines


def _validate(start: datetime, amount: int, unit: str) -> None:
    if not isinstance(start, datetime):
        raise ValueError(f"start must be an aware datetime, got {type(start).__name__}")
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be an aware datetime")
    if unit not in UNITS:
        raise ValidationFailed(
            "invalid_unit",
            f"未知的期限单位：{unit!r}（可选：{', '.join(UNITS)}）",
            unit=unit,
            units=list(UNITS),
        )
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed("invalid_amount", f"期限数值必须是整数：{amount!r}", amount=repr(amount))
    if amount < 0:
        raise ValidationFailed("invalid_amount", f"期限数值不能为负数：{amount}", amount=_echo(amount))
    if amount > MAX_AMOUNT[unit]:
        raise ValidationFailed(
            "invalid_amount",
            f"期限数值过大：{amount}（上限 {MAX_AMOUNT[unit]}）",
            amount=_echo(amount),
            maximum=MAX_AMOUNT[unit],
        )


def _echo(amount: int) -> int | str:
    """The amount as an error's details repeat it: a number JSON readers hold (64 bits), else its
    digits (a 20-digit amount made the refusal itself fail to render)."""
    return amount if -(2**63) <= amount < 2**63 else str(amount)


def add(start: datetime, amount: int, unit: str) -> Due:
    """The deadline `amount` `unit`s after `start`.

    - "hours": start + amount hours (elapsed time).
    - "days": 23:59:59 Asia/Shanghai of start's local date + amount natural days.
    - "working_days": 23:59:59 Asia/Shanghai of the amount-th working day after start's local date.
    amount 0 (days, working_days) is the end of start's own local date.
    Only "working_days" can be provisional.
    """
    _validate(start, amount, unit)
    try:
        return _add(start, amount, unit)
    except OverflowError:
        raise ValidationFailed(
            "invalid_amount", f"期限超出可表示的日期范围：{amount} {unit}", amount=amount
        ) from None


def _add(start: datetime, amount: int, unit: str) -> Due:
    if unit == "hours":
        return Due(at=(start.astimezone(UTC) + timedelta(hours=amount)).astimezone(TZ), provisional=False)
    day = local_date(start)
    if unit == "days" or amount == 0:
        return Due(at=end_of_day(day + timedelta(days=amount)), provisional=False)

    table = _get()
    published = table.published
    holidays = table.holidays
    workdays = table.workdays
    one = timedelta(days=1)
    provisional = False
    remaining = amount
    while remaining:
        day += one
        if day.year in published:
            working = day in workdays or (day.weekday() < 5 and day not in holidays)
        else:
            provisional = True
            working = day.weekday() < 5 and (day.month, day.day) not in FALLBACK_HOLIDAYS
        if working:
            remaining -= 1
    return Due(at=end_of_day(day), provisional=provisional)
