"""Case reads: the filters every list uses (API, web, exports, drill-downs), always on top of scope."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases import search, types
from zhizhi.cases.models import Case, Category, Channel
from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed
from zhizhi.territory.models import Region


@dataclass
class CaseFilter:
    case_type: str | None = None
    status: str | None = None  # comma list
    category: str | None = None  # a subclass, or a class (all its subclasses)
    region: str | None = None  # region code: its whole subtree
    channel: str | None = None
    department: str | None = None
    overdue: bool | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str | None = None
    assignee: str | None = None
    # Narrow `q` through the character-pair index (PostgreSQL). Off for a word found in more rows than
    # a list counts: its newest matches come sooner by walking the cases newest first (search.py).
    q_narrow: bool = True


def search_text(f: CaseFilter) -> str:
    """The text `q` searches for: trimmed, at most 100 characters ("" for no search)."""
    return (f.q or "").strip()[:100]


def open_overdue_q(now: datetime) -> Q:
    """Open, the clock running (not paused), and past due — in any registered workflow."""
    return Q(status__in=sorted(types.running_states()), due_at__lt=now)


def _local_day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min), timezone.get_default_timezone())


def case_q(f: CaseFilter, *, now: datetime) -> Q:
    """Every condition of `f` but its text search, as one condition on a case row (raises
    ValidationFailed on an unknown value)."""
    q = Q()
    if f.case_type:
        q &= Q(case_type=f.case_type)
    if f.status:
        statuses = [s.strip() for s in f.status.split(",") if s.strip()]
        known = types.all_states()
        bad = [s for s in statuses if s not in known]
        if bad:
            raise ValidationFailed("invalid_status", f"未知的状态：{', '.join(bad)}")
        q &= Q(status__in=statuses)
    if f.channel:
        if f.channel not in Channel.values:
            raise ValidationFailed("invalid_channel", f"未知的来源渠道：{f.channel}")
        q &= Q(channel=f.channel)
    if f.category:
        cat = Category.objects.filter(code=f.category).first()
        if cat is None:
            raise ValidationFailed("unknown_category", f"未知的分类：{f.category}")
        q &= Q(category=cat) if cat.parent_id else Q(category__parent=cat)
    if f.region:
        region = Region.objects.filter(code=f.region).first()
        if region is None:
            raise ValidationFailed("unknown_region", f"区域代码不存在：{f.region}")
        q &= Q(region_path__startswith=region.path)
    if f.department:
        q &= Q(department__code=f.department)
    if f.assignee:
        q &= Q(assignee__username=f.assignee)
    if f.overdue is not None:
        q &= _flag(f.overdue, open_overdue_q(now))
    calendar.supported(f.received_from, "received_from")
    calendar.supported(f.received_to, "received_to")
    if f.received_from and f.received_to and f.received_from > f.received_to:
        raise ValidationFailed("invalid_date_range", "开始日期不能晚于结束日期")
    if f.received_from:
        q &= Q(received_at__gte=_local_day_start(f.received_from))
    if f.received_to:
        q &= Q(received_at__lt=_local_day_start(f.received_to + timedelta(days=1)))
    return q


def _searched(qs: QuerySet[Case], f: CaseFilter) -> QuerySet[Case]:
    """`qs` narrowed to the cases holding the filter's text (`q`), if it has one."""
    text = search_text(f)
    if not text:
        return qs
    if text.isascii() and text.isdigit():  # (str.isdigit also takes ² and other digits int() refuses)
        by_number = Q(title__contains=text) | Q(reporter_phone=text)
        return qs.filter(Q(pk=int(text)) | by_number if len(text) <= 18 else by_number)
    narrowing = search.narrowing(text) if f.q_narrow else None
    if narrowing is not None:
        qs = qs.filter(narrowing)
    return qs.filter(search.text_q(text))


