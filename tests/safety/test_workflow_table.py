"""The whole hazard transition table, action × state × grade × user, through `hazard_action`.

Given a fresh hazard (一般 or 重大) taken to a state through the services (see helpers.drive_hazard),
when each user of the test township takes an action with a valid payload, then the outcome is
exactly what the table, the guards and the scope rules say:

- outside the user's scope → 404 case_not_found;
- a role the action does not list → 403 forbidden_role;
- a handler-only action by someone who is not the hazard's handler → 403 not_handler;
- a state the action does not start from → 409 invalid_transition;
- a guard that does not hold (grade, listing, plan) → 409 guard_failed;
- otherwise the status becomes the table's target and exactly one CaseEvent records it.

A denied attempt leaves the case row, its hazard detail, its organisation and its timeline exactly
as they were. Each attempt runs in a savepoint that is rolled back.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from tests.safety.helpers import ACTORS, PAYLOADS, Clock, act, drive_hazard, snapshot
from tests.township import Township
from zhizhi.accounts.models import Role
from zhizhi.cases import services as case_services
from zhizhi.cases import types
from zhizhi.core.errors import Conflict, DomainError
from zhizhi.safety import services
from zhizhi.safety.models import Grade
from zhizhi.safety.workflow import (
    CLOSED,
    HAZARD_WORKFLOW,
    NOTIFIED,
    RECEIVED,
    RECTIFIED,
    RECTIFYING,
    REINSPECTED,
    STATES,
)

BEFORE_FIXED = {RECEIVED, NOTIFIED, RECTIFYING, RECTIFIED}
INSPECTOR = {Role.HANDLER}
OVERSIGHT = {Role.DISPATCHER, Role.LEADER}

# action: (sources, target (None = unchanged), roles, handler_only)
TABLE: dict[str, tuple[set[str], str | None, set[str], bool]] = {
    "notify": ({RECEIVED}, NOTIFIED, INSPECTOR, True),
    "start_rectification": ({NOTIFIED}, RECTIFYING, INSPECTOR, True),
    "submit_rectification": ({RECTIFYING}, RECTIFIED, INSPECTOR, True),
    "reinspect_pass": ({RECTIFIED}, REINSPECTED, INSPECTOR, True),
    "reinspect_fail": ({RECTIFIED}, RECTIFYING, INSPECTOR, True),
    "close": ({REINSPECTED}, CLOSED, INSPECTOR, True),
    "acceptance": ({REINSPECTED}, CLOSED, OVERSIGHT, False),
    "list_supervision": (BEFORE_FIXED, None, OVERSIGHT, False),
    "file_plan": ({NOTIFIED, RECTIFYING}, None, INSPECTOR, True),
    "supervise": (BEFORE_FIXED, None, OVERSIGHT, False),
}

USERS = [
    "grid_a1", "grid_b1", "cadre_a", "cadre_b", "dispatcher",
    "handler_enf", "handler_emg", "operator", "leader", "admin",
]  # fmt: skip
ROLE = {
    "grid_a1": Role.GRID_WORKER,
    "grid_b1": Role.GRID_WORKER,
    "cadre_a": Role.VILLAGE_CADRE,
    "cadre_b": Role.VILLAGE_CADRE,
    "dispatcher": Role.DISPATCHER,
    "handler_enf": Role.HANDLER,
    "handler_emg": Role.HANDLER,
    "operator": Role.HOTLINE_OPERATOR,
    "leader": Role.LEADER,
    "admin": Role.ADMIN,
}
# The hazard is in 杜庄1-1, registered by grid_a1, department emergency, assignee handler_emg.
SEES = {"grid_a1", "cadre_a", "dispatcher", "operator", "leader", "admin", "handler_emg"}
STATUS_OF = {
    "case_not_found": 404,
    "forbidden_role": 403,
    "not_handler": 403,
    "invalid_transition": 409,
    "guard_failed": 409,
}


def guard_holds(action: str, state: str, grade: str) -> bool:
    """The guards, worked out by hand for a hazard driven along the usual path (never listed; a
    major one's plan is filed on the way from notified to rectifying)."""
    if action == "close":
        return grade == Grade.GENERAL
    if action in ("acceptance", "list_supervision", "file_plan"):
        return grade == Grade.MAJOR
    if action == "start_rectification":
        return grade == Grade.GENERAL or state not in (RECEIVED, NOTIFIED)
    return True


def expected(user: str, action: str, state: str, grade: str) -> str:
    sources, _, roles, handler_only = TABLE[action]
    if user not in SEES:
        return "case_not_found"
    if ROLE[user] not in roles:
        return "forbidden_role"
    if handler_only and user != "handler_emg":
        return "not_handler"
    if state not in sources:
        return "invalid_transition"
    if not guard_holds(action, state, grade):
        return "guard_failed"
    return "allowed"


def attempt(t: Township, case: Any, action: str, user: str, now: Any, before: Any) -> str:
    with transaction.atomic():
        try:
            services.hazard_action(case.pk, action, actor=t.users[user], payload=PAYLOADS[action], now=now)
        except DomainError as exc:
            outcome = exc.code
            if STATUS_OF.get(exc.code) != exc.status:
                outcome += f" (HTTP {exc.status})"
            if snapshot(case) != before:
                outcome += " BUT THE HAZARD CHANGED"
        else:
            outcome = "allowed"
            after = snapshot(case)
            target = TABLE[action][1] or before[0]["status"]
            new = [e[1:] for e in after[3][len(before[3]) :]]
            if after[0]["status"] != target or new != [(action, before[0]["status"], target, user)]:
                outcome = f"allowed but status={after[0]['status']} new events={new}"
            elif after[3][: len(before[3])] != before[3]:
                outcome = "allowed but earlier events changed"
        transaction.set_rollback(True)
    return outcome


def test_the_written_table_is_the_engines_table() -> None:
    got = {
        name: (set(a.sources), a.target, set(a.roles), a.handler_only)
        for name, a in HAZARD_WORKFLOW.actions.items()
    }
    assert got == TABLE
    assert set(STATES) == {RECEIVED, NOTIFIED, RECTIFYING, RECTIFIED, REINSPECTED, CLOSED}
    assert types.get("hazard").workflow is HAZARD_WORKFLOW
    assert HAZARD_WORKFLOW.validate() == []


@pytest.mark.parametrize("grade", [Grade.GENERAL, Grade.MAJOR])
@pytest.mark.parametrize("state", list(STATES))
def test_every_action_in_state_for_every_user(township: Township, state: str, grade: str) -> None:
    # Given a hazard of `grade` in `state`
    clock = Clock()
    case = drive_hazard(township, state, grade, clock=clock).case
    outcomes: dict[tuple[str, str], str] = {}
    for action in TABLE:
        now, before = clock.tick(), snapshot(case)
        # When every user tries every action
        for user in USERS:
            outcomes[action, user] = attempt(township, case, action, user, now, before)
    # Then each outcome is the table's
    assert outcomes == {
        (action, user): expected(user, action, state, grade) for action in TABLE for user in USERS
    }


def test_a_listed_hazard_cannot_be_listed_twice(township: Township) -> None:
    clock = Clock()
    case = drive_hazard(township, NOTIFIED, Grade.MAJOR, clock=clock).case
    act(township, case, "list_supervision", now=clock.tick())
    before = snapshot(case)
    with pytest.raises(Conflict) as exc:
        act(township, case, "list_supervision", "leader", now=clock.tick())
    assert (exc.value.code, exc.value.details["guard"]) == ("guard_failed", "not_listed")
    assert exc.value.message == "该隐患已挂牌督办"
    assert snapshot(case) == before


def test_failed_reinspection_goes_back_to_rectifying_and_can_pass_later(township: Township) -> None:
    clock = Clock()
    case = drive_hazard(township, RECTIFIED, clock=clock).case
    act(township, case, "reinspect_fail", now=clock.tick())
    case.refresh_from_db()
    assert case.status == RECTIFYING
    assert (case.hazard.reinspection_failures, case.hazard.rectified_at) == (1, None)
    act(township, case, "submit_rectification", now=clock.tick(), evidence="重新清理，加装隔离栏")
    act(township, case, "reinspect_pass", now=clock.tick())
    act(township, case, "close", now=clock.tick())
    case.refresh_from_db()
    assert case.status == CLOSED
    assert case.hazard.evidence == "重新清理，加装隔离栏"
    assert [e.action for e in case.events.order_by("at", "id")] == [
        "create", "record_hazard", "notify", "start_rectification", "submit_rectification", "reinspect_fail",
        "submit_rectification", "reinspect_pass", "close",
    ]  # fmt: skip


def test_the_usual_actors_are_the_ones_the_table_allows() -> None:
    for action, user in ACTORS.items():
        assert ROLE[user] in TABLE[action][2], action


def test_the_engine_itself_refuses_a_wrong_state_with_409(township: Township) -> None:
    # Given a hazard already notified, when the engine (not the safety wrapper) is asked to notify
    # it again, then it answers 409 with the hazard's own label for the state, and writes nothing
    case = drive_hazard(township, NOTIFIED).case
    before = snapshot(case)
    with pytest.raises(Conflict) as refused:
        case_services.transition(
            case.pk, "notify", actor=township.users["handler_emg"], payload={}, now=Clock().tick()
        )
    assert (refused.value.status, refused.value.code) == (409, "invalid_transition")
    assert refused.value.message == "工单当前状态为“已下达整改通知”，不能执行“下达整改通知”"
    assert snapshot(case) == before
