"""Open311 fixtures: a township, a client key, and HTTP helpers that parse JSON and XML."""

from __future__ import annotations

import pytest

from tests.open311.helpers import Key
from tests.township import Township
from zhizhi.open311 import services


@pytest.fixture
def key(township: Township) -> Key:
    client, raw = services.issue_client(name="随手拍")
    return Key(client=client, raw=raw)
