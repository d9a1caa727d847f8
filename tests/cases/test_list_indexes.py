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
