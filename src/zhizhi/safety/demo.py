"""The safety part of `zhizhi demo`: registers, a year of inspections, hazards and enforcement,
calibrated to the seed's workplace-safety figures (all × scale):

- a register (底数清单) of 1,357 listed enterprises; 2,176 enterprises inspected in the year (the
  listed ones — 全覆盖 — and 819 found in the field), with 2,699 hazards;
- 5,155 individual businesses, every one checked, every hazard found on them rectified;
- the 大排查大整治 campaign (April–September): 87 major hazards (挂牌督办, governance plans,
  acceptance), 54 businesses suspended, 4 cases filed, 3 people detained;
- the joint gas-safety campaign (77 units) and the fire night checks (53 street shops,
  12 group rentals, 2 entertainment venues, 4 enterprises, 5 commercial complexes);
- after the "10.12" accident, a sweep from 13 October: 602 inspections, 122 patrols,
  699 hazards found and 694 rectified by the end of the year.

Deterministic from the seed (random.Random and Faker seeded; no clock is read for generated data).
Hazards are cases played through the real `hazard` workflow in memory (`Life.act`: the table, the
scope rules, the guards and the real effects of `zhizhi.safety.hazards`), then bulk-inserted with
their details and events, exactly as the services would have written them. Steps later than the end
of the year are not taken: those hazards are still open.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q
from faker import Faker

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases import services as case_services
from zhizhi.cases import sla
from zhizhi.cases.models import Case, CaseEvent, Category, Priority, SlaPolicy
from zhizhi.core import calendar
from zhizhi.core.personal import normalize_phone
from zhizhi.safety import demo_texts as tx
from zhizhi.safety import hazards, uscc
from zhizhi.safety.models import (
    Campaign,
    CampaignKind,
    Committee,
    EnforcementAction,
    EnforcementKind,
    Grade,
    HazardDetail,
    Inspection,
    InspectionKind,
    InspectionTask,
    Organisation,
    OrgKind,
    OrgStatus,
    RiskLevel,
    Venue,
)
from zhizhi.safety.services import HAZARD_DEPARTMENT, hazard_title, record_event_data
from zhizhi.safety.workflow import HAZARD, HAZARD_WORKFLOW
from zhizhi.territory.models import Level, Region

Out = Callable[[str], None]

TOWN_CODE = "330903107000"
COUNTY = "330903"  # 普陀区: the registering authority's region in every USCC

# The seed's figures (2023).
LISTED_ENTERPRISES = 1357
ENTERPRISES_INSPECTED = 2176
ENTERPRISE_HAZARDS = 2699
INDIVIDUAL_BUSINESSES = 5155
MAJOR_HAZARDS = 87
SUSPENDED = 54
CASES_FILED = 4
DETAINED = 3
GAS_UNITS = 77
NIGHT_UNITS = {"shop": 53, "rental_housing": 12, "entertainment": 2, "enterprise": 4, "commercial_complex": 5}
POST_INSPECTIONS = 602
POST_PATROLS = 122
POST_HAZARDS = 699
POST_RECTIFIED = 694
# Assumptions (the seed does not say).
POST_ON_ENTERPRISES = 0.6  # share of the post-accident checks made on enterprises
POST_ENTERPRISE_HAZARDS = 420  # of the 699
SWEEP_ENTERPRISES = 600  # enterprises checked in the 大排查大整治 campaign
SECOND_CHECK = 0.35  # listed enterprises checked twice in the routine plan
MAJOR_ORGANISATIONS = 60  # distinct enterprises with the 87 major hazards
INDIVIDUAL_HAZARD_RATE = 0.12  # hazards per individual business checked
LATE, FAIL, SUPERVISED, OWN_DEADLINE = 0.01, 0.06, 0.04, 0.3


class SafetyDemoError(RuntimeError):
    """The generator tried something the real services would refuse (a bug in the generator)."""


def n(x: float, scale: float) -> int:
    return round(x * scale)


# --- The town and its staff, read back from the database ------------------------------------------


@dataclass
class Cast:
    town: Region
    micro_grids: list[Region]
    grid_of: dict[int, int]  # micro-grid id → grid id
    village_of: dict[int, Region]  # micro-grid id → village
    grid_teams: dict[int, list[User]]  # grid id → grid workers
    inspectors: list[User]  # handlers of `emergency`: the safety inspectors
    enforcers: list[User]
    dispatchers: list[User]
    leaders: list[User]
    department: Department
    categories: dict[str, Category]
    committees: dict[str, Committee]
    boxes: dict[int, tuple[float, float, float, float]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Cast:
        town = Region.objects.filter(code=TOWN_CODE, parent__isnull=True).first()
        if town is None:
            raise SafetyDemoError(f"no demo town {TOWN_CODE}")
        regions = {r.pk: r for r in Region.objects.filter(path__startswith=town.path)}
        micro = sorted((r for r in regions.values() if r.level == Level.MICRO_GRID), key=lambda r: r.code)
        grid_of = {m.pk: m.parent_id for m in micro if m.parent_id is not None}
        village_of = {m.pk: regions[regions[grid_of[m.pk]].parent_id] for m in micro}  # type: ignore[index]
        teams: dict[int, list[User]] = defaultdict(list)
        links = (
            User.regions.through.objects.filter(
                region_id__in=set(grid_of.values()), user__role=Role.GRID_WORKER
            )
            .select_related("user")
            .order_by("user__username")
        )
        for link in links:
            if link.user.is_active:
                teams[link.region_id].append(link.user)
        users = User.objects.filter(is_active=True).order_by("username")

        def dept(code: str) -> list[User]:
            return list(users.filter(role=Role.HANDLER, departments__code=code))

        department = Department.objects.filter(code=HAZARD_DEPARTMENT, is_active=True).first()
        town_staff = users.filter(regions=town)
        cast = cls(
            town=town,
            micro_grids=micro,
            grid_of=grid_of,
            village_of=village_of,
            grid_teams=dict(teams),
            inspectors=dept(HAZARD_DEPARTMENT),
            enforcers=dept(HAZARD_DEPARTMENT) + dept("enforcement"),
            dispatchers=list(town_staff.filter(role=Role.DISPATCHER)),
            leaders=list(town_staff.filter(role=Role.LEADER)),
            department=department,  # type: ignore[arg-type]
            categories={
                c.code: c for c in Category.objects.filter(code__in=tx.HAZARDS).select_related("parent")
            },
            committees={c.code: c for c in Committee.objects.all()},
        )
        missing = [
            what
            for what, ok in (
                ("micro-grids", micro),
                ("grid workers", all(teams.get(g) for g in set(grid_of.values()))),
                ("safety inspectors (emergency handlers)", cast.inspectors),
                ("dispatchers", cast.dispatchers),
                ("leaders", cast.leaders),
                ("the emergency department", department),
                ("hazard categories", len(cast.categories) == len(tx.HAZARDS)),
                ("committees", len(cast.committees) >= 8),
            )
            if not ok
        ]
        if missing:
            raise SafetyDemoError("cannot build the safety demo without " + ", ".join(missing))
        for m in micro:
            ring = (m.boundary or {}).get("coordinates", [[]])[0]
            if ring:
                lons, lats = [p[0] for p in ring], [p[1] for p in ring]
                cast.boxes[m.pk] = (min(lons), min(lats), max(lons), max(lats))
        return cast

    def point(self, micro: Region, rng: random.Random) -> tuple[float | None, float | None]:
        box = self.boxes.get(micro.pk)
        if box is None:
            return None, None
        lon0, lat0, lon1, lat1 = box
        # Well inside the rectangle, never on an edge shared with a neighbour.
        return (
            round(lon0 + (lon1 - lon0) * rng.uniform(0.05, 0.95), 6),
            round(lat0 + (lat1 - lat0) * rng.uniform(0.05, 0.95), 6),
        )


# --- Time ------------------------------------------------------------------------------------------


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=calendar.TZ)


def daytime(day: date, rng: random.Random, start: int = 8, end: int = 17) -> datetime:
    return _at(day, rng.randint(start, end - 1), rng.randrange(60))


def workdays(start: date, end: date) -> list[date]:
    days, d = [], start
    while d <= end:
        if calendar.is_workday(d):
            days.append(d)
        d += timedelta(days=1)
    return days


def span(rng: random.Random, lo_minutes: float, hi_minutes: float) -> timedelta:
    return timedelta(seconds=rng.randint(int(lo_minutes * 60), int(hi_minutes * 60)))


def office(at: datetime, rng: random.Random) -> datetime:
    """`at`, or 08:00–09:00 of the next morning if it falls outside 08:00–18:00 local time."""
    local = at.astimezone(calendar.TZ)
    if 8 <= local.hour < 18:
        return at
    day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    return _at(day, 8) + span(rng, 0, 50)


# --- Organisations ---------------------------------------------------------------------------------

_B31 = uscc.ALPHABET


def _body(i: int) -> str:
    out = ""
    for _ in range(6):
        i, r = divmod(i, 31)
        out = _B31[r] + out
    return out


def code_for(kind: str, i: int) -> str:
    prefix = "91" if kind == OrgKind.ENTERPRISE else "92"
    return uscc.make(f"{prefix}{COUNTY}MA2{_body(i)}")


@dataclass
class Registry:
    enterprises: list[Organisation] = field(default_factory=list)  # listed first, then unlisted
    individuals: list[Organisation] = field(default_factory=list)
    rentals: list[Organisation] = field(default_factory=list)
    complexes: list[Organisation] = field(default_factory=list)  # among the enterprises
    entertainment: list[Organisation] = field(default_factory=list)  # among the enterprises

    @property
    def all(self) -> list[Organisation]:
        return self.enterprises + self.individuals + self.rentals


def _pick(profiles: tuple[tuple[str, int, str, str, tuple[str, ...]], ...], rng: random.Random) -> Any:
    return rng.choices(profiles, weights=[p[1] for p in profiles])[0]


def build_register(cast: Cast, scale: float, year: int, rng: random.Random, fake: Faker) -> Registry:
    reg = Registry()
    created = _at(date(year, 1, 1), 8)
    risk = [RiskLevel.LOW, RiskLevel.GENERAL, RiskLevel.HIGHER, RiskLevel.MAJOR]

    def place(org: Organisation) -> Organisation:
        micro = rng.choice(cast.micro_grids)
        org.region, org.region_path = micro, micro.path
        org.lon, org.lat = cast.point(micro, rng)
        village = cast.village_of[micro.pk].name
        org.address = f"舟山市普陀区六横镇{village}{fake.street_name()}{rng.randint(1, 299)}号"
        org.legal_rep = fake.name()
        org.phone = normalize_phone(fake.phone_number())
        org.created_at = created
        return org

    listed = n(LISTED_ENTERPRISES, scale)
    total = listed + n(ENTERPRISES_INSPECTED - LISTED_ENTERPRISES, scale)
    complexes = n(NIGHT_UNITS["commercial_complex"], scale)
    venues = n(NIGHT_UNITS["entertainment"], scale)
    for i in range(total):
        committee, _, industry, venue, stems = _pick(tx.ENTERPRISE_PROFILES, rng)
        name = f"舟山{fake.company_prefix()}{rng.choice(stems)}{rng.choice(tx.COMPANY_SUFFIXES)}"
        if i < complexes:
            committee, industry, venue = "crowded_places", "商业综合体", Venue.COMMERCIAL_COMPLEX
            name = f"六横{fake.company_prefix()}商业广场有限公司"
        elif i < complexes + venues:
            committee, industry, venue = "crowded_places", "文化娱乐", Venue.ENTERTAINMENT
            name = f"舟山{fake.company_prefix()}娱乐有限公司"
        org = place(
            Organisation(
                kind=OrgKind.ENTERPRISE,
                venue=venue,
                name=name,
                uscc=code_for(OrgKind.ENTERPRISE, i + 1),
                industry=industry,
                committee=cast.committees[committee],
                risk_level=rng.choices(risk, weights=[50, 35, 12, 3])[0],
                listed=False,
            )
        )
        reg.enterprises.append(org)
    # The register list: every special venue, then a draw of the rest (the others were found in the field).
    order = list(range(complexes + venues, total))
    rng.shuffle(order)
    for i in [*range(complexes + venues), *order][:listed]:
        reg.enterprises[i].listed = True
    reg.enterprises.sort(key=lambda o: (not o.listed, o.uscc))
    reg.complexes = [o for o in reg.enterprises if o.venue == Venue.COMMERCIAL_COMPLEX]
    reg.entertainment = [o for o in reg.enterprises if o.venue == Venue.ENTERTAINMENT]
    for i in range(n(INDIVIDUAL_BUSINESSES, scale)):
        committee, _, industry, venue, stems = _pick(tx.INDIVIDUAL_PROFILES, rng)
        org = Organisation(
            kind=OrgKind.INDIVIDUAL_BUSINESS,
            venue=venue,
            uscc=code_for(OrgKind.INDIVIDUAL_BUSINESS, i + 1),
            industry=industry,
            committee=cast.committees[committee],
            risk_level=rng.choices(risk[:3], weights=[70, 25, 5])[0],
            listed=True,
        )
        place(org)
        village = cast.village_of[org.region.pk].name.removesuffix("社区").removesuffix("村")
        org.name = f"六横{village}{fake.last_name()}记{rng.choice(stems)}"
        reg.individuals.append(org)
    for i in range(n(NIGHT_UNITS["rental_housing"], scale)):
        org = place(Organisation(kind=OrgKind.OTHER, venue=Venue.RENTAL_HOUSING, industry="房屋租赁",
                                 committee=cast.committees["fire"], listed=False))  # fmt: skip
        org.name = f"{org.address.removeprefix('舟山市普陀区六横镇')}群租房{i + 1}"
        reg.rentals.append(org)
    Organisation.objects.bulk_create(reg.all, batch_size=1000)
    return reg


# --- Campaigns and visits --------------------------------------------------------------------------


@dataclass
class HazardPlan:
    grade: str
    category: str
    description: str
    legal_basis: str
    fate: str = "auto"  # "auto": as life goes; "fix": rectified within the year; "open": still rectifying


@dataclass
class Visit:
    org: Organisation | None
    at: datetime
    campaign: Campaign | None
    inspector: User
    recorder: User
    region: Region
    kind: str = InspectionKind.CHECK
    task: InspectionTask | None = None
    hazards: list[HazardPlan] = field(default_factory=list)
    row: Inspection | None = None


@dataclass
class Campaigns:
    plan: Campaign
    sweep: Campaign
    gas: Campaign
    night: Campaign
    post: Campaign


def build_campaigns(cast: Cast, year: int) -> Campaigns:
    by = cast.dispatchers[0]
    made = _at(date(year, 1, 3), 9)

    def c(
        name: str, kind: str, start: date, end: date, committee: str | None = None, text: str = ""
    ) -> Campaign:
        return Campaign.objects.create(
            name=name, kind=kind, region=cast.town, starts_on=start, ends_on=end, description=text,
            committee=cast.committees[committee] if committee else None, created_by=by,
            created_at=min(made, _at(start, 8)),
        )  # fmt: skip

    return Campaigns(
        plan=c(f"{year}年度安全生产执法检查计划", CampaignKind.PLAN, date(year, 1, 1), date(year, 12, 31),
               text="对照底数清单，按 8 个专委会分行业领域开展企业检查全覆盖"),
        sweep=c("安全生产隐患大排查大整治专项行动", CampaignKind.CAMPAIGN, date(year, 4, 1), date(year, 9, 30),
                text="完成“厂中厂”、电气焊、有限空间等专项整治"),
        gas=c("燃气安全专项检查（联合住建、市监、公安）", CampaignKind.CAMPAIGN, date(year, 5, 15),
              date(year, 6, 30), "gas"),
        night=c("消防集中夜查行动", CampaignKind.CAMPAIGN, date(year, 7, 1), date(year, 7, 31), "fire"),
        post=c("“10.12事故”后安全生产紧急排查", CampaignKind.POST_ACCIDENT, date(year, 10, 13),
               date(year, 11, 30), text="10月13日召开安全生产紧急会议后开展"),
    )  # fmt: skip


def _hazard(committee: str, rng: random.Random, fate: str = "auto") -> HazardPlan:
    category = rng.choice(tx.CATEGORIES_BY_COMMITTEE[committee])
    descriptions, basis = tx.HAZARDS[category]
    return HazardPlan(Grade.GENERAL, category, rng.choice(descriptions), basis, fate)


def _committee_of(org: Organisation) -> str:
    if org.venue == Venue.RENTAL_HOUSING:
        return "rental"
    return org.committee.code if org.committee else "industry_trade"


def plan_visits(
    cast: Cast, reg: Registry, camps: Campaigns, scale: float, year: int, rng: random.Random
) -> list[Visit]:
    visits: list[Visit] = []

    def team(org_or_region: Organisation | Region) -> list[User]:
        region = org_or_region.region if isinstance(org_or_region, Organisation) else org_or_region
        return cast.grid_teams[cast.grid_of[region.pk]]

    def enterprise_visit(org: Organisation, at: datetime, campaign: Campaign) -> Visit:
        recorder = rng.choice(team(org)) if rng.random() < 0.7 else rng.choice(cast.dispatchers)
        return Visit(org, at, campaign, rng.choice(cast.inspectors), recorder, org.region)

    def grid_visit(
        org: Organisation, at: datetime, campaign: Campaign, with_inspector: bool = False
    ) -> Visit:
        worker = rng.choice(team(org))
        return Visit(
            org, at, campaign, rng.choice(cast.inspectors) if with_inspector else worker, worker, org.region
        )

    routine_days = workdays(date(year, 1, 3), date(year, 12, 20))
    ib_days = workdays(date(year, 2, 1), date(year, 11, 30))
    sweep_days = workdays(date(year, 4, 1), date(year, 9, 30))
    post_days = [
        date(year, 10, 13) + timedelta(days=i)
        for i in range((date(year, 11, 30) - date(year, 10, 13)).days + 1)
    ]

    # Routine plan: every enterprise once, a share of the listed ones twice; every individual business once.
    routine: list[Visit] = []
    for org in reg.enterprises:
        routine.append(enterprise_visit(org, daytime(rng.choice(routine_days), rng), camps.plan))
        if org.listed and rng.random() < SECOND_CHECK:
            routine.append(enterprise_visit(org, daytime(rng.choice(routine_days), rng), camps.plan))
    ib_visits = [grid_visit(org, daytime(rng.choice(ib_days), rng), camps.plan) for org in reg.individuals]

    # 大排查大整治: distinct enterprises, each with a task.
    candidates = [
        o for o in reg.enterprises if o.venue not in (Venue.COMMERCIAL_COMPLEX, Venue.ENTERTAINMENT)
    ]
    swept = rng.sample(candidates, min(n(SWEEP_ENTERPRISES, scale), len(candidates)))
    sweep = []
    for org in swept:
        v = enterprise_visit(org, daytime(rng.choice(sweep_days), rng), camps.sweep)
        v.task = InspectionTask(campaign=camps.sweep, organisation=org, inspector=v.inspector,
                                due_on=camps.sweep.ends_on, created_by=cast.dispatchers[0],
                                created_at=_at(camps.sweep.starts_on, 9))  # fmt: skip
        sweep.append(v)

    # Gas: restaurants and gas/hotel enterprises. Night checks: by kind of place, 19:00–22:00.
    gas_pool = [o for o in reg.individuals if o.venue == Venue.RESTAURANT]
    gas_pool += [
        o for o in reg.enterprises if o.committee and o.committee.code == "gas" or o.venue == Venue.HOTEL
    ]
    gas_units = rng.sample(gas_pool, min(n(GAS_UNITS, scale), len(gas_pool)))
    gas_days = workdays(camps.gas.starts_on, camps.gas.ends_on or camps.gas.starts_on)
    special = []
    for org in gas_units:
        at = daytime(rng.choice(gas_days), rng)
        special.append(
            enterprise_visit(org, at, camps.gas)
            if org.kind == OrgKind.ENTERPRISE
            else grid_visit(org, at, camps.gas, True)
        )
    shops = [o for o in reg.individuals if o.venue == Venue.SHOP]
    plain = [o for o in reg.enterprises if not o.venue or o.venue == Venue.WORKSHOP]
    night_units = (
        rng.sample(shops, min(n(NIGHT_UNITS["shop"], scale), len(shops)))
        + reg.rentals
        + reg.entertainment
        + rng.sample(plain, min(n(NIGHT_UNITS["enterprise"], scale), len(plain)))
        + reg.complexes
    )
    night_days = [date(year, 7, 1) + timedelta(days=i) for i in range(31)]
    for org in night_units:
        at = daytime(rng.choice(night_days), rng, 19, 22)
        special.append(
            grid_visit(org, at, camps.night, True)
            if org.kind != OrgKind.ENTERPRISE
            else enterprise_visit(org, at, camps.night)
        )

    # After the accident: checks on enterprises and on small businesses and rentals, and patrols.
    post: list[Visit] = []
    post_checks = n(POST_INSPECTIONS, scale)
    on_enterprises = round(post_checks * POST_ON_ENTERPRISES)
    small = reg.individuals + reg.rentals
    for i in range(post_checks):
        at = daytime(rng.choice(post_days), rng, 8, 20)
        if i < on_enterprises or not small:
            post.append(enterprise_visit(rng.choice(reg.enterprises), at, camps.post))
        else:
            post.append(grid_visit(rng.choice(small), at, camps.post, rng.random() < 0.5))
    for _ in range(n(POST_PATROLS, scale)):
        micro = rng.choice(cast.micro_grids)
        worker = rng.choice(team(micro))
        post.append(Visit(None, daytime(rng.choice(post_days), rng, 8, 21), camps.post, worker, worker, micro,
                          kind=InspectionKind.PATROL))  # fmt: skip

    _allot_hazards(routine, ib_visits, sweep, special, post, scale, rng)
    visits = routine + ib_visits + sweep + special + post
    visits.sort(key=lambda v: (v.at, v.recorder.username, v.org.uscc if v.org else ""))
    return visits


def _allot_hazards(
    routine: list[Visit], ib_visits: list[Visit], sweep: list[Visit], special: list[Visit], post: list[Visit],
    scale: float, rng: random.Random,
) -> None:  # fmt: skip
    """Exactly the seed's numbers of hazards, spread over the visits they belong to."""
    post_checks = [v for v in post if v.kind == InspectionKind.CHECK]
    post_ent = [v for v in post_checks if v.org and v.org.kind == OrgKind.ENTERPRISE]
    post_small = [v for v in post_checks if v.org and v.org.kind != OrgKind.ENTERPRISE]
    found, fixed = n(POST_HAZARDS, scale), n(POST_RECTIFIED, scale)
    on_ent = min(n(POST_ENTERPRISE_HAZARDS, scale), found) if post_small else found
    still_open = found - fixed
    for i in range(on_ent):
        v = rng.choice(post_ent)
        assert v.org is not None  # noqa: S101  (post_ent holds organisation checks only)
        v.hazards.append(_hazard(_committee_of(v.org), rng, "open" if i < still_open else "fix"))
    for _ in range(found - on_ent):
        v = rng.choice(post_small)
        assert v.org is not None  # noqa: S101
        v.hazards.append(_hazard(_committee_of(v.org), rng, "fix"))

    # Major hazards: in the 大排查 campaign, on MAJOR_ORGANISATIONS distinct enterprises (at least
    # as many as are suspended).
    majors = n(MAJOR_HAZARDS, scale)
    hosts = sweep[: max(min(n(MAJOR_ORGANISATIONS, scale), majors), min(n(SUSPENDED, scale), majors))]
    for i in range(majors):
        v = hosts[i] if i < len(hosts) else rng.choice(hosts)
        v.hazards.append(
            HazardPlan(Grade.MAJOR, "enterprise_hazard", rng.choice(tx.MAJOR_HAZARDS), tx.MAJOR_LEGAL_BASIS)
        )

    # The other enterprise hazards, on every other enterprise check of the year.
    others = [v for v in routine + sweep + special if v.org and v.org.kind == OrgKind.ENTERPRISE]
    for _ in range(n(ENTERPRISE_HAZARDS, scale) - on_ent - majors):
        v = rng.choice(others)
        assert v.org is not None  # noqa: S101
        v.hazards.append(_hazard(_committee_of(v.org), rng))
    # Individual businesses and rentals: every hazard rectified (全部整改到位).
    small = ib_visits + [v for v in special if v.org and v.org.kind != OrgKind.ENTERPRISE]
    for _ in range(n(INDIVIDUAL_BUSINESSES * INDIVIDUAL_HAZARD_RATE, scale)):
        v = rng.choice(small)
        assert v.org is not None  # noqa: S101
        v.hazards.append(_hazard(_committee_of(v.org), rng, "fix"))


