"""Safety figures on a small world (tests/safety/conftest.py `world`) with exact expected numbers,
by region, committee, campaign, kind and period; coverage arithmetic; every figure's drill-down
counts what the figure counts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.safety.helpers import World, at, inspect
from tests.township import VILLAGE_A, VILLAGE_B
from zhizhi.safety import figures
from zhizhi.safety.figures import FIGURES, FigureFilter

pytestmark = pytest.mark.django_db


YEAR_END = at("2024-12-31 23:59:59")


def f(**kw: Any) -> FigureFilter:
    kw.setdefault("year", 2024)
    kw.setdefault("as_of", YEAR_END)
    return FigureFilter.build(**kw)


def test_the_town_in_2024(world: World) -> None:
    assert figures.compute(f()) == {
        "register_listed": 4,
        "register_coverage": 0.5,
        "inspections": 4,
        "patrols": 1,
        "organisations_inspected": 3,
        "hazards_found": 4,
        "hazards_rectified": 2,
        "rectification_rate": 0.5,
        "hazards_overdue": 1,
        "major_hazards": 1,
        "listed_hazards": 1,
        "suspensions": 1,
        "cases_filed": 1,
        "police_referrals": 1,
        "persons_detained": 2,
        "never_inspected": 2,
    }


def test_coverage_counts_an_organisation_inspected_twice_once(world: World) -> None:
    # A is inspected twice in 2024 and covers once; D (not listed) is inspected and covers nothing
    assert FIGURES["register_coverage"].parts(f()) == (2, 4)
    assert set(figures.covered(f()).values_list("name", flat=True)) == {"测试企业1", "测试企业3"}
    assert figures.inspections(f()).filter(organisation=world.orgs["A"]).count() == 2


def test_an_unlisted_organisation_does_not_raise_coverage(world: World) -> None:
    before = FIGURES["register_coverage"].parts(f())
    inspect(world.t, world.orgs["D"], when=at("2024-07-01 10:00"), by="dispatcher")
    assert FIGURES["register_coverage"].parts(f()) == before == (2, 4)
    assert figures.compute(f(), ["inspections", "organisations_inspected"]) == {
        "inspections": 5,
        "organisations_inspected": 3,
    }
    # Listing B and inspecting it does
    inspect(world.t, world.orgs["B"], when=at("2024-07-01 10:00"), by="dispatcher")
    assert FIGURES["register_coverage"].parts(f()) == (3, 4)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        (
            {"region": VILLAGE_A},
            {"register_listed": 2, "register_coverage": 0.5, "inspections": 2, "hazards_found": 2,
             "hazards_rectified": 1, "hazards_overdue": 1, "major_hazards": 0, "suspensions": 0,
             "never_inspected": 1},
        ),
        (
            {"region": VILLAGE_B},
            {"register_listed": 2, "register_coverage": 0.5, "inspections": 2, "hazards_found": 2,
             "hazards_rectified": 1, "hazards_overdue": 0, "major_hazards": 1, "suspensions": 1,
             "never_inspected": 1},
        ),
        (
            {"committee": "fire"},
            {"register_listed": 2, "register_coverage": 0.5, "inspections": 1, "hazards_found": 1,
             "hazards_rectified": 1, "hazards_overdue": 0, "major_hazards": 0, "suspensions": 0,
             "never_inspected": 1},
        ),
        (
            {"committee": "industry_trade"},
            {"register_listed": 2, "register_coverage": 0.5, "inspections": 3, "hazards_found": 3,
             "hazards_rectified": 1, "hazards_overdue": 1, "major_hazards": 1, "suspensions": 1,
             "never_inspected": 1},
        ),
        (
            {"kind": "individual_business"},
            {"register_listed": 1, "register_coverage": 1.0, "inspections": 1, "hazards_found": 1,
             "hazards_rectified": 1, "hazards_overdue": 0, "major_hazards": 0, "suspensions": 0,
             "never_inspected": 0},
        ),
        (
            {"year": None, "start": date(2024, 1, 1), "end": date(2024, 3, 31), "as_of": None},
            {"register_listed": 4, "register_coverage": 0.25, "inspections": 1, "hazards_found": 2,
             "hazards_rectified": 1, "hazards_overdue": 1, "major_hazards": 0, "suspensions": 0,
             "never_inspected": 3},
        ),
        (
            {"year": 2023},
            {"register_listed": 4, "register_coverage": 0.25, "inspections": 1, "hazards_found": 0,
             "hazards_rectified": 0, "hazards_overdue": 0, "major_hazards": 0, "suspensions": 1,
             "never_inspected": 3},
        ),
        (
            {"as_of": at("2024-03-11 12:00")},
            {"register_listed": 4, "register_coverage": 0.5, "inspections": 4, "hazards_found": 4,
             "hazards_rectified": 0, "hazards_overdue": 0, "major_hazards": 1, "suspensions": 1,
             "never_inspected": 2},
        ),
    ],
)  # fmt: skip
def test_by_region_committee_kind_and_period(
    world: World, kw: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert figures.compute(f(**kw), list(expected)) == expected


def test_the_post_accident_campaign(world: World) -> None:
    got = figures.compute(f(campaign=world.sweep.pk))
    assert {k: got[k] for k in (
        "register_listed", "register_coverage", "inspections", "patrols", "hazards_found", "hazards_rectified",
        "rectification_rate", "suspensions", "cases_filed",
    )} == {
        "register_listed": 4, "register_coverage": 0.25, "inspections": 1, "patrols": 1, "hazards_found": 1,
        "hazards_rectified": 1, "rectification_rate": 1.0, "suspensions": 0, "cases_filed": 1,
    }  # fmt: skip


def test_every_figure_drills_down_to_what_it_counts(world: World) -> None:
    for kw in (
        {},
        {"region": VILLAGE_B},
        {"committee": "fire"},
        {"campaign": world.sweep.pk},
        {"year": 2023},
    ):
        flt = f(**kw)
        for code, fig in FIGURES.items():
            rows = figures.drill(code, flt).count()
            if fig.is_rate:
                assert rows == fig.parts(flt)[0], (code, kw)  # type: ignore[index]
            elif fig.total_field is None:
                assert rows == fig.value(flt), (code, kw)


def test_drill_downs_are_limited_to_what_the_user_may_see(world: World) -> None:
    t = world.t
    assert set(figures.drill("never_inspected", f()).values_list("name", flat=True)) == {
        "测试企业2",
        "测试企业5",
    }
    assert set(figures.drill("never_inspected", f(), t.users["cadre_a"]).values_list("name", flat=True)) == {
        "测试企业2"
    }
    assert figures.drill("hazards_found", f(), t.users["handler_emg"]).count() == 4
    assert figures.drill("hazards_found", f(), t.users["handler_enf"]).count() == 0
    assert figures.drill("hazards_found", f(), t.users["cadre_b"]).count() == 2
    assert figures.drill("suspensions", f(), t.users["cadre_a"]).count() == 0


def test_unknown_codes_are_refused() -> None:
    from zhizhi.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        figures.drill("happiness", FigureFilter())
