"""Writes of the Open311 interface: issuing and revoking client keys, and submitting a request.

`submit_request` checks the API key first (403), then everything the client sent (400, or 404 for
an unknown service_code, as GeoReport v2 says), and only then creates the case through
`cases.services.create_case` and its `Open311Request` row, in one transaction: a rejected request
writes nothing.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import Role, User
from zhizhi.cases import services as case_services
from zhizhi.cases.models import Channel, Priority
from zhizhi.core.errors import DomainError, NotFound, ValidationFailed
from zhizhi.core.personal import normalize_phone
from zhizhi.open311 import attributes, queries
from zhizhi.open311.models import Open311Client, Open311Request, hash_key
from zhizhi.territory import locate
from zhizhi.territory.models import Level, Region

# The service account's role: the least-privileged role that may register cases in a region
# and whose work matches online intake (the 12345 desk takes online submissions). See
# docs/open311.md for why not a grid worker.
SERVICE_ROLE = Role.HOTLINE_OPERATOR
MAX_DESCRIPTION = 4000  # GeoReport v2: "free form text limited to 4,000 characters"
MAX_ID = 100
MAX_MEDIA_URL = 1000
TITLE_FROM_DESCRIPTION = 40
# C0 control characters other than tab, line feed and carriage return: invalid in XML 1.0 and
# (NUL) refused by PostgreSQL text columns.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK = re.compile(r"[\u3400-\u9fff]")


class InvalidApiKey(DomainError):
    """Missing, unknown or revoked api_key: HTTP 403 in GeoReport v2."""

    status = 403


# --- Keys ------------------------------------------------------------------------------------------


def default_region() -> Region:
    towns = list(Region.objects.active().at_level(Level.TOWN)[:2])
    if len(towns) != 1:
        raise ValidationFailed(
            "region_required", "本系统不止一个（或没有）乡镇，请指定客户端可上报的区域代码（--region）"
        )
    return towns[0]


def issue_client(*, name: str, region_code: str | None = None) -> tuple[Open311Client, str]:
    """A new client with its own service account scoped to `region_code` (default: the town).
    Returns the client and the raw key, which is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("missing_field", "请填写客户端名称", field="name")
    if len(name) > 100:
        raise ValidationFailed("too_long", "客户端名称不能超过 100 个字符", field="name")
    if region_code:
        region = Region.objects.active().filter(code=region_code).first()
        if region is None:
            raise ValidationFailed("unknown_region", f"区域代码不存在：{region_code}", field="region")
    else:
        region = default_region()
    raw = Open311Client.new_key()
    with transaction.atomic():
        user = User(
            username=f"open311-{secrets.token_hex(6)}",
            role=SERVICE_ROLE,
            display_name=f"Open311：{name}"[:50],
            is_active=True,
            is_staff=False,
        )
        user.set_unusable_password()
        user.save()
        user.regions.set([region])
        client = Open311Client.objects.create(name=name, key_hash=hash_key(raw), hint=raw[-4:], user=user)
    return client, raw


def revoke_client(client_id: int, *, now: datetime | None = None) -> Open311Client:
    """Revoke the key and deactivate its service account (which can then do nothing at all)."""
    now = now or timezone.now()
    with transaction.atomic():
        client = Open311Client.objects.select_for_update().select_related("user").filter(pk=client_id).first()
        if client is None or client.revoked_at is not None:
            raise NotFound(f"没有未吊销的客户端 {client_id}", code="client_not_found")
        client.revoked_at = now
        client.save(update_fields=["revoked_at"])
        client.user.is_active = False
        client.user.save(update_fields=["is_active"])
    return client


def authenticate(raw: str | None) -> Open311Client:
    if not raw:
        raise InvalidApiKey("missing_api_key", "缺少 api_key，无法提交请求")
    client = (
        Open311Client.objects.active()
        .select_related("user")
        .filter(key_hash=hash_key(raw), user__is_active=True)
        .first()
    )
    if client is None:
        raise InvalidApiKey("invalid_api_key", "api_key 无效或已吊销，无法提交请求")
    return client


# --- Requests --------------------------------------------------------------------------------------


@dataclass
class RequestParams:
    """A POST body, parsed: flat string fields and `attribute[code]` values."""

    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return clean_text(self.fields.get(name, "")).strip()


