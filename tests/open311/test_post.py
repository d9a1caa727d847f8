"""POST /open311/v2/requests.{json,xml}: a real case through create_case, or a spec error and no rows."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.open311.helpers import (
    BASE,
    LAT,
    LON,
    MICRO_A11,
    VILLAGE_A,
    VILLAGE_B,
    W3,
    Key,
    children,
    counts,
    parse_xml,
    post,
    tags,
)
from tests.township import TOWN_CODE, Township
from zhizhi.cases import services as case_services
from zhizhi.cases import sla
from zhizhi.cases.models import Case, CaseEvent, Category, SlaUnit
from zhizhi.open311 import services
from zhizhi.open311.models import Datatype, Open311Request, ServiceAttribute
from zhizhi.open311.present import w3
from zhizhi.territory.models import Region

pytestmark = pytest.mark.django_db


def form(key: Key, **overrides: str) -> dict[str, str]:
    data = {
        "api_key": key.raw,
        "service_code": "road_damage",
        "lat": str(LAT),
        "long": str(LON),
        "address_string": "六横镇杜庄村大岙路 12 号",
        "description": "路面塌陷一个大坑\n晚上看不清，很危险",
        "first_name": "三",
        "last_name": "张",
        "email": "zhang.san@example.com",
        "phone": "13812345678",
        "media_url": "https://img.example.com/p/1.jpg",
        "device_id": "device-42",
        "account_id": "acct-7",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Success -----------------------------------------------------------------------------------------


def test_form_post_creates_a_located_online_case_with_its_sla_and_detail_row(client: Client, key: Key):
    before = counts()

    response = post(client, "json", form(key))

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    assert isinstance(body, list)
    assert len(body) == 1
    # the id, so no token (GeoReport v2: one or the other)
    assert list(body[0]) == ["service_request_id", "service_notice", "account_id"]
    case = Case.objects.select_related("region", "category", "created_by").get(
        pk=body[0]["service_request_id"]
    )
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert case.channel == "online"
    assert case.category.code == "road_damage"
    assert case.region.code == MICRO_A11  # located to its micro-grid from the point
    assert case.created_by == key.client.user
    assert (case.lon, case.lat) == (LON, LAT)
    assert case.title == "路面塌陷一个大坑"
    assert case.description == "路面塌陷一个大坑\n晚上看不清，很危险"
    assert case.address == "六横镇杜庄村大岙路 12 号"
    assert case.reporter_name == "张三"
    assert case.reporter_phone == "13812345678"
    assert case.status == "received"
    assert case.sla_target == 5
    assert case.sla_unit == SlaUnit.WORKING_DAYS
    clock = sla.choose_clock(
        case_type="event", category=case.category, nature=None, priority="normal", start=case.received_at
    )
    assert case.due_at == clock.due_at
    assert body[0]["service_notice"] == (
        f"已受理，由城建/村镇建设办理，预计 {w3(case.due_at)[:10]} {w3(case.due_at)[11:16]} 前办结。"
    )
    assert body[0]["account_id"] is None
    detail = Open311Request.objects.get(case=case)
    assert len(detail.token) == 32
    assert detail.client == key.client
    assert (detail.email, detail.media_url, detail.device_id, detail.account_id) == (
        "zhang.san@example.com",
        "https://img.example.com/p/1.jpg",
        "device-42",
        "acct-7",
    )
    assert detail.attributes == {}
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.actor) == ("create", key.client.user)
    key.client.refresh_from_db()
    assert key.client.last_used_at == case.received_at


def test_an_urlencoded_post_as_fixmystreet_sends_it(client: Client, key: Key, questions: None):
    """The spec's body: application/x-www-form-urlencoded in UTF-8, with `jurisdiction_id` (which a
    server of one jurisdiction ignores) and a multi-value attribute as `attribute[code][]`."""
    data = [
        *form(key, **{"attribute[nature]": "complaint", "attribute[hole_size]": "1.5"}).items(),
        ("jurisdiction_id", "liuheng.gov.cn"),
        ("attribute[hazards][]", "night"),
        ("attribute[hazards][]", "traffic"),
    ]

    response = client.post(
        f"{BASE}/requests.xml",
        urlencode(data),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )

    assert response.status_code == 201, response.content
    root = parse_xml(response)
    case = Case.objects.select_related("region", "nature", "open311").get(
        pk=root[0].findtext("service_request_id")
    )
    assert (case.region.code, case.nature.code, case.reporter_name) == (MICRO_A11, "complaint", "张三")
    assert case.open311.attributes == {
        "nature": "complaint",
        "hole_size": "1.5",
        "hazards": ["night", "traffic"],
    }
    assert case.description.endswith("【附加信息】\n坑的直径（米）：1.5\n有哪些危险：夜间看不清、车流量大")


def test_xml_post_answers_service_requests_request(client: Client, key: Key):
    response = post(client, "xml", form(key))

    assert response.status_code == 201
    root = parse_xml(response)
    assert root.tag == "service_requests"
    assert tags(root) == ["request"]
    request = root[0]
    assert tags(request) == ["service_request_id", "service_notice", "account_id"]
    fields = children(request)
    detail = Open311Request.objects.get()
    assert fields["service_request_id"] == str(detail.case_id)
    assert fields["service_notice"].startswith("已受理，由城建/村镇建设办理")
    assert fields["account_id"] is None


def test_json_body_with_attributes_maps_onto_the_case(client: Client, key: Key):
    data = {
        "api_key": key.raw,
        "service_code": "road_damage",
        "lat": LAT,
        "long": LON,
        "description": "路灯旁边路面开裂",
        "attribute": {"nature": "consultation", "title": "大岙路路面开裂"},
    }

    response = post(client, "json", data, as_json=True)

    assert response.status_code == 201, response.content
    case = Case.objects.select_related("nature").get()
    assert case.nature.code == "consultation"
    assert case.title == "大岙路路面开裂"
    assert case.sla_target == 3  # 咨询 3 working days, shorter than 道路破损's 5
    assert Open311Request.objects.get().attributes == {"nature": "consultation", "title": "大岙路路面开裂"}


def test_urgent_priority_gives_the_24_hour_clock(client: Client, key: Key):
    response = post(client, "json", form(key, **{"attribute[priority]": "urgent"}))

    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.priority, case.sla_target, case.sla_unit) == ("urgent", 24, SlaUnit.HOURS)


def test_address_string_with_a_region_attribute_is_placed_in_that_village(client: Client, key: Key):
    data = form(key, lat=None, long=None, **{"attribute[region]": VILLAGE_A})

    response = post(client, "json", data)

    assert response.status_code == 201, response.content
    case = Case.objects.select_related("region").get()
    assert case.region.code == VILLAGE_A
    assert (case.lon, case.lat) == (None, None)
    assert case.address == "六横镇杜庄村大岙路 12 号"


@pytest.mark.parametrize(
    ("address", "placed"),
    [
        ("六横镇杜庄村大岙路 12 号", VILLAGE_A),  # the village the address names
        ("台门社区东海路口", VILLAGE_B),
        ("东海路与大岙路交叉口", TOWN_CODE),  # no village named: the client's whole area
        ("杜庄村和台门社区交界的桥", TOWN_CODE),  # two villages named: the dispatcher decides
    ],
)
def test_address_string_alone_goes_to_the_village_it_names_or_to_the_clients_area(
    client: Client, key: Key, address: str, placed: str
):
    response = post(client, "json", form(key, lat=None, long=None, address_string=address))

    assert response.status_code == 201, response.content
    case = Case.objects.select_related("region").get()
    assert (case.region.code, case.lon, case.lat, case.address) == (placed, None, None, address)
    assert (case.channel, case.status, case.sla_target, case.sla_unit) == (
        "online",
        "received",
        5,
        SlaUnit.WORKING_DAYS,
    )


def test_address_id_alone_needs_the_region_attribute(client: Client, key: Key):
    """No master address repository to look the id up in, and no text a dispatcher could read."""
    alone = form(key, lat=None, long=None, address_string=None, address_id="A-1")
    before = counts()

    refused = post(client, "xml", alone)

    assert refused.status_code == 400
    assert children(parse_xml(refused)[0]) == {
        "code": "400",
        "description": "暂不支持仅凭 address_id 定位：请提供 lat/long、address_string，或用 attribute[region] 选择所在村（社区）",
    }
    assert counts() == before

    placed = post(client, "json", {**alone, "attribute[region]": VILLAGE_B})

    assert placed.status_code == 201, placed.content
    case = Case.objects.select_related("region", "open311").get()
    assert (case.region.code, case.address, case.open311.address_id) == (VILLAGE_B, "", "A-1")


def test_a_village_name_found_only_inside_a_longer_one_counts_as_the_longer(township: Township):
    inner = Region.objects.create(
        parent=township.town, level="village", code="330903107203", name="庄村", kind="village"
    )
    assert services.village_named_in("六横镇杜庄村大岙路", township.town).code == VILLAGE_A
    assert services.village_named_in("六横镇庄村", township.town) == inner
    assert services.village_named_in("杜庄村到庄村的路口", township.town) is None  # both, on their own
    assert services.village_named_in("六横镇杜庄村", township.villages[VILLAGE_B]) is None


def test_a_key_for_one_village_places_an_unnamed_address_in_that_village(client: Client, township: Township):
    village_client, raw = services.issue_client(name="台门社区公众号", region_code=VILLAGE_B)
    data = form(Key(village_client, raw), lat=None, long=None, address_string="东海路口")

    response = post(client, "json", data)

    assert response.status_code == 201, response.content
    assert Case.objects.select_related("region").get().region.code == VILLAGE_B


def test_an_address_alone_from_a_key_for_two_villages_needs_the_region_attribute(
    client: Client, key: Key, township: Township
):
    key.client.user.regions.set([township.villages[VILLAGE_A], township.villages[VILLAGE_B]])
    before = counts()

    response = post(client, "json", form(key, lat=None, long=None, address_string="东海路口"))

    assert response.status_code == 400
    assert json.loads(response.content) == [
        {
            "code": 400,
            "description": "仅凭地址无法定位：请同时提供 lat/long，或用 attribute[region] 选择所在村（社区）",
        }
    ]
    assert counts() == before


def test_region_with_matching_coordinates_still_locates_to_the_micro_grid(client: Client, key: Key):
    response = post(client, "json", form(key, **{"attribute[region]": VILLAGE_A}))

    assert response.status_code == 201
    assert Case.objects.get().region.code == MICRO_A11


def test_title_defaults_to_the_service_name_without_a_description(client: Client, key: Key):
    response = post(client, "json", form(key, description=""))

    assert response.status_code == 201
    assert Case.objects.get().title == "道路破损（网上反映）"


def test_long_first_line_is_cut_for_the_title(client: Client, key: Key):
    response = post(client, "json", form(key, description="坑" * 60))

    assert response.status_code == 201
    assert Case.objects.get().title == "坑" * 40 + "…"


def test_control_characters_are_dropped_and_markup_survives_as_text(client: Client, key: Key):
    response = post(client, "xml", form(key, description='井盖<丢失> & "危险"\x0b\x00！'))

    assert response.status_code == 201
    case = Case.objects.get()
    assert case.description == '井盖<丢失> & "危险"！'
    got = client.get(f"{BASE}/requests/{case.pk}.xml")
    assert children(parse_xml(got)[0])["description"] == '井盖<丢失> & "危险"！'


def test_post_is_csrf_exempt(township: Township, key: Key):
    strict = Client(enforce_csrf_checks=True)

    response = post(strict, "json", form(key))

    assert response.status_code == 201


def test_round_trip_open_then_closed_with_the_resolution(client: Client, key: Key, township: Township):
    created = json.loads(post(client, "json", form(key)).content)[0]
    pk = created["service_request_id"]
    case = Case.objects.get(pk=pk)

    shown = json.loads(client.get(f"{BASE}/requests/{pk}.json").content)[0]

    assert shown["status"] == "open"
    assert shown["status_notes"] == "已受理"
    assert shown["expected_datetime"] == w3(case.due_at)
    assert W3.match(shown["expected_datetime"])
    assert shown["requested_datetime"] == w3(case.received_at)
    assert shown["service_notice"] == created["service_notice"]
    assert shown["service_code"] == "road_damage"
    assert shown["service_name"] == "道路破损"
    assert shown["agency_responsible"] == "城建/村镇建设"
    assert shown["description"] == "路面塌陷一个大坑\n晚上看不清，很危险"
    assert shown["media_url"] == "https://img.example.com/p/1.jpg"
    assert shown["address"] == "六横镇杜庄村大岙路"

    users = township.users
    case_services.transition(pk, "dispatch", actor=users["dispatcher"], payload={"department": "enforcement"})
    case_services.transition(pk, "accept", actor=users["handler_enf"])
    case_services.transition(pk, "start", actor=users["handler_enf"])
    resolved = case_services.transition(
        pk, "resolve", actor=users["handler_enf"], payload={"resolution": "已修补路面"}
    )

    shown = json.loads(client.get(f"{BASE}/requests/{pk}.json").content)[0]
    assert shown["status"] == "closed"
    assert shown["status_notes"] == "已修补路面"
    assert shown["agency_responsible"] == "综合执法"  # the department it was dispatched to
    assert shown["service_notice"] is None
    assert shown["updated_datetime"] == w3(resolved.resolved_at)
    assert shown["expected_datetime"] == w3(resolved.due_at)


# --- Extra questions (ServiceAttribute) ----------------------------------------------------------------


@pytest.fixture
def questions(township: Township) -> None:
    ServiceAttribute.objects.create(
        category=Category.objects.get(code="road_damage"),
        code="hole_size",
        datatype=Datatype.NUMBER,
        required=True,
        description="坑的直径（米）",
        order=1,
    )
    ServiceAttribute.objects.create(
        code="hazards",
        datatype=Datatype.MULTIVALUELIST,
        description="有哪些危险",
        values=[{"key": "night", "name": "夜间看不清"}, {"key": "traffic", "name": "车流量大"}],
        order=2,
    )


def test_required_extra_question_is_enforced(client: Client, key: Key, questions: None):
    before = counts()

    response = post(client, "json", form(key))

    assert response.status_code == 400
    assert json.loads(response.content) == [
        {"code": 400, "description": "请填写 attribute[hole_size]（坑的直径（米））"}
    ]
    assert counts() == before


def test_extra_answers_are_kept_and_added_to_the_description(client: Client, key: Key, questions: None):
    data = form(key, **{"attribute[hole_size]": "1.5"})
    data["attribute[hazards][]"] = ["night", "traffic"]  # type: ignore[assignment]

    response = post(client, "json", data)

    assert response.status_code == 201, response.content
    assert Open311Request.objects.get().attributes == {"hole_size": "1.5", "hazards": ["night", "traffic"]}
    assert Case.objects.get().description == (
        "路面塌陷一个大坑\n晚上看不清，很危险\n\n【附加信息】\n坑的直径（米）：1.5\n有哪些危险：夜间看不清、车流量大"
    )


def test_answers_to_questions_the_service_does_not_ask_are_ignored(
    client: Client, key: Key, township: Township
):
    """A question removed, or made informational, after a client cached the definition: the report
    goes through without that answer (FixMyStreet retries a refused report with the same answers)."""
    ServiceAttribute.objects.create(
        code="notice", datatype=Datatype.STRING, variable=False, description="夜间请注意安全", order=1
    )
    data = form(
        key, **{"attribute[colour]": "red", "attribute[notice]": "好的", "attribute[nature]": "complaint"}
    )

    response = post(client, "xml", data)

    assert response.status_code == 201, response.content
    case = Case.objects.select_related("nature").get()
    assert Open311Request.objects.get(case=case).attributes == {"nature": "complaint"}
    assert case.nature.code == "complaint"
    assert case.description == "路面塌陷一个大坑\n晚上看不清，很危险"


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"attribute[hole_size]": "大"}, "attribute[hole_size] 须为数字"),
        ({"attribute[hole_size]": "nan"}, "attribute[hole_size] 须为有限的数字"),
        (
            {"attribute[hole_size]": "1", "attribute[hazards][]": "fire"},
            "attribute[hazards] 的取值无效：fire（可选：night, traffic）",
        ),
    ],
)
def test_malformed_extra_answers_are_400(client: Client, key: Key, questions: None, attrs, message):
    before = counts()

    response = post(client, "json", form(key, **attrs))

    assert response.status_code == 400
    assert json.loads(response.content) == [{"code": 400, "description": message}]
    assert counts() == before


# --- Bad requests ----------------------------------------------------------------------------------------

BAD = [
    ("missing service_code", {"service_code": ""}, 400, "缺少 service_code"),
    ("unknown service_code", {"service_code": "no_such"}, 404, "service_code 不存在：no_such"),
    (
        "missing location",
        {"lat": None, "long": None, "address_string": None},
        400,
        "请提供位置：lat 与 long，或 address_string",
    ),
    ("lat without long", {"long": None}, 400, "lat 和 long 须同时提供"),
    ("lat not a number", {"lat": "北纬"}, 400, "lat 须为数字（WGS-84 经纬度）"),
    ("lat nan", {"lat": "nan"}, 400, "lat 超出取值范围"),
    ("lat out of range", {"lat": "95"}, 400, "lat 超出取值范围"),
    ("long infinite", {"long": "inf"}, 400, "long 超出取值范围"),
    ("outside the town", {"long": "121.5"}, 400, "坐标不在本辖区范围内"),
    (
        "region does not hold the point",
        {"attribute[region]": VILLAGE_B},
        400,
        "坐标不在 attribute[region] 所选的村（社区）内",
    ),
    ("unknown region", {"attribute[region]": "999999999999"}, 400, None),
    ("invalid email", {"email": "not-an-email"}, 400, "电子邮箱格式不正确：not-an-email"),
    (
        "description too long",
        {"description": "坑" * 4001},
        400,
        "description 不能超过 4000 个字符（当前 4001）",
    ),
    ("media_url not http", {"media_url": "javascript:alert(1)"}, 400, "media_url 须为 http(s) 链接"),
    ("name too long", {"first_name": "三" * 60}, 400, "反映人不能超过 50 个字符（当前 61）"),
    ("device_id too long", {"device_id": "d" * 101}, 400, "device_id 不能超过 100 个字符（当前 101）"),
    ("bad nature", {"attribute[nature]": "praise"}, 400, None),
    (
        "title too long",
        {"attribute[title]": "标" * 201},
        400,
        "attribute[title] 不能超过 200 个字符（当前 201）",
    ),
    ("title with a line break", {"attribute[title]": "一\n二"}, 400, "attribute[title] 不能包含换行"),
]


@pytest.mark.parametrize(("name", "overrides", "status", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_request_is_a_spec_error_and_writes_nothing(
    client: Client, key: Key, name, overrides, status, message
):
    before = counts()

    response = post(client, "json", form(key, **overrides))

    assert response.status_code == status
    body = json.loads(response.content)
    assert len(body) == 1
    assert list(body[0]) == ["code", "description"]
    assert body[0]["code"] == status
    if message is not None:
        assert body[0]["description"] == message
    assert counts() == before


def test_a_phone_written_in_groups_is_kept_as_its_digits(client: Client, key: Key):
    response = post(client, "json", form(key, phone="+86 138-1234-5678"))

    assert response.status_code == 201
    body = json.loads(response.content)[0]
    assert Case.objects.get(pk=body["service_request_id"]).reporter_phone == "13812345678"
    assert "联系电话" not in body["service_notice"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_phone_this_office_cannot_call_back_is_left_out_and_said_not_refused(
    client: Client, key: Key, fmt: str
):
    """The phone is optional and its form open in GeoReport v2: the report is registered without
    it (with the email, which stays), and the notice tells the client so."""
    before = counts()

    response = post(client, fmt, form(key, phone="+852 9123 4567"))

    assert response.status_code == 201
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    detail = Open311Request.objects.select_related("case").get()
    assert (detail.case.reporter_phone, detail.email) == ("", "zhang.san@example.com")
    shown = (
        json.loads(response.content)[0]["service_notice"]
        if fmt == "json"
        else parse_xml(response)[0].findtext("service_notice")
    )
    due = w3(detail.case.due_at)
    assert shown == (
        f"已受理，由城建/村镇建设办理，预计 {due[:10]} {due[11:16]} 前办结。"
        " 联系电话“+852 9123 4567”无法识别（应为手机号或带区号的固话），未登记。"
    )


def test_a_long_unreadable_phone_is_cut_in_the_notice(client: Client, key: Key):
    response = post(client, "json", form(key, phone="9" * 40))

    assert response.status_code == 201
    notice = json.loads(response.content)[0]["service_notice"]
    assert notice.endswith(f" 联系电话“{'9' * 29}…”无法识别（应为手机号或带区号的固话），未登记。")


def test_answers_that_make_the_description_too_long_are_400_naming_them(
    client: Client, key: Key, questions: None, settings
):
    settings.ZHIZHI_MAX_DESCRIPTION = 4019
    before = counts()
    data = form(key, description="坑" * 4000, **{"attribute[hole_size]": "1.5"})

    response = post(client, "json", data)

    assert response.status_code == 400
    # 4,000 + "\n\n【附加信息】\n" (9) + "坑的直径（米）：1.5" (11)
    assert json.loads(response.content) == [
        {
            "code": 400,
            "description": "description 与 attribute[...] 的回答合计不能超过 4019 个字符（当前 4020）",
        }
    ]
    assert counts() == before


def test_two_priorities_are_400(client: Client, key: Key):
    before = counts()
    data = form(key)
    data["attribute[priority]"] = ["normal", "urgent"]  # type: ignore[assignment]

    response = post(client, "json", data)

    assert response.status_code == 400
    assert json.loads(response.content)[0]["description"] == "attribute[priority] 只能填写一个值"
    assert counts() == before


def test_bad_request_in_xml_is_errors_error(client: Client, key: Key):
    before = counts()

    response = post(client, "xml", form(key, lat=None, long=None, address_string=None))

    assert response.status_code == 400
    root = parse_xml(response)
    assert root.tag == "errors"
    assert tags(root) == ["error"]
    assert tags(root[0]) == ["code", "description"]
    assert children(root[0]) == {"code": "400", "description": "请提供位置：lat 与 long，或 address_string"}
    assert counts() == before


def test_category_closed_to_public_reports_is_not_found(client: Client, key: Key):
    Category.objects.filter(code="road_damage").update(accepts_public_reports=False)
    before = counts()

    response = post(client, "json", form(key))

    assert response.status_code == 404
    assert counts() == before


def test_invalid_json_body_is_400(client: Client, key: Key):
    response = client.post(f"{BASE}/requests.json", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert json.loads(response.content) == [{"code": 400, "description": "请求体不是有效的 JSON"}]


def test_point_outside_the_clients_region_is_400_and_writes_nothing(client: Client, township: Township):
    _, raw = services.issue_client(name="台门社区小程序", region_code=VILLAGE_B)
    before = counts()

    response = post(client, "json", form(Key(client=None, raw=raw)))  # type: ignore[arg-type]

    assert response.status_code == 400
    assert json.loads(response.content) == [{"code": 400, "description": "无权在该区域登记工单"}]
    assert counts() == before


# --- API keys --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "缺少 api_key，无法提交请求"),
        ("o311_not-a-key", "api_key 无效或已吊销，无法提交请求"),
    ],
)
def test_missing_or_unknown_key_is_403_and_writes_nothing(client: Client, key: Key, fmt, raw, message):
    before = counts()

    response = post(client, fmt, form(key, api_key=raw))

    assert response.status_code == 403
    if fmt == "json":
        assert json.loads(response.content) == [{"code": 403, "description": message}]
    else:
        root = parse_xml(response)
        assert root.tag == "errors"
        assert children(root[0]) == {"code": "403", "description": message}
    assert counts() == before


def test_revoked_key_is_403_and_writes_nothing(client: Client, key: Key):
    services.revoke_client(key.client.pk)
    before = counts()

    response = post(client, "json", form(key))

    assert response.status_code == 403
    assert json.loads(response.content) == [
        {"code": 403, "description": "api_key 无效或已吊销，无法提交请求"}
    ]
    assert counts() == before


def test_key_is_checked_before_the_request(client: Client, key: Key):
    response = post(client, "json", form(key, api_key="wrong", service_code="no_such"))

    assert response.status_code == 403


def test_key_may_come_in_the_query_string(client: Client, key: Key):
    data = form(key)
    data.pop("api_key")

    response = client.post(f"{BASE}/requests.json?api_key={key.raw}", data)

    assert response.status_code == 201


def test_other_methods_are_405_in_the_error_format(client: Client, key: Key):
    response = client.put(f"{BASE}/requests.json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert json.loads(response.content) == [{"code": 405, "description": "不支持的请求方法：PUT"}]