# --- Hazard lives ----------------------------------------------------------------------------------


@dataclass
class EventRow:
    at: datetime
    actor_id: int | None
    action: str
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any]


class Clocks:
    """`sla.choose_clock` for hazards, with the matching policies cached per category and priority."""

    def __init__(self) -> None:
        self._policies: dict[tuple[int, str], list[tuple[SlaPolicy, int]]] = {}

    def __call__(self, category: Category, priority: str, start: datetime) -> sla.Clock:
        key = (category.pk, priority)
        if key not in self._policies:
            found = sla.matching_policies(HAZARD, category, None, priority)
            if not found:
                raise SafetyDemoError(f"no hazard SLA policy for {category.code}/{priority}")
            specific = [p for p in found if sla._specificity(p) > 0]
            self._policies[key] = [(p, sla._specificity(p)) for p in (specific or found)]
        policies = self._policies[key]
        candidates = [(calendar.add(start, p.target, p.unit), -spec, p.pk, p) for p, spec in policies]
        due, _, _, policy = min(candidates, key=lambda c: (c[0].at, c[1], c[2]))
        responses = [
            calendar.add(start, p.response_target, p.response_unit) for p, _ in policies if p.response_target
        ]
        if not responses:
            responses = [calendar.add(start, sla.DEFAULT_RESPONSE_TARGET, sla.DEFAULT_RESPONSE_UNIT)]
        response = min(responses, key=lambda d: d.at)
        return sla.Clock(
            policy, policy.target, policy.unit, min(response.at, due.at), due.at, due.provisional
        )


