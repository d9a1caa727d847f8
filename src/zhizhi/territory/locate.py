"""Point → region: which grid (or village, or town) is this point in?

The boundaries of all active regions are parsed once per process into a shapely STRtree and
kept at module level. The index carries the territory *version* it was built from: a token in
`django.core.cache` that every territory write replaces (`territory_changed()`, called by the
services and by the Region post_save/post_delete receivers, immediately and again on commit).
Each call reads that token (once per request: `core.versions`) and rebuilds only when it changed.
As a safety net for per-process caches (LocMemCache under several workers) and for bulk writes
that bypass the services, an index older than ``ZHIZHI_TERRITORY_INDEX_RECHECK_SECONDS`` (default 60)
compares a cheap database fingerprint (row count, latest ``updated_at``) before being reused.
Code that writes regions with ``bulk_create``/``update()`` should call `territory_changed()`.

Matching uses "covers" semantics (a point on a shared edge belongs to one of the two sides);
among the regions covering a point the deepest wins, then the smallest area, then the lowest id.
A region is indexed only when it and all its ancestors are active.

Coordinates are (lon, lat) in the same reference system as the boundaries (WGS-84 recommended;
points from Chinese web maps are GCJ-02 or BD-09 and must be converted by the caller).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from zhizhi.core import logs, versions
from zhizhi.territory.models import Level, Region

logger = logging.getLogger(__name__)

VERSION_KEY = versions.register("zhizhi:territory:version")

__all__ = [
    "VERSION_KEY",
    "batch_changes",
    "contains",
    "is_inside_territory",
    "locate",
    "locate_id",
    "locate_many",
    "reset",
    "territory_changed",
    "town_bounds",
]


# --- Version stamp ---------------------------------------------------------------------------------

_local = threading.local()


def _bump() -> None:
    try:
        versions.replace(VERSION_KEY)
    except Exception:  # a cache outage must not fail a write; the periodic recheck catches up
        logger.warning("territory: could not bump the territory version in the cache", exc_info=True)


def territory_changed() -> None:
    """Mark the territory as changed: bump now (this connection sees its own writes) and again on
    commit (so other processes cannot rebuild from pre-commit data and keep it)."""
    if getattr(_local, "batch_depth", 0):
        _local.batch_dirty = True
        return
    _bump()
    transaction.on_commit(_bump)


@contextmanager
def batch_changes() -> Iterator[None]:
    """Collapse the version bumps of many writes (an import) into one at the end."""
    _local.batch_depth = getattr(_local, "batch_depth", 0) + 1
    try:
        yield
    finally:
        _local.batch_depth -= 1
        if _local.batch_depth == 0 and getattr(_local, "batch_dirty", False):
            _local.batch_dirty = False
            territory_changed()


def _current_version() -> str | None:
    """The version token (one cache read per request: `core.versions`); None when the cache cannot
    be reached."""
    try:
        return versions.read(VERSION_KEY)
    except Exception:
        logs.report_outage(
            logger, "territory: cache unavailable; locate index checked against the database only"
        )
        return None


# --- The index -------------------------------------------------------------------------------------


@dataclass
class _Index:
    version: str
    fingerprint: tuple[Any, ...]
    checked_at: float
    ids: np.ndarray
    paths: list[str]
    levels: list[str]
    geoms: np.ndarray
    priority: np.ndarray  # higher wins
    tree: shapely.STRtree | None
    by_path: dict[str, int] = field(default_factory=dict)
    by_id: dict[int, int] = field(default_factory=dict)
    # The indexed regions' rows (without their boundaries), read with the index: rebuilt with it
    # whenever a region changes, so a located region costs no query.
    regions: dict[int, Region] = field(default_factory=dict)


_index: _Index | None = None
_lock = threading.Lock()


def _recheck_seconds() -> float:
    return float(getattr(settings, "ZHIZHI_TERRITORY_INDEX_RECHECK_SECONDS", 60))


def _fingerprint() -> tuple[Any, ...]:
    agg = Region.objects.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    return (agg["n"], agg["last"], agg["top"])


def _parse(boundary: Any, code: str) -> BaseGeometry | None:
    try:
        geom = shape(boundary)
    except Exception:  # malformed JSON written around the services: skip it, loudly
        logger.warning("territory: region %s has an unreadable boundary; not indexed", code)
        return None
    if geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
        logger.warning("territory: region %s boundary is not a polygon; not indexed", code)
        return None
    if not geom.is_valid:
        logger.warning("territory: region %s has an invalid boundary; indexed after make_valid", code)
        geom = shapely.make_valid(geom)
    return geom


def _build(version: str) -> _Index:
    fingerprint = _fingerprint()
    rows = list(
        Region.objects.filter(Q(boundary__isnull=False) | Q(is_active=False))
        .order_by("path")
        .values_list("id", "code", "path", "depth", "level", "is_active", "boundary")
    )
    inactive = [path for _, _, path, _, _, active, _ in rows if not active]
    ids: list[int] = []
    paths: list[str] = []
    levels: list[str] = []
    depths: list[int] = []
    geoms: list[BaseGeometry] = []
    for pk, code, path, depth, level, active, boundary in rows:
        if not active or boundary is None or any(path.startswith(p) for p in inactive):
            continue
        geom = _parse(boundary, code)
        if geom is None:
            continue
        ids.append(pk)
        paths.append(path)
        levels.append(level)
        depths.append(depth)
        geoms.append(geom)
    id_arr = np.asarray(ids, dtype=np.int64)
    geom_arr = np.asarray(geoms, dtype=object) if geoms else np.empty(0, dtype=object)
    priority = np.zeros(len(ids), dtype=np.int64)
    if ids:
        areas = np.round(shapely.area(geom_arr), 12)  # equal squares must tie, then the lower id wins
        order = np.lexsort((-id_arr, -areas, np.asarray(depths)))  # last key is primary
        priority[order] = np.arange(len(ids))
        shapely.prepare(geom_arr)
    tree = shapely.STRtree(geom_arr) if ids else None
    logger.debug("territory: locate index built with %d polygons", len(ids))
    return _Index(
        version=version,
        fingerprint=fingerprint,
        checked_at=time.monotonic(),
        ids=id_arr,
        paths=paths,
        levels=levels,
        geoms=geom_arr,
        priority=priority,
        tree=tree,
        by_path={p: i for i, p in enumerate(paths)},
        by_id={pk: i for i, pk in enumerate(ids)},
        regions=Region.objects.defer("boundary").in_bulk(ids) if ids else {},
    )


def _get_index() -> _Index:
    global _index
    idx = _index
    version = _current_version()
    if version is None:  # cache down: keep the index, the periodic fingerprint check still applies
        version = idx.version if idx is not None else ""
    if idx is not None and idx.version == version and time.monotonic() - idx.checked_at < _recheck_seconds():
        return idx
    with _lock:
        idx = _index
        if idx is not None and idx.version == version:
            if time.monotonic() - idx.checked_at < _recheck_seconds():
                return idx
            if _fingerprint() == idx.fingerprint:
                idx.checked_at = time.monotonic()
                return idx
        idx = _build(version)
        _index = idx
        return idx


def reset() -> None:
    """Drop this process's index (tests; after restoring a database)."""
    global _index
    with _lock:
        _index = None


