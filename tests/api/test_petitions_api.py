"""/api/v1/petitions: registration, lists and the record (masked), reveal (logged), documents,
key persons and figures over HTTP. Workflow actions go through the generic case endpoint."""

from __future__ import annotations

import io
import json
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from docx import Document

from tests.api.helpers import BASE, Api
from tests.petitions.helpers import (
    ANSWER,
    MICRO_A11,
    MICRO_B11,
    VILLAGE_A,
    VILLAGE_B,
    WANG,
    ZHANG,
    add_office,
    drive,
    person,
)
from tests.township import Township
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.core import calendar
from zhizhi.petitions.models import ContactLog, KeyPerson, KeyPersonEvent, Petition, Petitioner

REQUEST = "要求支付拖欠的工资 3 万元"
BAD_ZHANG = ZHANG[:-1] + "1"  # the check character of 11010519491231002X is X
MASKED_ZHANG = {
    "name": "张*",
    "id_number": "110***********002X",
    "phone": "138****8000",
    "address": "六横镇杜庄****",
    "is_representative": False,
}
FULL_ZHANG = {
    "name": "张三",
    "id_number": ZHANG,
    "phone": "13800138000",
    "address": "六横镇杜庄村 8 号",
    "is_representative": False,
}


@pytest.fixture
def t(township: Township) -> Township:
    add_office(township)  # `xf`: the petition office's handler (department peace_law)
    return township


def zhang(**kw: Any) -> dict[str, Any]:
    return {**FULL_ZHANG, **kw}


def body(**kw: Any) -> dict[str, Any]:
    return {
        "form": "visit",
        "request": REQUEST,
        "facts_and_reasons": "2023 年在某船厂务工 6 个月，工资至今未付",
        "category": "wage_dispute",
        "region": MICRO_A11,
        "petitioners": [zhang()],
        **kw,
    }


def written() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Petition.objects.count(),
        Petitioner.objects.count(),
        CaseEvent.objects.count(),
        PersonalDataAccess.objects.count(),
    )


def register(t: Township, by: str = "dispatcher", **kw: Any) -> dict[str, Any]:
    r = Api(t.users[by]).post("/petitions", body(**kw))
    assert r.status_code == 201, r.content
    return r.json()


def end_of_day(day_offset: int, start: datetime) -> datetime:
    day = calendar.local_date(start) + timedelta(days=day_offset)
    return datetime.combine(day, time(23, 59, 59), tzinfo=calendar.TZ)


def test_register_is_201_with_the_petition_and_one_row(t: Township) -> None:
    r = Api(t.users["dispatcher"]).post("/petitions", body())
    assert r.status_code == 201, r.content
    out = r.json()
    case = Case.objects.get()
    received = case.received_at
    assert written()[:3] == (1, 1, 1)
    assert out["id"] == case.pk
    assert out["number"] == f"XF{calendar.local_date(received).year}-{case.pk:06d}"
    assert (out["status"], out["status_label"], out["form"], out["request"]) == (
        "registered",
        "已登记",
        "visit",
        REQUEST,
    )
    assert (out["department"], out["people_count"], out["is_group"], out["earlier"]) == (
        {"code": "peace_law", "name": "综治/平安法治"},
        1,
        False,
        [],
    )
    # Masked even for the registrar: the full values come only from /reveal
    assert (out["petitioners"], out["personal_data_revealed"]) == ([MASKED_ZHANG], False)
    clocks = out["clocks"]
    assert (clocks["stage"], clocks["target"], clocks["unit"], clocks["overdue"]) == (
        "acceptance",
        15,
        "days",
        False,
    )
    assert datetime.fromisoformat(clocks["due_at"]) == end_of_day(15, received)
    assert out["opinions"] == []
    assert [a["name"] for a in Api(t.users["xf"]).get(f"/petitions/{case.pk}").json()["actions"]] == [
        "accept",
        "not_accept",
        "refer",
    ]


def test_the_records_address_is_masked_as_a_cases_is(t: Township) -> None:
    out = register(t, address="六横镇杜庄村菜场路12号张三家")
    assert out["address"] == "六横镇杜庄村菜****"
    shown = Api(t.users["xf"]).get(f"/petitions/{out['id']}").json()
    assert (shown["address"], shown["personal_data_revealed"]) == ("六横镇杜庄村菜****", False)
    assert Case.objects.get().address == "六横镇杜庄村菜场路12号张三家"  # kept whole
    assert PersonalDataAccess.objects.count() == 0


