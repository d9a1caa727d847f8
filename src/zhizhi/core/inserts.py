"""Insert one model row as `save(force_insert=True)` would, with the statement's text built once.

The ORM compiles an INSERT afresh for every row: for a case (forty columns) that took 1.2 ms of
Python per create on the benchmark machine, three times the statement's own time in PostgreSQL
(docs/benchmarks.md, fix 29). `insert` keeps Django's own value preparation (each field's
`pre_save` and `get_db_prep_save`, as the insert compiler calls them) and builds only the text once
per model and database. A model that anything listens to on save, or whose fields need the
compiler (a database default, a placeholder of their own, inherited tables), goes through `save()`
unchanged, so nothing that relies on the signals is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save

from zhizhi.core.prepared import prepared


@dataclass(frozen=True)
class _Statement:
    fields: tuple[Field[Any, Any], ...]
    sql: str
    returning: bool


_STATEMENTS: dict[tuple[type[Model], str, bool], _Statement | None] = {}


def _statement(model: type[Model], alias: str, with_pk: bool) -> _Statement | None:
    """The INSERT for this model on this database (None: the model needs `save()`)."""
    key = (model, alias, with_pk)
    if key in _STATEMENTS:
        return _STATEMENTS[key]
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if with_pk or not f.primary_key)
    simple = not meta.parents and not any(
        f.has_db_default() or hasattr(f, "get_placeholder") or f.generated  # type: ignore[attr-defined]
        for f in fields
    )
    statement = None
    if simple:
        connection = connections[alias]
        q = connection.ops.quote_name
        returning = not with_pk and connection.features.can_return_columns_from_insert
        sql = (  # names from the model's metadata, values as parameters
            f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        if returning:
            sql += f" RETURNING {q(meta.pk.column)}"
        statement = _Statement(fields=fields, sql=sql, returning=returning)
    _STATEMENTS[key] = statement
    return statement


def insert(obj: Model, *, using: str | None = None) -> None:
    """INSERT `obj` (its primary key is set from the database when it had none), inside the caller's
    transaction. Raises IntegrityError as `save()` would."""
    model = type(obj)
    alias = using or router.db_for_write(model, instance=obj)
    with_pk = obj.pk is not None
    statement = None
    if not (pre_save.has_listeners(model) or post_save.has_listeners(model)):
        statement = _statement(model, alias, with_pk)
    if statement is None:
        obj.save(force_insert=True, using=alias)
        return
    # as save() does: a related object saved after it was assigned lends its new primary key
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    connection = connections[alias]
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in statement.fields]
    with prepared(alias), connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        if not with_pk:
            pk_column = model._meta.pk.column
            obj.pk = (
                cursor.fetchone()[0]
                if statement.returning
                else connection.ops.last_insert_id(cursor, model._meta.db_table, pk_column)
            )
    obj._state.adding = False
    obj._state.db = alias
