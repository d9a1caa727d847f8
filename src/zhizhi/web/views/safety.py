"""安全生产 in the workbench: organisations, inspections, figures with their drill-down lists, the
never-inspected list and the .xlsx downloads (hazard ledger, register).

Views only parse, check and render: every read goes through `zhizhi.safety.queries` (organisations,
inspections and enforcement records by the user's region scope, hazards by `scope.visible_cases`),
`safety.figures` and `safety.ledger` — the same functions the `zhizhi safety` command uses — so an
organisation outside the user's scope is a 404 on every page and in every list and download.
Hazards themselves are cases: their list and detail are the case pages (`/cases/?type=hazard`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhizhi.core.inputs import is_row_id
from zhizhi.safety import figures, importer, ledger, queries, services
from zhizhi.safety.models import (
    Committee,
    EnforcementAction,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    Organisation,
    OrgKind,
    OrgStatus,
    RiskLevel,
    Venue,
)
from zhizhi.safety.workflow import HAZARD
from zhizhi.territory import queries as territory
from zhizhi.territory.models import Level, Region
from zhizhi.web.forms import RevealForm, region_label
from zhizhi.web.views.common import date_param, page, param, user_of
from zhizhi.web.views.safety_forms import org_actions

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DETAIL_ROWS = 50  # inspections, hazards and enforcement records shown on an organisation's page

# What each figure counts, for the page's 口径 section (figures.py's docstring, shortened).
DEFINITIONS = {
    "register_listed": gettext_lazy("列入底数清单的单位"),
    "register_coverage": gettext_lazy(
        "期间内至少检查一次的底数清单单位 ÷ 底数清单单位（检查两次算一家；未列入清单的不计）"
    ),
    "inspections": gettext_lazy("期间内对单位的检查（家次）"),
    "patrols": gettext_lazy("期间内对区域的巡查（次）；按专委会、单位类型筛选时为 0"),
    "organisations_inspected": gettext_lazy("期间内至少检查一次的单位（含未列入底数清单的）"),
    "hazards_found": gettext_lazy("期间内发现（登记）的隐患"),
    "hazards_rectified": gettext_lazy("其中截至统计时点复查合格的隐患"),
    "rectification_rate": gettext_lazy("整改隐患 ÷ 发现隐患"),
    "hazards_overdue": gettext_lazy("其中截至统计时点未复查合格、且已过整改期限的隐患"),
    "major_hazards": gettext_lazy("其中重大隐患"),
    "listed_hazards": gettext_lazy("其中挂牌督办的重大隐患"),
    "suspensions": gettext_lazy("期间内被责令停产停业的单位"),
    "cases_filed": gettext_lazy("期间内被立案查处的单位"),
    "police_referrals": gettext_lazy("期间内被移送公安的单位"),
    "persons_detained": gettext_lazy("移送公安记录中的行政拘留人数（合计）"),
    "never_inspected": gettext_lazy("期间内一次也未检查的底数清单单位"),
}
GROUPS = (
    (
        gettext_lazy("底数与检查"),
        (
            "register_listed",
            "register_coverage",
            "inspections",
            "patrols",
            "organisations_inspected",
            "never_inspected",
        ),
    ),
    (
        gettext_lazy("隐患排查整改"),
        (
            "hazards_found",
            "hazards_rectified",
            "rectification_rate",
            "hazards_overdue",
            "major_hazards",
            "listed_hazards",
        ),
    ),
    (
        gettext_lazy("执法"),
        ("suspensions", "cases_filed", "police_referrals", "persons_detained"),
    ),
)


# --- Parameters ------------------------------------------------------------------------------------


_get = param
_date = date_param


def _int(data: QueryDict, name: str) -> int | None:
    raw = _get(data, name)
    if not raw:
        return None
    try:
        number = int(raw)
    except ValueError:
        number = -1
    if not is_row_id(number):
        raise ValidationFailed("invalid_field", _("参数 %(name)s 须为数字") % {"name": name})
    return number


def _visible_region(user: User, code: str) -> Region | None:
    """The region of a `region` parameter, which must be one the user may see (else 404)."""
    if not code:
        return None
    region = scope.visible_regions(user).filter(code=code).first()
    if region is None:
        raise NotFound(_("区域不存在或无权查看"), code="region_not_found")
    return region


def _region_options(user: User, levels: tuple[str, ...] = (Level.TOWN, Level.VILLAGE, Level.GRID)) -> list:
    regions = scope.visible_regions(user).filter(is_active=True, level__in=levels).order_by("path")
    return [(r.code, region_label(r)) for r in regions.only("code", "name", "depth")]


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Any:
    return Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))


def _params(data: QueryDict, names: tuple[str, ...]) -> dict[str, str]:
    """The recognised, non-empty parameters, in a stable order (for links and pagination)."""
    return {n: _get(data, n) for n in names if _get(data, n)}


def _xlsx_response(write: Callable[[str], int], filename: str) -> FileResponse:
    """Write a workbook to a temporary file and stream it (the file goes when the response closes)."""
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115  (FileResponse closes it)
    write(tmp.name)
    tmp.seek(0)
    response = FileResponse(tmp, as_attachment=True, filename=filename)
    response["Content-Type"] = XLSX
    response["Cache-Control"] = "private, no-store"
    return response


def _stamp() -> str:
    return f"{timezone.localtime():%Y%m%d-%H%M}"


# --- Figures ---------------------------------------------------------------------------------------

FIGURE_PARAMS = ("region", "committee", "campaign", "kind", "from", "to")


@dataclass
class FigureParams:
    filter: figures.FigureFilter
    params: dict[str, str]  # the figure parameters as given (without the defaults)
    start: date
    end: date

    @property
    def query(self) -> str:
        """The period always spelled out, so that a link means the same next year."""
        values = {k: v for k, v in self.params.items() if k not in ("from", "to")}
        return urlencode({**values, "from": self.start.isoformat(), "to": self.end.isoformat()})


def default_year(user: User, today: date) -> int:
    """The year of the newest inspection the user may see (this year when there is none)."""
    latest = queries.visible_inspections(user).aggregate(m=Max("inspected_at"))["m"]
    return timezone.localtime(latest).year if latest else today.year


def parse_figure_params(user: User, data: QueryDict) -> FigureParams:
    """region (visible, else 404), committee, campaign (visible, else 404), kind, from/to (default:
    the calendar year of the newest visible inspection)."""
    region = _visible_region(user, _get(data, "region"))
    campaign_id = _int(data, "campaign")
    if campaign_id is not None and not queries.visible_campaigns(user).filter(pk=campaign_id).exists():
        raise NotFound(_("检查计划不存在或无权查看"), code="campaign_not_found")
    start, end = _date(data, "from"), _date(data, "to")
    if start is None or end is None:
        given = start or end
        year = given.year if given is not None else default_year(user, timezone.localdate())
        start, end = start or date(year, 1, 1), end or date(year, 12, 31)
    f = figures.FigureFilter.build(
        region=region.code if region else None,
        committee=_get(data, "committee") or None,
        campaign=campaign_id,
        kind=_get(data, "kind") or None,
        start=start,
        end=end,
    )
    return FigureParams(filter=f, params=_params(data, FIGURE_PARAMS), start=start, end=end)


def _presets(fp: FigureParams) -> list[tuple[str, str]]:
    """Whole calendar years around the period, keeping the other parameters."""
    rest = {k: v for k, v in fp.params.items() if k not in ("from", "to")}
    return [
        (_("%(y)s 年") % {"y": y}, urlencode({**rest, "from": f"{y}-01-01", "to": f"{y}-12-31"}))
        for y in (fp.start.year - 1, fp.start.year)
    ]


def _figure_options(user: User) -> dict[str, Any]:
    return {
        "region_options": _region_options(user),
        "committees": list(Committee.objects.filter(is_active=True)),
        "campaigns": list(queries.visible_campaigns(user).order_by("-starts_on", "-id")),
        "kinds": list(OrgKind.choices),
    }


@require_GET
@page
def figures_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    fp = parse_figure_params(user, request.GET)
    values = {v.code: v for v in figures.evaluate_all(fp.filter, user)}
    groups = [(title, [values[c] for c in codes]) for title, codes in GROUPS]
    ctx = {
        "fp": fp,
        "params": fp.params,
        "groups": groups,
        "definitions": DEFINITIONS,
        "presets": _presets(fp),
        "as_of": fp.filter.moment(),
        **_figure_options(user),
    }
    return render(request, "web/safety/figures.html", ctx)


@require_GET
@page
def figure_drill(request: HttpRequest, code: str) -> HttpResponse:
    """The records behind one figure (or a rate's denominator), for this user: their count is the
    number on the figures page."""
    user = user_of(request)
    fp = parse_figure_params(user, request.GET)
    part = "denominator" if request.GET.get("part") == "denominator" else "numerator"
    value = figures.evaluate(code, fp.filter, user)
    if part == "denominator":
        qs = figures.drill_denominator(code, fp.filter, user)
    else:
        qs = figures.drill(code, fp.filter, user)
    kind, qs = _records(qs, fp.filter)
    page_obj = _page(request, qs)
    ctx = {
        "fp": fp,
        "value": value,
        "part": part,
        "kind": kind,
        "definition": DEFINITIONS.get(code, ""),
        "page_obj": page_obj,
        "count": page_obj.paginator.count,
        "page_query": fp.query + (f"&part={part}" if part == "denominator" else ""),
        "as_of": fp.filter.moment(),
    }
    return render(request, "web/safety/drill.html", ctx)


def _records(qs: QuerySet[Any], f: figures.FigureFilter) -> tuple[str, QuerySet[Any]]:
    """Which table the drill-down shows, and the queryset with what that table needs."""
    model = qs.model
    if model is Organisation:
        return "organisations", qs.select_related("region", "committee").order_by("region_path", "name", "id")
    if model is Inspection:
        return "inspections", (
            qs.select_related("organisation", "region", "campaign", "inspector").order_by(
                "-inspected_at", "-id"
            )
        )
    if model is EnforcementAction:
        return "enforcements", qs.select_related("organisation").order_by("-decided_on", "-id")
    return "hazards", (
        qs.select_related("hazard", "hazard__organisation", "category", "region").order_by(
            "received_at", "id"
        )
    )


# --- Never inspected, ledger -----------------------------------------------------------------------


@require_GET
@page
def never_inspected(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    fp = parse_figure_params(user, request.GET)
    page_obj = _page(request, ledger.never_inspected(fp.filter, user))
    ctx = {
        "fp": fp,
        "params": fp.params,
        "page_obj": page_obj,
        "count": page_obj.paginator.count,
        "presets": _presets(fp),
        **_figure_options(user),
    }
    return render(request, "web/safety/never_inspected.html", ctx)


@require_GET
@page
def never_inspected_xlsx(request: HttpRequest) -> HttpResponseBase:
    user = user_of(request)
    fp = parse_figure_params(user, request.GET)
    rows = ledger.never_inspected_rows(fp.filter, user)
    return _xlsx_response(
        lambda path: importer.write_xlsx(path, _("未检查单位"), rows), f"未检查单位-{_stamp()}.xlsx"
    )


@require_GET
@page
def ledger_xlsx(request: HttpRequest) -> HttpResponseBase:
    """The hazard ledger (隐患台账): one row per hazard `hazards_found` counts for this user."""
    user = user_of(request)
    fp = parse_figure_params(user, request.GET)
    return _xlsx_response(
        lambda path: ledger.export_ledger(path, fp.filter, user), f"隐患台账-{_stamp()}.xlsx"
    )


# --- Organisations ---------------------------------------------------------------------------------

ORG_PARAMS = ("q", "kind", "venue", "region", "committee", "status", "risk", "listed")


def _org_filter(user: User, data: QueryDict) -> queries.OrganisationFilter:
    region = _visible_region(user, _get(data, "region"))
    listed_raw = _get(data, "listed")
    if listed_raw not in ("", "1", "0"):
        raise ValidationFailed("invalid_field", _("参数 %(name)s 须为 1 或 0") % {"name": "listed"})
    return queries.OrganisationFilter(
        region=region.code if region else None,
        committee=_get(data, "committee") or None,
        kind=_get(data, "kind") or None,
        venue=_get(data, "venue") or None,
        status=_get(data, "status") or None,
        risk=_get(data, "risk") or None,
        listed=None if listed_raw == "" else listed_raw == "1",
        q=_get(data, "q") or None,
    )


@dataclass(frozen=True)
class OrgRow:
    org: Organisation
    personal: dict[str, str]  # masked


@require_GET
@page
def organisations(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    f = _org_filter(user, request.GET)
    page_obj = _page(request, queries.organisations_for(user, f))
    params = _params(request.GET, ORG_PARAMS)
    ctx = {
        "params": params,
        "query": urlencode(params),
        "page_obj": page_obj,
        "rows": [OrgRow(o, queries.personal(o)) for o in page_obj.object_list],
        "count": page_obj.paginator.count,
        "region_options": _region_options(user, (Level.TOWN, Level.VILLAGE, Level.GRID, Level.MICRO_GRID)),
        "committees": list(Committee.objects.filter(is_active=True)),
        "kinds": list(OrgKind.choices),
        "venues": list(Venue.choices),
        "statuses": list(OrgStatus.choices),
        "risks": list(RiskLevel.choices),
        "can_register": services.can_register(user),
    }
    return render(request, "web/safety/organisations.html", ctx)


@require_GET
@page
def organisations_xlsx(request: HttpRequest) -> HttpResponseBase:
    """The register export (import format), exactly the filtered list, personal data masked."""
    user = user_of(request)
    f = _org_filter(user, request.GET)
    return _xlsx_response(
        lambda path: importer.export(path, user=user, filter=f), f"单位台账-{_stamp()}.xlsx"
    )


def _org_context(request: HttpRequest, org: Organisation, *, revealed: dict[str, str] | None = None) -> dict:
    user = user_of(request)
    inspections = (
        queries.visible_inspections(user)
        .filter(organisation=org)
        .select_related("campaign", "inspector")
        .order_by("-inspected_at", "-id")
    )
    hazards = (
        queries.visible_hazards(user)
        .filter(hazard__organisation=org)
        .select_related("hazard", "category")
        .order_by("-received_at", "-id")
    )
    enforcements = queries.visible_enforcements(user).filter(organisation=org).order_by("-decided_on", "-id")
    return {
        "org": org,
        "personal": revealed or queries.personal(org),
        "revealed": revealed is not None,
        "can_reveal": queries.can_view_personal(user, org),
        "reveal_form": RevealForm(),
        "breadcrumb": list(territory.ancestors(org.region, include_self=True)),
        "inspections": list(inspections[:DETAIL_ROWS]),
        "inspection_count": inspections.count(),
        "hazards": list(hazards[:DETAIL_ROWS]),
        "hazard_count": hazards.count(),
        "enforcements": list(enforcements[:DETAIL_ROWS]),
        "enforcement_count": enforcements.count(),
        "hazard_type": HAZARD,
        **org_actions(user, org),
    }


@require_GET
@page
def organisation(request: HttpRequest, org_id: int) -> HttpResponse:
    org = queries.get_organisation(user_of(request), org_id)
    return render(request, "web/safety/organisation.html", _org_context(request, org))


@require_POST
@page
def organisation_reveal(request: HttpRequest, org_id: int) -> HttpResponse:
    """The legal representative, phone and address in full, once; the access is logged."""
    user = user_of(request)
    org = queries.get_organisation(user, org_id)
    if not queries.can_view_personal(user, org):
        raise PermissionDenied("forbidden_personal_data", _("当前角色无权查看个人信息"))
    form = RevealForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    with transaction.atomic():
        full = queries.reveal_personal(user, org, reason=reason)
    response = render(request, "web/safety/organisation.html", _org_context(request, org, revealed=full))
    response["Cache-Control"] = "private, no-store"
    return response


# --- Inspections -----------------------------------------------------------------------------------

INSPECTION_PARAMS = ("q", "kind", "region", "campaign", "organisation", "from", "to")


@require_GET
@page
def inspections(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    data = request.GET
    region = _visible_region(user, _get(data, "region"))
    org_id = _int(data, "organisation")
    org = queries.get_organisation(user, org_id) if org_id is not None else None
    f = queries.InspectionFilter(
        kind=_get(data, "kind") or None,
        region=region.code if region else None,
        campaign=_int(data, "campaign"),
        organisation=org_id,
        start=_date(data, "from"),
        end=_date(data, "to"),
        q=_get(data, "q") or None,
    )
    page_obj = _page(request, queries.inspections_for(user, f))
    params = _params(data, INSPECTION_PARAMS)
    ctx = {
        "params": params,
        "query": urlencode(params),
        "page_obj": page_obj,
        "count": page_obj.paginator.count,
        "organisation": org,
        "kinds": list(InspectionKind.choices),
        "region_options": _region_options(user, (Level.TOWN, Level.VILLAGE, Level.GRID, Level.MICRO_GRID)),
        "campaigns": list(queries.visible_campaigns(user).order_by("-starts_on", "-id")),
        "can_patrol": scope.may_create(user, HAZARD),
    }
    return render(request, "web/safety/inspections.html", ctx)


@require_GET
@page
def inspection(request: HttpRequest, inspection_id: int) -> HttpResponse:
    user = user_of(request)
    insp = queries.get_inspection(user, inspection_id)
    hazards = (
        queries.visible_hazards(user)
        .filter(hazard__inspection=insp)
        .select_related("hazard", "category")
        .order_by("id")
    )
    ctx = {
        "insp": insp,
        "breadcrumb": list(territory.ancestors(insp.region, include_self=True)),
        "hazards": list(hazards),
        "enforcements": list(
            queries.visible_enforcements(user).filter(inspection=insp).order_by("-decided_on", "-id")
        ),
        "photos": list(insp.photos.all()),
        "failed": insp.failed_items,
    }
    return render(request, "web/safety/inspection.html", ctx)


@require_GET
@page
def inspection_photo(request: HttpRequest, inspection_id: int, photo_id: int) -> HttpResponseBase:
    """A photo of an inspection, only to those who can see the inspection; never run by a browser."""
    insp = queries.get_inspection(user_of(request), inspection_id)
    photo = InspectionPhoto.objects.filter(inspection=insp, pk=photo_id).first()
    if photo is None:
        raise NotFound(_("附件不存在"))
    try:
        fh = photo.file.open("rb")
    except OSError:
        raise NotFound(_("附件文件已丢失")) from None
    response = FileResponse(fh, content_type=photo.content_type)
    response["Content-Disposition"] = f'inline; filename="inspection-{insp.pk}-{photo.pk}"'
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
