"""Every page enforces scope exactly as the API does: a grid worker's list, map, dashboard and
export contain only their grids, and another grid's case is a 404 on every URL."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.cases.factories import row
from tests.web.conftest import GRID_A1, GRID_B1, World, list_ids, login
from zhizhi.accounts import scope
from zhizhi.cases.models import CaseEvent
from zhizhi.territory.models import Region

pytestmark = pytest.mark.django_db


def test_grid_workers_list_holds_only_their_grid(world: World):
    a = login("grid_a1")
    assert sorted(list_ids(a)) == sorted(
        c.pk for c in (world.a_closed, world.a_late, world.a_open, world.a_visit)
    )
    b = login("grid_b1")
    assert sorted(list_ids(b)) == sorted(c.pk for c in (world.b_open, world.b_closed))


@pytest.mark.parametrize(
    "username", ["grid_a1", "grid_b1", "cadre_a", "handler_emg", "handler_enf", "leader"]
)
def test_every_list_equals_the_apis_scope(world: World, username: str):
    user = world.t.users[username]
    assert sorted(list_ids(login(username))) == sorted(scope.visible_cases(user).values_list("pk", flat=True))


def test_filtering_by_another_grid_shows_nothing_of_it(world: World):
    assert list_ids(login("grid_a1"), f"region={GRID_B1}") == []


def test_map_json_holds_only_the_grid_workers_regions_and_cases(world: World):
    c = login("grid_a1")
    codes = {f["properties"]["code"] for f in c.get("/map/regions.json").json()["features"]}
    assert codes == {GRID_A1, f"{GRID_A1}01", f"{GRID_A1}02"}
    points = c.get("/map/cases.json").json()
    assert {p["id"] for p in points["cases"]} == {world.a_open.pk}  # open cases by default
    everything = c.get("/map/cases.json?status=closed,resolved,dispatched").json()
    assert {p["id"] for p in everything["cases"]} == {
        world.a_closed.pk,
        world.a_late.pk,
        world.a_open.pk,
        world.a_visit.pk,
    }


def test_map_open_counts_are_the_users_open_cases(world: World):
    features = {
        f["properties"]["code"]: f["properties"]
        for f in login("dispatcher").get("/map/regions.json").json()["features"]
    }
    assert features[GRID_A1]["open"] == 1  # a_open
    assert features[f"{GRID_A1[:-2]}02"]["open"] == 1  # a2_open
    assert features[GRID_B1]["open"] == 1  # b_open
    assert features[GRID_A1[:-2]]["open"] == 2  # the village: both of its grids


def test_dashboard_counts_only_the_grid_workers_cases(world: World):
    r = login("grid_b1").get("/metrics/?from=2024-03-01&to=2024-03-31")
    figures = r.context["figures"]
    assert figures["intake"].numerator == 2
    assert r.context["region"].code == GRID_B1
    assert r.context["figures"]["satisfaction_rate"].numerator == 1


def test_dashboard_refuses_a_region_outside_scope(world: World):
    assert login("grid_b1").get(f"/metrics/?region={GRID_A1}").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/cases/{pk}/", "/cases/{pk}/photos/1/"],
)
def test_another_grids_case_is_a_404(world: World, path: str):
    assert login("grid_b1").get(path.format(pk=world.a_open.pk)).status_code == 404


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/cases/{pk}/reveal/", {"reason": "x"}),
        ("/cases/{pk}/act/self_resolve/", {"self_resolve-resolution": "x"}),
        ("/cases/{pk}/act/dispatch/", {"dispatch-department": "enforcement"}),
    ],
)
def test_posts_on_another_grids_case_are_404_and_write_nothing(world: World, path: str, data: dict):
    before, events = row(world.a2_open), CaseEvent.objects.count()
    r = login("grid_b1").post(path.format(pk=world.a2_open.pk), data)
    assert r.status_code == 404
    assert row(world.a2_open) == before
    assert CaseEvent.objects.count() == events


def test_export_holds_only_the_grid_workers_cases(world: World):
    r = login("grid_b1").get("/cases/export.xlsx")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True).active
    ids = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(ids) == sorted([world.b_open.pk, world.b_closed.pk])


def test_region_tree_holds_only_the_grid_workers_regions(world: World):
    r = login("grid_a1").get("/regions/")
    html = r.content.decode()
    assert "杜庄村第1网格" in html
    assert "台门社区" not in html
    assert "杜庄村第2网格" not in html
    roots = r.context["roots"]
    assert [n.region.code for n in roots] == [GRID_A1]
    assert roots[0].open_count == 1
    assert {n.region.code for n in roots[0].children} == {f"{GRID_A1}01", f"{GRID_A1}02"}


def test_region_tree_counts_roll_up_and_list_staff(world: World):
    roots = login("dispatcher").get("/regions/").context["roots"]
    town = roots[0]
    assert town.region.level == "town"
    assert town.open_count == 3
    village_a = next(n for n in town.children if n.region.code == GRID_A1[:-2])
    assert village_a.open_count == 2
    assert [u.username for u in village_a.staff] == ["cadre_a"]
    assert Region.objects.filter(code=GRID_A1).exists()
