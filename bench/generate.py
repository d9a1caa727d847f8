"""The data generator: the township in the database, scaled to N cases, written in bulk.

`generate(n, seed=…, until=…)` adds N cases to whatever territory, staff, taxonomy and SLA policies
the database holds (the demo township: `zhizhi demo --scale 0.05`; or the tests' small township),
never through the API: PostgreSQL gets `COPY … FROM STDIN` (psycopg), SQLite `executemany`.

What is written, deterministically by seed (and by `until`, the moment the data ends):

* **When.** `years` years of cases ending at `until` (local midnight): every day gets its exact
  share (working days weigh 1, weekends and holidays 0.6, volume grows 8 % a year); times of day
  follow each channel's hourly curve from the demo's mix. Ids increase with `received_at`.
* **What and where.** Channel shares and per-channel category mixes, request natures and urgent
  shares: `zhizhi.demo.builder.mix`. Places: the deepest regions (micro-grids), communities twice
  as busy as villages, a point inside the region's bounding box. Titles and descriptions: the
  demo's Chinese texts. Reporters: a seeded pool of names and mobile numbers.
* **Who.** Creators by channel as in the demo (operators take hotline calls, grid workers report
  in their grid, village cadres take some walk-ins, dispatchers the rest); a handler of the
  category's department accepts and resolves.
* **Life.** The SLA clock is the real one (matching policies, earliest deadline, working-day
  calendar). A case is dispatched, accepted, started and resolved before its deadline (0.4 % late),
  visited and closed; grid reports are often settled on the spot; 1–2 % of hotline and online
  reports are merged into an earlier one; 2 % of dispatched cases get stuck open (the backlog;
  suspended ones are not overdue). Steps after `until` have not happened yet, so the newest cases
  are open. About 1.5 % of cases end up open and 0.8 % overdue. The sweep's flags (`is_overdue`,
  `is_due_soon`, `response_breached`) are set as of `until`.
* **Timeline.** `events="create"` (default): the create event only — fast, but for a case past
  `received` the timeline does not reach its status. `events="lifecycle"`: one `CaseEvent` per
  step taken (create, dispatch, accept, start, resolve, return_visit, close, …; ≈6 per case), so
  the last event's `to_status` is the case's status.

Work is split into blocks of BLOCK_DAYS days, each drawn from its own random stream (so the result
does not depend on how many processes draw it). Case ids are assigned here, event ids by the
database. By default everything happens in the caller's transaction; `bulk=True` is the
PostgreSQL loading mode of `pg_restore`: secondary indexes and foreign keys dropped, parallel
COPY, then recreated exactly as they were (and the keys validated). `VACUUM (ANALYZE)` runs at
the end (ANALYZE inside a transaction).
"""

from __future__ import annotations

import bisect
import functools
import gc
import itertools
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection
from faker import Faker

from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases import sla
from zhizhi.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Category,
    Channel,
    Priority,
    RequestNature,
    Satisfaction,
    SlaPolicy,
    SlaUnit,
    Status,
)
from zhizhi.core import calendar
from zhizhi.demo.builder import mix, texts
from zhizhi.territory.models import Level, Region, VillageKind

CHUNK = 20_000
BLOCK_DAYS = 28
OFF_DAY_WEIGHT = 0.6
GROWTH_PER_YEAR = 0.08
STUCK_SHARE = 0.02  # of dispatched cases: the backlog, open for good (≈1.5 % of all cases)
STUCK_STATUSES: dict[str, float] = {
    Status.RECEIVED: 5,
    Status.DISPATCHED: 15,
    Status.ACCEPTED: 10,
    Status.IN_PROGRESS: 20,
    Status.SUSPENDED: 45,  # paused clocks are never overdue
    Status.RETURNED: 5,
}
DUPLICATE_WINDOW = timedelta(days=7)
ON_TIME = {True: '{"on_time": true}', False: '{"on_time": false}'}
NAME_POOL = 3000
STREET_POOL = 300

# The columns written for every case, in this order; any other column gets its model default.
CASE_COLUMNS = (
    "id", "case_type", "channel", "category_id", "nature_id", "title", "description", "address", "lon",
    "lat", "region_id", "region_path", "reporter_name", "reporter_phone", "priority", "department_id",
    "assignee_id", "created_by_id", "status", "parent_id", "received_at", "clock_started_at",
    "sla_policy_id", "sla_target", "sla_unit", "response_due_at", "due_at", "due_provisional",
    "paused_seconds", "paused_at", "extension_days", "extension_requested_days", "is_overdue",
    "is_due_soon", "response_breached", "dispatched_at", "accepted_at", "started_at", "resolved_at",
    "closed_at", "resolution", "resolved_on_time", "visited_at", "visit_reached", "satisfaction",
    "supervision_count", "return_count", "reopen_count", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = ("case_id", "at", "actor_id", "action", "from_status", "to_status", "note", "data")

Out = Callable[[str], None]


@dataclass
class Result:
    cases: int = 0
    events: int = 0
    seconds: float = 0.0
    generate_seconds: float = 0.0
    write_seconds: float = 0.0
    analyze_seconds: float = 0.0
    rebuild_seconds: float = 0.0
    first_id: int | None = None
    last_id: int | None = None
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    method: str = ""

    @property
    def open(self) -> int:
        return sum(n for s, n in self.by_status.items() if s in OPEN_STATUSES)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "events": self.events,
            "seconds": round(self.seconds, 2),
            "load_seconds": round(self.generate_seconds, 2),
            "write_seconds": round(self.write_seconds, 2),
            "rebuild_seconds": round(self.rebuild_seconds, 2),
            "analyze_seconds": round(self.analyze_seconds, 2),
            "cases_per_second": round(self.cases / self.seconds) if self.seconds else None,
            "method": self.method,
            "by_status": dict(sorted(self.by_status.items())),
            "open": self.open,
            "overdue": self.overdue,
            "open_share": round(self.open / self.cases, 4) if self.cases else None,
            "overdue_share": round(self.overdue / self.cases, 4) if self.cases else None,
        }


