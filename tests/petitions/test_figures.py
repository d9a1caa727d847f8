"""Petition figures for a region subtree and a period, each equal to the count of its records.

The world (all through the services):

    P1 village A  registered 2024-01-10, accepted 01-11, replied 02-01           (on time)
    P2 village A  registered 2024-02-01, group of 6, accepted 02-02, replied 04-10 (due 04-02: late)
    P3 village B  registered 2024-03-01, repeat of P1, not accepted 03-02
    P4 village B  registered 2024-12-30, accepted 2025-01-02 (after the period)
    P5 village A  registered 2023-06-01 as backlog, accepted, replied 2023-07-01, closed settled 2024-05-01
    P6 village A  registered 2023-05-01, accepted, listed as backlog 2023-12-01, still handling
    P7 village B  registered 2024-04-01, accepted 04-02, replied 04-05, review requested 04-10
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.petitions.helpers import MICRO_B11, VILLAGE_B, act, at, person, register, ric
from tests.township import Township
from zhizhi.cases.models import Case
from zhizhi.core.errors import DomainError
from zhizhi.petitions import figures


@pytest.fixture
def world(t: Township) -> dict[str, Case]:
    def reg(n: int, when: str, **kw: object) -> Case:
        kw.setdefault("petitioners", [person(f"信访人{n}", ric(n))])
        return register(t, now=at(when), **kw)

    p = {
        "P1": reg(1, "2024-01-10 09:00"),
        "P2": reg(2, "2024-02-01 09:00", people_count=6,
                  petitioners=[person("代表甲", ric(20), is_representative=True), person("代表乙", ric(21))]),
        "P4": reg(4, "2024-12-30 09:00", region=MICRO_B11),
        "P5": reg(5, "2023-06-01 09:00", backlog=True),
        "P6": reg(6, "2023-05-01 09:00"),
        "P7": reg(7, "2024-04-01 09:00", region=MICRO_B11),
    }  # fmt: skip
    p["P3"] = reg(3, "2024-03-01 09:00", region=MICRO_B11, repeat_of=p["P1"].pk)
    act(t, p["P1"], "accept", now=at("2024-01-11 09:00"))
    act(t, p["P1"], "reply", now=at("2024-02-01 09:00"))
    act(t, p["P2"], "accept", now=at("2024-02-02 09:00"))
    act(t, p["P2"], "reply", now=at("2024-04-10 09:00"))
    act(t, p["P3"], "not_accept", now=at("2024-03-02 09:00"))
    act(t, p["P4"], "accept", now=at("2025-01-02 09:00"))
    act(t, p["P5"], "accept", now=at("2023-06-02 09:00"))
    act(t, p["P5"], "reply", now=at("2023-07-01 09:00"))
    act(t, p["P5"], "close", now=at("2024-05-01 09:00"), settled=True)
    act(t, p["P6"], "accept", now=at("2023-05-02 09:00"))
    act(t, p["P6"], "flag_backlog", now=at("2023-12-01 09:00"))
    act(t, p["P7"], "accept", now=at("2024-04-02 09:00"))
    act(t, p["P7"], "reply", now=at("2024-04-05 09:00"))
    act(t, p["P7"], "request_review", now=at("2024-04-10 09:00"))
    return p


def names(world: dict[str, Case], qs: object) -> list[str]:
    pks = set(qs.values_list("pk", flat=True))  # type: ignore[attr-defined]
    return sorted(k for k, c in world.items() if c.pk in pks)


TOWN_2024 = {
    "received": ["P1", "P2", "P3", "P4", "P7"],
    "accepted": ["P1", "P2", "P7"],
    "answered": ["P1", "P2", "P7"],
    "answered_on_time": ["P1", "P7"],
    "on_time_rate": ["P1", "P7"],
    "group": ["P2"],
    "repeat": ["P3"],
    "reviews": ["P7"],
    "re_reviews": [],
    "backlog": ["P5", "P6"],
    "backlog_resolved": ["P5"],
    "backlog_resolution_rate": ["P5"],
}


def test_every_figure_for_the_town_and_its_records(world: dict[str, Case]) -> None:
    f = figures.FigureFilter.build(year=2024)
    assert figures.compute(f) == {
        "received": 5,
        "accepted": 3,
        "answered": 3,
        "answered_on_time": 2,
        "on_time_rate": 0.666667,
        "group": 1,
        "repeat": 1,
        "reviews": 1,
        "re_reviews": 0,
        "backlog": 2,
        "backlog_resolved": 1,
        "backlog_resolution_rate": 0.5,
    }
    for code, expected in TOWN_2024.items():
        assert names(world, figures.drill(code, f)) == expected, code
    assert names(world, figures.drill_denominator("on_time_rate", f)) == ["P1", "P2", "P7"]
    assert names(world, figures.drill_denominator("backlog_resolution_rate", f)) == ["P5", "P6"]


def test_a_village_subtree(world: dict[str, Case]) -> None:
    f = figures.FigureFilter.build(year=2024, region=VILLAGE_B)
    assert figures.compute(f) == {
        "received": 3,
        "accepted": 1,
        "answered": 1,
        "answered_on_time": 1,
        "on_time_rate": 1.0,
        "group": 0,
        "repeat": 1,
        "reviews": 1,
        "re_reviews": 0,
        "backlog": 0,
        "backlog_resolved": 0,
        "backlog_resolution_rate": None,
    }


def test_the_period_decides_and_as_of_looks_later(world: dict[str, Case]) -> None:
    # 2023: P5 and P6 received and answered... P6 not answered
    f = figures.FigureFilter.build(year=2023)
    assert figures.compute(f, ["received", "accepted", "answered", "backlog", "backlog_resolved"]) == {
        "received": 2, "accepted": 2, "answered": 1, "backlog": 2, "backlog_resolved": 0,
    }  # fmt: skip
    # the 2024 cohort seen at the end of January 2025: P4 has been accepted since
    later = figures.FigureFilter.build(year=2024, as_of=at("2025-01-31 00:00"))
    assert figures.compute(later, ["accepted"]) == {"accepted": 4}
    spring = figures.FigureFilter.build(start=date(2024, 3, 1), end=date(2024, 4, 30))
    assert names(world, figures.drill("received", spring)) == ["P3", "P7"]


def test_a_user_sees_the_figures_of_what_they_may_see(t: Township, world: dict[str, Case]) -> None:
    f = figures.FigureFilter.build(year=2024)
    value = figures.evaluate("received", f, t.users["cadre_b"])  # village B's cadre
    assert (value.value, value.numerator) == (3, 3)
    assert names(world, figures.drill("received", f, t.users["cadre_b"])) == ["P3", "P4", "P7"]
    rate = figures.evaluate("on_time_rate", f, t.users["cadre_a"])
    assert (rate.value, rate.numerator, rate.denominator) == (0.5, 1, 2)


def test_unknown_inputs_are_refused(world: dict[str, Case]) -> None:
    for kw, code in [({"region": "999"}, "unknown_region"), ({"start": date(2024, 2, 1), "end": date(2024, 1, 1)},
                     "invalid_date_range")]:  # fmt: skip
        with pytest.raises(DomainError) as exc:
            figures.FigureFilter.build(**kw)  # type: ignore[arg-type]
        assert exc.value.code == code
    with pytest.raises(DomainError) as exc:
        figures.drill("nope", figures.FigureFilter())
    assert exc.value.code == "unknown_figure"


def test_the_command_prints_the_figures(world: dict[str, Case]) -> None:
    out = StringIO()
    call_command("petitions", "figures", "--year", "2024", stdout=out)
    assert out.getvalue().splitlines() == [
        "全部区域  2024-01-01 ~ 2024-12-31",
        "收到信访事项    5 件",
        "受理信访事项    3 件",
        "出具处理意见书  3 件",
        "按期答复        2 件",
        "按期答复率      66.7%（2/3）",
        "集体访          1 件",
        "重复信访        1 件",
        "请求复查        1 件",
        "请求复核        0 件",
        "积案            2 件",
        "化解积案        1 件",
        "积案化解率      50.0%（1/2）",
    ]
    out = StringIO()
    call_command("petitions", "figures", "--year", "2024", "--region", VILLAGE_B, stdout=out)
    assert out.getvalue().splitlines()[0] == "台门社区  2024-01-01 ~ 2024-12-31"
    assert out.getvalue().splitlines()[-1] == "积案化解率      —（0/0）"
    with pytest.raises(CommandError, match="区域代码不存在：999"):
        call_command("petitions", "figures", "--year", "2024", "--region", "999")
