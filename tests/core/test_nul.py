"""`core.middleware.RejectNulMiddleware`: a NUL anywhere a request carries text is a 400 before any
view runs (PostgreSQL refuses NUL in text: these were 500s there), and nothing is written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.api.helpers import Api, written
from tests.cases.factories import LAT, LON
from tests.township import Township
from tests.web.conftest import login
from zhizhi.cases.models import Case

pytestmark = pytest.mark.django_db

REFUSED = {"code": "invalid_characters", "message": "请求中含有不允许的字符（NUL）"}


def case_body(title: str) -> str:
    body = {"channel": "grid_patrol", "category": "street_vending", "title": title, "lon": LON, "lat": LAT}
    return json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize(
    "params", [{"q": "\x00"}, {"region": "3309\x00"}, {"status\x00": "received"}, {"type": "\x00"}]
)
def test_a_nul_in_an_api_query_is_a_400(township: Township, params: dict[str, str]) -> None:
    r = Api(township.users["dispatcher"]).get("/cases", params)
    assert (r.status_code, r.json()) == (400, REFUSED)


def test_a_nul_in_a_json_body_or_a_header_writes_nothing(township: Township) -> None:
    api = Api(township.users["dispatcher"])
    before = written()
    r = api.post("/cases", raw=case_body("菜场\u0000门口"))
    assert (r.status_code, r.json()) == (400, REFUSED)
    r = api.post("/cases", raw=case_body("菜场门口"), headers={"Idempotency-Key": "k\x00"})
    assert (r.status_code, r.json()) == (400, REFUSED)
    assert written() == before


def test_the_six_characters_backslash_u0000_are_text_not_a_nul(township: Township) -> None:
    r = Api(township.users["dispatcher"]).post("/cases", raw=case_body("路牌写着\\u0000"))
    assert r.status_code == 201, r.content
    assert Case.objects.get(pk=r.json()["case"]["id"]).title == "路牌写着\\u0000"


def test_a_nul_in_a_page_query_or_form_is_a_400_page(township: Township) -> None:
    client = login("dispatcher")
    for r in (
        client.get("/cases/", {"q": "\x00"}),
        client.get("/hotline/", {"nature": "\x00"}),
        client.post("/hotline/decisions/1/complete/", {"note": "完成\x00"}),
    ):
        assert (r.status_code, r.content.decode()) == (400, REFUSED["message"])


def test_open311_keeps_its_own_answer(township: Township) -> None:
    r = Client().get("/open311/v2/requests.json", {"service_code": "road\x00damage"})
    assert r.status_code == 400
    assert json.loads(r.content)[0]["code"] == 400  # GeoReport v2's error list, not ours
