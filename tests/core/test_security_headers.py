"""Outside DEBUG every response carries the Content-Security-Policy; the API docs need no CDN."""

from __future__ import annotations

import pytest

from zhizhi.core.middleware import content_security_policy

pytestmark = pytest.mark.django_db


def test_csp_is_sent_outside_debug(client, settings):
    settings.DEBUG = False
    r = client.get("/login/")
    assert r.status_code == 200
    assert r["Content-Security-Policy"] == content_security_policy()
    assert "script-src 'self'" in r["Content-Security-Policy"]


def test_csp_allows_the_configured_tile_server(settings):
    settings.ZHIZHI_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    assert "img-src 'self' data: blob: https://tiles.example.gov.cn;" in content_security_policy()


def test_api_docs_load_swagger_from_this_site(client, township):
    client.force_login(township.users["dispatcher"])
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    body = r.content.decode()
    assert "cdn.jsdelivr.net" not in body
    assert "/static/ninja/swagger-ui-bundle.js" in body
