"""Invariants that hold after any sequence of actions, by anyone, at any pace.

Hypothesis draws a walk: at each step the clock moves on (0 s to days), then either the SLA sweep
runs or some user tries some action with a drawn payload — mostly one the table offers them now,
sometimes anything at all. After every step:

- the case's status is the last event's to_status, and each event starts where the previous ended;
- a refused attempt changed nothing (row and timeline);
- a closed case has a resolution text;
- due_at is sla.due_for(clock start, target, unit, extension days, paused seconds): suspended time
  is kept out of the clock, and paused_seconds is exactly the time spent suspended since the clock
  last (re)started; approved extensions add up and never pass 20 working days;
- due_at is never before received_at; resolved_on_time == (resolved_at <= due_at).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.cases.factories import T0, Clock, at, create, row
from tests.township import Township
from zhizhi.cases import services, sla
from zhizhi.cases.models import DONE_STATUSES, Case, CaseEvent, Status
from zhizhi.cases.workflow import BASE_WORKFLOW
from zhizhi.core.errors import DomainError

USERS = [
    "grid_a1", "grid_b1", "cadre_a", "cadre_b", "dispatcher",
    "handler_enf", "handler_emg", "operator", "leader", "admin",
]  # fmt: skip
ACTIONS = list(BASE_WORKFLOW.actions)
# How often an offered action is picked (default 6): walks that end at once (merge, self_resolve)
# or go round in circles (return, supervise) are made rarer, so that most walks reach resolution,
# return visits, reopening and extensions.
WEIGHT = {"merge": 0, "self_resolve": 0, "supervise": 1, "return": 1, "close": 2, "dispatch": 4}
# Clocks in working days (short and long), in hours (immediate category, urgent priority), and
# across the 2024 National Day holiday.
CASE_KINDS = [
    {"category": "street_vending"},
    {"category": "neighbor_dispute", "nature": "consultation"},
    {"category": "fire_incident"},
    {"category": "land_homestead_dispute", "priority": "urgent"},
]
PACE = st.one_of(
    st.sampled_from([0, 60, 3600, 8 * 3600, 86_400, 3 * 86_400]),
    st.integers(min_value=0, max_value=5 * 86_400),
)


NATIONAL_DAY_EVE = at("2024-09-27 16:00")


@dataclass
class Model:
    """What the clock should have accumulated, kept independently of the engine."""

    paused_seconds: int = 0
    extension_days: int = 0
    paused_since: datetime | None = None


def payload_for(data: st.DataObject, action: str, sibling: int) -> dict[str, Any]:
    if action == "dispatch":
        return {
            "department": data.draw(st.sampled_from(["enforcement", "emergency"])),
            "assignee": data.draw(st.sampled_from([None, "handler_enf", "handler_emg", "cadre_a"])),
        }
    if action == "request_extension":
        return {"days": data.draw(st.integers(min_value=-1, max_value=22)), "reason": "需要协调"}
    if action == "return_visit":
        return {
            "reached": data.draw(st.sampled_from([True, True, True, False])),
            "satisfaction": data.draw(
                st.sampled_from(["unsatisfied", "unsatisfied", "satisfied", "basically_satisfied", ""])
            ),
        }
    return {
        "return": {"reason": "非本部门职责"},
        "suspend": {"reason": "等待配合"},
        "deny_extension": {"reason": "不同意"},
        "supervise": {"note": "请加快"},
        "resolve": {"resolution": "已处理完毕"},
        "self_resolve": {"resolution": "现场处置"},
        "reopen": {"reason": "问题仍在"},
        "close_unsatisfied": {"reason": "不满意件审核归档"},
        "merge": {"parent": sibling},
    }.get(action, {})


def timeline(pk: int) -> list[tuple[Any, ...]]:
    return list(
        CaseEvent.objects.filter(case_id=pk)
        .order_by("at", "id")
        .values_list("id", "action", "from_status", "to_status")
    )


def check_invariants(pk: int, model: Model) -> None:
    case = Case.objects.get(pk=pk)
    events = timeline(pk)
    assert events[0][1:3] == ("create", "")
    for previous, current in pairwise(events):
        assert current[2] == previous[3], (previous, current)
    assert case.status == events[-1][3]
    if case.status == Status.CLOSED:
        assert case.resolution.strip()
    due = sla.due_for(
        case.clock_started_at,
        case.sla_target,
        case.sla_unit,
        extension_days=case.extension_days,
        paused_seconds=case.paused_seconds,
    )
    assert (case.due_at, case.due_provisional) == (due.at, due.provisional)
    assert (case.paused_seconds, case.extension_days) == (model.paused_seconds, model.extension_days)
    assert case.extension_days <= 20
    assert (case.paused_at is not None) == (case.status == Status.SUSPENDED)
    assert case.due_at >= case.received_at
    assert case.clock_started_at >= case.received_at
    assert (case.resolved_at is not None) == (case.status in DONE_STATUSES)
    if case.resolved_at is not None:
        assert case.resolved_on_time == (case.resolved_at <= case.due_at)
    else:
        assert case.resolved_on_time is None


def step(t: Township, data: st.DataObject, pk: int, sibling: int, clock: Clock, model: Model) -> None:
    now = clock.tick(timedelta(seconds=data.draw(PACE, label="seconds later")))
    before_row, before_events = row(pk), timeline(pk)
    if data.draw(st.integers(min_value=0, max_value=9), label="roll") == 0:
        sla.sweep(now)
        new = timeline(pk)[len(before_events) :]
        status = before_row["status"]
        assert [e[1:] for e in new] in ([], [("sla_breach", status, status)])
        return
    case = Case.objects.get(pk=pk)
    offered = [
        (a.name, u) for u in USERS for a in services.available_actions(t.users[u], case, now)
    ]  # what the table and guards offer (visibility is checked by the service)
    if offered and data.draw(st.integers(min_value=0, max_value=4), label="roll") > 0:
        # an action first (walks that end early or mark time are less likely), then who takes it
        names = sorted({name for name, _ in offered}, key=ACTIONS.index)
        weighted = [n for n in names for _ in range(WEIGHT.get(n, 6))] or names
        action = data.draw(st.sampled_from(weighted), label="offered action")
        user = data.draw(st.sampled_from([u for n, u in offered if n == action]), label="by")
    else:
        action, user = data.draw(st.sampled_from([(a, u) for a in ACTIONS for u in USERS]), label="anything")
    payload = payload_for(data, action, sibling)
    try:
        services.transition(pk, action, actor=t.users[user], payload=payload, now=now)
    except DomainError:
        assert (row(pk), timeline(pk)) == (before_row, before_events)
        return
    after = row(pk)
    event(f"{action} → {after['status']}")
    new = [e[1:] for e in timeline(pk)[len(before_events) :]]
    assert new == [(action, before_row["status"], after["status"])]
    assert after["status"] == (BASE_WORKFLOW.actions[action].target or before_row["status"])
    # the independent model of the clock
    if action == "suspend":
        model.paused_since = now
    elif action == "resume":
        assert model.paused_since is not None
        model.paused_seconds += int((now - model.paused_since).total_seconds())
        model.paused_since = None
    elif action == "approve_extension":
        model.extension_days += before_row["extension_requested_days"]
    elif action == "reopen":
        model.paused_seconds = model.extension_days = 0


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_walks_keep_the_invariants(township: Township, data: st.DataObject) -> None:
    with transaction.atomic():
        clock = Clock(data.draw(st.sampled_from([T0, NATIONAL_DAY_EVE]), label="start"))
        sibling = create(township, now=clock.now, title="另一件工单").pk
        kind = data.draw(st.sampled_from(CASE_KINDS), label="case")
        pk = create(township, now=clock.tick(), **kind).pk
        model = Model()
        check_invariants(pk, model)
        for _ in range(data.draw(st.integers(min_value=1, max_value=30), label="steps")):
            step(township, data, pk, sibling, clock, model)
            check_invariants(pk, model)
        transaction.set_rollback(True)
