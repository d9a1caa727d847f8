"""Statements that PostgreSQL parses and plans once per connection, not once per request.

A few statements run on nearly every request, always in the same shape: the API token check
(`ApiToken.lookup`), the user's regions and departments (`scope`), the duplicate search of every new
case (`cases.services.duplicate_candidates`) and each row `core.inserts` writes. They are written
out by hand, and for each of them PostgreSQL spent more time planning than running: 0.36–0.65 ms of
planning against 0.03–0.11 ms of execution for the three SELECTs (docs/benchmarks.md, fix 36).

Inside `prepared()`, the connection's new cursors bind their parameters on the server and prepare
each statement the first time it runs; every later run on that connection reuses the statement and,
after PostgreSQL's fifth run, its generic plan. This is only for statements whose best plan does not
depend on their values (a key, a user id, a category and a box on its index, an INSERT). Everything
the ORM builds keeps Django's default — parameters bound on the client, a plan for the values at
hand — because a generic plan can be far worse for a report's filters: with every statement
prepared, the leader's dashboard at a million cases went from 0.70 to 1.60 s (p95).

On SQLite, while queries are logged (DEBUG), or with ZHIZHI_PG_PREPARED=0 (for a connection pooler
in transaction mode, which does not keep a prepared statement on the server connection that
prepared it), `prepared()` changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)

# psycopg prepares nothing while a connection's threshold is None, which is what Django sets; the
# cursors Django makes bind on the client and never prepare, whatever the threshold. A threshold
# no count reaches lets only `prepared()`'s cursors prepare, and each on its first run.
_NEVER_BY_COUNT = 2**31 - 1


@cache
def _cursor_class() -> type:
    """Django's own server-binding cursor (imported only with PostgreSQL), preparing every
    statement it executes.

    Before it sends a statement, psycopg turns its `%s` placeholders into `$n` and keeps the result
    for the next run, but not for a statement with more than 50 parameters (psycopg's
    MAX_CACHED_STATEMENT_PARAMS, against ORM-built INSERTs of many rows): a case with its event and
    key has 59, and splitting that text again on every create took 7 % of the server's time under
    load (docs/benchmarks.md, fix 40). A statement run here is text written once, so its conversion
    is always kept (`_KeptQuery`)."""
    from django.db.backends.postgresql import base
    from psycopg import _queries

    class _KeptQuery(_queries.PostgresQuery):
        def convert(self, query: Any, vars: Any) -> None:
            if vars is None or not isinstance(query, str | bytes):
                return super().convert(query, vars)
            self.query, self._want_formats, self._order, self._parts = _queries._query2pg(
                self._ensure_bytes(query), self._tx.encoding
            )
            self.dump(vars)
            return None

    server_binding: Any = base.ServerBindingCursor  # type: ignore[attr-defined]

    class PreparingCursor(server_binding):
        _query_cls = _KeptQuery

        def execute(
            self, query: Any, params: Any = None, *, prepare: bool | None = None, **kwargs: Any
        ) -> Any:
            return super().execute(query, params, prepare=True if prepare is None else prepare, **kwargs)

    return PreparingCursor


def enabled(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql" and bool(settings.ZHIZHI_PG_PREPARED)


@contextmanager
def prepared(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Cursors opened on `using` inside the block (including a raw queryset's, when it is iterated
    inside) prepare their statements. Keep the block to the written-out statement.

    Not while the connection logs its queries (DEBUG, or a test capturing them): Django's log reads
    a statement's text back from the cursor, which a prepared run does not keep."""
    connection = connections[using]
    if not enabled(using) or connection.queries_logged:
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    factory = raw.cursor_factory
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _NEVER_BY_COUNT
    raw.cursor_factory = _cursor_class()
    try:
        yield
    finally:
        raw.cursor_factory = factory


Converter = Callable[[Any, Any, Any], Any]


@cache
def _reading(
    model: type[Model], attnames: tuple[str, ...], alias: str
) -> tuple[tuple[int, ...], tuple[str, ...], tuple[tuple[int, Any, tuple[Converter, ...]], ...]]:
    """How to read a row whose first columns are `attnames`: their positions in the model's field
    order (`from_db` takes the values in that order), those names, and for each column that needs
    it what the ORM applies to its value when reading (SQLite's text times and integer booleans;
    nothing for most columns on PostgreSQL)."""
    connection = connections[alias]
    position = {name: i for i, name in enumerate(attnames)}
    order = tuple(position[f.attname] for f in model._meta.concrete_fields if f.attname in position)
    if len(order) != len(attnames):
        concrete = {f.attname for f in model._meta.concrete_fields}
        raise ValueError(f"not concrete fields of {model.__name__}: {sorted(set(attnames) - concrete)}")
    converters = []
    for i, name in enumerate(attnames):
        col = model._meta.get_field(name).get_col(model._meta.db_table)  # type: ignore[union-attr]
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            converters.append((i, col, tuple(found)))
    return order, tuple(attnames[i] for i in order), tuple(converters)


def rows(
    model: type[M], sql: str, params: Sequence[Any], attnames: Sequence[str], *, using: str = DEFAULT_DB_ALIAS
) -> list[tuple[M, tuple[Any, ...]]]:
    """Run a written-out SELECT (prepared, inside `prepared()`) whose first columns are `attnames` of
    `model`: each row as an instance built as the ORM builds one (`from_db`, with the fields'
    converters; the model's other fields deferred), with the row's further columns beside it.

    A raw queryset does the same by reading the cursor's description and matching its columns to
    the model's fields on every run, which took a third of the token check's time."""
    names = tuple(attnames)
    order, ordered_names, converters = _reading(model, names, using)
    connection = connections[using]
    with prepared(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    n = len(names)
    out = []
    for row in fetched:
        values = list(row[:n])
        for i, col, funcs in converters:
            for convert in funcs:
                values[i] = convert(values[i], col, connection)
        instance = model.from_db(using, ordered_names, [values[i] for i in order])
        out.append((instance, tuple(row[n:])))
    return out
