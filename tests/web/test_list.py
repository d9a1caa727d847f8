"""The case list: every filter, sorting, pagination, htmx fragments, and bad parameters."""

from __future__ import annotations

import pytest

from tests.web.conftest import GRID_A1, GRID_B1, World, list_ids, login
from zhizhi.cases.models import Case

pytestmark = pytest.mark.django_db


def names(world: World, ids: list[int]) -> set[str]:
    by_id = {
        getattr(world, n).pk: n
        for n in ("a_closed", "a_late", "a_open", "a_visit", "a2_open", "b_open", "b_closed")
    }
    return {by_id[i] for i in ids}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=event", {"a_closed", "a_late", "a_open", "a_visit", "a2_open", "b_open", "b_closed"}),
        ("status=closed", {"a_closed", "b_closed"}),
        ("status=open", {"a_open", "a2_open", "b_open"}),
        ("open=1", {"a_open", "a2_open", "b_open"}),
        ("status=received,in_progress", {"a2_open", "b_open"}),
        (
            "category=street_vending",
            {"a_closed", "a_late", "a_open", "a_visit", "a2_open", "b_open", "b_closed"},
        ),
        (
            "category=city_appearance",
            {"a_closed", "a_late", "a_open", "a_visit", "a2_open", "b_open", "b_closed"},
        ),
        ("category=noise", set()),
        ("channel=hotline", {"a_open"}),
        (f"region={GRID_A1[:-2]}", {"a_closed", "a_late", "a_open", "a_visit", "a2_open"}),
        (f"region={GRID_B1}", {"b_open", "b_closed"}),
        (f"region={GRID_A1}01", {"a_closed", "a_late", "a_open", "a_visit"}),
        ("received_from=2024-03-06&received_to=2024-03-08", {"a_open", "a_visit", "a2_open"}),
        ("received_from=2024-03-12", {"b_closed"}),
        ("overdue=1", {"a_open", "a2_open", "b_open"}),
        ("overdue=0", {"a_closed", "a_late", "a_visit", "b_closed"}),
        ("q=台门社区", {"b_open", "b_closed"}),
        ("q=夜市", {"a_late"}),
        ("resolved=1&on_time=0", {"a_late"}),
        ("visited=1&visit_reached=0", {"a_visit"}),
        ("satisfaction=unsatisfied", {"a_late"}),
        ("supervised=1", {"a2_open"}),
        ("returned=1", {"b_open"}),
        ("department=enforcement&open=1", {"a_open", "b_open"}),
        ("assignee=handler_enf&status=in_progress", {"b_open"}),
        ("created_by=grid_b1", {"b_open", "b_closed"}),
        ("due_soon=1", set()),
    ],
)
def test_filters(world: World, query: str, expected: set[str]):
    assert names(world, list_ids(login("dispatcher"), query)) == expected


def test_text_search_finds_an_id(world: World):
    assert list_ids(login("dispatcher"), f"q={world.b_open.pk}") == [world.b_open.pk]


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("-received", lambda c: (-c.received_at.timestamp(), -c.pk)),
        ("received", lambda c: (c.received_at.timestamp(), c.pk)),
        ("due", lambda c: (c.due_at.timestamp(), c.pk)),
        ("id", lambda c: c.pk),
        ("-id", lambda c: -c.pk),
    ],
)
def test_sorting(world: World, sort: str, key):
    expected = [c.pk for c in sorted(Case.objects.all(), key=key)]
    assert list_ids(login("dispatcher"), f"sort={sort}") == expected


def test_urgency_puts_open_cases_first_most_overdue_first(world: World):
    ids = list_ids(login("dispatcher"), "sort=urgency")
    assert ids[:3] == [world.a_open.pk, world.a2_open.pk, world.b_open.pk]


def test_pagination(world: World):
    c = login("dispatcher")
    r = c.get("/cases/?per_page=20&sort=id")
    assert r.context["page_obj"].paginator.num_pages == 1
    r = c.get("/cases/?sort=id&per_page=999")  # not a choice: the default
    assert r.context["per_page"] == 20
    r = c.get("/cases/?sort=id&page=999")  # past the end: the last page
    assert r.context["page_obj"].number == 1


def test_active_conditions_are_shown_as_removable_chips(world: World):
    r = login("dispatcher").get("/cases/?resolved=1&on_time=0&region=" + GRID_A1)
    chips = {c.label: c.remove_query for c in r.context["chips"]}
    assert set(chips) == {"已办结", "非按时办结"}
    assert "on_time" not in chips["非按时办结"]
    assert "resolved=1" in chips["非按时办结"]
    html = r.content.decode()
    assert '<input type="hidden" name="resolved" value="1">' in html  # kept when the form is resubmitted


def test_htmx_gets_only_the_results(world: World):
    r = login("dispatcher").get("/cases/?open=1", headers={"HX-Request": "true", "HX-Target": "results"})
    html = r.content.decode()
    assert "<html" not in html
    assert 'data-testid="result-count">3<' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("overdue=maybe", "须为 1 或 0"),
        ("received_from=2024-13-01", "日期格式"),
        ("sort=sideways", "未知的排序"),
        ("status=lost", "未知的状态"),
        ("category=nope", "未知的分类"),
        ("region=999", "区域代码不存在"),
        ("received_from=2024-03-10&received_to=2024-03-01", "开始日期不能晚于结束日期"),
        ("satisfaction=happy", "未知的满意度"),
    ],
)
def test_bad_parameters_say_what_is_wrong(world: World, query: str, message: str):
    r = login("dispatcher").get(f"/cases/?{query}")
    assert r.status_code == 400
    assert message in r.content.decode()


def test_long_chinese_titles_do_not_break_the_table(world: World):
    Case.objects.filter(pk=world.a_open.pk).update(title="超长标题" * 40)
    html = login("dispatcher").get("/cases/").content.decode()
    assert 'class="case-title-cell"' in html