@dataclass
class Life:
    """One hazard's case, detail and timeline, played through the real workflow in memory."""

    case: Case
    detail: HazardDetail
    until: datetime
    events: list[EventRow] = field(default_factory=list)
    stopped: bool = False

    @property
    def last(self) -> datetime:
        return self.events[-1].at

    def act(self, name: str, actor: User, at: datetime, payload: dict[str, Any] | None = None) -> bool:
        """Take the action as `transition` would, if the year is not over; False (and stop) when it is."""
        if self.stopped or at > self.until:
            self.stopped = True
            return False
        if at <= self.last:
            raise SafetyDemoError(f"{name} at {at} is not after {self.last}")
        case, action = self.case, HAZARD_WORKFLOW.actions[name]
        if case.status not in action.sources:
            raise SafetyDemoError(f"{name} from {case.status}")
        if not scope.can_see_case(actor, case) or scope.action_denial(actor, case, action) is not None:
            raise SafetyDemoError(f"{actor.username} ({actor.role}) may not {name}")
        for guard in action.guards:
            check = hazards.GUARD_CHECKS.get(guard) or case_services.GUARD_CHECKS[guard]
            if not check(case, at):
                raise SafetyDemoError(f"{name}: guard {guard} fails")
        clean = case_services._clean_payload(action, payload or {})
        data: dict[str, Any] = {}
        if name in hazards.APPLY:
            hazards.APPLY[name](case, self.detail, actor, clean, at, data)
        else:
            case_services.EFFECTS[name](case, actor, clean, at, data)
        before = case.status
        case.status = action.next_status(before)
        note = clean.get("reason") or clean.get("note") or clean.get("resolution") or ""
        self.events.append(EventRow(at, actor.pk, name, before, case.status, note, data))
        return True