def test_an_invalid_id_number_is_a_422_naming_the_field_and_nothing_is_created(t: Township) -> None:
    r = Api(t.users["dispatcher"]).post("/petitions", body(petitioners=[zhang(id_number=BAD_ZHANG)]))
    assert r.status_code == 422
    out = r.json()
    assert (out["code"], out["details"]) == (
        "invalid_id_number",
        {"field": "petitioners[0].id_number", "position": 18},
    )
    assert out["message"].startswith("第 1 名信访人：身份证号码第 18 位校验码错误")
    schema = Api(t.users["dispatcher"]).post("/petitions", body(colour="red"))
    assert (schema.status_code, schema.json()["code"]) == (422, "invalid_input")
    assert written() == (0, 0, 0, 0, 0)


def test_a_forbidden_role_cannot_register(t: Township) -> None:
    for username in ("leader", "xf"):
        r = Api(t.users[username]).post("/petitions", body())
        assert (r.status_code, r.json()["code"]) == (403, "forbidden_role")
    assert written() == (0, 0, 0, 0, 0)


def test_not_accepted_again_after_re_review_unless_new_facts(t: Township) -> None:
    earlier = drive(t, "re_reviewed", petitioners=[person()]).case
    number = Petition.objects.get(pk=earlier.pk).number
    before = written()
    api = Api(t.users["dispatcher"])
    r = api.post("/petitions", body())
    assert r.status_code == 422
    assert (r.json()["code"], r.json()["details"]) == ("already_rereviewed", {"earlier": [number]})
    r = api.post("/petitions", body(new_facts=True))
    assert (r.status_code, r.json()["code"], r.json()["details"]) == (
        422,
        "missing_field",
        {"field": "new_facts_note"},
    )
    assert written() == before
    # The override the service supports: marked as new facts and reasons, with the note
    r = api.post("/petitions", body(new_facts=True, new_facts_note="船厂已于 2024 年破产清算"))
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["new_facts"], out["new_facts_note"]) == (True, "船厂已于 2024 年破产清算")
    assert [e["id"] for e in out["earlier"]] == [earlier.pk]
    assert written()[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_the_list_is_masked_paginated_and_filtered(t: Township) -> None:
    a = register(t)
    b = register(t, form="letter", region=MICRO_B11, backlog=True, petitioners=[zhang(id_number=WANG)])
    group = register(
        t,
        people_count=6,
        petitioners=[
            zhang(is_representative=True),
            zhang(name="李四", id_number="", is_representative=False),
        ],
    )
    api = Api(t.users["dispatcher"])

    def ids(**params: Any) -> list[int]:
        r = api.get("/petitions", params)
        assert r.status_code == 200, r.content
        return [p["id"] for p in r.json()["results"]]

    page = api.get("/petitions", {"page_size": 2}).json()
    assert (page["count"], page["count_exact"], page["pages"], [p["id"] for p in page["results"]]) == (
        3,
        True,
        2,
        [group["id"], b["id"]],
    )
    assert page["results"][1]["petitioners"] == [{**MASKED_ZHANG, "id_number": "330***********1234"}]
    assert ids(form="letter") == [b["id"]]
    assert ids(backlog="true") == [b["id"]]
    assert ids(group="true") == [group["id"]]
    assert ids(group="false") == [b["id"], a["id"]]
    assert ids(repeat="true") == []
    assert ids(region=VILLAGE_B) == [b["id"]]
    assert ids(status="registered,handling", overdue="false") == [group["id"], b["id"], a["id"]]
    assert ids(overdue="true") == []
    today = timezone.localdate().isoformat()
    assert ids(received_from=today, received_to=today) == [group["id"], b["id"], a["id"]]
    assert ids(received_to="2000-01-01") == []
    # A village cadre sees their village's petitions only
    assert [p["id"] for p in Api(t.users["cadre_a"]).get("/petitions").json()["results"]] == [
        group["id"],
        a["id"],
    ]
    bad = api.get("/petitions", {"status": "pending"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_status")
    bad = api.get("/petitions", {"page_size": 500})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_page")


def test_a_petition_out_of_scope_is_a_404(t: Township) -> None:
    b = register(t, region=MICRO_B11)
    before = written()
    api = Api(t.users["cadre_a"])
    for r in (
        api.get(f"/petitions/{b['id']}"),
        api.post(f"/petitions/{b['id']}/reveal", {"reason": "x"}),
        api.get(f"/petitions/{b['id']}/documents/notice"),
    ):
        assert (r.status_code, r.json()["code"]) == (404, "petition_not_found")
    assert written() == before


def test_petitioners_are_revealed_to_allowed_roles_with_an_access_row(t: Township) -> None:
    p = register(t)
    # A leader sees the petition, not the petitioners: 403, nothing logged
    r = Api(t.users["leader"]).post(f"/petitions/{p['id']}/reveal", {"reason": "了解情况"})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_personal_data")
    assert PersonalDataAccess.objects.count() == 0
    assert Api(t.users["leader"]).get(f"/petitions/{p['id']}").json()["petitioners"] == [MASKED_ZHANG]
    r = Api(t.users["dispatcher"]).post(f"/petitions/{p['id']}/reveal", {"reason": "核实身份"})
    assert r.status_code == 200, r.content
    assert r.json() == {"id": p["id"], "number": p["number"], "petitioners": [FULL_ZHANG]}
    assert list(
        PersonalDataAccess.objects.values_list(
            "user__username", "object_type", "object_id", "fields", "reason"
        )
    ) == [("dispatcher", "petition", str(p["id"]), "name,id_number,phone,address", "核实身份")]
    # The detail stays masked
    assert Api(t.users["dispatcher"]).get(f"/petitions/{p['id']}").json()["petitioners"] == [MASKED_ZHANG]


def test_accept_on_the_case_endpoint_then_the_notice_as_docx(t: Township) -> None:
    p = register(t)
    xf = Api(t.users["xf"])
    r = xf.post(f"/cases/{p['id']}/accept", {})
    assert (r.status_code, r.json()["status"]) == (200, "handling"), r.content
    out = xf.get(f"/petitions/{p['id']}").json()
    accepted = Petition.objects.get(pk=p["id"]).accepted_at
    assert (out["acceptance"], out["clocks"]["stage"], out["clocks"]["target"]) == ("accept", "handling", 60)
    assert datetime.fromisoformat(out["clocks"]["due_at"]) == end_of_day(60, accepted)
    assert out["clocks"]["acceptance_on_time"] is True
    r = xf.get(f"/petitions/{p['id']}/documents/notice")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert r["Content-Disposition"] == f'attachment; filename="{p["number"]}-notice.docx"'
    text = [para.text for para in Document(io.BytesIO(r.content)).paragraphs]
    assert (text[0], f"信访请求：{REQUEST}" in text) == ("信访事项受理告知书", True)
    assert list(PersonalDataAccess.objects.values_list("user__username", "object_type", "reason")) == [
        ("xf", "petition", "生成文书：notice")
    ]
    for kind, status, code in (("reply", 409, "not_answered"), ("minutes", 422, "unknown_document")):
        r = xf.get(f"/petitions/{p['id']}/documents/{kind}")
        assert (r.status_code, r.json()["code"]) == (status, code)
    r = Api(t.users["leader"]).get(f"/petitions/{p['id']}/documents/notice")
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_personal_data")
    assert PersonalDataAccess.objects.count() == 1


def test_a_refused_action_on_the_case_endpoint_changes_nothing(t: Township) -> None:
    p = register(t)
    before = (written(), Case.objects.get(pk=p["id"]).status)
    r = Api(t.users["leader"]).post(f"/cases/{p['id']}/accept", {})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_role")
    assert (written(), Case.objects.get(pk=p["id"]).status) == before


# --- Figures ---------------------------------------------------------------------------------------


def figure_map(api: Api, **params: Any) -> dict[str, tuple[Any, int, int | None]]:
    r = api.get("/petitions/figures", params)
    assert r.status_code == 200, r.content
    return {f["code"]: (f["value"], f["numerator"], f["denominator"]) for f in r.json()}


def records(api: Api, code: str, part: str = "numerator", **params: Any) -> tuple[int, list[int]]:
    r = api.get(f"/petitions/figures/{code}/records", {"part": part, "page_size": 200, **params})
    assert r.status_code == 200, r.content
    out = r.json()
    assert (out["code"], out["part"], out["count_exact"]) == (code, part, True)
    return out["count"], [c["id"] for c in out["results"]]


def test_figures_equal_their_records_for_two_roles(t: Township) -> None:
    a = register(t)
    group = register(
        t, people_count=5, petitioners=[zhang(is_representative=True), zhang(name="李四", id_number="")]
    )
    b = register(t, region=MICRO_B11, petitioners=[zhang(id_number=WANG)])
    xf = Api(t.users["xf"])
    assert xf.post(f"/cases/{a['id']}/accept", {}).status_code == 200
    assert xf.post(f"/cases/{a['id']}/reply", ANSWER).status_code == 200
    year = timezone.localdate().year
    expected = {
        "dispatcher": {
            "received": (3, 3, None),
            "accepted": (1, 1, None),
            "answered": (1, 1, None),
            "answered_on_time": (1, 1, None),
            "on_time_rate": (1.0, 1, 1),
            "group": (1, 1, None),
            "backlog_resolution_rate": (None, 0, 0),
        },
        "cadre_a": {"received": (2, 2, None), "group": (1, 1, None), "on_time_rate": (1.0, 1, 1)},
    }
    ids = {"dispatcher": {a["id"], group["id"], b["id"]}, "cadre_a": {a["id"], group["id"]}}
    for username, want in expected.items():
        api = Api(t.users[username])
        got = figure_map(api, year=year)
        assert {code: got[code] for code in want} == want
        for code, (_, numerator, denominator) in got.items():
            assert records(api, code, year=year)[0] == numerator, code
            if denominator is not None:
                assert records(api, code, "denominator", year=year)[0] == denominator, code
        assert set(records(api, "received", year=year)[1]) == ids[username]
        assert records(api, "on_time_rate", "denominator", year=year)[1] == [a["id"]]
    # The period by dates ("from" / "to") and an earlier year
    today = timezone.localdate().isoformat()
    dispatcher = Api(t.users["dispatcher"])
    assert figure_map(dispatcher, **{"from": today, "to": today})["received"] == (3, 3, None)
    assert figure_map(dispatcher, year=2000)["received"] == (0, 0, None)
    assert figure_map(dispatcher, region=VILLAGE_B, year=year)["received"] == (1, 1, None)
    # Refusals
    for path, params, code in (
        ("/petitions/figures", {"region": VILLAGE_B}, "unknown_region"),  # outside cadre_a's scope
        ("/petitions/figures", {"from": today, "to": "2000-01-01"}, "invalid_date_range"),
        ("/petitions/figures/received/records", {"part": "denominator"}, "not_a_rate"),
        ("/petitions/figures/received/records", {"part": "half"}, "invalid_part"),
        ("/petitions/figures/nope/records", {}, "unknown_figure"),
    ):
        r = Api(t.users["cadre_a"]).get(path, params)
        assert (r.status_code, r.json()["code"]) == (422, code), path


# --- Key persons -----------------------------------------------------------------------------------


def key_person_body(**kw: Any) -> dict[str, Any]:
    return {
        "name": "王五",
        "id_number": WANG,
        "phone": "13900139000",
        "address": "六横镇杜庄村 12 号",
        "region": VILLAGE_A,
        "risk_level": "high",
        "reason": "工资纠纷多次进京上访",
        "plan": "村干部每周走访一次，协调船厂分期支付",
        "cadres": ["cadre_a"],
        **kw,
    }


def put(api: Api, path: str, data: dict[str, Any]) -> Any:
    return api.client.put(
        BASE + path,
        json.dumps(data, ensure_ascii=False),
        content_type="application/json",
        headers=api.headers,
    )


def key_counts() -> tuple[int, int, int, int]:
    return (
        KeyPerson.objects.count(),
        KeyPersonEvent.objects.count(),
        ContactLog.objects.count(),
        PersonalDataAccess.objects.count(),
    )


def test_key_persons_listed_revised_contacted_revealed_and_delisted(t: Township) -> None:
    p = register(t)
    dispatcher = Api(t.users["dispatcher"])
    r = dispatcher.post("/petitions/key-persons", key_person_body(petitions=[p["id"]]))
    assert r.status_code == 201, r.content
    out = r.json()
    pk = out["id"]
    assert {k: out[k] for k in ("name", "id_number", "phone", "address", "risk_level", "cadres")} == {
        "name": "王*",
        "id_number": "330***********1234",
        "phone": "139****9000",
        "address": "六横镇杜庄****",
        "risk_level": "high",
        "cadres": ["cadre_a"],
    }
    assert ([x["id"] for x in out["petitions"]], out["personal_data_revealed"]) == ([p["id"]], False)
    assert key_counts() == (1, 1, 0, 0)

    listed = Api(t.users["cadre_a"]).get("/petitions/key-persons", {"active": "true"}).json()
    assert (listed["count"], [x["id"] for x in listed["results"]], listed["results"][0]["name"]) == (
        1,
        [pk],
        "王*",
    )
    assert Api(t.users["cadre_a"]).get("/petitions/key-persons", {"region": VILLAGE_B}).json()["count"] == 0

    # PUT: the masked personal fields may be omitted and keep their values
    body = key_person_body(risk_level="medium")
    for name in ("id_number", "phone", "address"):
        del body[name]
    r = put(dispatcher, f"/petitions/key-persons/{pk}", body)
    assert (r.status_code, r.json()["risk_level"]) == (200, "medium"), r.content
    person = KeyPerson.objects.get()
    assert (person.id_number, person.phone, person.risk_level) == (WANG, "13900139000", "medium")
    assert list(person.petitions.values_list("case_id", flat=True)) == [p["id"]]
    assert KeyPersonEvent.objects.latest("id").data["changed"] == ["risk_level"]

    r = Api(t.users["cadre_a"]).post(
        f"/petitions/key-persons/{pk}/contacts",
        {
            "contacted_at": "2024-03-05T10:00:00+08:00",
            "method": "visit",
            "content": "情绪稳定，同意等待分期支付",
        },
    )
    assert r.status_code == 201, r.content
    assert {k: r.json()[k] for k in ("cadre", "method", "recorded_by", "contacted_at")} == {
        "cadre": "cadre_a",
        "method": "visit",
        "recorded_by": "cadre_a",
        "contacted_at": "2024-03-05T10:00:00+08:00",
    }
    assert [c["content"] for c in dispatcher.get(f"/petitions/key-persons/{pk}").json()["contacts"]] == [
        "情绪稳定，同意等待分期支付"
    ]

    # Reveal: a leader may not (403, nothing logged); the dispatcher may (one access row)
    before = key_counts()
    r = Api(t.users["leader"]).post(f"/petitions/key-persons/{pk}/reveal", {"reason": "x"})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_personal_data")
    assert key_counts() == before
    r = dispatcher.post(f"/petitions/key-persons/{pk}/reveal", {"reason": "上门走访"})
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("name", "id_number", "phone", "personal_data_revealed")} == {
        "name": "王五",
        "id_number": WANG,
        "phone": "13900139000",
        "personal_data_revealed": True,
    }
    assert list(PersonalDataAccess.objects.values_list("object_type", "object_id", "reason")) == [
        ("key_person", str(pk), "上门走访")
    ]

    # Delist: not a village cadre (403, unchanged); the dispatcher may
    before = key_counts()
    r = Api(t.users["cadre_a"]).post(f"/petitions/key-persons/{pk}/delist", {"reason": "已化解"})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_role")
    assert (key_counts(), KeyPerson.objects.get().is_active) == (before, True)
    r = dispatcher.post(f"/petitions/key-persons/{pk}/delist", {"reason": "工资已付清，息诉罢访"})
    assert (r.status_code, r.json()["is_active"]) == (200, False)
    again = dispatcher.post(f"/petitions/key-persons/{pk}/delist", {"reason": "x"})
    assert (again.status_code, again.json()["code"]) == (409, "key_person_delisted")


def test_key_person_refusals_write_nothing(t: Township) -> None:
    dispatcher = Api(t.users["dispatcher"])
    r = Api(t.users["grid_a1"]).post("/petitions/key-persons", key_person_body())
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_role")
    r = dispatcher.post("/petitions/key-persons", key_person_body(id_number=BAD_ZHANG))
    assert (r.status_code, r.json()["code"], r.json()["details"]) == (
        422,
        "invalid_id_number",
        {"field": "id_number", "position": 18},
    )
    r = dispatcher.post("/petitions/key-persons", key_person_body(cadres=["nobody"]))
    assert (r.status_code, r.json()["code"]) == (422, "unknown_cadre")
    assert key_counts() == (0, 0, 0, 0)
    pk = dispatcher.post("/petitions/key-persons", key_person_body()).json()["id"]
    r = Api(t.users["cadre_b"]).get(f"/petitions/key-persons/{pk}")
    assert (r.status_code, r.json()["code"]) == (404, "key_person_not_found")
    r = put(Api(t.users["cadre_b"]), f"/petitions/key-persons/{pk}", key_person_body(region=VILLAGE_B))
    assert (r.status_code, r.json()["code"]) == (404, "key_person_not_found")
    assert (KeyPerson.objects.get().region.code, key_counts()) == (VILLAGE_A, (1, 1, 0, 0))
