"""The time limits, each at its boundary day, as data a province can change: acceptance (3 working
days), conclusion (30 natural days from acceptance, 《人民调解工作若干规定》第三十三条), the extension
(once, with a reason, before expiry, at most 30 days) and the 30 days to apply for judicial
confirmation (人民调解法第三十三条)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.mediation.helpers import WRITTEN, act, at, drive, eod, register, snapshot
from tests.township import Township
from zhizhi.cases import sla
from zhizhi.cases.models import Case, CaseEvent, SlaPolicy
from zhizhi.core import calendar
from zhizhi.core.errors import DomainError
from zhizhi.mediation.models import Agreement, Dispute, MediationClock

SECOND = timedelta(seconds=1)


def refused(t: Township, case: Case, action: str, **kw: object) -> DomainError:
    before = snapshot(case)
    with pytest.raises(DomainError) as exc:
        act(t, case, action, **kw)  # type: ignore[arg-type]
    assert snapshot(case) == before  # nothing changed
    return exc.value


def policy(stage: str) -> SlaPolicy:
    return MediationClock.objects.get(stage=stage).policy


def test_the_seeded_clocks(db: None) -> None:
    rows = MediationClock.objects.select_related("policy").order_by("id")
    assert [(c.stage, c.policy.name, c.policy.case_type, c.policy.target, c.policy.unit) for c in rows] == [
        ("acceptance", "调解·受理（及时受理）", "dispute", 3, "working_days"),
        ("conclusion", "调解·调结（一个月内）", "dispute", 30, "days"),
        ("extension", "调解·延长调解期限上限", "dispute", 30, "days"),
        ("judicial_confirmation", "调解·申请司法确认期限（第三十三条）", "dispute", 30, "days"),
    ]
    assert [c.article for c in rows] == [
        "《人民调解法》第二十一条（及时调解；本系统默认）",
        "《人民调解工作若干规定》第三十三条",
        "本系统默认（一次，说明理由，期满前）",
        "《人民调解法》第三十三条",
    ]


# --- 受理: 3 working days from registration ----------------------------------------------------------


def test_the_decision_is_on_time_through_the_third_working_day(t: Township) -> None:
    # Given two disputes registered on Friday 1 March 2024 (due Wednesday 6 March, 23:59:59)
    on_time, late = register(t, now=at("2024-03-01 16:00")), register(t, now=at("2024-03-01 16:00"))
    assert on_time.due_at == eod("2024-03-06")
    # When one is accepted at the last second and the other declined a second later
    act(t, on_time, "accept", now=eod("2024-03-06"))
    act(t, late, "not_accept", now=eod("2024-03-06") + SECOND)
    assert Dispute.objects.get(pk=on_time.pk).decided_on_time is True
    assert Dispute.objects.get(pk=late.pk).decided_on_time is False
    assert CaseEvent.objects.get(case=late, action="not_accept").data["decided_on_time"] is False


def test_the_sweep_marks_an_undecided_dispute_overdue(t: Township) -> None:
    case = register(t, now=at("2024-03-01 16:00"))
    sla.sweep(eod("2024-03-06"))
    assert Case.objects.get(pk=case.pk).is_overdue is False
    sla.sweep(eod("2024-03-06") + SECOND)
    assert Case.objects.get(pk=case.pk).is_overdue is True
    assert CaseEvent.objects.filter(case=case, action="sla_breach").count() == 1


# --- 调结: 30 days from acceptance --------------------------------------------------------------------


def test_the_mediation_is_concluded_within_thirty_days_of_acceptance(t: Township) -> None:
    # Given two disputes accepted on 4 March 2024 at 10:00: day 30 is 3 April
    on_time, late = register(t, now=at("2024-03-04 09:00")), register(t, now=at("2024-03-04 09:00"))
    for case in (on_time, late):
        act(t, case, "accept", now=at("2024-03-04 10:00"))
    fresh = Case.objects.get(pk=on_time.pk)
    # Then the clock restarted at acceptance on the conclusion policy, and the event says so
    assert (fresh.clock_started_at, fresh.due_at, fresh.sla_target, fresh.sla_unit, fresh.sla_policy) == (
        at("2024-03-04 10:00"), eod("2024-04-03"), 30, "days", policy("conclusion"),
    )  # fmt: skip
    assert CaseEvent.objects.get(case=on_time, action="accept").data["clock"] == {
        "stage": "conclusion",
        "policy": "调解·调结（一个月内）",
        "target": 30,
        "unit": "days",
        "started_at": "2024-03-04T10:00:00+08:00",
        "old_due_at": "2024-03-07T23:59:59+08:00",
        "due_at": "2024-04-03T23:59:59+08:00",
    }
    # When one agreement is reached at the last second of day 30 and the other a second later
    act(t, on_time, "agree", now=eod("2024-04-03"), performance_due="2024-04-30")
    act(t, late, "agree", now=eod("2024-04-03") + SECOND, performance_due="2024-04-30")
    # Then only the first is concluded on time (on the dispute and on the case)
    assert Dispute.objects.get(pk=on_time.pk).concluded_on_time is True
    assert (Dispute.objects.get(pk=late.pk).concluded_on_time, Case.objects.get(pk=late.pk).resolved_on_time) == (
        False, False,
    )  # fmt: skip
    assert CaseEvent.objects.get(case=late, action="agree").data["on_time"] is False


@pytest.mark.parametrize(("action", "payload"), [("fail", {}), ("refer", {})])
def test_a_failure_or_referral_is_concluded_on_time_through_day_thirty(
    t: Township, action: str, payload: dict[str, str]
) -> None:
    on_time, late = drive(t, "mediating").case, drive(t, "mediating").case  # accepted 4 March, 10:00
    act(t, on_time, action, now=eod("2024-04-03"), **payload)
    act(t, late, action, now=eod("2024-04-03") + SECOND, **payload)
    assert Dispute.objects.get(pk=on_time.pk).concluded_on_time is True
    assert Dispute.objects.get(pk=late.pk).concluded_on_time is False


def test_the_sweep_marks_a_mediation_overdue_after_day_thirty(t: Township) -> None:
    case = drive(t, "mediating").case
    sla.sweep(eod("2024-04-03"))
    assert Case.objects.get(pk=case.pk).is_overdue is False
    sla.sweep(eod("2024-04-03") + SECOND)
    assert Case.objects.get(pk=case.pk).is_overdue is True


def test_a_holiday_does_not_move_the_conclusion_limit(t: Township) -> None:
    # Accepted on 1 September 2024: day 30 is 1 October, National Day — it stays there
    case = register(t, now=at("2024-08-30 09:00"))
    act(t, case, "accept", now=at("2024-09-01 10:00"))
    assert not calendar.is_workday(date(2024, 10, 1))
    assert Case.objects.get(pk=case.pk).due_at == eod("2024-10-01")


# --- 延长调解期限: once, with a reason, before expiry, at most 30 days ------------------------------------


def test_one_extension_of_thirty_days_on_the_last_day(t: Township) -> None:
    case = drive(t, "mediating").case  # due 3 April
    # When the mediator extends by 30 days at the last second of the limit
    act(t, case, "extend", now=eod("2024-04-03"), days=30, reason="李四外出捕捞，双方约定返港后继续调解")
    # Then the mediation is due 3 May, with the reason on the dispute and in the event
    fresh, dispute = Case.objects.get(pk=case.pk), Dispute.objects.get(pk=case.pk)
    assert fresh.due_at == eod("2024-05-03")
    assert (dispute.extension_days, dispute.extension_reason, dispute.extended_at, dispute.extended_due_at) == (
        30, "李四外出捕捞，双方约定返港后继续调解", eod("2024-04-03"), eod("2024-05-03"),
    )  # fmt: skip
    event = CaseEvent.objects.get(case=case, action="extend")
    assert (event.actor, event.note, event.data["days"]) == (
        t.users["tj"],
        "李四外出捕捞，双方约定返港后继续调解",
        30,
    )
    assert event.data["clock"] == {
        "stage": "extension",
        "policy": "调解·延长调解期限上限",
        "days": 30,
        "unit": "days",
        "old_due_at": "2024-04-03T23:59:59+08:00",
        "due_at": "2024-05-03T23:59:59+08:00",
    }
    # and the new limit holds at its boundary too, and survives a recomputation
    sla.recompute_due(fresh)
    assert fresh.due_at == eod("2024-05-03")
    act(t, case, "agree", now=eod("2024-05-03"), performance_due="2024-05-31")
    assert Dispute.objects.get(pk=case.pk).concluded_on_time is True


def test_only_one_extension(t: Township) -> None:
    case = drive(t, "mediating").case
    act(t, case, "extend", now=at("2024-03-20 09:00"), days=10)
    err = refused(t, case, "extend", now=at("2024-03-21 09:00"), days=10)
    assert (err.code, err.status, err.message) == ("guard_failed", 409, "调解期限只能延长一次，已延长过")


@pytest.mark.parametrize("days", [31, 0, -1, "x"])
def test_at_most_thirty_days(t: Township, days: object) -> None:
    case = drive(t, "mediating").case
    err = refused(t, case, "extend", now=at("2024-03-20 09:00"), days=days)
    assert err.status == 422
    assert err.code == ("invalid_field" if days == "x" else "extension_too_long")
    if days != "x":
        assert err.message == "延长调解期限须在 1 到 30 日之间"


def test_an_extension_needs_a_reason(t: Township) -> None:
    case = drive(t, "mediating").case
    err = refused(t, case, "extend", now=at("2024-03-20 09:00"), reason=" ")
    assert (err.code, err.details) == ("missing_field", {"field": "reason"})


def test_no_extension_after_the_limit(t: Township) -> None:
    case = drive(t, "mediating").case  # due 3 April
    err = refused(t, case, "extend", now=eod("2024-04-03") + SECOND)
    assert (err.code, err.message) == ("guard_failed", "调解期限已届满，不能再延长")


def test_only_a_mediator_extends(t: Township) -> None:
    case = drive(t, "mediating").case
    assert refused(t, case, "extend", by="leader", now=at("2024-03-20 09:00")).code == "forbidden_role"
    assert refused(t, case, "extend", by="dispatcher", now=at("2024-03-20 09:00")).code == "forbidden_role"


def test_the_extension_limit_is_data(t: Township) -> None:
    SlaPolicy.objects.filter(pk=policy("extension").pk).update(target=15)
    case = drive(t, "mediating").case
    err = refused(t, case, "extend", now=at("2024-03-20 09:00"), days=16)
    assert err.message == "延长调解期限须在 1 到 15 日之间"
    act(t, case, "extend", now=at("2024-03-20 09:00"), days=15)
    assert Case.objects.get(pk=case.pk).due_at == eod("2024-04-18")


# --- The clocks are data --------------------------------------------------------------------------


def test_a_province_changes_the_conclusion_limit_and_running_mediations_keep_theirs(t: Township) -> None:
    running = drive(t, "mediating").case  # due 3 April
    SlaPolicy.objects.filter(pk=policy("conclusion").pk).update(target=20)
    case = drive(t, "mediating").case
    assert Case.objects.get(pk=case.pk).due_at == eod("2024-03-24")
    assert Case.objects.get(pk=running.pk).due_at == eod("2024-04-03")


def test_a_disabled_clock_is_a_clear_error(t: Township) -> None:
    case = drive(t, "registered").case
    SlaPolicy.objects.filter(pk=policy("conclusion").pk).update(is_active=False)
    err = refused(t, case, "accept", now=at("2024-03-05 10:00"))
    assert (err.code, err.status, err.message) == (
        "no_mediation_clock", 422, "没有启用的调解时限规则：调结（请管理员配置）",
    )  # fmt: skip


# --- 司法确认: 30 days from the agreement's effective date (第三十三条) -----------------------------------


def agreed_on(t: Township, effective_on: str, **kw: object) -> Case:
    """A dispute accepted on 4 March 2024 whose written agreement took effect on `effective_on`."""
    case = drive(t, "mediating").case
    act(t, case, "agree", now=at(f"{effective_on} 15:00"), effective_on=effective_on,
        performance_due="2024-04-30", **kw)  # fmt: skip
    return case


def test_the_judicial_confirmation_deadline_is_thirty_days_after_the_effective_date(t: Township) -> None:
    # Given a written agreement signed on 10 March 2024 (recorded two days later)
    case = drive(t, "mediating").case
    act(t, case, "agree", now=at("2024-03-12 15:00"), effective_on="2024-03-10", performance_due="2024-04-30")
    # Then the parties may apply until 9 April, 23:59:59
    agreement = Agreement.objects.get(pk=case.pk)
    assert (agreement.effective_on, agreement.judicial_due_at) == (date(2024, 3, 10), eod("2024-04-09"))
    assert (
        CaseEvent.objects.get(case=case, action="agree").data["judicial_due_at"]
        == "2024-04-09T23:59:59+08:00"
    )


def test_an_application_on_day_thirty_is_recorded_and_one_on_day_thirty_one_refused(t: Township) -> None:
    one, two = agreed_on(t, "2024-03-10"), agreed_on(t, "2024-03-10")
    # When the parties' applications are recorded: one made on 9 April, the other on 10 April
    act(t, one, "judicial_apply", now=at("2024-04-12 09:00"), applied_on="2024-04-09")
    err = refused(t, two, "judicial_apply", now=at("2024-04-12 09:00"), applied_on="2024-04-10")
    # Then the first is on record and the second refused, naming the deadline
    assert Agreement.objects.get(pk=one.pk).judicial_applied_on == date(2024, 4, 9)
    assert (err.code, err.status, err.message) == (
        "judicial_window_closed",
        409,
        "已超过调解协议生效之日起的司法确认申请期限（《中华人民共和国人民调解法》第三十三条）："
        "协议于2024年3月10日生效，应于2024年4月9日前共同向人民法院申请",
    )


def test_an_application_made_today_is_refused_after_the_last_day(t: Township) -> None:
    case = agreed_on(t, "2024-03-10")
    err = refused(t, case, "judicial_apply", now=at("2024-04-10 00:00"))  # applied_on: today
    assert err.code == "judicial_window_closed"
    act(t, case, "judicial_apply", now=eod("2024-04-09"))
    assert Agreement.objects.get(pk=case.pk).judicial_applied_on == date(2024, 4, 9)


def test_the_court_decides_after_the_application(t: Township) -> None:
    case = agreed_on(t, "2024-03-10")
    err = refused(t, case, "judicial_decision", now=at("2024-03-20 09:00"))
    assert (err.code, err.message) == ("guard_failed", "没有待人民法院裁定的司法确认申请")
    act(t, case, "judicial_apply", now=at("2024-03-15 09:00"))
    assert refused(t, case, "judicial_apply", now=at("2024-03-16 09:00")).message == "已登记司法确认申请"
    err = refused(t, case, "judicial_decision", now=at("2024-03-20 09:00"), decided_on="2024-03-14")
    assert err.code == "invalid_decided_on"
    act(t, case, "judicial_decision", now=at("2024-03-20 09:00"), confirmed="false", decided_on="2024-03-19")
    agreement = Agreement.objects.get(pk=case.pk)
    assert (agreement.judicial_applied_on, agreement.judicial_court, agreement.judicial_decided_on,
            agreement.judicial_confirmed) == (date(2024, 3, 15), "普陀区人民法院", date(2024, 3, 19), False)  # fmt: skip
    assert refused(t, case, "judicial_decision", now=at("2024-03-21 09:00")).code == "guard_failed"


def test_an_oral_agreement_is_not_confirmed(t: Township) -> None:
    case = drive(t, "mediating").case
    act(t, case, "agree", now=at("2024-03-10 15:00"), form="oral", terms="李四当场搬走渔网",
        **{k: "" for k in WRITTEN if k not in ("form", "terms")})  # fmt: skip
    assert Agreement.objects.get(pk=case.pk).judicial_due_at is None
    err = refused(t, case, "judicial_apply", now=at("2024-03-12 09:00"))
    assert (err.code, err.message) == (
        "guard_failed",
        "只有书面调解协议可以申请司法确认（口头协议须先制作调解协议书）",
    )


def test_the_judicial_window_is_data(t: Township) -> None:
    SlaPolicy.objects.filter(pk=policy("judicial_confirmation").pk).update(target=20)
    case = agreed_on(t, "2024-03-10")
    assert Agreement.objects.get(pk=case.pk).judicial_due_at == eod("2024-03-30")
