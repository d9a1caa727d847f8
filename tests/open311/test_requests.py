"""GET requests, GET a request, GET a token: public, anonymous, without personal data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.cases.factories import create, drive, drive_to
from tests.open311.helpers import (
    BASE,
    LAT,
    LON,
    REQUEST_FIELDS,
    W3,
    Key,
    children,
    get_json,
    get_xml,
    parse_xml,
    post,
    tags,
)
from tests.township import Township
from zhizhi.cases.models import Case, CaseEvent, Category, Status
from zhizhi.open311 import queries
from zhizhi.open311.models import Open311Request
from zhizhi.open311.present import scrub, street, w3

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def ids(body: list[dict]) -> list[int]:
    return [r["service_request_id"] for r in body]


def iso(value: datetime) -> str:
    return value.astimezone(SH).isoformat(timespec="seconds")


# --- Status mapping --------------------------------------------------------------------------------------

EXPECTED = {
    Status.RECEIVED: ("open", "已受理"),
    Status.DISPATCHED: ("open", "已派单"),
    Status.ACCEPTED: ("open", "已签收"),
    Status.IN_PROGRESS: ("open", "办理中"),
    Status.SUSPENDED: ("open", "已挂起"),
    Status.RETURNED: ("open", "已退回"),
    Status.RESOLVED: ("closed", "已劝离摊贩，恢复通行"),
    Status.CLOSED: ("closed", "已劝离摊贩，恢复通行"),
    Status.MERGED: ("closed", None),
}


def test_every_case_status_has_a_mapping():
    assert set(EXPECTED) == set(Status.values)
    assert set(queries.OPEN311_STATUS) == set(Status.values)


@pytest.mark.parametrize("state", list(EXPECTED))
def test_status_mapping(client: Client, township: Township, state: str):
    driven = drive(township, state)
    case = driven.case
    status, notes = EXPECTED[state]
    if state == Status.MERGED:
        assert driven.parent is not None
        notes = f"已与工单 {driven.parent.pk} 合并办理"

    response, body = get_json(client, f"{BASE}/requests/{case.pk}.json")

    assert response.status_code == 200
    assert len(body) == 1
    assert body[0]["status"] == status
    assert body[0]["status_notes"] == notes
    assert body[0]["updated_datetime"] == w3(driven.clock.now)  # the last step's time
    assert (body[0]["service_notice"] is None) == (status == "closed")
    _, listed = get_json(client, f"{BASE}/requests.json", service_request_id=str(case.pk))
    assert listed == body


@pytest.mark.parametrize("state", [Status.RESOLVED, Status.CLOSED])
def test_a_closed_requests_updated_datetime_is_when_it_closed_not_what_was_logged_after(
    client: Client, township: Township, state: str
):
    driven = drive(township, state)
    closed_at = driven.clock.now
    later = driven.clock.tick()
    CaseEvent.objects.create(
        case=driven.case,
        actor=township.users["dispatcher"],
        at=later,
        action="attach",
        from_status=state,
        to_status=state,
        data={"attachments": []},
    )

    _, body = get_json(client, f"{BASE}/requests/{driven.case.pk}.json")
    _, listed = get_json(client, f"{BASE}/requests.json", service_request_id=str(driven.case.pk))

    assert body[0]["updated_datetime"] == w3(closed_at)
    assert later > closed_at
    assert listed == body


# --- Fields, formats, privacy ----------------------------------------------------------------------------


@pytest.fixture
def reported(township: Township) -> Case:
    """A grid worker's report with personal data in every place it could hide."""
    return create(
        township,
        now=timezone.now() - timedelta(days=1),
        description="摊主王五（身份证 330903199001011234，电话 13900001111，邮箱 wang5@example.com）占道",
        address="六横镇杜庄村菜场路 1 号 3 幢",
    )


