"""The Region admin writes through the services: paths stay consistent."""

from __future__ import annotations

import json

from tests.territory.util import A01, A0101, A0102, TOWN, VA, VB, snapshot, square
from zhizhi.territory.models import Region


def form(region: Region, **changes) -> dict:
    data = {
        "parent": region.parent_id or "",
        "kind": region.kind,
        "code": region.code,
        "name": region.name,
        "boundary": json.dumps(region.boundary) if region.boundary else "",
        "is_active": "on" if region.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_changelist_and_search(town, admin_client):
    response = admin_client.get("/admin/territory/region/", {"q": "杜庄1-"})
    assert response.status_code == 200
    assert [r.code for r in response.context["cl"].result_list] == [A0101, A0102]
    response = admin_client.get("/admin/territory/region/", {"level__exact": "village"})
    assert [r.code for r in response.context["cl"].result_list] == [VA, VB]


def test_add_goes_through_create_region(town, admin_client):
    response = admin_client.post(
        "/admin/territory/region/add/",
        {
            "parent": town.vb.pk,
            "level": "grid",
            "code": VB + "02",
            "name": "台门社区第2网格",
            "boundary": json.dumps(square(122.10, 29.75, 122.20, 29.80)),
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    region = Region.objects.get(code=VB + "02")
    assert (region.path, region.depth, region.center_lon, region.center_lat) == (
        f"/{TOWN}/{VB}/{VB}02/",
        2,
        122.15,
        29.775,
    )


def test_add_with_a_bad_code_shows_the_error_and_writes_nothing(town, admin_client):
    before = snapshot()
    response = admin_client.post(
        "/admin/territory/region/add/",
        {"parent": town.vb.pk, "level": "grid", "code": VA + "09", "name": "错网格", "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "code": [f"网格代码 {VA}09 应为上级代码 {VB} 加两位序号"]
    }
    assert snapshot() == before


def test_changing_the_parent_moves_the_subtree(town, admin_client):
    response = admin_client.post(
        f"/admin/territory/region/{town.a01.pk}/change/",
        form(town.a01, parent=town.vb.pk, code=VB + "02", name="台门社区第2网格"),
    )
    assert response.status_code == 302
    assert dict(Region.objects.under(f"/{TOWN}/{VB}/").values_list("code", "path")) == {
        VB: f"/{TOWN}/{VB}/",
        VB + "01": f"/{TOWN}/{VB}/{VB}01/",
        VB + "02": f"/{TOWN}/{VB}/{VB}02/",
        VB + "0201": f"/{TOWN}/{VB}/{VB}02/{VB}0201/",
        VB + "0202": f"/{TOWN}/{VB}/{VB}02/{VB}0202/",
    }
    assert Region.objects.get(code=VB + "02").name == "台门社区第2网格"
    assert not Region.objects.filter(code__startswith=A01).exists()


def test_changing_the_parent_without_a_fitting_code_is_refused(town, admin_client):
    before = snapshot()
    response = admin_client.post(
        f"/admin/territory/region/{town.a01.pk}/change/", form(town.a01, parent=town.vb.pk)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "code": [f"网格代码 {A01} 应为上级代码 {VB} 加两位序号"]
    }
    assert snapshot() == before


def test_deactivating_in_the_admin_cascades(town, admin_client):
    data = form(town.va)
    data.pop("is_active")
    response = admin_client.post(f"/admin/territory/region/{town.va.pk}/change/", data)
    assert response.status_code == 302
    assert sorted(Region.objects.filter(is_active=False).values_list("code", flat=True)) == sorted(
        Region.objects.under(f"/{TOWN}/{VA}/").values_list("code", flat=True)
    )
