"""/api/v1/mediation: registration with parties, lists and the record (masked), reveal (logged),
documents and figures over HTTP. Workflow actions go through the generic case endpoint."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from docx import Document

from tests.api.helpers import Api
from tests.mediation.helpers import LI, MICRO_A11, MICRO_B11, VILLAGE_B, WANG, ZHANG, add_mediators
from tests.township import Township
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.core import calendar
from zhizhi.mediation.models import Agreement, Dispute, Party, Session

FACTS = "李四在两户共用通道上堆放渔网，张三出入受阻，双方多次争吵"
TERMS = "一、李四于十日内清理通道上的渔网，今后不在通道堆放杂物。\n二、张三向李四赔礼道歉。"
APPLICANT = {
    "role": "applicant",
    "name": "张三",
    "id_number": ZHANG,
    "phone": "13800138000",
    "address": "六横镇杜庄村 8 号",
}
RESPONDENT = {
    "role": "respondent",
    "name": "李四",
    "id_number": LI,
    "phone": "13900139000",
    "address": "六横镇杜庄村 10 号",
}
MASKED = [
    {
        "role": "applicant",
        "name": "张*",
        "id_number": "110***********002X",
        "phone": "138****8000",
        "address": "六横镇杜庄****",
    },
    {
        "role": "respondent",
        "name": "李*",
        "id_number": "360***********0071",
        "phone": "139****9000",
        "address": "六横镇杜庄****",
    },
]


def with_ids(case_id: int, parties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parties as the API shows them: each with its id (to correct it by), in their order."""
    ids = Party.objects.filter(dispute_id=case_id).order_by("sort", "id").values_list("pk", flat=True)
    return [{"id": pk, **p} for pk, p in zip(ids, parties, strict=True)]


@pytest.fixture
def t(township: Township) -> Township:
    add_mediators(township)  # `tj` (陈明) and `tj2` (刘芳): handlers of department peace_law
    return township


def body(**kw: Any) -> dict[str, Any]:
    return {
        "kind": "neighbour",
        "facts": FACTS,
        "region": MICRO_A11,
        "channel": "on_site",
        "parties": [APPLICANT, RESPONDENT],
        **kw,
    }


def written() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Dispute.objects.count(),
        Party.objects.count(),
        Session.objects.count(),
        Agreement.objects.count(),
        CaseEvent.objects.count(),
        PersonalDataAccess.objects.count(),
    )


def register(t: Township, by: str = "dispatcher", **kw: Any) -> dict[str, Any]:
    r = Api(t.users[by]).post("/mediation", body(**kw))
    assert r.status_code == 201, r.content
    return r.json()


def end_of_day(days: int, start: datetime) -> datetime:
    day = calendar.local_date(start) + timedelta(days=days)
    return datetime.combine(day, time(23, 59, 59), tzinfo=calendar.TZ)


def agreement(**kw: Any) -> dict[str, Any]:
    return {
        "form": "written",
        "facts": "李四在两户共用通道堆放渔网，妨碍张三通行；争议事项为通道的使用和渔网的清理",
        "responsibilities": "李四堆放渔网妨碍通行，负主要责任；张三言语过激，负次要责任",
        "terms": TERMS,
        "performance_manner": "李四自行清理，人民调解员现场查看",
        "performance_due": (timezone.localdate() + timedelta(days=10)).isoformat(),
        **kw,
    }


def test_the_records_address_is_masked_as_a_cases_is(t: Township) -> None:
    r = Api(t.users["dispatcher"]).post("/mediation", body(address="六横镇杜庄村菜场路12号李四家"))
    assert r.status_code == 201, r.content
    assert r.json()["address"] == "六横镇杜庄村菜****"
    shown = Api(t.users["cadre_a"]).get(f"/mediation/{r.json()['id']}").json()
    assert (shown["address"], shown["personal_data_revealed"]) == ("六横镇杜庄村菜****", False)
    assert Case.objects.get().address == "六横镇杜庄村菜场路12号李四家"  # kept whole


