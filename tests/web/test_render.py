"""Every workbench page renders for every role; pages a role cannot use say so with a 403."""

from __future__ import annotations

import pytest

from tests.web.conftest import ROLES, World, login
from zhizhi.accounts import scope

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/cases/",
    "/cases/?open=1&sort=urgency",
    "/cases/?resolved=1&on_time=0&satisfaction=unsatisfied",
    "/regions/",
    "/map/",
    "/map/regions.json",
    "/map/cases.json",
    "/metrics/",
    "/metrics/?from=2024-03-01&to=2024-03-31",
    "/metrics/?from=2024-03-04&to=2024-03-04",
    "/safety/",
    "/safety/figures/hazards_found/",
    "/safety/organisations/",
    "/safety/inspections/",
    "/safety/never-inspected/",
]
CREATE_PAGES = ["/cases/new/hotline/", "/cases/new/field/"]


def test_world_is_in_the_states_the_docstring_says(world: World):
    assert [c.status for c in world.all()] == [
        "closed",
        "resolved",
        "dispatched",
        "resolved",
        "received",
        "in_progress",
        "closed",
    ]
    assert (world.a_closed.resolved_on_time, world.a_late.resolved_on_time) == (True, False)


@pytest.mark.parametrize("username", ROLES)
def test_every_page_renders_for_every_role(world: World, username: str):
    c = login(username)
    for path in PAGES:
        r = c.get(path)
        assert r.status_code == 200, (username, path, r.status_code)
    visible = scope.visible_cases(world.t.users[username]).order_by("id").first()
    if visible is not None:
        assert c.get(f"/cases/{visible.pk}/").status_code == 200


@pytest.mark.parametrize("username", ROLES)
def test_intake_pages_render_for_roles_that_register_and_refuse_the_others(world: World, username: str):
    c = login(username)
    may = scope.role_of(world.t.users[username]) in scope.CREATE_ROLES
    for path in CREATE_PAGES:
        r = c.get(path)
        assert r.status_code == (200 if may else 403), (username, path)
    r = c.get("/cases/new/")
    assert r.status_code in ((200, 302) if may else (403,))


def test_every_page_requires_login(world: World):
    from django.test import Client

    anonymous = Client()
    for path in [*PAGES, *CREATE_PAGES, f"/cases/{world.a_open.pk}/"]:
        r = anonymous.get(path)
        assert r.status_code == 302, path
        assert r["Location"].startswith("/login/?next=")


def test_nav_offers_registration_only_to_roles_that_register(world: World):
    assert 'href="/cases/new/"' in login("operator").get("/").content.decode()
    assert 'href="/cases/new/"' not in login("leader").get("/").content.decode()
