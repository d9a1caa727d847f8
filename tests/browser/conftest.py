"""Browser tests: Playwright for Python driving Debian's /usr/bin/chromium against pytest-django's
live server. Skipped unless ZHIZHI_BROWSER_TESTS=1 and Chromium is installed; run them with

    ZHIZHI_BROWSER_TESTS=1 .venv/bin/pytest tests/browser -p no:xdist

(after `make assets`, so that pages load htmx, ECharts and Leaflet). ZHIZHI_SCREENSHOTS=1 also
writes the screenshots to docs/screenshots/ (otherwise to a temporary directory).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ENABLED = os.environ.get("ZHIZHI_BROWSER_TESTS") == "1" and Path(CHROMIUM).exists()
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

if ENABLED:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to
    # check the database are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="browser tests: set ZHIZHI_BROWSER_TESTS=1 (needs /usr/bin/chromium)")
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not ENABLED:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def reference_data(django_db_setup, django_db_blocker) -> str:
    """The migrations' reference data (taxonomy, departments, SLA policies, calendar), serialised
    before Playwright starts. Each transactional test ends by emptying every table; the next one
    restores this (pytest-django's serialized_rollback does not survive Playwright's event loop:
    Django's connection handle becomes context-local while it runs)."""
    from django.db import connections

    conn = connections["default"]
    contents = getattr(conn, "_test_serialized_contents", None)
    if contents is None:
        with django_db_blocker.unblock():
            contents = conn.creation.serialize_db_to_string()
    return contents


@pytest.fixture
def browser_db(transactional_db, reference_data):
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    from zhizhi.accounts.models import Department

    if not Department.objects.exists():
        # the flush re-created content types and permissions (post_migrate): restore the originals
        Permission.objects.all().delete()
        ContentType.objects.all().delete()
        ContentType.objects.clear_cache()
        connections["default"].creation.deserialize_db_from_string(reference_data)


@pytest.fixture(scope="session")
def chromium(reference_data) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, live_server):
    """new_page(phone=False, **context options) → a page in a fresh context (its own cookies)."""
    contexts = []

    def make(*, phone: bool = False, **options):
        ctx = chromium.new_context(
            base_url=live_server.url,
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=2 if phone else 1,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            **options,
        )
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    out = SCREENSHOTS if os.environ.get("ZHIZHI_SCREENSHOTS") == "1" else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def demo(browser_db, settings):
    """The demo township at 5% of the seed's case volume (territory and staff at full size)."""
    from django.core.cache import cache

    from zhizhi.core import calendar
    from zhizhi.demo import builder
    from zhizhi.territory import locate

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    locate.reset()
    calendar.invalidate()
    result = builder.build(seed=2023, year=2023, scale=0.05, out=lambda line: None)
    yield result
    locate.reset()
    calendar.invalidate()


def login(page, username: str, password: str | None = None) -> None:
    from zhizhi.demo.logins import DEMO_PASSWORD

    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert not page.url.endswith("/login/"), "login failed"