def test_request_json_has_exactly_the_spec_fields_and_no_personal_data(client: Client, reported: Case):
    response, body = get_json(client, f"{BASE}/requests.json")

    assert response.status_code == 200
    assert response["X-Total-Count"] == "1"
    assert len(body) == 1
    item = body[0]
    assert list(item) == REQUEST_FIELDS
    assert item == {
        "service_request_id": reported.pk,
        "status": "open",
        "status_notes": "已受理",
        "service_name": "占道经营/游商",
        "service_code": "street_vending",
        "description": reported.title,  # staff wrote the description, for staff
        "agency_responsible": "综合执法",
        "service_notice": item["service_notice"],
        "requested_datetime": w3(reported.received_at),
        "updated_datetime": w3(reported.received_at),
        "expected_datetime": w3(reported.due_at),
        "address": "六横镇杜庄村菜场路",
        "address_id": None,
        "zipcode": None,
        "lat": 29.725,
        "long": 122.025,
        "media_url": None,
    }
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3.match(item[field]), item[field]
    text = response.content.decode()
    for secret in ("张三丰", "王五", "13812345678", "330903199001011234", "13900001111", "wang5@", "1 号"):
        assert secret not in text


def test_only_words_sent_through_open311_are_published_and_masked(
    client: Client, township: Township, reported: Case, key: Key
):
    """A hotline operator's "来电人张三丰反映：菜场路12号…" names the caller; a reporter who posts
    through an Open311 app writes for publication (as on FixMyStreet), identifiers still masked."""
    hotline = create(
        township,
        now=timezone.now() - timedelta(hours=2),
        title="菜场路摊贩占道",
        description="来电人张三丰反映：杜庄村菜场路十二号附近摊贩占道",
        channel="hotline",
        address="六横镇杜庄村三组十二号",
    )
    Open311Request.objects.create(case=reported, client=key.client, token=Open311Request.new_token())

    _, body = get_json(client, f"{BASE}/requests.json")

    shown = {r["service_request_id"]: r for r in body}
    assert shown[hotline.pk]["description"] == "菜场路摊贩占道"
    assert shown[hotline.pk]["address"] == "六横镇杜庄村"  # a house number in Chinese numerals is cut too
    assert shown[reported.pk]["description"] == (
        "摊主王五（身份证 330903********1234，电话 139****1111，邮箱 ***@example.com）占道"
    )


def test_request_xml_has_the_spec_elements(client: Client, reported: Case):
    response, root = get_xml(client, f"{BASE}/requests.xml")

    assert response.status_code == 200
    assert root.tag == "service_requests"
    assert tags(root) == ["request"]
    assert tags(root[0]) == REQUEST_FIELDS
    fields = children(root[0])
    assert fields["service_request_id"] == str(reported.pk)
    assert fields["status"] == "open"
    assert fields["address"] == "六横镇杜庄村菜场路"
    assert (fields["lat"], fields["long"]) == ("29.725", "122.025")
    assert (fields["address_id"], fields["zipcode"], fields["media_url"]) == (None, None, None)
    assert fields["expected_datetime"] == w3(reported.due_at)
    assert W3.match(fields["requested_datetime"] or "")
    assert "张三丰" not in response.content.decode()


def test_address_without_a_street_falls_back_to_the_village(client: Client, township: Township):
    case = create(township, now=timezone.now(), address="12 号楼下")

    _, body = get_json(client, f"{BASE}/requests/{case.pk}.json")

    assert body[0]["address"] == "杜庄村"


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("六横镇杜庄村菜场路 1 号", "六横镇杜庄村菜场路"),
        ("台门社区幸福小区３幢２单元", "台门社区幸福小区"),
        ("大岙路与菜场路交叉口", "大岙路与菜场路交叉口"),
        ("王五家门口，电话 13900001111", "王五家门口，电话"),
        ("", ""),
    ],
)
def test_street(address: str, shown: str):
    assert street(address) == shown


def test_scrub_masks_landlines_and_international_mobiles():
    assert scrub("拨打 0580-1234567 或 +86 13900001111") == "拨打 0580****67 或 139****1111"


