"""The dashboard: each KPI equals the count of the list it links to, and the figures are the ones
the glossary defines, computed from the database."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date

import pytest

from tests.web.conftest import GRID_A1, World, list_count, login
from zhizhi.cases.models import Case
from zhizhi.metrics import kpis
from zhizhi.web import filters

pytestmark = pytest.mark.django_db

MARCH = "from=2024-03-01&to=2024-03-31"
LINK = re.compile(r'<a href="/cases/\?([^"]*)" data-kpi="([^"]+)"[^>]*>(\d+)</a>')


def links(content: bytes) -> list[tuple[str, str, int]]:
    return [(htmllib.unescape(q), key, int(n)) for q, key, n in LINK.findall(content.decode())]


@pytest.mark.parametrize("username", ["dispatcher", "leader", "grid_a1", "cadre_b", "handler_enf"])
@pytest.mark.parametrize("query", [MARCH, f"{MARCH}&region={GRID_A1[:-2]}", "from=2024-03-05&to=2024-03-07"])
def test_every_number_on_the_dashboard_equals_its_list(world: World, username: str, query: str):
    c = login(username)
    r = c.get(f"/metrics/?{query}")
    if r.status_code == 404:  # a region outside this user's scope
        assert username in ("grid_a1", "cadre_b")
        return
    found = links(r.content)
    keys = {k for _, k, _ in found}
    for kpi in kpis.KPIS:
        assert f"{kpi.key}:numerator" in keys
        if kpi.is_rate:
            assert f"{kpi.key}:denominator" in keys
    assert any(k.startswith("by_channel:") for k in keys)
    assert any(k.startswith("over_time:") for k in keys)
    for query_string, key, number in found:
        assert list_count(c, query_string) == number, (username, key)


def test_the_figures_are_the_glossarys(world: World):
    r = login("dispatcher").get(f"/metrics/?{MARCH}")
    f = r.context["figures"]
    resolved = [world.a_closed, world.a_late, world.a_visit, world.b_closed]
    assert (f["intake"].numerator, f["open"].numerator) == (7, 3)
    # on_time_rate = resolved by due_at ÷ resolved
    assert (f["on_time_rate"].numerator, f["on_time_rate"].denominator) == (3, len(resolved))
    assert f["on_time_rate"].percent == "75.0%"
    # satisfaction_rate = (satisfied + basically satisfied) ÷ visits reached
    assert (f["satisfaction_rate"].numerator, f["satisfaction_rate"].denominator) == (2, 3)
    # return rate: returned at least once ÷ dispatched
    assert (f["return_rate"].numerator, f["return_rate"].denominator) == (1, 6)
    assert f["supervised"].numerator == 1
    assert f["overdue"].numerator == 3  # received in 2024 and still open


def test_the_figures_agree_with_the_database(world: World):
    f = login("dispatcher").get(f"/metrics/?{MARCH}").context["figures"]
    cases = Case.objects.filter(received_at__date__gte=date(2024, 3, 1))
    resolved = cases.filter(resolved_at__isnull=False)
    assert f["on_time_rate"].numerator == resolved.filter(resolved_on_time=True).count()
    assert f["on_time_rate"].denominator == resolved.count()
    reached = cases.filter(visit_reached=True)
    assert f["satisfaction_rate"].denominator == reached.count()
    assert (
        f["satisfaction_rate"].numerator
        == reached.filter(satisfaction__in=["satisfied", "basically_satisfied"]).count()
    )


def test_breakdowns(world: World):
    r = login("dispatcher").get(f"/metrics/?{MARCH}")
    assert r.context["granularity"] == "day"
    days = {b.key: b.count for b in r.context["over_time"]}
    assert len(days) == 31
    assert (days["2024-03-04"], days["2024-03-05"], days["2024-03-09"]) == (1, 1, 0)
    channels = {b.key: b.count for b in r.context["by_channel"]}
    assert (channels["hotline"], channels["grid_patrol"]) == (1, 6)
    assert [(b.key, b.count) for b in r.context["by_category"]] == [("city_appearance", 7)]
    assert [(b.label, b.count) for b in r.context["by_region"]] == [("杜庄村", 5), ("台门社区", 2)]
    assert r.context["by_region_title"] == "按村社"


def test_a_year_is_broken_down_by_month(world: World):
    r = login("dispatcher").get("/metrics/?from=2024-01-01&to=2024-12-31")
    assert r.context["granularity"] == "month"
    months = {b.key: b.count for b in r.context["over_time"]}
    assert len(months) == 12
    assert months["2024-03"] == 7
    assert months["2024-04"] == 0


def test_the_default_period_is_the_year_of_the_newest_case(world: World):
    r = login("dispatcher").get("/metrics/")
    assert (r.context["period"].start, r.context["period"].end) == (date(2024, 1, 1), date(2024, 12, 31))


def test_bad_periods_are_refused(world: World):
    c = login("dispatcher")
    assert c.get("/metrics/?from=2024-03-31&to=2024-03-01").status_code == 422
    assert c.get("/metrics/?from=yesterday").status_code == 422


def test_overdue_list(world: World):
    r = login("leader").get(f"/metrics/?{MARCH}")
    assert [c.pk for c in r.context["overdue_rows"]] == [world.a_open.pk, world.a2_open.pk, world.b_open.pk]


@pytest.mark.parametrize("kpi", kpis.KPIS, ids=lambda k: k.key)
def test_every_kpi_querystring_parses_back_to_its_filter(kpi: kpis.Kpi):
    period = kpis.Period(date(2024, 3, 1), date(2024, 3, 31))
    for part in ("numerator", "denominator") if kpi.is_rate else ("numerator",):
        f = kpis.filter_for(kpi, part, region="330903107201", period=period)
        parsed = filters.parse(kpis.to_params(f))
        assert parsed.errors == []
        assert parsed.filter == f


def test_kpi_definitions_use_known_filters():
    for kpi in kpis.KPIS:
        assert kpi.label
        assert kpi.definition
        assert set(kpi.numerator) <= kpis.FILTER_FIELDS


def test_the_breakdown_by_area_counts_each_child_s_whole_subtree_and_nothing_at_the_parent(world: World):
    # Each village's bucket is the count of the list it links to (its whole subtree); a case
    # registered on the town itself belongs to no village
    from zhizhi.metrics import breakdowns
    from zhizhi.metrics.kpis import Period
    from zhizhi.territory.models import Region

    town = Region.objects.get(parent=None)
    on_town = Case.objects.order_by("pk").first()
    assert on_town is not None
    Case.objects.filter(pk=on_town.pk).update(region=town, region_path=town.path)
    period = Period(date(2024, 1, 1), date(2024, 12, 31))
    every = Case.objects.all()
    got = breakdowns.intake_by_subregion(every, region=town, period=period)
    assert [b.key for b in got] == list(
        Region.objects.filter(parent=town, is_active=True).order_by("code").values_list("code", flat=True)
    )
    assert [b.count for b in got] == [breakdowns._base(every, b.key, period).count() for b in got]
    in_town = breakdowns._base(every, town.code, period)
    assert in_town.filter(pk=on_town.pk).exists()
    assert sum(b.count for b in got) == in_town.count() - 1 > 0
