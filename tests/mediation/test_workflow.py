"""The dispute workflow on the engine: the whole transition table, mediators, sessions, the outcomes,
follow-up and closing, who may act, and what a refused action leaves behind (nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.mediation.helpers import ACTORS, HOUR, PATHS, act, at, drive, register, snapshot
from tests.township import Township
from zhizhi.accounts import scope
from zhizhi.cases import services as case_services
from zhizhi.cases import types
from zhizhi.cases.models import Case, CaseEvent, Priority
from zhizhi.core.errors import DomainError
from zhizhi.mediation import queries, services
from zhizhi.mediation.models import Dispute, FollowUp, Session
from zhizhi.mediation.workflow import DISPUTE_WORKFLOW, OPEN_STATES, STATES


def refused(t: Township, case: Case, action: str, **kw: object) -> DomainError:
    before = snapshot(case)
    with pytest.raises(DomainError) as exc:
        act(t, case, action, **kw)  # type: ignore[arg-type]
    assert snapshot(case) == before
    return exc.value


def test_the_table_is_registered_and_valid() -> None:
    ct = types.get("dispute")
    assert ct.workflow is DISPUTE_WORKFLOW
    assert DISPUTE_WORKFLOW.validate() == []
    types.validate_all()
    assert set(STATES) <= set(types.all_states())
    assert types.open_states() >= OPEN_STATES
    assert [types.status_label("dispute", s) for s in STATES] == [
        "已登记", "调解中", "不予受理", "已移交", "已达成协议", "调解不成", "已结案",
    ]  # fmt: skip


def test_the_docs_show_the_table() -> None:
    from zhizhi.cases.management.commands.workflow_docs import render

    labels = {s: types.status_label("dispute", s) for s in STATES}
    mermaid = DISPUTE_WORKFLOW.to_mermaid(labels)
    assert mermaid in render()
    assert mermaid in (Path(settings.PROJECT_DIR) / "docs" / "mediation.md").read_text(encoding="utf-8")


# --- The whole table ------------------------------------------------------------------------------

# What an action needs first, beyond its source state (the state stays the same).
PREPARE = {"close": ["follow_up"], "judicial_decision": ["judicial_apply"]}
ALLOWED = [(a.name, s) for a in DISPUTE_WORKFLOW.actions.values() for s in sorted(a.sources)]
REFUSED = [(a.name, s) for a in DISPUTE_WORKFLOW.actions.values() for s in STATES if s not in a.sources]


@pytest.mark.parametrize(("action", "state"), ALLOWED)
def test_every_allowed_transition(t: Township, action: str, state: str) -> None:
    driven = drive(t, state)
    now = driven.now
    for step in PREPARE.get(action, []):
        now += HOUR
        act(t, driven.case, step, now=now)
    events = CaseEvent.objects.filter(case=driven.case).count()
    case = act(t, driven.case, action, now=now + HOUR)
    target = DISPUTE_WORKFLOW.actions[action].next_status(state)
    assert Case.objects.get(pk=case.pk).status == target
    last = CaseEvent.objects.filter(case=case).last()
    assert last is not None
    assert (CaseEvent.objects.filter(case=case).count(), last.action, last.from_status, last.to_status) == (
        events + 1, action, state, target,
    )  # fmt: skip


@pytest.mark.parametrize(("action", "state"), REFUSED)
def test_every_other_transition_is_refused(t: Township, action: str, state: str) -> None:
    case = drive(t, state).case
    err = refused(t, case, action, now=at("2024-03-05 10:00"))
    assert (err.code, err.status) == ("invalid_transition", 409)


def test_a_wrong_state_says_the_dispute_state(t: Township) -> None:
    case = drive(t, "mediating").case
    err = refused(t, case, "follow_up", now=at("2024-03-05 10:00"))
    assert err.message == "工单当前状态为“调解中”，不能执行“回访履行情况”"


def test_every_path_writes_one_event_per_step(t: Township) -> None:
    for state, steps in PATHS.items():
        case = drive(t, state).case
        actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
        assert actions == ["create", "register_dispute", *steps]
        assert Case.objects.get(pk=case.pk).is_open is (state in OPEN_STATES)


# --- Acceptance and the mediators (第十九条) ---------------------------------------------------------


def test_accepting_appoints_the_mediators_and_the_committee(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"))
    act(t, case, "accept", now=at("2024-03-05 10:00"), mediators="tj2, tj")
    fresh, dispute = Case.objects.get(pk=case.pk), Dispute.objects.get(pk=case.pk)
    assert [u.username for u in queries.mediators(dispute)] == ["tj2", "tj"]
    assert (fresh.assignee, fresh.started_at, dispute.accepted_at, dispute.committee) == (
        t.users["tj2"], at("2024-03-05 10:00"), at("2024-03-05 10:00"), "六横镇人民调解委员会",
    )  # fmt: skip
    assert (dispute.decided_at, dispute.decided_on_time) == (at("2024-03-05 10:00"), True)
    event = CaseEvent.objects.get(case=case, action="accept")
    assert (event.actor, event.data["mediators"], event.data["committee"]) == (
        t.users["tj"], ["tj2", "tj"], "六横镇人民调解委员会",
    )  # fmt: skip


def test_a_village_dispute_mediated_by_its_cadre(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"), by="cadre_a")
    act(t, case, "accept", by="cadre_a", now=at("2024-03-04 10:00"))
    dispute = Dispute.objects.get(pk=case.pk)
    assert (Case.objects.get(pk=case.pk).assignee, dispute.committee) == (
        t.users["cadre_a"],
        "杜庄村人民调解委员会",
    )
    # the cadre presides and records; the town's mediators may still step in
    act(t, case, "record_session", by="cadre_a", now=at("2024-03-04 11:00"))
    act(t, case, "record_session", by="tj", now=at("2024-03-04 12:00"))
    assert Session.objects.filter(dispute=dispute).count() == 2


@pytest.mark.parametrize(
    ("mediators", "code"),
    [
        ("handler_enf", "invalid_mediator"),  # another department's handler
        ("cadre_b", "invalid_mediator"),  # a cadre of another village
        ("leader", "invalid_mediator"),
        ("nobody", "invalid_mediator"),
        (",".join(f"m{n}" for n in range(11)), "too_many_mediators"),
        (42, "invalid_field"),
    ],
)
def test_who_may_mediate(t: Township, mediators: object, code: str) -> None:
    case = drive(t, "registered").case
    err = refused(t, case, "accept", now=at("2024-03-05 10:00"), mediators=mediators)
    assert (err.code, err.status, err.details) == (code, 422, {"field": "mediators"})


def test_a_cadre_of_the_village_may_be_appointed_with_a_town_mediator(t: Township) -> None:
    case = drive(t, "registered").case
    act(t, case, "accept", now=at("2024-03-05 10:00"), mediators=["cadre_a", "tj"])
    dispute = Dispute.objects.get(pk=case.pk)
    assert ([u.username for u in queries.mediators(dispute)], dispute.committee) == (
        ["cadre_a", "tj"], "杜庄村人民调解委员会",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("action", "by", "code", "status"),
    [
        ("accept", "dispatcher", "forbidden_role", 403),
        ("accept", "leader", "forbidden_role", 403),
        ("accept", "grid_a1", "forbidden_role", 403),  # sees it (their grid), may not mediate it
        ("accept", "handler_enf", "dispute_not_found", 404),  # another department's handler
        ("accept", "cadre_b", "dispute_not_found", 404),  # another village's cadre
        ("supervise", "tj", "forbidden_role", 403),
    ],
)
def test_who_may_act(t: Township, action: str, by: str, code: str, status: int) -> None:
    case = drive(t, "registered").case
    err = refused(t, case, action, by=by, now=at("2024-03-05 10:00"))
    assert (err.code, err.status) == (code, status)


def test_once_a_town_mediator_presides_the_village_cadre_no_longer_acts(t: Township) -> None:
    case = drive(t, "mediating").case  # presided by tj
    assert refused(t, case, "record_session", by="cadre_a", now=at("2024-03-04 12:00")).code == "not_handler"
    act(t, case, "record_session", by="tj2", now=at("2024-03-04 12:00"))  # a colleague of the department


def test_the_available_actions(t: Township) -> None:
    case = drive(t, "registered").case
    assert [a.name for a in case_services.available_actions(t.users["tj"], case, at("2024-03-05 10:00"))] == [
        "accept", "not_accept", "refer", "flag_major",
    ]  # fmt: skip
    assert scope.visible_cases(t.users["cadre_a"]).filter(pk=case.pk).exists()
    assert not scope.visible_cases(t.users["cadre_b"]).filter(pk=case.pk).exists()


# --- Sessions (第二十七条) ----------------------------------------------------------------------------


def test_sessions_are_recorded_in_order(t: Township) -> None:
    case = drive(t, "mediating").case  # accepted 4 March
    act(t, case, "record_session", now=at("2024-03-06 18:00"), held_on="2024-03-05", place="杜庄村调解室")
    act(t, case, "record_session", by="tj2", now=at("2024-03-08 18:00"), held_on="2024-03-08",
        place="张三家门口通道", attendees="张三、李四、村民代表王五、陈明、刘芳", notes="现场查看通道，双方初步同意清理")  # fmt: skip
    rows = list(Session.objects.filter(dispute_id=case.pk).values_list(
        "number", "held_on", "place", "attendees", "notes", "recorded_by__username"
    ))  # fmt: skip
    assert [(n, str(d), p, r) for n, d, p, _, _, r in rows] == [
        (1, "2024-03-05", "杜庄村调解室", "tj"), (2, "2024-03-08", "张三家门口通道", "tj2"),
    ]  # fmt: skip
    assert rows[1][3:5] == ("张三、李四、村民代表王五、陈明、刘芳", "现场查看通道，双方初步同意清理")
    # the timeline has the session's number, date and place, not who attended or what they said
    events = CaseEvent.objects.filter(case=case, action="record_session").order_by("at")
    assert [(e.data, e.note, e.from_status, e.to_status) for e in events] == [
        ({"session": 1, "held_on": "2024-03-05", "place": "杜庄村调解室"}, "", "mediating", "mediating"),
        ({"session": 2, "held_on": "2024-03-08", "place": "张三家门口通道"}, "", "mediating", "mediating"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"held_on": "2024-03-03"}, "invalid_held_on", "held_on"),  # before acceptance
        ({"held_on": "2024-03-06"}, "invalid_held_on", "held_on"),  # in the future
        ({"held_on": "3 March"}, "invalid_field", "held_on"),
        ({"notes": " "}, "missing_field", "notes"),
        ({"attendees": ""}, "missing_field", "attendees"),
        ({"place": "x" * 201}, "too_long", "place"),
    ],
)
def test_a_session_needs_its_record(t: Township, payload: dict[str, str], code: str, field: str) -> None:
    case = drive(t, "mediating").case
    err = refused(t, case, "record_session", now=at("2024-03-05 10:00"), **payload)
    assert (err.code, err.status, err.details) == (code, 422, {"field": field})


# --- Outcomes ------------------------------------------------------------------------------------


def test_not_accepted_ends_the_matter_with_its_reason(t: Township) -> None:
    case = drive(t, "registered").case
    act(t, case, "not_accept", now=at("2024-03-05 10:00"), reason="被申请人明确拒绝调解（第十七条）")
    fresh, dispute = Case.objects.get(pk=case.pk), Dispute.objects.get(pk=case.pk)
    assert (fresh.status, fresh.is_open, fresh.closed_at, fresh.resolution, fresh.assignee) == (
        "not_accepted", False, at("2024-03-05 10:00"), "被申请人明确拒绝调解（第十七条）", t.users["tj"],
    )  # fmt: skip
    assert (dispute.not_accepted_reason, dispute.decided_on_time, dispute.outcome, dispute.accepted_at) == (
        "被申请人明确拒绝调解（第十七条）", True, "", None,
    )  # fmt: skip
    assert refused(
        t, drive(t, "registered").case, "not_accept", now=at("2024-03-05 10:00"), reason=""
    ).code == ("missing_field")


def test_failed_mediation_is_terminated_with_its_notice(t: Township) -> None:
    case = drive(t, "mediating").case
    act(t, case, "fail", now=at("2024-03-20 10:00"))
    fresh, dispute = Case.objects.get(pk=case.pk), Dispute.objects.get(pk=case.pk)
    assert (fresh.status, fresh.closed_at, fresh.resolution, fresh.resolved_on_time) == (
        "failed", at("2024-03-20 10:00"), "调解不成，终止调解：双方对通道的使用分歧较大", True,
    )  # fmt: skip
    assert (dispute.outcome, dispute.concluded_at, dispute.concluded_on_time) == (
        "failed", at("2024-03-20 10:00"), True,
    )  # fmt: skip
    assert (dispute.failure_reason, dispute.termination_notice) == (
        "双方对通道的使用分歧较大", "各方当事人可以依法通过仲裁、行政、司法等途径维护自己的权利。",
    )  # fmt: skip
    other = drive(t, "mediating").case
    act(t, other, "fail", now=at("2024-03-20 10:00"), notice="可向普陀区人民法院提起诉讼。")
    assert Dispute.objects.get(pk=other.pk).termination_notice == "可向普陀区人民法院提起诉讼。"


@pytest.mark.parametrize("state", ["registered", "mediating"])
def test_referred_to_a_court_arbitration_or_another_body(t: Township, state: str) -> None:
    case = drive(t, state).case
    act(
        t,
        case,
        "refer",
        now=at("2024-03-06 10:00"),
        refer_to="arbitration",
        authority="普陀区劳动人事争议仲裁委员会",
    )
    fresh, dispute = Case.objects.get(pk=case.pk), Dispute.objects.get(pk=case.pk)
    assert (fresh.status, fresh.resolution, dispute.outcome, dispute.refer_to, dispute.referred_to) == (
        "referred", "移交普陀区劳动人事争议仲裁委员会", "referred", "arbitration", "普陀区劳动人事争议仲裁委员会",
    )  # fmt: skip
    # a referral before acceptance is also the decision on the application (on time: within 3 working days)
    decided = at("2024-03-06 10:00") if state == "registered" else at("2024-03-04 10:00")
    assert (dispute.decided_at, dispute.decided_on_time) == (decided, True)
    assert (dispute.concluded_at, dispute.concluded_on_time) == (at("2024-03-06 10:00"), True)
    event = CaseEvent.objects.get(case=case, action="refer")
    assert (event.data["refer_to"], event.data["authority"]) == (
        "arbitration",
        "普陀区劳动人事争议仲裁委员会",
    )


def test_a_referral_names_where_to(t: Township) -> None:
    case = drive(t, "mediating").case
    err = refused(t, case, "refer", now=at("2024-03-06 10:00"), refer_to="police")
    assert (err.code, err.details) == ("invalid_refer_to", {"field": "refer_to"})
    assert refused(t, case, "refer", now=at("2024-03-06 10:00"), authority=" ").code == "missing_field"


def test_a_major_dispute_flag_once(t: Township) -> None:
    case = drive(t, "mediating").case
    act(t, case, "flag_major", by="tj", now=at("2024-03-05 10:00"), note="涉及 12 户村民")
    dispute = Dispute.objects.get(pk=case.pk)
    assert (dispute.is_major, dispute.major_since, dispute.major_note) == (
        True,
        at("2024-03-05 10:00"),
        "涉及 12 户村民",
    )
    assert Case.objects.get(pk=case.pk).priority == Priority.URGENT
    err = refused(t, case, "flag_major", now=at("2024-03-06 10:00"))
    assert (err.code, err.message) == ("guard_failed", "该纠纷已列为重大疑难纠纷")


def test_supervision_is_the_engines_flag(t: Township) -> None:
    case = drive(t, "mediating").case
    act(t, case, "supervise", now=at("2024-03-10 10:00"))
    assert Case.objects.get(pk=case.pk).supervision_count == 1


# --- Follow-up (第三十一条) and closing ----------------------------------------------------------------


def test_follow_up_visits_then_closing(t: Township) -> None:
    case = drive(t, "agreed").case  # agreement effective 4 March
    # Closing before any follow-up visit is refused
    err = refused(t, case, "close", now=at("2024-03-06 10:00"))
    assert (err.code, err.message) == (
        "guard_failed", "结案前须回访调解协议的履行情况（《中华人民共和国人民调解法》第三十一条）",
    )  # fmt: skip
    # When the mediator visits twice (partly, then fully performed) and the dispatcher closes
    act(t, case, "follow_up", now=at("2024-03-08 10:00"), performance="partly", note="渔网已清理一半")
    act(t, case, "follow_up", now=at("2024-03-12 10:00"), performance="performed", visited_on="2024-03-11")
    act(t, case, "close", now=at("2024-03-12 11:00"))
    rows = list(FollowUp.objects.filter(dispute_id=case.pk).values_list("visited_on", "performance", "note"))
    assert [(str(d), p, n) for d, p, n in rows] == [
        ("2024-03-08", "partly", "渔网已清理一半"), ("2024-03-11", "performed", ""),
    ]  # fmt: skip
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.closed_at, fresh.is_open) == ("closed", at("2024-03-12 11:00"), False)
    assert CaseEvent.objects.get(case=case, action="close").data == {"performance": "performed"}


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"performance": "mostly"}, "invalid_performance", "performance"),
        ({"visited_on": "2024-03-03"}, "invalid_visited_on", "visited_on"),  # before the agreement
        ({"visited_on": "2024-03-09"}, "invalid_visited_on", "visited_on"),  # in the future
    ],
)
def test_a_follow_up_needs_a_known_performance_and_a_real_date(
    t: Township, payload: dict[str, str], code: str, field: str
) -> None:
    case = drive(t, "agreed").case
    err = refused(t, case, "follow_up", now=at("2024-03-08 10:00"), **payload)
    assert (err.code, err.details) == (code, {"field": field})


# --- Only disputes --------------------------------------------------------------------------------


def test_a_dispute_case_without_its_record_cannot_act(t: Township) -> None:
    # Given a dispute case created through the generic intake (no Dispute record)
    data = case_services.CaseInput(
        case_type="dispute",
        channel="walk_in",
        category="neighbor_dispute",
        title="t",
        region="3309031072010101",
    )
    case = case_services.create_case(actor=t.users["dispatcher"], data=data, now=at("2024-03-04 09:00")).case
    case.department_id = t.users["tj"].departments.get().pk
    case.save(update_fields=["department"])
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(DomainError) as exc:
        case_services.transition(case.pk, "accept", actor=t.users["tj"], now=at("2024-03-05 10:00"))
    assert (exc.value.code, exc.value.status) == ("no_dispute_record", 409)
    assert (Case.objects.get(pk=case.pk).status, CaseEvent.objects.filter(case=case).count()) == (
        "registered", events,
    )  # fmt: skip
    with pytest.raises(DomainError) as exc:
        services.dispute_action(case.pk, "accept", actor=t.users["tj"])
    assert exc.value.code == "dispute_not_found"


def test_dispute_action_is_for_disputes_only(t: Township) -> None:
    data = case_services.CaseInput(
        channel="walk_in", category="neighbor_dispute", title="t", region="3309031072010101"
    )
    event = case_services.create_case(actor=t.users["dispatcher"], data=data).case
    with pytest.raises(DomainError) as exc:
        services.dispute_action(event.pk, "accept", actor=t.users["dispatcher"])
    assert (exc.value.code, exc.value.status) == ("dispute_not_found", 404)
    case = drive(t, "registered").case
    with pytest.raises(DomainError) as exc:
        services.dispute_action(case.pk, "resolve", actor=t.users["tj"])
    assert (exc.value.code, exc.value.status) == ("unknown_action", 404)


def test_actors_cover_the_table() -> None:
    assert set(ACTORS) == set(DISPUTE_WORKFLOW.actions)
