"""The list queries' indexes on PostgreSQL: what a plan can read without visiting the table."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from tests.township import VILLAGE_A, Township
from zhizhi.cases import queries

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="covering indexes are PostgreSQL's")


def _index_columns(name: str) -> set[str]:
    """Every column an index holds, key and INCLUDE alike."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid "
            "JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE c.relname = %s",
            [name],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize("user", ["dispatcher", "grid_a1"])
@pytest.mark.parametrize("region", [None, VILLAGE_A])
def test_an_open_overdue_list_can_be_read_from_the_status_due_index_alone(
    township: Township, user: str, region: str | None
) -> None:
    # Counting and paging an open + overdue list in a user's scope (region subtree, or their own
    # cases) needs no table row: every column it reads is in the index (the scope's as INCLUDE), so
    # PostgreSQL filters the few thousand open, overdue rows in the index (an index-only scan).
    f = queries.CaseFilter(status="dispatched,accepted,in_progress", overdue=True, region=region)
    qs = queries.list_for(township.users[user], f)
    held = _index_columns("case_status_due_scope")
    assert {"status", "due_at"} < held
    for query in (qs.order_by()[:1001].values("pk"), qs.values("pk")[:51]):
        sql = str(query.query)
        read = set(re.findall(r'"cases_case"\."(\w+)"', sql))
        assert read - held == set(), sql
        assert {"status", "due_at", "region_path"} <= read


@pytest.mark.django_db
def test_the_pair_index_keeps_statistics_for_rarer_pairs() -> None:
    from zhizhi.cases import search

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attstattarget FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid "
            "WHERE c.relname = %s AND a.attnum = 1",
            [search.INDEX],
        )
        assert cursor.fetchone() == (400,)


def test_the_duplicate_search_is_answered_by_its_index_up_to_the_box(township: Township) -> None:
    # Each create looks for earlier cases of its category, in the last days, near its point. Every
    # one of those conditions is a key column of `case_category_point`, in order, so PostgreSQL
    # compares them in the index and reads from the table only the cases inside the box (at a million
    # cases: 0.16 ms, where reading every case of the category in the window took 1–7 ms).
    from tests.cases.factories import CaseInputFactory
    from zhizhi.cases import services

    case = services.create_case(actor=township.users["grid_a1"], data=CaseInputFactory()).case
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid "
            "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true "
            "JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE c.relname = 'case_category_point' ORDER BY k.n"
        )
        assert [row[0] for row in cursor.fetchall()] == ["category_id", "received_at", "lon", "lat"]
        # Unordered: a table of one case is cheaper to read in date order through `case_received`; at a
        # million cases PostgreSQL reads this index backwards for the newest first (docs/benchmarks.md).
        sql, params = services.duplicate_candidates(case).order_by().values("pk").query.sql_with_params()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)  # noqa: S608 - Django's own SQL
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "using case_category_point" in plan, plan
    cond = re.search(r"Index Cond: (.*)", plan)
    assert cond, plan
    for column in ("category_id", "received_at", "lon", "lat"):
        assert column in cond.group(1), plan
    assert "status" not in cond.group(1)  # the status is checked on the few rows in the box
