"""`core.personal.normalize_phone`: the forms a phone number is written in, and what it refuses."""

from __future__ import annotations

import pytest

from zhizhi.core.errors import ValidationFailed
from zhizhi.core.personal import normalize_phone


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086(138)12345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("138.1234.5678", "13812345678"),
        ("0580-1234567", "0580-1234567"),  # a landline keeps its area code's hyphen
        ("05801234567", "05801234567"),
        ("(0580) 12345678", "058012345678"),
        ("12345", "12345"),
        ("95598", "95598"),
    ],
)
def test_the_forms_a_number_is_written_in(raw: str, kept: str) -> None:
    assert normalize_phone(raw) == kept


@pytest.mark.parametrize(
    "raw",
    ["1234", "138123456789", "138-1234-567", "12812345678", "+852 9123 4567", "tel:13812345678", "0580.12"],
)
def test_what_is_not_a_number_this_office_can_call_back(raw: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        normalize_phone(raw)
    assert exc.value.code == "invalid_phone"
