"""The demo territory: 六横镇 with 35 villages and communities, 52 grids and 238 micro-grids.

The layout is fixed (it does not depend on the seed): the town's box is cut into 5 rows of 7
villages, each row with its own column boundaries; a village with two grids is cut into a southern
and a northern half; a grid is cut into strips along its longer side, one per micro-grid. Every
boundary is a rectangle and siblings share edges exactly, so the polygons tile their parent and
`locate(lon, lat)` finds exactly one micro-grid for a point inside the town.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from zhizhi.territory.locate import territory_changed
from zhizhi.territory.models import Level, Region, VillageKind
from zhizhi.territory.services import clean_boundary

TOWN_CODE = "330903107000"
TOWN_NAME = "六横镇"
LON0, LON1 = 122.05, 122.25
LAT0, LAT1 = 29.65, 29.80
ROWS, COLS = 5, 7
DECIMALS = 6

# (name, kind, grids). 7 communities and 28 villages; 17 of them have two grids (35 + 17 = 52).
# The order is the layout order: row by row from the south-west.
VILLAGES: tuple[tuple[str, str, int], ...] = (
    ("悬山村", VillageKind.VILLAGE, 1),
    ("佛渡村", VillageKind.VILLAGE, 1),
    ("苍洞村", VillageKind.VILLAGE, 1),
    ("小郭巨村", VillageKind.VILLAGE, 2),
    ("五星村", VillageKind.VILLAGE, 2),
    ("积峙村", VillageKind.VILLAGE, 1),
    ("礁潭村", VillageKind.VILLAGE, 1),
    ("青山村", VillageKind.VILLAGE, 1),
    ("滚龙岙村", VillageKind.VILLAGE, 2),
    ("双塘社区", VillageKind.COMMUNITY, 2),
    ("田岙村", VillageKind.VILLAGE, 2),
    ("岑山村", VillageKind.VILLAGE, 1),
    ("大岙村", VillageKind.VILLAGE, 2),
    ("涨起港村", VillageKind.VILLAGE, 2),
    ("杜庄村", VillageKind.VILLAGE, 2),
    ("龙山社区", VillageKind.COMMUNITY, 2),
    ("台门社区", VillageKind.COMMUNITY, 2),
    ("峧头社区", VillageKind.COMMUNITY, 2),
    ("万金社区", VillageKind.COMMUNITY, 2),
    ("平峧社区", VillageKind.COMMUNITY, 2),
    ("小湖社区", VillageKind.COMMUNITY, 2),
    ("龙浦村", VillageKind.VILLAGE, 2),
    ("龙泉村", VillageKind.VILLAGE, 2),
    ("半日浦村", VillageKind.VILLAGE, 1),
    ("石柱头村", VillageKind.VILLAGE, 2),
    ("戎家堂村", VillageKind.VILLAGE, 1),
    ("沙岙村", VillageKind.VILLAGE, 1),
    ("东岙村", VillageKind.VILLAGE, 1),
    ("西浪岙村", VillageKind.VILLAGE, 1),
    ("嵩山村", VillageKind.VILLAGE, 1),
    ("荷花村", VillageKind.VILLAGE, 1),
    ("清港村", VillageKind.VILLAGE, 1),
    ("海闸村", VillageKind.VILLAGE, 1),
    ("大支村", VillageKind.VILLAGE, 1),
    ("梅峙村", VillageKind.VILLAGE, 1),
)

# Micro-grids per grid: a community's grids have 5; so do the first 16 grids of two-grid villages;
# every other grid has 4 (14×5 + 16×5 + 4×4 + 18×4 = 238).
FIVE_MICRO_GRIDS_IN_VILLAGE_GRIDS = 16

Box = tuple[float, float, float, float]  # lon0, lat0, lon1, lat1


def _r(x: float) -> float:
    return round(x, DECIMALS)


def rectangle(box: Box) -> dict[str, object]:
    lon0, lat0, lon1, lat1 = box
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }


def _cuts(lo: float, hi: float, n: int, rng: random.Random, wobble: float) -> list[float]:
    """n + 1 boundaries from lo to hi, evenly spaced with a little (fixed) irregularity."""
    step = (hi - lo) / n
    inner = [_r(lo + step * (i + rng.uniform(-wobble, wobble))) for i in range(1, n)]
    return [_r(lo), *inner, _r(hi)]


def _split(box: Box, n: int) -> list[Box]:
    """n strips of `box` along its longer side (in metres), west→east or south→north."""
    lon0, lat0, lon1, lat1 = box
    width_m = (lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2))
    height_m = lat1 - lat0
    if width_m >= height_m:
        xs = [_r(lon0 + (lon1 - lon0) * i / n) for i in range(n + 1)]
        xs[0], xs[-1] = lon0, lon1
        return [(xs[i], lat0, xs[i + 1], lat1) for i in range(n)]
    ys = [_r(lat0 + (lat1 - lat0) * i / n) for i in range(n + 1)]
    ys[0], ys[-1] = lat0, lat1
    return [(lon0, ys[i], lon1, ys[i + 1]) for i in range(n)]


@dataclass(frozen=True)
class Node:
    level: str
    code: str
    name: str
    box: Box
    kind: str = ""
    children: list[Node] = field(default_factory=list)


def plan() -> Node:
    """The whole tree as plain data (no database)."""
    rng = random.Random("liuheng-territory-layout")  # fixed: the territory is the same for every seed
    town = Node(Level.TOWN, TOWN_CODE, TOWN_NAME, (LON0, LAT0, LON1, LAT1))
    row_cuts = _cuts(LAT0, LAT1, ROWS, rng, 0.15)
    community_seq, village_seq, five_left = 0, 200, FIVE_MICRO_GRIDS_IN_VILLAGE_GRIDS
    for row in range(ROWS):
        col_cuts = _cuts(LON0, LON1, COLS, rng, 0.25)
        for col in range(COLS):
            name, kind, n_grids = VILLAGES[row * COLS + col]
            if kind == VillageKind.COMMUNITY:
                community_seq += 1
                seq = community_seq
            else:
                village_seq += 1
                seq = village_seq
            vbox = (col_cuts[col], row_cuts[row], col_cuts[col + 1], row_cuts[row + 1])
            village = Node(Level.VILLAGE, f"{TOWN_CODE[:9]}{seq:03d}", name, vbox, kind=kind)
            town.children.append(village)
            lon0, lat0, lon1, lat1 = vbox
            if n_grids == 1:
                gboxes = [vbox]
            else:
                mid = _r((lat0 + lat1) / 2)
                gboxes = [(lon0, lat0, lon1, mid), (lon0, mid, lon1, lat1)]
            for gi, gbox in enumerate(gboxes, start=1):
                if kind == VillageKind.COMMUNITY:
                    n_micro = 5
                elif n_grids == 2 and five_left > 0:
                    n_micro, five_left = 5, five_left - 1
                else:
                    n_micro = 4
                grid = Node(Level.GRID, f"{village.code}{gi:02d}", f"{name}第{gi}网格", gbox)
                village.children.append(grid)
                for mi, mbox in enumerate(_split(gbox, n_micro), start=1):
                    grid.children.append(
                        Node(Level.MICRO_GRID, f"{grid.code}{mi:02d}", f"{name}{gi}-{mi}微网格", mbox)
                    )
    return town


@dataclass
class Territory:
    town: Region
    villages: list[Region]
    grids: list[Region]
    micro_grids: list[Region]
    boxes: dict[int, Box]  # region id → its rectangle
    village_of: dict[int, Region]  # grid or micro-grid id → its village
    grid_of: dict[int, Region]  # micro-grid id → its grid


def _region(node: Node, parent: Region | None) -> Region:
    clean = clean_boundary(rectangle(node.box))
    if clean is None:  # pragma: no cover - a rectangle always has a boundary
        raise ValueError(node.code)
    path = f"{parent.path if parent else '/'}{node.code}/"
    return Region(
        parent=parent,
        level=node.level,
        kind=node.kind,
        code=node.code,
        name=node.name,
        path=path,
        depth=path.count("/") - 2,
        boundary=clean.geojson,
        center_lon=clean.center_lon,
        center_lat=clean.center_lat,
    )


def build() -> Territory:
    """Write the tree level by level with bulk_create (paths as Region.save computes them)."""
    root = plan()
    town = _region(root, None)
    town.save()
    villages = Region.objects.bulk_create([_region(v, town) for v in root.children])
    grid_nodes = [(g, v) for vn, v in zip(root.children, villages, strict=True) for g in vn.children]
    grids = Region.objects.bulk_create([_region(g, v) for g, v in grid_nodes])
    micro_nodes = [(m, g) for (gn, _), g in zip(grid_nodes, grids, strict=True) for m in gn.children]
    micro_grids = Region.objects.bulk_create([_region(m, g) for m, g in micro_nodes])
    territory_changed()

    boxes: dict[int, Box] = {town.pk: root.box}
    village_of: dict[int, Region] = {}
    grid_of: dict[int, Region] = {}
    for vn, v in zip(root.children, villages, strict=True):
        boxes[v.pk] = vn.box
    for (gn, v), g in zip(grid_nodes, grids, strict=True):
        boxes[g.pk] = gn.box
        village_of[g.pk] = v
    for (mn, g), m in zip(micro_nodes, micro_grids, strict=True):
        boxes[m.pk] = mn.box
        grid_of[m.pk] = g
        village_of[m.pk] = village_of[g.pk]
    return Territory(town, villages, grids, micro_grids, boxes, village_of, grid_of)
