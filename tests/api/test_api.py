"""Every /api/v1 endpoint: create (idempotent), list filters and paging, detail with timeline, the
action endpoints, reference data and the calendar. Refused requests answer 4xx with a code and a
message and write nothing."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.helpers import Api, ids, written
from tests.cases.factories import LAT, LON, MICRO_GRIDS, VILLAGE_A, VILLAGE_B, CaseInputFactory, act, at, row
from tests.township import Township
from zhizhi.cases import services
from zhizhi.cases.models import Case, CaseEvent, IdempotencyKey
from zhizhi.cases.workflow import BASE_WORKFLOW

pytestmark = pytest.mark.django_db

A11, A12, A21, A22, B11, B12, B21, B22 = MICRO_GRIDS
GRID_A2 = "33090310720102"


def body(**fields: Any) -> dict[str, Any]:
    return {
        "channel": "grid_patrol",
        "category": "street_vending",
        "title": "菜场门口占道经营",
        "lon": LON,
        "lat": LAT,
        "reporter_name": "张三丰",
        "reporter_phone": "13812345678",
        **fields,
    }


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- Create -----------------------------------------------------------------------------------------


def test_create_returns_201_with_the_case(township: Township) -> None:
    # When grid_a1 registers a case at a point in their micro-grid
    r = Api(township.users["grid_a1"]).post("/cases", body())
    # Then 201 with the case (personal data in full for its registrar), and one case and event written
    assert r.status_code == 201
    out = r.json()
    case = Case.objects.get()
    assert (out["replayed"], out["duplicates"], out["case"]["id"]) == (False, [], case.pk)
    assert {
        k: out["case"][k] for k in ("status", "reporter_phone", "reporter_name", "personal_data_revealed")
    } == {
        "status": "received",
        "reporter_phone": "13812345678",
        "reporter_name": "张三丰",
        "personal_data_revealed": True,
    }
    assert out["case"]["region"] == {
        "code": A11,
        "name": "杜庄村1-1微网格",
        "level": "micro_grid",
        "path": f"/330903107000/{VILLAGE_A}/33090310720101/{A11}/",
    }
    assert [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in out["case"]["events"]] == [
        ("create", "", "received", "grid_a1")
    ]
    assert written() == (1, 1, 0)
    # The answer is the case as a read of it gives it, timeline and actions included
    again = Api(township.users["grid_a1"]).get(f"/cases/{case.pk}", {"reveal": "true"}).json()
    assert {k: v for k, v in out["case"].items() if k != "personal_data_revealed"} == {
        k: v for k, v in again.items() if k != "personal_data_revealed"
    }


def test_create_replay_with_the_same_key_returns_the_same_case(township: Township) -> None:
    api = Api(township.users["grid_a1"])
    first = api.post("/cases", body(), headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == 201
    before = written()
    # When the same body (keys in another order) is sent again with the same key
    again = api.post("/cases", dict(reversed(list(body().items()))), headers={"Idempotency-Key": "abc-1"})
    # Then 200 with the same case, marked as a replay, and nothing new
    assert (again.status_code, again.json()["case"]["id"], again.json()["replayed"]) == (
        200,
        first.json()["case"]["id"],
        True,
    )
    assert written() == before == (1, 1, 1)


def test_create_with_a_reused_key_and_another_body_is_422(township: Township) -> None:
    api = Api(township.users["grid_a1"])
    api.post("/cases", body(), headers={"Idempotency-Key": "abc-1"})
    before = written()
    r = api.post("/cases", body(title="路灯不亮"), headers={"Idempotency-Key": "abc-1"})
    assert (r.status_code, r.json()) == (
        422,
        {"code": "idempotency_key_reused", "message": "该 Idempotency-Key 已用于内容不同的请求"},
    )
    assert written() == before


# --- Refused input: 4xx with a code and a message, nothing written ---------------------------------


@pytest.mark.parametrize(
    ("payload", "status", "code", "message"),
    [
        (
            body(reporter_phone="12"),
            422,
            "invalid_phone",
            "联系电话格式不正确：应为 11 位手机号或带区号的固话",
        ),
        (body(lon=121.5, lat=29.75), 422, "outside_territory", "坐标不在本辖区范围内"),
        (body(category="flying_saucer"), 422, "unknown_category", "未知的事件小类：flying_saucer"),
        (body(category="city_appearance"), 422, "unknown_category", "未知的事件小类：city_appearance"),
        (body(description="长" * 100_000), 422, "too_long", "描述不能超过 5000 个字符（当前 100000）"),
        (body(region=VILLAGE_B), 422, "coordinates_outside_region", "坐标不在所选区域内"),
        (body(lon=122.175, lat=29.775), 403, "forbidden_region", "无权在该区域登记工单"),
        (body(colour="red"), 422, "invalid_input", "payload.colour: Extra inputs are not permitted"),
        (
            body(lat="abc"),
            422,
            "invalid_input",
            "payload.lat: Input should be a valid number, unable to parse string as a number",
        ),
        ({"channel": "grid_patrol"}, 422, "invalid_input", "payload.category: Field required"),
    ],
)
def test_bad_create_is_refused_with_code_and_message_and_writes_nothing(
    township: Township, payload: dict[str, Any], status: int, code: str, message: str
) -> None:
    api = Api(township.users["grid_a1"])
    before = written()
    r = api.post("/cases", payload, headers={"Idempotency-Key": "k-1"})
    assert (r.status_code, r.json()["code"], r.json()["message"]) == (status, code, message)
    assert written() == before


def test_malformed_json_is_refused(township: Township) -> None:
    before = written()
    r = Api(township.users["grid_a1"]).post("/cases", raw="{not json")
    assert (r.status_code, r.json()) == (
        400,
        {"code": "invalid_json", "message": "Cannot parse request body"},
    )
    assert written() == before


@pytest.mark.parametrize(
    ("action", "payload", "status", "code", "message"),
    [
        ("close", {}, 409, "invalid_transition", "工单当前状态为“已受理”，不能执行“归档”"),
        ("dispatch", {}, 422, "missing_field", "“派单”须填写 department"),
        ("dispatch", {"department": "enforcement", "colour": "red"}, 422, "unknown_field",
         "“派单”不接受字段：colour"),
        ("request_extension", {"days": "abc"}, 422, "invalid_input",
         "payload.days: Input should be a valid integer, unable to parse string as an integer"),
        ("accept", {}, 403, "forbidden_role", "当前角色无权执行“签收”"),
    ],
)  # fmt: skip
def test_bad_action_is_refused_and_changes_nothing(
    township: Township, action: str, payload: dict[str, Any], status: int, code: str, message: str
) -> None:
    # Given a received case
    case = services.create_case(actor=township.users["dispatcher"], data=CaseInputFactory()).case
    before_row, before = row(case), written()
    # When the dispatcher posts an action that cannot be taken
    r = Api(township.users["dispatcher"]).post(f"/cases/{case.pk}/{action}", payload)
    # Then the answer names the problem and nothing changed
    assert (r.status_code, r.json()["code"], r.json()["message"]) == (status, code, message)
    assert row(case) == before_row
    assert written() == before


def test_an_unknown_action_path_is_404_and_changes_nothing(township: Township) -> None:
    # No route matches: the API's catch-all answers with its JSON error body.
    case = services.create_case(actor=township.users["dispatcher"], data=CaseInputFactory()).case
    before_row, before = row(case), written()
    r = Api(township.users["dispatcher"]).post(f"/cases/{case.pk}/fly", {})
    assert (r.status_code, r.json()) == (
        404,
        {"code": "unknown_endpoint", "message": f"No such endpoint: /api/v1/cases/{case.pk}/fly"},
    )
    assert (row(case), written()) == (before_row, before)


@pytest.mark.parametrize(
    ("path", "params"),
    [("/cases", {"q": "9" * 25}), ("/cases", {"q": "９９"}), ("/cases/99999999999999999999", {})],
)
def test_huge_numbers_are_not_errors(township: Township, path: str, params: dict[str, str]) -> None:
    r = Api(township.users["dispatcher"]).get(path, params)
    assert r.status_code in (200, 404)
    assert r.json().get("results", []) == []


def test_invalid_transition_says_the_current_status(township: Township) -> None:
    case = services.create_case(actor=township.users["dispatcher"], data=CaseInputFactory()).case
    r = Api(township.users["dispatcher"]).post(f"/cases/{case.pk}/close", {})
    assert r.json()["details"] == {"status_now": "received"}


# --- Actions ---------------------------------------------------------------------------------------


def test_every_action_has_an_endpoint_in_the_openapi_document(township: Township) -> None:
    doc = Api(township.users["leader"]).get("/openapi.json").json()
    for name, action in BASE_WORKFLOW.actions.items():
        op = doc["paths"][f"/api/v1/cases/{{case_id}}/{name}"]["post"]
        assert (op["operationId"], op["summary"]) == (f"case_{name}", f"{action.label} ({name})")
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/calendar/add", "/api/v1/me"} <= set(
        doc["paths"]
    )


def test_actions_walk_a_case_to_closed(township: Township) -> None:
    # Given a case registered by grid_a1
    grid, dispatcher, handler = (Api(township.users[u]) for u in ("grid_a1", "dispatcher", "handler_enf"))
    cid = grid.post("/cases", body()).json()["case"]["id"]
    # When it is dispatched, accepted, started, resolved, visited and closed through the API
    steps = [
        (dispatcher, "dispatch", {"department": "enforcement"}),
        (handler, "accept", {}),
        (handler, "start", {"note": "已到现场"}),
        (handler, "resolve", {"resolution": "摊贩已劝离"}),
        (dispatcher, "return_visit", {"reached": True, "satisfaction": "satisfied"}),
        (dispatcher, "close", {}),
    ]
    statuses = []
    for api, action, payload in steps:
        r = api.post(f"/cases/{cid}/{action}", payload)
        assert r.status_code == 200, r.content
        statuses.append(r.json()["status"])
    # Then each answer shows the new status and the timeline records every step in order
    assert statuses == ["dispatched", "accepted", "in_progress", "resolved", "resolved", "closed"]
    detail = dispatcher.get(f"/cases/{cid}").json()
    assert [
        (e["action"], e["from_status"], e["to_status"], e["actor"], e["note"]) for e in detail["events"]
    ] == [
        ("create", "", "received", "grid_a1", ""),
        ("dispatch", "received", "dispatched", "dispatcher", ""),
        ("accept", "dispatched", "accepted", "handler_enf", ""),
        ("start", "accepted", "in_progress", "handler_enf", "已到现场"),
        ("resolve", "in_progress", "resolved", "handler_enf", "摊贩已劝离"),
        ("return_visit", "resolved", "resolved", "dispatcher", ""),
        ("close", "resolved", "closed", "dispatcher", ""),
    ]
    assert (detail["resolution"], detail["satisfaction"], detail["assignee"], detail["actions"]) == (
        "摊贩已劝离",
        "satisfied",
        "handler_enf",
        [],
    )


# --- List ------------------------------------------------------------------------------------------


@pytest.fixture
def listed(township: Township) -> dict[str, Case]:
    """Five cases, registered by admin: c5 an hour ago, the others in March 2024."""
    admin = township.users["admin"]

    def make(code: str, when: datetime, **fields: Any) -> Case:
        lon, lat = township.point_in(code)
        return services.create_case(
            actor=admin, data=CaseInputFactory(lon=lon, lat=lat, **fields), now=when
        ).case

    c = {
        "c1": make(A11, at("2024-03-04 09:00"), title="菜场门口占道经营", reporter_phone="13900001111"),
        "c2": make(A12, at("2024-03-05 10:00"), title="小区门口车辆乱停放", category="illegal_parking", channel="hotline"),
        "c3": make(B21, at("2024-03-06 23:30"), title="山脚有烟火", category="fire_incident", channel="online"),
        "c4": make(B22, at("2024-03-07 00:30"), title="邻居噪音纠纷", category="neighbor_dispute", channel="walk_in"),
        "c5": make(
            A21,
            timezone.now() - timedelta(hours=1),
            title="码头占道经营",
            channel="hotline",
            address="六横镇码头",
            description="渔船卸货时摊贩占道",
        ),
    }  # fmt: skip
    t = township
    act(t, c["c2"], "dispatch", "dispatcher", {"department": "enforcement"}, now=at("2024-03-05 11:00"))
    act(t, c["c3"], "dispatch", "dispatcher", {"department": "emergency"}, now=at("2024-03-06 23:40"))
    act(t, c["c3"], "accept", "handler_emg", now=at("2024-03-06 23:50"))
    act(t, c["c3"], "start", "handler_emg", now=at("2024-03-06 23:55"))
    act(t, c["c4"], "self_resolve", "cadre_b", {"resolution": "当场调解"}, now=at("2024-03-07 01:00"))
    return c


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["c5", "c4", "c3", "c2", "c1"]),
        ({"type": "event"}, ["c5", "c4", "c3", "c2", "c1"]),
        ({"type": "petition"}, []),
        ({"status": "received,dispatched"}, ["c5", "c2", "c1"]),
        ({"status": " resolved , in_progress "}, ["c4", "c3"]),
        ({"category": "city_appearance"}, ["c5", "c2", "c1"]),  # a class: all its subclasses
        ({"category": "street_vending"}, ["c5", "c1"]),
        ({"region": VILLAGE_A}, ["c5", "c2", "c1"]),  # a subtree
        ({"region": GRID_A2}, ["c5"]),
        ({"region": A11}, ["c1"]),
        ({"region": VILLAGE_B}, ["c4", "c3"]),
        ({"channel": "hotline"}, ["c5", "c2"]),
        ({"department": "enforcement"}, ["c2"]),
        ({"assignee": "handler_emg"}, ["c3"]),
        ({"overdue": "true"}, ["c3", "c2", "c1"]),
        ({"overdue": "false"}, ["c5", "c4"]),
        # local (Asia/Shanghai) dates: 23:30 on the 6th is the 6th, 00:30 on the 7th is the 7th
        ({"received_from": "2024-03-06", "received_to": "2024-03-06"}, ["c3"]),
        ({"received_from": "2024-03-07"}, ["c5", "c4"]),
        ({"received_to": "2024-03-05"}, ["c2", "c1"]),
        ({"q": "占道"}, ["c5", "c1"]),
        ({"q": "乱停放"}, ["c2"]),
        ({"q": "码头"}, ["c5"]),  # title and address
        ({"q": "渔船卸货"}, ["c5"]),  # description
        ({"q": "13900001111"}, ["c1"]),  # digits: id, title or phone
        ({"q": "不存在的内容"}, []),
        ({"channel": "hotline", "status": "received"}, ["c5"]),
    ],
)
def test_list_filters(
    township: Township, listed: dict[str, Case], params: dict[str, str], expected: list[str]
) -> None:
    got = ids(Api(township.users["dispatcher"]).get("/cases", {**params, "page_size": 200}))
    assert got == [listed[name].pk for name in expected]


def test_list_q_matches_a_case_number(township: Township, listed: dict[str, Case]) -> None:
    got = ids(Api(township.users["dispatcher"]).get("/cases", {"q": str(listed["c3"].pk)}))
    assert got == [listed["c3"].pk]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"status": "received,lost"}, "invalid_status"),
        ({"category": "nope"}, "unknown_category"),
        ({"region": "999"}, "unknown_region"),
        ({"channel": "fax"}, "invalid_channel"),
        ({"received_from": "2024-03-07", "received_to": "2024-03-06"}, "invalid_date_range"),
        ({"received_from": "yesterday"}, "invalid_input"),
        ({"page_size": "0"}, "invalid_page"),
        ({"page_size": "201"}, "invalid_page"),
        ({"page": "0"}, "invalid_page"),
        ({"page": "x"}, "invalid_input"),
    ],
)
def test_bad_list_parameters_are_422(township: Township, params: dict[str, str], code: str) -> None:
    r = Api(township.users["dispatcher"]).get("/cases", params)
    assert (r.status_code, r.json()["code"]) == (422, code)
    assert r.json()["message"]


def test_pages_concatenate_to_the_whole_ordered_list(township: Township) -> None:
    # Given 11 cases, 7 of them received at the very same instant (ties broken by id)
    admin = township.users["admin"]
    same = at("2024-05-06 09:00")
    for i in range(11):
        when = same if i < 7 else same + timedelta(minutes=i)
        services.create_case(actor=admin, data=CaseInputFactory(title=f"第{i}件"), now=when)
    api = Api(township.users["dispatcher"])
    everything = ids(api.get("/cases", {"page_size": 200}))
    # When the list is read three at a time
    pages = [api.get("/cases", {"page": p, "page_size": 3}).json() for p in range(1, 6)]
    # Then the pages concatenate to the full list, with no duplicate and nothing left out
    assert [c["id"] for page in pages for c in page["results"]] == everything
    assert len(set(everything)) == len(everything) == 11
    assert everything[4:] == sorted(everything[4:], reverse=True)  # the seven ties: newest id first
    assert [(p["count"], p["page"], p["page_size"], p["pages"], len(p["results"])) for p in pages] == [
        (11, 1, 3, 4, 3),
        (11, 2, 3, 4, 3),
        (11, 3, 3, 4, 3),
        (11, 4, 3, 4, 2),
        (11, 5, 3, 4, 0),
    ]
    assert math.ceil(11 / 3) == 4


def test_cursor_pages_concatenate_to_the_whole_list_and_ignore_new_cases(township: Township) -> None:
    # Given 11 cases, 7 of them received at the very same instant (ties broken by id)
    admin = township.users["admin"]
    same = at("2024-05-06 09:00")
    for i in range(11):
        when = same if i < 7 else same + timedelta(minutes=i)
        services.create_case(actor=admin, data=CaseInputFactory(title=f"第{i}件"), now=when)
    api = Api(township.users["dispatcher"])
    everything = ids(api.get("/cases", {"page_size": 200}))
    # When the list is read three at a time by following `next`
    pages = [api.get("/cases", {"page_size": 3}).json()]
    while pages[-1]["next"]:
        if len(pages) == 2:  # a case registered meanwhile (newest) does not shift the later pages
            services.create_case(
                actor=admin, data=CaseInputFactory(title="新来的"), now=same + timedelta(days=1)
            )
        pages.append(api.get("/cases", {"page_size": 3, "after": pages[-1]["next"]}).json())
    # Then the pages concatenate to the full list, with no duplicate, nothing left out, and the
    # last page says so
    assert [c["id"] for page in pages for c in page["results"]] == everything
    assert [len(p["results"]) for p in pages] == [3, 3, 3, 2]
    assert pages[-1]["next"] is None
    # A full last page: its `next` is null too (one more row is read to know)
    nine = api.get("/cases", {"page_size": 3, "after": pages[1]["next"]}).json()
    assert (len(nine["results"]), nine["next"] is None) == (3, False)
    assert api.get("/cases", {"page_size": 12}).json()["next"] is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"after": "not-a-cursor"}, "invalid_cursor"),
        ({"after": "MjAyNC0wNS0wNlQwOTowMDowMH4x"}, "invalid_cursor"),  # no offset: not ours
        ({"after": "MjAyNC0wNS0wNlQwOTowMDowMCswODowMH4x", "page": "2"}, "invalid_page"),
    ],
)
def test_a_bad_cursor_is_422(township: Township, params: dict[str, str], code: str) -> None:
    r = Api(township.users["dispatcher"]).get("/cases", params)
    assert (r.status_code, r.json()["code"]) == (422, code)


def test_a_count_beyond_the_limit_says_so(township: Township, monkeypatch) -> None:
    # Given 5 cases and a count limit of 3 (1,000 in production)
    from zhizhi.api import cases as api_cases

    monkeypatch.setattr(api_cases, "COUNT_LIMIT", 3)
    admin = township.users["admin"]
    for i in range(5):
        services.create_case(actor=admin, data=CaseInputFactory(title=f"第{i}件"), now=at("2024-05-06 09:00"))
    api = Api(township.users["dispatcher"])
    # Then the count stops at the limit and says it is not exact; the pages still reach every case
    first = api.get("/cases", {"page_size": 2}).json()
    assert (first["count"], first["count_exact"], first["pages"], len(first["results"])) == (3, False, 2, 2)
    third = api.get("/cases", {"page": 3, "page_size": 2}).json()
    assert len(third["results"]) == 1
    # And a filtered list under the limit is exact
    one = api.get("/cases", {"q": "第4件"}).json()
    assert (one["count"], one["count_exact"]) == (1, True)


def test_a_list_page_reads_a_fixed_number_of_queries(township: Township) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = township.users["admin"]
    api = Api(township.users["dispatcher"])
    services.create_case(actor=admin, data=CaseInputFactory(title="一"), now=at("2024-05-06 09:00"))
    api.get("/cases")  # the token's first use is recorded (one UPDATE a minute at most)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/cases").json()["results"]) == 1
    for i in range(20):
        services.create_case(actor=admin, data=CaseInputFactory(title=f"第{i}件"), now=at("2024-05-06 09:00"))
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/cases").json()["results"]) == 21
    # No query per row: the summary's columns come with the page
    assert len(many.captured_queries) == len(one.captured_queries)


def test_list_labels_are_the_detail_s_and_follow_renames(township: Township, listed: dict[str, Case]) -> None:
    # A list names its cases' category, nature and department from the reference snapshot, not a join
    api = Api(township.users["dispatcher"])
    c3 = Case.objects.select_related("category", "department").get(pk=listed["c3"].pk)
    labels = ("category", "nature", "department", "region", "assignee")

    def listed_row() -> dict[str, Any]:
        return next(r for r in api.get("/cases").json()["results"] if r["id"] == c3.pk)

    detail = api.get(f"/cases/{c3.pk}").json()
    assert {k: listed_row()[k] for k in labels} == {k: detail[k] for k in labels}
    assert listed_row()["department"] == {"code": "emergency", "name": c3.department.name}  # type: ignore[union-attr]
    # Renamed, and the category retired: the list says so at once
    department, category = c3.department, c3.category
    department.name = "应急管理办公室（改）"  # type: ignore[union-attr]
    department.save()  # type: ignore[union-attr]
    category.name, category.is_active = "火情（停用）", False
    category.save()
    row = listed_row()
    assert (row["department"]["name"], row["category"]["code"], row["category"]["name"]) == (
        "应急管理办公室（改）",
        "fire_incident",
        "火情（停用）",
    )
    assert {k: row[k] for k in labels} == {k: api.get(f"/cases/{c3.pk}").json()[k] for k in labels}


# --- Detail ----------------------------------------------------------------------------------------


def test_detail_has_the_timeline_and_my_actions(township: Township, listed: dict[str, Case]) -> None:
    c3 = listed["c3"]
    out = Api(township.users["handler_emg"]).get(f"/cases/{c3.pk}").json()
    assert [
        (e["action"], e["from_status"], e["to_status"], e["actor"], moment(e["at"])) for e in out["events"]
    ] == [
        ("create", "", "received", "admin", at("2024-03-06 23:30")),
        ("dispatch", "received", "dispatched", "dispatcher", at("2024-03-06 23:40")),
        ("accept", "dispatched", "accepted", "handler_emg", at("2024-03-06 23:50")),
        ("start", "accepted", "in_progress", "handler_emg", at("2024-03-06 23:55")),
    ]
    # the deadline (fire: 24 hours) has long passed, so no extension can be asked for
    assert [a["name"] for a in out["actions"]] == ["suspend", "resolve"]
    assert (out["overdue"], out["sla_policy"], out["sla_target"], out["sla_unit"]) == (
        True,
        "分类·火情(含山火)",
        24,
        "hours",
    )
    assert moment(out["due_at"]) == at("2024-03-07 23:30")
    assert out["events"][1]["data"] == {"department": "emergency", "assignee": None}
    leader = Api(township.users["leader"]).get(f"/cases/{c3.pk}").json()
    assert [a["name"] for a in leader["actions"]] == ["supervise"]


def test_unknown_case_is_404(township: Township) -> None:
    r = Api(township.users["admin"]).get("/cases/999999")
    assert (r.status_code, r.json()) == (404, {"code": "case_not_found", "message": "工单不存在或无权查看"})


# --- Reference data --------------------------------------------------------------------------------


def test_departments(township: Township) -> None:
    assert [d["code"] for d in Api(township.users["leader"]).get("/departments").json()] == [
        "agri_fishery", "construction", "emergency", "enforcement", "environment",
        "market", "party", "peace_law", "public_service", "social_affairs",
    ]  # fmt: skip


def test_categories_are_a_two_level_tree(township: Township) -> None:
    classes = Api(township.users["leader"]).get("/categories").json()
    assert (len(classes), sum(len(c["children"]) for c in classes)) == (14, 99)
    city = next(c for c in classes if c["code"] == "city_appearance")
    assert (city["name"], city["department"], len(city["children"])) == ("市容环卫", None, 12)
    assert next(s for s in city["children"] if s["code"] == "street_vending") == {
        "code": "street_vending",
        "name": "占道经营/游商",
        "department": "enforcement",
        "accepts_public_reports": True,
        "children": [],
    }


def test_natures(township: Township) -> None:
    assert Api(township.users["leader"]).get("/natures").json() == [
        {"code": "consultation", "name": "咨询"},
        {"code": "help_request", "name": "求助"},
        {"code": "complaint", "name": "投诉"},
        {"code": "report", "name": "举报"},
        {"code": "suggestion", "name": "建议"},
        {"code": "praise", "name": "表扬"},
    ]


def test_sla_policies(township: Township) -> None:
    policies = Api(township.users["leader"]).get("/sla-policies").json()
    # events: the catch-all, urgent, 5 natures with a limit, one per subclass; hazards: one per grade
    assert [p["case_type"] for p in policies].count("event") == 2 + 5 + 99
    assert [p["case_type"] for p in policies].count("hazard") == 2
    assert [p["case_type"] for p in policies].count("petition") == 7  # one per statutory stage
    assert [p["case_type"] for p in policies].count("dispute") == 4  # mediation's stages
    assert len(policies) == 2 + 5 + 99 + 2 + 7 + 4
    by_name = {p.pop("name"): p for p in policies}
    for p in by_name.values():
        p.pop("id")
    assert by_name["分类·火情(含山火)"] == {
        "case_type": "event",
        "category": "fire_incident",
        "nature": None,
        "priority": "",
        "target": 24,
        "unit": "hours",
        "response_target": 2,
        "response_unit": "hours",
        "pausing_states": ["suspended"],
    }
    assert by_name["诉求性质·投诉"] == {
        "case_type": "event",
        "category": None,
        "nature": "complaint",
        "priority": "",
        "target": 7,
        "unit": "working_days",
        "response_target": 1,
        "response_unit": "working_days",
        "pausing_states": ["suspended"],
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": "grid"}, ["33090310720101", "33090310720102", "33090310720201", "33090310720202"]),
        ({"parent": VILLAGE_A}, ["33090310720101", "33090310720102"]),
        ({"under": GRID_A2}, [GRID_A2, A21, A22]),
    ],
)
def test_regions_filters(township: Township, params: dict[str, str], expected: list[str]) -> None:
    assert [r["code"] for r in Api(township.users["dispatcher"]).get("/regions", params).json()] == expected


def test_region_detail_has_boundary_and_children(township: Township) -> None:
    out = Api(township.users["dispatcher"]).get(f"/regions/{GRID_A2}").json()
    assert (out["name"], out["level"], out["parent"], [c["code"] for c in out["children"]]) == (
        "杜庄村第2网格",
        "grid",
        VILLAGE_A,
        [A21, A22],
    )
    assert out["boundary"]["type"] == "Polygon"


@pytest.mark.parametrize(
    ("params", "code"), [({"level": "planet"}, "invalid_level"), ({"under": "0"}, "unknown_region")]
)
def test_bad_region_parameters(township: Township, params: dict[str, str], code: str) -> None:
    r = Api(township.users["dispatcher"]).get("/regions", params)
    assert (r.status_code, r.json()["code"]) == (422, code)


# --- Calendar --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected_start", "due"),
    [
        # 2024 National Day: 1–7 October off; three working days after 30 September end on the 10th
        ("2024-09-30T10:00:00", 3, "working_days", "2024-09-30T10:00:00+08:00", "2024-10-10T23:59:59+08:00"),
        # 2025 Spring Festival: 28 Jan – 4 Feb off, 26 Jan and 8 Feb worked
        (
            "2025-01-27T09:00:00+08:00",
            2,
            "working_days",
            "2025-01-27T09:00:00+08:00",
            "2025-02-06T23:59:59+08:00",
        ),
        # a naive start is Asia/Shanghai: 23:30 on the 30th is still the 30th
        ("2024-09-30T23:30:00", 0, "days", "2024-09-30T23:30:00+08:00", "2024-09-30T23:59:59+08:00"),
        # the same wall time in UTC is already 1 October in Shanghai
        ("2024-09-30T23:30:00Z", 0, "days", "2024-10-01T07:30:00+08:00", "2024-10-01T23:59:59+08:00"),
        ("2024-09-30T10:00:00", 30, "hours", "2024-09-30T10:00:00+08:00", "2024-10-01T16:00:00+08:00"),
    ],
)
def test_calendar_add(
    township: Township, start: str, amount: int, unit: str, expected_start: str, due: str
) -> None:
    r = Api(township.users["leader"]).get("/calendar/add", {"start": start, "amount": amount, "unit": unit})
    assert (r.status_code, r.json()) == (
        200,
        {"start": expected_start, "amount": amount, "unit": unit, "due_at": due, "provisional": False},
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2024-09-30T10:00:00", "amount": 3, "unit": "weeks"}, "invalid_unit"),
        ({"start": "2024-09-30T10:00:00", "amount": -1, "unit": "days"}, "invalid_amount"),
        ({"start": "soon", "amount": 1, "unit": "days"}, "invalid_input"),
    ],
)
def test_calendar_add_refuses_bad_input(township: Township, params: dict[str, Any], code: str) -> None:
    r = Api(township.users["leader"]).get("/calendar/add", params)
    assert (r.status_code, r.json()["code"]) == (422, code)
    assert r.json()["message"]


def test_calendar_add_in_an_unpublished_year_is_provisional(township: Township) -> None:
    r = Api(township.users["leader"]).get(
        "/calendar/add", {"start": "2027-09-30T10:00:00", "amount": 1, "unit": "working_days"}
    )
    # 1–3 October are the fixed-date fallback holidays; 4 October 2027 is a Monday
    assert (r.json()["due_at"], r.json()["provisional"]) == ("2027-10-04T23:59:59+08:00", True)


def test_openapi_and_docs_are_served(township: Township) -> None:
    r = Client().get("/api/v1/openapi.json")
    assert (r.status_code, r.json()["info"]["title"]) == (200, "Zhizhi API")


def test_bodies_are_json(township: Township) -> None:
    api = Api(township.users["grid_a1"])
    r = api.post("/cases", body())
    assert r["Content-Type"].startswith("application/json")
    assert json.loads(r.content)["case"]["title"] == "菜场门口占道经营"
    assert (CaseEvent.objects.count(), IdempotencyKey.objects.count()) == (1, 0)
