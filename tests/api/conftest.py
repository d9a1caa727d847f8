from __future__ import annotations

import pytest
from django.core.cache import cache

from zhizhi.core import calendar
from zhizhi.territory import locate


@pytest.fixture(autouse=True)
def _fresh_caches():
    cache.clear()
    locate.reset()
    calendar.invalidate()
    yield
    calendar.invalidate()
