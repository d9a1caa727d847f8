"""The filter every domain's figures take: a region subtree, a period of local dates (both ends
included) and the moment they are measured at. Petitions, mediation and the hotline count with it;
`period_q` is the period as a condition on one datetime field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed
from zhizhi.territory.models import Region


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=calendar.TZ)


def days(
    *, year: int | None, start: date | None, end: date | None, as_of: datetime | None
) -> tuple[date | None, date | None]:
    """A figure period's first and last day: the explicit days, else the year's; refused (422) when
    a year or a day lies outside the calendar's supported range or the period runs backwards."""
    if year is not None:
        calendar.supported_year(year)
        start, end = start or date(year, 1, 1), end or date(year, 12, 31)
    calendar.supported(start, "start")
    calendar.supported(end, "end")
    calendar.supported(as_of.date() if as_of else None, "as_of")
    if start and end and start > end:
        raise ValidationFailed("invalid_date_range", "开始日期不能晚于结束日期")
    return start, end


@dataclass(frozen=True)
class FigureFilter:
    region: Region | None = None
    start: date | None = None
    end: date | None = None
    as_of: datetime | None = None

    @classmethod
    def build(
        cls,
        *,
        region: str | None = None,
        year: int | None = None,
        start: date | None = None,
        end: date | None = None,
        as_of: datetime | None = None,
    ) -> FigureFilter:
        """From codes (the CLI, the web, the API); raises ValidationFailed on an unknown one."""
        the_region = None
        if region:
            the_region = Region.objects.defer("boundary").filter(code=region).first()
            if the_region is None:
                raise ValidationFailed("unknown_region", f"区域代码不存在：{region}")
        start, end = days(year=year, start=start, end=end, as_of=as_of)
        return cls(the_region, start, end, as_of)

    @property
    def since(self) -> datetime | None:
        return day_start(self.start) if self.start else None

    @property
    def until(self) -> datetime | None:
        """The first instant after the period."""
        return day_start(self.end + timedelta(days=1)) if self.end else None

    def moment(self) -> datetime:
        """`as_of`, or the end of the period, or now — whichever comes first of the last two."""
        if self.as_of is not None:
            return self.as_of
        now = timezone.now()
        return min(self.until - timedelta(microseconds=1), now) if self.until else now


def period_q(field: str, f: FigureFilter) -> Q:
    q = Q()
    if f.since is not None:
        q &= Q(**{f"{field}__gte": f.since})
    if f.until is not None:
        q &= Q(**{f"{field}__lt": f.until})
    return q
