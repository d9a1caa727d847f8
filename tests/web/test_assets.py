"""Without `make assets` (no npm) every page still works: no vendor tags, tables instead of
charts, a note instead of the map. With the assets built, the pages load them."""

from __future__ import annotations

import pytest

from tests.web.conftest import World, login
from zhizhi.web.templatetags import workbench

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_assets(monkeypatch):
    monkeypatch.setattr(workbench, "vendor_available", lambda: dict.fromkeys(workbench.VENDOR_FILES, False))


def test_pages_work_without_the_vendor_assets(world: World, no_assets):
    c = login("dispatcher")
    for path in [
        "/",
        "/cases/",
        f"/cases/{world.a_open.pk}/",
        "/cases/new/hotline/",
        "/cases/new/field/",
        "/regions/",
    ]:
        r = c.get(path)
        assert r.status_code == 200
        assert "/static/vendor/" not in r.content.decode(), path
    r = c.get("/metrics/?from=2024-03-01&to=2024-03-31")
    html = r.content.decode()
    assert "/static/vendor/" not in html
    assert 'data-kpi="by_channel:hotline">1</a>' in html  # the numbers, as tables
    r = c.get("/map/")
    assert 'data-testid="map-needs-assets"' in r.content.decode()
    # forms post without htmx: the hotline form's lookup button works as a plain submit
    assert 'formaction="/cases/new/hotline/lookup/"' in c.get("/cases/new/hotline/").content.decode()


def test_pages_load_the_vendor_assets_when_built(world: World):
    if not all(workbench.vendor_available().values()):
        pytest.skip("front-end assets not built (make assets)")
    c = login("dispatcher")
    assert "vendor/bootstrap/bootstrap.min.css" in c.get("/").content.decode()
    assert "vendor/htmx/htmx.min.js" in c.get("/").content.decode()
    assert "vendor/echarts/echarts.min.js" in c.get("/metrics/").content.decode()
    html = c.get("/map/").content.decode()
    assert "vendor/leaflet/leaflet.js" in html
    assert "leaflet.markercluster.js" in html


def test_the_map_tile_url_is_configurable(world: World, settings):
    if not workbench.vendor_available()["leaflet"]:
        pytest.skip("front-end assets not built (make assets)")
    settings.ZHIZHI_MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    assert (
        'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"'
        in login("dispatcher").get("/map/").content.decode()
    )
