"""The API's JSON writer (orjson) says what django-ninja's encoder said, in the same formats."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy
from ninja.responses import NinjaJSONEncoder

from zhizhi.api.render import dumps

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_same_values_as_ninja_s_encoder_in_the_same_formats() -> None:
    data = {
        "at": datetime(2024, 3, 6, 23, 30, 5, 123456, tzinfo=SHANGHAI),
        "utc": datetime(2024, 3, 6, 15, 30, tzinfo=UTC),
        "day": date(2024, 3, 6),
        "clock": time(8, 30, 15, 250000),
        "took": timedelta(days=2, hours=3),
        "share": Decimal("0.970"),
        "label": gettext_lazy("工单"),
        "title": "东门漏水",
        "by_year": {2023: 23280},
        "nested": [{"none": None, "yes": True, "n": 3, "x": 0.5}],
    }
    written = dumps(data)
    assert json.loads(written) == json.loads(json.dumps(data, cls=NinjaJSONEncoder))
    parsed = json.loads(written)
    assert (parsed["at"], parsed["utc"], parsed["day"], parsed["clock"]) == (
        "2024-03-06T23:30:05.123+08:00",  # to the millisecond, as Django writes times
        "2024-03-06T15:30:00Z",
        "2024-03-06",
        "08:30:15.250",
    )
    assert (parsed["took"], parsed["share"], parsed["label"], parsed["by_year"]) == (
        "P2DT03H00M00S",
        "0.970",
        "工单",
        {"2023": 23280},
    )
    assert "东门漏水".encode() in written  # UTF-8, not \\u escapes


def test_api_answers_are_written_by_it(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/cases")  # refused without a token: the error body goes the same way
    assert (r.status_code, r["Content-Type"], r.json()["code"]) == (
        401,
        "application/json; charset=utf-8",
        "unauthenticated",
    )
    assert r.content == dumps(r.json())
