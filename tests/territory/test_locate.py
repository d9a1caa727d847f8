"""Point → region on the synthetic town of squares (layout in tests/territory/util.py)."""

from __future__ import annotations

import random

import pytest
from django.core.cache import cache

from tests.caches import DownCache
from tests.territory.util import A01, A0101, A0102, A02, TOWN, VA, VB, square
from zhizhi.core import versions
from zhizhi.territory import locate, services
from zhizhi.territory.models import Region

IN_A0101 = (122.02, 29.72)
IN_A0102 = (122.07, 29.72)
IN_A02 = (122.05, 29.77)  # grid without micro-grids
IN_B = (122.15, 29.75)  # village B; its only grid has no boundary
TOWN_ONLY = (122.25, 29.75)  # inside the town, in no village
OUTSIDE = (121.90, 29.75)


def code_at(point: tuple[float, float]) -> str | None:
    region = locate.locate(*point)
    return None if region is None else region.code


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        (IN_A0101, A0101),
        (IN_A0102, A0102),
        (IN_A02, A02),
        (IN_B, VB),
        (TOWN_ONLY, TOWN),
        (OUTSIDE, None),
        ((122.05, 29.72), A0101),  # on the edge between two micro-grids: equal size, lower id wins
        ((122.00, 29.70), A0101),  # on the town's corner: boundaries count as inside
        ((122.30001, 29.75), None),
    ],
)
def test_deepest_region_wins(town, point, expected):
    assert code_at(point) == expected


def test_locate_many_matches_locate_id(town):
    points = [IN_A0101, IN_A0102, IN_A02, IN_B, TOWN_ONLY, OUTSIDE, (float("nan"), 29.75)]
    ids = {r.code: r.pk for r in Region.objects.all()}
    assert locate.locate_many(points) == [ids[A0101], ids[A0102], ids[A02], ids[VB], ids[TOWN], None, None]
    assert locate.locate_many([]) == []

    rng = random.Random(7)
    many = [(rng.uniform(121.95, 122.35), rng.uniform(29.65, 29.85)) for _ in range(3000)]
    assert locate.locate_many(many) == [locate.locate_id(lon, lat) for lon, lat in many]


def test_no_query_and_one_cache_read_per_call_once_built(town, django_assert_num_queries, monkeypatch):
    locate.locate_id(*IN_A0101)  # builds the index

    reads = []

    class Spy:
        def get(self, key, default=None):
            reads.append(key)
            return cache.get(key, default)

        def __getattr__(self, name):
            return getattr(cache, name)

    monkeypatch.setattr(versions, "cache", Spy())
    with django_assert_num_queries(0):
        assert locate.locate_id(*IN_A0102) == town.a0102.pk
        assert locate.locate_many([IN_A02, OUTSIDE]) == [town.a02.pk, None]
        assert locate.is_inside_territory(*TOWN_ONLY) is True
    assert reads == [locate.VERSION_KEY] * 3


def test_locate_answers_a_copy_of_the_indexed_row_without_a_query(town, django_assert_num_queries):
    locate.locate_id(*IN_A0101)  # builds the index
    with django_assert_num_queries(0):
        first = locate.locate(*IN_A0101)
        second = locate.locate(*IN_A0101)
    assert first is not None
    assert second is not None
    assert (first.pk, first.code, first.path, first.name) == (
        town.a0101.pk,
        A0101,
        town.a0101.path,
        town.a0101.name,
    )
    first.name = "changed by a caller"
    assert (second is not first, second.name, locate.locate(*IN_A0101).name) == (  # type: ignore[union-attr]
        True,
        town.a0101.name,
        town.a0101.name,
    )
    # a renamed region is answered renamed (the save rebuilds the index)
    region = Region.objects.get(code=A0101)
    region.name = "新名称微网格"
    region.save()
    assert locate.locate(*IN_A0101).name == "新名称微网格"  # type: ignore[union-attr]


