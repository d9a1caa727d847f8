"""Personal data: validation of phones and masking for lists and exports.

Masked values are what every list, export and log shows; the full value is only returned by a
detail read that is allowed to reveal it, and that read writes a PersonalDataAccess row.
"""

from __future__ import annotations

import re

from zhizhi.core.errors import ValidationFailed

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_GROUPS = re.compile(r"[-.]")  # what separates the groups of a mobile number written out
_SERVICE = re.compile(r"^(95\d{3,6}|96\d{3,6}|1[02]\d{3})$")  # 95xxx / 96xxx / 12345-style service numbers


def normalize_phone(raw: str) -> str:
    """A mainland mobile (also written in groups, 138-1234-5678 or 138.1234.5678), a landline with
    area code, or a service number; raises invalid_phone."""
    value = re.sub(r"[\s()]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    value = value.strip("-")
    if _MOBILE.match(value) or _SERVICE.match(value):
        return value
    if _LANDLINE.match(value):
        return value
    grouped = _GROUPS.sub("", value)
    if _MOBILE.match(grouped):
        return grouped
    raise ValidationFailed("invalid_phone", "联系电话格式不正确：应为 11 位手机号或带区号的固话")


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + "****" + phone[-4:]
    if len(phone) > 4:
        return "*" * (len(phone) - 4) + phone[-4:]
    return "*" * len(phone)


def mask_name(name: str) -> str:
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_address(address: str) -> str:
    if not address:
        return ""
    keep = min(len(address) // 2, 8)
    return address[:keep] + "****"