def test_scrub_masks_mobiles_written_in_groups():
    assert scrub("电话 139-0000-1111，或 139 0000 2222，或 +86-139-0000-3333") == (
        "电话 139****1111，或 139****2222，或 139****3333"
    )
    assert scrub("订单号 20231139000011112") == "订单号 20231139000011112"  # digits run on: not a phone


def test_a_description_longer_than_the_spec_allows_is_cut_at_4000(
    client: Client, township: Township, key: Key
):
    long = create(township, now=timezone.now() - timedelta(days=1), description="坑" * 4500)
    Open311Request.objects.create(case=long, client=key.client, token=Open311Request.new_token())

    _, body = get_json(client, f"{BASE}/requests/{long.pk}.json")

    assert body[0]["description"] == "坑" * 3999 + "…"
    assert Case.objects.get(pk=long.pk).description == "坑" * 4500  # the case keeps it whole


def test_media_url_of_an_open311_request_is_shown(client: Client, key: Key):
    data = {"api_key": key.raw, "service_code": "road_damage", "lat": LAT, "long": LON}
    data["media_url"] = "https://img.example.com/x.jpg"
    data["email"] = "someone@example.com"
    data["device_id"] = "device-9"
    pk = json.loads(post(client, "json", data).content)[0]["service_request_id"]

    response, body = get_json(client, f"{BASE}/requests/{pk}.json")

    assert body[0]["media_url"] == "https://img.example.com/x.jpg"
    text = response.content.decode()
    assert "someone@" not in text
    assert "device-9" not in text


def test_cases_of_categories_closed_to_the_public_are_not_shown(client: Client, reported: Case):
    Category.objects.filter(code="street_vending").update(accepts_public_reports=False)

    _, body = get_json(client, f"{BASE}/requests.json")
    response, _ = get_json(client, f"{BASE}/requests/{reported.pk}.json")

    assert body == []
    assert response.status_code == 404


def test_a_clients_own_requests_stay_readable_after_their_category_is_closed(
    client: Client, reported: Case, key: Key
):
    """The client follows what it posted (by id, or in a batch); the category's other cases — the
    grid worker's `reported` — leave the public list, and new reports to it are refused."""
    data = {"api_key": key.raw, "service_code": "street_vending", "lat": LAT, "long": LON}
    pk = json.loads(post(client, "json", data).content)[0]["service_request_id"]
    Category.objects.filter(code="street_vending").update(accepts_public_reports=False)

    one, body = get_json(client, f"{BASE}/requests/{pk}.json")
    _, batch = get_json(client, f"{BASE}/requests.json", service_request_id=f"{pk},{reported.pk}")
    _, listed = get_json(client, f"{BASE}/requests.json")
    other, _ = get_json(client, f"{BASE}/requests/{reported.pk}.json")
    refused = post(client, "json", data)

    assert (one.status_code, [r["service_request_id"] for r in body]) == (200, [pk])
    assert (body[0]["service_code"], body[0]["status"]) == ("street_vending", "open")
    assert ids(batch) == [pk]
    assert ids(listed) == [pk]
    assert other.status_code == 404
    assert refused.status_code == 404


@pytest.mark.parametrize("request_id", ["999999", "abc", "1" * 30])
def test_unknown_request_is_404_in_both_formats(client: Client, township: Township, request_id: str):
    response, body = get_json(client, f"{BASE}/requests/{request_id}.json")
    assert response.status_code == 404
    assert body == [{"code": 404, "description": f"service_request_id 不存在：{request_id}"}]

    response, root = get_xml(client, f"{BASE}/requests/{request_id}.xml")
    assert response.status_code == 404
    assert root.tag == "errors"
    assert children(root[0])["code"] == "404"


# --- Window, filters, paging -----------------------------------------------------------------------------


@pytest.fixture
def spread(township: Township) -> dict[str, Case]:
    now = timezone.now()
    return {
        "old": create(township, now=now - timedelta(days=100), title="百日前"),
        "month": create(township, now=now - timedelta(days=30), title="一月前", category="road_damage"),
        "recent": create(township, now=now - timedelta(days=10), title="十日前"),
        "today": create(township, now=now - timedelta(hours=1), title="今天"),
    }


