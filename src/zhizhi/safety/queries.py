"""Safety reads, always on top of scope: organisations, inspections, hazards, enforcement records.

`visible_organisations(user)` is the one answer to "which organisations may this user see": the
region subtrees of the user's scope (`accounts.scope.region_paths`); a handler without regions sees
the organisations under their departments' regions (all of them for a department with no region,
the usual single-town set-up); a superuser or an unrestricted admin sees everything. Inspections
and enforcement records follow their organisation (a patrol, its region). Hazards are cases:
`scope.visible_cases(user)` of type "hazard". Personal data (legal representative, phone) is masked
unless the role needs it and the caller asked to reveal it — which writes a PersonalDataAccess row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, PersonalDataAccess, Role, User
from zhizhi.cases.models import Case
from zhizhi.core import calendar
from zhizhi.core.errors import NotFound, ValidationFailed
from zhizhi.core.personal import mask_address, mask_name, mask_phone
from zhizhi.safety.models import (
    Campaign,
    Committee,
    EnforcementAction,
    HazardDetail,
    Inspection,
    InspectionKind,
    Organisation,
    OrgKind,
    OrgStatus,
    RiskLevel,
    Venue,
)
from zhizhi.safety.workflow import HAZARD
from zhizhi.territory.models import Region

# Roles whose work needs an organisation's legal representative and phone in full.
PERSONAL_DATA_ROLES = frozenset(
    {Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.DISPATCHER, Role.HANDLER, Role.ADMIN}
)


def scope_paths(user: User) -> list[str] | None:
    """The region subtrees (materialised paths) the user may see organisations in; None = all."""
    if not user.is_authenticated or not user.is_active:
        return []
    if scope.sees_everything(user):
        return None
    paths = scope.region_paths(user)
    if paths:
        return list(paths)
    if user.role == Role.HANDLER:
        depts = list(
            Department.objects.filter(pk__in=scope.department_ids(user), is_active=True).select_related(
                "region"
            )
        )
        if not depts:
            return []
        if any(d.region is None for d in depts):
            return None
        return sorted({d.region.path for d in depts if d.region is not None})
    return []


def scope_q(user: User, field: str = "region_path") -> Q | None:
    """A filter on `field` (a materialised region path) for what the user may see; None = all."""
    paths = scope_paths(user)
    return None if paths is None else scope.path_q(paths, field)


def scoped(qs: QuerySet[Any], user: User, field: str = "region_path") -> QuerySet[Any]:
    """`qs` limited to the rows whose `field` (a region path) lies in the user's scope: a condition
    on the rows themselves, which the figures use rather than `pk IN (SELECT … visible …)`."""
    q = scope_q(user, field)
    return qs if q is None else qs.filter(q)


def visible_organisations(user: User) -> QuerySet[Organisation]:
    return scoped(Organisation.objects.all(), user)


def get_organisation(user: User, pk: int) -> Organisation:
    org = visible_organisations(user).select_related("region", "committee").filter(pk=pk).first()
    if org is None:
        raise NotFound("单位不存在或无权查看", code="organisation_not_found")
    return org


def visible_inspections(user: User) -> QuerySet[Inspection]:
    return scoped(Inspection.objects.all(), user)


def visible_enforcements(user: User) -> QuerySet[EnforcementAction]:
    return scoped(EnforcementAction.objects.all(), user, "organisation__region_path")


def get_inspection(user: User, pk: int) -> Inspection:
    found = (
        visible_inspections(user)
        .select_related(
            "organisation", "organisation__region", "organisation__committee", "campaign", "region",
            "inspector", "recorded_by", "task",
        )
        .filter(pk=pk)
        .first()
    )  # fmt: skip
    if found is None:
        raise NotFound("检查记录不存在或无权查看", code="inspection_not_found")
    return found


def visible_campaigns(user: User) -> QuerySet[Campaign]:
    """Campaigns that reach into what the user may see: their area contains or lies within one of
    the user's region subtrees (a town-wide campaign is visible to a grid worker of the town)."""
    paths = scope_paths(user)
    qs = Campaign.objects.select_related("region", "committee")
    if paths is None:
        return qs
    q = Q(pk__in=[])
    for p in paths:
        ancestors = ["/" + "/".join(p.strip("/").split("/")[:i]) + "/" for i in range(1, p.count("/"))]
        q |= Q(region__path__startswith=p) | Q(region__path__in=ancestors)
    return qs.filter(q)


def visible_hazards(user: User) -> QuerySet[Case]:
    return scope.visible_cases(user).filter(case_type=HAZARD)


def get_hazard(user: User, pk: int) -> Case:
    case = visible_hazards(user).select_related("hazard", "hazard__organisation").filter(pk=pk).first()
    if case is None:
        raise NotFound("隐患不存在或无权查看", code="hazard_not_found")
    return case


# --- Lists -----------------------------------------------------------------------------------------


@dataclass
class OrganisationFilter:
    region: str | None = None  # region code: its whole subtree
    committee: str | None = None  # committee code
    kind: str | None = None
    venue: str | None = None
    status: str | None = None
    risk: str | None = None
    listed: bool | None = None
    q: str | None = None  # name, USCC or address


