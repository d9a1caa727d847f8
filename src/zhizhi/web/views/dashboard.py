"""The dashboard (`/metrics/`): KPIs and intake breakdowns for a region subtree and a period.

Every figure comes from `zhizhi.metrics` on the user's visible cases, and links to the case
list with the same filter, so each number and the count of its list are equal.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases.queries import workbench_list
from zhizhi.core.errors import NotFound, ValidationFailed
from zhizhi.metrics import breakdowns, kpis
from zhizhi.safety import figures as safety_figures
from zhizhi.territory.models import Level, Region
from zhizhi.web.forms import region_label
from zhizhi.web.views.common import page, user_of

OVERDUE_ROWS = 15
# The safety figures the dashboard shows beside the case KPIs (all of them: /safety/). Each is
# computed on exactly the records its drill-down lists for this user (`safety.figures.evaluate`).
SAFETY_CODES = (
    "register_coverage",
    "inspections",
    "hazards_found",
    "rectification_rate",
    "hazards_overdue",
    "major_hazards",
    "suspensions",
)
MAX_PERIOD_DAYS = 3 * 366


def top_regions(user: User) -> list[Region]:
    """The visible regions whose parent is not visible: the roots of what the user sees."""
    visible = scope.visible_regions(user).filter(is_active=True)
    paths = set(visible.values_list("path", flat=True))
    return [
        r for r in visible.order_by("path") if not any(r.path != p and r.path.startswith(p) for p in paths)
    ]


def default_period(user: User, today: date) -> kpis.Period:
    """The calendar year of the newest visible case (this year when there is none)."""
    latest = scope.visible_cases(user).aggregate(m=Max("received_at"))["m"]
    year = timezone.localtime(latest).year if latest else today.year
    end = today if year == today.year else date(year, 12, 31)
    return kpis.Period(date(year, 1, 1), max(end, date(year, 1, 1)))


def _parse_period(request: HttpRequest, default: kpis.Period) -> kpis.Period:
    raw_from, raw_to = request.GET.get("from", ""), request.GET.get("to", "")
    if not raw_from and not raw_to:
        return default
    try:
        start = date.fromisoformat(raw_from) if raw_from else default.start
        end = date.fromisoformat(raw_to) if raw_to else default.end
    except ValueError:
        raise ValidationFailed("invalid_date", _("日期格式应为 YYYY-MM-DD")) from None
    if start > end:
        raise ValidationFailed("invalid_date_range", _("开始日期不能晚于结束日期"))
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed("invalid_date_range", _("统计期间最长三年"))
    return kpis.Period(start, end)


def _presets(default: kpis.Period, today: date) -> list[tuple[str, kpis.Period]]:
    year = default.start.year
    month_start = today.replace(day=1)
    return [
        (_("%(y)s 年") % {"y": year}, default),
        (_("%(y)s 年") % {"y": year - 1}, kpis.Period(date(year - 1, 1, 1), date(year - 1, 12, 31))),
        (_("本月"), kpis.Period(month_start, today)),
        (_("近 30 天"), kpis.Period(today - timedelta(days=29), today)),
    ]


@require_GET
@page
def dashboard(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    today = timezone.localdate()
    roots = top_regions(user)
    code = request.GET.get("region", "").strip()
    if code:
        region = scope.visible_regions(user).filter(code=code).first()
        if region is None:
            raise NotFound(_("区域不存在或无权查看"), code="region_not_found")
    else:
        region = roots[0] if len(roots) == 1 else None
    default = default_period(user, today)
    period = _parse_period(request, default)
    base = scope.visible_cases(user)
    region_code = region.code if region else None
    now = timezone.now()
    figures = kpis.evaluate_all(base, region=region_code, period=period, now=now)
    granularity, over_time = breakdowns.intake_over_time(base, region=region_code, period=period)
    if region is not None:
        by_region = breakdowns.intake_by_subregion(base, region=region, period=period)
    else:  # several roots (e.g. a grid worker with two grids): one bar per root
        by_region = [
            breakdowns.Bucket(
                key=r.code,
                label=r.name,
                count=kpis.count(base, kpis.case_filter({}, region=r.code, period=period)),
                query=kpis.encode(kpis.case_filter({}, region=r.code, period=period)),
            )
            for r in roots
        ]
    overdue_kpi = kpis.BY_KEY["overdue"]
    overdue_filter = kpis.filter_for(overdue_kpi, region=region_code, period=period, sort="due")
    overdue_rows = list(
        workbench_list(user, overdue_filter, now=now).select_related("region", "department", "category")[
            :OVERDUE_ROWS
        ]
    )
    first_child = by_region[0].key if by_region else ""
    child_level = Region.objects.filter(code=first_child).values_list("level", flat=True).first()
    levels = (Level.TOWN, Level.VILLAGE, Level.GRID, Level.MICRO_GRID)
    region_options = [
        (r.code, region_label(r))
        for r in scope.visible_regions(user).filter(is_active=True, level__in=levels[:3]).order_by("path")
    ]
    safety_filter = safety_figures.FigureFilter.build(region=region_code, start=period.start, end=period.end)
    safety_query = urlencode(
        {
            **({"region": region_code} if region_code else {}),
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
        }
    )
    ctx: dict[str, Any] = {
        "safety": [safety_figures.evaluate(c, safety_filter, user) for c in SAFETY_CODES],
        "safety_query": safety_query,
        "list_url": reverse("web:case_list"),
        "region": region,
        "region_options": region_options,
        "period": period,
        "presets": [(label, p, p == period) for label, p in _presets(default, today)],
        "figures": {f.kpi.key: f for f in figures},
        "figure_list": figures,
        "granularity": granularity,
        "over_time": over_time,
        "by_category": breakdowns.intake_by_category(base, region=region_code, period=period),
        "by_channel": breakdowns.intake_by_channel(base, region=region_code, period=period),
        "by_region": by_region,
        "by_region_title": _by_region_title(child_level),
        "overdue_rows": overdue_rows,
        "overdue_query": kpis.encode(overdue_filter),
        "now": now,
    }
    ctx["chart_data"] = {
        "over_time": _series(ctx["over_time"]),
        "by_category": _series(ctx["by_category"]),
        "by_channel": _series(ctx["by_channel"]),
        "by_region": _series(by_region),
        "list_url": ctx["list_url"],
    }
    return render(request, "web/dashboard.html", ctx)


def _by_region_title(level: str | None) -> str:
    titles = {
        Level.VILLAGE.value: _("按村社"),
        Level.GRID.value: _("按网格"),
        Level.MICRO_GRID.value: _("按微网格"),
    }
    return titles.get(level or "", _("按区域"))


def _series(buckets: list[breakdowns.Bucket]) -> dict[str, list[Any]]:
    return {
        "labels": [b.label for b in buckets],
        "values": [b.count for b in buckets],
        "queries": [b.query for b in buckets],
    }
