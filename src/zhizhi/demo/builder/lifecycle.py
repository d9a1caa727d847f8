"""Play a case's life through the real workflow, in memory, exactly as the services would.

`Timeline.act` mirrors `zhizhi.cases.services.transition` without the database: it checks the
workflow table (source state, role, handler, guards) with the real `scope` and `services` helpers,
applies the real effect functions from `services.EFFECTS` (only `dispatch` and `merge`, which look
things up in the database, are re-stated here), sets the status and records the event the service
would have written. Between steps the datetimes that the services re-read from the database are
normalised to UTC, as a database read returns them, so that `old_due_at`-style event data match.
Steps later than the end of the demo year are not taken: those cases are still open.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, User
from zhizhi.cases import services, types
from zhizhi.cases.models import Case, Satisfaction, SlaUnit
from zhizhi.core import calendar
from zhizhi.demo.builder import mix, texts

WORKFLOW = types.get("event").workflow
MINUTE = timedelta(minutes=1)


class DemoInconsistency(RuntimeError):
    """The generator tried a step the real workflow would refuse (a bug in the generator)."""


@dataclass
class EventRow:
    at: datetime
    actor_id: int | None
    action: str
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any]


@dataclass
class Timeline:
    case: Case
    until: datetime  # the end of the demo period: later steps are not taken
    events: list[EventRow] = field(default_factory=list)
    merge_parent: int | None = None  # index of the case this one is merged into
    stopped: bool = False

    @property
    def last(self) -> datetime:
        return self.events[-1].at

    def created(self, actor: User, at: datetime, data: dict[str, Any]) -> None:
        if not scope.can_create_in(actor, self.case.region):
            raise DemoInconsistency(f"{actor.username} may not create in {self.case.region_path}")
        self.events.append(EventRow(at, actor.pk, "create", "", self.case.status, "", data))
        _as_read(self.case)

    def act(
        self,
        name: str,
        actor: User,
        at: datetime,
        payload: dict[str, Any] | None = None,
        *,
        department: Department | None = None,
        assignee: User | None = None,
    ) -> bool:
        """Take the action if the period is not over; False (and stop) when it is."""
        if self.stopped or at > self.until:
            self.stopped = True
            return False
        if at <= self.last:
            raise DemoInconsistency(f"{name} at {at} is not after {self.last}")
        case = self.case
        action = WORKFLOW.actions[name]
        if case.status not in action.sources:
            raise DemoInconsistency(f"{name} from {case.status}")
        if scope.action_denial(actor, case, action) is not None or not scope.can_see_case(actor, case):
            raise DemoInconsistency(f"{actor.username} ({actor.role}) may not {name}")
        for guard in action.guards:
            if not services._guard_ok(guard, case, at):
                raise DemoInconsistency(f"{name}: guard {guard} fails")
        clean = services._clean_payload(action, payload or {})
        data: dict[str, Any] = {}
        if name == "dispatch":
            if department is None or department.code != clean["department"]:
                raise DemoInconsistency("dispatch without its department")
            if clean.get("assignee") != (assignee.username if assignee else None):
                raise DemoInconsistency("dispatch assignee mismatch")
            _dispatch(case, department, assignee, at, data)
        elif name == "merge":
            data.update(parent=None)  # the parent's id is known once it is inserted
        else:
            services.EFFECTS[name](case, actor, clean, at, data)
        from_status = case.status
        case.status = action.next_status(from_status)
        note = clean.get("reason") or clean.get("note") or clean.get("resolution") or ""
        self.events.append(EventRow(at, actor.pk, name, from_status, case.status, note, data))
        _as_read(case)
        return True


def _as_read(case: Case) -> None:
    """What a database read would return: aware datetimes in UTC."""
    case.due_at = case.due_at.astimezone(UTC)
    if case.resolved_at is not None:
        case.resolved_at = case.resolved_at.astimezone(UTC)


def _dispatch(
    case: Case, dept: Department, assignee: User | None, at: datetime, data: dict[str, Any]
) -> None:
    """services._dispatch, with the department and assignee already at hand (and checked)."""
    if not dept.is_active:
        raise DemoInconsistency(f"department {dept.code} is inactive")
    if assignee is not None and assignee.role not in ("handler", "village_cadre"):
        raise DemoInconsistency(f"{assignee.username} cannot be an assignee")
    if assignee is not None and assignee.role == "handler" and dept.pk not in scope.department_ids(assignee):
        raise DemoInconsistency(f"{assignee.username} is not in {dept.code}")
    case.department, case.assignee, case.dispatched_at = dept, assignee, at
    data.update(department=dept.code, assignee=assignee.username if assignee else None)


# --- Time helpers ----------------------------------------------------------------------------------


def span(rng: random.Random, lo_minutes: float, hi_minutes: float) -> timedelta:
    return timedelta(seconds=rng.randint(int(lo_minutes * 60), int(hi_minutes * 60)))


def office(at: datetime, rng: random.Random, start: int = 8, end: int = 20) -> datetime:
    """`at`, or the next morning if it falls outside start:00–end:00 local time."""
    local = at.astimezone(calendar.TZ)
    if start <= local.hour < end:
        return at
    day = local.date() if local.hour < start else local.date() + timedelta(days=1)
    morning = datetime(day.year, day.month, day.day, start, 0, tzinfo=calendar.TZ)
    return morning + span(rng, 0, 50)


def between(lo: datetime, hi: datetime, fraction: float) -> datetime:
    return lo + timedelta(seconds=int((hi - lo).total_seconds() * fraction))


def daytime_before(at: datetime, lo: datetime, hi: datetime, rng: random.Random) -> datetime:
    """`at` moved into 08:00–20:00 of its own day when that keeps it inside (lo, hi]."""
    local = at.astimezone(calendar.TZ)
    if 8 <= local.hour < 20:
        return at
    moved = datetime(
        local.year, local.month, local.day, rng.randint(8, 19), rng.randrange(60), tzinfo=calendar.TZ
    )
    return moved if lo < moved <= hi else at


# --- Lives -----------------------------------------------------------------------------------------


@dataclass
class Cast:
    """Who plays each part in one case."""

    creator: User
    dispatchers: list[User]
    leaders: list[User]
    operators: list[User]
    department: Department
    handlers: list[User]  # of `department`
    cadre: User  # of the case's village
    wrong_department: Department | None = None  # a misrouted first dispatch
    wrong_handlers: list[User] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    """The decisions about one case's life, drawn before it starts."""

    self_resolve: bool
    assign: str  # "handler" | "cadre" | "pool"
    returned: bool
    suspend: bool
    extension: bool
    supervise: bool
    late: bool
    visit: bool


