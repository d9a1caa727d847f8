"""What the Open311 endpoints show: plain dicts in GeoReport v2 field order, for JSON and XML.

Privacy of the public request list (see docs/open311.md): no reporter name, phone, email, device
or account id ever; the address cut to the street (house numbers dropped) or, without one, the
village; the point rounded to 3 decimals (about 100 m); phone numbers, ID numbers and email
addresses inside free text masked.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from zhizhi.cases import types
from zhizhi.cases.models import Case, Category, SlaPolicy, SlaUnit, Status
from zhizhi.core.personal import mask_phone
from zhizhi.open311 import queries
from zhizhi.open311.attributes import Attribute
from zhizhi.open311.models import Open311Request
from zhizhi.open311.queries import OPEN311_STATUS
from zhizhi.open311.services import MAX_DESCRIPTION
from zhizhi.territory.models import Level, Region

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ["text/xml", "application/json"]
CHANGESET = "2026-11-29T00:00:00+08:00"  # the interface's own last change; see changeset()
COORDINATE_DECIMALS = 3

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# also a mobile written in groups (138-1234-5678, 138 1234 5678), as people type them
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_NOT_DIGIT = re.compile(r"\D")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}")
# Where a house number starts: a digit, or a number in Chinese characters with its unit (三组十二号)
_FIRST_NUMBER = re.compile(
    r"[0-9０-９]|[一二三四五六七八九十百千零〇两]+\s*(?:号|组|幢|栋|弄|室|楼|单元|层|户)"
)
_TRAILING = re.compile(r"[\s,，、.。;；:：#＃\-—(（]+$")


def w3(value: datetime | None) -> str | None:
    """ISO 8601 with the local offset, as GeoReport v2 asks ("2024-03-04T09:00:00+08:00")."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat(timespec="seconds")


def scrub(text: str) -> str:
    """Free text with personal identifiers masked (ID numbers, phones, email addresses)."""
    text = _ID_NUMBER.sub(lambda m: m.group(0)[:6] + "********" + m.group(0)[-4:], text)
    text = _MOBILE.sub(lambda m: mask_phone(_NOT_DIGIT.sub("", m.group(0))[-11:]), text)
    text = _LANDLINE.sub(lambda m: m.group(0)[:4] + "****" + m.group(0)[-2:], text)
    return _EMAIL.sub(lambda m: "***@" + m.group(0).split("@", 1)[1], text)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, the last an ellipsis when some were cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def street(address: str) -> str:
    """The address up to its first number: "六横镇杜庄村菜场路 1 号" → "六横镇杜庄村菜场路",
    "六横镇杜庄村三组十二号" → "六横镇杜庄村"."""
    match = _FIRST_NUMBER.search(address)
    cut = address[: match.start()] if match else address
    return _TRAILING.sub("", scrub(cut).strip())


class Presenter:
    """Renders cases for one response; caches the village and town names it looks up."""

    def __init__(self) -> None:
        self._places: dict[str, str] | None = None

    def _place(self, region_path: str) -> str:
        if self._places is None:
            levels = (Level.VILLAGE, Level.TOWN)
            self._places = {
                r.path: r.name for r in Region.objects.filter(level__in=levels).only("path", "name")
            }
        codes = [c for c in region_path.split("/") if c]
        prefixes = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
        for prefix in reversed(prefixes):  # the deepest village (or town) above the case's region
            if prefix in self._places:
                return self._places[prefix]
        return ""

    def address(self, case: Case) -> str | None:
        return street(case.address or "") or self._place(case.region_path) or None

    @staticmethod
    def description(case: Case, detail: Open311Request | None) -> str:
        """What the public reads of the problem: the reporter's own words when they sent them through
        Open311 to be published, as on FixMyStreet; else the case's title. Staff write a hotline or
        patrol case's description for the people handling it ("来电人张三反映：菜场路12号附近…"),
        with names that no pattern can mask."""
        if detail is not None and case.description:
            return case.description
        return case.title

    def request(self, case: Case) -> dict[str, Any]:
        detail: Open311Request | None = getattr(case, "open311", None)
        status = OPEN311_STATUS.get(case.status, "open")
        # The spec: "for requests with status=closed, this will be the date the request was
        # closed" — not moved by what is logged afterwards (a photo attached to a closed case).
        updated = getattr(case, "last_event_at", None) or case.updated_at
        if case.status == Status.CLOSED and case.closed_at is not None:
            updated = case.closed_at
        elif case.status == Status.RESOLVED and case.resolved_at is not None:
            updated = case.resolved_at
        return {
            "service_request_id": case.pk,
            "status": status,
            "status_notes": status_notes(case),
            "service_name": case.category.name,
            "service_code": case.category.code,
            "description": clip(scrub(self.description(case, detail)), MAX_DESCRIPTION),
            "agency_responsible": agency(case),
            "service_notice": notice(case) if status == "open" else None,
            "requested_datetime": w3(case.received_at),
            "updated_datetime": w3(updated),
            "expected_datetime": w3(case.due_at),
            "address": self.address(case),
            "address_id": None,
            "zipcode": None,
            "lat": None if case.lat is None else round(case.lat, COORDINATE_DECIMALS),
            "long": None if case.lon is None else round(case.lon, COORDINATE_DECIMALS),
            "media_url": (detail.media_url or None) if detail is not None else None,
        }


