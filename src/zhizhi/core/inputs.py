"""Cleaning one input value for a service, the same way everywhere: a 422 `ValidationFailed` that
names the field, or the clean value. Services validate every value before they write anything."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed

TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})

# The highest page number a list accepts: past any list's end, and far below where the database's
# offset (page × page size) would overflow 64 bits (a 500).
MAX_PAGE = 1_000_000


def is_row_id(number: int) -> bool:
    """Whether `number` can be a row's id: a positive 64-bit number. A larger one overflows SQLite
    where Django's own guard does not run (a foreign key's lookup, a raw parameter)."""
    return 0 < number < 2**63


def text(value: Any, *, name: str, label: str, limit: int, required: bool = False) -> str:
    """Stripped text of at most `limit` characters; `missing_field` when required and blank."""
    clean = str(value or "").strip()
    if required and not clean:
        raise ValidationFailed("missing_field", f"请填写{label}", field=name)
    if len(clean) > limit:
        raise ValidationFailed("too_long", f"{label}不能超过 {limit} 个字符（当前 {len(clean)}）", field=name)
    return clean


def day(value: Any, name: str) -> date:
    """A date, a moment (its local date) or YYYY-MM-DD text."""
    if isinstance(value, datetime):
        return calendar.local_date(value)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed("invalid_field", f"{name} 须为日期 YYYY-MM-DD", field=name) from None


def flag(value: Any, name: str) -> bool:
    """A boolean, or its text as a form or a query string sends it (true/false, 1/0, yes/no, on/off)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in TRUE:
        return True
    if isinstance(value, str) and value.lower() in FALSE:
        return False
    raise ValidationFailed("invalid_field", f"{name} 须为 true 或 false", field=name)