class Lives:
    def __init__(self, cast: Cast, year: int, rng: random.Random) -> None:
        self.cast, self.rng, self.clocks = cast, rng, Clocks()
        self.until = _at(date(year, 12, 31), 23, 59) + timedelta(seconds=59)
        self.notices = 0

    def start(self, visit: Visit, plan: HazardPlan) -> Life:
        org, at, creator = visit.org, visit.at, visit.recorder
        if org is None or visit.row is None:
            raise SafetyDemoError("a hazard needs an organisation check")
        if not scope.can_create_in(creator, org.region):
            raise SafetyDemoError(f"{creator.username} may not register cases in {org.region.code}")
        category = self.cast.categories[plan.category]
        priority = Priority.URGENT if plan.grade == Grade.MAJOR else Priority.NORMAL
        clock = self.clocks(category, priority, at)
        case = case_services.received_case(
            actor=creator, region=org.region, clock=clock, now=at, case_type=HAZARD, channel="inspection",
            category=category, nature=None, title=hazard_title(org.name, plan.description),
            description=plan.description, address=org.address, lon=org.lon, lat=org.lat, reporter_name="",
            reporter_phone="", priority=priority,
        )  # fmt: skip
        inspector = visit.inspector
        assignee = inspector if inspector in self.cast.inspectors else None
        case.department, case.assignee, case.dispatched_at = self.cast.department, assignee, at
        detail = HazardDetail(
            grade=plan.grade, organisation=org, inspection=visit.row, legal_basis=plan.legal_basis
        )
        case.hazard = detail
        life = Life(case=case, detail=detail, until=self.until)
        life.events.append(
            EventRow(
                at, creator.pk, "create", "", case.status, "", case_services.create_event_data(case, clock)
            )
        )
        life.events.append(
            EventRow(at, creator.pk, "record_hazard", case.status, case.status, "",
                     record_event_data(plan.grade, org, self.cast.department, assignee))
        )  # fmt: skip
        return life

    def handler(self, life: Life) -> User:
        return life.case.assignee or self.rng.choice(self.cast.inspectors)

    def notice(self, at: datetime) -> str:
        self.notices += 1
        return f"六横安监责改〔{at.year}〕{self.notices}号"

    def general(self, life: Life, plan: HazardPlan) -> None:
        rng, case = self.rng, life.case
        who = self.handler(life)
        forced = plan.fate in ("fix", "open")
        at = life.last + span(rng, 10, 90)
        payload: dict[str, Any] = {"notice_no": self.notice(at)}
        if rng.random() < OWN_DEADLINE:
            payload["deadline"] = (
                calendar.local_date(at) + timedelta(days=rng.randint(3, 10 if forced else 25))
            ).isoformat()
        if not life.act("notify", who, at, payload):
            return
        if not life.act("start_rectification", who, office(life.last + span(rng, 60, 30 * 60), rng)):
            return
        if not forced and rng.random() < SUPERVISED and case.due_at > life.last + timedelta(hours=6):
            at = life.last + (case.due_at - life.last) * rng.uniform(0.3, 0.7)
            life.act(
                "supervise",
                rng.choice(self.cast.dispatchers + self.cast.leaders),
                at,
                {"note": "请按期完成整改"},
            )
        if plan.fate == "open":
            return
        self._fix(life, who, forced, late=not forced and rng.random() < LATE)
        if life.stopped or case.status != "reinspected":
            return
        life.act("close", who, life.last + span(rng, 10, 24 * 60))

    def _fix(self, life: Life, who: User, forced: bool, *, late: bool) -> None:
        rng, case = self.rng, life.case
        for attempt in range(2):
            if late:
                at = case.due_at + span(rng, 60, 5 * 24 * 60)
            else:
                room = max(case.due_at - life.last, timedelta(minutes=20))
                at = life.last + min(room * rng.uniform(0.2, 0.9), room - timedelta(minutes=10))
                at = max(at, life.last + timedelta(minutes=5))
            evidence = rng.choice(tx.EVIDENCE)
            if not life.act(
                "submit_rectification",
                who,
                at,
                {"evidence": evidence, "attachments": [f"整改照片{attempt + 1}.jpg"]},
            ):
                return
            at = office(life.last + span(rng, 4 * 60, (1 if forced else 4) * 24 * 60), rng)
            if attempt == 0 and not forced and rng.random() < FAIL:
                if not life.act("reinspect_fail", who, at, {"result": rng.choice(tx.REINSPECT_FAIL)}):
                    return
                late = False
                continue
            life.act("reinspect_pass", who, at, {"result": rng.choice(tx.REINSPECT_PASS)})
            return

    def major(self, life: Life) -> None:
        rng, case, cast = self.rng, life.case, self.cast
        who = self.handler(life)
        if not life.act("notify", who, life.last + span(rng, 30, 120), {"notice_no": self.notice(life.last)}):
            return
        overseer = rng.choice(cast.leaders + cast.dispatchers)
        if not life.act("list_supervision", overseer, office(life.last + span(rng, 12 * 60, 48 * 60), rng),
                        {"note": "列为镇级挂牌督办重大隐患，限期治理"}):  # fmt: skip
            return
        found = calendar.local_date(case.received_at)
        deadline = found + timedelta(days=rng.randint(30, 100))
        if rng.random() < 0.9:
            deadline = min(deadline, date(found.year, 12, 15))
        plan = {
            "goals": "彻底消除重大事故隐患，达到安全生产条件", "measures": rng.choice(tx.PLAN_MEASURES),
            "funds": str(Decimal(rng.randint(5, 200)) / 2), "people": "企业主要负责人牵头，安全管理人员具体负责",
            "plan_deadline": deadline.isoformat(), "contingency": tx.CONTINGENCY,
        }  # fmt: skip
        if not life.act("file_plan", who, office(life.last + span(rng, 2 * 24 * 60, 8 * 24 * 60), rng), plan):
            return
        if not life.act("start_rectification", who, life.last + span(rng, 30, 8 * 60)):
            return
        self._fix(life, who, False, late=False)
        if life.stopped or case.status != "reinspected":
            return
        life.act("acceptance", rng.choice(cast.leaders + cast.dispatchers),
                 office(life.last + span(rng, 24 * 60, 5 * 24 * 60), rng), {"result": "经专家评估和现场验收，同意销号"})  # fmt: skip


