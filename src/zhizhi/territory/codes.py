"""Region codes and level order.

Statistical division codes (统计用区划代码) have 12 digits: ``PP CC DD TTT VVV``
(province, city, county — the 6 digits of GB/T 2260 — then township and village). A code at a
level is its parent's significant digits followed by its own non-zero part, padded with zeros:

    province  33 0000000000     city    3309 00000000    county  330903 000000
    town      330903107 000     village 330903107201

Grids and micro-grids have no national code; theirs are derived: grid = village code + 2 digits
(14 digits), micro-grid = grid code + 2 digits (16 digits). Sequences start at 01.

Every check raises `zhizhi.core.errors.ValidationFailed` with a machine code and a Chinese message.
"""

from __future__ import annotations

import re
from typing import Protocol

from zhizhi.core.errors import ValidationFailed
from zhizhi.territory.models import LEVEL_ORDER, STAT_CODE_LEVELS, Level

STAT_CODE_LENGTH = 12
DERIVED_SUFFIX_LENGTH = 2

# Leading digits of a 12-digit code that identify a region of this level (the rest is zeros).
PREFIX_LENGTH: dict[str, int] = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWN: 9,
    Level.VILLAGE: 12,
}
# Code length per level.
CODE_LENGTH: dict[str, int] = {
    **dict.fromkeys(STAT_CODE_LEVELS, STAT_CODE_LENGTH),
    Level.GRID: STAT_CODE_LENGTH + DERIVED_SUFFIX_LENGTH,
    Level.MICRO_GRID: STAT_CODE_LENGTH + 2 * DERIVED_SUFFIX_LENGTH,
}
# Levels that may be the root of a tree (a deployment serves a town, a county, …).
ROOT_LEVELS = frozenset({Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWN})
# GB/T 2260 province-level prefixes (incl. 71 Taiwan, 81 Hong Kong, 82 Macao).
_PROVINCES = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82"
)
PROVINCE_PREFIXES = frozenset(_PROVINCES.split(" "))

LEVEL_LABELS: dict[str, str] = {c.value: str(c.label) for c in Level}
_DIGITS = re.compile(r"\d+")


class CodedRegion(Protocol):
    """Anything with a code and a level (a `Region`, or a row being imported)."""

    @property
    def code(self) -> str: ...

    @property
    def level(self) -> str: ...


def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


def validate_level(level: str) -> str:
    if level not in LEVEL_ORDER:
        raise ValidationFailed("invalid_level", f"未知层级：{level}")
    return level


def level_rank(level: str) -> int:
    """0 for province … 6 for micro-grid."""
    return LEVEL_ORDER.index(validate_level(level))


def parent_level(level: str) -> str | None:
    rank = level_rank(level)
    return LEVEL_ORDER[rank - 1] if rank > 0 else None


def child_level(level: str) -> str | None:
    rank = level_rank(level)
    return LEVEL_ORDER[rank + 1] if rank + 1 < len(LEVEL_ORDER) else None


def validate_level_order(level: str, parent_level_: str | None) -> None:
    """A child is exactly one level below its parent; only province…town may be a root."""
    validate_level(level)
    if parent_level_ is None:
        if level not in ROOT_LEVELS:
            raise ValidationFailed("parent_required", f"{level_label(level)}必须有上级")
        return
    validate_level(parent_level_)
    expected = parent_level(level)
    if parent_level_ != expected:
        raise ValidationFailed(
            "level_order",
            f"层级顺序错误：{level_label(level)}的上级应为{level_label(expected or '')}，"
            f"不能是{level_label(parent_level_)}",
        )


