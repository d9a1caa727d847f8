"""The shared cache that several server processes need (README, `REDIS_URL`), against a real Redis.

Without the `redis` package installed, `REDIS_URL` made every cache operation raise: every login
attempt was a 500 (the throttle reads the cache) and every request logged the snapshots' version
tokens as unavailable. These tests use the Redis at `ZHIZHI_TEST_REDIS_URL` (default
redis://127.0.0.1:6379/), in a database of their own per test worker (15 down to 8), emptied before
and after, and are skipped only when no Redis answers there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings

from tests.api.helpers import Api
from tests.api.test_api import body
from tests.township import Township
from zhizhi.accounts import throttle
from zhizhi.cases import reference
from zhizhi.core import versions
from zhizhi.territory import locate

# One database per pytest-xdist worker (gw0 → 15, gw1 → 14, …): each test empties its own.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
URL = os.environ.get("ZHIZHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/") + str(15 - _WORKER % 8)


def _reachable() -> str | None:
    try:
        redis.Redis.from_url(URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return str(exc)
    return None


_down = _reachable()
pytestmark = pytest.mark.skipif(_down is not None, reason=f"no Redis at {URL}: {_down}")


@pytest.fixture
def redis_cache() -> Iterator[redis.Redis]:
    server = redis.Redis.from_url(URL)
    server.flushdb()
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": URL}}
    ):
        yield server
    server.flushdb()


def test_redis_url_configures_a_working_shared_cache() -> None:
    """The settings as a server process loads them: REDIS_URL picks Django's Redis backend, and a
    value written through it is in Redis."""
    script = (
        "import django, json; django.setup()\n"
        "from django.conf import settings; from django.core.cache import cache\n"
        "cache.set('zz-test-key', 41); cache.incr('zz-test-key')\n"
        "print(json.dumps([settings.CACHES['default']['BACKEND'], cache.get('zz-test-key')]))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "zhizhi.settings", "REDIS_URL": URL}
    server = redis.Redis.from_url(URL)
    server.flushdb()
    try:
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=60
        )
        assert json.loads(out.stdout.strip().splitlines()[-1]) == [
            "django.core.cache.backends.redis.RedisCache",
            42,
        ]
        assert [k.decode() for k in server.keys("*zz-test-key")] == [":1:zz-test-key"]
    finally:
        server.flushdb()


@pytest.mark.django_db
def test_the_login_throttle_counts_failures_in_redis(township: Township, redis_cache: redis.Redis) -> None:
    c = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(throttle.MAX_FAILURES):
        r = c.post("/login/", {"username": "dispatcher", "password": "wrong"})
        assert (r.status_code, "登录失败次数过多" in r.content.decode()) == (200, False)
    counts = sorted(int(redis_cache.get(k) or 0) for k in redis_cache.keys("*login-fail:*"))
    assert counts == [throttle.MAX_FAILURES, throttle.MAX_FAILURES]
    r = c.post("/login/", {"username": "dispatcher", "password": "pw-for-tests-1"})
    assert (r.status_code, "登录失败次数过多" in r.content.decode()) == (200, True)
    assert "_auth_user_id" not in c.session


@pytest.mark.django_db
def test_a_create_reads_the_version_tokens_from_redis_once(
    township: Township, redis_cache: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Api(township.users["grid_a1"])
    assert api.post("/cases", body()).status_code == 201  # builds the snapshots, starts the tokens
    tokens = {k: cache.get(k) for k in (reference.VERSION_KEY, locate.VERSION_KEY)}
    assert all(isinstance(t, str) and len(t) == 32 for t in tokens.values())
    calls: list[tuple[str, Any]] = []
    real = versions.cache

    class Spy:
        def __getattr__(self, name: str) -> Any:
            method = getattr(real, name)

            def call(*args: Any, **kwargs: Any) -> Any:
                calls.append((name, args[0] if args else None))
                return method(*args, **kwargs)

            return call

    monkeypatch.setattr(versions, "cache", Spy())
    assert api.post("/cases", body(title="又一处占道经营")).status_code == 201
    assert calls == [("get_many", versions._KEYS)]
    # another process changes the reference data: the next request sees it
    cache.set(reference.VERSION_KEY, "changed elsewhere", None)
    calls.clear()
    assert api.post("/cases", body(title="第三处占道经营")).status_code == 201
    assert calls == [("get_many", versions._KEYS)]
    assert reference._snapshot is not None
    assert reference._snapshot.version == "changed elsewhere"