def _is_fast(case: Case) -> bool:
    return case.sla_unit == SlaUnit.HOURS or (
        case.response_due_at is not None and case.response_due_at - case.received_at <= timedelta(hours=6)
    )


def live(t: Timeline, plan: Plan, cast: Cast, code: str, rng: random.Random) -> None:
    """Everything after `create`: the handling, then the return visit and the archive."""
    if plan.self_resolve:
        at = t.last + span(rng, 10, 180)
        if not t.act(
            "self_resolve", cast.creator, at, {"resolution": texts.resolution(code, t.case.channel, rng)}
        ):
            return
    elif not _handle(t, plan, cast, code, rng, first=True):
        return
    _visit_and_close(t, plan, cast, code, rng)


def _handle(t: Timeline, plan: Plan, cast: Cast, code: str, rng: random.Random, *, first: bool) -> bool:
    case = t.case
    fast = _is_fast(case)
    dispatcher = rng.choice(cast.dispatchers)
    if first:
        at = t.last + (span(rng, 3, 40) if fast else span(rng, 5, 90))
        if not fast:
            at = office(at, rng, 7)
        if plan.returned and cast.wrong_department is not None:
            wrong = cast.wrong_department
            if not t.act("dispatch", dispatcher, at, {"department": wrong.code}, department=wrong):
                return False
            returner = rng.choice(cast.wrong_handlers)
            if rng.random() < 0.3 and not t.act("accept", returner, t.last + span(rng, 5, 60)):
                return False
            reason = rng.choice(texts.RETURN_REASONS)
            if not t.act("return", returner, t.last + span(rng, 10, 120), {"reason": reason}):
                return False
            at = t.last + span(rng, 5, 40)
        assignee = {"handler": rng.choice(cast.handlers), "cadre": cast.cadre}.get(plan.assign)
        payload = {"department": cast.department.code, "assignee": assignee.username if assignee else None}
        if not t.act("dispatch", dispatcher, at, payload, department=cast.department, assignee=assignee):
            return False
    handler = case.assignee or rng.choice(cast.handlers)
    # Sign within the response limit (时效内对接), within working hours unless the clock is fast.
    at = t.last + (span(rng, 3, 40) if fast else span(rng, 10, 240))
    if not fast:
        at = office(at, rng)
    if case.response_due_at is not None and t.last < case.response_due_at < at:
        at = between(t.last, case.response_due_at, rng.uniform(0.2, 0.9))
    if not t.act("accept", handler, at):
        return False
    if not t.act("start", handler, t.last + (span(rng, 1, 20) if fast else span(rng, 5, 120))):
        return False
    if first and plan.suspend and case.due_at > t.last + timedelta(hours=2):
        at = between(t.last, case.due_at, rng.uniform(0.05, 0.25)) + MINUTE
        if not t.act("suspend", handler, at, {"reason": rng.choice(texts.SUSPEND_REASONS)}):
            return False
        at = office(t.last + timedelta(hours=rng.uniform(20, 120)), rng)
        if not t.act("resume", handler, at, {"note": rng.choice(texts.RESUME_NOTES)}):
            return False
    if first and plan.extension and case.due_at > t.last + timedelta(hours=6):
        at = between(t.last, case.due_at, rng.uniform(0.3, 0.6)) + MINUTE
        days = rng.choice((3, 5, 5, 7, 10))
        if not t.act(
            "request_extension", handler, at, {"days": days, "reason": rng.choice(texts.EXTENSION_REASONS)}
        ):
            return False
        overseer = rng.choice([*cast.leaders, dispatcher])
        at = t.last + span(rng, 60, 600)
        if rng.random() < mix.EXTENSION_DENIED:
            if not t.act("deny_extension", overseer, at, {"reason": "延期理由不充分，请按期办结"}):
                return False
        elif not t.act("approve_extension", overseer, at, {"note": "同意延期"}):
            return False
    late = first and plan.late and case.channel != "hotline"  # 热线时效内办件率 100%
    if first and (late or (plan.supervise and case.due_at > t.last + timedelta(minutes=30))):
        overseer = rng.choice([*cast.leaders, dispatcher])
        if late:
            at = max(case.due_at, t.last) + span(rng, 10, 600)
            note = texts.LATE_SUPERVISE_NOTES[0]
        else:
            at = between(t.last, case.due_at, rng.uniform(0.2, 0.6)) + MINUTE
            note = rng.choice(texts.SUPERVISE_NOTES)
        if not t.act("supervise", overseer, at, {"note": note}):
            return False
    if late:
        at = max(case.due_at, t.last) + span(rng, 60, 3 * 24 * 60)
    elif case.due_at - t.last <= timedelta(minutes=30):
        at = t.last + span(rng, 1, 10)  # no time left: as soon as possible (may be late)
    else:
        at = between(t.last, case.due_at, 0.02 + 0.93 * rng.betavariate(1.3, 3.2))
        at = max(at, t.last + 10 * MINUTE)
        at = daytime_before(at, t.last + MINUTE, case.due_at, rng)
    return t.act("resolve", handler, at, {"resolution": texts.resolution(code, case.channel, rng)})


