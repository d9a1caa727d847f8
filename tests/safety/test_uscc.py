"""统一社会信用代码: real valid codes pass, one mutated character fails with the position named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from tests.safety.helpers import REAL_CODES
from zhizhi.core.errors import ValidationFailed
from zhizhi.safety import uscc


def message(raw: str) -> tuple[str, object]:
    with pytest.raises(ValidationFailed) as exc:
        uscc.validate(raw)
    assert exc.value.code == "invalid_uscc"
    assert exc.value.details["field"] == "uscc"
    return exc.value.message, exc.value.details.get("position")


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid_here_and_in_stdnum(code: str) -> None:
    assert stdnum_uscc.is_valid(code)
    assert uscc.validate(code) == code


def test_input_is_normalised() -> None:
    # full-width digits and letters (Chinese IME), spaces, hyphens, lower case
    assert uscc.validate("９１１１００００６０００３７３４１ｌ") == "91110000600037341L"
    assert uscc.validate(" 9111-0000 6000 3734 1l ") == "91110000600037341L"


def test_a_wrong_check_character_names_position_18_and_the_expected_one() -> None:
    assert message("91110000600037341M") == (
        "第 18 位校验码错误：按前 17 位计算应为 'L'，实际为 'M'（请逐位核对）",
        18,
    )


def test_a_typo_in_the_body_is_caught_by_the_check_character() -> None:
    # 91110000600037341L with its 12th character changed 0 → 8
    assert not stdnum_uscc.is_valid("91110000600837341L")
    text, position = message("91110000600837341L")
    assert position == 18
    assert text.startswith("第 18 位校验码错误")


def test_a_forbidden_letter_names_its_position() -> None:
    assert message("91I10000600037341L") == ("第 3 位字符 'I' 不允许：第 3–8 位是行政区划码，只能是数字", 3)
    assert message("911100006O0037341L") == ("第 10 位字符 'O' 不允许：不使用字母 I、O、Z、S、V", 10)
    assert message("9111000060003734*L") == ("第 17 位字符 '*' 不允许：只能是数字或大写字母", 17)
    assert message("91110000600037341S") == (
        "第 18 位字符 'S' 不允许：校验码只能是数字或大写字母（不含 I、O、Z、S、V）",
        18,
    )


def test_length_and_emptiness() -> None:
    assert message("9111000060003734") == ("统一社会信用代码应为 18 位（当前 16 位）", None)
    assert message("   ") == ("统一社会信用代码不能为空", None)


def test_letters_in_the_first_two_positions_follow_gb32100() -> None:
    # N2… : village collective economic organisations (registered by agriculture departments)
    code = uscc.make("N2330903MA2A00001")
    assert uscc.validate(code) == code
    assert not stdnum_uscc.is_valid(code)  # stdnum insists on digits there; GB 32100 does not


@given(st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17).map(lambda s: "91330903" + s[8:]))
def test_agrees_with_stdnum_on_codes_starting_with_digits(body: str) -> None:
    code = uscc.make(body)
    assert uscc.is_valid(code)
    assert stdnum_uscc.is_valid(code)
    for other in uscc.ALPHABET:
        if other != code[-1]:
            mutated = code[:-1] + other
            assert uscc.is_valid(mutated) == stdnum_uscc.is_valid(mutated) is False
