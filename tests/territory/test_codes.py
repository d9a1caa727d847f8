"""Code structure per level, level order, derived child codes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from zhizhi.core.errors import ValidationFailed
from zhizhi.territory import codes


@pytest.mark.parametrize(
    ("code", "level", "parent_code"),
    [
        ("330000000000", "province", None),
        ("330900000000", "city", "330000000000"),
        ("330903000000", "county", "330900000000"),
        ("330903107000", "town", "330903000000"),
        ("330903107000", "town", None),
        ("330903107201", "village", "330903107000"),
        ("33090310720101", "grid", "330903107201"),
        ("3309031072010102", "micro_grid", "33090310720101"),
        (" 330903107201 ", "village", "330903107000"),
        ("441900003000", "town", None),  # 东莞: towns directly under a city, county digits 00
    ],
)
def test_valid_codes(code, level, parent_code):
    assert codes.validate_code(code, level, parent_code) == code.strip()


@pytest.mark.parametrize(
    ("code", "level", "parent_code", "error", "message"),
    [
        ("", "village", None, "invalid_code", "村/社区代码不能为空"),
        ("33090310720A", "village", None, "invalid_code", "村/社区代码只能由数字组成：33090310720A"),
        (
            "３３０９０３１０７２０１",
            "village",
            None,
            "invalid_code",
            "村/社区代码只能由数字组成：３３０９０３１０７２０１",
        ),
        (
            "33090310720",
            "village",
            None,
            "invalid_code",
            "村/社区代码应为 12 位数字，实际 11 位：33090310720",
        ),
        (
            "330903107201",
            "town",
            None,
            "invalid_code",
            "乡镇/街道代码第 10 位起应全为 0（3 个 0）：330903107201",
        ),
        ("330903000000", "town", None, "invalid_code", "乡镇/街道代码第 7–9 位不能全为 0：330903000000"),
        ("330903107000", "village", None, "invalid_code", "村/社区代码第 10–12 位不能全为 0：330903107000"),
        (
            "990903107000",
            "town",
            None,
            "invalid_code",
            "乡镇/街道代码前两位 99 不是有效的省级代码：990903107000",
        ),
        ("330000000000", "city", None, "invalid_code", "市代码第 3–4 位不能全为 0：330000000000"),
        (
            "330903108201",
            "village",
            "330903107000",
            "code_parent_mismatch",
            "村/社区代码 330903108201 的前 9 位应与上级代码 330903107000 的前 9 位相同",
        ),
        (
            "330904107000",
            "town",
            "330903000000",
            "code_parent_mismatch",
            "乡镇/街道代码 330904107000 的前 6 位应与上级代码 330903000000 的前 6 位相同",
        ),
        ("3309031072010", "grid", None, "invalid_code", "网格代码应为 14 位数字，实际 13 位：3309031072010"),
        ("33090310720100", "grid", None, "invalid_code", "网格代码末两位序号不能为 00：33090310720100"),
        (
            "33090310720201",
            "grid",
            "330903107201",
            "code_parent_mismatch",
            "网格代码 33090310720201 应为上级代码 330903107201 加两位序号",
        ),
        (
            "3309031072010201",
            "micro_grid",
            "33090310720101",
            "code_parent_mismatch",
            "微网格代码 3309031072010201 应为上级代码 33090310720101 加两位序号",
        ),
        ("330903107201", "hamlet", None, "invalid_level", "未知层级：hamlet"),
    ],
)
def test_invalid_codes(code, level, parent_code, error, message):
    with pytest.raises(ValidationFailed) as exc:
        codes.validate_code(code, level, parent_code)
    assert (exc.value.code, exc.value.message) == (error, message)


@pytest.mark.parametrize(
    ("level", "parent_level", "error", "message"),
    [
        ("grid", "town", "level_order", "层级顺序错误：网格的上级应为村/社区，不能是乡镇/街道"),
        ("micro_grid", "village", "level_order", "层级顺序错误：微网格的上级应为网格，不能是村/社区"),
        ("village", "village", "level_order", "层级顺序错误：村/社区的上级应为乡镇/街道，不能是村/社区"),
        ("village", None, "parent_required", "村/社区必须有上级"),
        ("micro_grid", None, "parent_required", "微网格必须有上级"),
    ],
)
def test_level_order_denied(level, parent_level, error, message):
    with pytest.raises(ValidationFailed) as exc:
        codes.validate_level_order(level, parent_level)
    assert (exc.value.code, exc.value.message) == (error, message)


@pytest.mark.parametrize(
    ("level", "parent_level"),
    [("town", None), ("county", None), ("town", "county"), ("village", "town"), ("grid", "village")],
)
def test_level_order_allowed(level, parent_level):
    assert codes.validate_level_order(level, parent_level) is None


@pytest.mark.parametrize(
    ("parent_code", "parent_level", "seq", "expected"),
    [
        ("330903107201", "village", 1, "33090310720101"),
        ("330903107201", "village", 42, "33090310720142"),
        ("33090310720101", "grid", 7, "3309031072010107"),
        ("330903107000", "town", 201, "330903107201"),
        ("330903000000", "county", 107, "330903107000"),
        ("330900000000", "city", 3, "330903000000"),
        ("330000000000", "province", 9, "330900000000"),
    ],
)
def test_derive_child_code(parent_code, parent_level, seq, expected):
    parent = SimpleNamespace(code=parent_code, level=parent_level)
    assert codes.derive_child_code(parent, seq) == expected
    assert codes.child_seq(parent, expected) == seq
    child_level = codes.child_level(parent_level)
    assert codes.validate_code(expected, child_level, parent_code) == expected


@pytest.mark.parametrize(
    ("parent_level", "seq", "error", "message"),
    [
        ("village", 0, "invalid_seq", "网格序号应在 1–99 之间：0"),
        ("village", 100, "invalid_seq", "网格序号应在 1–99 之间：100"),
        ("town", 1000, "invalid_seq", "村/社区序号应在 1–999 之间：1000"),
        ("micro_grid", 1, "invalid_level", "微网格不能再有下级"),
    ],
)
def test_derive_child_code_denied(parent_level, seq, error, message):
    parent = SimpleNamespace(code="330903107201", level=parent_level)
    with pytest.raises(ValidationFailed) as exc:
        codes.derive_child_code(parent, seq)
    assert (exc.value.code, exc.value.message) == (error, message)


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("330000000000", "province"),
        ("330900000000", "city"),
        ("330903000000", "county"),
        ("330903107000", "town"),
        ("330903107201", "village"),
        ("33090310720101", "grid"),
        ("3309031072010101", "micro_grid"),
        ("33090310720100", None),
        ("000000000000", None),
        ("abc", None),
        ("3309031", None),
    ],
)
def test_infer_level(code, level):
    assert codes.infer_level(code) == level