def test_register_is_201_with_masked_parties_and_one_row(t: Township) -> None:
    r = Api(t.users["dispatcher"]).post("/mediation", body())
    assert r.status_code == 201, r.content
    out = r.json()
    case = Case.objects.get()
    assert written()[:3] == (1, 1, 2)
    assert (out["id"], out["number"]) == (
        case.pk,
        f"TJ{calendar.local_date(case.received_at).year}-{case.pk:06d}",
    )
    assert (out["status"], out["status_label"], out["kind"], out["channel"], out["facts"]) == (
        "registered",
        "已登记",
        "neighbour",
        "on_site",
        FACTS,
    )
    assert (out["category"]["code"], out["department"]["code"], out["mediators"]) == (
        "neighbor_dispute",
        "peace_law",
        [],
    )
    assert (out["parties"], out["personal_data_revealed"]) == (with_ids(case.pk, MASKED), False)
    clocks = out["clocks"]
    assert (clocks["stage"], clocks["target"], clocks["unit"], clocks["judicial_confirmation_due_at"]) == (
        "acceptance",
        3,
        "working_days",
        None,
    )
    assert (out["sessions"], out["agreement"], out["follow_ups"]) == ([], None, [])


def test_an_invalid_id_number_is_a_422_naming_the_field_and_nothing_is_created(t: Township) -> None:
    bad = {**RESPONDENT, "id_number": LI[:-1] + "2"}
    r = Api(t.users["dispatcher"]).post("/mediation", body(parties=[APPLICANT, bad]))
    out = r.json()
    assert (r.status_code, out["code"], out["details"]["field"]) == (
        422,
        "invalid_id_number",
        "parties[1].id_number",
    )
    assert out["message"].startswith("第 2 名当事人：身份证号码第 18 位校验码错误")
    r = Api(t.users["dispatcher"]).post("/mediation", body(parties=[APPLICANT]))
    assert (r.status_code, r.json()["code"], r.json()["details"]) == (
        422,
        "missing_party",
        {"field": "parties"},
    )
    r = Api(t.users["dispatcher"]).post("/mediation", body(kind="feud"))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_kind")
    assert written() == (0, 0, 0, 0, 0, 0, 0)


def test_a_forbidden_role_cannot_register(t: Township) -> None:
    for username in ("leader", "tj"):
        r = Api(t.users[username]).post("/mediation", body())
        assert (r.status_code, r.json()["code"]) == (403, "forbidden_role")
    assert written() == (0, 0, 0, 0, 0, 0, 0)


