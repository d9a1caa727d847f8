"""Safety services: inspections with hazards (atomically), the hazard clock by grade, enforcement,
campaigns and tasks, photos. Every refused call leaves nothing written."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.safety.helpers import (
    MICRO_A11,
    MICRO_B11,
    Clock,
    act,
    at,
    drive_hazard,
    general,
    inspect,
    major,
    org,
    snapshot,
)
from tests.township import Township
from zhizhi.accounts import scope
from zhizhi.cases.models import Case, CaseEvent, Priority
from zhizhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhizhi.safety import services
from zhizhi.safety.models import (
    Campaign,
    EnforcementAction,
    EnforcementKind,
    Grade,
    HazardDetail,
    Inspection,
    InspectionPhoto,
    InspectionTask,
    Organisation,
    OrgStatus,
)
from zhizhi.safety.workflow import HAZARD, NOTIFIED, RECEIVED, RECTIFIED
from zhizhi.territory.models import Region

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        Inspection.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        HazardDetail.objects.count(),
        EnforcementAction.objects.count(),
    )


# --- Inspections and hazards -----------------------------------------------------------------------


def test_an_inspection_registers_each_hazard_as_a_case_with_its_detail(township: Township) -> None:
    # Given an enterprise in 杜庄1-1
    company = org(township, 1)
    when = at("2024-03-04 09:00")
    # When grid_a1 records handler_emg's inspection with a general and a major hazard
    result = inspect(township, company, when=when, hazards=[general(), major()])
    # Then one inspection and two hazard cases exist, registered through the engine
    insp = result.inspection
    assert (insp.organisation, insp.inspector.username, insp.recorded_by.username) == (
        company,
        "handler_emg",
        "grid_a1",
    )
    assert insp.checklist == [
        {"item": "消防通道畅通", "passed": False},
        {"item": "灭火器在有效期内", "passed": True},
    ]
    assert insp.failed_items == 1
    h1, h2 = result.hazards
    for case, grade, priority in ((h1, Grade.GENERAL, Priority.NORMAL), (h2, Grade.MAJOR, Priority.URGENT)):
        case.refresh_from_db()
        assert (case.case_type, case.channel, case.status, case.priority) == (
            "hazard",
            "inspection",
            RECEIVED,
            priority,
        )
        assert (case.department.code, case.assignee.username, case.created_by.username) == (
            "emergency", "handler_emg", "grid_a1"
        )  # fmt: skip
        assert case.region.code == MICRO_A11
        assert case.received_at == when
        assert case.title.startswith("测试企业1：")
        assert (case.hazard.grade, case.hazard.organisation, case.hazard.inspection) == (grade, company, insp)
        assert [(e.action, e.actor.username) for e in case.events.order_by("id")] == [
            ("create", "grid_a1"),
            ("record_hazard", "grid_a1"),
        ]
    assert h1.category.code == "fire_facility_lane"
    assert h1.events.get(action="record_hazard").data == {
        "grade": "general",
        "organisation": "测试企业1",
        "uscc": company.uscc,
        "department": "emergency",
        "assignee": "handler_emg",
    }
    assert h1.dispatched_at == when


def test_one_bad_hazard_writes_nothing_of_the_inspection(township: Township) -> None:
    company = org(township, 1)
    before = counts()
    bad = services.HazardInput(description="不是隐患类别", category="street_vending")
    with pytest.raises(ValidationFailed) as exc:
        inspect(township, company, when=at("2024-03-04 09:00"), hazards=[general(), bad])
    assert exc.value.code == "invalid_hazard_category"
    assert counts() == before


def test_a_failure_inside_create_case_rolls_back_the_inspection(township: Township) -> None:
    company = org(township, 1)
    before = counts()
    # Given the organisation's micro-grid deactivated since: create_case refuses the region, after
    # the inspection row has been inserted
    Region.objects.filter(code=MICRO_A11).update(is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        inspect(township, company, when=at("2024-03-04 09:00"), hazards=[general()])
    assert exc.value.code == "unknown_region"
    assert counts() == before


def test_out_of_scope_recorders_are_refused_and_nothing_is_written(township: Township) -> None:
    company = org(township, 1)
    before = counts()
    # grid_b1 cannot see an organisation in village A: not found
    with pytest.raises(NotFound):
        inspect(township, company, when=at("2024-03-04 09:00"), hazards=[general()], by="grid_b1")
    # a handler of another department than the hazards' may not register hazards, so not
    # inspections either (the safety inspector, handler_emg, may: CaseType.department)
    with pytest.raises(PermissionDenied) as exc:
        inspect(township, company, when=at("2024-03-04 09:00"), hazards=[general()], by="handler_enf")
    assert exc.value.code == "forbidden_role"
    assert counts() == before


def test_the_hotline_operator_records_no_hazards_a_grid_worker_does(township: Township) -> None:
    company = org(township, 1)
    before = counts()
    with pytest.raises(PermissionDenied) as exc:
        inspect(township, company, when=at("2024-03-04 09:00"), hazards=[general()], by="operator")
    assert exc.value.code == "forbidden_role"
    assert counts() == before
    # the operator still registers events (a caller's report of a danger) in the same place
    assert scope.may_create(township.users["operator"], "event")
    assert not scope.may_create(township.users["operator"], HAZARD)
    inspect(township, company, when=at("2024-03-04 09:00"), hazards=[general()], by="grid_a1")
    assert Case.objects.filter(case_type=HAZARD).count() == 1


def test_a_safety_inspector_records_anywhere_and_a_deadline_notifies_at_once(township: Township) -> None:
    # Given an enterprise in village B, which handler_emg (no regions of their own) may inspect
    company = org(township, 7, region=MICRO_B11)
    when = at("2024-03-04 09:00")
    with_deadline = general()
    with_deadline.deadline = date(2024, 3, 8)
    # When the inspector records their own inspection with one hazard given its deadline on the spot
    result = inspect(township, company, when=when, hazards=[with_deadline, major()], by="handler_emg")
    # Then the first hazard is notified at the inspection (due at the end of the deadline day), the
    # second waits for its notice; both are the inspector's
    h1, h2 = (Case.objects.get(pk=c.pk) for c in result.hazards)
    assert (h1.status, h1.due_at, h1.clock_started_at) == (NOTIFIED, at("2024-03-08 23:59:59"), when)
    assert (h1.hazard.notified_at, h2.status) == (when, RECEIVED)
    assert [(e.action, e.actor.username, e.at) for e in h1.events.order_by("at", "id")] == [
        ("create", "handler_emg", when),
        ("record_hazard", "handler_emg", when),
        ("notify", "handler_emg", when),
    ]
    assert {(c.created_by.username, c.assignee.username, c.department.code) for c in (h1, h2)} == {
        ("handler_emg", "handler_emg", "emergency")
    }


@pytest.mark.parametrize(
    ("by", "deadline", "code"),
    [
        ("grid_a1", date(2024, 3, 8), "forbidden_notice"),  # only a safety inspector notifies
        ("handler_emg", date(2024, 3, 1), "invalid_deadline"),  # before the inspection
        ("handler_emg", date(2025, 3, 6), "invalid_deadline"),  # more than 366 days on
    ],
)
def test_a_refused_on_the_spot_deadline_writes_nothing(
    township: Township, by: str, deadline: date, code: str
) -> None:
    company = org(township, 1)
    before = counts()
    bad = general()
    bad.deadline = deadline
    with pytest.raises((ValidationFailed, PermissionDenied)) as exc:
        inspect(township, company, when=at("2024-03-04 09:00"), hazards=[general(), bad], by=by)
    assert (exc.value.code, exc.value.details["hazard"], exc.value.details["field"]) == (code, 1, "deadline")
    assert exc.value.message.startswith("第 2 个隐患：")
    assert counts() == before


def test_photos_are_attached_in_the_same_transaction(
    township: Township, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    company = org(township, 1)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    data = services.InspectionInput(inspector="handler_emg", inspected_at=at("2024-03-04 09:00"),
                                    organisation=company, hazards=[general()])  # fmt: skip
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.record_inspection(
            actor=township.users["grid_a1"],
            data=data,
            photos=[SimpleUploadedFile("a.png", png), SimpleUploadedFile("b.txt", b"not an image")],
            now=at("2024-03-04 10:00"),
        )
    assert (exc.value.code, counts(), InspectionPhoto.objects.count()) == ("invalid_photo", before, 0)
    done = services.record_inspection(
        actor=township.users["grid_a1"], data=data, photos=[SimpleUploadedFile("a.png", png)],
        now=at("2024-03-04 10:00"),
    )  # fmt: skip
    assert list(done.inspection.photos.values_list("content_type", "original_name")) == [
        ("image/png", "a.png")
    ]


def test_closed_organisations_are_not_inspected_suspended_ones_are(township: Township) -> None:
    company = org(township, 1)
    Organisation.objects.filter(pk=company.pk).update(status=OrgStatus.CLOSED)
    with pytest.raises(ValidationFailed) as exc:
        inspect(township, company, when=at("2024-03-04 09:00"))
    assert exc.value.code == "organisation_closed"
    Organisation.objects.filter(pk=company.pk).update(status=OrgStatus.SUSPENDED)
    assert inspect(township, company, when=at("2024-03-04 09:00")).inspection.pk


def test_an_inspection_cannot_be_in_the_future_or_a_patrol_carry_hazards(township: Township) -> None:
    company = org(township, 1)
    with pytest.raises(ValidationFailed):
        inspect(township, company, when=at("2024-03-05 09:00"), now=at("2024-03-04 09:00"))
    patrol = services.InspectionInput(
        inspector="handler_emg", inspected_at=at("2024-03-04 09:00"), kind="patrol", region=MICRO_A11
    )
    done = services.record_inspection(
        actor=township.users["grid_a1"], data=patrol, now=at("2024-03-04 10:00")
    )
    assert (done.inspection.kind, done.inspection.organisation, done.hazards) == ("patrol", None, [])
    patrol.hazards = [general()]
    with pytest.raises(ValidationFailed):
        services.record_inspection(actor=township.users["grid_a1"], data=patrol, now=at("2024-03-04 10:00"))


# --- The hazard clock ------------------------------------------------------------------------------


def eod(day: str) -> Any:
    return at(f"{day} 23:59:59")


def test_a_general_hazard_is_due_seven_working_days_after_the_notice(township: Township) -> None:
    # Given a general hazard found on Monday 2024-03-04
    case = drive_hazard(township, RECEIVED).case
    # When it is notified without a deadline on the same day
    act(township, case, "notify", now=at("2024-03-04 11:00"), deadline=None)
    case.refresh_from_db()
    # Then it is due at the end of the 7th working day after the notice (Wed 2024-03-13)
    assert (case.sla_target, case.sla_unit, case.sla_policy.name) == (
        7,
        "working_days",
        "隐患·一般隐患整改期限",
    )
    assert case.due_at == eod("2024-03-13")
    assert case.clock_started_at == at("2024-03-04 11:00")


def test_the_notice_can_set_its_own_deadline(township: Township) -> None:
    case = drive_hazard(township, NOTIFIED).case  # notified with deadline 2024-03-15
    assert case.due_at == eod("2024-03-15")
    assert case.hazard.notice_no == "六横安监责改〔2024〕1号"


def test_a_deadline_in_the_past_is_refused_and_nothing_changes(township: Township) -> None:
    case = drive_hazard(township, RECEIVED).case
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as exc:
        act(township, case, "notify", now=at("2024-03-04 11:00"), deadline="2024-03-01")
    assert (exc.value.code, exc.value.details["field"]) == ("invalid_deadline", "deadline")
    assert snapshot(case) == before


def test_a_major_hazard_is_due_by_its_governance_plan(township: Township) -> None:
    clock = Clock()
    case = drive_hazard(township, NOTIFIED, Grade.MAJOR, clock=clock).case
    assert case.priority == Priority.URGENT
    assert case.sla_policy.name == "隐患·重大隐患（治理方案报备前）"
    act(township, case, "file_plan", now=clock.tick())
    case.refresh_from_db()
    assert case.due_at == eod("2024-05-31")
    d = case.hazard
    assert (str(d.plan_funds), d.plan_deadline, d.plan_people) == (
        "12.50",
        date(2024, 5, 31),
        "企业主要负责人张某，安全员李某",
    )
    # a revised plan moves the deadline again and says it was a revision
    act(township, case, "file_plan", now=clock.tick(), plan_deadline="2024-06-30")
    case.refresh_from_db()
    assert case.due_at == eod("2024-06-30")
    assert case.events.filter(action="file_plan").order_by("id").last().data["revision"] is True


@pytest.mark.parametrize(
    ("field", "value"), [("funds", "十万"), ("funds", "-1"), ("plan_deadline", "2024-02-30"), ("goals", "")]
)
def test_a_bad_plan_is_refused_and_nothing_changes(township: Township, field: str, value: str) -> None:
    clock = Clock()
    case = drive_hazard(township, NOTIFIED, Grade.MAJOR, clock=clock).case
    before = snapshot(case)
    with pytest.raises(ValidationFailed):
        act(township, case, "file_plan", now=clock.tick(), **{field: value})
    assert snapshot(case) == before


def test_passing_reinspection_resolves_the_case_on_time_or_late(township: Township) -> None:
    clock = Clock()
    on_time = drive_hazard(township, RECTIFIED, clock=clock).case  # submitted on 2024-03-04
    submitted = on_time.hazard.rectified_at
    act(township, on_time, "reinspect_pass", now=at("2024-03-18 10:00"))  # re-inspected after the deadline
    on_time.refresh_from_db()
    # 办结 when the organisation finished (confirmed by the re-inspection), so on time
    assert (on_time.resolved_at, on_time.resolved_on_time) == (submitted, True)
    assert on_time.resolved_at <= on_time.due_at
    assert on_time.hazard.verified_at == at("2024-03-18 10:00")
    assert on_time.resolution == "已清理通道并设置警示标志"

    late = drive_hazard(township, NOTIFIED, clock=Clock(), n=2).case
    act(township, late, "start_rectification", now=at("2024-03-05 10:00"))
    act(township, late, "submit_rectification", now=at("2024-03-20 10:00"))  # after 2024-03-15
    act(township, late, "reinspect_pass", now=at("2024-03-21 10:00"))
    late.refresh_from_db()
    assert late.resolved_on_time is False
    assert late.events.get(action="submit_rectification").data["before_due"] is False


def test_attachments_must_be_a_list_of_references(township: Township) -> None:
    clock = Clock()
    case = drive_hazard(township, "rectifying", clock=clock).case
    before = snapshot(case)
    with pytest.raises(ValidationFailed):
        act(township, case, "submit_rectification", now=clock.tick(), attachments="photo.jpg")
    assert snapshot(case) == before


# --- Enforcement -----------------------------------------------------------------------------------


def enforce(
    t: Township, company: Organisation, kind: str, by: str = "handler_emg", **kw: Any
) -> EnforcementAction:
    return services.record_enforcement(
        actor=t.users[by],
        organisation=company,
        kind=kind,
        decided_on=kw.pop("decided_on", date(2024, 3, 5)),
        reason=kw.pop("reason", "存在重大事故隐患"),
        now=at("2024-03-06 09:00"),
        **kw,
    )


def test_suspension_and_its_lifting_change_the_status(township: Township) -> None:
    company = org(township, 1)
    enforce(township, company, EnforcementKind.SUSPENSION_ORDER, document_no="六横应急停〔2024〕1号")
    company.refresh_from_db()
    assert company.status == OrgStatus.SUSPENDED
    assert company.is_suspended
    with pytest.raises(Conflict):
        enforce(township, company, EnforcementKind.SUSPENSION_ORDER)
    enforce(township, company, EnforcementKind.SUSPENSION_LIFTED, reason="隐患整改完毕，经审查同意恢复")
    company.refresh_from_db()
    assert company.status == OrgStatus.OPEN
    with pytest.raises(Conflict):
        enforce(township, company, EnforcementKind.SUSPENSION_LIFTED)
    assert list(company.enforcements.order_by("id").values_list("kind", flat=True)) == [
        "suspension_order",
        "suspension_lifted",
    ]


def test_referral_to_the_police_counts_the_persons_detained(township: Township) -> None:
    company = org(township, 1)
    record = enforce(township, company, EnforcementKind.POLICE_REFERRAL, by="handler_enf", persons_detained=2)
    assert record.persons_detained == 2
    with pytest.raises(ValidationFailed):
        enforce(township, company, EnforcementKind.CASE_FILED, persons_detained=1)


def test_who_may_record_enforcement(township: Township) -> None:
    company = org(township, 1)
    before = counts()
    for user in ("grid_a1", "dispatcher", "operator", "cadre_a"):
        with pytest.raises(PermissionDenied):
            enforce(township, company, EnforcementKind.CASE_FILED, by=user)
    assert counts() == before
    assert enforce(township, company, EnforcementKind.CASE_FILED, by="leader").kind == "case_filed"


def test_enforcement_records_are_append_only(township: Township) -> None:
    record = enforce(township, org(township, 1), EnforcementKind.CASE_FILED)
    with pytest.raises(RuntimeError):
        record.save()
    with pytest.raises(RuntimeError):
        record.delete()


def test_a_hazard_of_another_organisation_cannot_be_cited(township: Township) -> None:
    case = drive_hazard(township, RECEIVED).case
    other = org(township, 2)
    with pytest.raises(ValidationFailed):
        enforce(township, other, EnforcementKind.SUSPENSION_ORDER, hazard=case)
    other.refresh_from_db()
    assert other.status == OrgStatus.OPEN


# --- Campaigns and tasks ---------------------------------------------------------------------------


def test_campaigns_tasks_and_inspections_that_fulfil_them(township: Township) -> None:
    t = township
    a, b = org(t, 1), org(t, 2, region=MICRO_B11)
    with pytest.raises(PermissionDenied):
        services.create_campaign(actor=t.users["grid_a1"], name="x", kind="campaign", region="330903107000",
                                 starts_on=date(2024, 3, 1))  # fmt: skip
    sweep = services.create_campaign(
        actor=t.users["dispatcher"],
        name="燃气安全专项检查",
        kind="campaign",
        region="330903107000",
        committee="gas",
        starts_on=date(2024, 3, 1),
        ends_on=date(2024, 3, 31),
    )
    tasks = services.assign_tasks(
        actor=t.users["dispatcher"], campaign=sweep, organisations=[a, b], inspector="handler_emg"
    )
    assert len(tasks) == 2
    again = services.assign_tasks(
        actor=t.users["dispatcher"], campaign=sweep, organisations=[a, b], inspector="grid_a1"
    )
    assert again == []
    assert InspectionTask.objects.count() == 2
    task = InspectionTask.objects.get(organisation=a)
    done = services.record_inspection(
        actor=t.users["grid_a1"],
        data=services.InspectionInput(
            inspector="handler_emg", inspected_at=at("2024-03-10 10:00"), organisation=a, task=task
        ),
        now=at("2024-03-10 11:00"),
    )
    assert done.inspection.campaign == sweep
    assert list(task.inspections.all()) == [done.inspection]
    # outside the campaign's period
    with pytest.raises(ValidationFailed) as exc:
        inspect(t, a, when=at("2024-04-02 10:00"), campaign=sweep)
    assert exc.value.code == "outside_campaign"
    assert Campaign.objects.count() == 1


# --- Photos ----------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_photos_are_checked_by_content(township: Township, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    insp = inspect(township, org(township, 1), when=at("2024-03-04 09:00")).inspection
    photos = services.attach_photos(
        actor=township.users["grid_a1"], inspection=insp, files=[SimpleUploadedFile("现场.png", PNG)]
    )
    assert [(p.content_type, p.original_name, p.size) for p in photos] == [
        ("image/png", "现场.png", len(PNG))
    ]
    assert photos[0].file.name.endswith(".png")
    assert "现场" not in photos[0].file.name
    with pytest.raises(ValidationFailed):
        services.attach_photos(
            actor=township.users["grid_a1"], inspection=insp, files=[SimpleUploadedFile("x.png", b"<svg/>")]
        )
    with pytest.raises(PermissionDenied):
        services.attach_photos(
            actor=township.users["cadre_a"], inspection=insp, files=[SimpleUploadedFile("y.png", PNG)]
        )
    assert InspectionPhoto.objects.count() == 1


def test_saving_an_organisation_validates_and_refuses_duplicates(township: Township) -> None:
    company = org(township, 1)
    with pytest.raises(Conflict):
        org(township, 1, name="另一个名字")
    with pytest.raises(ValidationFailed) as exc:
        services.save_organisation(
            actor=township.users["admin"],
            data=services.OrganisationInput(kind="enterprise", name="无代码企业", region=MICRO_A11),
        )
    assert exc.value.code == "missing_uscc"
    with pytest.raises(PermissionDenied):
        services.save_organisation(
            actor=township.users["grid_a1"],
            data=services.OrganisationInput(kind="other", name="出租房", region=MICRO_A11),
        )
    assert company.region_path.endswith(f"/{MICRO_A11}/")
