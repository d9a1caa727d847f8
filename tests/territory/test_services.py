"""Writes: create, move (paths of the whole subtree), boundaries, (de)activation."""

from __future__ import annotations

import pytest

from tests.territory.util import A01, A0101, A0102, A02, B01, TOWN, VA, VB, snapshot, square
from zhizhi.core.errors import ValidationFailed
from zhizhi.territory import services
from zhizhi.territory.models import Level, Region


def paths() -> dict[str, tuple[str, int]]:
    return {r.code: (r.path, r.depth) for r in Region.objects.all()}


# --- create_region -----------------------------------------------------------------------------------


def test_create_region_sets_path_depth_and_centre(town):
    grid = services.create_region(
        actor=None,
        parent=town.vb,
        level=Level.GRID,
        code=VB + "02",
        name="台门社区第2网格",
        boundary=square(122.10, 29.75, 122.20, 29.80),
    )
    grid.refresh_from_db()
    assert grid.path == f"/{TOWN}/{VB}/{VB}02/"
    assert grid.depth == 2
    assert grid.boundary == square(122.10, 29.75, 122.20, 29.80)
    assert (grid.center_lon, grid.center_lat) == (122.15, 29.775)
    assert grid.kind == ""


def test_create_region_accepts_a_feature_and_normalises_it():
    feature = {
        "type": "Feature",
        "properties": {"name": "x"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[122.000000001, 29.7, 5], [122.1, 29.7, 5], [122.1, 29.8, 5], [122.000000001, 29.7, 5]]
            ],
        },
    }
    clean = services.clean_boundary(feature)
    assert clean is not None
    assert clean.geojson == {
        "type": "Polygon",
        "coordinates": [[[122.0, 29.7], [122.1, 29.7], [122.1, 29.8], [122.0, 29.7]]],
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"parent": "town", "level": "grid", "code": VA + "03"},
            "level_order",
            "层级顺序错误：网格的上级应为村/社区，不能是乡镇/街道",
        ),
        (
            {"parent": None, "level": "village", "code": "330903107209"},
            "parent_required",
            "村/社区必须有上级",
        ),
        (
            {"parent": "va", "level": "grid", "code": VB + "09"},
            "code_parent_mismatch",
            f"网格代码 {VB}09 应为上级代码 {VA} 加两位序号",
        ),
        ({"parent": "va", "level": "grid", "code": A01}, "duplicate_code", f"区划代码已存在：{A01}"),
        (
            {"parent": "va", "level": "grid", "code": VA + "03", "name": "杜庄村第1网格"},
            "duplicate_name",
            "“杜庄村”下已有名为“杜庄村第1网格”的区域",
        ),
        ({"parent": "va", "level": "grid", "code": VA + "03", "name": "  "}, "invalid_name", "名称不能为空"),
        (
            {"parent": "va", "level": "grid", "code": VA + "03", "kind": "village"},
            "invalid_kind",
            "只有村/社区可以设置类型，网格不能",
        ),
        (
            {"parent": "town", "level": "village", "code": "330903107209", "kind": "hamlet"},
            "invalid_kind",
            "类型只能是 村（village）或 社区（community）：hamlet",
        ),
        (
            {
                "parent": "va",
                "level": "grid",
                "code": VA + "03",
                "boundary": {"type": "Point", "coordinates": [122, 29]},
            },
            "invalid_boundary",
            "边界必须是 Polygon 或 MultiPolygon，而不是 Point",
        ),
        (
            {"parent": "va", "level": "grid", "code": VA + "03", "boundary": "{not json"},
            "invalid_boundary",
            "边界不是有效的 JSON 文本",
        ),
        (
            {
                "parent": "va",
                "level": "grid",
                "code": VA + "03",
                "boundary": {"type": "Polygon", "coordinates": [[[1, 2]]]},
            },
            "invalid_boundary",
            "边界坐标格式错误",
        ),
        (
            {
                "parent": "va",
                "level": "grid",
                "code": VA + "03",
                "boundary": square(29.7, 122.0, 29.8, 122.1),
            },
            "invalid_boundary",
            "边界坐标超出经纬度范围（应为经度在前、纬度在后）",
        ),
        (
            {
                "parent": "va",
                "level": "grid",
                "code": VA + "03",
                "boundary": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            },
            "invalid_boundary",
            "边界几何无效（Self-intersection[0.5 0.5]）",
        ),
    ],
)
def test_create_region_denied_writes_nothing(town, kwargs, error, message):
    before = snapshot()
    parent = getattr(town, kwargs.pop("parent")) if kwargs.get("parent") else kwargs.pop("parent", None)
    args = {"name": "新网格", "kind": "", "boundary": None, **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        services.create_region(actor=None, parent=parent, **args)
    assert (exc.value.code, exc.value.message) == (error, message)
    assert snapshot() == before


def test_create_region_under_an_inactive_parent_is_denied(town):
    services.set_active(actor=None, region=town.va, active=False)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.create_region(actor=None, parent=town.va, level="grid", code=VA + "03", name="新网格")
    assert (exc.value.code, exc.value.message) == ("parent_inactive", "上级区域“杜庄村”已停用")
    assert snapshot() == before


# --- move_region ---------------------------------------------------------------------------------------


def test_move_town_under_a_new_county_rewrites_every_path_in_one_update(town, django_assert_num_queries):
    county = services.create_region(
        actor=None, parent=None, level="county", code="330903000000", name="普陀区"
    )
    # 2 locks, 1 sibling-name check, 1 UPDATE of regions, 1 UPDATE of case paths, savepoint x2, refresh
    with django_assert_num_queries(8):
        moved = services.move_region(actor=None, region=town.town, new_parent=county)
    assert moved.parent_id == county.pk
    assert paths() == {
        "330903000000": ("/330903000000/", 0),
        TOWN: (f"/330903000000/{TOWN}/", 1),
        VA: (f"/330903000000/{TOWN}/{VA}/", 2),
        VB: (f"/330903000000/{TOWN}/{VB}/", 2),
        A01: (f"/330903000000/{TOWN}/{VA}/{A01}/", 3),
        A02: (f"/330903000000/{TOWN}/{VA}/{A02}/", 3),
        B01: (f"/330903000000/{TOWN}/{VB}/{B01}/", 3),
        A0101: (f"/330903000000/{TOWN}/{VA}/{A01}/{A0101}/", 4),
        A0102: (f"/330903000000/{TOWN}/{VA}/{A01}/{A0102}/", 4),
    }
    assert Region.objects.get(code=VA).parent_id == town.town.pk  # only the moved node's parent changed


def test_move_grid_to_another_village_with_a_new_code_rewrites_descendants(town):
    received = []

    def listener(sender, **kwargs):
        received.append((kwargs["old_path"], kwargs["new_path"], kwargs["code_map"]))

    services.subtree_moved.connect(listener)
    try:
        moved = services.move_region(actor=None, region=town.a01, new_parent=town.vb, new_code=VB + "02")
    finally:
        services.subtree_moved.disconnect(listener)
    assert (moved.code, moved.parent_id, moved.path) == (VB + "02", town.vb.pk, f"/{TOWN}/{VB}/{VB}02/")
    assert paths() == {
        TOWN: (f"/{TOWN}/", 0),
        VA: (f"/{TOWN}/{VA}/", 1),
        VB: (f"/{TOWN}/{VB}/", 1),
        A02: (f"/{TOWN}/{VA}/{A02}/", 2),
        B01: (f"/{TOWN}/{VB}/{B01}/", 2),
        VB + "02": (f"/{TOWN}/{VB}/{VB}02/", 2),
        VB + "0201": (f"/{TOWN}/{VB}/{VB}02/{VB}0201/", 3),
        VB + "0202": (f"/{TOWN}/{VB}/{VB}02/{VB}0202/", 3),
    }
    assert received == [
        (
            f"/{TOWN}/{VA}/{A01}/",
            f"/{TOWN}/{VB}/{VB}02/",
            {A01: VB + "02", A0101: VB + "0201", A0102: VB + "0202"},
        )
    ]


def test_renumber_a_village_in_place_rewrites_its_grids_codes(town):
    services.move_region(actor=None, region=town.va, new_parent=town.town, new_code="330903107205")
    assert sorted(Region.objects.under(f"/{TOWN}/330903107205/").values_list("code", flat=True)) == [
        "330903107205",
        "33090310720501",
        "3309031072050101",
        "3309031072050102",
        "33090310720502",
    ]
    assert not Region.objects.filter(code__startswith=VA).exists()


@pytest.mark.parametrize(
    ("region", "new_parent", "new_code", "error", "message"),
    [
        (
            "a01",
            "vb",
            None,
            "code_parent_mismatch",
            f"网格代码 {A01} 应为上级代码 {VB} 加两位序号；迁移到新上级需要同时指定新代码",
        ),
        ("a01", "vb", B01, "duplicate_code", f"区划代码已存在：{B01}"),
        ("a01", "vb", VA + "05", "code_parent_mismatch", f"网格代码 {VA}05 应为上级代码 {VB} 加两位序号"),
        ("va", "a01", None, "invalid_move", "不能把区域移到它自己或它的下级之下"),
        ("va", "va", None, "invalid_move", "不能把区域移到它自己或它的下级之下"),
        ("a0101", "va", None, "level_order", "层级顺序错误：微网格的上级应为网格，不能是村/社区"),
        ("a01", None, None, "parent_required", "网格必须有上级"),
    ],
)
def test_move_region_denied_changes_nothing(town, region, new_parent, new_code, error, message):
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.move_region(
            actor=None,
            region=getattr(town, region),
            new_parent=getattr(town, new_parent) if new_parent else None,
            new_code=new_code,
        )
    assert (exc.value.code, exc.value.message) == (error, message)
    assert snapshot() == before


def test_move_onto_a_sibling_with_the_same_name_is_denied(town):
    services.update_region(actor=None, region=town.b01, name="杜庄村第1网格")
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.move_region(actor=None, region=town.a01, new_parent=town.vb, new_code=VB + "02")
    assert (exc.value.code, exc.value.message) == (
        "duplicate_name",
        "“台门社区”下已有名为“杜庄村第1网格”的区域",
    )
    assert snapshot() == before


# --- boundaries, names, activation ------------------------------------------------------------------


def test_set_boundary_recomputes_the_centre_and_clearing_keeps_it(town):
    region = services.set_boundary(actor=None, region=town.b01, boundary=square(122.10, 29.70, 122.20, 29.74))
    assert (region.center_lon, region.center_lat) == (122.15, 29.72)
    region = services.set_boundary(actor=None, region=town.b01, boundary=None)
    region.refresh_from_db()
    assert (region.boundary, region.center_lon, region.center_lat) == (None, 122.15, 29.72)


def test_set_boundary_denied_keeps_the_old_one(town):
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.set_boundary(actor=None, region=town.a01, boundary={"type": "Polygon", "coordinates": []})
    assert (exc.value.code, exc.value.message) == ("invalid_boundary", "边界为空")
    assert snapshot() == before


def test_update_region_renames_and_changes_kind(town):
    region = services.update_region(actor=None, region=town.vb, name="台门村", kind="village")
    region.refresh_from_db()
    assert (region.name, region.kind, region.path) == ("台门村", "village", f"/{TOWN}/{VB}/")


def test_deactivation_cascades_and_reactivation_needs_an_active_parent(town):
    assert services.set_active(actor=None, region=town.va, active=False) == 5
    assert sorted(Region.objects.filter(is_active=False).values_list("code", flat=True)) == [
        VA,
        A01,
        A0101,
        A0102,
        A02,
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.set_active(actor=None, region=town.a01, active=True)
    assert exc.value.code == "parent_inactive"
    assert Region.objects.filter(is_active=False).count() == 5
    assert services.set_active(actor=None, region=town.va, active=True, cascade=False) == 1
    assert Region.objects.filter(is_active=False).count() == 4
    assert services.set_active(actor=None, region=town.va, active=True) == 4
    assert Region.objects.filter(is_active=False).count() == 0
