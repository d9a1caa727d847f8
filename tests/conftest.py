from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.township import Township, build_township

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _fast_hashing(settings):  # noqa: PT004
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    """The database rolls back between tests; the cache, the locate index and the calendar must too."""
    from django.core.cache import cache

    from zhizhi.cases import reference, search
    from zhizhi.core import calendar
    from zhizhi.territory import locate

    cache.clear()
    locate.reset()
    calendar.invalidate()
    reference.reset()
    # No pair statistics unless a test gathers them: autovacuum may analyse the test database at any
    # moment, and the plan a list chooses (never its answer) follows them.
    search.use_stats({})
    yield
    cache.clear()
    locate.reset()
    calendar.invalidate()
    reference.reset()


@pytest.fixture
def township(db) -> Township:
    return build_township()
