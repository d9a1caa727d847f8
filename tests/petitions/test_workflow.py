"""The petition workflow on the engine: decisions, answers, closing, flags, who may act, and what a
refused action leaves behind (nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.petitions.helpers import PATHS, act, at, drive, eod, person, register, ric, snapshot
from tests.township import Township
from zhizhi.accounts import scope
from zhizhi.cases import services as case_services
from zhizhi.cases import types
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.core.errors import DomainError
from zhizhi.petitions import services
from zhizhi.petitions.models import Petition
from zhizhi.petitions.workflow import OPEN_STATES, PETITION_WORKFLOW, STATES


def refused(t: Township, case: Case, action: str, **kw: object) -> DomainError:
    before = snapshot(case)
    with pytest.raises(DomainError) as exc:
        act(t, case, action, **kw)  # type: ignore[arg-type]
    assert snapshot(case) == before
    return exc.value


def test_the_table_is_registered_and_valid() -> None:
    ct = types.get("petition")
    assert ct.workflow is PETITION_WORKFLOW
    assert PETITION_WORKFLOW.validate() == []
    types.validate_all()
    assert set(STATES) <= set(types.all_states())
    assert types.open_states() >= OPEN_STATES
    assert types.status_label("petition", "handling") == "办理中"
    assert types.status_label("petition", "closed") == "已结案"


def test_the_docs_show_the_table() -> None:
    from zhizhi.cases.management.commands.workflow_docs import render

    labels = {s: types.status_label("petition", s) for s in STATES}
    mermaid = PETITION_WORKFLOW.to_mermaid(labels)
    assert mermaid in render()
    assert mermaid in (Path(settings.PROJECT_DIR) / "docs" / "petitions.md").read_text(encoding="utf-8")


def test_not_accepted_ends_the_matter_with_its_reason(t: Township) -> None:
    case = drive(t, "registered").case
    act(t, case, "not_accept", now=at("2024-03-05 10:00"), reason="已进入诉讼程序")
    fresh, petition = Case.objects.get(pk=case.pk), Petition.objects.get(pk=case.pk)
    assert (fresh.status, fresh.is_open, fresh.closed_at, fresh.resolution) == (
        "not_accepted", False, at("2024-03-05 10:00"), "已进入诉讼程序",
    )  # fmt: skip
    assert (petition.acceptance, petition.not_accepted_reason, petition.decided_on_time) == (
        "not_accept", "已进入诉讼程序", True,
    )  # fmt: skip
    assert refused(t, case, "not_accept", now=at("2024-03-05 10:00"), reason=" ").code == "invalid_transition"


def test_not_accepting_needs_a_reason_and_referring_an_authority(t: Township) -> None:
    case = drive(t, "registered").case
    assert refused(t, case, "not_accept", now=at("2024-03-05 10:00"), reason="").code == "missing_field"
    assert refused(t, case, "refer", now=at("2024-03-05 10:00"), authority="").code == "missing_field"


def test_referred_to_the_authority(t: Township) -> None:
    case = drive(t, "referred").case
    petition = Petition.objects.get(pk=case.pk)
    assert (case.status, petition.acceptance, petition.referred_to, case.resolution) == (
        "referred", "refer", "普陀区人力资源和社会保障局", "转送普陀区人力资源和社会保障局",
    )  # fmt: skip
    assert CaseEvent.objects.get(case=case, action="refer").data["authority"] == "普陀区人力资源和社会保障局"


def test_the_reply_records_decision_opinion_and_basis(t: Township) -> None:
    case = drive(t, "handling").case
    act(
        t,
        case,
        "reply",
        now=at("2024-03-10 10:00"),
        decision="explain",
        opinion="工资已由劳动监察追缴",
        basis="劳动法",
    )
    row = Petition.objects.get(pk=case.pk).opinion("reply")
    assert row is not None
    assert (row.decision, row.opinion, row.basis, row.answered_by, row.on_time) == (
        "explain", "工资已由劳动监察追缴", "劳动法", t.users["xf"], True,
    )  # fmt: skip
    assert (row.requested_at, row.due_at) == (at("2024-03-04 10:00"), eod("2024-05-03"))
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.resolution, fresh.resolved_at, fresh.is_open) == (
        "answered", "工资已由劳动监察追缴", at("2024-03-10 10:00"), False,
    )  # fmt: skip


def test_a_decision_outside_the_three_is_refused(t: Township) -> None:
    case = drive(t, "handling").case
    err = refused(t, case, "reply", now=at("2024-03-10 10:00"), decision="partly")
    assert (err.code, err.details) == ("invalid_decision", {"field": "decision"})


def test_closing_before_the_review_window_ends_needs_the_petitioner_settled(t: Township) -> None:
    case = drive(t, "answered").case  # replied on 4 March: the petitioner may ask until 3 April
    err = refused(t, case, "close", now=at("2024-03-20 10:00"), settled=None)
    assert (err.code, err.status) == ("review_window_open", 409)
    assert refused(t, case, "close", now=at("2024-03-20 10:00"), settled=False).code == "review_window_open"
    act(t, case, "close", now=at("2024-03-20 10:00"), settled="true")
    assert (Case.objects.get(pk=case.pk).status, Petition.objects.get(pk=case.pk).settled) == ("closed", True)


def test_closing_after_the_window_or_after_re_review(t: Township) -> None:
    answered = drive(t, "answered").case
    act(t, answered, "close", now=at("2024-04-04 00:00"), settled=None)
    assert (Case.objects.get(pk=answered.pk).closed_at, Petition.objects.get(pk=answered.pk).settled) == (
        at("2024-04-04 00:00"), None,
    )  # fmt: skip
    final = drive(t, "re_reviewed").case
    act(t, final, "close", now=at("2024-03-05 10:00"), settled=None)
    assert Case.objects.get(pk=final.pk).status == "closed"


def test_a_backlog_flag_once(t: Township) -> None:
    case = drive(t, "handling").case
    act(t, case, "flag_backlog", now=at("2024-03-10 10:00"), note="三年未化解")
    petition = Petition.objects.get(pk=case.pk)
    assert (petition.is_backlog, petition.backlog_since, petition.backlog_note) == (
        True, at("2024-03-10 10:00"), "三年未化解",
    )  # fmt: skip
    err = refused(t, case, "flag_backlog", now=at("2024-03-11 10:00"))
    assert (err.code, err.message) == ("guard_failed", "该信访事项已列为积案")


def test_supervision_is_the_engines_flag(t: Township) -> None:
    case = drive(t, "handling").case
    act(t, case, "supervise", now=at("2024-03-10 10:00"))
    assert Case.objects.get(pk=case.pk).supervision_count == 1


@pytest.mark.parametrize(
    ("action", "by", "code", "status"),
    [
        ("accept", "dispatcher", "forbidden_role", 403),
        ("accept", "leader", "forbidden_role", 403),
        ("extend", "xf", "forbidden_role", 403),  # the role is checked before the state
        ("accept", "handler_enf", "petition_not_found", 404),  # another department's handler
        ("accept", "cadre_b", "petition_not_found", 404),  # another village's cadre
    ],
)
def test_who_may_decide(t: Township, action: str, by: str, code: str, status: int) -> None:
    case = drive(t, "registered").case
    err = refused(t, case, action, by=by, now=at("2024-03-05 10:00"))
    assert (err.code, err.status) == (code, status)


def test_a_grid_worker_who_sees_a_petition_may_not_answer_it(t: Township) -> None:
    # Given an accepted petition in grid_a1's grid (the petition department handles it, nobody named)
    case = drive(t, "handling").case
    assert Case.objects.get(pk=case.pk).assignee_id is None
    # Then its grid worker sees it but may not answer it
    assert refused(t, case, "reply", by="grid_a1", now=at("2024-03-10 10:00")).code == "forbidden_role"


def test_a_wrong_state_says_the_petition_state(t: Township) -> None:
    case = drive(t, "handling").case
    err = refused(t, case, "request_review", now=at("2024-03-10 10:00"))
    assert (err.code, err.status, err.message) == (
        "invalid_transition",
        409,
        "工单当前状态为“办理中”，不能执行“请求复查”",
    )


def test_every_path_writes_one_event_per_step(t: Township) -> None:
    for n, (state, steps) in enumerate(PATHS.items()):
        case = drive(t, state, petitioners=[person(f"信访人{n}", ric(n))]).case
        actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
        assert actions == ["create", "register_petition", *steps]
        last = CaseEvent.objects.filter(case=case).last()
        assert last is not None
        assert last.to_status == case.status == state


def test_a_petition_case_without_its_record_cannot_act(t: Township) -> None:
    # Given a petition case created through the generic intake (no Petition record)
    data = case_services.CaseInput(
        case_type="petition", channel="walk_in", category="wage_dispute", title="t", region="3309031072010101"
    )
    case = case_services.create_case(actor=t.users["dispatcher"], data=data, now=at("2024-03-04 09:00")).case
    case.department_id = t.users["xf"].departments.get().pk
    case.save(update_fields=["department"])
    # Then its petition actions are refused with a clear code, and nothing changes
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(DomainError) as exc:
        case_services.transition(case.pk, "accept", actor=t.users["xf"], now=at("2024-03-05 10:00"))
    assert (exc.value.code, exc.value.status) == ("no_petition_record", 409)
    assert (Case.objects.get(pk=case.pk).status, CaseEvent.objects.filter(case=case).count()) == (
        "registered",
        events,
    )
    # and petition_action does not see it as a petition
    with pytest.raises(DomainError) as exc:
        services.petition_action(case.pk, "accept", actor=t.users["xf"])
    assert exc.value.code == "petition_not_found"


def test_petition_action_is_for_petitions_only(t: Township) -> None:
    data = case_services.CaseInput(
        channel="walk_in", category="wage_dispute", title="t", region="3309031072010101"
    )
    event = case_services.create_case(actor=t.users["dispatcher"], data=data).case
    with pytest.raises(DomainError) as exc:
        services.petition_action(event.pk, "accept", actor=t.users["dispatcher"])
    assert (exc.value.code, exc.value.status) == ("petition_not_found", 404)


def test_petitions_are_cases_in_the_users_scope(t: Township) -> None:
    case = register(t, now=at("2024-03-04 09:00"))
    assert scope.visible_cases(t.users["cadre_a"]).filter(pk=case.pk).exists()
    assert not scope.visible_cases(t.users["cadre_b"]).filter(pk=case.pk).exists()
    assert scope.visible_cases(t.users["xf"]).filter(pk=case.pk).exists()  # the petition department
    assert [a.name for a in case_services.available_actions(t.users["xf"], case, at("2024-03-05 10:00"))] == [
        "accept", "not_accept", "refer",
    ]  # fmt: skip
