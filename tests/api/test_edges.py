"""Inputs at the edges of what Python and the database can hold — the calendar's first and last
days, page numbers past a 64-bit offset, digits `int()` refuses — are a 4xx with a code, never a 500,
through the API, the public Open311 feed, the pages and the CLI."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tests.api.helpers import Api
from tests.township import Township
from tests.web.conftest import login

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "超出可查询的日期范围（1900-01-01 至 9998-12-31）"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/cases", {"received_to": "9999-12-31"}, "received_to"),
        ("/cases", {"received_from": "0001-01-01"}, "received_from"),
        ("/petitions", {"received_to": "9999-12-31"}, "received_to"),
        ("/mediation", {"received_to": "9999-12-31"}, "received_to"),
        ("/petitions/figures", {"to": "9999-12-31"}, "end"),
        ("/mediation/figures", {"from": "0001-01-01"}, "start"),
    ],
)
def test_a_day_at_the_calendars_end_is_a_422_in_the_api(
    township: Township, path: str, params: dict[str, str], field: str
) -> None:
    r = Api(township.users["dispatcher"]).get(path, params)
    assert (r.status_code, r.json()["code"]) == (422, "date_out_of_range")
    assert r.json()["message"].startswith(f"{field} {OUT_OF_RANGE}：")


@pytest.mark.parametrize("params", [{"start_date": "9999-12-31"}, {"end_date": "0001-01-01"},
                                    {"start_date": "9999-12-30T00:00:00+08:00"}])  # fmt: skip
def test_a_day_at_the_calendars_end_is_a_400_in_open311(township: Township, params: dict[str, str]) -> None:
    r = Client().get("/open311/v2/requests.json", params)
    assert r.status_code == 400
    [error] = json.loads(r.content)
    assert error["code"] == 400
    assert OUT_OF_RANGE in error["description"]


@pytest.mark.parametrize(
    "path",
    [
        "/map/cases.json?received_to=9999-12-31",
        "/metrics/?from=9999-12-31&to=9999-12-31",
        "/petitions/?to=9999-12-31",
        "/petitions/figures/?from=9999-12-31",
        "/mediation/figures/?from=9999-12-31",
        "/safety/?from=9999-12-31",
        "/safety/inspections/?to=9999-12-31",
        "/hotline/figures/?to=9999-12-31",
    ],
)
def test_a_day_at_the_calendars_end_is_a_422_page(township: Township, path: str) -> None:
    r = login("dispatcher").get(path)
    assert r.status_code == 422
    assert OUT_OF_RANGE in r.content.decode()


def test_the_case_list_page_says_so_on_its_filter_form(township: Township) -> None:
    r = login("dispatcher").get("/cases/", {"received_to": "9999-12-31"})
    assert r.status_code == 400  # the list's own answer to a filter it cannot apply
    assert OUT_OF_RANGE in r.content.decode()


@pytest.mark.parametrize(
    "args",
    [
        ["safety", "figures", "--year", "99999"],
        ["mediation", "figures", "--end", "9999-12-31"],
        ["petitions", "figures", "--start", "0001-01-01", "--end", "0001-01-01"],
        ["hotline", "figures", "--as-of", "0001-01-01T00:00:00+08:00"],
    ],
)
def test_a_day_at_the_calendars_end_is_one_line_from_the_cli(township: Township, args: list[str]) -> None:
    with pytest.raises(CommandError) as exc:
        call_command(*args, stdout=StringIO(), stderr=StringIO())
    assert exc.value.returncode == 2
    assert str(exc.value).startswith(("年份不正确", "start", "end", "as_of"))


@pytest.mark.parametrize(
    "path", ["/cases", "/hotline/calls", "/mediation", "/petitions", "/petitions/key-persons"]
)
def test_a_page_past_any_list_is_a_422(township: Township, path: str) -> None:
    api = Api(township.users["dispatcher"])
    for page in ("1000001", "9223372036854775808"):
        r = api.get(path, {"page": page})
        assert (r.status_code, r.json()["code"]) == (422, "invalid_page"), (path, page)
    assert api.get(path, {"page": "1000000"}).status_code == 200  # the last page allowed: empty


def test_a_page_past_any_list_is_a_400_in_open311(township: Township) -> None:
    r = Client().get("/open311/v2/requests.json", {"page": "9223372036854775808"})
    assert (r.status_code, json.loads(r.content)) == (
        400,
        [{"code": 400, "description": "page 须为 1 到 1000000 之间的整数"}],
    )


def test_digits_int_refuses_are_searched_as_text(township: Township) -> None:
    r = Api(township.users["dispatcher"]).get("/cases", {"q": "²"})
    assert (r.status_code, r.json()["count"]) == (200, 0)
    assert login("dispatcher").get("/cases/", {"q": "²"}).status_code == 200


@pytest.mark.parametrize("year", ["0", "10000", "-1", "99999999999999999999"])
def test_a_meeting_year_out_of_range(township: Township, year: str) -> None:
    r = Api(township.users["dispatcher"]).get("/hotline/meetings", {"year": year})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_year")
    assert login("dispatcher").get("/hotline/meetings/", {"year": year}).status_code == 200  # ignored


@pytest.mark.parametrize(
    ("path", "code"), [("/mediation/", "dispute_not_found"), ("/petitions/", "petition_not_found")]
)
def test_an_id_past_64_bits_is_a_404_on_every_database(township: Township, path: str, code: str) -> None:
    api = Api(township.users["dispatcher"])
    for huge in ("9223372036854775808", "99999999999999999999"):
        r = api.get(path + huge)
        assert (r.status_code, r.json()["code"]) == (404, code)


def test_a_campaign_id_past_64_bits_is_refused_on_the_inspections_page(township: Township) -> None:
    r = login("dispatcher").get("/safety/inspections/", {"campaign": "99999999999999999999"})
    assert r.status_code == 422
    assert "参数 campaign 须为数字" in r.content.decode()


def test_an_amount_past_64_bits_is_refused_and_repeated_as_digits(township: Township) -> None:
    params = {"start": "2024-03-04T09:00:00+08:00", "amount": "99999999999999999999", "unit": "days"}
    r = Api(township.users["dispatcher"]).get("/calendar/add", params)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_amount")
    assert r.json()["details"] == {"amount": "99999999999999999999", "maximum": 36_600}