def apply(qs: QuerySet[Case], f: CaseFilter, *, now: datetime | None = None) -> QuerySet[Case]:
    return _searched(qs.filter(case_q(f, now=now or timezone.now())), f)


def list_for(user: User, f: CaseFilter) -> QuerySet[Case]:
    """The user's visible cases, filtered, in a stable order (newest first, id breaks ties)."""
    return apply(scope.visible_cases(user), f).order_by("-received_at", "-id")


# --- The workbench's lists: more filters, sorting, and the counts its pages show -------------------
# The web case list, its Excel export and every dashboard drill-down read through `workbench_list`,
# so a KPI computed on `apply_workbench(...)` and the list it links to count the same rows.


@dataclass
class WorkbenchFilter(CaseFilter):
    open: bool | None = None  # status is one of the open states
    dispatched: bool | None = None  # has been dispatched at least once
    resolved: bool | None = None  # resolved_at is set (resolved or closed, and not reopened since)
    on_time: bool | None = None  # resolved, and by its due time
    visited: bool | None = None  # a return visit has been recorded
    visit_reached: bool | None = None  # the return visit reached the reporter
    satisfaction: str | None = None  # comma list of Satisfaction values
    supervised: bool | None = None  # 督办 at least once
    returned: bool | None = None  # 退单 at least once
    reopened: bool | None = None  # 重办 at least once
    due_soon: bool | None = None  # running, not yet overdue, due within ZHIZHI_DUE_SOON_HOURS
    phone: str | None = None  # the reporter's phone, exactly (normalised)
    created_by: str | None = None  # username of who registered it
    sort: str | None = None  # a key of SORTS


SORTS: dict[str, tuple[str, ...]] = {
    "-received": ("-received_at", "-id"),
    "received": ("received_at", "id"),
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "-resolved": ("-resolved_at", "-id"),
    "resolved": ("resolved_at", "id"),
    "id": ("id",),
    "-id": ("-id",),
    "status": ("status", "-received_at", "-id"),
    "urgency": ("_open_rank", "due_at", "id"),  # open cases first, the most overdue first
}
DEFAULT_SORT = "-received"


def due_soon_q(now: datetime) -> Q:
    from django.conf import settings

    soon = now + timedelta(hours=settings.ZHIZHI_DUE_SOON_HOURS)
    return Q(status__in=sorted(types.running_states()), due_at__gte=now, due_at__lt=soon)


def _flag(value: bool | None, q: Q) -> Q:
    """The condition of a yes/no filter: `q`, its negation, or nothing (None)."""
    if value is None:
        return Q()
    return q if value else ~q


def workbench_q(f: WorkbenchFilter, *, now: datetime) -> Q:
    """`case_q` plus the workbench's flags: every condition of `f` but its text search."""
    from zhizhi.cases.models import Satisfaction
    from zhizhi.core.personal import normalize_phone

    q = case_q(f, now=now)
    q &= _flag(f.open, Q(status__in=sorted(types.open_states())))
    q &= _flag(f.dispatched, Q(dispatched_at__isnull=False))
    q &= _flag(f.resolved, Q(resolved_at__isnull=False))
    q &= _flag(f.on_time, Q(resolved_at__isnull=False, resolved_on_time=True))
    q &= _flag(f.visited, Q(visited_at__isnull=False))
    q &= _flag(f.visit_reached, Q(visit_reached=True))
    q &= _flag(f.supervised, Q(supervision_count__gt=0))
    q &= _flag(f.returned, Q(return_count__gt=0))
    q &= _flag(f.reopened, Q(reopen_count__gt=0))
    q &= _flag(f.due_soon, due_soon_q(now))
    if f.satisfaction:
        levels = [s.strip() for s in f.satisfaction.split(",") if s.strip()]
        bad = [s for s in levels if s not in Satisfaction.values]
        if bad:
            raise ValidationFailed("invalid_satisfaction", f"未知的满意度：{', '.join(bad)}")
        q &= Q(satisfaction__in=levels)
    if f.phone:
        q &= Q(reporter_phone=normalize_phone(f.phone))
    if f.created_by:
        q &= Q(created_by__username=f.created_by)
    return q