def default_until() -> datetime:
    """Local (Asia/Shanghai) midnight today: the generated history ends last night."""
    today = datetime.now(calendar.TZ).date()
    return datetime(today.year, today.month, today.day, tzinfo=calendar.TZ)


def _cum(weights: Iterable[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, items: Sequence[Any], cum: Sequence[float]) -> Any:
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


def allocate(weights: Sequence[float], total: int) -> list[int]:
    """Split `total` in proportion to `weights` exactly (largest remainder, ties by position)."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    quotas = [total * w / whole for w in weights]
    counts = [int(q) for q in quotas]
    left = total - sum(counts)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[:left]:
        counts[i] += 1
    return counts


# --- What the database holds ----------------------------------------------------------------------


@dataclass
class Leaf:
    id: int
    path: str
    place: str  # the village (or the region itself) for titles and addresses
    box: tuple[float, float, float, float] | None
    grid_workers: list[int]
    cadres: list[int]


@dataclass
class Cat:
    id: int
    code: str
    name: str
    class_code: str
    department_id: int | None  # the department it is dispatched to (a staffed one when possible)


def _box(boundary: Any) -> tuple[float, float, float, float] | None:
    try:
        ring = boundary["coordinates"][0]
        if boundary["type"] == "MultiPolygon":
            ring = ring[0]
        xs = [float(p[0]) for p in ring]
        ys = [float(p[1]) for p in ring]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return min(xs), min(ys), max(xs), max(ys)


class World:
    """The territory, staff, taxonomy and clocks the cases are drawn from."""

    def __init__(self) -> None:
        regions = list(
            Region.objects.filter(is_active=True)
            .order_by("path")
            .values("id", "path", "level", "name", "kind", "boundary", "center_lon", "center_lat")
        )
        if not regions:
            raise RuntimeError("no territory: build the demo township first (zhizhi demo --scale 0.05)")
        by_path = {r["path"]: r for r in regions}
        has_child = {r["path"].rsplit("/", 2)[0] + "/" for r in regions}
        leaves = [r for r in regions if r["path"] not in has_child]
        towns = [r for r in regions if r["level"] == Level.TOWN]
        self.town_name = towns[0]["name"] if towns else ""

        users = list(User.objects.filter(is_active=True).order_by("id").values("id", "username", "role"))
        self.username = {u["id"]: u["username"] for u in users}
        role_of = {u["id"]: u["role"] for u in users}
        paths_of: dict[int, list[str]] = {}
        for uid, path in User.regions.through.objects.order_by("user_id", "region__path").values_list(
            "user_id", "region__path"
        ):
            paths_of.setdefault(uid, []).append(path)
        self.handlers: dict[int, list[int]] = {}
        for uid, dept in User.departments.through.objects.order_by("user_id", "department_id").values_list(
            "user_id", "department_id"
        ):
            if role_of.get(uid) == Role.HANDLER:
                self.handlers.setdefault(dept, []).append(uid)

        def by_role(role: str) -> list[int]:
            return [u["id"] for u in users if u["role"] == role]

        admins = [u["id"] for u in users if u["role"] == Role.ADMIN]
        self.dispatchers = by_role(Role.DISPATCHER) or admins
        self.operators = by_role(Role.HOTLINE_OPERATOR) or self.dispatchers
        grid_workers = by_role(Role.GRID_WORKER)
        cadres = by_role(Role.VILLAGE_CADRE)

        self.leaves: list[Leaf] = []
        weights = []
        for r in leaves:
            village = next(
                (
                    by_path[p]
                    for p in _ancestors(r["path"])
                    if p in by_path and by_path[p]["level"] == Level.VILLAGE
                ),
                None,
            )
            place = village["name"] if village else r["name"]
            box = _box(r["boundary"]) if r["boundary"] else None
            if box is None and r["center_lon"] is not None and r["center_lat"] is not None:
                box = (r["center_lon"], r["center_lat"], r["center_lon"], r["center_lat"])

            def covering(ids: list[int], path: str = r["path"]) -> list[int]:
                return [u for u in ids if any(path.startswith(p) for p in paths_of.get(u, ()))]

            self.leaves.append(Leaf(r["id"], r["path"], place, box, covering(grid_workers), covering(cadres)))
            weights.append(2.0 if village and village["kind"] == VillageKind.COMMUNITY else 1.0)
        self.leaf_cum = _cum(weights)

        departments = {d.pk: d for d in Department.objects.filter(is_active=True).order_by("code")}
        self.department_code = {pk: d.code for pk, d in departments.items()}
        staffed = [pk for pk in departments if self.handlers.get(pk)]
        fallback = next(
            (pk for pk, d in departments.items() if d.code == "peace_law" and pk in staffed), None
        )
        fallback = fallback or (staffed[0] if staffed else next(iter(departments), None))
        leaf_cats = (
            Category.objects.filter(parent__isnull=False, is_active=True)
            .select_related("parent")
            .order_by("code")
        )
        self.categories: dict[str, Cat] = {}
        self.category_objects: dict[str, Category] = {}
        for c in leaf_cats:
            dept = c.department_id if c.department_id in staffed else fallback
            if c.department_id and not staffed and c.department_id in departments:
                dept = c.department_id
            self.categories[c.code] = Cat(c.pk, c.code, c.name, c.parent.code if c.parent else "", dept)
            self.category_objects[c.code] = c
        if not self.categories:
            raise RuntimeError("no categories: run `zhizhi migrate` (it seeds the taxonomy)")
        self.natures = {n.code: n for n in RequestNature.objects.order_by("code")}

        channels = [Channel.HOTLINE, *mix.OTHER_CHANNELS]
        channel_weights = [mix.HOTLINE_CASES, *mix.OTHER_CHANNELS.values()]
        self.channels = channels
        self.channel_cum = _cum(channel_weights)
        everything = sorted(self.categories)
        self.mix: dict[str, tuple[list[str], list[float]]] = {}
        for ch in channels:
            codes = [c for c in mix.CATEGORY_MIX[ch] if c in self.categories]
            if codes:
                self.mix[ch] = (codes, _cum(mix.CATEGORY_MIX[ch][c] for c in codes))
            else:
                self.mix[ch] = (everything, _cum([1.0] * len(everything)))
        self.hour_cum = {ch: _cum(w) for ch, w in mix.HOURS.items()}
        self.clocks = Clocks()


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


class Clocks:
    """`sla.choose_clock`, with the matching policies cached per (category, nature, priority) and
    day-unit deadlines per (local date, amount, unit) — they depend on nothing else."""

    def __init__(self) -> None:
        self._policies: dict[tuple[int, int | None, str], list[tuple[SlaPolicy, int]]] = {}
        self._days: dict[tuple[date, int, str], calendar.Due] = {}
        self._clocks: dict[tuple[Any, ...], sla.Clock] = {}
        self._hourly: dict[tuple[int, int | None, str], bool] = {}

    def add(self, start: datetime, amount: int, unit: str) -> calendar.Due:
        if unit == SlaUnit.HOURS:  # elapsed time (Asia/Shanghai has no DST): as calendar.add
            return calendar.Due(at=start + timedelta(hours=amount), provisional=False)
        key = (start.date(), amount, unit)  # start is in Asia/Shanghai already
        due = self._days.get(key)
        if due is None:
            due = self._days[key] = calendar.add(start, amount, unit)
        return due

    def __call__(
        self, category: Category, nature: RequestNature | None, priority: str, start: datetime
    ) -> sla.Clock:
        key = (category.pk, nature.pk if nature else None, priority)
        policies = self._policies.get(key)
        if policies is None:
            found = sla.matching_policies("event", category, nature, priority)
            if not found:
                raise RuntimeError(f"no SLA policy for {category.code}")
            specific = [p for p in found if sla._specificity(p) > 0]
            policies = self._policies[key] = [(p, sla._specificity(p)) for p in (specific or found)]
        hourly = self._hourly.get(key)
        if hourly is None:
            hourly = self._hourly[key] = any(
                p.unit == SlaUnit.HOURS or (p.response_target and p.response_unit == SlaUnit.HOURS)
                for p, _ in policies
            )
        if not hourly:  # day units only: the clock depends on the local date alone
            day_key = (*key, start.date())
            clock = self._clocks.get(day_key)
            if clock is None:
                clock = self._clocks[day_key] = self._choose(policies, start)
            return clock
        return self._choose(policies, start)

    def _choose(self, policies: list[tuple[SlaPolicy, int]], start: datetime) -> sla.Clock:
        best: tuple[datetime, int, int] | None = None
        due = policy = None
        response: datetime | None = None
        for p, spec in policies:
            d = self.add(start, p.target, p.unit)
            rank = (d.at, -spec, p.pk)
            if best is None or rank < best:
                best, due, policy = rank, d, p
            if p.response_target:
                at = self.add(start, p.response_target, p.response_unit).at
                response = at if response is None or at < response else response
        if response is None:
            response = self.add(start, sla.DEFAULT_RESPONSE_TARGET, sla.DEFAULT_RESPONSE_UNIT).at
        assert due is not None
        assert policy is not None
        return sla.Clock(
            policy=policy,
            target=policy.target,
            unit=policy.unit,
            response_due_at=min(response, due.at),
            due_at=due.at,
            provisional=due.provisional,
        )


# --- Drawing cases --------------------------------------------------------------------------------


def _between(lo: datetime, hi: datetime, fraction: float) -> datetime:
    return lo + timedelta(seconds=int((hi - lo).total_seconds() * fraction))


class Drawer:
    """Draws cases (as rows) in order of arrival. Hot path: `random()` and plain indexing rather
    than `choice`/`randint`, one JSON encoder, per-category tables computed once."""

    def __init__(self, world: World, *, seed: int, until: datetime, events: str) -> None:
        if events not in ("lifecycle", "create"):
            raise ValueError("events must be 'lifecycle' or 'create'")
        self.w = world
        self.seed = seed
        self.rng = random.Random(f"{seed}:bench-generate")
        self.r = self.rng.random
        self.until = until
        self.soon = until + timedelta(hours=24)
        self.lifecycle = events == "lifecycle"
        self.q = functools.lru_cache(maxsize=None)(lambda v: json.dumps(v, ensure_ascii=False))
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self.names = [fake.name() for _ in range(NAME_POOL)]
        self.streets = [fake.street_name() for _ in range(STREET_POOL)]
        self.recent: dict[str, tuple[int, datetime]] = {}  # category → (id, received_at) of its last case
        self.by_status: dict[str, int] = {}
        self.overdue = 0
        # Per category: its request natures (codes and cumulative weights) and self-resolve share.
        self.nature_table: dict[str, tuple[list[str], list[float]]] = {}
        for code in world.categories:
            table = mix.NATURES_BY_CATEGORY.get(code, mix.NATURES)
            options = [k for k in table if k in world.natures]
            if options:
                self.nature_table[code] = (options, _cum(table[k] for k in options))
        self.stuck_statuses = list(STUCK_STATUSES)
        self.stuck_cum = _cum(STUCK_STATUSES.values())
        self.satisfactions = list(mix.VISIT_SATISFACTION)
        self.satisfaction_cum = _cum(mix.VISIT_SATISFACTION.values())

        case_fields = {f.attname: f for f in Case._meta.concrete_fields}
        missing = [c for c in CASE_COLUMNS if c not in case_fields]
        if missing:
            raise RuntimeError(f"the generator writes columns the Case model no longer has: {missing}")
        extra = [f for a, f in case_fields.items() if a not in CASE_COLUMNS]
        self.case_columns = [*CASE_COLUMNS, *(f.attname for f in extra)]
        self.case_extra = tuple(_default(f) for f in extra)
        event_fields = {f.attname: f for f in CaseEvent._meta.concrete_fields}
        missing = [c for c in EVENT_COLUMNS if c not in event_fields]
        if missing:
            raise RuntimeError(f"the generator writes columns the CaseEvent model no longer has: {missing}")
        extra_e = [f for a, f in event_fields.items() if a not in EVENT_COLUMNS and a != "id"]
        self.event_columns = [*EVENT_COLUMNS, *(f.attname for f in extra_e)]
        self.event_extra = tuple(_default(f) for f in extra_e)

    def one(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.r() * len(seq))]

    def minutes(self, lo: float, hi: float) -> timedelta:
        return timedelta(seconds=int((lo + (hi - lo) * self.r()) * 60))

    # When ------------------------------------------------------------------------------------------

    def start(self, block: Block) -> None:
        """Each block draws from its own stream, so a block's cases do not depend on who drew the
        blocks before it (or in which process)."""
        self.rng = random.Random(f"{self.seed}:bench-generate:{block.index}")
        self.r = self.rng.random
        self.recent = {}

    def arrivals(self, block: Block) -> Iterator[tuple[datetime, str]]:
        """(received_at, channel) for the block's cases, in order of arrival."""
        r, w = self.r, self.w
        tz = calendar.TZ
        channels, channel_cum, hour_cum = w.channels, w.channel_cum, w.hour_cum
        for day, k in zip(block.days, block.counts, strict=True):
            moments = []
            for _ in range(k):
                ch = channels[bisect.bisect_right(channel_cum, r() * channel_cum[-1])]
                hours = hour_cum[ch]
                hour = bisect.bisect_right(hours, r() * hours[-1])
                moments.append((hour * 3600 + int(r() * 3600), ch))
            moments.sort(key=lambda m: m[0])
            midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
            for second, ch in moments:
                yield midnight + timedelta(seconds=second), ch

    # One case --------------------------------------------------------------------------------------

    def case(self, case_id: int, t0: datetime, channel: str) -> tuple[tuple, list[tuple]]:
        rng, r, w, until, one = self.rng, self.r, self.w, self.until, self.one
        codes, cum = w.mix[channel]
        code = codes[bisect.bisect_right(cum, r() * cum[-1])]
        cat = w.categories[code]
        nature = None
        if channel in mix.NATURE_CHANNELS and code in self.nature_table:
            options, ncum = self.nature_table[code]
            nature = w.natures[options[bisect.bisect_right(ncum, r() * ncum[-1])]]
        priority = Priority.URGENT if r() < mix.URGENT_SHARE.get(code, 0.0) else Priority.NORMAL
        leaf = w.leaves[bisect.bisect_right(w.leaf_cum, r() * w.leaf_cum[-1])]
        lon = lat = None
        if leaf.box is not None:
            lon0, lat0, lon1, lat1 = leaf.box
            lon = round(lon0 + (lon1 - lon0) * (0.03 + 0.94 * r()), 6)
            lat = round(lat0 + (lat1 - lat0) * (0.03 + 0.94 * r()), 6)

        by_village = False
        if channel == Channel.HOTLINE:
            creator = one(w.operators) if w.operators else None
        elif channel == Channel.GRID_PATROL and leaf.grid_workers:
            creator = one(leaf.grid_workers)
        elif channel == Channel.WALK_IN and leaf.cadres and r() < mix.WALK_IN_AT_VILLAGE:
            creator, by_village = one(leaf.cadres), True
        elif channel == Channel.INSPECTION and leaf.grid_workers and r() < mix.INSPECTION_BY_GRID:
            creator = one(leaf.grid_workers)
        else:
            creator = one(w.dispatchers) if w.dispatchers else None

        clock = w.clocks(w.category_objects[code], nature, priority, t0)
        due_at = clock.due_at
        visit_wanted = channel == Channel.HOTLINE or r() < mix.OTHER_VISIT_SHARE
        reporter_name = reporter_phone = ""
        if visit_wanted or r() < mix.REPORTER_SHARE.get(channel, 0.5):
            reporter_name = one(self.names)
            reporter_phone = f"1{'3589'[int(r() * 4)]}{int(r() * 1e9):09d}"
        street = f"{one(self.streets)}{1 + int(r() * 199)}号"
        if code in texts.TEXTS:
            title = texts.title(code, leaf.place, rng)
            nature_code = nature.code if nature else None
            place = f"{leaf.place}{street}附近"
            description = texts.description(code, channel, place, reporter_name, nature_code, rng)
        else:
            title = f"{leaf.place}{cat.name}问题"
            description = f"{leaf.place}{street}附近反映{cat.name}问题。"

        # The life, step by step; steps after `until` have not happened yet.
        c: dict[str, Any] = {
            "status": "",  # the create step makes it received
            "department_id": None,
            "assignee_id": None,
            "parent_id": None,
            "paused_at": None,
            "dispatched_at": None,
            "accepted_at": None,
            "started_at": None,
            "resolved_at": None,
            "closed_at": None,
            "resolution": "",
            "resolved_on_time": None,
            "visited_at": None,
            "visit_reached": None,
            "satisfaction": "",
            "return_count": 0,
        }
        events: list[tuple] = []
        extra_e, lifecycle, q = self.event_extra, self.lifecycle, self.q

        def step(
            action: str, at: datetime, actor: int | None, to: str, note: str = "", data: str = "{}"
        ) -> bool:
            """Take the step unless it lies after `until`; `data` is the event's JSON, written out."""
            if at > until:
                return False
            frm = c["status"]
            c["status"] = to
            if lifecycle or action == "create":
                events.append((case_id, at, actor, action, frm, to, note, data, *extra_e))
            return True

        created = f'{{"channel": "{channel}", "category": {q(code)}, "due_at": "{due_at.isoformat()}"}}'
        step("create", t0, creator, Status.RECEIVED, data=created)
        parent = None
        if r() < mix.MERGE_SHARE.get(channel, 0.0):
            last = self.recent.get(code)
            if last is not None and t0 - last[1] <= DUPLICATE_WINDOW:
                parent = last[0]
        if parent is not None:
            dispatcher = one(w.dispatchers) if w.dispatchers else None
            at = t0 + self.minutes(5, 90)
            if step("merge", at, dispatcher, Status.MERGED, texts.MERGE_NOTE, f'{{"parent": {parent}}}'):
                c["parent_id"] = parent
        else:
            self.recent[code] = (case_id, t0)
            self._live(c, step, code, channel, t0, clock, creator, by_village, visit_wanted)

        status = c["status"]
        running = status in OPEN_STATUSES and status != Status.SUSPENDED
        is_overdue = running and due_at < until
        is_due_soon = running and until <= due_at < self.soon
        accepted_at = c["accepted_at"]
        response_breached = (accepted_at is not None and accepted_at > clock.response_due_at) or (
            status == Status.DISPATCHED and clock.response_due_at < until
        )
        self.by_status[status] = self.by_status.get(status, 0) + 1
        self.overdue += is_overdue
        row = (
            case_id, "event", channel, cat.id, nature.pk if nature else None, title, description,
            f"{w.town_name}{leaf.place}{street}", lon, lat, leaf.id, leaf.path, reporter_name, reporter_phone,
            priority, c["department_id"], c["assignee_id"], creator, status, c["parent_id"], t0, t0,
            clock.policy.pk if clock.policy else None, clock.target, clock.unit, clock.response_due_at, due_at,
            clock.provisional, 0, c["paused_at"], 0, None, is_overdue, is_due_soon, response_breached,
            c["dispatched_at"], accepted_at, c["started_at"], c["resolved_at"], c["closed_at"],
            c["resolution"], c["resolved_on_time"], c["visited_at"], c["visit_reached"], c["satisfaction"],
            0, c["return_count"], 0, until, *self.case_extra,
        )  # fmt: skip
        return row, events

    def _live(
        self,
        c: dict[str, Any],
        step: Callable[..., bool],
        code: str,
        channel: str,
        t0: datetime,
        clock: sla.Clock,
        creator: int | None,
        by_village: bool,
        visit_wanted: bool,
    ) -> None:
        rng, r, w, one, minutes = self.rng, self.r, self.w, self.one, self.minutes
        cat = w.categories[code]
        due_at = clock.due_at
        fast = clock.unit == SlaUnit.HOURS or clock.response_due_at - t0 <= timedelta(hours=6)
        if channel == Channel.GRID_PATROL:
            self_resolve = r() < mix.SELF_RESOLVE.get(code, mix.SELF_RESOLVE.get(cat.class_code, 0.3))
        elif by_village:
            self_resolve = r() < mix.SELF_RESOLVE_WALK_IN_AT_VILLAGE
        else:
            self_resolve = False
        if self_resolve and creator is not None:
            at = t0 + minutes(10, 180)
            resolution = texts.resolution(code, channel, rng) if code in texts.TEXTS else "已现场处置。"
            on_time = at <= due_at
            if step("self_resolve", at, creator, Status.RESOLVED, resolution, ON_TIME[on_time]):
                c.update(
                    resolved_at=at, resolution=resolution, resolved_on_time=at <= due_at, assignee_id=creator
                )
                self._visit_and_close(c, step, at, visit_wanted)
            return

        stuck_at = None
        if r() < STUCK_SHARE:
            stuck_at = self.stuck_statuses[bisect.bisect_right(self.stuck_cum, r() * self.stuck_cum[-1])]
        if stuck_at == Status.RECEIVED:
            return
        dept = cat.department_id
        handlers = w.handlers.get(dept, []) if dept else []
        assignee = one(handlers) if handlers and r() < mix.ASSIGN_TO_HANDLER else None
        dispatcher = one(w.dispatchers) if w.dispatchers else None
        at = t0 + (minutes(3, 40) if fast else minutes(5, 90))
        department = self.q(w.department_code.get(dept) if dept else None)
        data = f'{{"department": {department}, "assignee": {self.q(w.username.get(assignee))}}}'
        if not step("dispatch", at, dispatcher, Status.DISPATCHED, data=data):
            return
        c.update(department_id=dept, assignee_id=assignee, dispatched_at=at)
        if stuck_at == Status.DISPATCHED:
            return
        if stuck_at == Status.RETURNED:
            if step(
                "return",
                at + minutes(10, 120),
                assignee,
                Status.RETURNED,
                one(texts.RETURN_REASONS),
                f'{{"department": {department}}}',
            ):
                c.update(department_id=None, assignee_id=None, return_count=1)
            return
        handler = assignee if assignee is not None else (one(handlers) if handlers else None)
        at = at + (minutes(3, 40) if fast else minutes(10, 240))
        if at > clock.response_due_at > c["dispatched_at"]:
            at = _between(c["dispatched_at"], clock.response_due_at, 0.2 + 0.7 * r())
        if not step("accept", at, handler, Status.ACCEPTED):
            return
        c.update(accepted_at=at, assignee_id=handler)
        if stuck_at == Status.ACCEPTED:
            return
        at = at + (minutes(1, 20) if fast else minutes(5, 120))
        if not step("start", at, handler, Status.IN_PROGRESS):
            return
        c["started_at"] = at
        if stuck_at == Status.IN_PROGRESS:
            return
        if stuck_at == Status.SUSPENDED:
            at = at + minutes(30, 600)
            if step("suspend", at, handler, Status.SUSPENDED, one(texts.SUSPEND_REASONS)):
                c["paused_at"] = at
            return
        if channel != Channel.HOTLINE and r() < mix.LATE_SHARE:
            at = max(due_at, at) + minutes(60, 3 * 24 * 60)
        elif due_at - at <= timedelta(minutes=30):
            at = at + minutes(1, 10)
        else:
            at = max(
                _between(at, due_at, 0.02 + 0.93 * rng.betavariate(1.3, 3.2)), at + timedelta(minutes=10)
            )
        resolution = texts.resolution(code, channel, rng) if code in texts.TEXTS else "已办结。"
        if step("resolve", at, handler, Status.RESOLVED, resolution, ON_TIME[at <= due_at]):
            c.update(resolved_at=at, resolution=resolution, resolved_on_time=at <= due_at)
            self._visit_and_close(c, step, at, visit_wanted)

    def _visit_and_close(
        self, c: dict[str, Any], step: Callable[..., bool], at: datetime, visit: bool
    ) -> None:
        r, w, one, minutes = self.r, self.w, self.one, self.minutes
        closer = one(w.operators if r() < 0.5 else w.dispatchers) if w.dispatchers else None
        if not visit:
            at = at + minutes(120, 48 * 60)
            if step("close", at, closer, Status.CLOSED):
                c["closed_at"] = at
            return
        at = at + minutes(60, 36 * 60)
        reached = r() < mix.VISIT_REACHED
        satisfaction = ""
        if reached:
            satisfaction = self.satisfactions[
                bisect.bisect_right(self.satisfaction_cum, r() * self.satisfaction_cum[-1])
            ]
        note = texts.VISIT_NOTES[satisfaction]
        data = f'{{"reached": {"true" if reached else "false"}, "satisfaction": "{satisfaction}"}}'
        if not step("return_visit", at, closer, Status.RESOLVED, note, data):
            return
        c.update(visited_at=at, visit_reached=reached, satisfaction=satisfaction)
        if satisfaction == Satisfaction.UNSATISFIED:
            if r() < mix.CLOSE_UNSATISFIED_AFTER_REVIEW:
                at = at + minutes(120, 72 * 60)
                if step("close_unsatisfied", at, closer, Status.CLOSED, texts.REVIEW_CLOSE_REASON):
                    c["closed_at"] = at
            return
        at = at + minutes(1, 120)
        if step("close", at, closer, Status.CLOSED):
            c["closed_at"] = at


def _default(f: Any) -> Any:
    value = f.get_default()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


# --- Writing --------------------------------------------------------------------------------------


class Writer:
    """COPY on PostgreSQL, executemany elsewhere; the rows are tuples in `columns` order."""

    def __init__(self, model: type[Any], attnames: Sequence[str]) -> None:
        opts = model._meta
        columns = [
            opts.get_field(a.removesuffix("_id") if a.endswith("_id") and a != "id" else a) for a in attnames
        ]
        self.table = opts.db_table
        self.columns = [f.column for f in columns]
        self.datetime_positions = [
            i for i, f in enumerate(columns) if f.get_internal_type() == "DateTimeField"
        ]
        self.postgres = connection.vendor == "postgresql"

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in self.columns)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {qn(self.table)} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            adapt = connection.ops.adapt_datetimefield_value
            positions = self.datetime_positions
            adapted = []
            for row in rows:
                values = list(row)
                for i in positions:
                    if values[i] is not None:
                        values[i] = adapt(values[i])
                adapted.append(values)
            marks = ", ".join(["%s"] * len(self.columns))
            sql = f"INSERT INTO {qn(self.table)} ({cols}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, adapted)


