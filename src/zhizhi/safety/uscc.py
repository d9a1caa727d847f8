"""统一社会信用代码 (USCC, GB 32100-2015): normalise and validate, naming the bad position.

Structure (18 characters):

    1     登记管理部门码   (registering authority: 9 = market regulation, 5 = civil affairs, N = agriculture, …)
    2     机构类别码       (entity type within the authority: 91 enterprise, 92 individual business, …)
    3–8   登记管理机关行政区划码 (six digits, GB/T 2260)
    9–17  主体标识码       (organisation code)
    18    校验码           (check character, GB 32100 §5: weighted sum mod 31)

The check character is computed by python-stdnum (`stdnum.cn.uscc.calc_check_digit`). stdnum's own
`validate` also insists that positions 1–2 are digits; GB 32100 lets them be letters of the code
alphabet (e.g. "N2…" for village collective economic organisations), so the structure is checked
here and only the check character is delegated. For codes starting with two digits the outcome is
exactly stdnum's (tests assert that).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from zhizhi.core.errors import ValidationFailed

# GB 32100 code alphabet: digits and capital letters except I, O, Z, S, V.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18


def normalize(raw: str) -> str:
    """Full-width to ASCII, separators and spaces removed, upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if ch not in " -\t\r\n\u3000").upper()


def _fail(message: str, position: int | None = None) -> ValidationFailed:
    details: dict[str, Any] = {"field": "uscc"}
    if position is not None:
        details["position"] = position
    return ValidationFailed("invalid_uscc", message, **details)


def validate(raw: str) -> str:
    """The normalised code, or ValidationFailed("invalid_uscc") naming what is wrong and where."""
    code = normalize(raw)
    if not code:
        raise _fail("统一社会信用代码不能为空")
    if len(code) != LENGTH:
        raise _fail(f"统一社会信用代码应为 {LENGTH} 位（当前 {len(code)} 位）")
    for i, ch in enumerate(code[:-1], start=1):
        if 3 <= i <= 8:
            if not ch.isascii() or not ch.isdigit():
                raise _fail(f"第 {i} 位字符 '{ch}' 不允许：第 3–8 位是行政区划码，只能是数字", i)
        elif ch not in ALPHABET:
            why = "不使用字母 I、O、Z、S、V" if ch in "IOZSV" else "只能是数字或大写字母"
            raise _fail(f"第 {i} 位字符 '{ch}' 不允许：{why}", i)
    check = code[-1]
    if check not in ALPHABET:
        raise _fail(
            f"第 18 位字符 '{check}' 不允许：校验码只能是数字或大写字母（不含 I、O、Z、S、V）", LENGTH
        )
    expected = stdnum_uscc.calc_check_digit(code[:-1])
    if check != expected:
        raise _fail(
            f"第 18 位校验码错误：按前 17 位计算应为 '{expected}'，实际为 '{check}'（请逐位核对）", LENGTH
        )
    return code


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except ValidationFailed:
        return False
    return True


def make(prefix17: str) -> str:
    """The full code for 17 valid leading characters (demo data and tests)."""
    return prefix17 + stdnum_uscc.calc_check_digit(prefix17)
