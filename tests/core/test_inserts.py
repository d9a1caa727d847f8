"""`core.inserts.insert`: the row it writes is the row `save(force_insert=True)` writes, and a model
that anything listens to on save is saved through `save()`. `insert_together`: a row and the rows
pointing at it, all written or none; on PostgreSQL outside a transaction, in one statement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from tests.cases.factories import T0, create
from tests.township import Township
from zhizhi.accounts.models import Department
from zhizhi.cases import services, sla
from zhizhi.cases.models import Case, CaseEvent, IdempotencyKey
from zhizhi.core import inserts

pytestmark = pytest.mark.django_db


def stored(obj: Model) -> dict[str, Any]:
    """Every column of the object's row as read back from the database."""
    fresh = type(obj).objects.get(pk=obj.pk)  # type: ignore[attr-defined]
    return {f.attname: getattr(fresh, f.attname) for f in type(obj)._meta.concrete_fields}


def values(obj: Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def twin_cases(township: Township) -> tuple[Case, Case]:
    """Two unsaved copies of a case as create_case builds it (every kind of column set)."""
    template = create(township, now=T0)
    clock = sla.choose_clock(
        case_type="event", category=template.category, nature=None, priority="normal", start=T0
    )
    kw = {
        name: getattr(template, name)
        for name in ("case_type", "channel", "category", "title", "description", "address", "lon", "lat")
    }
    kw |= {"reporter_name": "张三", "reporter_phone": "13800001111", "priority": "urgent"}
    build = services.received_case
    user = township.users["dispatcher"]
    return (
        build(actor=user, region=template.region, clock=clock, now=T0 + timedelta(hours=1), **kw),
        build(actor=user, region=template.region, clock=clock, now=T0 + timedelta(hours=1), **kw),
    )


def test_an_inserted_case_is_stored_as_save_stores_it(township: Township) -> None:
    # Given two identical unsaved cases
    by_orm, by_insert = twin_cases(township)
    department = Department.objects.get(code="enforcement")
    by_orm.department = by_insert.department = department
    # When one is saved by the ORM and the other inserted
    by_orm.save(force_insert=True)
    inserts.insert(by_insert)
    # Then both rows hold the same values in every column but the id and the time of writing (an
    # auto_now column, set by pre_save for each), and each object holds its row's values
    orm_row, insert_row = stored(by_orm), stored(by_insert)
    assert (by_insert.pk, by_insert._state.adding, by_insert._state.db) == (by_orm.pk + 1, False, "default")
    assert {k: v for k, v in insert_row.items() if k not in ("id", "updated_at")} == {
        k: v for k, v in orm_row.items() if k not in ("id", "updated_at")
    }
    assert insert_row == values(by_insert)
    assert insert_row["updated_at"] > orm_row["updated_at"] > T0
    assert (insert_row["reporter_name"], insert_row["department_id"]) == ("张三", department.pk)


def test_an_event_keeps_its_json_and_takes_the_id_of_a_case_saved_after_it_was_assigned(
    township: Township,
) -> None:
    # Given an event built for a case that has no id yet
    case, _ = twin_cases(township)
    event = CaseEvent(
        case=case,
        actor=township.users["dispatcher"],
        at=T0,
        action="create",
        from_status="",
        to_status="received",
        data={"due_at": "2024-03-11T23:59:59+08:00", "n": 3, "list": ["甲", None], "ok": True},
    )
    # When the case is inserted, then the event
    inserts.insert(case)
    inserts.insert(event)
    # Then the event's row points at the case and holds the data as given
    assert stored(event) == values(event)
    assert (stored(event)["case_id"], stored(event)["data"]) == (
        case.pk,
        {"due_at": "2024-03-11T23:59:59+08:00", "n": 3, "list": ["甲", None], "ok": True},
    )


def test_a_taken_unique_key_raises_integrity_error_and_writes_nothing(township: Township) -> None:
    case = create(township, now=T0)
    user = township.users["dispatcher"]
    inserts.insert(IdempotencyKey(user=user, key="k-1", body_hash="a", case=case))
    before = list(IdempotencyKey.objects.values_list("key", "body_hash"))
    with pytest.raises(IntegrityError), transaction.atomic():
        inserts.insert(IdempotencyKey(user=user, key="k-1", body_hash="b", case=case))
    assert list(IdempotencyKey.objects.values_list("key", "body_hash")) == before == [("k-1", "a")]


def test_a_model_with_a_save_listener_goes_through_save(township: Township) -> None:
    # Given something listening to events being saved
    heard: list[tuple[int, bool]] = []

    def listener(sender: type[Model], instance: CaseEvent, created: bool, **kwargs: Any) -> None:
        heard.append((instance.pk, created))

    case = create(township, now=T0)
    post_save.connect(listener, sender=CaseEvent, dispatch_uid="test-inserts")
    try:
        event = CaseEvent(case=case, at=T0, action="note", from_status="received", to_status="received")
        # When an event is inserted
        inserts.insert(event)
    finally:
        post_save.disconnect(sender=CaseEvent, dispatch_uid="test-inserts")
    # Then the listener heard it, as after save()
    assert heard == [(event.pk, True)]
    assert stored(event) == values(event)


# --- insert_together --------------------------------------------------------------------------------

Family = tuple[Case, CaseEvent, IdempotencyKey]


def families(township: Township, *keys: str) -> list[Family]:
    """For each key an unsaved case, its first event and its idempotency key, as create_case builds
    them (the cases copy one registered case)."""
    template, _ = twin_cases(township)
    user = township.users["dispatcher"]
    out = []
    for key in keys:
        case = Case(**{f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields})
        event = CaseEvent(
            case=case, actor=user, at=T0, action="create", from_status="", to_status="received", data={"n": 1}
        )
        out.append((case, event, IdempotencyKey(user=user, key=key, body_hash="h", case=case)))
    return out


def together(family: Family) -> None:
    case, event, key = family
    inserts.insert_together(case, (event, "case"), (key, "case"))


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), IdempotencyKey.objects.count()


