"""Writes to the territory tree. Every function runs in one transaction, validates everything
before writing, raises `ValidationFailed` on bad input (nothing written), and marks the territory
as changed so the `locate` index is rebuilt.

A region's `path` is the chain of its ancestors' codes; moving a node (or changing its code)
rewrites the paths — and the derived codes — of its whole subtree (`move_region`).
`subtree_moved` is sent inside that transaction with ``old_path``/``new_path`` so that apps
keeping a copy of region paths (e.g. ``Case.region_path``) can rewrite theirs in the same commit.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from django.db import transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.db.models.functions import Concat, Now, Substr
from django.dispatch import Signal
from django.utils import timezone
from shapely.geometry import mapping, shape

from zhizhi.core.errors import ValidationFailed
from zhizhi.territory import codes
from zhizhi.territory.locate import territory_changed
from zhizhi.territory.models import Level, Region, VillageKind

if TYPE_CHECKING:
    from zhizhi.accounts.models import User

logger = logging.getLogger(__name__)

# Sent inside move_region's transaction: subtree_moved.send(sender=Region, region=…, old_path=…,
# new_path=…, code_map={old_code: new_code, …}).
subtree_moved = Signal()

COORD_DECIMALS = 7  # ~1 cm; stored boundaries are rounded so that re-imports compare equal
NAME_MAX = 100


# --- Validation helpers (shared with the importer and the admin form) -----------------------------


@dataclass(frozen=True)
class CleanBoundary:
    geojson: dict[str, Any]
    center_lon: float
    center_lat: float


def clean_boundary(boundary: dict[str, Any] | str | None) -> CleanBoundary | None:
    """Validate a GeoJSON Polygon/MultiPolygon (geometry, Feature, or a one-feature
    FeatureCollection; dict or JSON text) and normalise it: 2-D, coordinates rounded to 7
    decimals, valid geometry. Returns None for an empty value."""
    if boundary is None or (isinstance(boundary, str) and not boundary.strip()):
        return None
    if isinstance(boundary, str):
        try:
            boundary = json.loads(boundary)
        except ValueError as exc:
            raise ValidationFailed("invalid_boundary", "边界不是有效的 JSON 文本") from exc
    if not isinstance(boundary, dict):
        raise ValidationFailed("invalid_boundary", "边界必须是 GeoJSON 对象")
    if boundary.get("type") == "FeatureCollection":
        features = boundary.get("features") or []
        if len(features) != 1:
            raise ValidationFailed("invalid_boundary", "边界 FeatureCollection 只能包含一个要素")
        boundary = features[0]
    if isinstance(boundary, dict) and boundary.get("type") == "Feature":
        boundary = boundary.get("geometry")
    if not isinstance(boundary, dict):
        raise ValidationFailed("invalid_boundary", "边界要素缺少几何（geometry）")
    kind = boundary.get("type")
    if kind not in {"Polygon", "MultiPolygon"}:
        raise ValidationFailed("invalid_boundary", f"边界必须是 Polygon 或 MultiPolygon，而不是 {kind}")
    try:
        geom = shape(boundary)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ValidationFailed("invalid_boundary", "边界坐标格式错误") from exc
    if geom.is_empty:
        raise ValidationFailed("invalid_boundary", "边界为空")
    geom = shapely.force_2d(geom)
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise ValidationFailed("invalid_boundary", "边界坐标含有非数值")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValidationFailed("invalid_boundary", "边界坐标超出经纬度范围（应为经度在前、纬度在后）")
    geom = shapely.transform(geom, lambda xy: np.round(xy, COORD_DECIMALS))
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise ValidationFailed("invalid_boundary", f"边界几何无效（{reason}）")
    if geom.area <= 0:
        raise ValidationFailed("invalid_boundary", "边界面积为零")
    geojson = json.loads(json.dumps(mapping(geom)))
    point = geom.representative_point()
    return CleanBoundary(
        geojson=geojson,
        center_lon=round(point.x, COORD_DECIMALS),
        center_lat=round(point.y, COORD_DECIMALS),
    )


def json_text(geojson: dict[str, Any]) -> str:
    """Compact JSON text of a stored boundary (for exports and forms)."""
    return json.dumps(geojson, ensure_ascii=False, separators=(",", ":"))


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("invalid_name", "名称不能为空")
    if len(name) > NAME_MAX:
        raise ValidationFailed("invalid_name", f"名称不能超过 {NAME_MAX} 个字符")
    return name


def clean_kind(kind: str, level: str) -> str:
    kind = (kind or "").strip()
    if not kind:
        return ""
    if kind not in VillageKind.values:
        raise ValidationFailed("invalid_kind", f"类型只能是 村（village）或 社区（community）：{kind}")
    if level != Level.VILLAGE:
        raise ValidationFailed("invalid_kind", f"只有村/社区可以设置类型，{codes.level_label(level)}不能")
    return kind


def check_placement(*, level: str, code: str, parent: Region | None) -> str:
    """Level order and code structure of a node of `level` under `parent`; returns the code."""
    codes.validate_level_order(level, parent.level if parent else None)
    return codes.validate_code(code, level, parent.code if parent else None)


def _check_sibling_name(parent: Region | None, name: str, exclude_pk: int | None = None) -> None:
    siblings = (
        Region.objects.filter(parent=parent, name=name)
        if parent
        else Region.objects.filter(parent__isnull=True, name=name)
    )
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    if siblings.exists():
        where = f"“{parent.name}”下" if parent else "顶层"
        raise ValidationFailed("duplicate_name", f"{where}已有名为“{name}”的区域")


def _actor_label(actor: User | None) -> str:
    return "system" if actor is None else f"user:{actor.pk}"


# --- Services ----------------------------------------------------------------------------------------


def create_region(
    *,
    actor: User | None,
    parent: Region | None,
    level: str,
    code: str,
    name: str,
    kind: str = "",
    boundary: dict[str, Any] | str | None = None,
) -> Region:
    """Add a node under `parent` (None for a root: province, city, county or town)."""
    with transaction.atomic():
        if parent is not None:
            parent = Region.objects.select_for_update().get(pk=parent.pk)
            if not parent.is_active:
                raise ValidationFailed("parent_inactive", f"上级区域“{parent.name}”已停用")
        code = check_placement(level=level, code=code, parent=parent)
        name = clean_name(name)
        kind = clean_kind(kind, level)
        clean = clean_boundary(boundary)
        if Region.objects.filter(code=code).exists():
            raise ValidationFailed("duplicate_code", f"区划代码已存在：{code}")
        _check_sibling_name(parent, name)
        region = Region(
            parent=parent,
            level=level,
            code=code,
            name=name,
            kind=kind,
            boundary=clean.geojson if clean else None,
            center_lon=clean.center_lon if clean else None,
            center_lat=clean.center_lat if clean else None,
        )
        region.save()
        territory_changed()
    logger.debug("territory: %s created region %s (%s)", _actor_label(actor), code, level)
    return region


def update_region(
    *, actor: User | None, region: Region, name: str | None = None, kind: str | None = None
) -> Region:
    """Rename a node and/or change its kind (村/社区). None leaves a field as it is."""
    with transaction.atomic():
        region = Region.objects.select_for_update().get(pk=region.pk)
        fields: list[str] = []
        if name is not None:
            name = clean_name(name)
            if name != region.name:
                _check_sibling_name(region.parent, name, exclude_pk=region.pk)
                region.name = name
                fields.append("name")
        if kind is not None:
            kind = clean_kind(kind, region.level)
            if kind != region.kind:
                region.kind = kind
                fields.append("kind")
        if fields:
            region.save(update_fields=[*fields, "updated_at"])
            territory_changed()
    if fields:
        logger.debug(
            "territory: %s updated region %s (%s)", _actor_label(actor), region.code, ",".join(fields)
        )
    return region


def set_boundary(*, actor: User | None, region: Region, boundary: dict[str, Any] | str | None) -> Region:
    """Replace (or, with None, clear) a node's boundary; the centre follows the boundary's
    representative point (clearing keeps the last centre as a label point)."""
    clean = clean_boundary(boundary)
    with transaction.atomic():
        region = Region.objects.select_for_update().get(pk=region.pk)
        region.boundary = clean.geojson if clean else None
        if clean:
            region.center_lon, region.center_lat = clean.center_lon, clean.center_lat
        region.save(update_fields=["boundary", "center_lon", "center_lat", "updated_at"])
        territory_changed()
    logger.debug("territory: %s set the boundary of %s", _actor_label(actor), region.code)
    return region


def set_active(*, actor: User | None, region: Region, active: bool, cascade: bool = True) -> int:
    """Deactivate a node and its whole subtree, or reactivate it (and, with `cascade`, its
    subtree). Returns the number of nodes changed."""
    with transaction.atomic():
        region = Region.objects.select_for_update().get(pk=region.pk)
        if active and region.parent_id is not None:
            parent = Region.objects.get(pk=region.parent_id)
            if not parent.is_active:
                raise ValidationFailed("parent_inactive", f"上级区域“{parent.name}”已停用，请先启用上级")
        qs = (
            Region.objects.under(region.path)
            if (cascade or not active)
            else Region.objects.filter(pk=region.pk)
        )
        changed = qs.exclude(is_active=active).update(is_active=active, updated_at=Now())
        territory_changed()
    logger.info(
        "territory: %s set %s active=%s (%d nodes)", _actor_label(actor), region.code, active, changed
    )
    return changed


def move_region(
    *, actor: User | None, region: Region, new_parent: Region | None, new_code: str | None = None
) -> Region:
    """Put `region` under `new_parent`, optionally with a new code, rewriting the paths of its
    whole subtree (one UPDATE when the code stays; a bulk update of codes and paths otherwise).

    The code must fit the new parent (a village's first 9 digits are its town's; a grid's code
    is its village's code + 2 digits), so moving a grid or a village usually needs `new_code`;
    descendants' codes that derive from the old code are rewritten with it.
    """
    with transaction.atomic():
        region = Region.objects.select_for_update().get(pk=region.pk)
        if new_parent is not None:
            new_parent = Region.objects.select_for_update().get(pk=new_parent.pk)
            if new_parent.path.startswith(region.path):
                raise ValidationFailed("invalid_move", "不能把区域移到它自己或它的下级之下")
            if not new_parent.is_active:
                raise ValidationFailed("parent_inactive", f"上级区域“{new_parent.name}”已停用")
        codes.validate_level_order(region.level, new_parent.level if new_parent else None)
        wanted = region.code if new_code is None else new_code
        try:
            target_code = codes.validate_code(wanted, region.level, new_parent.code if new_parent else None)
        except ValidationFailed as exc:
            if new_code is None and exc.code == "code_parent_mismatch":
                raise ValidationFailed(
                    "code_parent_mismatch", f"{exc.message}；迁移到新上级需要同时指定新代码"
                ) from exc
            raise
        new_parent_id = new_parent.pk if new_parent else None
        if new_parent_id == region.parent_id and target_code == region.code:
            return region
        if new_parent_id != region.parent_id:
            _check_sibling_name(new_parent, region.name, exclude_pk=region.pk)

        old_path = region.path
        new_path = f"{new_parent.path if new_parent else '/'}{target_code}/"
        code_map: dict[str, str] = {}
        if target_code == region.code:
            delta = new_path.count("/") - old_path.count("/")
            Region.objects.under(old_path).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + delta,
                parent_id=Case(
                    When(pk=region.pk, then=Value(new_parent_id)),
                    default=F("parent_id"),
                    output_field=BigIntegerField(),
                ),
                updated_at=Now(),
            )
        else:
            code_map = _rewrite_codes(region, target_code, new_path, new_parent)
        subtree_moved.send(
            sender=Region, region=region, old_path=old_path, new_path=new_path, code_map=code_map
        )
        territory_changed()
        region.refresh_from_db()
    logger.info("territory: %s moved %s to %s", _actor_label(actor), old_path, new_path)
    return region


def _rewrite_codes(
    region: Region, target_code: str, new_path: str, new_parent: Region | None
) -> dict[str, str]:
    """Give `region` a new code and rewrite its subtree's derived codes and paths."""
    old_path = region.path
    n = codes.PREFIX_LENGTH.get(region.level, len(region.code))
    old_prefix, new_prefix = region.code[:n], target_code[:n]
    nodes = list(Region.objects.under(old_path).only("id", "code", "path", "depth", "parent_id"))
    code_map: dict[str, str] = {}
    for node in nodes:
        if node.pk == region.pk:
            code_map[node.code] = target_code
        elif node.code.startswith(old_prefix) and node.depth > region.depth:
            code_map[node.code] = new_prefix + node.code[n:]
    changed_ids = [node.pk for node in nodes if node.code in code_map]
    clash = (
        Region.objects.filter(code__in=list(code_map.values()))
        .exclude(pk__in=changed_ids)
        .values_list("code", flat=True)
        .first()
    )
    if clash is not None or len(set(code_map.values())) != len(code_map):
        raise ValidationFailed("duplicate_code", f"区划代码已存在：{clash or target_code}")
    now = timezone.now()
    for node in nodes:
        rest = node.path[len(old_path) :].strip("/")
        segments = [code_map.get(seg, seg) for seg in rest.split("/")] if rest else []
        node.path = new_path + "".join(f"{seg}/" for seg in segments)
        node.depth = node.path.count("/") - 2
        node.code = code_map.get(node.code, node.code)
        if node.pk == region.pk:
            node.parent_id = new_parent.pk if new_parent else None
        node.updated_at = now
    # Region.save() would recompute paths from (stale) parents: write the computed values as they are.
    Region.objects.bulk_update(nodes, ["code", "path", "depth", "parent", "updated_at"], batch_size=500)
    return code_map
