"""Open311 fixtures: a township, a client key, and HTTP helpers that parse JSON and XML."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.open311.helpers import Key
from tests.township import Township
from zhizhi.core import calendar
from zhizhi.open311 import services
from zhizhi.territory import locate


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Every test locates points and counts working days against its own database."""
    cache.clear()
    locate.reset()
    calendar.invalidate()
    yield
    calendar.invalidate()


@pytest.fixture
def key(township: Township) -> Key:
    client, raw = services.issue_client(name="随手拍")
    return Key(client=client, raw=raw)
