"""Fixtures for the territory tests (layout in tests/territory/util.py)."""

from __future__ import annotations

import pytest

from tests.territory.util import A01, A0101, A0102, A02, B01, TOWN, VA, VB, Town, square
from zhizhi.territory import services
from zhizhi.territory.models import Level


def _make(parent, level, code, name, box=None, kind=""):
    return services.create_region(
        actor=None,
        parent=parent,
        level=level,
        code=code,
        name=name,
        kind=kind,
        boundary=square(*box) if box else None,
    )


@pytest.fixture
def town(db) -> Town:
    t = _make(None, Level.TOWN, TOWN, "六横镇", (122.00, 29.70, 122.30, 29.80))
    va = _make(t, Level.VILLAGE, VA, "杜庄村", (122.00, 29.70, 122.10, 29.80), kind="village")
    vb = _make(t, Level.VILLAGE, VB, "台门社区", (122.10, 29.70, 122.20, 29.80), kind="community")
    a01 = _make(va, Level.GRID, A01, "杜庄村第1网格", (122.00, 29.70, 122.10, 29.75))
    a02 = _make(va, Level.GRID, A02, "杜庄村第2网格", (122.00, 29.75, 122.10, 29.80))
    b01 = _make(vb, Level.GRID, B01, "台门社区第1网格")
    a0101 = _make(a01, Level.MICRO_GRID, A0101, "杜庄1-1微网格", (122.00, 29.70, 122.05, 29.75))
    a0102 = _make(a01, Level.MICRO_GRID, A0102, "杜庄1-2微网格", (122.05, 29.70, 122.10, 29.75))
    return Town(town=t, va=va, vb=vb, a01=a01, a02=a02, b01=b01, a0101=a0101, a0102=a0102)
