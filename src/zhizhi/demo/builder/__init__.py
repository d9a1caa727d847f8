"""`zhizhi demo`: a deterministic synthetic township (六横镇) at the scale of its 2023 summary.

Everything derives from the seed and the year: random.Random and Faker("zh_CN") are seeded, and
every generated timestamp lies in the demo year (the clock is never read for generated data) — but
for the petition backlog cases registered in the two years before it (`zhizhi.petitions.demo`).
The territory and staff are written first, then a year of cases through the real workflow, the
domain demos (safety, hotline, petitions, mediation), then the SLA sweep as of the last second of the
year. One transaction; a `DemoBuild` row records it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from faker import Faker

from zhizhi.accounts.models import Department, PersonalDataAccess, User
from zhizhi.cases import sla
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.core import calendar
from zhizhi.demo.builder import cases, staff, summary, territory
from zhizhi.demo.logins import DEMO_USERNAMES
from zhizhi.demo.models import DemoBuild
from zhizhi.hotline import demo as hotline_demo
from zhizhi.mediation import demo as mediation_demo
from zhizhi.petitions import demo as petitions_demo
from zhizhi.safety import demo as safety_demo
from zhizhi.territory.locate import batch_changes
from zhizhi.territory.models import Region

Out = Callable[[str], None]


class DemoError(Exception):
    """The demo cannot be built here (data exists, names taken, …); the message says why."""


@dataclass(frozen=True)
class Result:
    build: DemoBuild
    table: str


def end_of_year(year: int) -> datetime:
    return datetime(year, 12, 31, 23, 59, 59, tzinfo=calendar.TZ)


def has_data() -> bool:
    return Region.objects.exists() or Case.objects.exists() or DemoBuild.objects.exists()


def reset(out: Out = print) -> dict[str, int]:
    """Delete what previous demo builds created: their cases, staff and territory."""
    user_ids = set(DemoBuild.users.through.objects.values_list("user_id", flat=True))
    towns = set(DemoBuild.objects.values_list("town_code", flat=True)) | {territory.TOWN_CODE}
    paths = list(Region.objects.filter(code__in=towns, parent__isnull=True).values_list("path", flat=True))
    deleted: dict[str, int] = {}
    with transaction.atomic(), batch_changes():
        deleted.update(safety_demo.reset_safety(paths))
        deleted.update(hotline_demo.reset_hotline(paths))
        deleted.update(petitions_demo.reset_petitions(paths))
        deleted.update(mediation_demo.reset_disputes(paths))
        case_q = Case.objects.none()
        for path in paths:
            case_q |= Case.objects.filter(region_path__startswith=path)
        case_q |= Case.objects.filter(created_by_id__in=user_ids) | Case.objects.filter(
            assignee_id__in=user_ids
        )
        ids = case_q.values("id")
        Case.objects.filter(parent_id__in=ids).update(parent=None)
        deleted["events"] = CaseEvent.objects.filter(case_id__in=ids).delete()[0]
        deleted["cases"] = Case.objects.filter(id__in=ids).delete()[1].get(Case._meta.label, 0)
        PersonalDataAccess.objects.filter(user_id__in=user_ids).delete()
        DemoBuild.objects.all().delete()
        deleted["users"] = User.objects.filter(id__in=user_ids).delete()[1].get(User._meta.label, 0)
        n = 0
        for path in paths:
            subtree = Region.objects.filter(path__startswith=path)
            for depth in sorted(set(subtree.values_list("depth", flat=True)), reverse=True):
                n += subtree.filter(depth=depth).delete()[1].get(Region._meta.label, 0)
        deleted["regions"] = n
    out(f"reset: deleted {deleted}")
    return deleted


def analyze() -> None:
    """Planner statistics for the rows the build has just written, as after any bulk load (PostgreSQL;
    inside the build's transaction ANALYZE samples them too). Without them the build's later steps
    and the first figures after it were planned for empty tables: a safety register count took
    139 s at scale 0.2, where it takes milliseconds. SQLite plans well enough without."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def build(*, seed: int, year: int, scale: float, out: Out = print) -> Result:
    started = time.monotonic()
    if not 0 < scale <= 10:
        raise DemoError("--scale must be in (0, 10]")
    taken = sorted(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))
    if taken:
        raise DemoError(f"these usernames are taken already: {', '.join(taken)}")
    departments = list(Department.objects.filter(is_active=True).order_by("code"))
    if not departments:
        raise DemoError("no departments: run `zhizhi migrate` first (it seeds the taxonomy)")
    with transaction.atomic(), batch_changes():
        t = time.monotonic()
        land = territory.build()
        out(
            f"territory: 1 town, {len(land.villages)} villages, {len(land.grids)} grids, "
            f"{len(land.micro_grids)} micro-grids ({time.monotonic() - t:.1f} s)"
        )
        t = time.monotonic()
        fake_staff = Faker("zh_CN")
        fake_staff.seed_instance(seed)
        people = staff.build(land, departments, random.Random(f"{seed}:staff"), fake_staff, year)
        out(f"staff: {len(people.users)} users ({time.monotonic() - t:.1f} s)")
        t = time.monotonic()
        fake_cases = Faker("zh_CN")
        fake_cases.seed_instance(seed + 1)
        until = end_of_year(year)
        world = cases.World(
            year=year,
            scale=scale,
            until=until,
            territory=land,
            staff=people,
            departments=departments,
            rng=random.Random(f"{seed}:cases"),
            fake=fake_cases,
            out=out,
        )
        written = cases.build(world)
        out(f"cases: {written.cases} cases, {written.events} events ({time.monotonic() - t:.1f} s)")
        analyze()
        safety_demo.build_safety(seed=seed, year=year, scale=scale, stdout=out)
        hotline_demo.build_hotline(town=land.town, seed=seed, year=year, scale=scale, stdout=out)
        petitions_demo.build_petitions(town=land.town, seed=seed, year=year, scale=scale, stdout=out)
        mediation_demo.build_disputes(town=land.town, seed=seed, year=year, scale=scale, stdout=out)
        analyze()
        swept = sla.sweep(now=until)
        out(
            f"sweep as of {until.isoformat()}: overdue {swept.newly_overdue}, due soon {swept.due_soon}, "
            f"response breached {swept.response_breached}"
        )
        user_ids = [u.pk for u in people.users]
        counts = summary.counts(land.town.path, user_ids)
        digest = summary.digest(land.town.path)
        seconds = time.monotonic() - started
        record = DemoBuild.objects.create(
            seed=seed,
            year=year,
            scale=scale,
            town_code=land.town.code,
            seconds=round(seconds, 2),
            counts=counts,
            digest=digest,
        )
        DemoBuild.users.through.objects.bulk_create(
            [DemoBuild.users.through(demobuild_id=record.pk, user_id=pk) for pk in user_ids], batch_size=500
        )
    return Result(build=record, table=summary.table(counts, seconds, digest))
