"""Reads of the territory tree. Every function here is one query (or none)."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from zhizhi.territory import codes
from zhizhi.territory.models import Region


def _path_of(region_or_path: Region | str) -> str:
    if isinstance(region_or_path, Region):
        return region_or_path.path
    path = region_or_path
    if not (path.startswith("/") and path.endswith("/")) or path == "/":
        raise ValueError(f"not a region path: {path!r}")
    return path


def subtree(
    region_or_path: Region | str, *, include_self: bool = True, active_only: bool = False
) -> QuerySet[Region]:
    """Everything under a region (itself included unless `include_self=False`), ordered by path:
    one indexed prefix query."""
    path = _path_of(region_or_path)
    qs = Region.objects.under(path)
    if not include_self:
        qs = qs.exclude(path=path)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("path")


def ancestor_codes(region_or_path: Region | str) -> list[str]:
    """The codes along the path, root first, the region's own code last (no query)."""
    return [c for c in _path_of(region_or_path).split("/") if c]


def ancestors(region: Region | str, *, include_self: bool = False) -> QuerySet[Region]:
    """The region's ancestors, root first (one query)."""
    chain = ancestor_codes(region)
    if not include_self:
        chain = chain[:-1]
    return Region.objects.filter(code__in=chain).order_by("depth")


def breadcrumb(region: Region, sep: str = " / ") -> str:
    """The names from the root down, e.g. 六横镇 / 杜庄村 / 杜庄村第1网格 (one query)."""
    return sep.join(r.name for r in ancestors(region, include_self=True))


def by_code(code: str) -> Region | None:
    return Region.objects.filter(code=(code or "").strip()).first()


def roots() -> QuerySet[Region]:
    return Region.objects.filter(parent__isnull=True).order_by("path")


def children(region: Region, *, active_only: bool = False) -> QuerySet[Region]:
    qs = Region.objects.filter(parent=region)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("path")


def next_child_code(parent: Region) -> str:
    """The code after the highest existing child code (for a new grid, micro-grid, village…)."""
    seqs = [
        codes.child_seq(parent, c)
        for c in Region.objects.filter(parent=parent).values_list("code", flat=True)
    ]
    return codes.derive_child_code(parent, max((s for s in seqs if s is not None), default=0) + 1)


_TREE_FIELDS = ("id", "parent_id", "code", "name", "level", "kind", "path", "depth", "is_active")


def tree(
    root: Region,
    max_depth: int | None = None,
    *,
    active_only: bool = False,
    include_boundary: bool = False,
) -> dict[str, Any]:
    """The subtree under `root` as nested dicts (one query)::

        {"id", "code", "name", "level", "level_label", "kind", "path", "depth", "is_active",
         "center_lon", "center_lat", "has_boundary", ["boundary",] "children": [...]}

    `max_depth` counts levels below the root (0: the root alone; None: everything). Children are
    ordered by code.
    """
    qs = subtree(root, active_only=active_only)
    if max_depth is not None:
        qs = qs.filter(depth__lte=root.depth + max(max_depth, 0))
    nodes: dict[int, dict[str, Any]] = {}
    result: dict[str, Any] | None = None
    qs = qs.annotate(has_boundary=ExpressionWrapper(Q(boundary__isnull=False), output_field=BooleanField()))
    fields = [*_TREE_FIELDS, "center_lon", "center_lat", "has_boundary"]
    if include_boundary:
        fields.append("boundary")
    for row in qs.values(*fields):
        parent_id = row.pop("parent_id")
        node = {**row, "level_label": codes.level_label(row["level"]), "children": []}
        nodes[row["id"]] = node
        if row["id"] == root.pk:
            result = node
        elif parent_id in nodes:  # ordered by path: parents come first
            nodes[parent_id]["children"].append(node)
    if result is None:  # root inactive and active_only, or deleted
        return {}
    return result