def test_together_writes_the_row_and_the_rows_that_point_at_it(township: Township) -> None:
    # Given a case that has no id yet, and its event and key pointing at it
    [(case, event, key)] = families(township, "k-1")
    before = counts()
    # When they are inserted together
    together((case, event, key))
    # Then each row is stored as its object holds it, and both point at the case's new id
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert (stored(case), stored(event), stored(key)) == (values(case), values(event), values(key))
    assert (event.case_id, key.case_id, event.case, key.case) == (case.pk, case.pk, case, case)
    assert [(o._state.adding, o._state.db) for o in (case, event, key)] == [(False, "default")] * 3
    assert (stored(event)["data"], stored(key)["key"], stored(case)["title"]) == (
        {"n": 1},
        "k-1",
        case.title,
    )


# Outside a transaction: a transactional test (the reference data, which migrations write, is
# restored after each by serialized_rollback).
OUTSIDE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@OUTSIDE
def test_outside_a_transaction_they_are_one_statement_on_postgresql(township: Township) -> None:
    [(case, event, key)] = families(township, "k-1")
    with CaptureQueriesContext(connection) as queries:
        together((case, event, key))
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        # no BEGIN, no COMMIT: one data-modifying WITH, atomic by itself
        assert statements == ["WITH"]
    else:
        assert statements == ["BEGIN", "INSERT", "INSERT", "INSERT", "COMMIT"]
    assert (stored(case), stored(event), stored(key)) == (values(case), values(event), values(key))
    assert (event.case_id, key.case_id) == (case.pk, case.pk)


@OUTSIDE
def test_outside_a_transaction_a_refused_row_writes_none_of_them(township: Township) -> None:
    # Given a case whose key k-1 is taken
    first, (case, event, key) = families(township, "k-1", "k-1")
    together(first)
    before = counts()
    # When another case is inserted with its event and the same key, outside any transaction
    with pytest.raises(IntegrityError):
        together((case, event, key))
    # Then neither the case nor its event was written, and the objects are still unsaved
    assert counts() == before
    assert (case.pk, event.pk, key.pk, event.case_id, key.case_id) == (None,) * 5
    assert (case._state.adding, event._state.adding, event.case, key.case) == (True, True, case, case)
    assert list(IdempotencyKey.objects.values_list("key", "case_id")) == [("k-1", first[0].pk)]


def test_inside_a_transaction_a_refused_row_leaves_that_transaction_usable(township: Township) -> None:
    first, refused, other = families(township, "k-1", "k-1", "k-2")
    together(first)
    before = counts()
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            together(refused)
        # the caller's transaction goes on: it reads, and it writes
        assert counts() == before
        together(other)
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert list(IdempotencyKey.objects.order_by("key").values_list("key", "case_id")) == [
        ("k-1", first[0].pk),
        ("k-2", other[0].pk),
    ]


def test_together_saves_through_save_what_anything_listens_to(township: Township) -> None:
    heard: list[tuple[str, bool]] = []

    def listener(sender: type[Model], instance: CaseEvent, created: bool, **kwargs: Any) -> None:
        heard.append((instance.action, created))

    [(case, event, key)] = families(township, "k-1")
    post_save.connect(listener, sender=CaseEvent, dispatch_uid="test-inserts-together")
    try:
        together((case, event, key))
    finally:
        post_save.disconnect(sender=CaseEvent, dispatch_uid="test-inserts-together")
    assert heard == [("create", True)]
    assert (stored(case), stored(event), stored(key)) == (values(case), values(event), values(key))