def validate_code(code: str, level: str, parent_code: str | None = None) -> str:
    """Check `code` for a region of `level` (and, when given, against its parent's code).

    Returns the code stripped of surrounding blanks. The parent's level is implied by `level`.
    """
    validate_level(level)
    code = (code or "").strip()
    label = level_label(level)
    length = CODE_LENGTH[level]
    if not code:
        raise ValidationFailed("invalid_code", f"{label}代码不能为空")
    if not _DIGITS.fullmatch(code) or not code.isascii():
        raise ValidationFailed("invalid_code", f"{label}代码只能由数字组成：{code}")
    if len(code) != length:
        raise ValidationFailed(
            "invalid_code", f"{label}代码应为 {length} 位数字，实际 {len(code)} 位：{code}"
        )

    if level in PREFIX_LENGTH:
        _validate_stat_code(code, level)
    else:
        suffix = code[-DERIVED_SUFFIX_LENGTH:]
        if suffix == "00":
            raise ValidationFailed("invalid_code", f"{label}代码末两位序号不能为 00：{code}")

    if parent_code is not None:
        plevel = parent_level(level)
        if plevel is None:
            raise ValidationFailed("parent_required", f"{label}不能有上级")  # pragma: no cover - province
        parent_code = parent_code.strip()
        if plevel in PREFIX_LENGTH and level in PREFIX_LENGTH:
            n = PREFIX_LENGTH[plevel]
            if code[:n] != parent_code[:n]:
                raise ValidationFailed(
                    "code_parent_mismatch",
                    f"{label}代码 {code} 的前 {n} 位应与上级代码 {parent_code} 的前 {n} 位相同",
                )
        elif code[: len(parent_code)] != parent_code or len(code) != len(parent_code) + DERIVED_SUFFIX_LENGTH:
            raise ValidationFailed(
                "code_parent_mismatch",
                f"{label}代码 {code} 应为上级代码 {parent_code} 加两位序号",
            )
    return code


def _validate_stat_code(code: str, level: str) -> None:
    label = level_label(level)
    if code[:2] not in PROVINCE_PREFIXES:
        raise ValidationFailed("invalid_code", f"{label}代码前两位 {code[:2]} 不是有效的省级代码：{code}")
    n = PREFIX_LENGTH[level]
    if code[n:] != "0" * (STAT_CODE_LENGTH - n):
        raise ValidationFailed(
            "invalid_code", f"{label}代码第 {n + 1} 位起应全为 0（{STAT_CODE_LENGTH - n} 个 0）：{code}"
        )
    # The level's own part must not be all zeros (e.g. a village's last three digits).
    plevel = parent_level(level)
    start = PREFIX_LENGTH.get(plevel or "", 0)
    own = code[start:n]
    if own and set(own) == {"0"}:
        raise ValidationFailed("invalid_code", f"{label}代码第 {start + 1}–{n} 位不能全为 0：{code}")


def infer_level(code: str) -> str | None:
    """The level a well-formed code belongs to, from its shape alone (None when it fits none)."""
    code = (code or "").strip()
    if not _DIGITS.fullmatch(code) or not code.isascii():
        return None
    if len(code) == CODE_LENGTH[Level.GRID]:
        return Level.GRID if code[-2:] != "00" else None
    if len(code) == CODE_LENGTH[Level.MICRO_GRID]:
        return Level.MICRO_GRID if code[-2:] != "00" else None
    if len(code) != STAT_CODE_LENGTH:
        return None
    for level in (Level.VILLAGE, Level.TOWN, Level.COUNTY, Level.CITY, Level.PROVINCE):
        try:
            _validate_stat_code(code, level)
        except ValidationFailed:
            continue
        return level
    return None


def derive_child_code(parent: CodedRegion, seq: int) -> str:
    """The code of `parent`'s child number `seq` (1-based).

    grid/micro-grid: parent code + 2 digits (1–99); village: town's 9 digits + 3 (1–999);
    town: county's 6 digits + 3 + "000" (1–999); county, city: 2 digits (1–99).
    """
    level = child_level(parent.level)
    if level is None:
        raise ValidationFailed("invalid_level", f"{level_label(parent.level)}不能再有下级")
    if level in PREFIX_LENGTH:
        n0 = PREFIX_LENGTH[parent.level]
        n1 = PREFIX_LENGTH[level]
        width = n1 - n0
        prefix = parent.code[:n0]
        tail = "0" * (STAT_CODE_LENGTH - n1)
    else:
        width = DERIVED_SUFFIX_LENGTH
        prefix = parent.code
        tail = ""
    top = 10**width - 1
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= top:
        raise ValidationFailed("invalid_seq", f"{level_label(level)}序号应在 1–{top} 之间：{seq}")
    return f"{prefix}{seq:0{width}d}{tail}"


def child_seq(parent: CodedRegion, code: str) -> int | None:
    """The sequence number `code` has under `parent` (inverse of `derive_child_code`), or None."""
    level = child_level(parent.level)
    if level is None:
        return None
    try:
        validate_code(code, level, parent.code)
    except ValidationFailed:
        return None
    if level in PREFIX_LENGTH:
        return int(code[PREFIX_LENGTH[parent.level] : PREFIX_LENGTH[level]])
    return int(code[len(parent.code) :])
