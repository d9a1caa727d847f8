"""Discovery, GET services and GET service definitions, in JSON and XML."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.open311.helpers import BASE, VILLAGE_A, VILLAGE_B, children, get_json, get_xml, tags
from tests.township import Township
from zhizhi.accounts.models import Department
from zhizhi.cases.models import Category, RequestNature, SlaPolicy
from zhizhi.open311.models import Datatype, ServiceAttribute, ServiceListChange
from zhizhi.open311.present import w3
from zhizhi.territory import services as territory
from zhizhi.territory.models import Level, Region

pytestmark = pytest.mark.django_db

SERVICE_KEYS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_KEYS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
# taxonomy.yaml: 14 classes, 99 subclasses, of which 9 are never public (0002_seed_taxonomy.NOT_PUBLIC)
N_SUBCLASSES = 90


# --- Discovery -----------------------------------------------------------------------------------------


def _date_everything(moment: datetime) -> None:
    """Every row the changeset follows, as last changed at `moment`."""
    for model in (ServiceAttribute, Category, SlaPolicy, Region):
        model.objects.update(updated_at=moment)  # type: ignore[attr-defined]
    ServiceListChange.objects.update(at=moment)


def test_discovery_json(client: Client):
    _date_everything(datetime(2026, 1, 1, tzinfo=UTC))  # all before the interface's release
    response, body = get_json(client, "/open311/discovery.json")

    assert response.status_code == 200
    assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
    assert body["changeset"] == "2026-11-29T00:00:00+08:00"
    assert body["endpoints"] == [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://testserver/open311/v2",
            "changeset": "2026-11-29T00:00:00+08:00",
            "type": "production",  # tests run with DEBUG off
            "formats": ["text/xml", "application/json"],
        }
    ]
    assert body["key_service"].startswith("API key 由本镇系统管理员签发")


def test_discovery_under_debug_advertises_a_test_endpoint(client: Client, settings):
    settings.DEBUG = True

    _, body = get_json(client, "/open311/discovery.json")

    assert body["endpoints"][0]["type"] == "test"


def test_discovery_xml(client: Client):
    response, root = get_xml(client, "/open311/discovery.xml")

    assert response.status_code == 200
    assert root.tag == "discovery"
    assert tags(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoints = root.find("endpoints")
    assert endpoints is not None
    assert tags(endpoints) == ["endpoint"]
    endpoint = endpoints[0]
    assert tags(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert [f.text for f in endpoint.iter("format")] == ["text/xml", "application/json"]


def _changeset(client: Client) -> str:
    return get_json(client, "/open311/discovery.json")[1]["changeset"]


@pytest.mark.parametrize(
    "change",
    [
        "a question added",
        "a category closed to the public",
        "a policy lengthened",
        "a village renamed",
        "the town renamed",
    ],
)
def test_discovery_changeset_follows_what_the_services_are_made_of(
    client: Client, township: Township, change: str
):
    past = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    _date_everything(past)
    assert _changeset(client) == "2026-12-01T16:00:00+08:00"

    changed: Any
    if change == "a question added":
        changed = ServiceAttribute.objects.create(code="q", description="问题")
    elif change == "a category closed to the public":
        changed = Category.objects.get(code="road_damage")
        changed.accepts_public_reports = False
        changed.save()
    elif change == "a policy lengthened":
        changed = SlaPolicy.objects.filter(is_active=True).first()
        changed.target += 1
        changed.save()
    elif change == "a village renamed":
        changed = township.villages[VILLAGE_B]
        changed.name = "台门村"
        changed.save()
    else:
        changed = township.town
        changed.name = "六横"
        changed.save()

    assert _changeset(client) == w3(changed.updated_at)
    assert changed.updated_at > past


@pytest.mark.parametrize(
    "change",
    [
        "a question deleted",
        "a category deleted",
        "a policy deleted",
        "a village deleted",
        "a department renamed",
        "a nature renamed",
    ],
)
def test_discovery_changeset_follows_what_leaves_no_change_time(
    client: Client, township: Township, change: str
):
    """Deletions leave nothing to date, and departments and natures have no `updated_at`: each is
    dated in `ServiceListChange`, in the same transaction."""
    question = ServiceAttribute.objects.create(code="q", description="问题")
    top = Category.objects.filter(parent__isnull=True).first()
    category = Category.objects.create(code="temporary", name="临时分类", parent=top)
    policy = SlaPolicy.objects.filter(is_active=True).first()
    assert top is not None
    assert policy is not None
    policy.pk, policy.name, policy.category = None, "临时时限", category
    policy.save()
    village = territory.create_region(
        actor=None, parent=township.town, level=Level.VILLAGE, code="330903107299", name="新村"
    )
    past = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    _date_everything(past)
    assert _changeset(client) == "2026-12-01T16:00:00+08:00"
    before = timezone.now()

    if change == "a question deleted":
        question.delete()
    elif change == "a category deleted":
        SlaPolicy.objects.filter(pk=policy.pk).update(category=None)
        _date_everything(past)
        category.delete()
    elif change == "a policy deleted":
        policy.delete()
    elif change == "a village deleted":
        village.delete()
    elif change == "a department renamed":
        department = Department.objects.order_by("id").first()
        assert department is not None
        department.name = "综合执法队"
        department.save()
    else:
        nature = RequestNature.objects.order_by("id").first()
        assert nature is not None
        nature.name = "求助"
        nature.save()

    (row,) = ServiceListChange.objects.all()
    assert row.at >= before
    assert _changeset(client) == w3(row.at)


def test_a_grid_deleted_changes_nothing(client: Client, township: Township):
    grid = territory.create_region(
        actor=None,
        parent=township.villages[VILLAGE_B],
        level=Level.GRID,
        code="33090310720299",
        name="新网格",
    )
    _date_everything(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    grid.delete()
    assert _changeset(client) == "2026-12-01T16:00:00+08:00"


def test_rows_older_than_the_release_show_the_release(client: Client):
    """An installation upgraded to this interface: its rows carry the release date (migration
    cases 0008) or older, and the changeset is the release."""
    _date_everything(datetime(2025, 6, 1, tzinfo=UTC))
    assert _changeset(client) == "2026-11-29T00:00:00+08:00"


# --- Service list --------------------------------------------------------------------------------------


def test_services_json_lists_every_public_subclass(client: Client):
    assert "neighbor_dispute" not in {
        c for c in Category.objects.filter(accepts_public_reports=True).values_list("code", flat=True)
    }
    response, body = get_json(client, f"{BASE}/services.json")

    assert response.status_code == 200
    assert len(body) == N_SUBCLASSES
    assert all(list(s) == SERVICE_KEYS for s in body)
    road = next(s for s in body if s["service_code"] == "road_damage")
    assert road == {
        "service_code": "road_damage",
        "service_name": "道路破损",
        "description": "市政公用·道路破损。责任部门：城建/村镇建设。办理时限：5 个工作日。",
        "metadata": True,
        "type": "realtime",
        "keywords": "市政公用, 道路破损",
        "group": "市政公用",
    }
    vending = next(s for s in body if s["service_code"] == "street_vending")
    assert vending["keywords"] == "市容环卫, 占道经营, 游商"
    assert body[0]["group"] == "平安稳定"  # taxonomy order


def test_services_leave_out_closed_and_inactive_categories(client: Client):
    Category.objects.filter(code="road_damage").update(accepts_public_reports=False)
    Category.objects.filter(code="manhole_cover").update(is_active=False)
    Category.objects.filter(code="city_appearance").update(is_active=False)  # a whole class
    n_city = Category.objects.filter(parent__code="city_appearance").count()

    _, body = get_json(client, f"{BASE}/services.json")

    codes = {s["service_code"] for s in body}
    assert "road_damage" not in codes
    assert "manhole_cover" not in codes
    assert "street_vending" not in codes
    assert len(body) == N_SUBCLASSES - 2 - n_city


def test_services_xml(client: Client):
    response, root = get_xml(client, f"{BASE}/services.xml")

    assert response.status_code == 200
    assert root.tag == "services"
    assert set(tags(root)) == {"service"}
    assert len(root) == N_SUBCLASSES
    assert all(tags(s) == SERVICE_KEYS for s in root)
    road = next(s for s in root if s.findtext("service_code") == "road_damage")
    assert children(road) == {
        "service_code": "road_damage",
        "service_name": "道路破损",
        "description": "市政公用·道路破损。责任部门：城建/村镇建设。办理时限：5 个工作日。",
        "metadata": "true",
        "type": "realtime",
        "keywords": "市政公用, 道路破损",
        "group": "市政公用",
    }


# --- Service definition ----------------------------------------------------------------------------------


def test_service_definition_json(client: Client, township: Township):
    response, body = get_json(client, f"{BASE}/services/road_damage.json")

    assert response.status_code == 200
    assert list(body) == ["service_code", "attributes"]
    assert body["service_code"] == "road_damage"
    attrs = body["attributes"]
    assert [a["code"] for a in attrs] == ["title", "nature", "priority", "region"]
    assert [a["order"] for a in attrs] == [1, 2, 3, 4]
    assert all(list(a) == ATTRIBUTE_KEYS for a in attrs)
    assert all(a["variable"] is True and a["required"] is False for a in attrs)
    title, nature, priority, region = attrs
    assert (title["datatype"], title["values"], title["datatype_description"]) == (
        "string",
        [],
        "不超过 200 个字符",
    )
    assert nature["datatype"] == "singlevaluelist"
    assert nature["datatype_description"] is None
    assert nature["values"] == [
        {"key": "consultation", "name": "咨询"},
        {"key": "help_request", "name": "求助"},
        {"key": "complaint", "name": "投诉"},
        {"key": "report", "name": "举报"},
        {"key": "suggestion", "name": "建议"},
    ]
    assert priority["values"] == [{"key": "normal", "name": "一般"}, {"key": "urgent", "name": "紧急"}]
    assert region["values"] == [
        {"key": VILLAGE_A, "name": "六横镇杜庄村"},
        {"key": VILLAGE_B, "name": "六横镇台门社区"},
    ]


def test_service_definition_includes_the_admins_questions(client: Client, township: Township):
    road = Category.objects.get(code="road_damage")
    ServiceAttribute.objects.create(
        category=road,
        code="hole_size",
        datatype=Datatype.NUMBER,
        required=True,
        description="坑的直径（米）",
        datatype_description="单位：米",
        order=1,
    )
    ServiceAttribute.objects.create(
        code="notice",
        variable=False,
        description="请勿在车道中央拍照",
        order=0,
    )
    ServiceAttribute.objects.create(
        category=Category.objects.get(code="streetlight"), code="pole_no", description="灯杆编号"
    )
    ServiceAttribute.objects.create(code="retired", description="停用的问题", is_active=False)

    _, body = get_json(client, f"{BASE}/services/road_damage.json")

    attrs = body["attributes"]
    assert [a["code"] for a in attrs] == ["title", "nature", "priority", "region", "notice", "hole_size"]
    assert [a["order"] for a in attrs] == [1, 2, 3, 4, 5, 6]
    assert attrs[4] == {
        "variable": False,
        "code": "notice",
        "datatype": "string",
        "required": False,
        "datatype_description": None,
        "order": 5,
        "description": "请勿在车道中央拍照",
        "values": [],
    }
    assert attrs[5]["required"] is True
    assert attrs[5]["datatype"] == "number"


def test_service_definition_xml(client: Client, township: Township):
    response, root = get_xml(client, f"{BASE}/services/road_damage.xml")

    assert response.status_code == 200
    assert root.tag == "service_definition"
    assert tags(root) == ["service_code", "attributes"]
    assert root.findtext("service_code") == "road_damage"
    attributes = root.find("attributes")
    assert attributes is not None
    assert tags(attributes) == ["attribute"] * 4
    nature = attributes[1]
    assert tags(nature) == ATTRIBUTE_KEYS
    assert {k: v for k, v in children(nature).items() if k != "values"} == {
        "variable": "true",
        "code": "nature",
        "datatype": "singlevaluelist",
        "required": "false",
        "datatype_description": None,
        "order": "2",
        "description": "诉求性质：咨询、求助、投诉、举报或建议（影响办理时限）",
    }
    values = nature.find("values")
    assert values is not None
    assert tags(values) == ["value"] * 5
    assert tags(values[0]) == ["key", "name"]
    assert children(values[0]) == {"key": "consultation", "name": "咨询"}


@pytest.mark.parametrize("code", ["no_such", "city_appearance"])  # unknown; a class, not a service
def test_unknown_service_definition_is_404_in_both_formats(client: Client, code: str):
    response, body = get_json(client, f"{BASE}/services/{code}.json")
    assert response.status_code == 404
    assert body == [{"code": 404, "description": f"service_code 不存在：{code}"}]

    response, root = get_xml(client, f"{BASE}/services/{code}.xml")
    assert response.status_code == 404
    assert root.tag == "errors"
    assert tags(root) == ["error"]
    assert children(root[0]) == {"code": "404", "description": f"service_code 不存在：{code}"}


def test_unsupported_format_is_a_404_in_xml(client: Client):
    response = client.get(f"{BASE}/services.yaml")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert b"<errors><error><code>404</code><description>" in response.content


def test_services_refuse_post(client: Client):
    response = client.post(f"{BASE}/services.json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


# --- ServiceAttribute validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"code": "nature"}, "code"),
        ({"datatype": Datatype.SINGLEVALUELIST, "values": []}, "values"),
        ({"datatype": Datatype.SINGLEVALUELIST, "values": [{"key": "a"}]}, "values"),
        ({"datatype": Datatype.SINGLEVALUELIST, "values": [{"key": "a", "name": "A"}] * 2}, "values"),
        ({"variable": False, "required": True}, "required"),
    ],
)
def test_service_attribute_clean_rejects(township: Township, fields: dict, error_field: str):
    from django.core.exceptions import ValidationError

    attr = ServiceAttribute(**{"code": "q", "description": "问题", **fields})

    with pytest.raises(ValidationError) as err:
        attr.clean()
    assert error_field in err.value.message_dict


def test_service_attribute_code_is_one_question_per_service(township: Township):
    from django.core.exceptions import ValidationError

    ServiceAttribute.objects.create(
        category=Category.objects.get(code="road_damage"), code="q", description="a"
    )

    with pytest.raises(ValidationError):
        ServiceAttribute(code="q", description="全局同名").clean()
