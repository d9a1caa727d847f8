"""What the application asks of its database server per connection."""

from __future__ import annotations

import os

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_requests_start_no_parallel_query_workers_unless_configured() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        row = cursor.fetchone()
    assert row is not None
    assert row[0] == os.environ.get("ZHIZHI_PG_PARALLEL_WORKERS", "0")
