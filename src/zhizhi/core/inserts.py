"""Insert one model row as `save(force_insert=True)` would, with the statement's text built once.

The ORM compiles an INSERT afresh for every row: for a case (forty columns) that took 1.2 ms of
Python per create on the benchmark machine, three times the statement's own time in PostgreSQL
(docs/benchmarks.md, fix 29). `insert` keeps Django's own value preparation (each field's
`pre_save` and `get_db_prep_save`, as the insert compiler calls them) and builds only the text once
per model and database. A model that anything listens to on save, or whose fields need the
compiler (a database default, a placeholder of their own, inherited tables), goes through `save()`
unchanged, so nothing that relies on the signals is skipped.

`insert_together` writes a row and the rows that point at it (a case, its first event, its
idempotency key) as one operation. On PostgreSQL that is one statement: each round trip to the
database cost the server and the database more than the row it carried (docs/benchmarks.md, fix 39).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, ForeignKey, Model
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


def _listened(model: type[Model]) -> bool:
    """Whether anything listens to `model` being saved (then it goes through `save()`)."""
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


def insert(obj: Model, *, using: str | None = None) -> None:
    """INSERT `obj` (its primary key is set from the database when it had none), inside the caller's
    transaction. Raises IntegrityError as `save()` would."""
    model = type(obj)
    alias = using or router.db_for_write(model, instance=obj)
    with_pk = obj.pk is not None
    statement = None
    if not _listened(model):
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


Link = tuple[Model, str]


@dataclass(frozen=True)
class _Together:
    parent: _Statement
    # each child's fields whose values are parameters: all but its link, which the statement takes
    # from the parent's new row
    children: tuple[tuple[Field[Any, Any], ...], ...]
    links: tuple[ForeignKey[Any, Any], ...]
    sql: str


_TOGETHER: dict[tuple[type[Model], tuple[tuple[type[Model], str], ...], str], _Together | None] = {}


def _together(
    parent: type[Model], children: tuple[tuple[type[Model], str], ...], alias: str
) -> _Together | None:
    """The one statement inserting a `parent` row and, in the same statement, each child row with
    its foreign key `name` taken from the parent's new key (a data-modifying WITH), returning every
    new key in that order. None where that cannot be said in one statement: not PostgreSQL, a model
    that needs `save()`, or a key that points at another column than the parent's primary key."""
    key = (parent, children, alias)
    if key in _TOGETHER:
        return _TOGETHER[key]
    connection = connections[alias]
    head = _statement(parent, alias, with_pk=False)
    tails = [_statement(model, alias, with_pk=False) for model, _ in children]
    links = [model._meta.get_field(name) for model, name in children]
    found = None
    if (
        connection.vendor == "postgresql"
        and head is not None
        and head.returning
        and all(t is not None and t.returning for t in tails)
        and all(
            isinstance(f, ForeignKey) and f.related_model is parent and f.target_field.primary_key
            for f in links
        )
    ):
        q = connection.ops.quote_name
        new_key = f"(SELECT {q(parent._meta.pk.column)} FROM p)"  # noqa: S608 - names from the models
        parts = [f"p AS ({head.sql})"]
        for i, ((model, _), tail, link) in enumerate(zip(children, tails, links, strict=True)):
            fields = tail.fields if tail is not None else ()
            columns = ", ".join(q(f.column) for f in fields)
            values = ", ".join(new_key if f == link else "%s" for f in fields)
            parts.append(
                f"c{i} AS (INSERT INTO {q(model._meta.db_table)} ({columns}) VALUES ({values}) "  # noqa: S608
                f"RETURNING {q(model._meta.pk.column)})"
            )
        keys = ", ".join([new_key, *(f"(SELECT * FROM c{i})" for i in range(len(children)))])  # noqa: S608
        found = _Together(
            parent=head,
            children=tuple(
                tuple(f for f in t.fields if f != link) for t, link in zip(tails, links, strict=True) if t
            ),
            links=tuple(links),  # type: ignore[arg-type]
            sql=f"WITH {', '.join(parts)} SELECT {keys}",  # names from the models, values as parameters
        )
    _TOGETHER[key] = found
    return found


def insert_together(parent: Model, *children: Link, using: str | None = None) -> None:
    """INSERT `parent` (which has no key yet) and `children`, each given as (row, name of its foreign
    key to `parent`), as one operation: all rows are written or none is, and every object then holds
    its new key. On PostgreSQL one statement, atomic by itself, which outside a transaction needs no
    BEGIN and no COMMIT (for a case, its event and its idempotency key, four round trips fewer than
    `insert` three times in `transaction.atomic()`); elsewhere, or for a model that needs `save()`,
    one `insert` after another in a transaction. Inside the caller's transaction, in a savepoint: a
    refused row (IntegrityError, raised as `save()` raises it) leaves that transaction usable."""
    model = type(parent)
    alias = using or router.db_for_write(model, instance=parent)
    plain = (
        parent.pk is None
        and not _listened(model)
        and not any(child.pk is not None or _listened(type(child)) for child, _ in children)
    )
    together = _together(model, tuple((type(c), name) for c, name in children), alias) if plain else None
    if together is not None and not connections[alias].in_atomic_block:
        _run_together(together, parent, children, alias)
        return
    try:
        with transaction.atomic(using=alias):
            if together is not None:
                _run_together(together, parent, children, alias)
                return
            insert(parent, using=alias)
            for child, _ in children:
                insert(child, using=alias)
    except BaseException:
        # Rolled back: no object keeps the key of a row that is not there. A child's link is cleared
        # past its descriptor, which would otherwise forget the parent object it holds.
        for obj in (parent, *(child for child, _ in children)):
            obj.pk = None
            obj._state.adding, obj._state.db = True, None
        for child, name in children:
            child.__dict__[type(child)._meta.get_field(name).attname] = None  # type: ignore[union-attr]
        raise


def _run_together(together: _Together, parent: Model, children: tuple[Link, ...], alias: str) -> None:
    connection = connections[alias]
    parent._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    params = [f.get_db_prep_save(f.pre_save(parent, True), connection) for f in together.parent.fields]
    for (child, _), fields in zip(children, together.children, strict=True):
        # every foreign key but the link (the parent has no key yet)
        child._prepare_related_fields_for_save(operation_name="save", fields=fields)  # type: ignore[attr-defined]
        params += [f.get_db_prep_save(f.pre_save(child, True), connection) for f in fields]
    with prepared(alias), connection.cursor() as cursor:
        cursor.execute(together.sql, params)
        keys = cursor.fetchone()
    parent.pk = keys[0]
    parent._state.adding, parent._state.db = False, alias
    for (child, _), link, pk in zip(children, together.links, keys[1:], strict=True):
        setattr(child, link.attname, parent.pk)
        child.pk = pk
        child._state.adding, child._state.db = False, alias