# --- Writing ---------------------------------------------------------------------------------------


def _write_inspections(visits: list[Visit], rng: random.Random) -> None:
    rows = []
    for v in visits:
        committee = _committee_of(v.org) if v.org else "fire"
        items = tx.CHECKLISTS.get(committee, tx.CHECKLISTS["fire"])
        failing = min(len(v.hazards), len(items))
        checklist = [{"item": item, "passed": i >= failing} for i, item in enumerate(items)] if v.org else []
        findings = "未发现隐患" if not v.hazards else f"发现隐患 {len(v.hazards)} 处，已下达整改通知"
        if v.kind == InspectionKind.PATROL:
            findings = (
                "夜间巡查，未发现异常" if v.at.astimezone(calendar.TZ).hour >= 19 else "巡查辖区重点部位"
            )
        v.row = Inspection(
            kind=v.kind, organisation=v.org, campaign=v.campaign, task=v.task, region=v.region,
            region_path=v.region.path, inspector=v.inspector, team="", inspected_at=v.at, checklist=checklist,
            findings=findings, recorded_by=v.recorder, recorded_at=v.at + span(rng, 20, 180),
        )  # fmt: skip
        rows.append(v.row)
    # Tasks first: the inspections that fulfil them take their ids when they are inserted.
    InspectionTask.objects.bulk_create([v.task for v in visits if v.task is not None], batch_size=1000)
    Inspection.objects.bulk_create(rows, batch_size=1000)


