"""Demo staff: grid teams (1+3+N), village cadres, the 综治中心 dispatchers, department handlers,
hotline operators, leaders and one administrator.

One account per role has a fixed username and the demo password (see `zhizhi.demo.logins`);
everybody else has an unusable password. The password is hashed once and the hash reused.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.hashers import make_password
from faker import Faker

from zhizhi.accounts.models import Department, Role, User
from zhizhi.demo.builder.territory import Territory
from zhizhi.demo.logins import DEMO_LOGINS, DEMO_PASSWORD

DISPATCHERS = 4
OPERATORS = 6
LEADERS = 2
# Handlers per department (2–5); a department not listed here gets 2–4 drawn from the seed.
HANDLERS: dict[str, int] = {
    "enforcement": 5,
    "peace_law": 5,
    "emergency": 4,
    "construction": 4,
    "social_affairs": 4,
    "agri_fishery": 4,
    "market": 3,
    "environment": 3,
    "public_service": 3,
    "party": 2,
}
# The fixed demo logins work in this village (its cadre, the lead of its first grid) and department.
DEMO_VILLAGE = "杜庄村"
DEMO_HANDLER_DEPARTMENT = "enforcement"


@dataclass
class Staff:
    users: list[User] = field(default_factory=list)
    by_username: dict[str, User] = field(default_factory=dict)
    admin: User | None = None
    leaders: list[User] = field(default_factory=list)
    dispatchers: list[User] = field(default_factory=list)
    operators: list[User] = field(default_factory=list)
    handlers: dict[int, list[User]] = field(default_factory=dict)  # department id → handlers
    cadres: dict[int, User] = field(default_factory=dict)  # village id → cadre
    grid_teams: dict[int, list[User]] = field(default_factory=dict)  # grid id → [lead, members…]


def _local(year: int) -> datetime:
    from zhizhi.core.calendar import TZ

    return datetime(year, 1, 1, 8, 0, tzinfo=TZ)


def build(
    territory: Territory, departments: list[Department], rng: random.Random, fake: Faker, year: int
) -> Staff:
    demo_hash = make_password(DEMO_PASSWORD)
    fixed = {role: username for username, role in DEMO_LOGINS}
    joined = _local(year)
    staff = Staff()
    regions_of: dict[str, list[int]] = defaultdict(list)
    departments_of: dict[str, list[int]] = defaultdict(list)

    def add(username: str, role: str, *, regions: tuple[int, ...] = (), depts: tuple[int, ...] = ()) -> User:
        demo = username in fixed.values()
        user = User(
            username=username,
            role=role,
            display_name=fake.name(),
            phone=fake.phone_number(),
            password=demo_hash if demo else make_password(None),
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
            date_joined=joined,
        )
        staff.users.append(user)
        staff.by_username[username] = user
        regions_of[username].extend(regions)
        departments_of[username].extend(depts)
        return user

    town = territory.town.pk
    staff.admin = add(fixed[Role.ADMIN], Role.ADMIN)
    staff.leaders = [add(_name(fixed[Role.LEADER], i), Role.LEADER, regions=(town,)) for i in range(LEADERS)]
    staff.dispatchers = [
        add(_name(fixed[Role.DISPATCHER], i), Role.DISPATCHER, regions=(town,)) for i in range(DISPATCHERS)
    ]
    staff.operators = [
        add(_name(fixed[Role.HOTLINE_OPERATOR], i), Role.HOTLINE_OPERATOR, regions=(town,))
        for i in range(OPERATORS)
    ]
    # The demo handler first, so that `handler` is the first of its department.
    ordered = sorted(departments, key=lambda d: (d.code != DEMO_HANDLER_DEPARTMENT, d.code))
    for dept in ordered:
        n = HANDLERS.get(dept.code) or rng.randint(2, 4)
        team = []
        for i in range(n):
            if dept.code == DEMO_HANDLER_DEPARTMENT and i == 0:
                username = fixed[Role.HANDLER]
            else:
                username = f"handler-{dept.code}-{i + 1}"
            team.append(add(username, Role.HANDLER, depts=(dept.pk,)))
        staff.handlers[dept.pk] = team
    demo_village = next((v for v in territory.villages if v.name == DEMO_VILLAGE), territory.villages[0])
    demo_grid = next(g for g in territory.grids if g.parent_id == demo_village.pk)
    for village in territory.villages:
        username = fixed[Role.VILLAGE_CADRE] if village == demo_village else f"cadre-{village.code}"
        staff.cadres[village.pk] = add(username, Role.VILLAGE_CADRE, regions=(village.pk,))
    for grid in territory.grids:
        # 1+3+N: the grid lead (网格长) and one to three more grid workers.
        team = []
        for n in range(1 + rng.randint(1, 3)):
            username = (
                fixed[Role.GRID_WORKER] if grid == demo_grid and n == 0 else f"grid-{grid.code}-{n + 1}"
            )
            team.append(add(username, Role.GRID_WORKER, regions=(grid.pk,)))
        staff.grid_teams[grid.pk] = team

    User.objects.bulk_create(staff.users, batch_size=500)
    region_links = [
        User.regions.through(user_id=u.pk, region_id=r) for u in staff.users for r in regions_of[u.username]
    ]
    User.regions.through.objects.bulk_create(region_links, batch_size=500)
    dept_links = [
        User.departments.through(user_id=u.pk, department_id=d)
        for u in staff.users
        for d in departments_of[u.username]
    ]
    User.departments.through.objects.bulk_create(dept_links, batch_size=500)
    return staff


def _name(base: str, i: int) -> str:
    return base if i == 0 else f"{base}-{i + 1}"
