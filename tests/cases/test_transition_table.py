"""The whole base transition table, action × state × user, through `services.transition`.

Given a fresh case taken to a state through the services (see factories.drive), when each user of
the test township takes an action with a valid payload, then the outcome is exactly what the table
and the scope rules say:

- outside the user's scope → 404 case_not_found;
- a role the action does not list → 403 forbidden_role;
- a handler-only action by someone who is not the case's handler → 403 not_handler;
- a state the action does not start from → 409 invalid_transition;
- a guard that does not hold → 409 guard_failed;
- otherwise the status becomes the table's target and exactly one CaseEvent records it.

A denied attempt leaves the case row (every column) and its timeline exactly as they were. Each
attempt runs in a savepoint that is rolled back, so every user meets the same case.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from tests.cases.factories import Clock, act, create, drive, row
from tests.township import Township
from zhizhi.accounts.models import Role
from zhizhi.cases import services
from zhizhi.cases.models import Case, CaseEvent, Status
from zhizhi.cases.workflow import BASE_WORKFLOW
from zhizhi.core.errors import DomainError

S = Status

# --- The table, written out as the specification ----------------------------------------------------

OPEN = {S.RECEIVED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED, S.RETURNED}
HANDLERS = {Role.HANDLER, Role.VILLAGE_CADRE}

# action: (sources, target (None = unchanged), roles, handler_only)
TABLE: dict[str, tuple[set[str], str | None, set[str], bool]] = {
    "dispatch": ({S.RECEIVED, S.RETURNED}, S.DISPATCHED, {Role.DISPATCHER, Role.ADMIN}, False),
    "accept": ({S.DISPATCHED}, S.ACCEPTED, HANDLERS, True),
    "return": ({S.DISPATCHED, S.ACCEPTED}, S.RETURNED, HANDLERS, True),
    "start": ({S.ACCEPTED}, S.IN_PROGRESS, HANDLERS, True),
    "suspend": ({S.IN_PROGRESS}, S.SUSPENDED, HANDLERS, True),
    "resume": ({S.SUSPENDED}, S.IN_PROGRESS, HANDLERS, True),
    "request_extension": ({S.ACCEPTED, S.IN_PROGRESS}, None, HANDLERS, True),
    "approve_extension": (
        {S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED}, None, {Role.DISPATCHER, Role.LEADER}, False
    ),
    "deny_extension": ({S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED}, None, {Role.DISPATCHER, Role.LEADER}, False),
    "supervise": (OPEN, None, {Role.DISPATCHER, Role.LEADER}, False),
    "resolve": ({S.IN_PROGRESS}, S.RESOLVED, HANDLERS, True),
    "self_resolve": ({S.RECEIVED}, S.RESOLVED, {Role.GRID_WORKER, Role.VILLAGE_CADRE}, False),
    "return_visit": ({S.RESOLVED}, None, {Role.HOTLINE_OPERATOR, Role.DISPATCHER}, False),
    "close": ({S.RESOLVED}, S.CLOSED, {Role.DISPATCHER, Role.HOTLINE_OPERATOR}, False),
    "close_unsatisfied": ({S.RESOLVED}, S.CLOSED, {Role.DISPATCHER, Role.LEADER}, False),
    "reopen": ({S.RESOLVED, S.CLOSED}, S.DISPATCHED, {Role.DISPATCHER, Role.HOTLINE_OPERATOR}, False),
    "merge": ({S.RECEIVED, S.DISPATCHED, S.RETURNED}, S.MERGED, {Role.DISPATCHER, Role.ADMIN}, False),
}  # fmt: skip

PAYLOADS: dict[str, dict[str, Any]] = {
    "dispatch": {"department": "enforcement"},
    "accept": {},
    "return": {"reason": "不属于本部门职责"},
    "start": {},
    "suspend": {"reason": "等待当事人配合"},
    "resume": {},
    "request_extension": {"days": 3, "reason": "需协调多个部门"},
    "approve_extension": {"note": "同意"},
    "deny_extension": {"reason": "理由不充分"},
    "supervise": {"note": "请加快办理"},
    "resolve": {"resolution": "已劝离摊贩，恢复通行"},
    "self_resolve": {"resolution": "现场劝离"},
    "return_visit": {"reached": True, "satisfaction": "satisfied"},
    "close": {},
    "close_unsatisfied": {"reason": "已按政策答复，不满意件审核归档"},
    "reopen": {"reason": "群众反映问题仍未解决"},
    "merge": {},  # parent: a sibling case, filled in per test
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

# --- Scope, worked out by hand for a case that grid_a1 registered in 杜庄1-1 -----------------------

# Region scope covers 杜庄1-1 (grid_a1 also created it; admin has no region and sees everything).
SEES_BY_REGION = {"grid_a1", "cadre_a", "dispatcher", "operator", "leader", "admin"}
# The department stays 'enforcement' from dispatch on, except after a return (cleared).
WITH_ENFORCEMENT = {S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED, S.RESOLVED, S.CLOSED}
# Nobody is named until handler_enf accepts (and becomes the assignee).
UNASSIGNED = {S.RECEIVED, S.DISPATCHED, S.RETURNED, S.MERGED}


def sees(user: str, state: str) -> bool:
    return user in SEES_BY_REGION or (user == "handler_enf" and state in WITH_ENFORCEMENT)


def handles(user: str, state: str) -> bool:
    if user == "handler_enf":  # member of the case's department, later its assignee
        return state in WITH_ENFORCEMENT
    if user == "cadre_a":  # a village cadre handles unassigned cases in their own village
        return state in UNASSIGNED
    return False


def expected(user: str, action: str, state: str) -> str:
    sources, _, roles, handler_only = TABLE[action]
    if not sees(user, state):
        return "case_not_found"
    if ROLE[user] not in roles:
        return "forbidden_role"
    if handler_only and not handles(user, state):
        return "not_handler"
    if state not in sources:
        return "invalid_transition"
    return "allowed"


STATUS_OF = {
    "case_not_found": 404,
    "forbidden_role": 403,
    "not_handler": 403,
    "invalid_transition": 409,
    "guard_failed": 409,
}


EXTENSION_STATES = (S.ACCEPTED, S.IN_PROGRESS, S.SUSPENDED)


def needs_own_case(action: str, state: str) -> bool:
    """Whether the action's guard needs a prepared case (an extension pending, a 不满意 visit)."""
    deciding = action in ("approve_extension", "deny_extension") and state in EXTENSION_STATES
    unsatisfied = (action, state) in {
        ("reopen", S.RESOLVED),
        ("reopen", S.CLOSED),
        ("close_unsatisfied", S.RESOLVED),
    }
    return deciding or unsatisfied


