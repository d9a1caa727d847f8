"""`core.prepared`: the written-out statements every request runs are prepared once per PostgreSQL
connection and reused, with the same answers; nothing is prepared when it is turned off, while
queries are logged, or on SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.cases.factories import T0, create
from tests.township import VILLAGE_A, Township
from zhizhi.accounts import scope
from zhizhi.accounts.models import ApiToken, User
from zhizhi.cases import services
from zhizhi.cases.models import Case
from zhizhi.core import prepared

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def runs(fragment: str) -> dict[str, int]:
    """This connection's prepared statements whose text contains `fragment`: name → times run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return dict(cursor.fetchall())


def lookup(raw: str) -> User | None:
    return ApiToken.lookup(raw, used_since=timezone.now() - timedelta(minutes=5))


@postgres_only
def test_the_token_check_is_prepared_once_and_reused(township: Township) -> None:
    user = township.users["dispatcher"]
    token, raw = ApiToken.issue(user, "client")
    first = lookup(raw)
    after_one = runs("key_hash")
    second = lookup(raw)
    after_two = runs("key_hash")
    assert len(after_two) == 1  # one statement on the server, the same for both lookups
    (name,) = after_two
    assert after_two[name] == after_one[name] + 1
    for found in (first, second):
        assert found is not None
        assert (found.pk, found.username, found.role, found.token_id) == (  # type: ignore[attr-defined]
            user.pk,
            "dispatcher",
            user.role,
            token.pk,
        )
    assert lookup("zz_not-a-token") is None


@postgres_only
def test_a_statement_of_many_parameters_is_converted_once_and_answers_each_run(township: Township) -> None:
    # psycopg keeps the $n form of a statement of at most 50 parameters; a prepared one is kept
    # whatever its count (a case with its event and key has 59)
    from psycopg import _queries

    sql = "SELECT " + ", ".join(["%s::int"] * 60)
    with prepared.prepared(), connection.cursor() as cursor:
        cursor.execute(sql, list(range(60)))
        first = cursor.fetchone()
        before = _queries._query2pg.cache_info()
        cursor.execute(sql, list(range(100, 160)))
        second = cursor.fetchone()
        after = _queries._query2pg.cache_info()
    assert (first, second) == (tuple(range(60)), tuple(range(100, 160)))
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 0)
    assert list(runs("$60::int").values()) == [2]  # prepared once, run twice


@postgres_only
def test_a_create_prepares_its_inserts_memberships_and_duplicate_search(township: Township) -> None:
    first = create(township, now=T0)  # at the factory's point in grid_a1's micro-grid
    case_insert, duplicates = runs('INSERT INTO "cases_case"'), runs("LIMIT $")
    assert (len(case_insert), len(duplicates)) == (1, 1)
    second = create(township, now=T0 + timedelta(minutes=1))
    assert [n + 1 for n in case_insert.values()] == list(runs('INSERT INTO "cases_case"').values())
    assert [n + 1 for n in duplicates.values()] == list(runs("LIMIT $").values())
    assert len(runs('INSERT INTO "cases_caseevent"')) == 1
    # the prepared statements gave the same rows as the ORM reads back
    assert list(
        Case.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk").values_list("pk", "title", "due_at")
    ) == [
        (first.pk, first.title, first.due_at),
        (second.pk, second.title, second.due_at),
    ]
    assert [c.pk for c in services.find_duplicates(second)] == [first.pk]
    user = User.objects.get(pk=township.users["grid_a1"].pk)
    assert scope.region_paths(user) == [township.grids[f"{VILLAGE_A}01"].path]
    assert len(runs("UNION ALL")) == 1


@postgres_only
def test_nothing_is_prepared_when_turned_off(township: Township, settings) -> None:
    settings.ZHIZHI_PG_PREPARED = False
    _, raw = ApiToken.issue(township.users["dispatcher"], "client")
    before = runs("key_hash")
    assert lookup(raw) is not None
    assert runs("key_hash") == before
    assert prepared.enabled() is False


@postgres_only
def test_nothing_is_prepared_while_queries_are_logged_and_the_log_shows_the_values(
    township: Township,
) -> None:
    _, raw = ApiToken.issue(township.users["dispatcher"], "client")
    before = runs("key_hash")
    with CaptureQueriesContext(connection) as captured:
        assert lookup(raw) is not None
    assert runs("key_hash") == before
    (sql,) = [q["sql"] for q in captured.captured_queries]
    assert "key_hash = '" in sql  # the statement with its values, as Django logs every other


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's side")
def test_on_sqlite_prepared_changes_nothing(township: Township) -> None:
    assert prepared.enabled() is False
    _, raw = ApiToken.issue(township.users["dispatcher"], "client")
    with prepared.prepared():
        found = lookup(raw)
    assert found is not None
    assert found.username == "dispatcher"


def test_rows_build_instances_as_the_orm_reads_them(township: Township) -> None:
    """Columns in any order, the model's other fields deferred, SQLite's stored text times and
    integer booleans converted as a queryset converts them, further columns beside the instance."""
    user = township.users["dispatcher"]
    found = prepared.rows(
        User,
        "SELECT is_active, date_joined, id, username, 7 FROM accounts_user WHERE id = %s",
        [user.pk],
        ["is_active", "date_joined", "id", "username"],
    )
    assert len(found) == 1
    built, extra = found[0]
    expected = User.objects.get(pk=user.pk)
    assert extra == (7,)
    assert (built.pk, built.username, built.is_active, built.date_joined) == (
        expected.pk,
        "dispatcher",
        True,
        expected.date_joined,
    )
    assert built.is_active is True
    assert built.date_joined.tzinfo is not None
    assert built.get_deferred_fields() == {
        f.attname
        for f in User._meta.concrete_fields
        if f.attname not in {"is_active", "date_joined", "id", "username"}
    }
    assert built._state.adding is False


def test_rows_refuse_a_name_that_is_not_a_column_of_the_model(township: Township) -> None:
    with pytest.raises(ValueError, match=r"not concrete fields of User: \['regions'\]"):
        prepared.rows(User, "SELECT id, 1 FROM accounts_user", [], ["id", "regions"])


def test_rows_of_nothing_are_an_empty_list(township: Township) -> None:
    assert prepared.rows(User, "SELECT id FROM accounts_user WHERE id < %s", [0], ["id"]) == []
