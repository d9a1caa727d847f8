"""Case factories: inputs built with factory-boy, cases built and moved only through the services.

`drive_to(township, state)` registers a fresh case in micro-grid 杜庄1-1 (33090310720101, grid_a1's
grid) as grid_a1 and takes it to `state` along the usual path, one real transition per step:

    received → dispatch (dispatcher, to enforcement, nobody named) → accept (handler_enf, who
    becomes the assignee) → start → suspend | resolve → close;  dispatched → return (handler_enf);
    received → merge (dispatcher, into an earlier case).

The clock is explicit: every step happens `STEP` after the previous one, starting at `T0`, a Monday
morning in a year whose holiday notice is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import factory

from tests.township import Township
from zhizhi.cases import services
from zhizhi.cases.models import Case, CaseEvent, Status

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=SH)  # Monday 09:00
STEP = timedelta(minutes=10)

TOWN = "330903107000"
VILLAGE_A = "330903107201"
VILLAGE_B = "330903107202"
GRID_A1 = "33090310720101"
MICRO_A11 = "3309031072010101"  # micro-grid 杜庄1-1: lon 122.00–122.05, lat 29.70–29.75
MICRO_GRIDS = [f"{v}{g:02d}{m:02d}" for v in (VILLAGE_A, VILLAGE_B) for g in (1, 2) for m in (1, 2)]
# The centre of 杜庄1-1, well inside every enclosing square.
LON, LAT = 122.025, 29.725


def at(text: str) -> datetime:
    """'2024-09-30 10:00' in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def eod(day: str) -> datetime:
    """23:59:59 Asia/Shanghai on `day` ('2024-10-09')."""
    return at(f"{day} 23:59:59")


class CaseInputFactory(factory.Factory):
    class Meta:
        model = services.CaseInput

    channel = "grid_patrol"
    category = "street_vending"  # 占道经营/游商: enforcement, 1 working day
    title = factory.Sequence(lambda n: f"菜场门口占道经营 {n}")
    description = "早市摊贩占用人行道"
    address = "六横镇杜庄村菜场路 1 号"
    lon = LON
    lat = LAT
    reporter_name = "张三丰"
    reporter_phone = "13812345678"


@dataclass
class Clock:
    now: datetime = T0

    def tick(self, delta: timedelta = STEP) -> datetime:
        self.now += delta
        return self.now


def create(t: Township, *, by: str = "grid_a1", now: datetime = T0, **fields: Any) -> Case:
    data = CaseInputFactory(**fields)
    return services.create_case(actor=t.users[by], data=data, now=now).case


def act(
    t: Township,
    case: Case | int,
    action: str,
    by: str,
    payload: dict[str, Any] | None = None,
    *,
    now: datetime,
) -> Case:
    pk = case if isinstance(case, int) else case.pk
    return services.transition(pk, action, actor=t.users[by], payload=payload or {}, now=now)


# Who takes each step of the usual path, with a valid payload.
STEPS: dict[str, tuple[str, dict[str, Any]]] = {
    "dispatch": ("dispatcher", {"department": "enforcement"}),
    "accept": ("handler_enf", {}),
    "start": ("handler_enf", {}),
    "suspend": ("handler_enf", {"reason": "等待当事人配合"}),
    "resume": ("handler_enf", {}),
    "return": ("handler_enf", {"reason": "不属于本部门职责"}),
    "resolve": ("handler_enf", {"resolution": "已劝离摊贩，恢复通行"}),
    "close": ("dispatcher", {}),
    "merge": ("dispatcher", {}),  # parent filled in by drive_to
}

PATHS: dict[str, list[str]] = {
    Status.RECEIVED: [],
    Status.DISPATCHED: ["dispatch"],
    Status.ACCEPTED: ["dispatch", "accept"],
    Status.IN_PROGRESS: ["dispatch", "accept", "start"],
    Status.SUSPENDED: ["dispatch", "accept", "start", "suspend"],
    Status.RETURNED: ["dispatch", "return"],
    Status.RESOLVED: ["dispatch", "accept", "start", "resolve"],
    Status.CLOSED: ["dispatch", "accept", "start", "resolve", "close"],
    Status.MERGED: ["merge"],
}


@dataclass
class Driven:
    case: Case
    clock: Clock
    parent: Case | None = None
    steps: list[str] = field(default_factory=list)


def drive(t: Township, state: str, *, clock: Clock | None = None, **fields: Any) -> Driven:
    """A fresh case taken to `state` through the services; returns it with the clock it used."""
    clock = clock or Clock()
    parent = None
    if state == Status.MERGED:
        parent = create(t, now=clock.now, title="先报的同一事件")
        clock.tick()
    case = create(t, now=clock.now, **fields)
    for step in PATHS[state]:
        by, payload = STEPS[step]
        if step == "merge":
            assert parent is not None
            payload = {"parent": parent.pk}
        act(t, case, step, by, payload, now=clock.tick())
    case.refresh_from_db()
    assert case.status == state
    return Driven(case=case, clock=clock, parent=parent, steps=list(PATHS[state]))


def drive_to(t: Township, state: str, **kw: Any) -> Case:
    return drive(t, state, **kw).case


def row(case: Case | int) -> dict[str, Any]:
    """The case's whole row, for before/after comparisons on denied paths."""
    pk = case if isinstance(case, int) else case.pk
    return Case.objects.filter(pk=pk).values().get()


def events(case: Case | int) -> list[CaseEvent]:
    pk = case if isinstance(case, int) else case.pk
    return list(CaseEvent.objects.filter(case_id=pk).order_by("at", "id"))
