"""A year of cases: arrivals, each case's life through the workflow, and bulk inserts.

The SLA clock of every case is computed with the real policies and calendar (`sla.matching_policies`
once per category/nature/priority, then `choose_clock`'s rule and `calendar.add` per case).
Cases are generated in arrival order and written in chunks: the cases with bulk_create (which
returns their ids), then their events.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from faker import Faker

from zhizhi.accounts.models import Department
from zhizhi.cases import services, sla
from zhizhi.cases.models import Case, CaseEvent, Category, Channel, Priority, RequestNature, SlaPolicy
from zhizhi.core import calendar
from zhizhi.core.personal import normalize_phone
from zhizhi.demo.builder import intake, mix, texts
from zhizhi.demo.builder.lifecycle import Cast, DemoInconsistency, Plan, Timeline, live, span
from zhizhi.demo.builder.staff import Staff
from zhizhi.demo.builder.territory import Territory
from zhizhi.territory.models import Region

CHUNK = 2000
DUPLICATE_WINDOW = timedelta(days=7)
FALLBACK_DEPARTMENT = "peace_law"


@dataclass
class World:
    year: int
    scale: float
    until: datetime
    territory: Territory
    staff: Staff
    departments: list[Department]
    rng: random.Random
    fake: Faker
    out: Callable[[str], None] = print


class Clocks:
    """`sla.choose_clock` with the matching policies cached per (category, nature, priority)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, int | None, str], list[tuple[SlaPolicy, int]]] = {}
        self._days: dict[tuple[date, int, str], calendar.Due] = {}

    def add(self, start: datetime, amount: int, unit: str) -> calendar.Due:
        """calendar.add, remembered for day units (whose result depends only on the local date)."""
        if unit == "hours":
            return calendar.add(start, amount, unit)
        key = (calendar.local_date(start), amount, unit)
        due = self._days.get(key)
        if due is None:
            due = self._days[key] = calendar.add(start, amount, unit)
        return due

    def __call__(
        self, category: Category, nature: RequestNature | None, priority: str, start: datetime
    ) -> sla.Clock:
        key = (category.pk, nature.pk if nature else None, priority)
        policies = self._cache.get(key)
        if policies is None:
            found = sla.matching_policies("event", category, nature, priority)
            if not found:
                raise DemoInconsistency(f"no SLA policy for {category.code}")
            specific = [p for p in found if sla._specificity(p) > 0]
            policies = self._cache[key] = [(p, sla._specificity(p)) for p in (specific or found)]
        candidates = [(self.add(start, p.target, p.unit), -spec, p.pk, p) for p, spec in policies]
        due, _, _, policy = min(candidates, key=lambda c: (c[0].at, c[1], c[2]))
        responses = [
            self.add(start, p.response_target, p.response_unit) for p, _ in policies if p.response_target
        ]
        if not responses:
            responses = [self.add(start, sla.DEFAULT_RESPONSE_TARGET, sla.DEFAULT_RESPONSE_UNIT)]
        response = min(responses, key=lambda d: d.at)
        return sla.Clock(
            policy=policy,
            target=policy.target,
            unit=policy.unit,
            response_due_at=min(response.at, due.at),
            due_at=due.at,
            provisional=due.provisional,
        )


@dataclass
class Recent:
    received_at: datetime
    index: int
    micro_grid: Region
    lon: float
    lat: float
    title: str


@dataclass
class Written:
    cases: int = 0
    events: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


