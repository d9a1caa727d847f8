"""Office hours and working days for the demo's domain timelines (petitions, mediation): every
moment is generated from a seeded `random.Random`, never read from the clock."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from zhizhi.core import calendar


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=calendar.TZ)


def office(day: date, rng: random.Random, start: int = 8, end: int = 17) -> datetime:
    """A moment of office hours on `day` (from `start` to `end` o'clock)."""
    return at(day, rng.randint(start, end - 1), rng.randrange(0, 60))


def workday(day: date, latest: date | None = None) -> date:
    """`day`, or the next working day after it, but never later than `latest`."""
    d = day
    while not calendar.is_workday(d):
        d += timedelta(days=1)
    return min(d, latest) if latest is not None else d


def spread(rng: random.Random, n: int, first: date, last: date) -> list[date]:
    """`n` working days spread evenly over [first, last], jittered, in order."""
    span = (last - first).days
    days = []
    for i in range(n):
        centre = first + timedelta(days=round((i + 0.5) * span / max(n, 1)))
        jitter = timedelta(days=rng.randint(-3, 3))
        days.append(workday(min(max(centre + jitter, first), last), last))
    return sorted(days)


def later(moment: datetime, rng: random.Random, lo: int, hi: int, *, cap: date | None = None) -> datetime:
    """Office hours on a working day `lo`–`hi` days after `moment`'s date (not after `cap`), and
    after `moment` itself."""
    start = calendar.local_date(moment)
    day = workday(start + timedelta(days=rng.randint(lo, hi)))
    if cap is not None and day > cap:
        day = cap
    when = office(day, rng)
    if when <= moment:
        when = moment + timedelta(minutes=rng.randint(20, 90))
    return when