def apply(qs: QuerySet[Organisation], f: OrganisationFilter) -> QuerySet[Organisation]:
    if f.region:
        region = Region.objects.filter(code=f.region).first()
        if region is None:
            raise ValidationFailed("unknown_region", f"区域代码不存在：{f.region}")
        qs = qs.filter(region_path__startswith=region.path)
    if f.committee:
        if not Committee.objects.filter(code=f.committee).exists():
            raise ValidationFailed("unknown_committee", f"专委会不存在：{f.committee}")
        qs = qs.filter(committee__code=f.committee)
    if f.kind:
        if f.kind not in OrgKind.values:
            raise ValidationFailed("invalid_kind", f"未知的单位类型：{f.kind}")
        qs = qs.filter(kind=f.kind)
    if f.venue:
        if f.venue not in Venue.values:
            raise ValidationFailed("invalid_venue", f"未知的场所类型：{f.venue}")
        qs = qs.filter(venue=f.venue)
    if f.status:
        if f.status not in OrgStatus.values:
            raise ValidationFailed("invalid_status", f"未知的单位状态：{f.status}")
        qs = qs.filter(status=f.status)
    if f.risk:
        if f.risk not in RiskLevel.values:
            raise ValidationFailed("invalid_risk", f"未知的风险等级：{f.risk}")
        qs = qs.filter(risk_level=f.risk)
    if f.listed is not None:
        qs = qs.filter(listed=f.listed)
    if f.q:
        text = f.q.strip()[:100]
        qs = qs.filter(Q(name__icontains=text) | Q(uscc=text.upper()) | Q(address__icontains=text))
    return qs


def organisations_for(user: User, f: OrganisationFilter) -> QuerySet[Organisation]:
    return (
        apply(visible_organisations(user), f)
        .select_related("region", "committee")
        .order_by("region_path", "name", "id")
    )


# --- Personal data ---------------------------------------------------------------------------------


def can_view_personal(user: User, org: Organisation) -> bool:
    return (
        scope.role_of(user) in PERSONAL_DATA_ROLES and visible_organisations(user).filter(pk=org.pk).exists()
    )


def personal(org: Organisation, *, reveal: bool = False) -> dict[str, str]:
    """The organisation's personal data, masked unless `reveal` (the caller has checked and logged)."""
    if reveal:
        return {"legal_rep": org.legal_rep, "phone": org.phone, "address": org.address}
    return {
        "legal_rep": mask_name(org.legal_rep),
        "phone": mask_phone(org.phone),
        "address": masked_address(org),
    }


def reveal_personal(user: User, org: Organisation, *, reason: str = "") -> dict[str, str]:
    """The full legal representative and phone, for a role that needs them; logs the access."""
    if not can_view_personal(user, org):
        raise NotFound("单位不存在或无权查看", code="organisation_not_found")
    PersonalDataAccess.objects.create(
        user=user,
        object_type="safety.organisation",
        object_id=str(org.pk),
        fields="legal_rep,phone,address",
        reason=reason[:200],
    )
    return personal(org, reveal=True)


def masked_address(org: Organisation) -> str:
    """Business addresses are public registration data; a rental flat's is a home address."""
    return mask_address(org.address) if org.kind == OrgKind.OTHER else org.address


# --- Inspections -----------------------------------------------------------------------------------


@dataclass
class InspectionFilter:
    kind: str | None = None  # check | patrol
    region: str | None = None  # region code: its whole subtree (the inspection's region)
    campaign: int | None = None
    organisation: int | None = None
    start: date | None = None  # inspected on or after (local date)
    end: date | None = None  # inspected on or before (local date)
    q: str | None = None  # the organisation's name or USCC, or the findings


def apply_inspections(qs: QuerySet[Inspection], f: InspectionFilter) -> QuerySet[Inspection]:
    if f.kind:
        if f.kind not in InspectionKind.values:
            raise ValidationFailed("invalid_kind", f"未知的检查类型：{f.kind}")
        qs = qs.filter(kind=f.kind)
    if f.region:
        region = Region.objects.filter(code=f.region).first()
        if region is None:
            raise ValidationFailed("unknown_region", f"区域代码不存在：{f.region}")
        qs = qs.filter(region_path__startswith=region.path)
    if f.campaign is not None:
        qs = qs.filter(campaign_id=f.campaign)
    if f.organisation is not None:
        qs = qs.filter(organisation_id=f.organisation)
    calendar.supported(f.start, "start")
    calendar.supported(f.end, "end")
    if f.start and f.end and f.start > f.end:
        raise ValidationFailed("invalid_date_range", "开始日期不能晚于结束日期")
    if f.start:
        qs = qs.filter(inspected_at__gte=_day_start(f.start))
    if f.end:
        qs = qs.filter(inspected_at__lt=_day_start(f.end + timedelta(days=1)))
    if f.q:
        text = f.q.strip()[:100]
        qs = qs.filter(
            Q(organisation__name__icontains=text)
            | Q(organisation__uscc=text.upper())
            | Q(findings__icontains=text)
        )
    return qs


def inspections_for(user: User, f: InspectionFilter) -> QuerySet[Inspection]:
    """The user's visible inspections under the filter, newest first."""
    # The hazards counted per row as a subquery, and the region without its boundary: a count over
    # the join grouped every inspection by all the joined columns, the region's GeoJSON included
    # (SQLite: 258 ms for the demo township's first page, docs/benchmarks.md fix 34).
    return (
        apply_inspections(visible_inspections(user), f)
        .select_related("organisation", "region", "campaign", "inspector")
        .defer("region__boundary")
        .annotate(hazard_count=count_per_row(HazardDetail, "inspection"))
        .order_by("-inspected_at", "-id")
    )


def count_per_row(model: type[Any], fk: str) -> Coalesce:
    """How many rows of `model` point through `fk` to the outer query's row (0 when none), as a
    subquery: counting over a join instead groups the outer rows by every selected column, and
    multiplies them when two such counts share the query."""
    rows = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=calendar.TZ)
