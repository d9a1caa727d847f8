"""JSON and XML responses in the GeoReport v2 shapes, and its error format.

XML is built with ElementTree from the same dicts and lists the JSON is dumped from (the spec's
"Spark convention"): a list becomes a wrapper element whose items take the singular name in
`ITEM_TAGS`; None becomes an empty element; booleans are "true"/"false". Text is stripped of
the characters XML 1.0 cannot carry, and ElementTree escapes the rest, so no user text can break
the document.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405  (we build XML, we never parse untrusted XML here)
from typing import Any

from django.http import HttpResponse

from zhizhi.core.errors import DomainError

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def element(tag: str, value: Any) -> ET.Element:
    node = ET.Element(tag)
    if isinstance(value, list):
        item_tag = ITEM_TAGS[tag]
        for item in value:
            node.append(element(item_tag, item))
    elif isinstance(value, dict):
        for key, child in value.items():
            node.append(element(key, child))
    else:
        node.text = _text(value)
    return node


def to_xml(root: str, value: Any) -> bytes:
    return _DECLARATION + ET.tostring(element(root, value), encoding="utf-8", xml_declaration=False)


def respond(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    """`value` as JSON, or as XML under the root element `root`."""
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False).encode()
        return HttpResponse(body, status=status, content_type=JSON_TYPE)
    return HttpResponse(to_xml(root, value), status=status, content_type=XML_TYPE)


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """GeoReport v2 errors: `[{"code": <status>, "description": ...}]`, `<errors><error>...`."""
    body = [{"code": status, "description": d} for d in descriptions]
    return respond(fmt if fmt in FORMATS else "xml", "errors", body, status=status)


def http_status(exc: DomainError) -> int:
    """GeoReport v2 uses 403 only for a bad api_key, 404 for what does not exist, else 400."""
    from zhizhi.open311.services import InvalidApiKey

    if isinstance(exc, InvalidApiKey):
        return 403
    if exc.status == 404:
        return 404
    return 400


def domain_error(fmt: str, exc: DomainError) -> HttpResponse:
    return errors(fmt, http_status(exc), exc.message)
