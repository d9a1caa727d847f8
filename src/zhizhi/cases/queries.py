"""Case reads: the filters every list uses (API, web, exports, drill-downs), always on top of scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases import search, types
from zhizhi.cases.models import Case, Category, Channel
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


def apply(qs: QuerySet[Case], f: CaseFilter, *, now: datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    if f.case_type:
        qs = qs.filter(case_type=f.case_type)
    if f.status:
        statuses = [s.strip() for s in f.status.split(",") if s.strip()]
        known = types.all_states()
        bad = [s for s in statuses if s not in known]
        if bad:
            raise ValidationFailed("invalid_status", f"未知的状态：{', '.join(bad)}")
        qs = qs.filter(status__in=statuses)
    if f.channel:
        if f.channel not in Channel.values:
            raise ValidationFailed("invalid_channel", f"未知的来源渠道：{f.channel}")
        qs = qs.filter(channel=f.channel)
    if f.category:
        cat = Category.objects.filter(code=f.category).first()
        if cat is None:
            raise ValidationFailed("unknown_category", f"未知的分类：{f.category}")
        qs = qs.filter(category=cat) if cat.parent_id else qs.filter(category__parent=cat)
    if f.region:
        region = Region.objects.filter(code=f.region).first()
        if region is None:
            raise ValidationFailed("unknown_region", f"区域代码不存在：{f.region}")
        qs = qs.filter(region_path__startswith=region.path)
    if f.department:
        qs = qs.filter(department__code=f.department)
    if f.assignee:
        qs = qs.filter(assignee__username=f.assignee)
    if f.overdue is True:
        qs = qs.filter(open_overdue_q(now))
    elif f.overdue is False:
        qs = qs.exclude(open_overdue_q(now))
    if f.received_from:
        qs = qs.filter(received_at__gte=_local_day_start(f.received_from))
    if f.received_to:
        qs = qs.filter(received_at__lt=_local_day_start(f.received_to + timedelta(days=1)))
    if f.received_from and f.received_to and f.received_from > f.received_to:
        raise ValidationFailed("invalid_date_range", "开始日期不能晚于结束日期")
    text = search_text(f)
    if text:
        if text.isdigit():
            by_number = Q(title__contains=text) | Q(reporter_phone=text)
            qs = qs.filter(Q(pk=int(text)) | by_number if len(text) <= 18 else by_number)
        else:
            narrowing = search.narrowing(text) if f.q_narrow else None
            if narrowing is not None:
                qs = qs.filter(narrowing)
            qs = qs.filter(search.text_q(text))
    return qs


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


def _flag(qs: QuerySet[Case], value: bool | None, q: Q) -> QuerySet[Case]:
    if value is True:
        return qs.filter(q)
    if value is False:
        return qs.exclude(q)
    return qs


def apply_workbench(qs: QuerySet[Case], f: WorkbenchFilter, *, now: datetime | None = None) -> QuerySet[Case]:
    """`apply` plus the workbench's flags. Raises ValidationFailed on an unknown value."""
    from zhizhi.cases.models import Satisfaction
    from zhizhi.core.personal import normalize_phone

    now = now or timezone.now()
    qs = apply(qs, f, now=now)
    qs = _flag(qs, f.open, Q(status__in=sorted(types.open_states())))
    qs = _flag(qs, f.dispatched, Q(dispatched_at__isnull=False))
    qs = _flag(qs, f.resolved, Q(resolved_at__isnull=False))
    qs = _flag(qs, f.on_time, Q(resolved_at__isnull=False, resolved_on_time=True))
    qs = _flag(qs, f.visited, Q(visited_at__isnull=False))
    qs = _flag(qs, f.visit_reached, Q(visit_reached=True))
    qs = _flag(qs, f.supervised, Q(supervision_count__gt=0))
    qs = _flag(qs, f.returned, Q(return_count__gt=0))
    qs = _flag(qs, f.reopened, Q(reopen_count__gt=0))
    qs = _flag(qs, f.due_soon, due_soon_q(now))
    if f.satisfaction:
        levels = [s.strip() for s in f.satisfaction.split(",") if s.strip()]
        bad = [s for s in levels if s not in Satisfaction.values]
        if bad:
            raise ValidationFailed("invalid_satisfaction", f"未知的满意度：{', '.join(bad)}")
        qs = qs.filter(satisfaction__in=levels)
    if f.phone:
        qs = qs.filter(reporter_phone=normalize_phone(f.phone))
    if f.created_by:
        qs = qs.filter(created_by__username=f.created_by)
    return qs


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