def prepare(t: Township, action: str, state: str, clock: Clock) -> Case:
    """A fresh case in `state`, with what the action's guard needs when the state allows it."""
    if not needs_own_case(action, state):
        return drive(t, state, clock=clock).case
    if action in ("reopen", "close_unsatisfied"):
        # resolved, visited: 不满意 (and, for a closed case, closed after review)
        case = drive(t, S.RESOLVED, clock=clock).case
        act(
            t,
            case,
            "return_visit",
            "operator",
            {"reached": True, "satisfaction": "unsatisfied"},
            now=clock.tick(),
        )
        if state == S.CLOSED:
            act(t, case, "close_unsatisfied", "dispatcher", PAYLOADS["close_unsatisfied"], now=clock.tick())
        return case
    case = drive(t, S.IN_PROGRESS if state == S.SUSPENDED else state, clock=clock).case
    act(t, case, "request_extension", "handler_enf", PAYLOADS["request_extension"], now=clock.tick())
    if state == S.SUSPENDED:
        act(t, case, "suspend", "handler_enf", PAYLOADS["suspend"], now=clock.tick())
    return case


Snapshot = tuple[dict[str, Any], list[tuple[Any, ...]]]


def snapshot(case: Case) -> Snapshot:
    """The case's whole row and its timeline."""
    timeline = list(
        CaseEvent.objects.filter(case_id=case.pk)
        .order_by("at", "id")
        .values_list("id", "action", "from_status", "to_status", "actor__username")
    )
    return row(case), timeline