def agency(case: Case) -> str | None:
    department = case.department or case.category.department
    return department.name if department else None


def status_notes(case: Case) -> str | None:
    if case.status == Status.MERGED:
        return f"已与工单 {case.parent_id} 合并办理"
    if case.status in (Status.RESOLVED, Status.CLOSED):
        return scrub(case.resolution) or None
    return types.status_label(case.case_type, case.status)


def notice(case: Case) -> str:
    due = case.due_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    who = agency(case) or "相关部门"
    text = f"已受理，由{who}办理，预计 {due:%Y-%m-%d %H:%M} 前办结"
    return text + ("（节假日安排未公布，期限暂定）。" if case.due_provisional else "。")


def created(detail: Open311Request, notes: tuple[str, ...] = ()) -> dict[str, Any]:
    """The POST response: the case is registered at once, so its id and no token (GeoReport v2: a
    token "should not be returned if service_request_id is returned"); `notes`, what the client
    should know of how its request was taken, follow the notice."""
    return {
        "service_request_id": detail.case_id,
        "service_notice": " ".join([notice(detail.case), *notes]),
        "account_id": None,
    }


def token(detail: Open311Request) -> dict[str, Any]:
    return {"service_request_id": detail.case_id, "token": detail.token}


# --- Services --------------------------------------------------------------------------------------


def _limit_text(policy: SlaPolicy | None) -> str:
    if policy is None:
        return ""
    if policy.unit == SlaUnit.HOURS:
        return f"{policy.target} 小时"
    return f"{policy.target} 个{'工作日' if policy.unit == SlaUnit.WORKING_DAYS else '自然日'}"


def _keywords(category: Category) -> str:
    parts = re.split(r"[/、()（）\"“”]+", category.name)
    words = [category.parent.name if category.parent else "", *parts]
    return ", ".join(dict.fromkeys(w.strip() for w in words if w.strip()))


def services(categories: list[Category]) -> list[dict[str, Any]]:
    policies: dict[int, SlaPolicy] = {}
    for p in SlaPolicy.objects.filter(
        category__in=categories, is_active=True, nature__isnull=True, priority=""
    ).order_by("id"):
        policies.setdefault(p.category_id or 0, p)
    rows = []
    for c in categories:
        group = c.parent.name if c.parent else ""
        parts = [f"{group}·{c.name}"]
        if c.department:
            parts.append(f"责任部门：{c.department.name}")
        limit = _limit_text(policies.get(c.pk))
        if limit:
            parts.append(f"办理时限：{limit}")
        rows.append(
            {
                "service_code": c.code,
                "service_name": c.name,
                "description": "。".join(parts) + "。",
                "metadata": True,  # every service has the built-in attributes
                "type": "realtime",
                "keywords": _keywords(c),
                "group": group,
            }
        )
    return rows


def service_definition(category: Category, attrs: list[Attribute]) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description or None,
                "order": i,
                "description": a.description,
                "values": [{"key": v.key, "name": v.name} for v in a.values],
            }
            for i, a in enumerate(attrs, start=1)
        ],
    }


# --- Discovery -------------------------------------------------------------------------------------


def changeset() -> str:
    """Sortable: the later of the interface's release and the last change to what the service list
    and definitions are made of (`queries.last_service_change`). A client that sees it move
    refreshes its services."""
    stamp = w3(queries.last_service_change())
    return max(CHANGESET, stamp) if stamp else CHANGESET


def discovery(endpoint_url: str) -> dict[str, Any]:
    stamp = changeset()
    contact = getattr(settings, "ZHIZHI_OPEN311_CONTACT", "请联系本镇社会治理中心（综治中心）。")
    return {
        "changeset": stamp,
        "contact": contact,
        "key_service": "API key 由本镇系统管理员签发（zhizhi open311-key create），请联系社会治理中心申请。",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": stamp,
                "type": "test" if settings.DEBUG else "production",
                "formats": list(FORMATS),
            }
        ],
    }