def _next_id(model: type[Any]) -> int:
    top = model.objects.order_by("-id").values_list("id", flat=True).first()
    return (top or 0) + 1


def analyze() -> float:
    """Statistics for the planner, and on PostgreSQL the visibility map too (VACUUM): a table that
    has been in use for a while is vacuumed by autovacuum, and index-only scans (the open + overdue
    lists, docs/benchmarks.md) read the table for every row of a page never vacuumed. Outside a
    transaction only (VACUUM cannot run in one): inside, it falls back to ANALYZE."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{verb} {connection.ops.quote_name(Case._meta.db_table)}")
            cursor.execute(f"{verb} {connection.ops.quote_name(CaseEvent._meta.db_table)}")
        else:
            cursor.execute("ANALYZE")
    return time.monotonic() - started


# --- Blocks: the unit of work ---------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """BLOCK_DAYS consecutive days, their case counts, and the ids their cases get."""

    index: int
    days: tuple[date, ...]
    counts: tuple[int, ...]
    first_id: int

    @property
    def n(self) -> int:
        return sum(self.counts)


def plan(n: int, *, years: float, until: datetime, first_id: int) -> list[Block]:
    """Split n cases over the days (exactly, by weight) and the days into blocks."""
    last_day = (until - timedelta(seconds=1)).date()
    span = max(1, round(years * 365.25))
    days = [last_day - timedelta(days=span - 1 - i) for i in range(span)]
    weights = [
        (1.0 if calendar.is_workday(d) else OFF_DAY_WEIGHT) * (1 + GROWTH_PER_YEAR * i / 365.25)
        for i, d in enumerate(days)
    ]
    counts = allocate(weights, n)
    blocks = []
    next_id = first_id
    for index, start in enumerate(range(0, span, BLOCK_DAYS)):
        block = Block(
            index, tuple(days[start : start + BLOCK_DAYS]), tuple(counts[start : start + BLOCK_DAYS]), next_id
        )
        blocks.append(block)
        next_id += block.n
    return blocks


@dataclass
class Tally:
    cases: int = 0
    events: int = 0
    write_seconds: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    def add(self, other: Tally) -> None:
        self.cases += other.cases
        self.events += other.events
        self.write_seconds += other.write_seconds
        self.overdue += other.overdue
        for k, v in other.by_status.items():
            self.by_status[k] = self.by_status.get(k, 0) + v


def run_blocks(
    drawer: Drawer, blocks: Sequence[Block], *, chunk: int = CHUNK, out: Out | None = None
) -> Tally:
    """Draw and write these blocks' cases and events (in the current transaction)."""
    cases_out = Writer(Case, drawer.case_columns)
    events_out = Writer(CaseEvent, drawer.event_columns)
    tally = Tally()
    rows: list[tuple] = []
    event_rows: list[tuple] = []

    def flush() -> None:
        t = time.monotonic()
        cases_out.write(rows)
        events_out.write(event_rows)
        tally.write_seconds += time.monotonic() - t
        tally.cases += len(rows)
        tally.events += len(event_rows)
        rows.clear()
        event_rows.clear()
        if out is not None:
            out(f"  generate: {tally.cases} cases, {tally.events} events")

    drawer.by_status, drawer.overdue = tally.by_status, 0
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived tuples: the cyclic collector would cost a third of the time
    try:
        _draw_blocks(drawer, blocks, rows, event_rows, chunk, flush)
    finally:
        if collecting:
            gc.enable()
    flush()
    tally.overdue = drawer.overdue
    return tally


