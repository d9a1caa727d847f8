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
    # cases: 0.26 ms per create, where reading every case of the category in the window took 1.3 ms).
    import random
    from datetime import timedelta

    from tests.cases.factories import CaseInputFactory
    from zhizhi.cases import services
    from zhizhi.cases.models import Case

    case = services.create_case(actor=township.users["grid_a1"], data=CaseInputFactory()).case
    # A busy month of the same category around the town, so that the planner has a choice to make
    rng = random.Random(7)
    values = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields if not f.primary_key}
    copies = []
    for _ in range(3000):
        row = Case(**values)
        row.lon = case.lon + rng.uniform(-0.05, 0.05)
        row.lat = case.lat + rng.uniform(-0.05, 0.05)
        row.received_at = case.received_at - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
        copies.append(row)
    Case.objects.bulk_create(copies)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid "
            "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true "
            "JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE c.relname = 'case_category_point' ORDER BY k.n"
        )
        assert [row[0] for row in cursor.fetchall()] == ["category_id", "received_at", "lon", "lat"]
        cursor.execute("ANALYZE cases_case")
        # the query find_duplicates runs: newest first, at most 200
        sql, params = services.duplicate_candidates(case)
        cursor.execute(f"EXPLAIN {sql}", params)  # noqa: S608 - the service's own SQL
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "using case_category_point" in plan, plan
    cond = re.search(r"Index Cond: (.*)", plan)
    assert cond, plan
    for column in ("category_id", "received_at", "lon", "lat"):
        assert column in cond.group(1), plan
    assert "status" not in cond.group(1)  # the status is checked on the few rows in the box
