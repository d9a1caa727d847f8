"""`core.versions`: the snapshots' version tokens, read from the cache once per request."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.test import Client, override_settings

from tests.api.helpers import Api
from tests.api.test_api import body
from tests.caches import DownCache
from tests.cases.factories import create
from tests.township import Township
from zhizhi.cases import reference
from zhizhi.cases.models import Case, SlaPolicy
from zhizhi.core import logs, versions
from zhizhi.territory import locate

KEYS = (reference.VERSION_KEY, locate.VERSION_KEY)


class Spy:
    """The cache, with every read of a version token written down."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, tuple[str, ...]]] = []

    def get(self, key: str, default: Any = None) -> Any:
        if key in KEYS:
            self.reads.append(("get", (key,)))
        return cache.get(key, default)

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        if set(keys) & set(KEYS):
            self.reads.append(("get_many", tuple(keys)))
        return cache.get_many(keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(cache, name)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    cache.clear()
    s = Spy()
    monkeypatch.setattr(versions, "cache", s)
    return s


@pytest.fixture
def in_request() -> Iterator[None]:
    """What `request_started` and `request_finished` do for the tokens (sending the signals
    themselves would also close the test's database connection)."""
    versions._begin()
    try:
        yield
    finally:
        versions._end()


def test_both_snapshots_register_their_tokens() -> None:
    assert set(KEYS) <= set(versions._KEYS)


def test_outside_a_request_every_read_goes_to_the_cache(spy: Spy) -> None:
    first = versions.read(reference.VERSION_KEY)
    assert versions.read(reference.VERSION_KEY) == first != ""
    # a missing token: read, started, read again; then one read
    assert spy.reads == [("get", (reference.VERSION_KEY,))] * 3


def test_in_a_request_the_first_read_fetches_every_token_and_the_rest_read_none(
    spy: Spy, in_request: None
) -> None:
    cache.set(reference.VERSION_KEY, "r1", None)
    cache.set(locate.VERSION_KEY, "t1", None)
    assert [versions.read(k) for k in (*KEYS, *KEYS, reference.VERSION_KEY)] == ["r1", "t1", "r1", "t1", "r1"]
    assert spy.reads == [("get_many", tuple(versions._KEYS))]


def test_a_request_keeps_one_version_and_the_next_request_sees_another_processs_change(
    spy: Spy,
) -> None:
    cache.set(reference.VERSION_KEY, "r1", None)
    versions._begin()
    assert versions.read(reference.VERSION_KEY) == "r1"
    cache.set(reference.VERSION_KEY, "r2", None)  # another process's write
    assert versions.read(reference.VERSION_KEY) == "r1"
    versions._end()
    versions._begin()
    assert versions.read(reference.VERSION_KEY) == "r2"
    versions._end()
    assert len(spy.reads) == 2


def test_the_request_signals_open_and_close_the_requests_tokens() -> None:
    assert versions._begin in [r[1]() for r in request_started.receivers]
    assert versions._end in [r[1]() for r in request_finished.receivers]


def test_a_write_in_the_request_is_seen_by_the_request_and_by_everyone(spy: Spy, in_request: None) -> None:
    cache.set(reference.VERSION_KEY, "r1", None)
    assert versions.read(reference.VERSION_KEY) == "r1"
    versions.replace(reference.VERSION_KEY)
    new = versions.read(reference.VERSION_KEY)
    assert new != "r1"
    assert cache.get(reference.VERSION_KEY) == new
    assert len(spy.reads) == 1


def test_a_missing_token_is_started_afresh(spy: Spy, in_request: None) -> None:
    cache.set(locate.VERSION_KEY, "t1", None)
    token = versions.read(reference.VERSION_KEY)
    assert len(token) == 32
    assert cache.get(reference.VERSION_KEY) == token
    assert versions.read(locate.VERSION_KEY) == "t1"
    assert spy.reads == [("get_many", tuple(versions._KEYS)), ("get", (reference.VERSION_KEY,))]


@pytest.mark.django_db
def test_a_create_over_the_api_reads_the_tokens_once(township: Township, spy: Spy) -> None:
    api = Api(township.users["grid_a1"])
    assert api.post("/cases", body()).status_code == 201  # builds the snapshots
    spy.reads.clear()
    assert api.post("/cases", body(title="又一处占道经营")).status_code == 201
    assert spy.reads == [("get_many", tuple(versions._KEYS))]


@pytest.mark.django_db
def test_a_policy_saved_in_a_request_is_used_by_the_same_request(
    township: Township, in_request: None
) -> None:
    assert create(township, category="street_vending").sla_target == 1
    policy = SlaPolicy.objects.get(name="分类·占道经营/游商")
    policy.target = 3
    policy.save()
    assert create(township, category="street_vending").sla_target == 3


# --- The cache down ------------------------------------------------------------------------------


@pytest.fixture
def down(monkeypatch: pytest.MonkeyPatch) -> DownCache:
    d = DownCache()
    monkeypatch.setattr(versions, "cache", d)
    monkeypatch.setattr(logs, "_outages", {})
    return d


def test_in_a_request_a_failed_cache_is_asked_once_and_again_in_the_next_request(down: DownCache) -> None:
    versions._begin()
    with pytest.raises(ConnectionError):
        versions.read(reference.VERSION_KEY)
    with pytest.raises(versions.Unavailable):
        versions.read(locate.VERSION_KEY)
    with pytest.raises(versions.Unavailable):
        versions.read(reference.VERSION_KEY)
    assert down.calls == ["get_many"]
    versions._end()
    versions._begin()
    with pytest.raises(ConnectionError):
        versions.read(locate.VERSION_KEY)
    versions._end()
    assert down.calls == ["get_many", "get_many"]


def test_outside_a_request_every_read_asks_the_cache(down: DownCache) -> None:
    for _ in range(2):
        with pytest.raises(ConnectionError):
            versions.read(reference.VERSION_KEY)
    assert down.calls == ["get", "get"]


@pytest.mark.django_db
def test_creates_with_the_cache_down_succeed_asking_it_once_each_and_logging_once(
    township: Township, down: DownCache, caplog: pytest.LogCaptureFixture
) -> None:
    api = Api(township.users["grid_a1"])
    before = Case.objects.count()
    with caplog.at_level(logging.WARNING):
        assert api.post("/cases", body()).status_code == 201
        assert api.post("/cases", body(title="又一处占道经营")).status_code == 201
    assert Case.objects.count() == before + 2
    assert down.calls == ["get_many", "get_many"]
    assert sorted(r.getMessage() for r in caplog.records if r.name.startswith("zhizhi")) == [
        "reference data: cache unavailable; snapshot rechecked by age only",
        "territory: cache unavailable; locate index checked against the database only",
    ]


@pytest.mark.django_db
def test_with_redis_unreachable_creates_go_on_and_logins_are_refused_with_a_message(
    township: Township, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django's Redis backend with nothing listening at its address: a real connection refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(logs, "_outages", {})
    before = Case.objects.count()
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            }
        }
    ):
        assert Api(township.users["grid_a1"]).post("/cases", body()).status_code == 201
        c = Client()
        r = c.post("/login/", {"username": "dispatcher", "password": "pw-for-tests-1"})
        assert (r.status_code, "登录服务暂时不可用" in r.content.decode()) == (200, True)
        assert "_auth_user_id" not in c.session
    assert Case.objects.count() == before + 1
