"""Fixtures: `world`, a small register with inspections, hazards and enforcement records.

The world (2024 unless said otherwise; every record made by the dispatcher through the services):

    A  listed enterprise       杜庄1-1  工矿商贸   checked 03-05 (hazards h1, h2) and 06-01
    B  listed enterprise       杜庄2-1  工矿商贸   never checked
    C  listed individual biz.  台门1-1  消防       checked 10-20 in the post-accident sweep (h4); 立案 10-22
    D  NOT listed enterprise   台门1-1  工矿商贸   checked 04-01 (h3, major, listed); 停产停业 04-02,
                                                  移送公安 04-10 (2 detained), lifted 06-01
    E  listed enterprise       台门1-1  消防       checked 2023-12-31 only; 停产停业 2023-12-31
    and one patrol in 台门1-1 on 10-21 in the sweep.

    h1 fixed (verified 03-12), h2 still rectifying (due 03-15), h3 plan deadline 2025-06-30,
    h4 fixed (verified 10-26).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.safety.helpers import MICRO_A11, MICRO_A21, MICRO_B11, World, act, at, general, inspect, major, org
from tests.township import Township
from zhizhi.safety import services
from zhizhi.safety.models import EnforcementKind


@pytest.fixture
def world(township: Township) -> World:
    t = township
    o = {
        "A": org(t, 1, region=MICRO_A11),
        "B": org(t, 2, region=MICRO_A21),
        "C": org(t, 3, region=MICRO_B11, kind="individual_business", committee="fire"),
        "D": org(t, 4, region=MICRO_B11, listed=False),
        "E": org(t, 5, region=MICRO_B11, committee="fire"),
    }
    sweep = services.create_campaign(
        actor=t.users["dispatcher"],
        name="“10.12事故”后安全生产紧急排查",
        kind="post_accident",
        region="330903107000",
        starts_on=date(2024, 10, 13),
        ends_on=date(2024, 11, 30),
    )

    def check(name: str, when: str, hazards: list[Any] | None = None, campaign: Any = None) -> Any:
        return inspect(t, o[name], when=at(when), hazards=hazards, by="dispatcher", campaign=campaign)

    i1 = check("A", "2024-03-05 10:00", [general("消防通道堵塞"), general("配电箱无防护")])
    check("A", "2024-06-01 10:00")
    i3 = check("D", "2024-04-01 10:00", [major()])
    i4 = check("E", "2023-12-31 23:30")
    i5 = check("C", "2024-10-20 10:00", [general("灭火器过期")], campaign=sweep)
    services.record_inspection(
        actor=t.users["dispatcher"],
        data=services.InspectionInput(
            inspector="handler_emg", inspected_at=at("2024-10-21 20:00"), kind="patrol", region=MICRO_B11,
            campaign=sweep,
        ),
        now=at("2024-10-21 21:00"),
    )  # fmt: skip
    h1, h2 = i1.hazards
    h3, h4 = i3.hazards[0], i5.hazards[0]

    act(t, h1, "notify", now=at("2024-03-05 11:00"))
    act(t, h1, "start_rectification", now=at("2024-03-06 09:00"))
    act(t, h1, "submit_rectification", now=at("2024-03-10 09:00"))
    act(t, h1, "reinspect_pass", now=at("2024-03-12 09:00"))
    act(t, h2, "notify", now=at("2024-03-05 11:00"))
    act(t, h2, "start_rectification", now=at("2024-03-06 09:00"))
    act(t, h3, "notify", now=at("2024-04-01 11:00"), deadline=None)
    act(t, h3, "list_supervision", now=at("2024-04-02 09:00"))
    act(t, h3, "file_plan", now=at("2024-04-08 09:00"), plan_deadline="2025-06-30")
    act(t, h3, "start_rectification", now=at("2024-04-08 10:00"))
    act(t, h4, "notify", now=at("2024-10-20 11:00"), deadline="2024-10-31")
    act(t, h4, "start_rectification", now=at("2024-10-21 09:00"))
    act(t, h4, "submit_rectification", now=at("2024-10-25 09:00"))
    act(t, h4, "reinspect_pass", now=at("2024-10-26 09:00"))
    act(t, h4, "close", now=at("2024-10-26 10:00"))

    def enforce(name: str, kind: str, on: date, **kw: Any) -> None:
        services.record_enforcement(
            actor=t.users["handler_emg"], organisation=o[name], kind=kind, decided_on=on, reason="依法处理",
            now=at("2024-12-31 09:00"), **kw,
        )  # fmt: skip

    enforce("E", EnforcementKind.SUSPENSION_ORDER, date(2023, 12, 31), inspection=i4.inspection)
    enforce("D", EnforcementKind.SUSPENSION_ORDER, date(2024, 4, 2), hazard=h3, inspection=i3.inspection)
    enforce("D", EnforcementKind.POLICE_REFERRAL, date(2024, 4, 10), persons_detained=2)
    enforce("D", EnforcementKind.SUSPENSION_LIFTED, date(2024, 6, 1))
    enforce("C", EnforcementKind.CASE_FILED, date(2024, 10, 22), inspection=i5.inspection)
    return World(t, o, {"h1": h1, "h2": h2, "h3": h3, "h4": h4}, sweep)
