"""公民身份号码 (resident identity number, GB 11643-1999): normalise, validate naming what is wrong,
and mask for lists.

Structure (18 characters):

    1–6    地址码   (address code: the county-level division, GB/T 2260, where first registered)
    7–14   出生日期码 (YYYYMMDD)
    15–17  顺序码   (sequence; odd for men, even for women)
    18     校验码   (check character: ISO 7064 MOD 11-2, 0–9 or X)

The check character and the address code (valid in the year of birth) come from python-stdnum
(`stdnum.cn.ric`); the structure is checked here first so that the error can say which positions
are wrong. For any input the outcome agrees with `stdnum.cn.ric.validate` except that a birth date
after today is refused too (tests assert both).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from django.utils import timezone
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric as stdnum_ric

from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed

RIC_LENGTH = 18
FIRST_GENERATION_LENGTH = 15


def normalize_ric(raw: str) -> str:
    """Full-width to ASCII, spaces and separators removed, a lower-case x made upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if ch not in " -\t\r\n\u3000").upper()


def _fail(message: str, field: str, position: int | None = None, **details: Any) -> ValidationFailed:
    extra: dict[str, Any] = {"field": field, **details}
    if position is not None:
        extra["position"] = position
    return ValidationFailed("invalid_id_number", message, **extra)


def validate_ric(raw: str, *, field: str = "id_number", today: date | None = None) -> str:
    """The normalised number, or ValidationFailed("invalid_id_number") saying what is wrong and where."""
    number = normalize_ric(raw)
    if not number:
        raise _fail("身份证号码不能为空", field)
    if len(number) == FIRST_GENERATION_LENGTH and number.isascii() and number.isdigit():
        raise _fail("身份证号码应为 18 位：15 位的第一代身份证号码已停止使用，请填写 18 位号码", field)
    if len(number) != RIC_LENGTH:
        raise _fail(f"身份证号码应为 18 位（当前 {len(number)} 位）", field)
    for i, ch in enumerate(number[:-1], start=1):
        if not (ch.isascii() and ch.isdigit()):
            raise _fail(f"身份证号码第 {i} 位字符 '{ch}' 不允许：前 17 位只能是数字", field, i)
    check = number[-1]
    if not (check == "X" or (check.isascii() and check.isdigit())):
        raise _fail(f"身份证号码第 18 位字符 '{check}' 不允许：校验码只能是数字或 X", field, RIC_LENGTH)
    born = number[6:14]
    try:
        birth = date(int(born[:4]), int(born[4:6]), int(born[6:]))
    except ValueError:
        raise _fail(f"身份证号码第 7–14 位出生日期 {born} 不是有效日期", field, 7) from None
    if birth > (today or calendar.local_date(timezone.now())):
        raise _fail(f"身份证号码第 7–14 位出生日期 {birth.isoformat()} 晚于今天", field, 7)
    expected = stdnum_ric.calc_check_digit(number)
    if check != expected:
        raise _fail(
            f"身份证号码第 18 位校验码错误：按前 17 位计算应为 '{expected}'，实际为 '{check}'（请逐位核对）",
            field,
            RIC_LENGTH,
        )
    try:
        stdnum_ric.get_birth_place(number)
    except stdnum_errors.ValidationError:
        raise _fail(
            f"身份证号码第 1–6 位地址码 {number[:6]} 不是 {birth.year} 年有效的县级行政区划代码",
            field,
            1,
        ) from None
    return number


def is_valid_ric(raw: str) -> bool:
    try:
        validate_ric(raw)
    except ValidationFailed:
        return False
    return True


def make_ric(prefix17: str) -> str:
    """The full number for 17 leading digits (demo data and tests)."""
    return prefix17 + stdnum_ric.calc_check_digit(prefix17 + "0")


def mask_ric(number: str) -> str:
    """Lists and exports: the first 3 and the last 4 characters ("110***********002X")."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