def test_default_window_is_the_last_90_days_newest_first(client: Client, spread: dict[str, Case]):
    _, body = get_json(client, f"{BASE}/requests.json")

    assert ids(body) == [spread["today"].pk, spread["recent"].pk, spread["month"].pk]


def test_start_date_reaches_older_cases_for_90_days(client: Client, spread: dict[str, Case]):
    start = iso(spread["old"].received_at - timedelta(days=1))

    _, body = get_json(client, f"{BASE}/requests.json", start_date=start)

    # start_date alone: 90 days from it (the spec's limit), so the 10-day-old case is past the end
    assert ids(body) == [spread["month"].pk, spread["old"].pk]


def test_end_date_alone_looks_90_days_back(client: Client, spread: dict[str, Case]):
    end = iso(spread["month"].received_at + timedelta(minutes=1))

    _, body = get_json(client, f"{BASE}/requests.json", end_date=end)

    assert ids(body) == [spread["month"].pk, spread["old"].pk]


def test_start_and_end_in_utc_with_z(client: Client, spread: dict[str, Case]):
    start = spread["recent"].received_at - timedelta(minutes=1)
    end = spread["recent"].received_at + timedelta(minutes=1)
    fmt = "%Y-%m-%dT%H:%M:%SZ"

    _, body = get_json(
        client,
        f"{BASE}/requests.json",
        start_date=start.astimezone(ZoneInfo("UTC")).strftime(fmt),
        end_date=end.astimezone(ZoneInfo("UTC")).strftime(fmt),
    )

    assert ids(body) == [spread["recent"].pk]


def test_bare_dates_are_whole_local_days(client: Client, spread: dict[str, Case]):
    day = spread["recent"].received_at.astimezone(SH).date().isoformat()

    _, body = get_json(client, f"{BASE}/requests.json", start_date=day, end_date=day)

    assert ids(body) == [spread["recent"].pk]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "2026-01-01T00:00:00"}, "start_date 须带时区（Z 或 +08:00）"),
        ({"end_date": "yesterday"}, "end_date 须为 ISO 8601 日期时间，如 2024-03-04T09:00:00+08:00"),
        (
            {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
            "start_date 到 end_date 不能超过 90 天",
        ),
        (
            {"start_date": "2026-02-01T00:00:00+08:00", "end_date": "2026-01-01T00:00:00+08:00"},
            "start_date 不能晚于 end_date",
        ),
        ({"status": "pending"}, "status 只能是 open 或 closed：pending"),
        ({"service_code": "road_damage,no/such"}, "service_code 只能由字母、数字、- 和 _ 组成"),
        ({"service_request_id": "1,x"}, "service_request_id 须为逗号分隔的编号"),
        ({"page": "0"}, "page 须为 1 到 1000000 之间的整数"),
        ({"page": "abc"}, "page 须为正整数"),
        ({"page_size": "1001"}, "page_size 须为 1 到 1000 之间的整数"),
    ],
)
def test_bad_filters_are_400(client: Client, township: Township, params: dict, message: str):
    response, body = get_json(client, f"{BASE}/requests.json", **params)

    assert response.status_code == 400
    assert body == [{"code": 400, "description": message}]


def test_bad_filter_in_xml(client: Client, township: Township):
    response, root = get_xml(client, f"{BASE}/requests.xml", status="pending")

    assert response.status_code == 400
    assert root.tag == "errors"
    assert children(root[0]) == {"code": "400", "description": "status 只能是 open 或 closed：pending"}


@pytest.fixture
def mixed(township: Township) -> dict[str, Case]:
    now = timezone.now()
    return {
        "open": drive_to(township, Status.IN_PROGRESS, clock=_clock(now - timedelta(days=3))),
        "resolved": drive_to(township, Status.RESOLVED, clock=_clock(now - timedelta(days=2))),
        "received": create(township, now=now - timedelta(days=1), category="road_damage"),
    }


