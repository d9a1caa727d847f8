"""The safety part of `zhizhi demo`: the seed's figures (× scale), hazards that look exactly like the
services wrote them, and determinism. One build at scale 0.2 for the module, rolled back after."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases import sla
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.core.calendar import TZ
from zhizhi.safety import demo, uscc
from zhizhi.safety.figures import FigureFilter, compute, inspected_organisations
from zhizhi.safety.models import (
    Campaign,
    CampaignKind,
    Grade,
    HazardDetail,
    Inspection,
    Organisation,
    OrgStatus,
)
from zhizhi.safety.workflow import HAZARD_WORKFLOW
from zhizhi.territory import locate

pytestmark = pytest.mark.django_db(transaction=False)

SCALE = 0.2
SEED = 11
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def n(x: float) -> int:
    return round(x * SCALE)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker) -> Iterator[str]:  # noqa: ANN001
    locate.reset()
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        out = StringIO()
        call_command("demo", seed=SEED, scale=SCALE, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
    locate.reset()


def campaign(kind: str, name_part: str = "") -> Campaign:
    return Campaign.objects.get(kind=kind, name__contains=name_part)


def test_the_build_reports_its_safety_part(built: str) -> None:
    line = next(line for line in built.splitlines() if line.startswith("safety: "))
    assert f"{n(87)} major" in line


def test_the_year_matches_the_seed(built: str) -> None:
    year = FigureFilter.build(year=2023)
    ent = compute(FigureFilter.build(year=2023, kind="enterprise"))
    assert ent["register_listed"] == n(1357)
    assert ent["register_coverage"] == 1.0  # 全覆盖
    assert ent["organisations_inspected"] == n(1357) + n(2176 - 1357)
    assert ent["hazards_found"] == n(2699)
    ib = compute(FigureFilter.build(year=2023, kind="individual_business"))
    assert ib["register_listed"] == ib["organisations_inspected"] == n(5155)
    assert ib["rectification_rate"] == 1.0  # 全部整改到位
    assert ib["hazards_found"] > 0
    sweep = compute(FigureFilter.build(year=2023, campaign=campaign(CampaignKind.CAMPAIGN, "大排查").pk))
    assert (sweep["major_hazards"], sweep["suspensions"], sweep["cases_filed"], sweep["persons_detained"]) == (
        n(87), n(54), n(4), n(3)
    )  # fmt: skip
    assert compute(year, ["major_hazards"]) == {"major_hazards": n(87)}
    assert Organisation.objects.filter(status=OrgStatus.SUSPENDED).count() <= n(54)


def test_the_special_campaigns_match_the_seed(built: str) -> None:
    gas = campaign(CampaignKind.CAMPAIGN, "燃气")
    assert inspected_organisations(FigureFilter.build(campaign=gas.pk)).count() == n(77)
    night = campaign(CampaignKind.CAMPAIGN, "夜查")
    by_venue = {
        v: inspected_organisations(FigureFilter.build(campaign=night.pk, venue=v)).count()
        for v in ("shop", "rental_housing", "entertainment", "commercial_complex")
    }
    assert by_venue == {
        "shop": n(53),
        "rental_housing": n(12),
        "entertainment": n(2),
        "commercial_complex": n(5),
    }
    assert all(i.inspected_at.astimezone(TZ).hour >= 19 for i in Inspection.objects.filter(campaign=night))
    post = campaign(CampaignKind.POST_ACCIDENT)
    assert post.starts_on.isoformat() == "2023-10-13"
    got = compute(FigureFilter.build(year=2023, campaign=post.pk))
    assert (got["inspections"], got["patrols"], got["hazards_found"], got["hazards_rectified"]) == (
        n(602), n(122), n(699), n(694)
    )  # fmt: skip


def test_organisations_are_well_formed(built: str) -> None:
    orgs = list(Organisation.objects.select_related("region"))
    assert all(uscc.is_valid(o.uscc) for o in orgs if o.uscc)
    assert len({o.uscc for o in orgs if o.uscc}) == sum(1 for o in orgs if o.uscc)
    assert all(o.region.level == "micro_grid" and o.region_path == o.region.path for o in orgs)
    assert all(locate.locate_id(o.lon, o.lat) == o.region_id for o in orgs[::25])


def test_hazards_look_exactly_like_the_services_wrote_them(built: str) -> None:
    roles = dict(User.objects.values_list("id", "role"))
    users = {u.pk: u for u in User.objects.all()}
    timelines: dict[int, list[CaseEvent]] = defaultdict(list)
    for e in CaseEvent.objects.filter(case__case_type="hazard").order_by("case_id", "at", "id"):
        timelines[e.case_id].append(e)
    cases = {c.pk: c for c in Case.objects.filter(case_type="hazard").select_related("category", "region")}
    details = {d.pk: d for d in HazardDetail.objects.select_related("organisation", "inspection")}
    assert set(timelines) == set(cases) == set(details)
    actions: Counter[str] = Counter()
    for pk, events in timelines.items():
        case, detail = cases[pk], details[pk]
        create, record, *rest = events
        assert (create.action, record.action) == ("create", "record_hazard")
        assert create.at == record.at == case.received_at == detail.inspection.inspected_at
        assert scope.can_create_in(users[create.actor_id], case.region)
        assert case.region_id == detail.organisation.region_id
        assert case.department.code == "emergency"
        previous = record
        for e in rest:
            assert e.at > previous.at
            assert e.from_status == previous.to_status
            if e.action == "sla_breach":
                continue
            action = HAZARD_WORKFLOW.actions[e.action]
            assert e.from_status in action.sources
            assert e.to_status == action.next_status(e.from_status)
            assert roles[e.actor_id] in action.roles, (e.action, roles[e.actor_id])
            actions[e.action] += 1
            previous = e
        assert case.status == events[-1].to_status
        if case.resolved_at is not None:
            assert case.resolved_on_time == (case.resolved_at <= case.due_at)
            assert detail.verified_at is not None
        if detail.grade == Grade.MAJOR and detail.plan_deadline is not None:
            assert case.sla_unit == "days"
    for name in HAZARD_WORKFLOW.actions:
        assert actions[name] > 0, name


def test_hazard_clocks_are_the_real_ones(built: str) -> None:
    for e in CaseEvent.objects.filter(action="create", case__case_type="hazard").select_related(
        "case__category"
    )[::5]:
        c = e.case
        clock = sla.choose_clock(
            case_type="hazard", category=c.category, nature=None, priority=c.priority, start=c.received_at
        )
        assert e.data["due_at"] == clock.due_at.isoformat()


def test_reset_removes_every_safety_row(built: str) -> None:
    with transaction.atomic():
        count = Organisation.objects.count()
        deleted = demo.reset_safety(["/330903107000/"])
        assert deleted["safety_organisations"] == count
        for model in (Organisation, Inspection, HazardDetail, Campaign):
            assert not model.objects.exists(), model
        transaction.set_rollback(True)
