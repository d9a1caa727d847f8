"""Workplace-safety figures: each a count or a rate over querysets, for any region subtree,
committee, campaign, organisation kind and period, with the records behind it (drill-down).

Definitions (a period is a range of local dates, both ends included):

- `register_listed`     organisations on the register list (底数清单, `listed`).
- `register_coverage`   listed organisations with at least one check (单位检查) in the period
                        ÷ listed organisations. An organisation checked twice counts once; one that
                        is not listed is not in the numerator (nor the denominator).
- `inspections`         checks (家次) in the period.      `patrols`  patrols (巡查) in the period.
- `organisations_inspected`  distinct organisations with at least one check in the period.
- `hazards_found`       hazards registered (found) in the period.
- `hazards_rectified`   of those, the ones whose rectification passed re-inspection by `as_of`.
- `rectification_rate`  hazards_rectified ÷ hazards_found.
- `hazards_overdue`     of those found, the ones not rectified by `as_of` whose deadline (due_at)
                        was before `as_of`.
- `major_hazards`       hazards found in the period graded 重大.  `listed_hazards`: of those, 挂牌督办.
- `suspensions` / `cases_filed` / `police_referrals`  distinct organisations with such an
                        enforcement record decided in the period; `persons_detained` the sum of
                        persons detained in the referrals.
- `never_inspected`     listed organisations with no check in the period.

`as_of` defaults to the end of the period (or now, if that is earlier). A campaign narrows the
records to those made in it (an inspection's campaign; a hazard's inspection's; an enforcement
record's inspection's or hazard's), and the register figures (listed, coverage, never inspected) to
the organisations of its area and committee — a fire-committee night check that visits a commercial
complex still counts that visit. Region, committee, kind and venue filter through the organisation
(its current region), so a figure and its drill-down list always count the same rows. Patrols are
of an area: an organisation filter (committee, kind, venue) leaves none. With a `user`, the drill-down lists are limited to what the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases.models import Case
from zhizhi.core.errors import ValidationFailed
from zhizhi.metrics import period
from zhizhi.metrics.figures import Figure, FigureSet
from zhizhi.metrics.figures import Value as Value  # re-exported for the command and views
from zhizhi.safety import queries
from zhizhi.safety.models import (
    Campaign,
    Committee,
    EnforcementAction,
    EnforcementKind,
    Grade,
    Inspection,
    InspectionKind,
    Organisation,
    OrgKind,
    Venue,
)
from zhizhi.safety.workflow import HAZARD
from zhizhi.territory.models import Region


@dataclass(frozen=True)
class FigureFilter:
    region: Region | None = None
    committee: Committee | None = None
    campaign: Campaign | None = None
    kind: str | None = None  # organisation kind (OrgKind)
    venue: str | None = None
    start: date | None = None
    end: date | None = None
    as_of: datetime | None = None

    @classmethod
    def build(
        cls,
        *,
        region: str | None = None,
        committee: str | None = None,
        campaign: int | str | None = None,
        kind: str | None = None,
        venue: str | None = None,
        year: int | None = None,
        start: date | None = None,
        end: date | None = None,
        as_of: datetime | None = None,
    ) -> FigureFilter:
        """From codes (the CLI, the web, the API); raises ValidationFailed on an unknown one."""
        the_region = the_committee = the_campaign = None
        if region:
            the_region = Region.objects.filter(code=region).first()
            if the_region is None:
                raise ValidationFailed("unknown_region", f"区域代码不存在：{region}")
        if committee:
            the_committee = Committee.objects.filter(code=committee).first()
            if the_committee is None:
                raise ValidationFailed("unknown_committee", f"专委会不存在：{committee}")
        if campaign is not None and campaign != "":
            try:
                pk = int(campaign)
            except ValueError:
                raise ValidationFailed("unknown_campaign", f"检查计划不存在：{campaign}") from None
            the_campaign = Campaign.objects.select_related("region", "committee").filter(pk=pk).first()
            if the_campaign is None:
                raise ValidationFailed("unknown_campaign", f"检查计划不存在：{campaign}")
        if kind and kind not in OrgKind.values:
            raise ValidationFailed("invalid_kind", f"未知的单位类型：{kind}")
        if venue and venue not in Venue.values:
            raise ValidationFailed("invalid_venue", f"未知的场所类型：{venue}")
        start, end = period.days(year=year, start=start, end=end, as_of=as_of)
        return cls(the_region, the_committee, the_campaign, kind or None, venue or None, start, end, as_of)

    # --- bounds -----------------------------------------------------------------------------------

    @property
    def since(self) -> datetime | None:
        return _day_start(self.start) if self.start else None

    @property
    def until(self) -> datetime | None:
        """The first instant after the period."""
        return _day_start(self.end + timedelta(days=1)) if self.end else None

    def moment(self) -> datetime:
        """`as_of`, or the end of the period, or now — whichever comes first of the last two."""
        if self.as_of is not None:
            return self.as_of
        now = timezone.now()
        return min(self.until - timedelta(microseconds=1), now) if self.until else now


_day_start = period.day_start


def _period(field: str, f: FigureFilter) -> Q:
    q = Q()
    if f.since is not None:
        q &= Q(**{f"{field}__gte": f.since})
    if f.until is not None:
        q &= Q(**{f"{field}__lt": f.until})
    return q


def _day_period(field: str, f: FigureFilter) -> Q:
    q = Q()
    if f.start is not None:
        q &= Q(**{f"{field}__gte": f.start})
    if f.end is not None:
        q &= Q(**{f"{field}__lte": f.end})
    return q


def _org_q(f: FigureFilter, prefix: str = "") -> Q:
    """The organisation conditions of the filter itself (region, committee, kind, venue)."""
    q = Q()
    if f.region is not None:
        q &= Q(**{f"{prefix}region_path__startswith": f.region.path})
    if f.committee is not None:
        q &= Q(**{f"{prefix}committee": f.committee})
    if f.kind:
        q &= Q(**{f"{prefix}kind": f.kind})
    if f.venue:
        q &= Q(**{f"{prefix}venue": f.venue})
    return q


def _population_q(f: FigureFilter) -> Q:
    """The organisations a figure is about: the filter's, within the campaign's area and committee."""
    q = _org_q(f)
    if f.campaign is not None:
        q &= Q(region_path__startswith=f.campaign.region.path)
        if f.campaign.committee_id is not None:
            q &= Q(committee_id=f.campaign.committee_id)
    return q


# --- The querysets ---------------------------------------------------------------------------------


def organisations(f: FigureFilter) -> QuerySet[Organisation]:
    return Organisation.objects.filter(_population_q(f))


def listed(f: FigureFilter) -> QuerySet[Organisation]:
    return organisations(f).filter(listed=True)


def inspections(f: FigureFilter) -> QuerySet[Inspection]:
    qs = Inspection.objects.filter(
        _org_q(f, "organisation__"), _period("inspected_at", f), kind=InspectionKind.CHECK
    )
    return qs.filter(campaign=f.campaign) if f.campaign else qs


def patrols(f: FigureFilter) -> QuerySet[Inspection]:
    """Patrols are of an area, not an organisation: a committee, kind or venue filter leaves none."""
    if f.committee is not None or f.kind or f.venue:
        return Inspection.objects.none()
    qs = Inspection.objects.filter(_period("inspected_at", f), kind=InspectionKind.PATROL)
    if f.region is not None:
        qs = qs.filter(region_path__startswith=f.region.path)
    return qs.filter(campaign=f.campaign) if f.campaign else qs


def inspected_organisations(f: FigureFilter) -> QuerySet[Organisation]:
    return Organisation.objects.filter(_org_q(f), pk__in=inspections(f).values("organisation_id"))


def covered(f: FigureFilter) -> QuerySet[Organisation]:
    """Listed organisations with at least one check: the numerator of coverage."""
    return listed(f).filter(pk__in=inspections(f).values("organisation_id"))


def never_inspected(f: FigureFilter) -> QuerySet[Organisation]:
    return listed(f).exclude(pk__in=inspections(f).values("organisation_id"))


def hazards(f: FigureFilter) -> QuerySet[Case]:
    qs = Case.objects.filter(_org_q(f, "hazard__organisation__"), _period("received_at", f), case_type=HAZARD)
    return qs.filter(hazard__inspection__campaign=f.campaign) if f.campaign else qs


def rectified(f: FigureFilter) -> QuerySet[Case]:
    return hazards(f).filter(hazard__verified_at__isnull=False, hazard__verified_at__lte=f.moment())


def overdue(f: FigureFilter) -> QuerySet[Case]:
    at = f.moment()
    not_fixed = Q(hazard__verified_at__isnull=True) | Q(hazard__verified_at__gt=at)
    return hazards(f).filter(not_fixed, due_at__lt=at)


def major(f: FigureFilter) -> QuerySet[Case]:
    return hazards(f).filter(hazard__grade=Grade.MAJOR)


def listed_hazards(f: FigureFilter) -> QuerySet[Case]:
    return major(f).filter(hazard__listed_at__isnull=False, hazard__listed_at__lte=f.moment())


def enforcements(f: FigureFilter, kind: str | None = None) -> QuerySet[EnforcementAction]:
    qs = EnforcementAction.objects.filter(_org_q(f, "organisation__"), _day_period("decided_on", f))
    if kind:
        qs = qs.filter(kind=kind)
    if f.campaign:
        qs = qs.filter(
            Q(inspection__campaign=f.campaign) | Q(hazard__hazard__inspection__campaign=f.campaign)
        )
    return qs


def organisations_with(f: FigureFilter, kind: str) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=enforcements(f, kind).values("organisation_id"))


# --- Figures ---------------------------------------------------------------------------------------


FIGURES: dict[str, Figure] = {
    fig.code: fig
    for fig in [
        Figure("register_listed", gettext_noop("底数清单单位"), gettext_noop("家"), listed),
        Figure("register_coverage", gettext_noop("底数清单检查覆盖率"), "%", covered, denominator=listed),
        Figure("inspections", gettext_noop("检查"), gettext_noop("家次"), inspections),
        Figure("patrols", gettext_noop("巡查"), gettext_noop("次"), patrols),
        Figure(
            "organisations_inspected", gettext_noop("检查单位"), gettext_noop("家"), inspected_organisations
        ),
        Figure("hazards_found", gettext_noop("发现隐患"), gettext_noop("条"), hazards),
        Figure("hazards_rectified", gettext_noop("整改隐患"), gettext_noop("条"), rectified),
        Figure("rectification_rate", gettext_noop("隐患整改率"), "%", rectified, denominator=hazards),
        Figure("hazards_overdue", gettext_noop("超期未整改隐患"), gettext_noop("条"), overdue),
        Figure("major_hazards", gettext_noop("重大隐患"), gettext_noop("条"), major),
        Figure("listed_hazards", gettext_noop("挂牌督办重大隐患"), gettext_noop("条"), listed_hazards),
        Figure(
            "suspensions",
            gettext_noop("停产停业"),
            gettext_noop("家"),
            lambda f: organisations_with(f, EnforcementKind.SUSPENSION_ORDER),
        ),
        Figure(
            "cases_filed",
            gettext_noop("立案查处"),
            gettext_noop("家"),
            lambda f: organisations_with(f, EnforcementKind.CASE_FILED),
        ),
        Figure(
            "police_referrals",
            gettext_noop("移送公安"),
            gettext_noop("家"),
            lambda f: organisations_with(f, EnforcementKind.POLICE_REFERRAL),
        ),
        Figure(
            "persons_detained",
            gettext_noop("行政拘留"),
            gettext_noop("人"),
            lambda f: enforcements(f, EnforcementKind.POLICE_REFERRAL).filter(persons_detained__gt=0),
            total_field="persons_detained",
        ),
        Figure("never_inspected", gettext_noop("底数清单中未检查单位"), gettext_noop("家"), never_inspected),
    ]
}


def _restrict(qs: QuerySet[Any], user: User) -> QuerySet[Any]:
    """Records of any figure, limited to what `user` may see."""
    model = qs.model
    # The scope as a condition on the rows themselves, as the lists apply it (`visible_*`): a
    # `pk IN (SELECT …)` of the visible rows cost SQLite 20 ms a count on the demo township.
    if model is Case:
        return qs if scope.sees_everything(user) else scope.restrict_cases(qs, user).filter(case_type=HAZARD)
    if model in (Organisation, Inspection):
        return queries.scoped(qs, user)
    if model is EnforcementAction:
        return queries.scoped(qs, user, "organisation__region_path")
    raise TypeError(f"no scope for {model.__name__}")


FIGURE_SET: FigureSet[FigureFilter] = FigureSet(FIGURES.values(), _restrict)
_figure = FIGURE_SET.get
compute = FIGURE_SET.compute
restrict = FIGURE_SET.restrict
drill = FIGURE_SET.drill
drill_denominator = FIGURE_SET.drill_denominator
evaluate = FIGURE_SET.evaluate
evaluate_all = FIGURE_SET.evaluate_all
