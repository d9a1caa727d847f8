"""The statutory clocks, each at its boundary day, in natural days (a public holiday does not move
them), as data a province can change; the extension rules (第三十四条)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.petitions.helpers import act, at, drive, eod, register, snapshot
from tests.township import Township
from zhizhi.cases import sla
from zhizhi.cases.models import Case, CaseEvent, SlaPolicy
from zhizhi.core import calendar
from zhizhi.core.errors import DomainError
from zhizhi.petitions.models import Opinion, Petition, PetitionClock

SECOND = timedelta(seconds=1)


def refused(t: Township, case: Case, action: str, **kw: object) -> DomainError:
    before = snapshot(case)
    with pytest.raises(DomainError) as exc:
        act(t, case, action, **kw)  # type: ignore[arg-type]
    assert snapshot(case) == before  # nothing changed
    return exc.value


def policy(stage: str) -> SlaPolicy:
    return PetitionClock.objects.get(stage=stage).policy


# --- 受理告知: 15 days from receipt (第二十三条) ------------------------------------------------------


def test_acceptance_notice_is_on_time_through_the_fifteenth_day(t: Township) -> None:
    # Given two petitions received on Monday 4 March 2024 (due 15 days later: 19 March, 23:59:59)
    on_time, late = register(t, now=at("2024-03-04 09:00")), register(t, now=at("2024-03-04 09:00"))
    assert on_time.due_at == eod("2024-03-19")
    # When one is accepted at the last second of the 15th day and the other a second later
    act(t, on_time, "accept", now=eod("2024-03-19"))
    act(t, late, "not_accept", now=eod("2024-03-19") + SECOND)
    # Then the first notice was on time and the second was not
    assert Petition.objects.get(pk=on_time.pk).decided_on_time is True
    assert Petition.objects.get(pk=late.pk).decided_on_time is False
    assert CaseEvent.objects.get(case=late, action="not_accept").data["on_time"] is False


def test_the_sweep_marks_an_undecided_petition_overdue_after_the_fifteenth_day(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"))
    sla.sweep(eod("2024-03-19"))
    assert Case.objects.get(pk=case.pk).is_overdue is False
    sla.sweep(eod("2024-03-19") + SECOND)
    assert Case.objects.get(pk=case.pk).is_overdue is True
    assert CaseEvent.objects.filter(case=case, action="sla_breach").count() == 1


def test_a_holiday_inside_the_period_does_not_move_the_deadline(t: Township) -> None:
    # Given a petition received on 27 September 2024, before the National Day holiday (1–7 October)
    assert not any(calendar.is_workday(date(2024, 10, d)) for d in range(1, 8))
    case = register(t, now=at("2024-09-27 10:00"))
    # Then the acceptance deadline is 15 natural days later, holiday or not
    assert case.due_at == eod("2024-10-12")
    # (15 working days would have ended on 23 October)
    assert calendar.add(at("2024-09-27 10:00"), 15, "working_days").at == eod("2024-10-23")


def test_a_deadline_on_a_holiday_stays_on_the_holiday(t: Township) -> None:
    # Given a petition received on 16 September 2024: the 15th day is 1 October, National Day
    assert not calendar.is_workday(date(2024, 10, 1))
    case = register(t, now=at("2024-09-16 10:00"))
    # Then it is due on 1 October (not moved to the next working day, 8 October)
    assert case.due_at == eod("2024-10-01")


# --- 办理: 60 days from acceptance (第三十四条) -------------------------------------------------------


def test_the_reply_is_due_sixty_days_after_acceptance_even_on_labour_day(t: Township) -> None:
    # Given two petitions accepted on 5 March 2024: day 60 is 4 May, inside the Labour Day holiday
    on_time, late = register(t, now=at("2024-03-04 09:00")), register(t, now=at("2024-03-04 09:00"))
    for case in (on_time, late):
        act(t, case, "accept", now=at("2024-03-05 10:00"))
    assert not calendar.is_workday(date(2024, 5, 4))
    fresh = Case.objects.get(pk=on_time.pk)
    # Then the clock restarted at acceptance with the handling policy, and the event says so
    assert (fresh.clock_started_at, fresh.due_at, fresh.sla_target) == (
        at("2024-03-05 10:00"),
        eod("2024-05-04"),
        60,
    )
    assert fresh.sla_policy == policy("handling")
    assert CaseEvent.objects.get(case=on_time, action="accept").data["clock"] == {
        "stage": "handling",
        "policy": "信访·办理答复（第三十四条）",
        "target": 60,
        "unit": "days",
        "started_at": "2024-03-05T10:00:00+08:00",
        "old_due_at": "2024-03-19T23:59:59+08:00",
        "due_at": "2024-05-04T23:59:59+08:00",
    }
    # When one reply is issued at the last second of day 60 and the other a second later
    act(t, on_time, "reply", now=eod("2024-05-04"))
    act(t, late, "reply", now=eod("2024-05-04") + SECOND)
    # Then only the first is on time (on the opinion and on the case)
    assert Opinion.objects.get(petition_id=on_time.pk, level="reply").on_time is True
    assert Opinion.objects.get(petition_id=late.pk, level="reply").on_time is False
    assert Case.objects.get(pk=late.pk).resolved_on_time is False


# --- 延期: once, at most 30 days, with a reason, before expiry (第三十四条) ------------------------


def test_one_extension_of_thirty_days_moves_the_deadline(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"))
    act(t, case, "accept", now=at("2024-03-05 10:00"))  # due 4 May
    # When the leader approves 30 more days on the last day
    act(t, case, "extend", now=eod("2024-05-04"), days=30, reason="需调取船厂账册核实")
    # Then the reply is due 3 June, and the reason is recorded (to be told to the petitioner)
    fresh, petition = Case.objects.get(pk=case.pk), Petition.objects.get(pk=case.pk)
    assert fresh.due_at == eod("2024-06-03")
    assert (petition.extension_days, petition.extension_reason, petition.extended_at, petition.extended_due_at) == (
        30, "需调取船厂账册核实", eod("2024-05-04"), eod("2024-06-03"),
    )  # fmt: skip
    event = CaseEvent.objects.get(case=case, action="extend")
    assert (event.actor, event.note, event.data["days"]) == (t.users["leader"], "需调取船厂账册核实", 30)
    assert event.data["clock"] == {
        "stage": "extension",
        "policy": "信访·延长办理期限上限（第三十四条）",
        "days": 30,
        "unit": "days",
        "old_due_at": "2024-05-04T23:59:59+08:00",
        "due_at": "2024-06-03T23:59:59+08:00",
    }
    # and a reply on 3 June is on time
    act(t, case, "reply", now=eod("2024-06-03"))
    assert Opinion.objects.get(petition_id=case.pk).on_time is True


def test_only_one_extension(t: Township) -> None:
    case = drive(t, "handling").case
    act(t, case, "extend", now=at("2024-04-01 09:00"), days=10)
    err = refused(t, case, "extend", now=at("2024-04-02 09:00"), days=10)
    assert (err.code, err.status, err.message) == ("guard_failed", 409, "办理期限只能延长一次，已延长过")


@pytest.mark.parametrize("days", [31, 0, -1, "x"])
def test_at_most_thirty_days(t: Township, days: object) -> None:
    case = drive(t, "handling").case
    err = refused(t, case, "extend", now=at("2024-04-01 09:00"), days=days)
    assert err.status == 422
    assert err.code == ("invalid_field" if days == "x" else "extension_too_long")


def test_an_extension_needs_a_reason(t: Township) -> None:
    case = drive(t, "handling").case
    err = refused(t, case, "extend", now=at("2024-04-01 09:00"), reason=" ")
    assert (err.code, err.details) == ("missing_field", {"field": "reason"})


def test_no_extension_after_the_deadline(t: Township) -> None:
    case = drive(t, "handling").case  # accepted 4 March 10:00: due 3 May
    assert case.due_at == eod("2024-05-03")
    err = refused(t, case, "extend", now=eod("2024-05-03") + SECOND)
    assert (err.code, err.message) == ("guard_failed", "办理期限已届满，不能再延长")


def test_only_the_leader_approves_an_extension(t: Township) -> None:
    case = drive(t, "handling").case
    assert refused(t, case, "extend", by="xf", now=at("2024-04-01 09:00")).code == "forbidden_role"


def test_the_extension_limit_is_data(t: Township) -> None:
    # Given a province that allows at most 15 days
    SlaPolicy.objects.filter(pk=policy("extension").pk).update(target=15)
    case = drive(t, "handling").case
    err = refused(t, case, "extend", now=at("2024-04-01 09:00"), days=16)
    assert err.message == "延长办理期限须在 1 到 15 日之间"
    act(t, case, "extend", now=at("2024-04-01 09:00"), days=15)
    assert Case.objects.get(pk=case.pk).due_at == eod("2024-05-18")


# --- 复查 / 复核: asked within 30 days of the served answer, answered within 30 days -------------------


def test_review_may_be_asked_through_the_thirtieth_day_after_service(t: Township) -> None:
    # Given a reply served on 10 March 2024
    one, two = drive(t, "handling").case, drive(t, "handling").case
    for case in (one, two):
        act(t, case, "reply", now=at("2024-03-10 10:00"))
    # When one petitioner asks on 9 April (day 30) and the other on 10 April
    act(t, one, "request_review", now=eod("2024-04-09"))
    err = refused(t, two, "request_review", now=eod("2024-04-09") + SECOND)
    # Then the first is under review and the second is refused
    assert Case.objects.get(pk=one.pk).status == "reviewing"
    assert (err.code, err.message) == (
        "guard_failed", "已超过收到处理意见书之日起 30 日的复查请求期限（《信访工作条例》第三十五条）",
    )  # fmt: skip


def test_the_window_counts_from_the_served_date(t: Township) -> None:
    case = drive(t, "handling").case
    # A reply recorded on 12 March but served on 10 March: the window still ends on 9 April
    act(t, case, "reply", now=at("2024-03-12 10:00"), served_on="2024-03-10")
    assert Opinion.objects.get(petition_id=case.pk).served_on == date(2024, 3, 10)
    refused(t, case, "request_review", now=eod("2024-04-09") + SECOND)
    # A served date in the future, or before the stage began, is refused
    other = drive(t, "handling").case
    err = refused(t, other, "reply", now=at("2024-03-12 10:00"), served_on="2024-03-13")
    assert (err.code, err.status) == ("invalid_served_on", 422)
    assert (
        refused(t, other, "reply", now=at("2024-03-12 10:00"), served_on="2024-03-01").code
        == "invalid_served_on"
    )


def test_the_review_is_due_thirty_days_after_the_request(t: Township) -> None:
    one, two = drive(t, "answered").case, drive(t, "answered").case  # replied 4 March
    for case in (one, two):
        act(t, case, "request_review", now=at("2024-04-01 10:00"))
    fresh = Case.objects.get(pk=one.pk)
    # The clock restarts on the review policy: due 1 May (Labour Day)
    assert (fresh.status, fresh.clock_started_at, fresh.due_at) == (
        "reviewing",
        at("2024-04-01 10:00"),
        eod("2024-05-01"),
    )
    assert fresh.sla_policy == policy("review")
    assert (fresh.resolved_at, fresh.resolved_on_time, fresh.is_open) == (None, None, True)
    event = CaseEvent.objects.get(case=one, action="request_review")
    assert event.data["clock"]["stage"] == "review"
    assert event.data["clock"]["due_at"] == "2024-05-01T23:59:59+08:00"
    assert Opinion.objects.get(petition_id=one.pk, level="review").request == "认为处理意见未落实"
    act(t, one, "answer_review", now=eod("2024-05-01"))
    act(t, two, "answer_review", now=eod("2024-05-01") + SECOND)
    assert Opinion.objects.get(petition_id=one.pk, level="review").on_time is True
    assert Opinion.objects.get(petition_id=two.pk, level="review").on_time is False


def test_re_review_window_and_clock(t: Township) -> None:
    one, two = drive(t, "reviewing").case, drive(t, "reviewing").case
    for case in (one, two):
        act(t, case, "answer_review", now=at("2024-06-01 10:00"))  # served 1 June: ask by 1 July
    act(t, one, "request_re_review", now=eod("2024-07-01"))
    err = refused(t, two, "request_re_review", now=eod("2024-07-01") + SECOND)
    assert err.message == "已超过收到复查意见之日起 30 日的复核请求期限（《信访工作条例》第三十六条）"
    fresh = Case.objects.get(pk=one.pk)
    assert (fresh.status, fresh.due_at, fresh.sla_policy) == (
        "re_reviewing",
        eod("2024-07-31"),
        policy("re_review"),
    )
    act(t, one, "answer_re_review", now=eod("2024-07-31"))
    assert Opinion.objects.get(petition_id=one.pk, level="re_review").on_time is True


# --- The clocks are data --------------------------------------------------------------------------


def test_a_province_changes_a_clock_and_running_petitions_keep_theirs(t: Township) -> None:
    running = register(t, now=at("2024-09-27 10:00"))
    # When a province shortens acceptance to 10 working days
    SlaPolicy.objects.filter(pk=policy("acceptance").pk).update(target=10, unit="working_days")
    # Then a new petition is due 10 working days after receipt (after the holiday), the running one is not moved
    case = register(t, now=at("2024-09-27 10:00"))
    assert case.due_at == calendar.add(at("2024-09-27 10:00"), 10, "working_days").at == eod("2024-10-16")
    assert Case.objects.get(pk=running.pk).due_at == eod("2024-10-12")


def test_a_disabled_clock_is_a_clear_error(t: Township) -> None:
    case = drive(t, "registered").case
    SlaPolicy.objects.filter(pk=policy("handling").pk).update(is_active=False)
    err = refused(t, case, "accept", now=at("2024-03-05 10:00"))
    assert (err.code, err.message) == (
        "no_petition_clock",
        "没有启用的信访时限规则：办理答复（请管理员配置）",
    )
