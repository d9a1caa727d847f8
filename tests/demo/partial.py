"""A partial demo build for the domain demos' tests: the demo territory and staff only (no year of
cases, no safety or hotline data), so a domain's year can be built at full scale quickly."""

from __future__ import annotations

import random

from faker import Faker

from zhizhi.accounts.models import Department
from zhizhi.demo.builder import staff, territory
from zhizhi.territory.models import Region


def town_with_staff(*, seed: int = 7, year: int = 2023) -> Region:
    land = territory.build()
    departments = list(Department.objects.filter(is_active=True).order_by("code"))
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    staff.build(land, departments, random.Random(f"{seed}:staff"), fake, year)
    return land.town