def _clock(start: datetime):
    from tests.cases.factories import Clock

    return Clock(now=start)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", ["received", "open"]),
        ("closed", ["resolved"]),
        ("open,closed", ["received", "resolved", "open"]),
    ],
)
def test_status_filter(client: Client, mixed: dict[str, Case], status: str, expected: list[str]):
    _, body = get_json(client, f"{BASE}/requests.json", status=status)

    assert ids(body) == [mixed[name].pk for name in expected]


def test_service_code_filter_takes_a_comma_list(client: Client, mixed: dict[str, Case]):
    _, one = get_json(client, f"{BASE}/requests.json", service_code="road_damage")
    _, both = get_json(client, f"{BASE}/requests.json", service_code="road_damage, street_vending")

    assert ids(one) == [mixed["received"].pk]
    assert ids(both) == [mixed["received"].pk, mixed["resolved"].pk, mixed["open"].pk]


def test_service_request_id_overrides_every_other_argument(
    client: Client, spread: dict[str, Case], mixed: dict[str, Case]
):
    wanted = f"{spread['old'].pk},{mixed['resolved'].pk},999999"

    _, body = get_json(
        client, f"{BASE}/requests.json", service_request_id=wanted, status="open", service_code="road_damage"
    )

    assert ids(body) == [mixed["resolved"].pk, spread["old"].pk]


def test_paging(client: Client, spread: dict[str, Case]):
    order = [spread["today"].pk, spread["recent"].pk, spread["month"].pk]

    r1, page1 = get_json(client, f"{BASE}/requests.json", page_size="2")
    r2, page2 = get_json(client, f"{BASE}/requests.json", page_size="2", page="2")
    r3, page3 = get_json(client, f"{BASE}/requests.json", page_size="2", page="3")

    assert ids(page1) == order[:2]
    assert ids(page2) == order[2:]
    assert page3 == []
    assert r1["X-Total-Count"] == r2["X-Total-Count"] == r3["X-Total-Count"] == "3"
    assert r1["Link"] == '<http://testserver/open311/v2/requests.json?page_size=2&page=2>; rel="next"'
    assert not r2.has_header("Link")


def test_at_most_1000_requests_by_default(client: Client, spread: dict[str, Case], monkeypatch):
    monkeypatch.setattr(queries, "MAX_REQUESTS", 2)  # stands for the spec's 1000

    response, body = get_json(client, f"{BASE}/requests.json")

    assert ids(body) == [spread["today"].pk, spread["recent"].pk]
    assert response["X-Total-Count"] == "3"


# --- Tokens ----------------------------------------------------------------------------------------------


def test_token_gives_back_the_request_id(client: Client, key: Key):
    data = {"api_key": key.raw, "service_code": "road_damage", "lat": LAT, "long": LON}
    answered = json.loads(post(client, "json", data).content)[0]
    # (the POST answers the id itself, so no token: a token is for a client that keeps one)
    token = Open311Request.objects.get(case_id=answered["service_request_id"]).token
    created = {"service_request_id": answered["service_request_id"], "token": token}

    response, body = get_json(client, f"{BASE}/tokens/{created['token']}.json")
    assert response.status_code == 200
    assert body == [{"service_request_id": created["service_request_id"], "token": created["token"]}]

    response, root = get_xml(client, f"{BASE}/tokens/{created['token']}.xml")
    assert root.tag == "service_requests"
    assert tags(root) == ["request"]
    assert children(root[0]) == {
        "service_request_id": str(created["service_request_id"]),
        "token": created["token"],
    }


def test_unknown_token_is_404(client: Client, township: Township):
    response, body = get_json(client, f"{BASE}/tokens/nope.json")

    assert response.status_code == 404
    assert body == [{"code": 404, "description": "token 不存在：nope"}]

    response, root = get_xml(client, f"{BASE}/tokens/nope.xml")
    assert response.status_code == 404
    assert (root.tag, tags(root)) == ("errors", ["error"])
    assert children(root[0]) == {"code": "404", "description": "token 不存在：nope"}


