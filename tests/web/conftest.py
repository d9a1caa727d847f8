"""Fixtures for the workbench: logged-in clients per role, and a small world of cases in known
states, every one built through the services (tests.cases.factories).

The world (all received in March 2024, Asia/Shanghai; street_vending = 1 working day):

    a_closed     grid A1 (杜庄1-1), closed: resolved on time, visit reached, 满意
    a_late       grid A1, resolved late (after its deadline), visit reached, 不满意
    a_open       grid A1, hotline call from 13900001111, dispatched to enforcement (open)
    a_visit      grid A1, resolved on time, visit not reached
    a2_open      grid A2 (杜庄村第2网格), received, supervised once
    b_open       grid B1 (台门社区第1网格), in progress (handler_enf), returned once before
    b_closed     grid B1, closed on time, visit 基本满意, caller 13900001111 as well
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from tests.cases.factories import SH, at, create
from tests.cases.factories import act as _act
from tests.township import VILLAGE_A, VILLAGE_B, Township
from zhizhi.cases.models import Case
from zhizhi.core import calendar
from zhizhi.territory import locate

PASSWORD = "pw-for-tests-1"
ROLES = [
    "grid_a1",
    "grid_b1",
    "cadre_a",
    "cadre_b",
    "dispatcher",
    "handler_enf",
    "handler_emg",
    "operator",
    "leader",
    "admin",
]
GRID_A1 = f"{VILLAGE_A}01"
GRID_A2 = f"{VILLAGE_A}02"
GRID_B1 = f"{VILLAGE_B}01"
MARCH = (date(2024, 3, 1), date(2024, 3, 31))
CALLER = "13900001111"


@pytest.fixture(autouse=True)
def _fresh_caches():
    cache.clear()
    locate.reset()
    calendar.invalidate()
    yield
    calendar.invalidate()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ZHIZHI_EXPORT_DIR = tmp_path / "exports"
    settings.ZHIZHI_JOBS_INLINE = True


def login(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


@pytest.fixture
def as_user(township):
    """as_user("dispatcher") → a Client logged in as that township user."""
    return login


@dataclass
class World:
    t: Township
    a_closed: Case
    a_late: Case
    a_open: Case
    a_visit: Case
    a2_open: Case
    b_open: Case
    b_closed: Case

    def all(self) -> list[Case]:
        return [
            self.a_closed,
            self.a_late,
            self.a_open,
            self.a_visit,
            self.a2_open,
            self.b_open,
            self.b_closed,
        ]


def _drive(t: Township, case: Case, steps: list[tuple[str, str, dict]], start) -> Case:
    now = start
    for action, by, payload in steps:
        now += timedelta(minutes=10)
        _act(t, case, action, by, payload, now=now)
    case.refresh_from_db()
    return case


@pytest.fixture
def world(township: Township) -> World:
    t = township
    a_lon, a_lat = 122.025, 29.725  # 杜庄1-1
    a2_lon, a2_lat = t.point_in(f"{GRID_A2}01")
    b_lon, b_lat = t.point_in(f"{GRID_B1}01")
    dispatch = ("dispatch", "dispatcher", {"department": "enforcement"})
    accept = ("accept", "handler_enf", {})
    start = ("start", "handler_enf", {})
    resolve = ("resolve", "handler_enf", {"resolution": "已处理完毕"})

    t0 = at("2024-03-04 09:00")
    a_closed = create(t, now=t0, title="菜场门口占道经营", lon=a_lon, lat=a_lat)
    _drive(
        t,
        a_closed,
        [
            dispatch,
            accept,
            start,
            resolve,
            ("return_visit", "operator", {"reached": "true", "satisfaction": "satisfied"}),
            ("close", "dispatcher", {}),
        ],
        t0,
    )

    t1 = at("2024-03-05 09:00")
    a_late = create(t, now=t1, title="夜市摊贩占道", lon=a_lon + 0.001, lat=a_lat)
    _drive(t, a_late, [dispatch, accept, start], t1)
    _act(t, a_late, "resolve", "handler_enf", {"resolution": "迟到的处理"}, now=at("2024-03-12 10:00"))
    _act(
        t,
        a_late,
        "return_visit",
        "operator",
        {"reached": "true", "satisfaction": "unsatisfied"},
        now=at("2024-03-12 11:00"),
    )
    a_late.refresh_from_db()

    t2 = at("2024-03-06 09:00")
    a_open = create(
        t,
        by="operator",
        now=t2,
        channel="hotline",
        title="反映占道经营扰民",
        lon=a_lon,
        lat=a_lat + 0.001,
        reporter_phone=CALLER,
        reporter_name="王小明",
    )
    _drive(t, a_open, [dispatch], t2)

    t3 = at("2024-03-07 09:00")
    a_visit = create(t, now=t3, title="流动摊贩", lon=a_lon, lat=a_lat - 0.001)
    _drive(
        t,
        a_visit,
        [dispatch, accept, start, resolve, ("return_visit", "operator", {"reached": "false"})],
        t3,
    )

    t4 = at("2024-03-08 09:00")
    a2_open = create(t, by="cadre_a", now=t4, title="第二网格占道", lon=a2_lon, lat=a2_lat)
    _drive(t, a2_open, [("supervise", "leader", {"note": "请尽快派单"})], t4)

    t5 = at("2024-03-11 09:00")
    b_open = create(t, by="grid_b1", now=t5, title="台门社区占道经营", lon=b_lon, lat=b_lat)
    _drive(
        t,
        b_open,
        [dispatch, ("return", "handler_enf", {"reason": "地址不清"}), dispatch, accept, start],
        t5,
    )

    t6 = at("2024-03-12 09:00")
    b_closed = create(
        t,
        by="grid_b1",
        now=t6,
        title="台门社区流动摊贩",
        lon=b_lon + 0.001,
        lat=b_lat,
        reporter_phone=CALLER,
    )
    _drive(
        t,
        b_closed,
        [
            dispatch,
            accept,
            start,
            resolve,
            ("return_visit", "operator", {"reached": "true", "satisfaction": "basically_satisfied"}),
            ("close", "operator", {}),
        ],
        t6,
    )
    return World(t, a_closed, a_late, a_open, a_visit, a2_open, b_open, b_closed)


def list_ids(client: Client, query: str = "") -> list[int]:
    """The ids the case list shows for a querystring (all pages)."""
    ids: list[int] = []
    page = 1
    while True:
        sep = "&" if query else ""
        r = client.get(f"/cases/?{query}{sep}per_page=100&page={page}")
        assert r.status_code == 200, r.content.decode()[:500]
        ids += [c.pk for c in r.context["page_obj"].object_list]
        if not r.context["page_obj"].has_next():
            return ids
        page += 1


def list_count(client: Client, query: str) -> int:
    r = client.get(f"/cases/?{query}")
    assert r.status_code == 200, r.content.decode()[:500]
    shown = re.search(r'data-testid="result-count">(\d+)<', r.content.decode())
    assert shown is not None
    assert int(shown.group(1)) == r.context["count"]
    return r.context["count"]


__all__ = [
    "CALLER",
    "GRID_A1",
    "GRID_A2",
    "GRID_B1",
    "MARCH",
    "ROLES",
    "SH",
    "World",
    "list_count",
    "list_ids",
]
