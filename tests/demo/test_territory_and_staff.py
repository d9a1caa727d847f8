"""The demo territory and staff: exact counts, valid codes, polygons that tile, demo logins."""

from __future__ import annotations

from collections import Counter

import pytest
import shapely
from django.contrib.auth import authenticate
from shapely.geometry import shape

from tests.demo.conftest import Built
from zhizhi.accounts.models import Role, User
from zhizhi.demo.builder.territory import TOWN_CODE
from zhizhi.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, demo_accounts
from zhizhi.territory import codes, locate
from zhizhi.territory.models import Level, Region, VillageKind

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def demo(shared_demo: Built) -> Built:
    return shared_demo


def test_territory_has_the_seed_counts(demo: Built) -> None:
    levels = Counter(Region.objects.values_list("level", flat=True))
    assert levels == {Level.TOWN: 1, Level.VILLAGE: 35, Level.GRID: 52, Level.MICRO_GRID: 238}
    kinds = Counter(Region.objects.filter(level=Level.VILLAGE).values_list("kind", flat=True))
    assert kinds == {VillageKind.VILLAGE: 28, VillageKind.COMMUNITY: 7}
    names = set(Region.objects.filter(level=Level.VILLAGE).values_list("name", flat=True))
    assert {
        "杜庄村",
        "台门社区",
        "万金社区",
        "五星村",
        "青山村",
        "滚龙岙村",
        "苍洞村",
        "佛渡村",
        "悬山村",
    } <= names


def test_codes_paths_and_depths_are_what_region_save_computes(demo: Built) -> None:
    town = Region.objects.get(code=TOWN_CODE)
    assert (town.name, town.parent_id, town.path, town.depth) == ("六横镇", None, f"/{TOWN_CODE}/", 0)
    for region in Region.objects.select_related("parent").exclude(pk=town.pk):
        assert region.path == region.build_path()
        assert region.depth == region.path.count("/") - 2
        assert region.code.startswith(TOWN_CODE[:9])
        codes.validate_code(region.code, region.level, region.parent.code if region.parent else None)


def test_children_tile_their_parent_without_overlap(demo: Built) -> None:
    regions = list(Region.objects.exclude(level=Level.MICRO_GRID))
    geoms = {r.pk: shape(r.boundary) for r in Region.objects.all()}
    for parent in regions:
        children = [geoms[pk] for pk in Region.objects.filter(parent=parent).values_list("id", flat=True)]
        union = shapely.union_all(children)
        assert sum(c.area for c in children) == pytest.approx(geoms[parent.pk].area, rel=1e-6)
        assert union.symmetric_difference(geoms[parent.pk]).area == pytest.approx(0, abs=1e-12)
    minx, miny, maxx, maxy = geoms[Region.objects.get(code=TOWN_CODE).pk].bounds
    assert (minx, miny, maxx, maxy) == (122.05, 29.65, 122.25, 29.8)


def test_every_micro_grid_center_locates_to_itself(demo: Built) -> None:
    micro = list(Region.objects.filter(level=Level.MICRO_GRID).values_list("id", "center_lon", "center_lat"))
    assert locate.locate_many([(lon, lat) for _, lon, lat in micro]) == [pk for pk, _, _ in micro]
    first = Region.objects.filter(level=Level.MICRO_GRID).first()
    assert first is not None
    assert locate.locate(first.center_lon, first.center_lat) == first


def test_staff_per_role(demo: Built) -> None:
    ids = set(demo.build.users.values_list("id", flat=True))
    users = User.objects.filter(id__in=ids)
    roles = Counter(users.values_list("role", flat=True))
    assert roles[Role.DISPATCHER] == 4
    assert roles[Role.HOTLINE_OPERATOR] == 6
    assert roles[Role.LEADER] == 2
    assert roles[Role.ADMIN] == 1
    assert roles[Role.VILLAGE_CADRE] == 35
    assert 52 * 2 <= roles[Role.GRID_WORKER] <= 52 * 4
    for grid in Region.objects.filter(level=Level.GRID):
        assert 2 <= users.filter(role=Role.GRID_WORKER, regions=grid).count() <= 4
    for village in Region.objects.filter(level=Level.VILLAGE):
        assert users.filter(role=Role.VILLAGE_CADRE, regions=village).count() == 1
    per_dept = Counter(users.filter(role=Role.HANDLER).values_list("departments__code", flat=True))
    assert per_dept
    assert all(2 <= n <= 5 for n in per_dept.values())
    assert all(u.display_name and u.phone for u in users)


def test_demo_logins_open_with_the_demo_password_and_nobody_else_does(demo: Built) -> None:
    for username, role in DEMO_LOGINS:
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert user.role == role
        assert (user.is_staff, user.is_superuser) == ((True, True) if role == Role.ADMIN else (False, False))
    others = User.objects.exclude(username__in=[u for u, _ in DEMO_LOGINS])
    assert others.exists()
    assert not any(u.has_usable_password() for u in others)
    assert [a.username for a in demo_accounts()] == [u for u, _ in DEMO_LOGINS]
    assert User.objects.get(username="grid").regions.get().name == "杜庄村第1网格"
    assert User.objects.get(username="cadre").regions.get().name == "杜庄村"
    assert User.objects.get(username="handler").departments.get().code == "enforcement"
