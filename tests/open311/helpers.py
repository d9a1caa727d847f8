"""HTTP helpers for the Open311 tests: each call returns the response and its parsed body."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405  (parsing our own responses in tests)
from dataclasses import dataclass
from typing import Any

from django.test import Client

from zhizhi.cases.models import Case, CaseEvent
from zhizhi.open311.models import Open311Client, Open311Request

BASE = "/open311/v2"
# Inside micro-grid 杜庄1-1 (3309031072010101) of the test township.
LON, LAT = 122.0253, 29.7251
MICRO_A11 = "3309031072010101"
VILLAGE_A = "330903107201"
VILLAGE_B = "330903107202"
W3 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@dataclass
class Key:
    client: Open311Client
    raw: str


def get_json(client: Client, path: str, **params: Any) -> tuple[Any, Any]:
    response = client.get(path, params)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response, json.loads(response.content)


def get_xml(client: Client, path: str, **params: Any) -> tuple[Any, ET.Element]:
    response = client.get(path, params)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return response, ET.fromstring(response.content)  # noqa: S314


def parse_xml(response: Any) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(response.content)  # noqa: S314


def post(client: Client, fmt: str, data: dict[str, Any], *, as_json: bool = False) -> Any:
    if as_json:
        return client.post(f"{BASE}/requests.{fmt}", json.dumps(data), content_type="application/json")
    return client.post(f"{BASE}/requests.{fmt}", data)


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), Open311Request.objects.count()


def children(node: ET.Element) -> dict[str, str | None]:
    return {c.tag: c.text for c in node}


def tags(node: ET.Element) -> list[str]:
    return [c.tag for c in node]