def attempt(
    t: Township, case: Case, action: str, user: str, payload: dict[str, Any], now: Any, before: Snapshot
) -> str:
    """Take the action in a savepoint that is rolled back; describe what happened."""
    before_row, before_events = before
    with transaction.atomic():
        try:
            services.transition(case.pk, action, actor=t.users[user], payload=payload, now=now)
        except DomainError as exc:
            outcome = exc.code
            if STATUS_OF.get(exc.code) != exc.status:
                outcome += f" (HTTP {exc.status})"
            if snapshot(case) != before:
                outcome += " BUT THE CASE CHANGED"
        else:
            outcome = "allowed"
            after_row, after_events = snapshot(case)
            target = TABLE[action][1] or before_row["status"]
            new = [e[1:] for e in after_events[len(before_events) :]]
            if after_row["status"] != target or new != [(action, before_row["status"], target, user)]:
                outcome = f"allowed but status={after_row['status']} new events={new}"
            elif after_events[: len(before_events)] != before_events:
                outcome = "allowed but earlier events changed"
        transaction.set_rollback(True)
    return outcome


def test_the_written_table_is_the_engines_table() -> None:
    # Given the engine's table, then it is exactly the table this module tests against.
    got = {
        name: (set(a.sources), a.target, set(a.roles), a.handler_only)
        for name, a in BASE_WORKFLOW.actions.items()
    }
    assert got == TABLE


@pytest.mark.parametrize("state", list(S.values))
def test_every_action_in_state_for_every_user(township: Township, state: str) -> None:
    # Given a case in `state` (its own one for actions whose guards need preparing), and a sibling
    # case to merge into
    clock = Clock()
    shared = drive(township, state, clock=clock).case
    sibling = create(township, now=clock.tick(), title="同一地点另一件工单").pk
    outcomes: dict[tuple[str, str], str] = {}
    for action in TABLE:
        case = prepare(township, action, state, clock) if needs_own_case(action, state) else shared
        payload = {**PAYLOADS[action], **({"parent": sibling} if action == "merge" else {})}
        now, before = clock.tick(), snapshot(case)
        # When every user tries the action
        for user in USERS:
            outcomes[action, user] = attempt(township, case, action, user, payload, now, before)
    # Then each outcome is the table's
    assert outcomes == {(action, user): expected(user, action, state) for action in TABLE for user in USERS}


def test_every_state_is_covered_by_the_driver() -> None:
    assert set(S.values) == set(BASE_WORKFLOW.states)


# --- Handler rules beyond the usual path ----------------------------------------------------------


def test_a_named_cadre_and_the_department_both_handle(township: Township) -> None:
    # Given a case dispatched to enforcement and named to cadre_a (a village cadre may be named)
    d = drive(township, S.RECEIVED)
    act(township, d.case, "dispatch", "dispatcher", {"department": "enforcement", "assignee": "cadre_a"},
        now=d.clock.tick())  # fmt: skip
    now, before = d.clock.tick(), snapshot(d.case)
    # When each potential handler tries to accept
    outcomes = {
        u: attempt(township, d.case, "accept", u, {}, now, before)
        for u in ("cadre_a", "handler_enf", "cadre_b")
    }
    # Then the named cadre and a member of the department may; a cadre elsewhere cannot see it
    assert outcomes == {"cadre_a": "allowed", "handler_enf": "allowed", "cadre_b": "case_not_found"}


def test_handler_of_another_department_cannot_act_even_when_named_elsewhere(township: Township) -> None:
    # Given a case dispatched to emergency (so handler_emg sees it) with handler_emg named
    d = drive(township, S.RECEIVED)
    act(township, d.case, "dispatch", "dispatcher", {"department": "emergency", "assignee": "handler_emg"},
        now=d.clock.tick())  # fmt: skip
    now, before = d.clock.tick(), snapshot(d.case)
    # When the enforcement handler and the village cadre try to accept
    users = ("handler_enf", "cadre_a", "handler_emg")
    outcomes = {u: attempt(township, d.case, "accept", u, {}, now, before) for u in users}
    # Then handler_enf cannot see it, the cadre is not its handler (someone is named), handler_emg may
    assert outcomes == {"handler_enf": "case_not_found", "cadre_a": "not_handler", "handler_emg": "allowed"}


