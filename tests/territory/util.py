"""The synthetic town of the territory tests (built through the services by the `town` fixture).

lon 122.00      122.10      122.20      122.30
lat 29.80 +-----------+-----------+-----------+
          | A02       | B         |           |
          |           | (B01: no  |  town     |
lat 29.75 +-----+-----+  boundary)|  only     |
          |A0101|A0102|           |           |
lat 29.70 +-----+-----+-----------+-----------+
  village A (杜庄村) = A01 (south, split into micro-grids 01/02) + A02 (north, no micro-grids);
  village B (台门社区) has one grid B01 with no boundary; east of 122.20 only the town.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhizhi.territory.models import Region

TOWN = "330903107000"
VA = "330903107201"
VB = "330903107202"
A01, A02, B01 = VA + "01", VA + "02", VB + "01"
A0101, A0102 = A01 + "01", A01 + "02"


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }


@dataclass
class Town:
    town: Region
    va: Region
    vb: Region
    a01: Region
    a02: Region
    b01: Region
    a0101: Region
    a0102: Region

    def get(self, code: str) -> Region:
        return Region.objects.get(code=code)


def snapshot() -> list[tuple]:
    """Every region's full state, to assert that a denied write changed nothing."""
    return list(
        Region.objects.order_by("pk").values_list(
            "pk",
            "parent_id",
            "level",
            "kind",
            "code",
            "name",
            "path",
            "depth",
            "boundary",
            "center_lon",
            "center_lat",
            "is_active",
        )
    )
