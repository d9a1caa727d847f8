"""SLA: which policy sets a case's clock, how pauses, extensions and reopening move it, and the
sweep that marks breaches. Deadlines are worked out by hand from the State Council notices."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.cases.factories import Clock, act, at, create, drive, eod, row
from tests.township import Township
from zhizhi.accounts.models import Department
from zhizhi.cases import reference, sla
from zhizhi.cases.models import Case, CaseEvent, Category, SlaPolicy, Status
from zhizhi.core.errors import DomainError
from zhizhi.core.models import CalendarDay, CalendarYear, DayKind

pytestmark = pytest.mark.django_db

MON = at("2024-03-04 09:00")  # a plain week: Mon 4 – Fri 8 March 2024 are all working days


def moments(data: dict) -> dict:
    """Event data with its ISO timestamps parsed (their offsets vary; the instants are what count)."""
    return {k: datetime.fromisoformat(v) if k.endswith("_at") and v else v for k, v in data.items()}


def sweep_counts(now) -> tuple[int, int, int, int, int]:
    r = sla.sweep(now)
    return (r.newly_overdue, r.cleared_overdue, r.due_soon, r.cleared_due_soon, r.response_breached)


# --- Policy choice ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "nature", "policy", "target", "due"),
    [
        # the category's 1 working day beats a complaint's 7
        ("street_vending", "complaint", "分类·占道经营/游商", 1, "2024-03-05"),
        # a consultation's 3 working days beat the category's 5
        ("neighbor_dispute", "consultation", "诉求性质·咨询", 3, "2024-03-07"),
        # no nature: the category alone
        ("neighbor_dispute", None, "分类·邻里纠纷", 5, "2024-03-11"),
        # a nature without a limit (表扬) adds nothing
        ("neighbor_dispute", "praise", "分类·邻里纠纷", 5, "2024-03-11"),
        # a specific policy applies even when the catch-all (5) would be shorter
        ("land_homestead_dispute", None, "分类·土地/宅基地/山林纠纷", 15, "2024-03-25"),
    ],
)
def test_the_shorter_of_category_and_nature_limits_wins(
    township: Township, category: str, nature: str | None, policy: str, target: int, due: str
) -> None:
    # Given a case received on Monday 4 March 2024, 09:00
    case = create(township, now=MON, category=category, nature=nature, channel="hotline")
    # Then its clock comes from the policy with the earliest deadline, in working days
    assert (case.sla_policy.name, case.sla_target, case.sla_unit) == (policy, target, "working_days")
    assert case.due_at == eod(due)
    assert case.response_due_at == eod("2024-03-05")  # signed for within one working day
    assert (case.clock_started_at, case.received_at, case.due_provisional) == (MON, MON, False)


def test_catch_all_applies_only_when_nothing_specific_does(township: Township) -> None:
    # Given a subclass an admin added without a policy of its own
    parent = Category.objects.get(code="city_appearance")
    Category.objects.create(
        code="stray_dogs", name="流浪犬", parent=parent, department=Department.objects.get(code="enforcement")
    )
    # When a case of it is received with no nature
    case = create(township, now=MON, category="stray_dogs")
    # Then the catch-all "默认时限" (5 working days) applies
    assert (case.sla_policy.name, case.sla_target, case.sla_unit) == ("默认时限", 5, "working_days")
    assert case.due_at == eod("2024-03-11")
    assert case.response_due_at == eod("2024-03-05")


def test_no_policy_at_all_is_refused_and_nothing_is_written(township: Township) -> None:
    # Given no active policy (a bulk update: no signals, so the reference snapshot is told)
    SlaPolicy.objects.update(is_active=False)
    reference.changed()
    cases, events = Case.objects.count(), CaseEvent.objects.count()
    # When a case is registered
    with pytest.raises(DomainError) as exc:
        create(township, now=MON)
    # Then it is refused with no_sla_policy and nothing is written
    assert (exc.value.code, exc.value.status) == ("no_sla_policy", 422)
    assert (Case.objects.count(), CaseEvent.objects.count()) == (cases, events)


def test_the_policies_a_case_can_match_are_those_a_scan_of_every_policy_finds(township: Township) -> None:
    """`matching_policies` reads the snapshot's lists by category; a scan of every active policy
    with the rule spelled out must find the same ones, in the same order, for every category,
    nature and priority of every case type."""
    from zhizhi.cases.models import Priority, RequestNature

    active = list(SlaPolicy.objects.filter(is_active=True).order_by("id"))
    natures = [None, *RequestNature.objects.all()]
    checked = matched = 0
    for case_type in sorted({p.case_type for p in active}):
        for category in Category.objects.filter(is_active=True):
            for nature in natures:
                for priority in Priority.values:
                    expected = [
                        p
                        for p in active
                        if p.case_type == case_type
                        and p.category_id in {None, category.pk, category.parent_id}
                        and p.nature_id in {None, nature.pk if nature else None}
                        and p.priority in ("", priority)
                    ]
                    found = sla.matching_policies(case_type, category, nature, priority)
                    assert [p.pk for p in found] == [p.pk for p in expected]
                    checked += 1
                    matched += len(found)
    assert (checked, matched) == (6328, 23873)  # every combination matches at least the catch-all


def test_urgent_priority_counts_hours(township: Township) -> None:
    # Given an urgent case received on Friday 8 March 2024, 10:00
    start = at("2024-03-08 10:00")
    case = create(township, now=start, priority="urgent")
    # Then 24 hours (Saturday 10:00) beats the category's working day (Monday 11 March)
    assert (case.sla_policy.name, case.sla_target, case.sla_unit) == ("紧急事件", 24, "hours")
    assert case.due_at == at("2024-03-09 10:00")
    assert case.response_due_at == at("2024-03-08 12:00")


@pytest.mark.parametrize("nature", [None, "consultation"])
def test_immediate_category_is_24_hours_with_a_2_hour_response(
    township: Township, nature: str | None
) -> None:
    # Given a fire (limit 0: immediate), with or without a 3-working-day nature
    case = create(township, now=MON, category="fire_incident", nature=nature)
    # Then it is due 24 hours later and must be signed for within 2 hours
    assert (case.sla_policy.name, case.sla_target, case.sla_unit) == ("分类·火情(含山火)", 24, "hours")
    assert case.due_at == at("2024-03-05 09:00")
    assert case.response_due_at == at("2024-03-04 11:00")


def test_editing_a_policy_does_not_move_running_deadlines(township: Township) -> None:
    # Given a running case and then an admin who lengthens its policy
    d = drive(township, Status.SUSPENDED)
    SlaPolicy.objects.filter(name="分类·占道经营/游商").update(target=10)
    # When the clock is recomputed (resume)
    act(township, d.case, "resume", "handler_enf", now=d.clock.tick())
    d.case.refresh_from_db()
    # Then the snapshot (1 working day) still rules, plus the paused ten minutes
    assert (d.case.sla_target, d.case.due_at) == (1, eod("2024-03-05") + timedelta(minutes=10))


# --- Suspension --------------------------------------------------------------------------------------


def test_suspend_and_resume_move_the_deadline_by_the_paused_seconds(township: Township) -> None:
    # Given a case in progress, due Tuesday 5 March 23:59:59
    d = drive(township, Status.IN_PROGRESS)
    assert d.case.due_at == eod("2024-03-05")
    # When it is suspended at 11:00 Monday and resumed 3 days 4:05:06 later
    suspended_at = at("2024-03-04 11:00")
    resumed_at = suspended_at + timedelta(days=3, hours=4, minutes=5, seconds=6)
    act(township, d.case, "suspend", "handler_enf", {"reason": "等待检测报告"}, now=suspended_at)
    assert row(d.case)["due_at"] == eod("2024-03-05")  # unchanged while the clock is paused
    act(township, d.case, "resume", "handler_enf", now=resumed_at)
    # Then the deadline moved by exactly 273,906 seconds, and the event says so
    case = Case.objects.get(pk=d.case.pk)
    assert (case.status, case.paused_seconds, case.paused_at) == (Status.IN_PROGRESS, 273_906, None)
    assert case.due_at == at("2024-03-09 04:05:05")
    resume = CaseEvent.objects.filter(case=case, action="resume").get()
    assert moments(resume.data) == {
        "paused_seconds": 273_906,
        "old_due_at": eod("2024-03-05"),
        "due_at": at("2024-03-09 04:05:05"),
    }


def test_pauses_add_up(township: Township) -> None:
    d = drive(township, Status.IN_PROGRESS)
    for start, minutes in (("2024-03-04 11:00", 30), ("2024-03-04 14:00", 45)):
        act(township, d.case, "suspend", "handler_enf", {"reason": "等待"}, now=at(start))
        act(township, d.case, "resume", "handler_enf", now=at(start) + timedelta(minutes=minutes))
    case = Case.objects.get(pk=d.case.pk)
    assert case.paused_seconds == 75 * 60
    assert case.due_at == eod("2024-03-05") + timedelta(minutes=75)


# --- Extensions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "first_due", "days", "extended_due"),
    [
        # 2024 National Day: 29 Sep (Sun) is worked, 1–7 Oct off → 30 Sep, 8 Oct, 9 Oct
        ("2024-09-27 10:00", "2024-09-29", 3, "2024-10-09"),
        # 2025 Spring Festival: 26 Jan (Sun) worked, 28 Jan – 4 Feb off, 8 Feb (Sat) worked
        ("2025-01-24 10:00", "2025-01-26", 5, "2025-02-08"),
    ],
)
def test_approved_extension_adds_working_days_across_a_holiday(
    township: Township, received: str, first_due: str, days: int, extended_due: str
) -> None:
    # Given a case in progress received just before a long holiday
    d = drive(township, Status.IN_PROGRESS, clock=Clock(at(received)))
    assert d.case.due_at == eod(first_due)
    # When the handler asks for `days` working days and the dispatcher approves
    act(township, d.case, "request_extension", "handler_enf", {"days": days, "reason": "需要联合执法"},
        now=d.clock.tick())  # fmt: skip
    assert row(d.case)["extension_requested_days"] == days
    act(township, d.case, "approve_extension", "dispatcher", now=d.clock.tick())
    # Then the deadline moves by that many working days on the real calendar
    case = Case.objects.get(pk=d.case.pk)
    assert (case.extension_days, case.extension_requested_days) == (days, None)
    assert (case.due_at, case.due_provisional, case.status) == (eod(extended_due), False, Status.IN_PROGRESS)
    approve = CaseEvent.objects.filter(case=case, action="approve_extension").get()
    assert moments(approve.data) == {"days": days, "old_due_at": eod(first_due), "due_at": eod(extended_due)}
    assert (approve.from_status, approve.to_status) == (Status.IN_PROGRESS, Status.IN_PROGRESS)


def test_denied_extension_leaves_the_deadline(township: Township) -> None:
    d = drive(township, Status.IN_PROGRESS)
    act(township, d.case, "request_extension", "handler_enf", {"days": 3, "reason": "x"}, now=d.clock.tick())
    act(township, d.case, "deny_extension", "leader", {"reason": "理由不足"}, now=d.clock.tick())
    case = Case.objects.get(pk=d.case.pk)
    assert (case.extension_days, case.extension_requested_days, case.due_at) == (0, None, eod("2024-03-05"))


@pytest.mark.parametrize(("approved", "requested"), [(0, 21), (15, 6), (20, 1), (0, 0), (0, -2)])
def test_extension_beyond_20_working_days_in_all_is_refused(
    township: Township, approved: int, requested: int
) -> None:
    # Given a case in progress with `approved` working days already granted
    d = drive(township, Status.IN_PROGRESS)
    if approved:
        act(
            township,
            d.case,
            "request_extension",
            "handler_enf",
            {"days": approved, "reason": "x"},
            now=d.clock.tick(),
        )
        act(township, d.case, "approve_extension", "dispatcher", now=d.clock.tick())
    before, n = row(d.case), CaseEvent.objects.count()
    # When the handler asks for more than the remaining allowance (or for nothing)
    with pytest.raises(DomainError) as exc:
        act(township, d.case, "request_extension", "handler_enf", {"days": requested, "reason": "再延"},
            now=d.clock.tick())  # fmt: skip
    # Then extension_too_long, and nothing changed
    assert (exc.value.code, exc.value.status) == ("extension_too_long", 422)
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


def test_extension_up_to_the_limit_is_accepted(township: Township) -> None:
    d = drive(township, Status.IN_PROGRESS)
    for days in (15, 5):
        act(
            township,
            d.case,
            "request_extension",
            "handler_enf",
            {"days": days, "reason": "x"},
            now=d.clock.tick(),
        )
        act(township, d.case, "approve_extension", "dispatcher", now=d.clock.tick())
    # 5 March + 20 working days (no holidays in March 2024) = 2 April
    assert (row(d.case)["extension_days"], row(d.case)["due_at"]) == (20, eod("2024-04-02"))


def test_extension_cannot_be_requested_after_the_deadline(township: Township) -> None:
    # Given a case in progress that was due Tuesday 5 March 23:59:59
    d = drive(township, Status.IN_PROGRESS)
    before, n = row(d.case), CaseEvent.objects.count()
    # When the handler asks for an extension on Wednesday morning
    with pytest.raises(DomainError) as exc:
        act(township, d.case, "request_extension", "handler_enf", {"days": 2, "reason": "来不及"},
            now=at("2024-03-06 09:00"))  # fmt: skip
    # Then the before_due guard refuses it, and nothing changed
    assert (exc.value.code, exc.value.status, exc.value.details) == (
        "guard_failed",
        409,
        {"guard": "before_due"},
    )
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


def test_extension_can_still_be_requested_at_the_last_second(township: Township) -> None:
    d = drive(township, Status.IN_PROGRESS)
    act(
        township,
        d.case,
        "request_extension",
        "handler_enf",
        {"days": 1, "reason": "x"},
        now=eod("2024-03-05"),
    )
    assert row(d.case)["extension_requested_days"] == 1


# --- Resolution and reopening -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resolved_at", "on_time"), [("2024-03-05 23:59:59", True), ("2024-03-06 00:00", False)]
)
def test_resolved_on_time_compares_with_the_deadline(
    township: Township, case_in_progress: Case, resolved_at: str, on_time: bool
) -> None:
    act(township, case_in_progress, "resolve", "handler_enf", {"resolution": "已处理"}, now=at(resolved_at))
    case = Case.objects.get(pk=case_in_progress.pk)
    assert (case.status, case.resolved_at, case.resolved_on_time) == (
        Status.RESOLVED,
        at(resolved_at),
        on_time,
    )
    assert CaseEvent.objects.filter(case=case, action="resolve").get().data == {"on_time": on_time}


def test_reopen_restarts_the_clock(township: Township) -> None:
    # Given a case resolved late after a pause and an extension, then visited: 不满意
    d = drive(township, Status.IN_PROGRESS)
    act(township, d.case, "request_extension", "handler_enf", {"days": 2, "reason": "x"}, now=d.clock.tick())
    act(township, d.case, "approve_extension", "dispatcher", now=d.clock.tick())
    act(township, d.case, "suspend", "handler_enf", {"reason": "x"}, now=d.clock.tick())
    act(township, d.case, "resume", "handler_enf", now=d.clock.tick())
    act(township, d.case, "resolve", "handler_enf", {"resolution": "已劝离"}, now=at("2024-03-06 10:00"))
    act(township, d.case, "return_visit", "operator", {"reached": True, "satisfaction": "unsatisfied"},
        now=at("2024-03-06 15:00"))  # fmt: skip
    # When the operator reopens it on Thursday 7 March, 10:00
    reopened_at = at("2024-03-07 10:00")
    act(township, d.case, "reopen", "operator", {"reason": "摊贩又回来了"}, now=reopened_at)
    # Then the clock starts again from the snapshot target, with no pause or extension carried over
    case = Case.objects.get(pk=d.case.pk)
    assert case.status == Status.DISPATCHED
    assert (case.clock_started_at, case.dispatched_at, case.reopen_count) == (reopened_at, reopened_at, 1)
    assert (case.extension_days, case.extension_requested_days, case.paused_seconds) == (0, None, 0)
    assert (case.due_at, case.response_due_at) == (eod("2024-03-08"), eod("2024-03-08"))
    assert (case.resolution, case.resolved_at, case.resolved_on_time, case.satisfaction) == (
        "",
        None,
        None,
        "",
    )
    assert (case.is_overdue, case.is_due_soon) == (False, False)
    reopen = CaseEvent.objects.filter(case=case, action="reopen").get()
    assert moments(reopen.data) == {
        "previous_resolution": "已劝离",
        "previous_resolved_at": at("2024-03-06 10:00"),
        "due_at": eod("2024-03-08"),
    }


def test_a_reopened_case_signed_for_promptly_is_not_a_response_breach(township: Township) -> None:
    # Given a case resolved and reopened three days after it was received
    d = drive(township, Status.RESOLVED)
    act(township, d.case, "return_visit", "operator", {"reached": True, "satisfaction": "unsatisfied"},
        now=d.clock.tick())  # fmt: skip
    act(township, d.case, "reopen", "operator", {"reason": "未解决"}, now=at("2024-03-07 10:00"))
    # When the sweep runs and the handler signs for it within the hour
    assert sweep_counts(at("2024-03-07 10:30")) == (0, 0, 0, 0, 0)
    act(township, d.case, "accept", "handler_enf", now=at("2024-03-07 11:00"))
    # Then the first deadline to sign for it (long past) is not held against the new round
    assert row(d.case)["response_breached"] is False


# --- Response time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accepted_at", "breached"), [("2024-03-05 23:59:59", False), ("2024-03-06 08:00", True)]
)
def test_late_accept_is_a_response_breach(
    township: Township, case_dispatched: Case, accepted_at: str, breached: bool
) -> None:
    # Given a case dispatched on Monday (to be signed for by Tuesday 23:59:59)
    assert case_dispatched.response_due_at == eod("2024-03-05")
    # When the handler signs for it
    act(township, case_dispatched, "accept", "handler_enf", now=at(accepted_at))
    # Then it is a response breach only when late
    case = Case.objects.get(pk=case_dispatched.pk)
    assert (case.accepted_at, case.response_breached, case.assignee.username) == (
        at(accepted_at),
        breached,
        "handler_enf",
    )


# --- Sweep ------------------------------------------------------------------------------------------


def test_sweep_marks_a_breach_once(case_in_progress: Case) -> None:
    # Given a case in progress due Tuesday 23:59:59
    assert case_in_progress.due_at == eod("2024-03-05")
    # When the sweep runs on Wednesday morning
    wednesday = at("2024-03-06 09:00")
    assert sweep_counts(wednesday) == (1, 0, 0, 0, 0)
    # Then it is overdue with one sla_breach event
    case = Case.objects.get(pk=case_in_progress.pk)
    assert (case.is_overdue, case.is_due_soon) == (True, False)
    breach = CaseEvent.objects.filter(case=case, action="sla_breach").get()
    assert (breach.at, breach.actor, breach.from_status, breach.to_status) == (
        wednesday,
        None,
        Status.IN_PROGRESS,
        Status.IN_PROGRESS,
    )
    # And a second run (now or later) changes nothing
    before, n = row(case), CaseEvent.objects.count()
    assert sweep_counts(wednesday) == (0, 0, 0, 0, 0)
    assert sweep_counts(wednesday + timedelta(hours=5)) == (0, 0, 0, 0, 0)
    assert row(case) == before
    assert CaseEvent.objects.count() == n


def test_sweep_flags_due_soon_and_an_approved_extension_clears_it(township: Township) -> None:
    # Given a case in progress due Tuesday 23:59:59, and a sweep on Tuesday morning
    d = drive(township, Status.IN_PROGRESS)
    assert sweep_counts(at("2024-03-05 09:00")) == (0, 0, 1, 0, 0)
    assert row(d.case)["is_due_soon"] is True
    # When two more working days are approved (the approval itself refreshes the flags)
    act(
        township,
        d.case,
        "request_extension",
        "handler_enf",
        {"days": 2, "reason": "x"},
        now=at("2024-03-05 09:10"),
    )
    act(township, d.case, "approve_extension", "dispatcher", now=at("2024-03-05 09:20"))
    assert row(d.case)["is_due_soon"] is False
    # and the sweep runs again, it has nothing left to change
    assert sweep_counts(at("2024-03-05 09:30")) == (0, 0, 0, 0, 0)
    # Then the case is no longer due soon, nor overdue
    assert (row(d.case)["is_due_soon"], row(d.case)["is_overdue"], row(d.case)["due_at"]) == (
        False,
        False,
        eod("2024-03-07"),
    )


def test_approving_an_extension_clears_overdue(township: Township) -> None:
    # Given an extension asked for in time, and a sweep that marks the case overdue before approval
    d = drive(township, Status.IN_PROGRESS)
    act(township, d.case, "request_extension", "handler_enf", {"days": 2, "reason": "x"}, now=d.clock.tick())
    assert sweep_counts(at("2024-03-06 09:00")) == (1, 0, 0, 0, 0)
    # When the dispatcher approves it
    act(township, d.case, "approve_extension", "dispatcher", now=at("2024-03-06 10:00"))
    # Then it is no longer overdue, and the sweep agrees
    assert row(d.case)["is_overdue"] is False
    assert sweep_counts(at("2024-03-06 10:30")) == (0, 0, 0, 0, 0)


def test_sweep_skips_suspended_cases(case_suspended: Case) -> None:
    # Given a case suspended on Monday (due Tuesday)
    before, n = row(case_suspended), CaseEvent.objects.count()
    # When the sweep runs on Thursday
    assert sweep_counts(at("2024-03-07 09:00")) == (0, 0, 0, 0, 0)
    # Then the paused case is untouched
    assert row(case_suspended) == before
    assert CaseEvent.objects.count() == n


@pytest.mark.parametrize("done", ["case_resolved", "case_closed"])
def test_sweep_leaves_finished_cases_alone(request: pytest.FixtureRequest, done: str) -> None:
    case = request.getfixturevalue(done)
    before, n = row(case), CaseEvent.objects.count()
    assert sweep_counts(at("2024-03-20 09:00")) == (0, 0, 0, 0, 0)
    assert (row(case), CaseEvent.objects.count()) == (before, n)


def test_sweep_marks_dispatched_cases_not_signed_for(case_dispatched: Case) -> None:
    # Given a case dispatched Monday and not signed for by Tuesday 23:59:59
    # When the sweep runs on Wednesday, then it is both overdue and a response breach
    assert sweep_counts(at("2024-03-06 09:00")) == (1, 0, 0, 0, 1)
    assert (row(case_dispatched)["response_breached"], row(case_dispatched)["is_overdue"]) == (True, True)
    assert sweep_counts(at("2024-03-06 09:00")) == (0, 0, 0, 0, 0)


def test_sweep_command_reports_counts(township: Township, capsys) -> None:
    from django.core.management import call_command

    drive(township, Status.RECEIVED, clock=Clock(at("2020-01-06 09:00")))
    call_command("sweep")
    assert capsys.readouterr().out.strip() == (
        "newly overdue 1, cleared overdue 0, due soon 0, cleared due soon 0, response breached 0"
    )


# --- Provisional deadlines --------------------------------------------------------------------------


def test_recompute_provisional_after_the_notice_is_entered(township: Township) -> None:
    # Given cases received when the 2027 notice was not yet published
    new_year = create(township, now=at("2026-12-31 10:00"))  # 1 Jan 2027 (fallback holiday), weekend → 4 Jan
    festival = create(township, now=at("2027-02-04 10:00"))  # fallback: Friday 5 Feb
    closed = drive(township, Status.CLOSED, clock=Clock(at("2027-02-04 11:00"))).case
    assert [(c.due_at, c.due_provisional) for c in (new_year, festival)] == [
        (eod("2027-01-04"), True),
        (eod("2027-02-05"), True),
    ]
    closed_before = row(closed)
    # When the 2027 notice is entered (New Year's Day, Spring Festival 5–11 Feb) and open cases recomputed
    year, _ = CalendarYear.objects.update_or_create(
        year=2027, defaults={"published": True, "source": "测试通知"}
    )
    CalendarDay.objects.create(date=at("2027-01-01 00:00").date(), kind=DayKind.HOLIDAY, name="元旦")
    for day in range(5, 12):
        CalendarDay.objects.create(
            date=at(f"2027-02-{day:02d} 00:00").date(), kind=DayKind.HOLIDAY, name="春节"
        )
    assert sla.recompute_provisional() == 2
    # Then both are final, the festival case moves to Friday 12 Feb with one event, the other keeps
    # its day without an event, and the closed case is untouched
    new_year.refresh_from_db()
    festival.refresh_from_db()
    assert [(c.due_at, c.due_provisional) for c in (new_year, festival)] == [
        (eod("2027-01-04"), False),
        (eod("2027-02-12"), False),
    ]
    recomputed = CaseEvent.objects.filter(action="due_recomputed").get()
    assert (recomputed.case_id, recomputed.from_status, recomputed.to_status) == (
        festival.pk,
        Status.RECEIVED,
        Status.RECEIVED,
    )
    assert moments(recomputed.data) == {"old_due_at": eod("2027-02-05"), "new_due_at": eod("2027-02-12")}
    assert row(closed) == closed_before
    # And a second run finds nothing provisional
    assert sla.recompute_provisional() == 0


def test_due_for_is_start_plus_target_then_extension_then_pauses() -> None:
    due = sla.due_for(at("2024-09-27 10:00"), 1, "working_days", extension_days=3, paused_seconds=3600)
    assert due == sla.calendar.Due(at=eod("2024-10-09") + timedelta(hours=1), provisional=False)