def _draw_blocks(
    drawer: Drawer,
    blocks: Sequence[Block],
    rows: list[tuple],
    event_rows: list[tuple],
    chunk: int,
    flush: Callable[[], None],
) -> None:
    for block in blocks:
        drawer.start(block)
        case_id = block.first_id
        for t0, channel in drawer.arrivals(block):
            row, evs = drawer.case(case_id, t0, channel)
            rows.append(row)
            event_rows.extend(evs)
            case_id += 1
            if len(rows) >= chunk:
                flush()


# --- PostgreSQL bulk load: secondary indexes and foreign keys off while loading --------------------


def _tables() -> list[str]:
    return [Case._meta.db_table, CaseEvent._meta.db_table]


def _pg_deferrable_ddl() -> list[tuple[str, str]]:
    """(drop, create) statements for the foreign keys on, and the indexes of, the case tables that
    do not back a primary key or unique constraint; exactly as Django created them."""
    qn = connection.ops.quote_name
    ddl: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [_tables()],
        )
        fks = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [_tables()],
        )
        indexes = cursor.fetchall()
    for name, definition in indexes:
        ddl.append((f"DROP INDEX {name}", definition))
    for table, name, definition in fks:
        ddl.append(
            (
                f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}",
                f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}",
            )
        )
    return ddl