def test_dispatch_to_a_handler_outside_the_department_is_rejected(township: Township) -> None:
    # Given a received case
    d = drive(township, S.RECEIVED)
    before, n = row(d.case), CaseEvent.objects.count()
    # When the dispatcher names handler_emg for the enforcement department
    with pytest.raises(DomainError) as exc:
        act(township, d.case, "dispatch", "dispatcher", {"department": "enforcement", "assignee": "handler_emg"},
            now=d.clock.tick())  # fmt: skip
    # Then it is refused and nothing changed
    assert (exc.value.code, exc.value.status) == ("invalid_assignee", 422)
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, "missing_field"),
        ({"department": "  "}, "missing_field"),
        ({"department": "nowhere"}, "unknown_department"),
        ({"department": "enforcement", "resolution": "x"}, "unknown_field"),
        ({"department": "enforcement", "assignee": "leader"}, "invalid_assignee"),
    ],
)
def test_invalid_payload_is_rejected_and_nothing_changes(
    township: Township, payload: dict[str, Any], code: str
) -> None:
    # Given a received case
    d = drive(township, S.RECEIVED)
    before, n = row(d.case), CaseEvent.objects.count()
    # When the dispatcher dispatches it with a bad payload
    with pytest.raises(DomainError) as exc:
        act(township, d.case, "dispatch", "dispatcher", payload, now=d.clock.tick())
    # Then 422 with the code, and nothing changed
    assert (exc.value.code, exc.value.status) == (code, 422)
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


def test_unknown_action_is_404_and_nothing_changes(township: Township) -> None:
    d = drive(township, S.RECEIVED)
    before, n = row(d.case), CaseEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        act(township, d.case, "teleport", "admin", {}, now=d.clock.tick())
    assert (exc.value.code, exc.value.status) == ("unknown_action", 404)
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


@pytest.mark.parametrize(
    ("setup", "action", "by", "payload", "guard"),
    [
        ([], "approve_extension", "dispatcher", {}, "extension_pending"),
        ([], "deny_extension", "leader", {"reason": "无申请"}, "extension_pending"),
        (["request_extension"], "request_extension", "handler_enf", {"days": 2, "reason": "再延"}, "no_extension_pending"),
    ],
)  # fmt: skip
def test_extension_guards(
    township: Township, setup: list[str], action: str, by: str, payload: dict[str, Any], guard: str
) -> None:
    # Given a case in progress (with an extension pending when the setup says so)
    d = drive(township, S.IN_PROGRESS)
    for step in setup:
        act(township, d.case, step, "handler_enf", PAYLOADS[step], now=d.clock.tick())
    before, n = row(d.case), CaseEvent.objects.count()
    # When the action's guard does not hold
    with pytest.raises(DomainError) as exc:
        act(township, d.case, action, by, payload, now=d.clock.tick())
    # Then 409 guard_failed naming the guard, and nothing changed
    assert (exc.value.code, exc.value.status, exc.value.details) == ("guard_failed", 409, {"guard": guard})
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


def test_close_after_an_unsatisfied_visit_is_refused(township: Township) -> None:
    # Given a resolved case whose return visit recorded 不满意
    d = drive(township, S.RESOLVED)
    act(township, d.case, "return_visit", "operator", {"reached": True, "satisfaction": "unsatisfied"},
        now=d.clock.tick())  # fmt: skip
    before, n = row(d.case), CaseEvent.objects.count()
    # When the dispatcher tries to close it
    with pytest.raises(DomainError) as exc:
        act(township, d.case, "close", "dispatcher", {}, now=d.clock.tick())
    # Then it must be reopened instead, and nothing changed
    assert (exc.value.code, exc.value.details) == ("guard_failed", {"guard": "not_unsatisfied"})
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


@pytest.mark.parametrize("satisfaction", ["", "satisfied", "basically_satisfied"])
def test_close_after_review_needs_an_unsatisfied_visit(township: Township, satisfaction: str) -> None:
    # Given a resolved case with no visit, or a visit that was (basically) satisfied
    d = drive(township, S.RESOLVED)
    if satisfaction:
        act(township, d.case, "return_visit", "operator", {"reached": True, "satisfaction": satisfaction},
            now=d.clock.tick())  # fmt: skip
    before, n = row(d.case), CaseEvent.objects.count()
    # When the leader closes it as a reviewed 不满意 case
    with pytest.raises(DomainError) as exc:
        act(township, d.case, "close_unsatisfied", "leader", {"reason": "审核"}, now=d.clock.tick())
    # Then the guard refuses (a plain close is the way), and nothing changed
    assert (exc.value.code, exc.value.details) == ("guard_failed", {"guard": "unsatisfied"})
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


