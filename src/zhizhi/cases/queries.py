"""Case reads: the filters every list uses (API, web, exports, drill-downs), always on top of scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases.models import OPEN_STATUSES, Case, Category, Channel, Status
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


def open_overdue_q(now: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, due_at__lt=now) & ~Q(status=Status.SUSPENDED)


def _local_day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min), timezone.get_default_timezone())


def apply(qs: QuerySet[Case], f: CaseFilter, *, now: datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    if f.case_type:
        qs = qs.filter(case_type=f.case_type)
    if f.status:
        statuses = [s.strip() for s in f.status.split(",") if s.strip()]
        bad = [s for s in statuses if s not in Status.values]
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
    if f.q:
        text = f.q.strip()[:100]
        if text.isdigit():
            qs = qs.filter(Q(pk=int(text)) | Q(title__icontains=text) | Q(reporter_phone=text))
        else:
            qs = qs.filter(
                Q(title__icontains=text) | Q(description__icontains=text) | Q(address__icontains=text)
            )
    return qs


def list_for(user: User, f: CaseFilter) -> QuerySet[Case]:
    """The user's visible cases, filtered, in a stable order (newest first, id breaks ties)."""
    return apply(scope.visible_cases(user), f).order_by("-received_at", "-id")