def _visit_and_close(t: Timeline, plan: Plan, cast: Cast, code: str, rng: random.Random) -> None:
    case = t.case
    hotline = case.channel == "hotline"
    if not plan.visit:
        closer = rng.choice(cast.dispatchers)
        t.act("close", closer, office(t.last + span(rng, 120, 48 * 60), rng))
        return
    visitor = rng.choice(cast.operators if hotline or rng.random() < 0.5 else cast.dispatchers)
    at = office(t.last + span(rng, 60, 36 * 60), rng, 9)
    reached = rng.random() < mix.VISIT_REACHED
    satisfaction = ""
    if reached:
        if case.reopen_count:
            satisfaction = rng.choice((Satisfaction.SATISFIED,) * 9 + (Satisfaction.BASICALLY_SATISFIED,))
        else:
            satisfaction = rng.choices(
                list(mix.VISIT_SATISFACTION), weights=list(mix.VISIT_SATISFACTION.values())
            )[0]
    payload = {"reached": reached, "satisfaction": satisfaction, "note": texts.VISIT_NOTES[satisfaction]}
    if not t.act("return_visit", visitor, at, payload):
        return
    if satisfaction == Satisfaction.UNSATISFIED:
        # 重办 on a dispatched case (a handler takes it up again); otherwise it waits for a decision.
        can_reopen = case.department_id is not None and not case.reopen_count and not plan.self_resolve
        if can_reopen and rng.random() < mix.REOPEN_UNSATISFIED:
            if not t.act("reopen", visitor, t.last + span(rng, 30, 20 * 60), {"reason": texts.REOPEN_REASON}):
                return
            if _handle(t, plan, cast, code, rng, first=False):
                _visit_and_close(t, plan, cast, code, rng)
        elif rng.random() < mix.CLOSE_UNSATISFIED_AFTER_REVIEW:
            reviewer = rng.choice(cast.dispatchers)
            at = office(t.last + span(rng, 120, 72 * 60), rng)
            t.act("close_unsatisfied", reviewer, at, {"reason": texts.REVIEW_CLOSE_REASON})
        return
    t.act("close", visitor, t.last + span(rng, 1, 120))