def test_the_list_is_masked_and_filtered(t: Township) -> None:
    a = register(t)
    online = register(t, channel="online", kind="debt", major=True, major_note="涉及金额大")
    b = register(t, region=MICRO_B11, channel="shared_court")
    api = Api(t.users["dispatcher"])

    def ids(**params: Any) -> list[int]:
        r = api.get("/mediation", params)
        assert r.status_code == 200, r.content
        return [d["id"] for d in r.json()["results"]]

    page = api.get("/mediation").json()
    assert (page["count"], page["pages"], [d["id"] for d in page["results"]]) == (
        3,
        1,
        [b["id"], online["id"], a["id"]],
    )
    assert page["results"][2]["parties"] == with_ids(a["id"], MASKED)
    assert ids(kind="debt") == [online["id"]]
    assert ids(channel="shared_court") == [b["id"]]
    assert ids(major="true") == [online["id"]]
    assert ids(major="false") == [b["id"], a["id"]]
    assert ids(status="mediating") == []
    assert ids(overdue="true") == []
    today = timezone.localdate().isoformat()
    assert ids(received_from=today, received_to=today, region=VILLAGE_B) == [b["id"]]
    assert ids(received_from="2000-01-01", received_to="2000-12-31") == []
    assert [d["id"] for d in Api(t.users["cadre_a"]).get("/mediation").json()["results"]] == [
        online["id"],
        a["id"],
    ]
    bad = api.get("/mediation", {"status": "agreed,pending"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_status")


def test_a_dispute_out_of_scope_is_a_404(t: Township) -> None:
    b = register(t, region=MICRO_B11)
    before = written()
    api = Api(t.users["cadre_a"])
    for r in (
        api.get(f"/mediation/{b['id']}"),
        api.post(f"/mediation/{b['id']}/reveal", {}),
        api.get(f"/mediation/{b['id']}/documents/agreement"),
    ):
        assert (r.status_code, r.json()["code"]) == (404, "dispute_not_found")
    assert written() == before


def test_parties_are_revealed_to_allowed_roles_with_an_access_row(t: Township) -> None:
    d = register(t)
    r = Api(t.users["leader"]).post(f"/mediation/{d['id']}/reveal", {"reason": "了解情况"})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_personal_data")
    assert PersonalDataAccess.objects.count() == 0
    r = Api(t.users["cadre_a"]).post(f"/mediation/{d['id']}/reveal", {"reason": "通知到场"})
    assert r.status_code == 200, r.content
    assert r.json() == {
        "id": d["id"],
        "number": d["number"],
        "parties": with_ids(d["id"], [APPLICANT, RESPONDENT]),
    }
    assert list(
        PersonalDataAccess.objects.values_list(
            "user__username", "object_type", "object_id", "fields", "reason"
        )
    ) == [("cadre_a", "dispute", str(d["id"]), "name,id_number,phone,address", "通知到场")]
    assert Api(t.users["cadre_a"]).get(f"/mediation/{d['id']}").json()["parties"] == with_ids(d["id"], MASKED)


def test_a_mediation_on_the_case_endpoint_then_the_agreement_as_docx(t: Township) -> None:
    d = register(t)
    tj = Api(t.users["tj"])
    assert tj.post(f"/cases/{d['id']}/accept", {}).status_code == 200
    today = timezone.localdate()
    session = {
        "held_on": today.isoformat(),
        "place": "六横镇人民调解委员会调解室",
        "attendees": "张三、李四、陈明",
        "notes": "双方同意清理通道",
    }
    r = tj.post(f"/cases/{d['id']}/record_session", session)
    assert (r.status_code, r.json()["status"]) == (200, "mediating"), r.content
    out = tj.get(f"/mediation/{d['id']}").json()
    accepted = Dispute.objects.get(pk=d["id"]).accepted_at
    assert (out["clocks"]["stage"], out["clocks"]["target"], out["clocks"]["unit"]) == (
        "conclusion",
        30,
        "days",
    )
    assert datetime.fromisoformat(out["clocks"]["due_at"]) == end_of_day(30, accepted)
    assert out["mediators"] == [{"username": "tj", "name": "陈明"}]
    # The session without its attendees (names), as in the admin
    assert [
        {k: s[k] for k in ("number", "held_on", "place", "notes", "recorded_by")} for s in out["sessions"]
    ] == [
        {
            "number": 1,
            "held_on": today.isoformat(),
            "place": "六横镇人民调解委员会调解室",
            "notes": "双方同意清理通道",
            "recorded_by": "tj",
        }
    ]
    assert "attendees" not in out["sessions"][0]
    # Refused: a leader cannot record a session (403) and nothing changes
    before = written()
    r = Api(t.users["leader"]).post(f"/cases/{d['id']}/record_session", session)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_role")
    assert written() == before

    r = tj.post(f"/cases/{d['id']}/agree", agreement())
    assert (r.status_code, r.json()["status"]) == (200, "agreed"), r.content
    out = tj.get(f"/mediation/{d['id']}").json()
    assert (
        out["outcome"],
        out["agreement"]["form"],
        out["agreement"]["terms"],
        out["agreement"]["effective_on"],
    ) == (
        "agreement",
        "written",
        TERMS,
        today.isoformat(),
    )
    judicial_due = datetime.combine(today + timedelta(days=30), time(23, 59, 59), tzinfo=calendar.TZ)
    assert datetime.fromisoformat(out["clocks"]["judicial_confirmation_due_at"]) == judicial_due
    assert datetime.fromisoformat(out["agreement"]["judicial_due_at"]) == judicial_due
    assert (out["clocks"]["stage"], out["clocks"]["concluded_on_time"]) == (None, True)

    r = tj.post(f"/cases/{d['id']}/follow_up", {"performance": "performed", "visited_on": today.isoformat()})
    assert r.status_code == 200, r.content
    assert [
        (f["performance"], f["visited_by"]) for f in tj.get(f"/mediation/{d['id']}").json()["follow_ups"]
    ] == [("performed", "tj")]

    r = tj.get(f"/mediation/{d['id']}/documents/agreement")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert r["Content-Disposition"] == f'attachment; filename="{d["number"]}-agreement.docx"'
    text = [p.text for p in Document(io.BytesIO(r.content)).paragraphs]
    assert text[0] == "人民调解协议书"
    assert [line for line in TERMS.splitlines() if line not in text] == []
    assert f"纠纷的主要事实、争议事项：{agreement()['facts']}" in text
    logged = list(PersonalDataAccess.objects.values_list("user__username", "object_type", "reason"))
    assert logged == [("tj", "dispute", "生成文书：agreement")]
    for kind, status, code in (("termination", 409, "not_failed"), ("minutes", 422, "unknown_document")):
        r = tj.get(f"/mediation/{d['id']}/documents/{kind}")
        assert (r.status_code, r.json()["code"]) == (status, code)
    r = Api(t.users["leader"]).get(f"/mediation/{d['id']}/documents/agreement")
    assert (r.status_code, r.json()["code"]) == (403, "forbidden_personal_data")
    assert PersonalDataAccess.objects.count() == 1


# --- Figures ---------------------------------------------------------------------------------------


def figure_map(api: Api, **params: Any) -> dict[str, tuple[Any, int, int | None]]:
    r = api.get("/mediation/figures", params)
    assert r.status_code == 200, r.content
    return {f["code"]: (f["value"], f["numerator"], f["denominator"]) for f in r.json()}


def records(api: Api, code: str, part: str = "numerator", **params: Any) -> tuple[int, list[int]]:
    r = api.get(f"/mediation/figures/{code}/records", {"part": part, "page_size": 200, **params})
    assert r.status_code == 200, r.content
    out = r.json()
    assert (out["code"], out["part"]) == (code, part)
    return out["count"], [d["id"] for d in out["results"]]


def test_figures_equal_their_records_for_two_roles(t: Township) -> None:
    a = register(t)
    online = register(t, channel="online", major=True)
    b = register(t, region=MICRO_B11, channel="shared_court")
    tj = Api(t.users["tj"])
    for d in (a, online, b):
        assert tj.post(f"/cases/{d['id']}/accept", {}).status_code == 200
    assert tj.post(f"/cases/{a['id']}/agree", agreement()).status_code == 200
    assert (
        tj.post(f"/cases/{b['id']}/agree", {"form": "oral", "terms": "李四当场搬走渔网"}).status_code == 200
    )
    year = timezone.localdate().year
    expected = {
        "dispatcher": {
            "registered": (3, 3, None),
            "mediated": (3, 3, None),
            "concluded": (2, 2, None),
            "agreements": (2, 2, None),
            "written_agreements": (1, 1, None),
            "success_rate": (round(2 / 3, 6), 2, 3),
            "on_time_rate": (1.0, 2, 2),
            "major": (1, 1, None),
            "agreed_shared_court": (1, 1, None),
        },
        "cadre_a": {
            "registered": (2, 2, None),
            "mediated": (2, 2, None),
            "success_rate": (0.5, 1, 2),
            "agreed_shared_court": (0, 0, None),
        },
    }
    for username, want in expected.items():
        api = Api(t.users[username])
        got = figure_map(api, year=year)
        assert {code: got[code] for code in want} == want
        for code, (_, numerator, denominator) in got.items():
            assert records(api, code, year=year)[0] == numerator, code
            if denominator is not None:
                assert records(api, code, "denominator", year=year)[0] == denominator, code
    assert records(Api(t.users["cadre_a"]), "agreements", year=year)[1] == [a["id"]]
    assert records(Api(t.users["dispatcher"]), "success_rate", "denominator", year=year)[1] == [
        b["id"],
        online["id"],
        a["id"],
    ]
    today = timezone.localdate().isoformat()
    assert figure_map(Api(t.users["dispatcher"]), **{"from": today, "to": today})["mediated"] == (3, 3, None)
    r = Api(t.users["cadre_a"]).get("/mediation/figures", {"region": VILLAGE_B})
    assert (r.status_code, r.json()["code"]) == (422, "unknown_region")
    r = Api(t.users["cadre_a"]).get("/mediation/figures/mediated/records", {"part": "denominator"})
    assert (r.status_code, r.json()["code"]) == (422, "not_a_rate")


# --- Adding and correcting parties ------------------------------------------------------------------

WANG_PARTY = {"role": "respondent", "name": "王五", "id_number": WANG, "phone": "13700137000", "address": ""}


def parties_now(case_id: int) -> list[tuple[Any, ...]]:
    return list(
        Party.objects.filter(dispute_id=case_id)
        .order_by("sort")
        .values_list("sort", "role", "name", "id_number", "phone", "address")
    )


def test_parties_are_added_and_corrected_while_the_mediation_runs(t: Township) -> None:
    d = register(t)
    r = Api(t.users["dispatcher"]).post(f"/mediation/{d['id']}/parties", WANG_PARTY)
    assert r.status_code == 201, r.content
    out = r.json()
    wang = Party.objects.get(dispute_id=d["id"], name="王五")
    assert out["parties"][2] == {
        "id": wang.pk,
        "role": "respondent",
        "name": "王*",
        "id_number": "330***********1234",
        "phone": "137****7000",
        "address": "",
    }
    tj = Api(t.users["tj"])
    assert tj.post(f"/cases/{d['id']}/accept", {}).status_code == 200
    li = Party.objects.get(dispute_id=d["id"], name="李四")
    r = tj.put(
        f"/mediation/{d['id']}/parties/{li.pk}", {**RESPONDENT, "phone": "", "address": "六横镇杜庄村 12 号"}
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "mediating"
    assert parties_now(d["id"]) == [
        (1, "applicant", "张三", ZHANG, "13800138000", "六横镇杜庄村 8 号"),
        (2, "respondent", "李四", LI, "", "六横镇杜庄村 12 号"),
        (3, "respondent", "王五", WANG, "13700137000", ""),
    ]
    events = CaseEvent.objects.filter(case_id=d["id"], action__in=["add_party", "update_party"]).order_by(
        "id"
    )
    assert [(e.actor.username, e.action, e.data) for e in events] == [
        ("dispatcher", "add_party", {"party": 3, "role": "respondent", "changed": ["address", "id_number", "name", "phone", "role"]}),
        ("tj", "update_party", {"party": 2, "role": "respondent", "changed": ["address", "phone"]}),
    ]  # fmt: skip


def test_a_refused_party_write_changes_nothing(t: Township) -> None:
    d = register(t)
    other = register(t, region=MICRO_B11)
    li = Party.objects.get(dispute_id=d["id"], name="李四")
    zhang = Party.objects.get(dispute_id=d["id"], name="张三")
    before, rows = written(), parties_now(d["id"])
    dispatcher = Api(t.users["dispatcher"])
    cases = [
        (dispatcher.post(f"/mediation/{d['id']}/parties", {**WANG_PARTY, "id_number": WANG[:-1] + "5"}),
         422, "invalid_id_number"),
        (dispatcher.post(f"/mediation/{d['id']}/parties", {**WANG_PARTY, "id_number": LI}), 422, "duplicate_party"),
        (dispatcher.post(f"/mediation/{d['id']}/parties", {**WANG_PARTY, "name": " "}), 422, "missing_field"),
        (dispatcher.put(f"/mediation/{d['id']}/parties/{zhang.pk}", {**APPLICANT, "role": "respondent"}),
         422, "missing_party"),
        (dispatcher.put(f"/mediation/{other['id']}/parties/{li.pk}", RESPONDENT), 404, "party_not_found"),
        (Api(t.users["leader"]).post(f"/mediation/{d['id']}/parties", WANG_PARTY), 403, "forbidden_role"),
        (Api(t.users["cadre_b"]).post(f"/mediation/{d['id']}/parties", WANG_PARTY), 404, "dispute_not_found"),
    ]  # fmt: skip
    for r, status, code in cases:
        assert (r.status_code, r.json()["code"]) == (status, code), r.content
    bad = dispatcher.post(f"/mediation/{d['id']}/parties", {**WANG_PARTY, "nickname": "老王"})
    assert bad.status_code == 422
    assert (written(), parties_now(d["id"])) == (before, rows)
    tj = Api(t.users["tj"])
    assert tj.post(f"/cases/{d['id']}/accept", {}).status_code == 200
    assert (
        tj.post(f"/cases/{d['id']}/fail", {"reason": "双方分歧过大", "notice": "已口头告知"}).status_code
        == 200
    )
    concluded = written()
    r = tj.post(f"/mediation/{d['id']}/parties", WANG_PARTY)
    assert (r.status_code, r.json()["code"]) == (409, "dispute_concluded")
    assert (written(), parties_now(d["id"])) == (concluded, rows)
