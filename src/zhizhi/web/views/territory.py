"""Regions (the tree with staff and open cases) and the map (grid polygons shaded by open cases,
case markers clustered). Everything is limited to the user's visible regions and cases."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zhizhi.accounts import scope
from zhizhi.accounts.models import Role, User
from zhizhi.cases import types
from zhizhi.cases.queries import open_counts_by_region, workbench_list
from zhizhi.territory.models import Level, Region
from zhizhi.web import filters, imports
from zhizhi.web.views.common import page, user_of

MAX_MARKERS = 5000


@dataclass
class Node:
    region: Region
    open_count: int = 0
    staff: list[User] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    @property
    def query(self) -> str:
        return urlencode({"open": "1", "region": self.region.code})


def rolled_up_open_counts(user: User, regions: list[Region]) -> dict[str, int]:
    """Open visible cases under each region (its whole subtree), keyed by region code."""
    by_id = open_counts_by_region(user)
    paths = dict(Region.objects.filter(pk__in=list(by_id)).values_list("pk", "path"))
    wanted = {r.code for r in regions}
    totals: dict[str, int] = defaultdict(int)
    for region_id, n in by_id.items():
        for code in paths.get(region_id, "").strip("/").split("/"):
            if code in wanted:
                totals[code] += n
    return totals


def build_tree(user: User) -> list[Node]:
    regions = list(scope.visible_regions(user).filter(is_active=True).order_by("path"))
    counts = rolled_up_open_counts(user, regions)
    staff: dict[int, list[User]] = defaultdict(list)
    for u in (
        User.objects.filter(is_active=True, regions__in=[r.pk for r in regions])
        .prefetch_related("regions")
        .distinct()
        .order_by("role", "username")
    ):
        for r in u.regions.all():
            staff[r.pk].append(u)
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for r in regions:
        node = Node(region=r, open_count=counts.get(r.code, 0), staff=staff.get(r.pk, []))
        nodes[r.pk] = node
        parent = nodes.get(r.parent_id) if r.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


@require_GET
@page
def regions(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    roots = build_tree(user)
    levels: dict[str, int] = defaultdict(int)
    for r in scope.visible_regions(user).filter(is_active=True).values_list("level", flat=True):
        levels[r] += 1
    ctx = {
        "roots": roots,
        "level_counts": [(str(lv.label), levels.get(lv.value, 0)) for lv in Level if levels.get(lv.value)],
        "role_labels": dict(Role.choices),
        "may_import": imports.may_import(user),
        "open_depth": 1 if roots and roots[0].region.level in (Level.TOWN, Level.COUNTY) else 2,
    }
    return render(request, "web/regions.html", ctx)


@require_GET
@page
def map_page(request: HttpRequest) -> HttpResponse:
    parsed = filters.parse(request.GET)
    params = parsed.params or {"open": "1"}
    year = timezone.localdate().year
    quick = [
        (_("在办"), "open=1"),
        (_("超期"), "overdue=1"),
        (_("近 30 天受理"), urlencode({"received_from": timezone.localdate() - timedelta(days=29)})),
        (_("%(y)s 年受理") % {"y": year}, urlencode({"received_from": date(year, 1, 1)})),
    ]
    ctx = {
        "quick": quick,
        "current": urlencode(params),
        "tile_url": settings.ZHIZHI_MAP_TILE_URL,
        "tile_attribution": settings.ZHIZHI_MAP_TILE_ATTRIBUTION,
        "regions_url": reverse("web:map_regions"),
        "cases_url": reverse("web:map_cases") + "?" + urlencode(params),
        "list_url": reverse("web:case_list") + "?" + urlencode(params),
        "chips": parsed.chips(),
        "params": params,
    }
    return render(request, "web/map.html", ctx)


@require_GET
@page
def map_regions(request: HttpRequest) -> HttpResponse:
    """GeoJSON of the visible grids and micro-grids with their open-case counts."""
    user = user_of(request)
    regions = list(
        scope.visible_regions(user)
        .filter(
            is_active=True, level__in=(Level.VILLAGE, Level.GRID, Level.MICRO_GRID), boundary__isnull=False
        )
        .order_by("path")
    )
    counts = rolled_up_open_counts(user, regions)
    list_url = reverse("web:case_list")
    features = [
        {
            "type": "Feature",
            "geometry": r.boundary,
            "properties": {
                "code": r.code,
                "name": r.name,
                "level": r.level,
                "open": counts.get(r.code, 0),
                "url": f"{list_url}?{urlencode({'open': '1', 'region': r.code})}",
            },
        }
        for r in regions
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@require_GET
@page
def map_cases(request: HttpRequest) -> HttpResponse:
    """Points of the visible cases under the list filter (default: open ones), newest first."""
    user = user_of(request)
    parsed = filters.parse(request.GET)
    if parsed.errors:
        return JsonResponse({"code": "invalid_filter", "message": "；".join(parsed.errors)}, status=422)
    f = parsed.filter if parsed.params else filters.parse({"open": "1"}).filter
    now = timezone.now()
    qs = workbench_list(user, f, now=now).filter(lon__isnull=False, lat__isnull=False)
    total = qs.count()
    rows = qs.values_list("id", "case_type", "title", "status", "lon", "lat", "due_at")[:MAX_MARKERS]
    running = types.running_states()
    detail = reverse("web:case_detail", args=[0]).rstrip("0/")
    points: list[dict[str, Any]] = [
        {
            "id": pk,
            "title": title[:60],
            "status": types.status_label(case_type, status),
            "overdue": status in running and due < now,
            "lon": lon,
            "lat": lat,
            "url": f"{detail}/{pk}/",
        }
        for pk, case_type, title, status, lon, lat, due in rows
    ]
    return JsonResponse({"count": total, "shown": len(points), "cases": points})
