"""`core.inserts.insert`: the row it writes is the row `save(force_insert=True)` writes, and a model
that anything listens to on save is saved through `save()`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.db.models.signals import post_save

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
