"""The hotline desk: calls answered on the spot or opened as cases, caller history, meetings and
decisions, scope, and the figures with their records."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.cases.factories import CaseInputFactory, act, at
from tests.township import VILLAGE_A, VILLAGE_B, Township
from zhizhi.accounts import scope
from zhizhi.cases.models import Case, CaseEvent, Channel
from zhizhi.core.errors import DomainError
from zhizhi.hotline import figures, queries, services
from zhizhi.hotline.models import Call, Decision, Meeting, Outcome

MON = at("2024-03-04 09:00")  # Mon 4 – Fri 8 March 2024 are all working days


def answered(t: Township, *, by: str = "operator", phone: str = "13812345678", now=MON, **kw) -> Call:
    data = services.CallInput(
        nature=kw.pop("nature", "consultation"),
        summary=kw.pop("summary", "咨询居住证办理需要哪些材料"),
        caller_phone=phone,
        caller_name="王芳",
        answer=kw.pop("answer", "带身份证和租房合同到便民服务中心办理"),
        **kw,
    )
    return services.record_call(actor=t.users[by], data=data, now=now)


def opened(t: Township, *, nature: str = "help_request", phone: str = "13812345678", now=MON, **case) -> Call:
    data = services.CallInput(
        nature=nature,
        summary="小区门口路灯不亮",
        caller_phone=phone,
        caller_name="李强",
        case=CaseInputFactory(channel="grid_patrol", **case),
    )
    return services.record_call(actor=t.users["operator"], data=data, now=now)


def counts() -> tuple[int, int, int]:
    return Call.objects.count(), Case.objects.count(), CaseEvent.objects.count()


# --- Calls ---------------------------------------------------------------------------------------------


def test_a_consultation_answered_on_the_call(township: Township) -> None:
    call = answered(township, region=VILLAGE_A)
    call.refresh_from_db()
    assert (call.outcome, call.case_id, call.caller_phone, call.nature.code) == (
        Outcome.ANSWERED,
        None,
        "13812345678",
        "consultation",
    )
    assert (call.region.code, call.region_path, call.received_at) == (
        VILLAGE_A,
        township.villages[VILLAGE_A].path,
        MON,
    )


def test_a_help_request_opens_a_hotline_case_with_the_natures_clock(township: Township) -> None:
    call = opened(township)
    case = call.case
    # The case: channel hotline, the call's nature, the caller as reporter, help request = 5 working days
    assert (case.channel, case.nature.code, case.reporter_phone, case.reporter_name) == (
        Channel.HOTLINE,
        "help_request",
        "13812345678",
        "李强",
    )
    assert (call.outcome, call.region_id, call.region_path) == (
        Outcome.CASE,
        case.region_id,
        case.region_path,
    )
    assert CaseEvent.objects.filter(case=case).values_list("action", flat=True).get() == "create"


@pytest.mark.parametrize("nature", ["help_request", "complaint", "report", "suggestion"])
def test_only_a_consultation_or_thanks_may_be_answered_on_the_call(township: Township, nature: str) -> None:
    before = counts()
    with pytest.raises(DomainError) as exc:
        answered(township, nature=nature)
    assert (exc.value.code, exc.value.status) == ("case_required", 422)
    assert counts() == before


@pytest.mark.parametrize(
    ("answer", "with_case", "code"),
    [("", False, "answer_or_case"), ("已答复", True, "answer_or_case")],
)
def test_exactly_one_of_answer_and_case(township: Township, answer: str, with_case: bool, code: str) -> None:
    before = counts()
    data = services.CallInput(
        nature="consultation",
        summary="咨询",
        answer=answer,
        case=CaseInputFactory() if with_case else None,
    )
    with pytest.raises(DomainError) as exc:
        services.record_call(actor=township.users["operator"], data=data, now=MON)
    assert (exc.value.code, exc.value.status) == (code, 422)
    assert counts() == before


def test_a_refused_case_writes_no_call(township: Township) -> None:
    before = counts()
    with pytest.raises(DomainError) as exc:
        opened(township, category="no_such_category")
    assert exc.value.code == "unknown_category"
    assert counts() == before


@pytest.mark.parametrize("username", ["grid_a1", "handler_enf", "leader"])
def test_only_the_desk_records_calls(township: Township, username: str) -> None:
    before = counts()
    with pytest.raises(DomainError) as exc:
        answered(township, by=username)
    assert (exc.value.code, exc.value.status) == ("forbidden_role", 403)
    assert counts() == before


def test_a_bad_phone_number_is_refused(township: Township) -> None:
    with pytest.raises(DomainError) as exc:
        answered(township, phone="12")
    assert exc.value.code == "invalid_phone"
    assert Call.objects.count() == 0


def test_caller_history_is_by_normalised_number_newest_first(township: Township) -> None:
    first = answered(township, phone="13812345678", now=MON)
    second = opened(township, phone="+86 138 1234 5678", now=MON + timedelta(hours=1))
    answered(township, phone="13900000000", now=MON + timedelta(hours=2))
    history = queries.caller_history(township.users["operator"], "138-1234-5678".replace("-", ""))
    assert list(history.values_list("pk", flat=True)) == [second.pk, first.pk]


def test_calls_are_seen_by_the_desk_and_by_whoever_sees_their_case(township: Township) -> None:
    town_wide = answered(township)  # no region
    in_a = opened(township)  # a case in village A's first grid (the factory's point)
    seen = {
        u: set(queries.visible_calls(township.users[u]).values_list("pk", flat=True)) for u in township.users
    }
    assert (
        seen["operator"] == seen["dispatcher"] == seen["leader"] == seen["admin"] == {town_wide.pk, in_a.pk}
    )
    assert seen["grid_a1"] == seen["cadre_a"] == {in_a.pk}  # their case's call, not the town-wide one
    assert seen["grid_b1"] == seen["cadre_b"] == seen["handler_emg"] == set()
    with pytest.raises(DomainError) as exc:
        queries.get_call(township.users["grid_b1"], in_a.pk)
    assert (exc.value.code, exc.value.status) == ("call_not_found", 404)


def test_call_figures_apply_the_case_scope_through_the_join(township: Township) -> None:
    # Given a town-wide call, and a call whose case was dispatched to the enforcement department
    answered(township)
    in_a = opened(township)
    act(
        township,
        in_a.case,
        "dispatch",
        "dispatcher",
        {"department": "enforcement"},
        now=MON + timedelta(minutes=5),
    )
    f = figures.FigureFilter.build(year=2024, as_of=at("2024-03-20 12:00"))
    seen = {}
    for username, user in township.users.items():
        # Then each user's figure counts the calls they may see: the desk all, the department's
        # handler and village A's staff the one with their case, the others none
        seen[username] = figures.evaluate("calls_received", f, user).numerator
        assert seen[username] == queries.visible_calls(user).count(), username
        # with the case scope a condition through the join, not a subquery over the cases
        assert "SELECT" not in str(figures.drill("calls_received", f, user).query).split("WHERE", 1)[1]
    assert seen == {
        "operator": 2,
        "dispatcher": 2,
        "leader": 2,
        "admin": 2,
        "grid_a1": 1,
        "cadre_a": 1,
        "handler_enf": 1,
        "grid_b1": 0,
        "cadre_b": 0,
        "handler_emg": 0,
    }


# --- Meetings and decisions ------------------------------------------------------------------------------


def meeting(t: Township, *, held_on: date = date(2024, 3, 5), region: str = VILLAGE_A, **kw) -> Meeting:
    return services.hold_meeting(
        actor=t.users[kw.pop("by", "dispatcher")],
        held_on=held_on,
        title="菜场周边占道经营反复投诉研判",
        attendees="综合执法中队\n杜庄村委会\n市场监管所",
        region=region,
        decisions=kw.pop(
            "decisions",
            [
                services.DecisionInput("设置临时疏导点", "enforcement", date(2024, 3, 15)),
                services.DecisionInput("每周联合巡查一次", "market", date(2024, 3, 31), owner="handler_enf"),
            ],
        ),
        **kw,
    )


def test_a_meeting_with_its_cases_and_decisions(township: Township) -> None:
    case = opened(township).case
    m = meeting(township, case_ids=[case.pk])
    assert list(m.cases.values_list("pk", flat=True)) == [case.pk]
    assert [
        (d.text, d.owner_department.code, d.owner.username if d.owner else None, d.due_on)
        for d in m.decisions.all()
    ] == [
        ("设置临时疏导点", "enforcement", None, date(2024, 3, 15)),
        ("每周联合巡查一次", "market", "handler_enf", date(2024, 3, 31)),
    ]


def test_a_meeting_with_a_bad_decision_writes_nothing(township: Township) -> None:
    bad = [
        services.DecisionInput("设置临时疏导点", "enforcement", date(2024, 3, 15)),
        services.DecisionInput("会前就该办完", "enforcement", date(2024, 3, 1)),
    ]
    with pytest.raises(DomainError) as exc:
        meeting(township, decisions=bad)
    assert (exc.value.code, exc.value.details.get("field")) == ("due_before_meeting", "decisions[1]")
    assert (Meeting.objects.count(), Decision.objects.count()) == (0, 0)


def test_a_meeting_cannot_cite_a_case_the_recorder_cannot_see(township: Township) -> None:
    case = opened(township).case
    with pytest.raises(DomainError) as exc:
        meeting(township, by="leader", region=VILLAGE_A, case_ids=[case.pk, 999999])
    assert (exc.value.code, exc.value.message) == ("unknown_case", "工单不存在或无权查看：999999")
    assert Meeting.objects.count() == 0


def test_a_decision_is_completed_once_by_its_department(township: Township) -> None:
    m = meeting(township)
    first = m.decisions.get(owner_department__code="enforcement")
    # A grid worker outside the department and meeting scope does not even see it
    with pytest.raises(DomainError) as exc:
        services.complete_decision(actor=township.users["grid_b1"], decision_id=first.pk, note="x")
    assert (exc.value.code, exc.value.status) == ("decision_not_found", 404)
    done = services.complete_decision(
        actor=township.users["handler_enf"],
        decision_id=first.pk,
        note="疏导点已设置",
        now=at("2024-03-12 10:00"),
    )
    assert (done.done_at, done.done_by.username, done.done_note) == (
        at("2024-03-12 10:00"),
        "handler_enf",
        "疏导点已设置",
    )
    with pytest.raises(DomainError) as exc:
        services.complete_decision(actor=township.users["dispatcher"], decision_id=first.pk, note="again")
    assert (exc.value.code, exc.value.status) == ("already_done", 409)
    first.refresh_from_db()
    assert first.done_note == "疏导点已设置"


# --- Figures ------------------------------------------------------------------------------------------------


def test_figures_and_their_records(township: Township) -> None:
    ops = township
    a = answered(ops, now=MON)  # connected and handled on the call
    # A help request accepted and resolved in time, visited, satisfied
    on_time = opened(ops, now=MON).case
    act(
        ops, on_time, "dispatch", "dispatcher", {"department": "enforcement"}, now=MON + timedelta(minutes=10)
    )
    act(ops, on_time, "accept", "handler_enf", now=MON + timedelta(minutes=20))
    act(ops, on_time, "start", "handler_enf", now=MON + timedelta(minutes=30))
    act(ops, on_time, "resolve", "handler_enf", {"resolution": "已修复"}, now=MON + timedelta(hours=2))
    act(
        ops,
        on_time,
        "return_visit",
        "operator",
        {"reached": True, "satisfaction": "satisfied"},
        now=MON + timedelta(hours=3),
    )
    # A complaint never accepted: its response deadline passes on Tue 5 March; still open at the end
    late = opened(ops, nature="complaint", now=MON + timedelta(hours=1)).case
    # A call in village B, not in village A's figures
    in_b = opened(ops, now=MON, **dict(zip(("lon", "lat"), ops.point_in(f"{VILLAGE_B}0101"), strict=True)))
    f = figures.FigureFilter.build(year=2024, as_of=at("2024-03-20 12:00"))
    values = {code: fig.parts(f) for code, fig in figures.FIGURES.items()}
    assert values == {
        "calls_received": (4, None),
        "answered_on_spot": (1, None),
        "converted_to_cases": (3, None),
        # due: the answered call, the accepted case, the two never accepted (response deadline passed)
        "timely_connection_rate": (2, 4),
        "timely_handling_rate": (2, 4),
        "return_visit_rate": (1, 1),
        "satisfaction_rate": (1, 1),
        "meetings_held": (0, None),
        "decisions": (0, None),
        "decisions_done": (0, None),
        "decisions_overdue": (0, None),
    }
    assert set(figures.figure("timely_connection_rate").records(f).values_list("pk", flat=True)) == {
        a.pk,
        on_time.hotline_call.pk,
    }
    assert set(figures.figure("timely_connection_rate").denominator(f).values_list("pk", flat=True)) == {  # type: ignore[misc]
        a.pk,
        on_time.hotline_call.pk,
        late.hotline_call.pk,
        in_b.pk,
    }
    # Village A only: the answered call has no region (a town-wide question) and is left out
    fa = figures.FigureFilter.build(region=VILLAGE_A, year=2024, as_of=at("2024-03-20 12:00"))
    assert figures.figure("calls_received").parts(fa) == (2, None)
    # The town (a root) includes the town-wide call
    ft = figures.FigureFilter.build(region=ops.town.code, year=2024, as_of=at("2024-03-20 12:00"))
    assert figures.figure("calls_received").parts(ft) == (4, None)


def test_meeting_figures_count_done_and_overdue_decisions(township: Township) -> None:
    m = meeting(township, held_on=date(2024, 3, 5))
    meeting(township, held_on=date(2023, 12, 20), decisions=[])  # another year
    first = m.decisions.get(owner_department__code="enforcement")
    services.complete_decision(
        actor=township.users["dispatcher"], decision_id=first.pk, note="完成", now=at("2024-03-10 09:00")
    )
    f = figures.FigureFilter.build(year=2024, as_of=at("2024-04-02 12:00"))
    assert [
        figures.figure(c).parts(f)[0]
        for c in ("meetings_held", "decisions", "decisions_done", "decisions_overdue")
    ] == [1, 2, 1, 1]
    # Before the first decision's deadline nothing is overdue, and nothing was done yet
    early = figures.FigureFilter.build(year=2024, as_of=at("2024-03-08 12:00"))
    assert [figures.figure(c).parts(early)[0] for c in ("decisions_done", "decisions_overdue")] == [0, 0]


def test_figures_command_prints_every_figure(township: Township, capsys) -> None:
    answered(township)
    call_command("hotline", "figures", "--year", "2024", "--as-of", "2024-03-20T12:00:00+08:00")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "calls_received\t1",
        "answered_on_spot\t1",
        "converted_to_cases\t0",
        "timely_connection_rate\t100.00%\t1/1",
    ]
    assert len(lines) == len(figures.FIGURES)


def test_figures_command_refuses_an_unknown_region(township: Township) -> None:
    with pytest.raises(CommandError, match="区域代码不存在：999"):
        call_command("hotline", "figures", "--region", "999")


def _visited(t: Township, where: tuple[float, float], now: datetime) -> Case:
    case = opened(t, now=now, lon=where[0], lat=where[1]).case
    act(t, case, "dispatch", "dispatcher", {"department": "enforcement"}, now=now + timedelta(minutes=10))
    act(t, case, "accept", "handler_enf", now=now + timedelta(minutes=20))
    act(t, case, "start", "handler_enf", now=now + timedelta(minutes=30))
    act(t, case, "resolve", "handler_enf", {"resolution": "已修复"}, now=now + timedelta(hours=2))
    act(
        t,
        case,
        "return_visit",
        "operator",
        {"reached": True, "satisfaction": "satisfied"},
        now=now + timedelta(hours=3),
    )
    return case


@pytest.mark.parametrize("code", ["return_visit_rate", "satisfaction_rate"])
def test_case_figures_are_each_user_s_cases_read_without_a_scope_subquery(
    township: Township, code: str
) -> None:
    # One visited case in each village: a user of village B sees one, the town's dispatcher both
    _visited(township, township.point_in(f"{VILLAGE_A}0101"), MON)
    _visited(township, township.point_in(f"{VILLAGE_B}0101"), MON + timedelta(hours=4))
    f = figures.FigureFilter.build(year=2024, as_of=at("2024-03-20 12:00"))
    seen = {}
    for username, user in township.users.items():
        value = figures.evaluate(code, f, user)
        records = figures.figure(code).records(f)
        assert value.numerator == records.filter(pk__in=scope.visible_cases(user).values("pk")).count(), (
            username
        )
        seen[username] = value.numerator
        # the scope is a condition on the cases themselves: SQLite crossed a subquery's list with the
        # calls' list (28 s for the demo township's dispatcher)
        assert 'FROM "cases_case" U0' not in str(figures.drill(code, f, user).query)
    assert (seen["dispatcher"], seen["grid_b1"], seen["cadre_b"], seen["grid_a1"]) == (2, 1, 1, 1)
    gone = township.users["grid_b1"]
    gone.is_active = False
    assert figures.evaluate(code, f, gone).numerator == 0