def _write_lives(lives: list[Life]) -> int:
    cases = Case.objects.bulk_create([life.case for life in lives], batch_size=500)
    details = []
    for life, case in zip(lives, cases, strict=True):
        life.detail.case_id = case.pk
        details.append(life.detail)
    HazardDetail.objects.bulk_create(details, batch_size=1000)
    events = [
        CaseEvent(case_id=life.case.pk, at=e.at, actor_id=e.actor_id, action=e.action, from_status=e.from_status,
                  to_status=e.to_status, note=e.note, data=e.data)
        for life in lives
        for e in life.events
    ]  # fmt: skip
    CaseEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


def _enforce(
    cast: Cast, lives: list[Life], scale: float, year: int, rng: random.Random
) -> list[EnforcementAction]:
    """停产停业 of the enterprises with major hazards (lifted after acceptance), 立案 and referrals."""
    first: dict[int, Life] = {}
    for life in lives:
        if life.detail.grade == Grade.MAJOR:
            first.setdefault(life.detail.organisation.pk, life)
    hosts = list(first.values())[: n(SUSPENDED, scale)]
    records: list[EnforcementAction] = []
    last_day = date(year, 12, 31)

    def record(life: Life, kind: str, day: date, reason: str, no: str, persons: int = 0) -> None:
        records.append(EnforcementAction(
            organisation=life.detail.organisation, kind=kind, decided_on=day, document_no=no, reason=reason,
            persons_detained=persons, hazard=life.case, inspection=life.detail.inspection,
            recorded_by=rng.choice(cast.enforcers), recorded_at=_at(day, 16) + span(rng, 0, 90),
        ))  # fmt: skip

    for i, life in enumerate(hosts, start=1):
        found = calendar.local_date(life.case.received_at)
        record(life, EnforcementKind.SUSPENSION_ORDER, found + timedelta(days=1),
               "存在重大事故隐患，排除过程中无法保证安全", f"六横应急停〔{year}〕{i}号")  # fmt: skip
        accepted = life.detail.accepted_at
        if accepted is not None and calendar.local_date(accepted) < last_day:
            record(life, EnforcementKind.SUSPENSION_LIFTED, calendar.local_date(accepted) + timedelta(days=1),
                   "重大事故隐患治理完毕，经审查同意恢复生产经营", f"六横应急复〔{year}〕{i}号")  # fmt: skip
    for i, life in enumerate(hosts[: n(CASES_FILED, scale)], start=1):
        found = calendar.local_date(life.case.received_at)
        record(life, EnforcementKind.CASE_FILED, found + timedelta(days=rng.randint(5, 20)),
               "未采取措施消除事故隐患，拒不执行整改指令", f"六横应急立〔{year}〕{i}号")  # fmt: skip
    persons = n(DETAINED, scale)
    for i, life in enumerate(hosts[:2]):
        k = persons if i == 1 else min(2, persons)
        if k <= 0:
            break
        persons -= k
        found = calendar.local_date(life.case.received_at)
        record(life, EnforcementKind.POLICE_REFERRAL, found + timedelta(days=rng.randint(3, 10)),
               "拒不执行停产停业决定，涉嫌违反治安管理", f"六横应急移〔{year}〕{i + 1}号", k)  # fmt: skip
    records.sort(key=lambda r: (r.decided_on, r.document_no))
    EnforcementAction.objects.bulk_create(records, batch_size=500)
    suspended = {r.organisation_id for r in records if r.kind == EnforcementKind.SUSPENSION_ORDER}
    lifted = {r.organisation_id for r in records if r.kind == EnforcementKind.SUSPENSION_LIFTED}
    Organisation.objects.filter(pk__in=suspended - lifted).update(status=OrgStatus.SUSPENDED)
    return records


