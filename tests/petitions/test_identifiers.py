"""公民身份号码 (GB 11643) validation: real valid numbers pass, invalid ones fail with a message that
names what is wrong and where, and the outcome agrees with python-stdnum's `stdnum.cn.ric`."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric

from tests.petitions.helpers import LI, WANG, ZHANG
from zhizhi.core.errors import ValidationFailed
from zhizhi.core.identifiers import is_valid_ric, make_ric, mask_ric, validate_ric

TODAY = date(2024, 3, 4)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (ZHANG, ZHANG),  # GB 11643-1999's own example (check character X)
        (LI, LI),  # python-stdnum's documented example
        (WANG, WANG),  # 浙江省舟山市普陀区
        ("11010519491231002x", ZHANG),  # a lower-case x
        ("110105 19491231 002X", ZHANG),  # grouped with spaces
        ("１１０１０５１９４９１２３１００２Ｘ", ZHANG),  # full-width, as typed on a Chinese keyboard
    ],
)
def test_valid_numbers_are_returned_normalised(raw: str, expected: str) -> None:
    # When a real number is validated, then it comes back in its 18-character form
    assert validate_ric(raw, today=TODAY) == expected
    assert stdnum_ric.is_valid(expected)


@pytest.mark.parametrize(
    ("raw", "message", "position"),
    [
        ("", "身份证号码不能为空", None),
        (
            "110105491231002",
            "身份证号码应为 18 位：15 位的第一代身份证号码已停止使用，请填写 18 位号码",
            None,
        ),
        ("11010519491231002", "身份证号码应为 18 位（当前 17 位）", None),
        ("11010519491231O02X", "身份证号码第 15 位字符 'O' 不允许：前 17 位只能是数字", 15),
        ("11010519491231002Y", "身份证号码第 18 位字符 'Y' 不允许：校验码只能是数字或 X", 18),
        ("110105194913310021", "身份证号码第 7–14 位出生日期 19491331 不是有效日期", 7),
        ("110105202501010013", "身份证号码第 7–14 位出生日期 2025-01-01 晚于今天", 7),
        (
            "110105194912310025",
            "身份证号码第 18 位校验码错误：按前 17 位计算应为 'X'，实际为 '5'（请逐位核对）",
            18,
        ),
        (
            make_ric("99999919900101123"),
            "身份证号码第 1–6 位地址码 999999 不是 1990 年有效的县级行政区划代码",
            1,
        ),
    ],
)
def test_invalid_numbers_name_what_is_wrong(raw: str, message: str, position: int | None) -> None:
    # When an invalid number is validated
    with pytest.raises(ValidationFailed) as exc:
        validate_ric(raw, field="id_number", today=TODAY)
    # Then the error is 422 invalid_id_number, says what is wrong, and points at the position
    assert (exc.value.code, exc.value.status, exc.value.message) == ("invalid_id_number", 422, message)
    assert exc.value.details.get("position") == position
    assert exc.value.details["field"] == "id_number"


def test_the_stdnum_checks_agree_on_the_invalid_examples() -> None:
    # The checksum and address-code failures above are failures for python-stdnum too
    assert not stdnum_ric.is_valid("110105194912310025")
    assert not stdnum_ric.is_valid(make_ric("99999919900101123"))
    assert not stdnum_ric.is_valid("110105194913310021")


_REGIONS = st.sampled_from(["110105", "330903", "360426", "330900", "999999", "000000"])
_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)).map(
    lambda d: d.strftime("%Y%m%d")
)
_BAD_DATES = st.sampled_from(["19900230", "19901301", "20000000", "19000229"])


@given(
    region=_REGIONS,
    born=st.one_of(_DATES, _BAD_DATES),
    seq=st.integers(min_value=0, max_value=999),
    check=st.sampled_from([None, *"0123456789X"]),
)
def test_agrees_with_stdnum_for_any_number_born_before_today(
    region: str, born: str, seq: int, check: str | None
) -> None:
    # Given any 18-character number (with the right or an arbitrary check character)
    prefix = f"{region}{born}{seq:03d}"
    number = make_ric(prefix) if check is None else prefix + check
    # Then it is valid here exactly when python-stdnum says so
    assert is_valid_ric(number) == stdnum_ric.is_valid(number)


def test_mask_keeps_the_first_three_and_the_last_four() -> None:
    assert mask_ric(ZHANG) == "110***********002X"
    assert mask_ric("") == ""
    assert mask_ric("12345") == "*****"