class CaseFactory:
    def __init__(self, world: World) -> None:
        self.w = world
        self.rng = world.rng
        self.fake = world.fake
        leaves = Category.objects.filter(parent__isnull=False, is_active=True).select_related(
            "parent", "department"
        )
        self.categories = {c.code: c for c in leaves.order_by("code")}
        self.class_of = {code: c.parent.code for code, c in self.categories.items() if c.parent}
        self.natures = {n.code: n for n in RequestNature.objects.order_by("code")}
        self.departments = {d.pk: d for d in world.departments}
        self.by_code = {d.code: d for d in world.departments}
        self.staffed = [d for d in world.departments if world.staff.handlers.get(d.pk)]
        self.clocks = Clocks()
        self.places = intake.Places(world.territory)
        self.recent: dict[str, deque[Recent]] = {}

    # --- one case ---------------------------------------------------------------------------------

    def department_for(self, category: Category) -> Department:
        dept = self.departments.get(category.department_id) if category.department_id else None
        if dept is None or not self.w.staff.handlers.get(dept.pk):
            dept = self.by_code.get(FALLBACK_DEPARTMENT) or self.staffed[0]
        return dept

    def nature_for(self, channel: str, code: str) -> RequestNature | None:
        if channel not in mix.NATURE_CHANNELS:
            return None
        weights = {
            k: v for k, v in mix.NATURES_BY_CATEGORY.get(code, mix.NATURES).items() if k in self.natures
        }
        if not weights:
            return None
        return self.natures[self.rng.choices(list(weights), weights=list(weights.values()))[0]]

    def duplicate_of(self, code: str, at: datetime) -> Recent | None:
        queue = self.recent.get(code)
        while queue and at - queue[0].received_at > DUPLICATE_WINDOW:
            queue.popleft()
        return queue[-1] if queue else None

    def make(self, index: int, arrival: intake.Arrival) -> Timeline:
        rng, staff, territory = self.rng, self.w.staff, self.w.territory
        channel, code, t0 = arrival.channel, arrival.category, arrival.received_at
        category = self.categories[code]
        class_code = self.class_of[code]
        nature = self.nature_for(channel, code)
        priority = Priority.URGENT if rng.random() < mix.URGENT_SHARE.get(code, 0.0) else Priority.NORMAL

        parent = self.duplicate_of(code, t0) if rng.random() < mix.MERGE_SHARE.get(channel, 0.0) else None
        if parent is not None:
            micro_grid = parent.micro_grid
            lon, lat = self.places.near(micro_grid, parent.lon, parent.lat, rng)
        else:
            micro_grid = self.places.micro_grid(rng)
            lon, lat = self.places.point(micro_grid, rng)
        village = territory.village_of[micro_grid.pk]
        grid = territory.grid_of[micro_grid.pk]
        cadre = staff.cadres[village.pk]

        by_village = False
        if channel == Channel.HOTLINE:
            creator = rng.choice(staff.operators)
        elif channel == Channel.GRID_PATROL:
            creator = rng.choice(staff.grid_teams[grid.pk])
        elif channel == Channel.WALK_IN and rng.random() < mix.WALK_IN_AT_VILLAGE:
            creator, by_village = cadre, True
        elif channel == Channel.INSPECTION and rng.random() < mix.INSPECTION_BY_GRID:
            creator = rng.choice(staff.grid_teams[grid.pk])
        else:
            creator = rng.choice(staff.dispatchers)

        clock = self.clocks(category, nature, priority, t0)
        # Every draw below happens for every case, so one decision does not shift the others.
        draws = [rng.random() for _ in range(10)]
        self_share = mix.SELF_RESOLVE.get(code, mix.SELF_RESOLVE.get(class_code, 0.3))
        if channel == Channel.GRID_PATROL:
            self_resolve = draws[0] < self_share
        elif by_village:
            self_resolve = draws[0] < mix.SELF_RESOLVE_WALK_IN_AT_VILLAGE
        elif channel == Channel.INSPECTION and creator.role == "grid_worker":
            self_resolve = draws[0] < self_share / 2
        else:
            self_resolve = False
        self_resolve = self_resolve and priority == Priority.NORMAL
        if class_code in mix.TERRITORIAL_CLASSES and draws[1] < mix.ASSIGN_TO_CADRE:
            assign = "cadre"
        else:
            assign = "handler" if draws[2] < mix.ASSIGN_TO_HANDLER else "pool"
        long_clock = clock.unit == "working_days" and clock.target >= 5
        plan = Plan(
            self_resolve=self_resolve,
            assign=assign,
            returned=draws[3] < mix.RETURN_SHARE,
            suspend=draws[4] < mix.SUSPEND_SHARE,
            extension=long_clock and draws[5] < mix.EXTENSION_SHARE,
            supervise=draws[6] < mix.SUPERVISE_SHARE,
            late=draws[7] < mix.LATE_SHARE,
            visit=channel == Channel.HOTLINE or draws[8] < mix.OTHER_VISIT_SHARE,
        )
        reporter_name = reporter_phone = ""
        if plan.visit or draws[9] < mix.REPORTER_SHARE.get(channel, 0.5):
            reporter_name, reporter_phone = self.fake.name(), normalize_phone(self.fake.phone_number())

        street = f"{self.fake.street_name()}{rng.randint(1, 199)}号"
        title = parent.title if parent is not None else texts.title(code, village.name, rng)
        case = services.received_case(
            actor=creator,
            region=micro_grid,
            clock=clock,
            now=t0,
            case_type="event",
            channel=channel,
            category=category,
            nature=nature,
            title=title,
            description=texts.description(
                code,
                channel,
                f"{village.name}{street}附近",
                reporter_name,
                nature.code if nature else None,
                rng,
            ),
            address=f"舟山市普陀区六横镇{village.name}{street}",
            lon=lon,
            lat=lat,
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
            priority=priority,
        )
        timeline = Timeline(case=case, until=self.w.until)
        timeline.created(creator, t0, services.create_event_data(case, clock))
        if parent is not None:
            dispatcher = rng.choice(staff.dispatchers)
            payload = {"parent": str(parent.index), "note": texts.MERGE_NOTE}
            if timeline.act("merge", dispatcher, t0 + span(rng, 5, 90), payload):
                timeline.merge_parent = parent.index
            return timeline

        dept = self.department_for(category)
        wrong = None
        if plan.returned:
            others = [d for d in self.staffed if d.pk != dept.pk]
            wrong = rng.choice(others) if others else None
        cast = Cast(
            creator=creator,
            dispatchers=staff.dispatchers,
            leaders=staff.leaders,
            operators=staff.operators,
            department=dept,
            handlers=staff.handlers[dept.pk],
            cadre=cadre,
            wrong_department=wrong,
            wrong_handlers=staff.handlers.get(wrong.pk, []) if wrong else [],
        )
        live(timeline, plan, cast, code, rng)
        self.recent.setdefault(code, deque()).append(Recent(t0, index, micro_grid, lon, lat, title))
        return timeline

    # --- writing ----------------------------------------------------------------------------------

    def run(self) -> Written:
        arrivals = intake.arrivals(self.w.year, self.w.scale, self.class_of, self.rng)
        total = len(arrivals)
        self.w.out(f"  cases: {total} arrivals drawn")
        pks: list[int] = []
        written = Written()
        chunk: list[Timeline] = []
        for index, arrival in enumerate(arrivals):
            chunk.append(self.make(index, arrival))
            if len(chunk) >= CHUNK:
                self.flush(chunk, pks, written)
                chunk = []
                self.w.out(f"  cases: {written.cases}/{total}, events: {written.events}")
        if chunk:
            self.flush(chunk, pks, written)
            self.w.out(f"  cases: {written.cases}/{total}, events: {written.events}")
        return written

    def flush(self, chunk: list[Timeline], pks: list[int], written: Written) -> None:
        cases = Case.objects.bulk_create([t.case for t in chunk], batch_size=500)
        pks.extend(c.pk for c in cases)
        merged = []
        for t in chunk:
            if t.merge_parent is not None:
                parent_pk = pks[t.merge_parent]
                t.case.parent_id = parent_pk
                merged.append(t.case)
                for e in t.events:
                    if e.action == "merge":
                        e.data["parent"] = parent_pk
        if merged:
            Case.objects.bulk_update(merged, ["parent"], batch_size=500)
        events = [
            CaseEvent(
                case_id=t.case.pk,
                at=e.at,
                actor_id=e.actor_id,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                note=e.note,
                data=e.data,
            )
            for t in chunk
            for e in t.events
        ]
        CaseEvent.objects.bulk_create(events, batch_size=1000)
        written.cases += len(cases)
        written.events += len(events)
        for t in chunk:
            written.by_status[t.case.status] = written.by_status.get(t.case.status, 0) + 1


def build(world: World) -> Written:
    return CaseFactory(world).run()
