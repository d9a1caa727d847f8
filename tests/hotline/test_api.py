"""/api/v1/hotline: calls, lookup, meetings, decisions and figures over HTTP."""

from __future__ import annotations

from tests.api.helpers import Api
from tests.cases.factories import LAT, LON
from tests.township import VILLAGE_A, Township
from zhizhi.accounts.models import PersonalDataAccess
from zhizhi.cases.models import Case
from zhizhi.hotline.models import Call, Decision, Meeting

ANSWERED = {
    "nature": "consultation",
    "summary": "咨询居住证办理材料",
    "caller_phone": "+86 138 1234 5678",
    "caller_name": "王芳",
    "answer": "带身份证和租房合同到便民服务中心办理",
}


def opened_body() -> dict:
    return {
        "nature": "help_request",
        "summary": "小区门口路灯不亮",
        "caller_phone": "13812345678",
        "caller_name": "李强",
        "case": {"category": "street_vending", "title": "菜场门口占道经营", "lon": LON, "lat": LAT},
    }


def test_record_an_answered_call_and_one_opened_as_a_case(township: Township) -> None:
    api = Api(township.users["operator"])
    r = api.post("/hotline/calls", ANSWERED)
    assert r.status_code == 201, r.content
    out = r.json()
    assert {
        k: out[k] for k in ("caller_phone", "caller_name", "personal_data_revealed", "outcome", "case_id")
    } == {
        "caller_phone": "13812345678",
        "caller_name": "王芳",
        "personal_data_revealed": True,
        "outcome": "answered",
        "case_id": None,
    }
    r = api.post("/hotline/calls", opened_body())
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()["case_id"])
    assert (case.channel, case.nature.code, case.reporter_name) == ("hotline", "help_request", "李强")


def test_a_refused_call_is_a_422_and_writes_nothing(township: Township) -> None:
    api = Api(township.users["operator"])
    r = api.post("/hotline/calls", {**ANSWERED, "nature": "complaint"})
    assert (r.status_code, r.json()["code"]) == (422, "case_required")
    r = api.post(
        "/hotline/calls",
        {**opened_body(), "case": {"category": "nope", "title": "x", "lon": LON, "lat": LAT}},
    )
    assert (r.status_code, r.json()["code"]) == (422, "unknown_category")
    r = api.post("/hotline/calls", {**ANSWERED, "extra": 1})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_input")
    assert (Call.objects.count(), Case.objects.count()) == (0, 0)


def test_lists_mask_the_caller_and_lookup_finds_the_history(township: Township) -> None:
    api = Api(township.users["operator"])
    first = api.post("/hotline/calls", ANSWERED).json()
    second = api.post("/hotline/calls", opened_body()).json()
    page = api.get("/hotline/calls").json()
    assert [(c["id"], c["caller_phone"], c["caller_name"]) for c in page["results"]] == [
        (second["id"], "138****5678", "李*"),
        (first["id"], "138****5678", "王*"),
    ]
    assert page["count"] == 2
    assert PersonalDataAccess.objects.count() == 0  # recording and listing reveal nothing new
    history = api.post("/hotline/calls/lookup", {"caller_phone": "138 1234 5678"}).json()
    assert [(c["id"], c["caller_name"]) for c in history] == [(second["id"], "李强"), (first["id"], "王芳")]
    logged = PersonalDataAccess.objects.order_by("object_id").values_list(
        "user__username", "object_type", "object_id", "fields", "reason"
    )
    assert list(logged) == [
        ("operator", "call", str(pk), "caller_name,caller_phone", "来电号码查询")
        for pk in sorted([first["id"], second["id"]], key=str)
    ]
    bad = api.post("/hotline/calls/lookup", {"caller_phone": "12"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_phone")
    assert PersonalDataAccess.objects.count() == 2


def test_opening_a_call_logs_who_saw_the_caller(township: Township) -> None:
    call = Api(township.users["operator"]).post("/hotline/calls", ANSWERED).json()
    shown = Api(township.users["dispatcher"]).get(f"/hotline/calls/{call['id']}").json()
    assert (shown["caller_phone"], shown["personal_data_revealed"]) == ("13812345678", True)
    logged = PersonalDataAccess.objects.values_list("user__username", "object_type", "object_id", "reason")
    assert list(logged) == [("dispatcher", "call", str(call["id"]), "查看来电记录")]


def test_a_call_outside_my_scope_is_a_404(township: Township) -> None:
    call = Api(township.users["operator"]).post("/hotline/calls", {**ANSWERED, "region": VILLAGE_A}).json()
    r = Api(township.users["grid_b1"]).get(f"/hotline/calls/{call['id']}")
    assert (r.status_code, r.json()["code"]) == (404, "call_not_found")
    leader = Api(township.users["leader"]).get(f"/hotline/calls/{call['id']}").json()
    # A leader sees the call, not the caller (not a personal-data role), and nothing is logged
    assert (leader["caller_phone"], leader["personal_data_revealed"]) == ("138****5678", False)
    assert PersonalDataAccess.objects.count() == 0


def test_a_meeting_and_its_decision_completed(township: Township) -> None:
    api = Api(township.users["dispatcher"])
    body = {
        "held_on": "2024-03-05",
        "title": "占道经营反复投诉研判",
        "attendees": "综合执法中队\n杜庄村委会",
        "region": VILLAGE_A,
        "decisions": [{"text": "设置临时疏导点", "department": "enforcement", "due_on": "2024-03-15"}],
    }
    r = api.post("/hotline/meetings", body)
    assert r.status_code == 201, r.content
    meeting = r.json()
    assert [(d["text"], d["department"], d["due_on"], d["done_at"]) for d in meeting["decisions"]] == [
        ("设置临时疏导点", "enforcement", "2024-03-15", None)
    ]
    decision_id = meeting["decisions"][0]["id"]
    done = Api(township.users["handler_enf"]).post(
        f"/hotline/decisions/{decision_id}/complete", {"note": "已设置"}
    )
    assert (done.status_code, done.json()["done_note"]) == (200, "已设置")
    again = api.post(f"/hotline/decisions/{decision_id}/complete", {"note": "again"})
    assert (again.status_code, again.json()["code"]) == (409, "already_done")
    refused = Api(township.users["operator"]).post("/hotline/meetings", body)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden_role")
    assert (Meeting.objects.count(), Decision.objects.count()) == (1, 1)


def test_figures_over_the_api(township: Township) -> None:
    Api(township.users["operator"]).post("/hotline/calls", ANSWERED)
    out = Api(township.users["leader"]).get("/hotline/figures", {"region": township.town.code}).json()
    by_code = {f["code"]: (f["value"], f["numerator"], f["denominator"]) for f in out}
    assert by_code["calls_received"] == (1, 1, None)
    assert by_code["answered_on_spot"] == (1, 1, None)
    assert by_code["timely_connection_rate"] == (1.0, 1, 1)
    r = Api(township.users["grid_b1"]).get("/hotline/figures", {"region": VILLAGE_A})
    assert (r.status_code, r.json()["code"]) == (422, "unknown_region")
