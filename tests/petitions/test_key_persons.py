"""Key-person plans (重点人员"一人一策"): the person, the risk level, the responsible cadres, the plan,
the contact log; scope, masking and audit rows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.petitions.helpers import LI, VILLAGE_A, VILLAGE_B, WANG, ZHANG, at, drive
from tests.township import Township
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.core.errors import DomainError
from zhizhi.petitions import queries, services
from zhizhi.petitions.models import ContactLog, KeyPerson, KeyPersonEvent


def plan(**kw: Any) -> services.KeyPersonInput:
    base: dict[str, Any] = {
        "name": "张三",
        "id_number": ZHANG,
        "phone": "13800138000",
        "address": "六横镇杜庄村 8 号",
        "region": VILLAGE_A,
        "risk_level": "high",
        "reason": "欠薪问题多次赴区上访",
        "plan": "村书记每周走访一次；协调劳动监察追缴欠薪",
        "cadres": ["cadre_a", "grid_a1"],
    }
    base.update(kw)
    return services.KeyPersonInput(**base)


def refused(fn: Any, **kw: Any) -> DomainError:
    before = (KeyPerson.objects.count(), KeyPersonEvent.objects.count(), ContactLog.objects.count())
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    assert (KeyPerson.objects.count(), KeyPersonEvent.objects.count(), ContactLog.objects.count()) == before
    return exc.value


def test_a_person_is_listed_with_a_plan_and_responsible_cadres(t: Township) -> None:
    petition = drive(t, "answered").case
    person = services.save_key_person(actor=t.users["dispatcher"], data=plan(petitions=[petition.pk]))
    person.refresh_from_db()
    assert (person.name, person.id_number, person.risk_level, person.region_path, person.is_active) == (
        "张三", ZHANG, "high", t.villages[VILLAGE_A].path, True,
    )  # fmt: skip
    assert sorted(person.cadres.values_list("username", flat=True)) == ["cadre_a", "grid_a1"]
    assert list(person.petitions.values_list("case_id", flat=True)) == [petition.pk]
    event = KeyPersonEvent.objects.get(person=person)
    assert (event.actor, event.action) == (t.users["dispatcher"], "create")
    assert event.data["changed"] == [
        "address",
        "id_number",
        "name",
        "phone",
        "plan",
        "reason",
        "region",
        "risk_level",
    ]
    assert ZHANG not in str(event.data)
    assert "张三" not in str(event.data)


def test_revising_the_plan_records_what_changed(t: Township) -> None:
    person = services.save_key_person(actor=t.users["dispatcher"], data=plan())
    services.save_key_person(
        actor=t.users["cadre_a"],
        data=plan(risk_level="medium", plan="每月走访", cadres=["cadre_a"]),
        person_id=person.pk,
    )
    person.refresh_from_db()
    assert (person.risk_level, person.plan) == ("medium", "每月走访")
    assert list(person.cadres.values_list("username", flat=True)) == ["cadre_a"]
    last = KeyPersonEvent.objects.filter(person=person).last()
    assert last is not None
    assert (last.action, last.data["changed"], last.data["cadres"]) == (
        "update",
        ["plan", "risk_level"],
        ["cadre_a"],
    )


def test_bad_input_and_roles_are_refused(t: Township) -> None:
    save = services.save_key_person
    cases = [
        ({"actor": t.users["dispatcher"], "data": plan(id_number="110105194912310025")}, "invalid_id_number"),
        ({"actor": t.users["dispatcher"], "data": plan(risk_level="red")}, "invalid_risk_level"),
        ({"actor": t.users["dispatcher"], "data": plan(cadres=[])}, "missing_cadre"),
        ({"actor": t.users["dispatcher"], "data": plan(cadres=["nobody"])}, "unknown_cadre"),
        ({"actor": t.users["dispatcher"], "data": plan(plan=" ")}, "missing_field"),
        ({"actor": t.users["dispatcher"], "data": plan(petitions=[999999])}, "unknown_petition"),
        ({"actor": t.users["grid_a1"], "data": plan()}, "forbidden_role"),
        ({"actor": t.users["cadre_b"], "data": plan()}, "forbidden_region"),
    ]
    for kw, code in cases:
        assert refused(save, **kw).code == code
    services.save_key_person(actor=t.users["dispatcher"], data=plan())
    assert refused(save, actor=t.users["dispatcher"], data=plan(name="张三丰")).code == "duplicate_key_person"


def test_contacts_by_the_responsible_cadres(t: Township) -> None:
    person = services.save_key_person(actor=t.users["dispatcher"], data=plan())
    # A responsible cadre logs their own visit
    log = services.log_contact(
        actor=t.users["grid_a1"], person_id=person.pk, contacted_at=at("2024-03-05 15:00"), method="visit",
        content="情绪平稳，表示等待处理结果", follow_up="下周再访", now=at("2024-03-05 18:00"),
    )  # fmt: skip
    assert (log.cadre, log.recorded_by, log.method, log.follow_up) == (
        t.users["grid_a1"], t.users["grid_a1"], "visit", "下周再访",
    )  # fmt: skip
    # The dispatcher records a call made by cadre_a
    services.log_contact(
        actor=t.users["dispatcher"], person_id=person.pk, contacted_at=at("2024-03-06 10:00"), method="phone",
        content="电话联系，未接通", cadre="cadre_a", now=at("2024-03-06 11:00"),
    )  # fmt: skip
    assert list(ContactLog.objects.filter(person=person).values_list("cadre__username", "method")) == [
        ("grid_a1", "visit"), ("cadre_a", "phone"),
    ]  # fmt: skip
    # and the log is append-only
    with pytest.raises(RuntimeError):
        log.save()
    with pytest.raises(RuntimeError):
        log.delete()


def test_contacts_refused(t: Township) -> None:
    # Given a person in micro-grid 杜庄1-1 (grid_a1's grid) whose only responsible cadre is cadre_a
    person = services.save_key_person(
        actor=t.users["dispatcher"], data=plan(cadres=["cadre_a"], region="3309031072010101")
    )
    log = services.log_contact
    base = {
        "person_id": person.pk,
        "contacted_at": at("2024-03-05 15:00"),
        "method": "visit",
        "content": "走访",
    }
    now = at("2024-03-05 18:00")
    assert refused(log, actor=t.users["grid_b1"], now=now, **base).code == "key_person_not_found"
    assert refused(log, actor=t.users["dispatcher"], now=now, **base).code == "missing_cadre"
    assert refused(log, actor=t.users["dispatcher"], cadre="grid_a1", now=now, **base).code == "invalid_cadre"
    assert (
        refused(log, actor=t.users["grid_a1"], now=now, **base).code == "forbidden_role"
    )  # not one of its cadres
    assert refused(log, actor=t.users["cadre_a"], now=at("2024-03-05 14:00"), **base).code == "invalid_time"
    assert (
        refused(log, actor=t.users["cadre_a"], now=now, **{**base, "method": "letter"}).code
        == "invalid_method"
    )


def test_scope_masking_and_reveal(t: Township) -> None:
    a = services.save_key_person(actor=t.users["dispatcher"], data=plan())
    b = services.save_key_person(
        actor=t.users["dispatcher"],
        data=plan(name="李四", id_number=LI, region=VILLAGE_B, cadres=["cadre_b"]),
    )
    assert list(queries.visible_key_persons(t.users["cadre_a"])) == [a]
    assert list(queries.visible_key_persons(t.users["grid_b1"])) == []
    assert sorted(p.pk for p in queries.visible_key_persons(t.users["leader"])) == [a.pk, b.pk]
    # Lists are masked
    assert queries.masked_key_person(a) | {"id": 0} == {
        "id": 0, "name": "张*", "id_number": "110***********002X", "phone": "138****8000",
        "address": "六横镇杜庄****", "region": "杜庄村", "risk_level": "high", "is_active": True,
    }  # fmt: skip
    # Revealing is logged; a leader (no personal data in full) is refused
    full = queries.reveal_key_person(t.users["cadre_a"], a.pk, reason="走访")
    assert (full["name"], full["id_number"]) == ("张三", ZHANG)
    assert PersonalDataAccess.objects.filter(user=t.users["cadre_a"], object_type="key_person").count() == 1
    with pytest.raises(DomainError) as exc:
        queries.reveal_key_person(t.users["leader"], a.pk)
    assert exc.value.code == "forbidden_personal_data"


def test_delisting_keeps_the_record_and_frees_the_id_number(t: Township) -> None:
    person = services.save_key_person(actor=t.users["dispatcher"], data=plan())
    services.delist_key_person(actor=t.users["leader"], person_id=person.pk, reason="欠薪已追回，息诉罢访")
    person.refresh_from_db()
    assert (person.is_active, KeyPersonEvent.objects.filter(person=person).last().action) == (False, "delist")  # type: ignore[union-attr]
    with pytest.raises(DomainError) as exc:
        services.save_key_person(actor=t.users["dispatcher"], data=plan(), person_id=person.pk)
    assert exc.value.code == "key_person_delisted"
    again = services.save_key_person(actor=t.users["dispatcher"], data=plan(id_number=ZHANG))
    assert again.pk != person.pk
    assert refused(
        services.delist_key_person, actor=t.users["cadre_a"], person_id=again.pk, reason="x"
    ).code == ("forbidden_role")


def test_petitioners_are_masked_in_lists_and_revealed_with_a_log(t: Township) -> None:
    case = drive(
        t,
        "registered",
        petitioners=[services.PetitionerInput(name="王五", id_number=WANG, phone="0580-6012345")],
    ).case
    petition = queries.get_petition(t.users["dispatcher"], case.pk)
    assert queries.petitioners(petition) == [
        {
            "name": "王*",
            "id_number": "330***********1234",
            "phone": "058****2345",
            "address": "",
            "is_representative": False,
        }
    ]
    full = queries.reveal_petitioners(t.users["dispatcher"], case.pk, reason="电话回访")
    assert full[0]["id_number"] == WANG
    row = PersonalDataAccess.objects.get()
    assert (row.object_type, row.object_id, row.fields, row.reason) == (
        "petition", str(case.pk), "name,id_number,phone,address", "电话回访",
    )  # fmt: skip
    with pytest.raises(DomainError) as exc:
        queries.reveal_petitioners(t.users["leader"], case.pk)
    assert exc.value.code == "forbidden_personal_data"
