"""What the case engine does for a type with states of its own (the hazard): labels, open states,
the SLA sweep, the initial state, and the start-up check that keeps the shared unions exact."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation

from tests.safety.helpers import at, drive_hazard
from tests.township import Township
from zhizhi.accounts.models import Role
from zhizhi.cases import services as case_services
from zhizhi.cases import sla, types
from zhizhi.cases.models import Case, CaseEvent, SlaPolicy, Status
from zhizhi.cases.types import CaseType
from zhizhi.cases.workflow import BASE_WORKFLOW, Action, Workflow
from zhizhi.safety.models import Grade
from zhizhi.safety.workflow import (
    CLOSED,
    HAZARD,
    HAZARD_WORKFLOW,
    NOTIFIED,
    RECEIVED,
    RECTIFIED,
    RECTIFYING,
    REINSPECTED,
)

pytestmark = pytest.mark.django_db


# --- Labels ----------------------------------------------------------------------------------------


def test_a_status_is_labelled_by_its_case_types_workflow() -> None:
    assert types.status_label("event", RECEIVED) == "已受理"
    assert types.status_label(HAZARD, RECEIVED) == "发现登记"
    assert types.status_label(HAZARD, RECTIFYING) == "整改中"
    assert types.status_label(HAZARD, CLOSED) == "已销号"
    assert types.status_label("event", Status.CLOSED) == "已归档"
    # a state the type lacks falls back to the base label, an unknown one to its code
    assert types.status_label(HAZARD, Status.MERGED) == "已合并"
    assert types.status_label("no_such_type", Status.DISPATCHED) == "已派单"
    assert types.status_label(HAZARD, "limbo") == "limbo"
    with translation.override("en"):
        assert (types.status_label(HAZARD, RECTIFYING), types.status_label("event", RECEIVED)) == (
            "Rectifying",
            "Received",
        )


def test_every_state_of_every_workflow_is_labelled_and_known() -> None:
    assert set(HAZARD_WORKFLOW.labels) == set(HAZARD_WORKFLOW.states)
    assert set(BASE_WORKFLOW.labels) == set(Status.values)
    # (other apps may register types of their own: only the base and hazard parts are pinned here)
    every = types.all_states()
    assert every[: len(Status.values)] == tuple(Status.values)
    assert [s for s in every if s in HAZARD_WORKFLOW.states and s not in Status.values] == [
        NOTIFIED,
        RECTIFYING,
        RECTIFIED,
        REINSPECTED,
    ]
    assert types.state_choices(HAZARD) == [
        (RECEIVED, "发现登记"),
        (NOTIFIED, "已下达整改通知"),
        (RECTIFYING, "整改中"),
        (RECTIFIED, "整改完成待复查"),
        (REINSPECTED, "复查合格"),
        (CLOSED, "已销号"),
    ]
    menu = dict(types.state_choices())
    assert (menu[RECEIVED], menu[RECTIFYING], len(menu)) == ("已受理", "整改中", len(types.all_states()))


# --- Open states and the sweep ---------------------------------------------------------------------


def test_open_states_are_the_union_of_the_workflows() -> None:
    union = frozenset().union(*(ct.workflow.open_states for ct in types.REGISTRY.values()))
    paused = frozenset().union(*(ct.workflow.paused_states for ct in types.REGISTRY.values()))
    assert types.open_states() == union
    assert types.running_states() == union - paused
    assert BASE_WORKFLOW.open_states | {RECEIVED, NOTIFIED, RECTIFYING, RECTIFIED} <= types.open_states()
    assert Status.SUSPENDED in paused
    assert HAZARD_WORKFLOW.open_states == {RECEIVED, NOTIFIED, RECTIFYING, RECTIFIED}
    assert REINSPECTED not in types.open_states()  # 复查合格 is the hazard's 办结


@pytest.mark.parametrize(
    ("state", "is_open"),
    [(RECEIVED, True), (NOTIFIED, True), (RECTIFYING, True), (RECTIFIED, True), (REINSPECTED, False)],
)
def test_a_hazard_is_open_until_it_is_fixed(township: Township, state: str, is_open: bool) -> None:
    assert drive_hazard(township, state).case.is_open is is_open


def test_the_sweep_marks_an_overdue_hazard_in_rectifying(township: Township) -> None:
    # Given a hazard in rectification whose notice set 2024-03-15 as the deadline
    case = drive_hazard(township, RECTIFYING).case
    assert case.due_at == at("2024-03-15 23:59:59")
    # When the sweep runs just before and then after the deadline
    before = sla.sweep(now=case.due_at - timedelta(hours=1))
    case.refresh_from_db()
    assert (before.newly_overdue, before.due_soon, case.is_overdue, case.is_due_soon) == (0, 1, False, True)
    after = sla.sweep(now=case.due_at + timedelta(minutes=1))
    # Then it is marked overdue once, with one sla_breach event in its own state
    case.refresh_from_db()
    assert (after.newly_overdue, case.is_overdue, case.is_due_soon, case.status) == (
        1,
        True,
        False,
        RECTIFYING,
    )
    breach = CaseEvent.objects.filter(case=case, action="sla_breach").get()
    assert (breach.from_status, breach.to_status, breach.actor_id) == (RECTIFYING, RECTIFYING, None)
    assert sla.sweep(now=case.due_at + timedelta(minutes=2)).newly_overdue == 0


@pytest.mark.parametrize("state", [NOTIFIED, RECTIFIED])
def test_the_sweep_covers_every_unfixed_hazard_state(township: Township, state: str) -> None:
    case = drive_hazard(township, state).case
    assert sla.sweep(now=case.due_at + timedelta(minutes=1)).newly_overdue == 1
    assert Case.objects.get(pk=case.pk).is_overdue


def test_the_sweep_leaves_a_fixed_hazard_alone(township: Township) -> None:
    case = drive_hazard(township, REINSPECTED).case
    assert sla.sweep(now=case.due_at + timedelta(days=30)).newly_overdue == 0
    assert not Case.objects.get(pk=case.pk).is_overdue
    assert not CaseEvent.objects.filter(case=case, action="sla_breach").exists()


def test_a_major_hazard_is_swept_against_its_plan_deadline(township: Township) -> None:
    case = drive_hazard(township, RECTIFYING, Grade.MAJOR).case
    assert case.due_at == at("2024-05-31 23:59:59")  # the plan's 治理时限 2024-05-31
    assert sla.sweep(now=at("2024-05-31 23:59")).newly_overdue == 0
    assert sla.sweep(now=at("2024-06-01 00:01")).newly_overdue == 1


# --- The initial state -----------------------------------------------------------------------------


def test_a_new_case_starts_in_its_types_initial_state(
    township: Township, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a type whose workflow starts in its own state
    start = Action("go", "go", frozenset({"triage"}), Status.RECEIVED, frozenset({Role.DISPATCHER}))
    workflow = replace(
        BASE_WORKFLOW,
        name="triaged",
        states=("triage", *BASE_WORKFLOW.states),
        initial="triage",
        open_states=BASE_WORKFLOW.open_states | {"triage"},
        actions={**BASE_WORKFLOW.actions, "go": start},
        labels={**BASE_WORKFLOW.labels, "triage": "分诊"},
    )
    assert workflow.validate() == []
    monkeypatch.setitem(types.REGISTRY, "triaged", CaseType(code="triaged", name="测试", workflow=workflow))
    SlaPolicy.objects.create(name="分诊测试", case_type="triaged", target=5)
    # When a case of that type is registered, then it starts (and its timeline starts) there
    now = timezone.now()
    result = case_services.create_case(
        actor=township.users["dispatcher"],
        data=case_services.CaseInput(
            case_type="triaged",
            channel="walk_in",
            category="street_vending",
            title="测试",
            region="330903107201",
        ),
        now=now,
    )
    case = Case.objects.get(pk=result.case.pk)
    create = CaseEvent.objects.get(case=case)
    assert (case.status, create.from_status, create.to_status) == ("triage", "", "triage")
    assert case.is_open


# --- The start-up check ----------------------------------------------------------------------------


def _tiny(name: str, *, open_: set[str], paused: set[str] = frozenset()) -> Workflow:  # type: ignore[assignment]
    return Workflow(
        name=name,
        states=("received", "done"),
        initial="received",
        terminal=frozenset({"done"}),
        open_states=frozenset(open_),
        paused_states=frozenset(paused),
        actions={"finish": Action("finish", "finish", frozenset({"received"}), "done", frozenset({"admin"}))},
    )


def test_a_state_open_in_one_workflow_and_not_in_another_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from zhizhi.cases import services

    monkeypatch.setitem(services.EFFECTS, "finish", services.record_only)
    monkeypatch.setitem(
        types.REGISTRY, "odd", CaseType(code="odd", name="odd", workflow=_tiny("odd", open_=set()))
    )
    with pytest.raises(ImproperlyConfigured) as refused:
        types.validate_all()
    assert "event/odd: state 'received' is open in one workflow only" in str(refused.value)
    monkeypatch.setitem(
        types.REGISTRY,
        "odd",
        CaseType(code="odd", name="odd", workflow=_tiny("odd", open_={"received"}, paused={"received"})),
    )
    with pytest.raises(ImproperlyConfigured) as refused:
        types.validate_all()
    assert "event/odd: state 'received' pauses the clock in one workflow only" in str(refused.value)
    monkeypatch.setitem(
        types.REGISTRY, "odd", CaseType(code="odd", name="odd", workflow=_tiny("odd", open_={"received"}))
    )
    types.validate_all()


def test_a_paused_state_must_be_open_and_a_terminal_one_cannot_be() -> None:
    wf = replace(_tiny("w", open_={"received", "done"}), paused_states=frozenset({"elsewhere"}))
    assert sorted(wf.validate()) == sorted(
        [
            "w: paused state 'elsewhere' is not an open state",
            "w: terminal state 'done' cannot be open",
        ]
    )


def test_the_engines_chinese_messages_use_the_chinese_label_in_any_language(township: Township) -> None:
    from tests.safety.helpers import Clock
    from zhizhi.core.errors import Conflict

    case = drive_hazard(township, RECTIFYING).case
    with translation.override("en"), pytest.raises(Conflict) as refused:
        case_services.transition(case.pk, "notify", actor=township.users["handler_emg"], now=Clock().tick())
    assert refused.value.message == "工单当前状态为“整改中”，不能执行“下达整改通知”"
    with translation.override("en"):
        assert types.status_label(HAZARD, RECTIFYING, translate=False) == "整改中"
        assert types.status_label("event", Status.RESOLVED, translate=False) == "已办结"
        assert types.status_label("event", Status.RESOLVED) == "Resolved"