def _execute(statements: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _worker(drawer: Drawer, blocks: list[Block], chunk: int, results: Any) -> None:
    from django.db import close_old_connections, transaction

    close_old_connections()
    try:
        with transaction.atomic():
            tally = run_blocks(drawer, blocks, chunk=chunk)
        results.put(("ok", tally))
    except BaseException as exc:  # report to the parent, which raises
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def _parallel(drawer: Drawer, blocks: list[Block], workers: int, chunk: int) -> Tally:
    import multiprocessing

    from django.db import connections

    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    connections.close_all()  # the children open their own
    shares = [blocks[i::workers] for i in range(workers)]
    procs = [ctx.Process(target=_worker, args=(drawer, share, chunk, results)) for share in shares if share]
    for proc in procs:
        proc.start()
    tally = Tally()
    errors = []
    for _ in procs:
        status, value = results.get()
        if status == "ok":
            tally.add(value)
        else:
            errors.append(value)
    for proc in procs:
        proc.join()
    if errors:
        raise RuntimeError("generator worker failed: " + "; ".join(errors))
    return tally


def generate(
    n: int,
    *,
    seed: int = 1,
    until: datetime | None = None,
    years: float = 5.0,
    events: str = "create",
    chunk: int = CHUNK,
    run_analyze: bool = True,
    bulk: bool = False,
    workers: int = 1,
    out: Out | None = None,
) -> Result:
    """Add `n` cases (and their events) to the database; see the module docstring.

    By default everything happens in the caller's transaction. `bulk=True` (PostgreSQL, outside a
    transaction) drops the case tables' secondary indexes and foreign keys, loads with `workers`
    processes (each in its own transaction), then recreates them exactly and validates the keys.
    """
    started = time.monotonic()
    until = (until or default_until()).astimezone(calendar.TZ)
    postgres = connection.vendor == "postgresql"
    if bulk and (not postgres or connection.in_atomic_block):
        raise ValueError("bulk=True needs PostgreSQL and autocommit (not inside a transaction)")
    if workers > 1 and not bulk:
        raise ValueError("workers > 1 needs bulk=True")
    world = World()
    drawer = Drawer(world, seed=seed, until=until, events=events)
    blocks = plan(n, years=years, until=until, first_id=_next_id(Case))
    result = Result(
        method=("COPY" if postgres else "executemany") + (f", {workers} processes" if workers > 1 else "")
    )
    result.first_id = blocks[0].first_id if blocks else None
    rebuild = 0.0
    if bulk:
        ddl = _pg_deferrable_ddl()
        _execute(drop for drop, _ in ddl)
        try:
            if workers > 1:
                tally = _parallel(drawer, blocks, workers, chunk)
            else:
                from django.db import transaction

                with transaction.atomic():
                    tally = run_blocks(drawer, blocks, chunk=chunk, out=out)
        finally:
            t = time.monotonic()
            _execute(["SET maintenance_work_mem = '512MB'"])
            _execute(create for _, create in ddl)
            rebuild = time.monotonic() - t
    else:
        tally = run_blocks(drawer, blocks, chunk=chunk, out=out)
    result.cases, result.events = tally.cases, tally.events
    result.last_id = result.first_id + tally.cases - 1 if tally.cases and result.first_id else None
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case, CaseEvent]):
            cursor.execute(sql)
    result.write_seconds = tally.write_seconds
    result.rebuild_seconds = rebuild
    if run_analyze:
        result.analyze_seconds = analyze()
    result.by_status = tally.by_status
    result.overdue = tally.overdue
    result.seconds = time.monotonic() - started
    result.generate_seconds = result.seconds - rebuild - result.analyze_seconds
    return result
