"""Behind the site's HTTPS proxy (ZHIZHI_BEHIND_PROXY): a browser can log in, and the login throttle
counts each client's address, not the proxy's."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from zhizhi.accounts import throttle
from zhizhi.core.clients import client_address

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"  # the proxy on the same server, as the README runs it


@pytest.fixture
def behind_proxy(settings):
    settings.ZHIZHI_BEHIND_PROXY = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _browser_login(client: Client, username: str, password: str, *, forwarded_for: str = "203.0.113.7"):
    """What a browser does through an HTTPS proxy: the proxy forwards plain HTTP from its own
    address, with X-Forwarded-Proto and the client's address appended to X-Forwarded-For; the
    browser sends its https Origin with the form."""
    proxied = {
        "REMOTE_ADDR": PROXY,
        "HTTP_HOST": "testserver",  # the proxy passes the browser's Host on
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": forwarded_for,
    }
    client.get("/login/", **proxied)
    token = client.cookies["csrftoken"].value
    return client.post(
        "/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="https://testserver",
        **proxied,
    )


def test_a_browser_logs_in_through_the_https_proxy(township, behind_proxy):
    c = Client(enforce_csrf_checks=True)
    r = _browser_login(c, "grid_a1", "pw-for-tests-1")
    assert (r.status_code, r["Location"]) == (302, "/")
    assert c.session["_auth_user_id"] == str(township.users["grid_a1"].pk)


def test_without_the_setting_the_https_origin_fails_the_csrf_check(township, settings):
    settings.ZHIZHI_BEHIND_PROXY = False
    c = Client(enforce_csrf_checks=True)
    r = _browser_login(c, "grid_a1", "pw-for-tests-1")
    assert r.status_code == 403
    assert "_auth_user_id" not in c.session


def test_the_throttle_counts_each_clients_address_behind_the_proxy(township, behind_proxy):
    # Given one client has failed with many names (the address limit, not any user's)...
    for i in range(throttle.MAX_FAILURES * 4):
        r = _browser_login(Client(), f"nobody{i}", "wrong", forwarded_for="198.51.100.1")
        assert r.status_code == 200
    locked = _browser_login(Client(), "dispatcher", "pw-for-tests-1", forwarded_for="198.51.100.1")
    assert locked.status_code == 200
    assert "登录失败次数过多" in locked.content.decode()
    # ...another client behind the same proxy still logs in.
    other = Client()
    r = _browser_login(other, "dispatcher", "pw-for-tests-1", forwarded_for="203.0.113.7")
    assert r.status_code == 302
    assert other.session["_auth_user_id"] == str(township.users["dispatcher"].pk)


@pytest.mark.parametrize(
    ("behind", "forwarded", "expected"),
    [
        (True, "203.0.113.7", "203.0.113.7"),
        (True, "10.9.9.9, 203.0.113.7", "203.0.113.7"),  # what the client claimed comes first
        (True, "", PROXY),
        (False, "203.0.113.7", PROXY),  # not behind a proxy: the header is anyone's to send
    ],
)
def test_client_address(settings, behind: bool, forwarded: str, expected: str):
    settings.ZHIZHI_BEHIND_PROXY = behind
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
