from __future__ import annotations

from collections.abc import Iterator

import pytest

from zhizhi.core import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    """Each test reads the calendar afresh: a test's rolled-back edits must not leak into the next."""
    calendar.invalidate()
    yield
    calendar.invalidate()
