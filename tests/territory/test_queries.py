"""Reads: subtree by path prefix (one query), ancestors, nested tree, lookups."""

from __future__ import annotations

import pytest

from tests.territory.util import A01, A0101, A0102, A02, B01, TOWN, VA, VB
from zhizhi.territory import queries, services


def test_everything_under_a_village_is_one_query(town, django_assert_num_queries):
    with django_assert_num_queries(1):
        got = [r.code for r in queries.subtree(town.va)]
    assert got == [VA, A01, A0101, A0102, A02]


def test_subtree_by_path_without_self_and_active_only(town, django_assert_num_queries):
    services.set_active(actor=None, region=town.a02, active=False)
    with django_assert_num_queries(1):
        got = list(
            queries.subtree(f"/{TOWN}/{VA}/", include_self=False, active_only=True).values_list(
                "code", flat=True
            )
        )
    assert got == [A01, A0101, A0102]


def test_subtree_does_not_match_a_code_that_merely_shares_a_prefix(town):
    services.create_region(actor=None, parent=town.vb, level="grid", code=VB + "02", name="台门社区第2网格")
    assert list(queries.subtree(town.b01).values_list("code", flat=True)) == [B01]


@pytest.mark.parametrize("bad", ["", "/", "330903107000", "/330903107000"])
def test_subtree_rejects_something_that_is_not_a_path(bad):
    with pytest.raises(ValueError, match="not a region path"):
        queries.subtree(bad)


def test_ancestors_root_first(town, django_assert_num_queries):
    with django_assert_num_queries(1):
        got = [r.code for r in queries.ancestors(town.a0102)]
    assert got == [TOWN, VA, A01]
    assert [r.code for r in queries.ancestors(town.a0102, include_self=True)] == [TOWN, VA, A01, A0102]
    assert list(queries.ancestors(town.town)) == []
    assert queries.ancestor_codes(town.a0102) == [TOWN, VA, A01, A0102]
    assert queries.breadcrumb(town.a0102) == "六横镇 / 杜庄村 / 杜庄村第1网格 / 杜庄1-2微网格"


def test_tree_nested_dicts_with_depth_limit(town, django_assert_num_queries):
    with django_assert_num_queries(1):
        got = queries.tree(town.town, max_depth=1)
    assert got == {
        "id": town.town.pk,
        "code": TOWN,
        "name": "六横镇",
        "level": "town",
        "level_label": "乡镇/街道",
        "kind": "",
        "path": f"/{TOWN}/",
        "depth": 0,
        "is_active": True,
        "center_lon": 122.15,
        "center_lat": 29.75,
        "has_boundary": True,
        "children": [
            {
                "id": town.va.pk,
                "code": VA,
                "name": "杜庄村",
                "level": "village",
                "level_label": "村/社区",
                "kind": "village",
                "path": f"/{TOWN}/{VA}/",
                "depth": 1,
                "is_active": True,
                "center_lon": 122.05,
                "center_lat": 29.75,
                "has_boundary": True,
                "children": [],
            },
            {
                "id": town.vb.pk,
                "code": VB,
                "name": "台门社区",
                "level": "village",
                "level_label": "村/社区",
                "kind": "community",
                "path": f"/{TOWN}/{VB}/",
                "depth": 1,
                "is_active": True,
                "center_lon": 122.15,
                "center_lat": 29.75,
                "has_boundary": True,
                "children": [],
            },
        ],
    }


def test_full_tree_shape_and_boundary_option(town):
    def shape(node):
        return (node["code"], [shape(c) for c in node["children"]])

    full = queries.tree(town.town)
    assert shape(full) == (
        TOWN,
        [(VA, [(A01, [(A0101, []), (A0102, [])]), (A02, [])]), (VB, [(B01, [])])],
    )
    grid = queries.tree(town.b01, include_boundary=True)
    assert (grid["has_boundary"], grid["boundary"], grid["children"]) == (False, None, [])


def test_tree_active_only_prunes_an_inactive_branch(town):
    services.set_active(actor=None, region=town.a01, active=False)
    got = queries.tree(town.va, active_only=True)
    assert [c["code"] for c in got["children"]] == [A02]
    assert queries.tree(town.a01, active_only=True) == {}


def test_lookups(town):
    assert queries.by_code(f" {VA} ") == town.va
    assert queries.by_code("330903107299") is None
    assert list(queries.roots()) == [town.town]
    assert list(queries.children(town.va)) == [town.a01, town.a02]
    assert queries.next_child_code(town.va) == VA + "03"
    assert queries.next_child_code(town.b01) == B01 + "01"
    assert queries.next_child_code(town.town) == "330903107203"
