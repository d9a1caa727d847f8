"""`queries.count_each`: many counts of one user's cases in one pass, each equal to its list's count.

The dashboard's KPIs are counted this way (one scan per period instead of one per figure); the
web case list and every drill-down count one filter at a time with `apply_workbench`. The two
must agree for any mix of filters: shared and own conditions, negated flags, joined fields (a
category class, a department, an assignee), text searches, and a present-tense figure (overdue)
beside a period's."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.web.conftest import GRID_A1, World
from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases import queries
from zhizhi.cases.queries import WorkbenchFilter as W
from zhizhi.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

MARCH = {"received_from": date(2024, 3, 1), "received_to": date(2024, 3, 31)}
NOW = timezone.now()

MIXES: dict[str, list[W]] = {
    "the KPIs of a period": [
        W(**MARCH),
        W(**MARCH, open=True),
        W(**MARCH, resolved=True),
        W(**MARCH, resolved=True, on_time=True),
        W(**MARCH, visit_reached=True),
        W(**MARCH, visit_reached=True, satisfaction="satisfied,basically_satisfied"),
        W(**MARCH, dispatched=True),
        W(**MARCH, returned=True),
        W(**MARCH, supervised=True),
    ],
    "negated flags and joins": [
        W(resolved=False),
        W(on_time=False),
        W(overdue=False),
        W(overdue=True),
        W(category="city_appearance"),
        W(department="enforcement"),
        W(assignee="handler_enf", open=True),
        W(created_by="grid_b1"),
        W(channel="hotline", phone="13800000000"),
    ],
    "a shared region, own periods": [
        W(region=GRID_A1[:-2]),
        W(region=GRID_A1[:-2], received_from=date(2024, 3, 6)),
        W(region=GRID_A1[:-2], received_to=date(2024, 3, 5)),
        W(region=GRID_A1[:-2], overdue=True),
    ],
    "text searches, own and shared": [
        W(q="占道"),
        W(q="流动摊贩", resolved=True),
        W(open=True),
    ],
    "one shared text search": [W(q="占道"), W(q="占道", open=True), W(q="占道", resolved=False)],
    "a single filter": [W(status="in_progress")],
}


@pytest.mark.parametrize("username", ["dispatcher", "grid_a1", "handler_enf", "cadre_b", "leader"])
@pytest.mark.parametrize("mix", list(MIXES))
def test_each_count_equals_its_list_s(world: World, username: str, mix: str):
    user = User.objects.get(username=username)
    base = scope.visible_cases(user)
    filters = MIXES[mix]
    expected = [queries.apply_workbench(base, f, now=NOW).count() for f in filters]
    assert queries.count_each(base, filters, now=NOW) == expected


def test_the_mixes_are_not_all_zero(world: World):
    """The equality above means something: the dispatcher's counts differ between filters."""
    base = scope.visible_cases(User.objects.get(username="dispatcher"))
    assert queries.count_each(base, MIXES["the KPIs of a period"], now=NOW) == [7, 3, 4, 3, 3, 2, 6, 1, 1]
    assert queries.count_each(base, MIXES["text searches, own and shared"], now=NOW) == [5, 2, 3]


def test_filters_without_text_of_their_own_are_counted_in_one_query(world: World):
    base = scope.visible_cases(User.objects.get(username="dispatcher"))
    filters = MIXES["the KPIs of a period"]
    with CaptureQueriesContext(connection) as captured:
        queries.count_each(base, filters, now=NOW)
    counts = [q["sql"] for q in captured.captured_queries if "cases_case" in q["sql"]]
    assert len(counts) == 1
    # the shared period bounds the rows read; each filter's own flags are counted within them
    assert counts[0].count("FILTER (WHERE") == len(filters) - 1


def test_no_filters_no_query(world: World):
    base = scope.visible_cases(User.objects.get(username="dispatcher"))
    with CaptureQueriesContext(connection) as captured:
        assert queries.count_each(base, []) == []
    assert captured.captured_queries == []


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (W(region="999999"), "unknown_region"),
        (W(status="nonsense"), "invalid_status"),
        (W(satisfaction="glad"), "invalid_satisfaction"),
        (W(received_from=date(2024, 3, 2), received_to=date(2024, 3, 1)), "invalid_date_range"),
    ],
)
def test_a_bad_filter_is_refused_as_its_list_refuses_it(world: World, bad: W, code: str):
    base = scope.visible_cases(User.objects.get(username="dispatcher"))
    with pytest.raises(ValidationFailed) as alone:
        queries.apply_workbench(base, bad, now=NOW).count()
    with pytest.raises(ValidationFailed) as among:
        queries.count_each(base, [W(open=True), bad], now=NOW)
    assert alone.value.code == among.value.code == code
