"""Public reads of the Open311 interface: which services exist, which cases anyone may list.

There is no user here: GET endpoints are anonymous. The public set of cases is decided in one
place, `public_cases()`: event cases whose category accepts public reports, and the requests sent
through this interface. What of a case is shown is decided in `present` (no personal data, address
cut to the street, rounded point).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from zhizhi.cases.models import DONE_STATUSES, OPEN_STATUSES, Case, CaseEvent, Category, SlaPolicy, Status
from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed
from zhizhi.core.inputs import MAX_PAGE  # (`page` is an extension of the specification)
from zhizhi.open311.models import Open311Request, ServiceAttribute, ServiceListChange
from zhizhi.territory.models import Level, Region

PUBLIC_CASE_TYPES = ("event",)
WINDOW = timedelta(days=90)  # GeoReport v2: "the range defaults to most recent 90 days"
MAX_REQUESTS = 1000  # "... or first 1000 requests returned, whichever is smallest"
CLOSED_STATUSES = frozenset({*DONE_STATUSES, Status.MERGED})
OPEN311_STATUS: dict[str, str] = {
    **{s: "open" for s in OPEN_STATUSES},
    **{s: "closed" for s in CLOSED_STATUSES},
}


def last_service_change() -> datetime | None:
    """When a category (public or not, its name), an SLA policy (the time limit a description
    states), a village or the town (the `region` attribute's values) or an extra question last
    changed, or any of them was deleted, or a department or request nature (whose names services
    also show) was saved (`ServiceListChange`); None for none at all."""
    stamps = [
        ServiceListChange.objects.aggregate(last=Max("at"))["last"],
        ServiceAttribute.objects.aggregate(last=Max("updated_at"))["last"],
        Category.objects.aggregate(last=Max("updated_at"))["last"],
        SlaPolicy.objects.aggregate(last=Max("updated_at"))["last"],
        Region.objects.filter(level__in=(Level.TOWN, Level.VILLAGE)).aggregate(last=Max("updated_at"))[
            "last"
        ],
    ]
    return max((s for s in stamps if s is not None), default=None)


def public_services() -> QuerySet[Category]:
    """Active subclasses that accept public reports, in taxonomy order."""
    return (
        Category.objects.filter(
            is_active=True, accepts_public_reports=True, parent__isnull=False, parent__is_active=True
        )
        .select_related("parent", "department")
        .order_by("parent__sort", "parent__code", "sort", "code")
    )


def public_service(code: str) -> Category | None:
    return public_services().filter(code=code).first()


def public_cases() -> QuerySet[Case]:
    """Event cases whose category accepts public reports, and every request sent through this
    interface whatever its category has become since: a client that posted a report follows it by
    its id (FixMyStreet asks for its reports' statuses in batches), and a category closed to public
    reports afterwards must not make them vanish (404) from under it. New reports to such a
    category are refused (`public_service`)."""
    last_event = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    return (
        Case.objects.filter(case_type__in=PUBLIC_CASE_TYPES, category__parent__isnull=False)
        .filter(Q(category__accepts_public_reports=True) | Q(pk__in=Open311Request.objects.values("case_id")))
        .select_related("category", "category__department", "department", "open311")
        .annotate(last_event_at=Subquery(last_event))
        .order_by("-received_at", "-id")
    )


@dataclass
class RequestQuery:
    ids: list[int] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] = field(default_factory=list)
    page: int = 1
    page_size: int = MAX_REQUESTS


_ID = re.compile(r"[0-9]{1,18}")
_LOST_PLUS = re.compile(r"(:\d{2}(?:\.\d+)?) (\d{2}:?\d{2})$")
_CODE = re.compile(r"[-a-zA-Z0-9_]{1,60}")  # a category code (slug)


def is_id(value: str) -> bool:
    """A case id as the URL or a filter may carry it (ASCII digits that fit a bigint)."""
    return bool(_ID.fullmatch(value))


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


def parse_datetime(value: str, name: str, *, end: bool = False) -> datetime:
    """A w3c datetime with its offset ("2024-03-04T09:00:00+08:00", "...Z"); a bare date is a whole
    local day (start_date: from its first instant; end_date: to its last)."""
    # An unencoded "+08:00" in a query string arrives as " 08:00": put the plus back.
    text = _LOST_PLUS.sub(r"\1+\2", value.strip())
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = time.max if end else time.min
            parsed = timezone.make_aware(datetime.combine(day, moment), timezone.get_default_timezone())
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            "invalid_date", f"{name} 须为 ISO 8601 日期时间，如 2024-03-04T09:00:00+08:00", field=name
        ) from None
    if parsed.tzinfo is None:
        raise ValidationFailed("invalid_date", f"{name} 须带时区（Z 或 +08:00）", field=name)
    calendar.supported(parsed.date(), name)
    return parsed


def _positive(value: str | None, name: str, default: int, maximum: int | None = None) -> int:
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValidationFailed("invalid_field", f"{name} 须为正整数", field=name) from None
    if number < 1 or (maximum is not None and number > maximum):
        bound = f" 1 到 {maximum} 之间的整数" if maximum else "正整数"
        raise ValidationFailed("invalid_field", f"{name} 须为{bound}", field=name)
    return number


def parse_query(params: Mapping[str, str], *, now: datetime) -> RequestQuery:
    q = RequestQuery(
        page=_positive(params.get("page"), "page", 1, MAX_PAGE),
        page_size=_positive(params.get("page_size"), "page_size", MAX_REQUESTS, MAX_REQUESTS),
    )
    ids = _split(params.get("service_request_id"))
    if ids:
        if not all(is_id(i) for i in ids):
            raise ValidationFailed("invalid_field", "service_request_id 须为逗号分隔的编号")
        q.ids = list(dict.fromkeys(int(i) for i in ids))
        return q  # "This overrides all other arguments."
    # A code that names no public service (unknown, or closed to public reports since a client
    # cached the list) matches no request: the spec lists no error for it, and a client still
    # polling it gets an empty list rather than a failure. Only text that cannot be a code at all
    # (a NUL, a slash) is refused.
    q.service_codes = list(dict.fromkeys(_split(params.get("service_code"))))
    malformed = [c for c in q.service_codes if not _CODE.fullmatch(c)]
    if malformed:
        raise ValidationFailed("invalid_field", "service_code 只能由字母、数字、- 和 _ 组成")
    q.statuses = _split(params.get("status"))
    bad = [s for s in q.statuses if s not in ("open", "closed")]
    if bad:
        raise ValidationFailed("invalid_status", f"status 只能是 open 或 closed：{', '.join(bad)}")
    start_raw, end_raw = params.get("start_date", "").strip(), params.get("end_date", "").strip()
    start = parse_datetime(start_raw, "start_date") if start_raw else None
    end = parse_datetime(end_raw, "end_date", end=True) if end_raw else None
    if start and end:
        if start > end:
            raise ValidationFailed("invalid_date_range", "start_date 不能晚于 end_date")
        # A bare end date reaches to the end of its day: the 90 days are counted in whole days.
        limit = WINDOW + (timedelta(days=1) if len(end_raw) == 10 else timedelta(0))
        if end - start > limit:
            raise ValidationFailed("invalid_date_range", "start_date 到 end_date 不能超过 90 天")
    elif start:
        end = start + WINDOW
    elif end:
        start = end - WINDOW
    else:
        start, end = now - WINDOW, now
    q.start, q.end = start, end
    return q


def search(q: RequestQuery) -> tuple[list[Case], int]:
    """One page of public cases and the number of matches."""
    qs = public_cases()
    if q.ids:
        qs = qs.filter(pk__in=q.ids)
    else:
        if q.service_codes:
            qs = qs.filter(category__code__in=q.service_codes)
        if q.statuses:
            wanted = Q(pk__in=[])
            if "open" in q.statuses:
                wanted |= Q(status__in=OPEN_STATUSES)
            if "closed" in q.statuses:
                wanted |= Q(status__in=CLOSED_STATUSES)
            qs = qs.filter(wanted)
        if q.start:
            qs = qs.filter(received_at__gte=q.start)
        if q.end:
            qs = qs.filter(received_at__lte=q.end)
    total = qs.count()
    offset = (q.page - 1) * q.page_size
    return list(qs[offset : offset + q.page_size]), total


def public_case(pk: int) -> Case | None:
    return public_cases().filter(pk=pk).first()