# --- Queries ---------------------------------------------------------------------------------------


def _best(idx: _Index, hits: np.ndarray) -> int | None:
    if hits.size == 0:
        return None
    return int(hits[np.argmax(idx.priority[hits])])


def _hits(idx: _Index, lon: float, lat: float) -> np.ndarray:
    if idx.tree is None:
        return np.empty(0, dtype=np.int64)
    return np.asarray(idx.tree.query(shapely.Point(float(lon), float(lat)), predicate="intersects"))


def _locate(idx: _Index, lon: float, lat: float) -> int | None:
    best = _best(idx, _hits(idx, lon, lat))
    return None if best is None else int(idx.ids[best])


def locate_id(lon: float, lat: float) -> int | None:
    """The id of the deepest active region whose boundary covers (lon, lat); no database query
    unless the territory changed."""
    return _locate(_get_index(), lon, lat)


def locate(lon: float, lat: float) -> Region | None:
    """Like `locate_id`, returning the `Region` (without its boundary): a copy of the index's own
    row, so no query either."""
    idx = _get_index()
    pk = _locate(idx, lon, lat)
    if pk is None:
        return None
    found = idx.regions.get(pk)
    return copy.copy(found) if found is not None else Region.objects.defer("boundary").filter(pk=pk).first()


def locate_many(points: Sequence[tuple[float, float]] | np.ndarray) -> list[int | None]:
    """`locate_id` for many (lon, lat) points at once, vectorised (tens of thousands per second)."""
    arr = np.asarray(points, dtype=float).reshape(-1, 2)
    result: list[int | None] = [None] * len(arr)
    idx = _get_index()
    if idx.tree is None or len(arr) == 0:
        return result
    pts = shapely.points(arr)
    inputs, hits = idx.tree.query(pts, predicate="intersects")
    if inputs.size == 0:
        return result
    order = np.lexsort((idx.priority[hits], inputs))
    inputs, hits = inputs[order], hits[order]
    last = np.append(inputs[1:] != inputs[:-1], True)  # the best hit is the last of each input
    for i, h in zip(inputs[last].tolist(), hits[last].tolist(), strict=True):
        result[i] = int(idx.ids[h])
    return result


def contains(region: Region, lon: float, lat: float) -> bool:
    """Is (lon, lat) inside `region`? False only when the boundaries on record show it is not.

    A region with a boundary: a geometric test. Without one: True if the point lies in a bounded
    descendant; False if it lies in a bounded region outside this subtree (a sibling) or outside
    a bounded ancestor; True when nothing is known (no boundaries drawn yet).
    """
    idx = _get_index()
    own = idx.by_path.get(region.path)
    point = shapely.Point(float(lon), float(lat))
    if own is not None:
        return bool(shapely.intersects(idx.geoms[own], point))
    if region.boundary:  # inactive or not yet indexed: test its own boundary
        try:
            return bool(shape(region.boundary).intersects(point))
        except Exception:  # noqa: S110 - unreadable boundary: fall through to the tree
            pass
    hit_paths = [idx.paths[i] for i in _hits(idx, lon, lat).tolist()]
    if any(p.startswith(region.path) for p in hit_paths):
        return True
    if any(not region.path.startswith(p) for p in hit_paths):
        return False
    bounded_ancestors = [p for p in idx.by_path if region.path.startswith(p)]
    return set(bounded_ancestors) <= set(hit_paths)


def is_inside_territory(lon: float, lat: float) -> bool:
    """Does any active region's boundary cover the point? ("outside the town" vs "inside a town
    with no finer polygon": the latter is inside, and `locate` returns the town.)"""
    idx = _get_index()
    return bool(_hits(idx, lon, lat).size)


def town_bounds() -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) of the towns' boundaries (or of all boundaries when no
    town has one); None when no boundary is known."""
    idx = _get_index()
    if not len(idx.geoms):
        return None
    towns = [i for i, level in enumerate(idx.levels) if level == Level.TOWN]
    geoms = idx.geoms[towns] if towns else idx.geoms
    minx, miny, maxx, maxy = shapely.total_bounds(geoms).tolist()
    return (minx, miny, maxx, maxy)