def test_a_jurisdiction_id_is_accepted_and_changes_nothing(client: Client, mixed: dict[str, Case]):
    """FixMyStreet sends `jurisdiction_id` with every call; this server has one jurisdiction."""
    _, plain = get_json(client, f"{BASE}/requests.json")
    _, with_jurisdiction = get_json(client, f"{BASE}/requests.json", jurisdiction_id="liuheng.gov.cn")

    assert with_jurisdiction == plain
    assert len(plain) == len(mixed)


def test_service_code_may_be_repeated(client: Client, mixed: dict[str, Case]):
    response = client.get(f"{BASE}/requests.json?service_code=road_damage&service_code=street_vending")

    assert ids(json.loads(response.content)) == [mixed["received"].pk, mixed["resolved"].pk, mixed["open"].pk]


def test_a_service_code_of_no_public_service_matches_nothing(client: Client, mixed: dict[str, Case]):
    """Unknown, or closed to public reports since the client cached the list: an empty answer, not
    an error (the spec lists none for a filter)."""
    Category.objects.filter(code="street_vending").update(accepts_public_reports=False)

    _, some = get_json(client, f"{BASE}/requests.json", service_code="road_damage,no_such,street_vending")
    _, none = get_json(client, f"{BASE}/requests.json", service_code="no_such,street_vending")
    response, root = get_xml(client, f"{BASE}/requests.xml", service_code="no_such_either")

    assert ids(some) == [mixed["received"].pk]
    assert none == []
    assert (response.status_code, root.tag, len(root)) == (200, "service_requests", 0)


def test_list_reads_a_fixed_number_of_queries(client: Client, spread: dict[str, Case], mixed, key: Key):
    post(client, "json", {"api_key": key.raw, "service_code": "road_damage", "lat": LAT, "long": LON})

    with CaptureQueriesContext(connection) as queries_run:
        response = client.get(f"{BASE}/requests.json")

    assert len(json.loads(response.content)) == 7  # all but the 100-day-old one
    assert len(queries_run) == 3  # count, page (with details and last events), village names


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/requests.json?service_code=road%00damage",
        f"{BASE}/tokens/ab%00cd.json",
        f"{BASE}/requests/1%00.json",
    ],
)
def test_nul_and_odd_characters_are_client_errors_not_crashes(client: Client, township: Township, path: str):
    response = client.get(path)

    assert response.status_code in (400, 404)
    assert json.loads(response.content)[0]["code"] == response.status_code


def test_an_unencoded_plus_in_the_offset_is_understood(client: Client, spread: dict[str, Case]):
    start = iso(spread["recent"].received_at - timedelta(minutes=1))
    end = iso(spread["recent"].received_at + timedelta(minutes=1))

    response = client.get(f"{BASE}/requests.json?start_date={start}&end_date={end}")  # "+" not encoded

    assert response.status_code == 200
    assert ids(json.loads(response.content)) == [spread["recent"].pk]


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("/open311/v2/", "xml"),
        ("/open311/v2/services", "xml"),
        ("/open311/", "xml"),
        ("/open311/v2/requests/1/updates.json", "json"),
        ("/open311/v2/servicerequestupdates.JSON", "json"),
    ],
)
def test_a_path_that_names_no_resource_is_a_spec_404(client: Client, township: Township, path: str, fmt: str):
    for response in (client.get(path), client.post(path, {"api_key": "x"})):  # a POST too: no CSRF page
        assert response.status_code == 404
        assert (
            response["Content-Type"]
            == f"{'application/json' if fmt == 'json' else 'text/xml'}; charset=utf-8"
        )
        description = f"没有这个资源：{path}（可用的资源见 discovery.xml）"
        if fmt == "json":
            assert json.loads(response.content) == [{"code": 404, "description": description}]
        else:
            root = parse_xml(response)
            assert (root.tag, tags(root)) == ("errors", ["error"])
            assert children(root[0]) == {"code": "404", "description": description}