def clean_text(value: str) -> str:
    return _CONTROL.sub("", value or "")


def _limit(value: str, name: str, limit: int) -> str:
    if len(value) > limit:
        raise ValidationFailed("too_long", f"{name} 不能超过 {limit} 个字符（当前 {len(value)}）", field=name)
    return value


def _coordinate(value: str, name: str, bound: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValidationFailed(
            "invalid_coordinates", f"{name} 须为数字（WGS-84 经纬度）", field=name
        ) from None
    if not math.isfinite(number) or not -bound <= number <= bound:
        raise ValidationFailed("invalid_coordinates", f"{name} 超出取值范围", field=name)
    return number


def _reporter_name(first: str, last: str) -> str:
    # Chinese names are written family name first and without a space.
    if _CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def _title(explicit: str, description: str, service_name: str) -> str:
    if explicit:
        return explicit
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if not first_line:
        return f"{service_name}（网上反映）"
    if len(first_line) > TITLE_FROM_DESCRIPTION:
        return first_line[:TITLE_FROM_DESCRIPTION] + "…"
    return first_line


def _url(value: str) -> str:
    _limit(value, "media_url", MAX_MEDIA_URL)
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationFailed(
            "invalid_media_url", "media_url 须为 http(s) 链接", field="media_url"
        ) from None
    return value


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationFailed("invalid_email", f"电子邮箱格式不正确：{value}", field="email") from None
    return _limit(value, "email", 254)


@dataclass(frozen=True)
class Location:
    lon: float | None
    lat: float | None
    region: str | None


def _client_area(client: Open311Client) -> Region:
    """Where the client reports: its service account's region (the town, unless the key was issued
    for one village)."""
    areas = list(Region.objects.active().filter(path__in=scope.region_paths(client.user))[:2])
    if len(areas) != 1:
        raise ValidationFailed(
            "address_needs_region",
            "仅凭地址无法定位：请同时提供 lat/long，或用 attribute[region] 选择所在村（社区）",
        )
    return areas[0]


def village_named_in(address: str, area: Region) -> Region | None:
    """The one active village or community of `area` whose name the address contains
    ("六横镇杜庄村大岙路 12 号" → 杜庄村); None when no name, or the names of two places, occur in it.
    A name found only inside a longer one that also occurs (东岙村 in 小东岙村) counts as the
    longer; found on its own as well ("小东岙村到东岙村"), as both."""
    villages = Region.objects.active().at_level(Level.VILLAGE).under(area.path)
    named = [v for v in villages.only("id", "code", "name", "path") if v.name and v.name in address]
    found = []
    for v in named:
        rest = address
        for longer in {o.name for o in named if v.name != o.name and v.name in o.name}:
            rest = rest.replace(longer, "\0")
        if v.name in rest:
            found.append(v)
    return found[0] if len(found) == 1 else None


def _location(
    params: RequestParams, answers: dict[str, attributes.Answer], client: Open311Client
) -> Location:
    """Where the case goes. A point is located to its micro-grid (a region answer only cross-checks
    it). Without one, the spec allows an address alone: the case goes to the village the client
    chose (`attribute[region]`), else to the one village the `address_string` names, else to the
    client's whole area, where its dispatchers see it and dispatch it by the address. An
    `address_id` alone needs `attribute[region]`."""
    lat_raw, lon_raw = params.get("lat"), params.get("long")
    region = answers.get("region")
    region_code = region if isinstance(region, str) else None
    if lat_raw or lon_raw:
        if not (lat_raw and lon_raw):
            raise ValidationFailed("invalid_coordinates", "lat 和 long 须同时提供")
        lat = _coordinate(lat_raw, "lat", 90)
        lon = _coordinate(lon_raw, "long", 180)
        if region_code:
            chosen = Region.objects.active().get(code=region_code)
            if not locate.contains(chosen, lon, lat):
                raise ValidationFailed(
                    "coordinates_outside_region", "坐标不在 attribute[region] 所选的村（社区）内"
                )
        return Location(lon=lon, lat=lat, region=None)
    address = params.get("address_string")
    if region_code and (address or params.get("address_id")):
        return Location(lon=None, lat=None, region=region_code)
    if not address:
        if params.get("address_id"):
            # No master address repository to look an id up in, and no text a dispatcher could read.
            raise ValidationFailed(
                "address_id_unsupported",
                "暂不支持仅凭 address_id 定位：请提供 lat/long、address_string，或用 attribute[region] 选择所在村（社区）",
            )
        raise ValidationFailed("missing_location", "请提供位置：lat 与 long，或 address_string")
    area = _client_area(client)
    return Location(lon=None, lat=None, region=(village_named_in(address, area) or area).code)


@dataclass(frozen=True)
class Submitted:
    """A registered request, and what the client should know of how it was taken (each note a
    sentence for its `service_notice`)."""

    detail: Open311Request
    notes: tuple[str, ...] = ()


def _phone(raw: str) -> tuple[str, tuple[str, ...]]:
    """The reporter's phone as a case keeps it, or none and a note saying so. GeoReport v2 leaves
    the phone's form open and calls it optional: a number this office cannot call back (a foreign
    one, a typo) is no reason to refuse the report, which FixMyStreet would only send again."""
    if not raw:
        return "", ()
    try:
        return normalize_phone(raw), ()
    except ValidationFailed:
        shown = raw if len(raw) <= 30 else raw[:29] + "…"
        return "", (f"联系电话“{shown}”无法识别（应为手机号或带区号的固话），未登记。",)


def submit_request(*, client: Open311Client, params: RequestParams, now: datetime | None = None) -> Submitted:
    """Register the request as a case (channel online) created by the client's service account."""
    now = now or timezone.now()
    code = params.get("service_code")
    if not code:
        raise ValidationFailed("missing_service_code", "缺少 service_code", field="service_code")
    category = queries.public_service(code)
    if category is None:
        raise NotFound(f"service_code 不存在：{code}", code="unknown_service_code")

    definition = attributes.definition(category)
    submitted = {k: [clean_text(v) for v in vs] for k, vs in params.attributes.items()}
    answers = attributes.clean(definition, submitted)
    location = _location(params, answers, client)

    description = _limit(params.get("description"), "description", MAX_DESCRIPTION)
    extra = attributes.describe(definition, answers)
    full_description = f"{description}\n\n【附加信息】\n{extra}" if extra else description
    if len(full_description) > settings.ZHIZHI_MAX_DESCRIPTION:
        # (the description alone is within the spec's 4,000; the answers appended made it too long)
        raise ValidationFailed(
            "too_long",
            f"description 与 attribute[...] 的回答合计不能超过 {settings.ZHIZHI_MAX_DESCRIPTION} 个字符"
            f"（当前 {len(full_description)}）",
            field="attribute",
        )
    phone, notes = _phone(params.get("phone"))
    email = _email(params.get("email")) if params.get("email") else ""
    media_url = _url(params.get("media_url")) if params.get("media_url") else ""
    device_id = _limit(params.get("device_id"), "device_id", MAX_ID)
    account_id = _limit(params.get("account_id"), "account_id", MAX_ID)
    address_id = _limit(params.get("address_id"), "address_id", MAX_ID)
    title = answers.get("title")
    nature = answers.get("nature")
    priority = answers.get("priority")

    data = case_services.CaseInput(
        channel=Channel.ONLINE,
        category=category.code,
        title=_title(title if isinstance(title, str) else "", description, category.name),
        nature=nature if isinstance(nature, str) else None,
        description=full_description,
        address=params.get("address_string"),
        lon=location.lon,
        lat=location.lat,
        region=location.region,
        reporter_name=_reporter_name(params.get("first_name"), params.get("last_name")),
        reporter_phone=phone,
        priority=priority if isinstance(priority, str) else Priority.NORMAL,
    )
    with transaction.atomic():
        result = case_services.create_case(actor=client.user, data=data, now=now)
        detail = Open311Request.objects.create(
            case=result.case,
            client=client,
            token=Open311Request.new_token(),
            email=email,
            media_url=media_url,
            device_id=device_id,
            account_id=account_id,
            address_id=address_id,
            attributes=answers,
            created_at=now,
        )
        client.last_used_at = now
        client.save(update_fields=["last_used_at"])
    return Submitted(detail, notes)
