"""No table of ours carries an index that another index of the same table already serves.

An index on (a) beside an index or unique constraint on (a, b) answers no query the longer one does
not, and every insert writes both: Django adds an index to each foreign key and to each
`db_index=True` field (on PostgreSQL two for a text field: the plain one and a `LIKE` one), and a
composite index that leads with the same column makes that one redundant (docs/benchmarks.md,
fix 47). A LIKE twin is told apart from a plain index by its operator class and is not reported:
that one is a question of whether any query uses it, which the model answers by declaring its
index in Meta (Case.case_type, Case.reporter_phone). Read from the migrated test database, on
SQLite and on PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

OURS = "zhizhi."


def _tables() -> list[str]:
    """Our models' tables, without the link tables Django makes for a many-to-many field (it indexes
    their first column alone as well as the pair, and they hold a few hundred rows)."""
    return sorted(
        m._meta.db_table
        for m in apps.get_models()
        if m.__module__.startswith(OURS) and not m._meta.auto_created
    )


def _catalog(table: str) -> dict[str, tuple[list[str], bool, int | None]]:
    """What introspection does not say: each index's operator classes, key column by key column,
    on PostgreSQL (a `varchar_pattern_ops` index serves `LIKE 'prefix%'`, which a plain one does not
    under a non-C collation); whether it is partial (it covers only the rows of its WHERE); and on
    PostgreSQL how many of its columns are keys (introspection lists INCLUDE columns too)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """SELECT i.relname, array(SELECT o.opcname FROM unnest(x.indclass::oid[])
                                           WITH ORDINALITY AS k(oid, n)
                                           JOIN pg_opclass o ON o.oid = k.oid ORDER BY k.n),
                          x.indpred IS NOT NULL, x.indnkeyatts
                   FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                   WHERE x.indrelid = %s::regclass""",
                [table],
            )
            return {name: (list(ops), partial, keys) for name, ops, partial, keys in cursor.fetchall()}
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
        return {name: ([], " WHERE " in (sql or "").upper(), None) for name, sql in cursor.fetchall()}


def _indexes(table: str) -> dict[str, tuple[list[str], bool]]:
    """Each plain, whole-table index or unique constraint over columns: name → (columns, with their
    operator class where it is a pattern one, unique)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    catalog = _catalog(table)
    out = {}
    for name, c in found.items():
        columns = c["columns"] or []
        if not columns or None in columns or c.get("primary_key") or c.get("check"):
            continue  # expression indexes, the primary key, checks
        if not (c.get("index") or c.get("unique")):
            continue  # a foreign key constraint without its own index
        if c.get("type") not in (None, "btree", "idx"):
            continue  # GIN and the like answer other questions
        ops, partial, keys = catalog.get(name, ([], False, None))
        if partial:
            continue
        columns = columns[:keys] if keys else columns  # not the INCLUDE columns: they order nothing
        kinds = ops or [""] * len(columns)
        keyed = [f"{col} {op}" if "pattern" in op else col for col, op in zip(columns, kinds, strict=True)]
        out[name] = (keyed, bool(c.get("unique")))
    return out


def redundant(table: str) -> list[tuple[str, str]]:
    """(redundant index, the index that covers it): a non-unique index whose columns are the
    leading columns of another's (or the same, where two indexes share them)."""
    idx = _indexes(table)
    pairs = []
    for name, (cols, unique) in sorted(idx.items()):
        if unique:
            continue
        for other, (other_cols, other_unique) in sorted(idx.items()):
            if other == name or other_cols[: len(cols)] != cols:
                continue
            if len(other_cols) == len(cols) and not other_unique and other < name:
                continue  # two with the same columns: report the first by name, once, against the other
            pairs.append((name, other))
            break
    return pairs


def _create(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def test_the_guard_finds_an_index_a_composite_index_leads_with() -> None:
    _create("CREATE INDEX test_redundant_category ON cases_case (category_id)")
    assert ("test_redundant_category", "case_category_point") in redundant("cases_case")


def test_the_guard_finds_an_index_a_unique_constraint_leads_with() -> None:
    _create("CREATE INDEX test_redundant_user ON cases_idempotencykey (user_id)")
    assert redundant("cases_idempotencykey") == [("test_redundant_user", "idempotency_user_key")]


def test_a_partial_index_covers_nothing() -> None:
    """A partial index holds only its WHERE's rows, so an index on its leading column is no twin."""
    _create("CREATE INDEX test_partial ON web_job (status, created_at) WHERE status = 'failed'")
    _create("CREATE INDEX test_status ON web_job (status)")
    assert redundant("web_job") == []
    _create("CREATE INDEX test_status_at ON web_job (status, created_at)")
    assert redundant("web_job") == [("test_status", "test_status_at")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="operator classes are PostgreSQL's")
def test_a_pattern_index_is_no_twin_of_a_plain_one() -> None:
    """`varchar_pattern_ops` serves LIKE 'prefix%', which the plain index does not (non-C collations);
    a second plain one is a twin."""
    _create("CREATE INDEX test_phone_like ON cases_case (reporter_phone varchar_pattern_ops)")
    assert redundant("cases_case") == []
    _create("CREATE INDEX test_phone_again ON cases_case (reporter_phone)")
    assert redundant("cases_case") == [("case_reporter_phone", "test_phone_again")]


def test_no_table_of_ours_has_a_redundant_index() -> None:
    tables = _tables()
    assert {"cases_case", "cases_caseevent", "safety_inspection", "web_job"} <= set(tables)
    found = {t: pairs for t in tables if (pairs := redundant(t))}
    assert found == {}
