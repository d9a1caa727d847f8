"""Mediation figures for a region subtree and a period, each equal to the count of its records.

The world (all through the services; village A unless said otherwise; accepted a day after
registration at 10:00 unless said otherwise, so the limit to conclude is 30 days later):

    D1 registered 2024-01-08, on site, accepted 01-09, written agreement 01-20, visited, closed
    D2 registered 2024-02-01 as major, shared court, accepted 02-02, oral agreement 03-20 (due 03-03: late)
    D3 village B, registered 2024-03-01, online, accepted 03-02, failed 03-15
    D4 village B, registered 2024-03-10, not accepted 03-11 (never mediated)
    D5 registered 2024-12-20, shared court, accepted 12-21, written agreement 2025-01-05 (after the period)
    D6 registered 2023-12-28, online, accepted 2024-01-02, written agreement 01-10
    D7 village B, registered 2024-05-06, on site, accepted 05-07, flagged major 05-08, referred to court 05-20
    D8 registered 2023-06-01, on site, accepted 06-02, written agreement 06-15 (the 2023 cohort)
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.mediation.helpers import MICRO_B11, VILLAGE_B, act, at, register
from tests.township import Township
from zhizhi.cases.models import Case
from zhizhi.core.errors import DomainError
from zhizhi.mediation import figures

ORAL_ONLY = {"form": "oral", "facts": None, "responsibilities": None, "performance_manner": None,
             "performance_due": None}  # fmt: skip


@pytest.fixture
def world(t: Township) -> dict[str, Case]:
    def reg(when: str, **kw: object) -> Case:
        return register(t, now=at(f"{when} 09:00"), **kw)

    def accept(case: Case, day: str) -> None:
        act(t, case, "accept", now=at(f"{day} 10:00"))

    d = {
        "D1": reg("2024-01-08"),
        "D2": reg("2024-02-01", major=True, major_note="涉及 20 户", channel="shared_court"),
        "D3": reg("2024-03-01", region=MICRO_B11, channel="online"),
        "D4": reg("2024-03-10", region=MICRO_B11),
        "D5": reg("2024-12-20", channel="shared_court"),
        "D6": reg("2023-12-28", channel="online"),
        "D7": reg("2024-05-06", region=MICRO_B11),
        "D8": reg("2023-06-01"),
    }
    for name, day in [("D1", "2024-01-09"), ("D2", "2024-02-02"), ("D3", "2024-03-02"), ("D5", "2024-12-21"),
                      ("D6", "2024-01-02"), ("D7", "2024-05-07"), ("D8", "2023-06-02")]:  # fmt: skip
        accept(d[name], day)
    act(t, d["D1"], "agree", now=at("2024-01-20 10:00"))
    act(t, d["D1"], "follow_up", now=at("2024-01-25 10:00"))
    act(t, d["D1"], "close", now=at("2024-01-26 10:00"))
    act(t, d["D2"], "agree", now=at("2024-03-20 10:00"), **ORAL_ONLY)
    act(t, d["D3"], "fail", now=at("2024-03-15 10:00"))
    act(t, d["D4"], "not_accept", now=at("2024-03-11 10:00"))
    act(t, d["D5"], "agree", now=at("2025-01-05 10:00"), performance_due="2025-01-31")
    act(t, d["D6"], "agree", now=at("2024-01-10 10:00"))
    act(t, d["D7"], "flag_major", now=at("2024-05-08 10:00"))
    act(t, d["D7"], "refer", now=at("2024-05-20 10:00"))
    act(t, d["D8"], "agree", now=at("2023-06-15 10:00"))
    return d


def names(world: dict[str, Case], qs: object) -> list[str]:
    pks = set(qs.values_list("pk", flat=True))  # type: ignore[attr-defined]
    return sorted(k for k, c in world.items() if c.pk in pks)


TOWN_2024 = {
    "registered": ["D1", "D2", "D3", "D4", "D5", "D7"],
    "mediated": ["D1", "D2", "D3", "D5", "D6", "D7"],
    "concluded": ["D1", "D2", "D3", "D6", "D7"],
    "concluded_on_time": ["D1", "D3", "D6", "D7"],
    "on_time_rate": ["D1", "D3", "D6", "D7"],
    "agreements": ["D1", "D2", "D6"],
    "written_agreements": ["D1", "D6"],
    "success_rate": ["D1", "D2", "D6"],
    "major": ["D2", "D7"],
    "mediated_on_site": ["D1", "D7"],
    "mediated_online": ["D3", "D6"],
    "mediated_shared_court": ["D2", "D5"],
    "agreed_on_site": ["D1"],
    "agreed_online": ["D6"],
    "agreed_shared_court": ["D2"],
}


def test_every_figure_for_the_town_and_its_records(world: dict[str, Case]) -> None:
    f = figures.FigureFilter.build(year=2024)
    assert figures.compute(f) == {
        "registered": 6,
        "mediated": 6,
        "concluded": 5,
        "concluded_on_time": 4,
        "on_time_rate": 0.8,
        "agreements": 3,
        "written_agreements": 2,
        "success_rate": 0.5,
        "major": 2,
        "mediated_on_site": 2,
        "mediated_online": 2,
        "mediated_shared_court": 2,
        "agreed_on_site": 1,
        "agreed_online": 1,
        "agreed_shared_court": 1,
    }
    assert list(figures.FIGURES) == list(TOWN_2024)
    for code, expected in TOWN_2024.items():
        assert names(world, figures.drill(code, f)) == expected, code
        assert figures.drill(code, f).count() == len(expected)
    assert names(world, figures.drill_denominator("on_time_rate", f)) == TOWN_2024["concluded"]
    assert names(world, figures.drill_denominator("success_rate", f)) == TOWN_2024["mediated"]


def test_the_channels_partition_the_mediated(world: dict[str, Case]) -> None:
    f = figures.FigureFilter.build(year=2024)
    values = figures.compute(f)
    assert (
        sum(values[f"mediated_{c}"] or 0 for c in ("on_site", "online", "shared_court")) == values["mediated"]
    )
    assert (
        sum(values[f"agreed_{c}"] or 0 for c in ("on_site", "online", "shared_court")) == values["agreements"]
    )


def test_a_village_subtree(world: dict[str, Case]) -> None:
    f = figures.FigureFilter.build(year=2024, region=VILLAGE_B)
    assert figures.compute(f) == {
        "registered": 3,
        "mediated": 2,
        "concluded": 2,
        "concluded_on_time": 2,
        "on_time_rate": 1.0,
        "agreements": 0,
        "written_agreements": 0,
        "success_rate": 0.0,
        "major": 1,
        "mediated_on_site": 1,
        "mediated_online": 1,
        "mediated_shared_court": 0,
        "agreed_on_site": 0,
        "agreed_online": 0,
        "agreed_shared_court": 0,
    }


def test_the_period_decides_and_as_of_looks_later(world: dict[str, Case]) -> None:
    f = figures.FigureFilter.build(year=2023)
    assert figures.compute(f, ["registered", "mediated", "agreements", "success_rate", "major"]) == {
        "registered": 2, "mediated": 1, "agreements": 1, "success_rate": 1.0, "major": 0,
    }  # fmt: skip
    # the 2024 cohort seen at the end of January 2025: D5's agreement has been reached since
    later = figures.FigureFilter.build(year=2024, as_of=at("2025-01-31 00:00"))
    assert figures.compute(later, ["agreements", "success_rate", "agreed_shared_court"]) == {
        "agreements": 4, "success_rate": 0.666667, "agreed_shared_court": 2,
    }  # fmt: skip
    # and seen on 1 March 2024, before D2's agreement and D7's flag
    early = figures.FigureFilter.build(year=2024, as_of=at("2024-03-01 00:00"))
    assert figures.compute(early, ["mediated", "agreements", "major"]) == {
        "mediated": 3,
        "agreements": 2,
        "major": 1,
    }
    spring = figures.FigureFilter.build(start=date(2024, 3, 1), end=date(2024, 5, 31))
    assert names(world, figures.drill("mediated", spring)) == ["D3", "D7"]


def test_a_user_sees_the_figures_of_what_they_may_see(t: Township, world: dict[str, Case]) -> None:
    f = figures.FigureFilter.build(year=2024)
    value = figures.evaluate("mediated", f, t.users["cadre_b"])  # village B's cadre
    assert (value.value, value.numerator) == (2, 2)
    assert names(world, figures.drill("mediated", f, t.users["cadre_b"])) == ["D3", "D7"]
    rate = figures.evaluate("success_rate", f, t.users["cadre_a"])
    assert (rate.value, rate.numerator, rate.denominator) == (0.75, 3, 4)
    assert figures.evaluate("mediated", f, t.users["handler_enf"]).value == 0  # another department


def test_unknown_inputs_are_refused(world: dict[str, Case]) -> None:
    for kw, code in [({"region": "999"}, "unknown_region"), ({"start": date(2024, 2, 1), "end": date(2024, 1, 1)},
                     "invalid_date_range"), ({"year": 99999}, "invalid_year")]:  # fmt: skip
        with pytest.raises(DomainError) as exc:
            figures.FigureFilter.build(**kw)  # type: ignore[arg-type]
        assert exc.value.code == code
    with pytest.raises(DomainError) as exc:
        figures.drill("nope", figures.FigureFilter())
    assert exc.value.code == "unknown_figure"
    with pytest.raises(DomainError) as exc:
        figures.drill_denominator("mediated", figures.FigureFilter())
    assert exc.value.code == "not_a_rate"


def test_the_command_prints_the_figures(world: dict[str, Case]) -> None:
    out = StringIO()
    call_command("mediation", "figures", "--year", "2024", stdout=out)
    assert out.getvalue().splitlines() == [
        "全部区域  2024-01-01 ~ 2024-12-31",
        "登记纠纷        6 起",
        "调解纠纷        6 起",
        "调结纠纷        5 起",
        "按期调结        4 起",
        "按期调结率      80.0%（4/5）",
        "调解成功        3 起",
        "制作调解协议书  2 份",
        "调解成功率      50.0%（3/6）",
        "重大疑难纠纷    2 起",
        "现场调解        2 起",
        "浙江解纷码调解  2 件",
        "共享法庭调解    2 件",
        "现场调解成功    1 起",
        "浙江解纷码化解  1 件",
        "共享法庭化解    1 件",
    ]
    out = StringIO()
    call_command("mediation", "figures", "--year", "2023", "--region", VILLAGE_B, stdout=out)
    assert out.getvalue().splitlines()[0] == "台门社区  2023-01-01 ~ 2023-12-31"
    assert out.getvalue().splitlines()[8] == "调解成功率      —（0/0）"
    with pytest.raises(CommandError, match="区域代码不存在：999"):
        call_command("mediation", "figures", "--year", "2024", "--region", "999")
    with pytest.raises(CommandError, match="日期须为 YYYY-MM-DD：March"):
        call_command("mediation", "figures", "--start", "March")