def test_a_case_closed_after_review_can_still_be_reopened(township: Township) -> None:
    # Given a 不满意 case closed after review
    d = drive(township, S.RESOLVED)
    act(township, d.case, "return_visit", "operator", {"reached": True, "satisfaction": "unsatisfied"},
        now=d.clock.tick())  # fmt: skip
    act(township, d.case, "close_unsatisfied", "leader", {"reason": "已按政策答复"}, now=d.clock.tick())
    closed = row(d.case)
    assert (closed["status"], closed["satisfaction"], closed["closed_at"]) == (
        S.CLOSED,
        "unsatisfied",
        d.clock.now,
    )
    # When the operator reopens it after a new complaint
    act(township, d.case, "reopen", "operator", {"reason": "群众再次投诉"}, now=d.clock.tick())
    # Then it is dispatched again with the closing undone
    reopened = row(d.case)
    assert (
        reopened["status"],
        reopened["closed_at"],
        reopened["satisfaction"],
        reopened["reopen_count"],
    ) == (
        S.DISPATCHED,
        None,
        "",
        1,
    )


@pytest.mark.parametrize("satisfaction", ["", "satisfied", "basically_satisfied"])
def test_reopen_needs_an_unsatisfied_visit(township: Township, satisfaction: str) -> None:
    # Given a resolved case with no visit, or a visit that was (basically) satisfied
    d = drive(township, S.RESOLVED)
    if satisfaction:
        act(township, d.case, "return_visit", "operator", {"reached": True, "satisfaction": satisfaction},
            now=d.clock.tick())  # fmt: skip
    before, n = row(d.case), CaseEvent.objects.count()
    # When the operator tries to reopen it
    with pytest.raises(DomainError) as exc:
        act(township, d.case, "reopen", "operator", {"reason": "再看看"}, now=d.clock.tick())
    # Then the guard refuses, and nothing changed
    assert (exc.value.code, exc.value.details) == ("guard_failed", {"guard": "unsatisfied"})
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"reached": True}, "invalid_satisfaction"),
        ({"reached": False, "satisfaction": "satisfied"}, "invalid_satisfaction"),
        ({"reached": True, "satisfaction": "very_happy"}, "invalid_satisfaction"),
        ({"reached": "maybe", "satisfaction": "satisfied"}, "invalid_field"),
    ],
)
def test_return_visit_payload_is_checked(township: Township, payload: dict[str, Any], code: str) -> None:
    d = drive(township, S.RESOLVED)
    before, n = row(d.case), CaseEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        act(township, d.case, "return_visit", "operator", payload, now=d.clock.tick())
    assert (exc.value.code, exc.value.status) == (code, 422)
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


@pytest.mark.parametrize(
    ("parent", "code"),
    [
        ("self", "invalid_parent"),
        ("merged", "invalid_parent"),
        (987654321, "invalid_parent"),
        ("x", "invalid_field"),
    ],
)
def test_merge_parent_is_checked(township: Township, parent: Any, code: str) -> None:
    # Given a received case, and a merged one
    merged = drive(township, S.MERGED)
    d = drive(township, S.RECEIVED, clock=merged.clock)
    value = {"self": d.case.pk, "merged": merged.case.pk}.get(parent, parent)
    before, n = row(d.case), CaseEvent.objects.count()
    # When the dispatcher merges it into itself, a merged case, a missing case or garbage
    with pytest.raises(DomainError) as exc:
        act(township, d.case, "merge", "dispatcher", {"parent": value}, now=d.clock.tick())
    # Then 422 and nothing changed
    assert (exc.value.code, exc.value.status) == (code, 422)
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n


def test_merge_into_a_case_the_actor_cannot_see_is_refused(township: Township) -> None:
    # Given a case in village B, a case in village A, and an admin limited to village A
    other = create(township, by="cadre_b", lon=122.175, lat=29.775)
    d = drive(township, S.RECEIVED)
    admin = township.users["admin"]
    admin.regions.set([township.villages["330903107201"]])
    admin = type(admin).objects.get(pk=admin.pk)  # drop the cached scope
    before, n = row(d.case), CaseEvent.objects.count()
    # When that admin merges the village-A case into the village-B one
    with pytest.raises(DomainError) as exc:
        services.transition(d.case.pk, "merge", actor=admin, payload={"parent": other.pk}, now=d.clock.tick())
    # Then the parent is "not found" for them, and nothing changed
    assert (exc.value.code, exc.value.status) == ("invalid_parent", 422)
    assert row(d.case) == before
    assert CaseEvent.objects.count() == n