def test_index_is_rebuilt_after_a_boundary_changes(town, django_assert_num_queries):
    assert code_at(TOWN_ONLY) == TOWN
    services.set_boundary(actor=None, region=town.vb, boundary=square(122.10, 29.70, 122.30, 29.80))
    assert code_at(TOWN_ONLY) == VB
    # a plain save() (admin, shell) bumps the version through the post_save receiver
    region = Region.objects.get(code=VB)
    region.boundary = square(122.10, 29.70, 122.20, 29.80)
    region.save()
    assert code_at(TOWN_ONLY) == TOWN
    # and deleting a region through its receiver
    Region.objects.get(code=A0102).delete()
    assert code_at(IN_A0102) == A01  # the grid now


def test_bulk_writes_need_territory_changed_or_the_periodic_recheck(town, settings):
    from django.db.models.functions import Now

    assert code_at(TOWN_ONLY) == TOWN
    Region.objects.filter(code=VB).update(boundary=square(122.10, 29.70, 122.30, 29.80), updated_at=Now())
    assert code_at(TOWN_ONLY) == TOWN  # stale: update() fires no signal
    settings.ZHIZHI_TERRITORY_INDEX_RECHECK_SECONDS = 0
    assert code_at(TOWN_ONLY) == VB  # the fingerprint (count, latest updated_at) changed

    settings.ZHIZHI_TERRITORY_INDEX_RECHECK_SECONDS = 3600
    Region.objects.filter(code=VB).update(boundary=square(122.10, 29.70, 122.20, 29.80))
    assert code_at(TOWN_ONLY) == VB
    locate.territory_changed()
    assert code_at(TOWN_ONLY) == TOWN


def test_cleared_cache_forces_a_rebuild(town):
    assert code_at(IN_B) == VB
    Region.objects.filter(code=VB).update(boundary=None)
    cache.clear()
    assert code_at(IN_B) == TOWN


def test_inactive_regions_and_their_subtrees_are_skipped(town):
    Region.objects.filter(code=A01).update(is_active=False)  # bypassing set_active's cascade
    locate.territory_changed()
    assert Region.objects.get(code=A0101).is_active is True  # only A01 itself is inactive…
    assert code_at(IN_A0101) == VA  # …but its micro-grids are under an inactive node


def test_contains(town):
    assert locate.contains(town.a0101, *IN_A0101) is True
    assert locate.contains(town.a0101, *IN_A0102) is False
    assert locate.contains(town.va, *IN_A0102) is True
    # B01 has no boundary: decided by what is known around it
    assert locate.contains(town.b01, *IN_B) is True  # inside its village, no sibling claims it
    assert locate.contains(town.b01, *IN_A02) is False  # in another village's grid
    assert locate.contains(town.b01, *TOWN_ONLY) is False  # outside its bounded village
    assert locate.contains(town.b01, *OUTSIDE) is False


def test_contains_without_any_boundary_cannot_refuse(db):
    t = services.create_region(actor=None, parent=None, level="town", code="330903108000", name="虾峙镇")
    v = services.create_region(actor=None, parent=t, level="village", code="330903108201", name="栅棚村")
    assert locate.contains(v, 122.0, 29.7) is True
    assert locate.locate(122.0, 29.7) is None


def test_inside_territory_and_town_bounds(town):
    assert locate.is_inside_territory(*TOWN_ONLY) is True
    assert locate.locate(*TOWN_ONLY).level == "town"  # inside the town, no finer polygon
    assert locate.is_inside_territory(*OUTSIDE) is False
    assert locate.town_bounds() == (122.0, 29.7, 122.3, 29.8)


def test_empty_territory(db):
    assert locate.locate(122.0, 29.7) is None
    assert locate.locate_many([(122.0, 29.7)]) == [None]
    assert locate.town_bounds() is None
    assert locate.is_inside_territory(122.0, 29.7) is False


def test_a_cache_outage_neither_breaks_locate_nor_writes(town, monkeypatch, settings):
    assert code_at(TOWN_ONLY) == TOWN

    monkeypatch.setattr(versions, "cache", DownCache())
    assert code_at(IN_A0101) == A0101
    services.set_boundary(actor=None, region=town.vb, boundary=square(122.10, 29.70, 122.30, 29.80))
    settings.ZHIZHI_TERRITORY_INDEX_RECHECK_SECONDS = 0
    assert code_at(TOWN_ONLY) == VB  # caught up through the database fingerprint
