"""A small synthetic township for tests: one town, two villages, each with two grids of two
micro-grids, all with square boundaries, plus one user per role scoped the way a town would.

Layout (lon 122.00–122.20, lat 29.70–29.80):
  village A (330903107201) lon 122.00–122.10, village B (330903107202) lon 122.10–122.20;
  each village's grid 01 is the southern half, grid 02 the northern half;
  each grid's micro-grid 01 is its western half, 02 its eastern half.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zhizhi.accounts.models import Department, Role, User
from zhizhi.territory.models import Level, Region

TOWN_CODE = "330903107000"
VILLAGE_A = "330903107201"
VILLAGE_B = "330903107202"


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }


def _region(parent: Region | None, level: str, code: str, name: str, box: tuple, kind: str = "") -> Region:
    lon0, lat0, lon1, lat1 = box
    return Region.objects.create(
        parent=parent,
        level=level,
        code=code,
        name=name,
        kind=kind,
        boundary=square(*box),
        center_lon=(lon0 + lon1) / 2,
        center_lat=(lat0 + lat1) / 2,
    )


@dataclass
class Township:
    town: Region
    villages: dict[str, Region] = field(default_factory=dict)
    grids: dict[str, Region] = field(default_factory=dict)
    micro_grids: dict[str, Region] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def point_in(self, code: str) -> tuple[float, float]:
        region = Region.objects.get(code=code)
        return float(region.center_lon or 0), float(region.center_lat or 0)


def build_township() -> Township:
    town = _region(None, Level.TOWN, TOWN_CODE, "六横镇", (122.00, 29.70, 122.20, 29.80))
    t = Township(town=town)
    for vcode, vname, lon0 in ((VILLAGE_A, "杜庄村", 122.00), (VILLAGE_B, "台门社区", 122.10)):
        kind = "community" if "社区" in vname else "village"
        v = _region(town, Level.VILLAGE, vcode, vname, (lon0, 29.70, lon0 + 0.10, 29.80), kind=kind)
        t.villages[vcode] = v
        for gi, lat0 in ((1, 29.70), (2, 29.75)):
            gcode = f"{vcode}{gi:02d}"
            g = _region(v, Level.GRID, gcode, f"{vname}第{gi}网格", (lon0, lat0, lon0 + 0.10, lat0 + 0.05))
            t.grids[gcode] = g
            for mi, mlon0 in ((1, lon0), (2, lon0 + 0.05)):
                mcode = f"{gcode}{mi:02d}"
                t.micro_grids[mcode] = _region(
                    g,
                    Level.MICRO_GRID,
                    mcode,
                    f"{vname}{gi}-{mi}微网格",
                    (mlon0, lat0, mlon0 + 0.05, lat0 + 0.05),
                )

    def user(username: str, role: str, regions: list[Region] = (), depts: list[str] = ()) -> User:  # type: ignore[assignment]
        u = User.objects.create_user(
            username=username, password="pw-for-tests-1", role=role, display_name=username
        )
        u.regions.set(regions)
        u.departments.set(Department.objects.filter(code__in=depts))
        t.users[username] = u
        return u

    a1 = t.grids[f"{VILLAGE_A}01"]
    user("grid_a1", Role.GRID_WORKER, [a1])
    user("grid_b1", Role.GRID_WORKER, [t.grids[f"{VILLAGE_B}01"]])
    user("cadre_a", Role.VILLAGE_CADRE, [t.villages[VILLAGE_A]])
    user("cadre_b", Role.VILLAGE_CADRE, [t.villages[VILLAGE_B]])
    user("dispatcher", Role.DISPATCHER, [town])
    user("handler_enf", Role.HANDLER, [], ["enforcement"])
    user("handler_emg", Role.HANDLER, [], ["emergency"])
    user("operator", Role.HOTLINE_OPERATOR, [town])
    user("leader", Role.LEADER, [town])
    user("admin", Role.ADMIN, [])
    return t