def build_safety(*, seed: int, year: int, scale: float, stdout: Out = print) -> dict[str, Any]:
    """Generate the safety demo into the demo town (inside the caller's transaction)."""
    started = time.monotonic()
    rng = random.Random(f"{seed}:safety")  # noqa: S311  (demo data, not secrets)
    fake = Faker("zh_CN")
    fake.seed_instance(seed + 7)
    cast = Cast.load()
    reg = build_register(cast, scale, year, rng, fake)
    camps = build_campaigns(cast, year)
    visits = plan_visits(cast, reg, camps, scale, year, rng)
    _write_inspections(visits, rng)
    people = Lives(cast, year, rng)
    lives: list[tuple[datetime, int, Life]] = []
    for v in visits:
        for plan in v.hazards:
            life = people.start(v, plan)
            if plan.grade == Grade.MAJOR:
                people.major(life)
            else:
                people.general(life, plan)
            if plan.fate == "fix" and life.detail.verified_at is None:
                raise SafetyDemoError(f"a hazard to fix was not fixed within the year: {plan}")
            lives.append((v.at, len(lives), life))
    ordered = [life for _, _, life in sorted(lives, key=lambda t: (t[0], t[1]))]
    events = _write_lives(ordered)
    records = _enforce(cast, ordered, scale, year, rng)
    counts = {
        "organisations": len(reg.all),
        "listed": sum(1 for o in reg.all if o.listed),
        "inspections": sum(1 for v in visits if v.kind == InspectionKind.CHECK),
        "patrols": sum(1 for v in visits if v.kind == InspectionKind.PATROL),
        "hazards": len(ordered),
        "major_hazards": sum(1 for life in ordered if life.detail.grade == Grade.MAJOR),
        "hazard_events": events,
        "enforcement": len(records),
        "campaigns": {c.name: c.pk for c in (camps.plan, camps.sweep, camps.gas, camps.night, camps.post)},
        "seconds": round(time.monotonic() - started, 2),
    }
    stdout(
        f"safety: {counts['organisations']} organisations ({counts['listed']} listed), "
        f"{counts['inspections']} inspections, {counts['patrols']} patrols, {counts['hazards']} hazards "
        f"({counts['major_hazards']} major), {events} events, {len(records)} enforcement records "
        f"({counts['seconds']:.1f} s)"
    )
    return counts


def reset_safety(paths: list[str]) -> dict[str, int]:
    """Delete the safety records of the towns under `paths` (before their cases, staff and regions)."""
    under = Q(pk__in=[])
    for p in paths:
        under |= Q(region_path__startswith=p)
    orgs = Organisation.objects.filter(under)
    campaigns = Q(pk__in=[])
    for p in paths:
        campaigns |= Q(region__path__startswith=p)
    deleted = {
        "safety_enforcements": EnforcementAction.objects.filter(organisation__in=orgs).delete()[0],
        "safety_hazard_details": HazardDetail.objects.filter(organisation__in=orgs).delete()[0],
        "safety_inspections": Inspection.objects.filter(under).delete()[0],
    }
    deleted["safety_tasks"] = InspectionTask.objects.filter(organisation__in=orgs).delete()[0]
    deleted["safety_campaigns"] = Campaign.objects.filter(campaigns).delete()[0]
    deleted["safety_organisations"] = orgs.delete()[0]
    return deleted
