"""The foundation's pages: health check, login (throttled), the desk, and the demo accounts list."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.caches import DownCache
from zhizhi.accounts import throttle
from zhizhi.core import logs

pytestmark = pytest.mark.django_db


def test_healthz_round_trips_the_database(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_home_requires_login(client):
    r = client.get("/")
    assert r.status_code == 302
    assert r["Location"] == "/login/?next=/"


def test_login_then_desk_shows_only_my_scope(township):
    c = Client()
    r = c.post("/login/", {"username": "grid_a1", "password": "pw-for-tests-1"})
    assert r.status_code == 302
    r = c.get("/")
    assert r.status_code == 200
    assert "杜庄村第1网格" in r.content.decode()
    assert "台门社区第1网格" not in r.content.decode()


def test_login_is_throttled_after_repeated_failures(township):
    c = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(throttle.MAX_FAILURES):
        r = c.post("/login/", {"username": "dispatcher", "password": "wrong"})
        assert r.status_code == 200
        assert "登录失败次数过多" not in r.content.decode()
        assert "_auth_user_id" not in c.session
    # given the limit is reached, even the right password is refused
    r = c.post("/login/", {"username": "dispatcher", "password": "pw-for-tests-1"})
    assert r.status_code == 200
    assert "登录失败次数过多" in r.content.decode()
    assert "_auth_user_id" not in c.session


def test_with_the_cache_down_a_login_is_refused_with_a_message_and_logged_once(township, monkeypatch, caplog):
    monkeypatch.setattr(throttle, "cache", DownCache())
    monkeypatch.setattr(logs, "_outages", {})
    c = Client()
    with caplog.at_level(logging.WARNING, logger="zhizhi.accounts.throttle"):
        for _ in range(2):
            r = c.post("/login/", {"username": "dispatcher", "password": "pw-for-tests-1"})
            assert r.status_code == 200
            assert "登录服务暂时不可用，请稍后再试" in r.content.decode()
            assert "_auth_user_id" not in c.session
    assert [rec.getMessage() for rec in caplog.records] == [
        "login throttle: cache unavailable; logins refused"
    ]


def test_with_the_cache_down_counting_and_clearing_do_not_fail(monkeypatch, caplog):
    monkeypatch.setattr(throttle, "cache", DownCache())
    monkeypatch.setattr(logs, "_outages", {})
    with caplog.at_level(logging.WARNING, logger="zhizhi.accounts.throttle"):
        throttle.record_failure("dispatcher", "10.0.0.9")
        throttle.reset("dispatcher", "10.0.0.9")
    assert [rec.getMessage() for rec in caplog.records] == [
        "login throttle: cache unavailable; a failed login was not counted",
        "login throttle: cache unavailable; a count was not cleared",
    ]


def test_login_page_lists_no_demo_accounts_without_a_demo_build(township):
    r = Client().get("/login/")
    assert r.status_code == 200
    assert "演示账号" not in r.content.decode()