def apply_workbench(qs: QuerySet[Case], f: WorkbenchFilter, *, now: datetime | None = None) -> QuerySet[Case]:
    """`apply` plus the workbench's flags. Raises ValidationFailed on an unknown value."""
    return _searched(qs.filter(workbench_q(f, now=now or timezone.now())), f)


# Fields that choose how a list is read or ordered, not which cases it holds.
_NOT_CONDITIONS = frozenset({"sort", "q_narrow"})


def count_each(
    qs: QuerySet[Case], filters: Sequence[WorkbenchFilter], *, now: datetime | None = None
) -> list[int]:
    """`[apply_workbench(qs, f, now=now).count() for f in filters]`, reading the rows once.

    What every filter asks alike (a region, a period) narrows the rows read, as a list's WHERE;
    each filter's own conditions are then counted in the same pass (`COUNT(*) FILTER (WHERE …)`).
    A dashboard's dozen KPI counts thus cost one scan of the period's cases instead of twelve
    (docs/benchmarks.md). A filter with a text search of its own is counted alone, through the
    pair index."""
    if not filters:
        return []
    now = now or timezone.now()
    first = filters[0]
    shared = {
        fld.name: getattr(first, fld.name)
        for fld in dataclasses.fields(WorkbenchFilter)
        if fld.name not in _NOT_CONDITIONS
        and all(getattr(f, fld.name) == getattr(first, fld.name) for f in filters)
    }
    rows = apply_workbench(qs, WorkbenchFilter(**shared), now=now).order_by()
    cleared: dict[str, Any] = dict.fromkeys(shared)  # left to the WHERE above
    own = [dataclasses.replace(f, **cleared) for f in filters]
    aggregates: dict[str, Count] = {}
    for i, f in enumerate(own):
        if not search_text(f):
            condition = workbench_q(f, now=now)
            aggregates[f"n{i}"] = Count("pk", filter=condition) if condition else Count("pk")
    counted = rows.aggregate(**aggregates) if aggregates else {}
    return [
        int(counted[f"n{i}"]) if f"n{i}" in counted else apply_workbench(rows, f, now=now).count()
        for i, f in enumerate(own)
    ]


def order_workbench(qs: QuerySet[Case], sort: str | None) -> QuerySet[Case]:
    from django.db import models as m

    key = sort or DEFAULT_SORT
    if key not in SORTS:
        raise ValidationFailed("invalid_sort", f"未知的排序：{key}")
    if key == "urgency":
        open_first = m.When(status__in=sorted(types.open_states()), then=m.Value(0))
        qs = qs.annotate(_open_rank=m.Case(open_first, default=m.Value(1), output_field=m.IntegerField()))
    return qs.order_by(*SORTS[key])


def workbench_list(user: User, f: WorkbenchFilter, *, now: datetime | None = None) -> QuerySet[Case]:
    """The user's visible cases under the workbench filter, in the filter's order."""
    return order_workbench(apply_workbench(scope.visible_cases(user), f, now=now), f.sort)


def status_counts(user: User) -> dict[str, int]:
    """How many of the user's visible cases are in each status of every registered workflow
    (zeros included)."""
    from django.db import models as m

    rows = dict(scope.visible_cases(user).order_by().values_list("status").annotate(n=m.Count("id")))
    return {s: rows.get(s, 0) for s in types.all_states()}


def open_counts_by_region(user: User) -> dict[int, int]:
    """Open visible cases per region id (the region a case is filed under, not rolled up)."""
    from django.db import models as m

    return dict(
        scope.visible_cases(user)
        .filter(status__in=sorted(types.open_states()))
        .order_by()
        .values_list("region_id")
        .annotate(n=m.Count("id"))
    )
