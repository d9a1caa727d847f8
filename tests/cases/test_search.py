"""Text search (`q`): a substring of title, description or address; on PostgreSQL through the
character-pair index (zhizhi.cases.search), with exactly the same answers."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from tests.cases.factories import create
from tests.township import Township
from zhizhi.cases import queries
from zhizhi.cases.models import Case

TEXTS = {
    "title": ("东门漏水路面", "", ""),
    "description": ("路面问题", "居民反映东门漏水严重", ""),
    "address": ("井盖缺失", "", "东门漏水点旁"),
    "apart": ("东门漏了", "又漏水", ""),  # the pairs of 门漏水 (门漏, 漏水), never together
    "latin": ("Pipe BURST near gate", "", ""),
    "unrelated": ("垃圾清运", "无", "西门"),
}


@pytest.fixture
def cases(township: Township) -> dict[str, int]:
    out = {}
    for key, (title, description, address) in TEXTS.items():
        out[key] = create(township, title=title, description=description, address=address).pk
    return out


def found(text: str, cases: dict[str, int], *, narrow: bool = True) -> set[str]:
    qs = queries.apply(Case.objects.all(), queries.CaseFilter(q=text, q_narrow=narrow))
    by_id = {pk: key for key, pk in cases.items()}
    return {by_id[pk] for pk in qs.values_list("pk", flat=True)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("漏水", {"title", "description", "address", "apart"}),
        ("门漏水", {"title", "description", "address"}),  # "apart" holds both pairs, not the text
        ("东门漏", {"title", "description", "address", "apart"}),
        ("漏", {"title", "description", "address", "apart"}),  # one character: no pair to index
        ("burst", {"latin"}),  # case-insensitive
        ("pipe burst", {"latin"}),
        ("，", set()),
        ("水管", set()),
    ],
)
def test_search_finds_exactly_the_cases_containing_the_text(
    cases: dict[str, int], text: str, expected: set[str]
) -> None:
    assert found(text, cases) == expected
    assert found(text, cases, narrow=False) == expected  # the common-word plan: the same answer


def test_search_inside_a_subquery_keeps_its_own_table(cases: dict[str, int]) -> None:
    # Drill-downs and exports use a filtered list as a subquery (pk__in): the index expression
    # must follow the inner table's alias, not the outer one's.
    inner = queries.apply(Case.objects.all(), queries.CaseFilter(q="门漏水")).values("pk")
    outer = Case.objects.filter(pk__in=inner).exclude(pk=cases["title"])
    assert set(outer.values_list("pk", flat=True)) == {cases["description"], cases["address"]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pair index exists on PostgreSQL only")
def test_postgresql_answers_a_search_from_the_pair_index(cases: dict[str, int]) -> None:
    qs = queries.apply(Case.objects.all(), queries.CaseFilter(q="漏水")).order_by()
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        # Six rows: make the planner show the index that can answer the condition (a GIN index is
        # read by a bitmap scan; plain index scans would walk another index and filter every row)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_text_bigrams" in plan


AWKWARD = [
    None,
    "",
    "东",
    "东门",
    "东门漏水",
    " ",
    "a\n",
    "\nb",
    "ab\tc ",
    "  两个空格  ",
    "Pipe BURST",
    "ß straße ǅ İı",
    "😀漏水😀",
    "e\u0301",
    r"\1 $ ^ . (..) [x] 100%_",
    "井盖缺失，请尽快处理。\r\n地址：杜庄村菜场路 1 号",
    "长" * 500,
]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pair function exists on PostgreSQL only")
@pytest.mark.django_db
def test_the_inlined_pair_function_gives_the_text_the_index_was_built_with() -> None:
    # migration 0007 replaced the body of migration 0003 without rebuilding the index: both must
    # give the same text for every input
    m = importlib.import_module("zhizhi.cases.migrations.0007_bigrams_inlined")
    old = m.AGGREGATED.replace("zhizhi_bigrams(", "pg_temp.zz_old_bigrams(")
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'zhizhi_bigrams'")
        assert "regexp_replace" in cursor.fetchone()[0]  # the body of migration 0007 is installed
        cursor.execute(old)
        cursor.execute(
            "SELECT v, zhizhi_bigrams(v), pg_temp.zz_old_bigrams(v) FROM unnest(%s::text[]) v", [AWKWARD]
        )
        rows = cursor.fetchall()
    assert [(v, new) for v, new, _ in rows] == [(v, old) for v, _, old in rows]
    assert [new for _, new, _ in rows][:5] == ["", "", "", "东门", "东门 门漏 漏水"]
    assert len(rows) == len(AWKWARD)


def test_the_list_api_walks_the_newest_cases_for_a_word_found_in_more_rows_than_it_counts(
    cases: dict[str, int], township: Township, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test.utils import CaptureQueriesContext

    from tests.api.helpers import Api
    from zhizhi.api import cases as api_cases

    api = Api(township.users["dispatcher"])
    monkeypatch.setattr(api_cases, "COUNT_LIMIT", 3)  # "漏水" is in 4 cases: more than the list counts
    with CaptureQueriesContext(connection) as common:
        r = api.get("/cases", {"q": "漏水"})
    body = r.json()
    expected = sorted((cases[k] for k in ("title", "description", "address", "apart")), reverse=True)
    assert ([c["id"] for c in body["results"]], body["count"], body["count_exact"]) == (expected, 3, False)
    with CaptureQueriesContext(connection) as rare:
        body = api.get("/cases", {"q": "门漏水"}).json()
    assert [c["id"] for c in body["results"]] == sorted(
        (cases[k] for k in ("title", "description", "address")), reverse=True
    )
    with CaptureQueriesContext(connection) as narrow:  # a region: a narrow list keeps to the index
        body = api.get("/cases", {"q": "漏水", "region": township.town.code}).json()
    assert [c["id"] for c in body["results"]] == expected
    if connection.vendor == "postgresql":
        pages = [q["sql"] for q in narrow.captured_queries if q["sql"].endswith("DESC LIMIT 51")]
        assert len(pages) == 1
        assert "concat_ws" in pages[0]
        pages = [q["sql"] for q in common.captured_queries if q["sql"].endswith("DESC LIMIT 51")]
        assert len(pages) == 1
        assert "concat_ws" not in pages[0]
        pages = [q["sql"] for q in rare.captured_queries if q["sql"].endswith("DESC LIMIT 51")]
        assert len(pages) == 1
        assert "concat_ws" in pages[0]


@pytest.mark.parametrize(
    ("length", "starts"),
    [(2, [1]), (3, [1, 2]), (4, [1, 3]), (5, [1, 3, 4]), (6, [1, 3, 5]), (1, []), (0, [])],
)
def test_the_index_is_asked_for_every_other_pair_and_the_last(length: int, starts: list[int]) -> None:
    from zhizhi.cases.search import pair_starts

    assert pair_starts(length) == starts


def test_a_search_in_a_narrow_list_reads_its_count_and_page_in_one_query(
    cases: dict[str, int], township: Township
) -> None:
    from django.test.utils import CaptureQueriesContext

    from tests.api.helpers import Api

    api = Api(township.users["dispatcher"])
    with CaptureQueriesContext(connection) as narrow:
        body = api.get("/cases", {"q": "漏水", "region": township.town.code, "page_size": 3}).json()
    expected = sorted((cases[k] for k in ("title", "description", "address", "apart")), reverse=True)
    assert ([c["id"] for c in body["results"]], body["count"], body["count_exact"], body["pages"]) == (
        expected[:3],
        4,
        True,
        2,
    )
    assert body["next"] is not None
    assert not [q for q in narrow.captured_queries if "COUNT(" in q["sql"]]
    second = api.get("/cases", {"q": "漏水", "region": township.town.code, "page_size": 3, "page": 2}).json()
    assert ([c["id"] for c in second["results"]], second["next"]) == (expected[3:], None)


@pytest.mark.parametrize(
    ("text", "upper_cased"),
    [("漏水", False), ("12号", False), ("burst", True), ("Ab漏", True), ("，", False)],
)
def test_text_without_cased_letters_is_compared_as_it_is(text: str, upper_cased: bool) -> None:
    # The same rows either way (test above, "burst" finds "BURST"); UPPER() of every row's text is
    # spent only where case can differ.
    lookups = {lookup.split("__")[1] for lookup, _ in queries.search.text_q(text).children}  # type: ignore[misc]
    assert lookups == ({"icontains"} if upper_cased else {"contains"})


def _common(monkeypatch: pytest.MonkeyPatch, shares: dict[str, float]) -> None:
    from zhizhi.cases import search

    monkeypatch.setattr(search, "pair_shares", lambda: shares)  # as if PostgreSQL's statistics said so


def test_the_list_counts_a_common_word_among_the_newest_cases(
    cases: dict[str, int], township: Township, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test.utils import CaptureQueriesContext

    from tests.api.helpers import Api
    from zhizhi.api import cases as api_cases

    api = Api(township.users["dispatcher"])
    monkeypatch.setattr(api_cases, "COUNT_LIMIT", 3)  # "漏水" is in 4 cases: more than the list counts
    _common(monkeypatch, {"漏水": 0.5})
    with CaptureQueriesContext(connection) as common:
        body = api.get("/cases", {"q": "漏水"}).json()
    expected = sorted((cases[k] for k in ("title", "description", "address", "apart")), reverse=True)
    assert ([c["id"] for c in body["results"]], body["count"], body["count_exact"]) == (expected, 3, False)
    counts = [q["sql"] for q in common.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1
    assert "AS recent WHERE recent.hit" in counts[0]


def test_a_common_word_rarer_than_its_estimate_is_counted_through_the_index(
    cases: dict[str, int], township: Township, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test.utils import CaptureQueriesContext

    from tests.api.helpers import Api
    from zhizhi.api import cases as api_cases
    from zhizhi.cases import search

    api = Api(township.users["dispatcher"])
    monkeypatch.setattr(api_cases, "COUNT_LIMIT", 3)
    monkeypatch.setattr(search, "COMMON_WINDOW", 2)  # the newest two cases hold no match
    _common(monkeypatch, {"漏水": 0.5})
    with CaptureQueriesContext(connection) as captured:
        body = api.get("/cases", {"q": "漏水"}).json()
    expected = sorted((cases[k] for k in ("title", "description", "address", "apart")), reverse=True)
    assert ([c["id"] for c in body["results"]], body["count"], body["count_exact"]) == (expected, 3, False)
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 2  # the window's, then the whole list's
    assert "recent" not in counts[1]
    # A word below the share is not walked at all
    _common(monkeypatch, {"漏水": search.COMMON_SHARE / 2})
    with CaptureQueriesContext(connection) as rare:
        body = api.get("/cases", {"q": "漏水"}).json()
    assert [q["sql"] for q in rare.captured_queries if "recent" in q["sql"]] == []
    assert (body["count"], body["count_exact"]) == (3, False)


def test_count_recent_reads_no_further_than_its_window(cases: dict[str, int]) -> None:
    from zhizhi.cases import search

    every = Case.objects.all()
    assert search.count_recent(every, "漏水", limit=10) == 4
    assert search.count_recent(every, "漏水", limit=2) == 2
    # newest first: "unrelated" and "latin" (created last) do not hold the word, "apart" and
    # "address" do
    assert search.count_recent(every, "漏水", limit=10, window=2) == 0
    assert search.count_recent(every, "漏水", limit=10, window=3) == 1
    assert search.count_recent(every, "漏水", limit=10, window=4) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics of the pair index")
def test_pair_shares_come_from_the_index_statistics(cases: dict[str, int]) -> None:
    from zhizhi.cases import search

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    search.forget_stats()
    try:
        shares = search.pair_shares()
    finally:
        search.forget_stats()
    # 6 cases: 漏水 in 4 of them ("门漏" in three, "东门" in four)
    assert shares["漏水"] == pytest.approx(4 / 6, abs=0.01)
    assert search.asked_pairs("东门漏水") == ["东门", "漏水"]
    assert search.asked_pairs("Pipe") == ["pi", "pe"]
