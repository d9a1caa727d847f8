"""The dashboard (`/metrics/`): KPIs and intake breakdowns for a region subtree and a period.

Every figure comes from `zhizhi.metrics` on the user's visible cases, and links to the case
list with the same filter, so each number and the count of its list are equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases.queries import workbench_list
from zhizhi.core.errors import NotFound, ValidationFailed
from zhizhi.hotline import figures as hotline_figures
from zhizhi.hotline import queries as hotline_queries
from zhizhi.mediation import figures as mediation_figures
from zhizhi.metrics import breakdowns, kpis
from zhizhi.metrics import period as period_filter
from zhizhi.metrics.figures import FigureSet
from zhizhi.petitions import figures as petition_figures
from zhizhi.safety import figures as safety_figures
from zhizhi.territory.models import Level, Region
from zhizhi.web.forms import region_label
from zhizhi.web.views import mediation as mediation_views
from zhizhi.web.views import petitions as petition_views
from zhizhi.web.views.common import page, user_of

OVERDUE_ROWS = 15
MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class Block:
    """A domain's main figures beside the case KPIs, each computed on exactly the records its
    drill-down lists for this user (`FigureSet.evaluate`); all of them are on the domain's page."""

    key: str
    title: str  # Chinese, gettext_noop: translated in the template
    note: str
    figures: FigureSet[Any]
    codes: tuple[str, ...]
    page_url: str  # the domain's figures page (URL name)
    drill_url: str  # one figure's records (URL name, takes the code)
    filter_type: Callable[..., Any] = period_filter.FigureFilter  # takes region=, start=, end=
    shown_to: Callable[[User], bool] = lambda user: True


def _uses_hotline(user: User) -> bool:
    return scope.role_of(user) in hotline_queries.DESK_ROLES or scope.sees_everything(user)


BLOCKS = (
    Block(
        "safety",
        gettext_noop("安全生产"),
        gettext_noop("检查、隐患和执法记录：同一区域、同一期间（按检查和发现日期）。"),
        safety_figures.FIGURE_SET,
        (
            "register_coverage",
            "inspections",
            "hazards_found",
            "rectification_rate",
            "hazards_overdue",
            "major_hazards",
            "suspensions",
        ),
        "web:safety_figures",
        "web:safety_drill",
        filter_type=safety_figures.FigureFilter,
    ),
    Block(
        "hotline",
        gettext_noop("保障热线"),
        gettext_noop("期间内接收的来电及其转办工单，期间内召开的会商研判会议。"),
        hotline_figures.FIGURE_SET,
        (
            "calls_received",
            "answered_on_spot",
            "converted_to_cases",
            "timely_handling_rate",
            "return_visit_rate",
            "satisfaction_rate",
            "meetings_held",
            "decisions_done",
        ),
        "web:hotline_figures",
        "web:hotline_drill",
        shown_to=_uses_hotline,
    ),
    Block(
        "petitions",
        gettext_noop("信访"),
        gettext_noop("期间内登记的信访事项及其答复；积案为期间内在办的。"),
        petition_figures.FIGURE_SET,
        ("received", "accepted", "answered", "on_time_rate", "group", "repeat", "backlog_resolved"),
        "web:petition_figures",
        "web:petition_drill",
        shown_to=petition_views.uses_petitions,
    ),
    Block(
        "mediation",
        gettext_noop("人民调解"),
        gettext_noop("期间内登记的矛盾纠纷及其调解结果。"),
        mediation_figures.FIGURE_SET,
        ("mediated", "agreements", "success_rate", "major", "agreed_shared_court", "agreed_online"),
        "web:mediation_figures",
        "web:mediation_drill",
        shown_to=mediation_views.may_use,
    ),
)


def _blocks(user: User, region: Region | None, period: kpis.Period) -> list[dict[str, Any]]:
    query = urlencode(
        {
            **({"region": region.code} if region else {}),
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
        }
    )
    out = []
    for block in BLOCKS:
        if not block.shown_to(user):
            continue
        f = block.filter_type(region=region, start=period.start, end=period.end)
        values = [block.figures.evaluate(code, f, user) for code in block.codes]
        out.append({"block": block, "values": values, "query": query})
    return out


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
    ctx: dict[str, Any] = {
        "blocks": _blocks(user, region, period),
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
