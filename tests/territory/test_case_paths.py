"""Moving a grid to another village carries its cases' denormalised region_path along."""

from __future__ import annotations

import pytest

from tests.township import VILLAGE_A, VILLAGE_B
from zhizhi.cases.models import Case
from zhizhi.cases.services import CaseInput, create_case
from zhizhi.territory import services
from zhizhi.territory.models import Region

pytestmark = pytest.mark.django_db


def test_move_region_rewrites_case_region_paths(township):
    # given a case in micro-grid A-01-01 and one in village B
    op = township.users["operator"]
    moved = create_case(
        actor=op,
        data=CaseInput(channel="hotline", category="street_vending", title="占道", region=f"{VILLAGE_A}0101"),
    ).case
    other = create_case(
        actor=op,
        data=CaseInput(channel="hotline", category="street_vending", title="占道", region=f"{VILLAGE_B}0101"),
    ).case
    # when grid A-01 moves under village B (codes follow the new parent)
    grid = Region.objects.get(code=f"{VILLAGE_A}01")
    services.move_region(
        actor=None, region=grid, new_parent=township.villages[VILLAGE_B], new_code=f"{VILLAGE_B}03"
    )
    # then the case's path follows its micro-grid, and the other case is untouched
    moved.refresh_from_db()
    other.refresh_from_db()
    assert moved.region.code == f"{VILLAGE_B}0301"
    assert moved.region_path == f"/330903107000/{VILLAGE_B}/{VILLAGE_B}03/{VILLAGE_B}0301/"
    assert other.region_path == f"/330903107000/{VILLAGE_B}/{VILLAGE_B}01/{VILLAGE_B}0101/"
    assert Case.objects.filter(region_path__startswith=f"/330903107000/{VILLAGE_A}/").count() == 0
