"""The benchmark tasks leave the shared list database as they found it."""

from __future__ import annotations

import pytest

from bench import tasks
from tests.cases.factories import CaseInputFactory
from tests.township import Township
from zhizhi.accounts.models import ApiToken
from zhizhi.cases import services
from zhizhi.cases.models import Case, CaseEvent, IdempotencyKey

pytestmark = pytest.mark.django_db


def test_the_cases_a_benchmark_registered_are_discarded_with_their_events_and_keys(
    township: Township,
) -> None:
    user = township.users["grid_a1"]
    kept = services.create_case(actor=user, data=CaseInputFactory(title="原有"), idempotency_key="k-0").case
    top = tasks._top_case_id()
    for i in range(2):
        services.create_case(
            actor=user, data=CaseInputFactory(title=f"压测{i}"), idempotency_key=f"k-{i + 1}"
        )
    assert (Case.objects.count(), CaseEvent.objects.count(), IdempotencyKey.objects.count()) == (3, 3, 3)
    assert tasks._discard_cases_after(top) == 2
    assert list(Case.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(CaseEvent.objects.values_list("case_id", flat=True)) == [kept.pk]
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-0"]
    assert (top, tasks._discard_cases_after(top)) == (kept.pk, 0)


def test_the_tokens_a_benchmark_issued_are_deleted_when_it_ends(township: Township) -> None:
    kept, _ = ApiToken.issue(township.users["dispatcher"], "a real client")
    raws = [tasks._token(township.users[name]) for name in ("dispatcher", "grid_a1")]
    assert ApiToken.objects.count() == 3
    assert all(raw.startswith(ApiToken.PREFIX) for raw in raws)

    assert (tasks.drop_tokens(), tasks.drop_tokens()) == (2, 0)
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_sessions_a_benchmark_logged_in_are_deleted_when_it_ends(township: Township) -> None:
    from django.contrib.sessions.models import Session
    from django.test import Client

    someone = Client()
    someone.force_login(township.users["leader"])  # a real user's session, not the benchmark's
    kept = someone.session.session_key
    tasks._session(township.users["dispatcher"])
    client = Client()
    tasks._login(client, township.users["grid_a1"])
    tasks._login(client, township.users["grid_a1"])  # logged in again: the first key is replaced
    assert Session.objects.count() == 3

    assert (tasks.drop_sessions(), tasks.drop_sessions()) == (2, 0)
    assert list(Session.objects.values_list("session_key", flat=True)) == [kept]


@pytest.mark.parametrize(("name", "who", "path"), tasks.PAGES)
def test_the_pages_measured_open_with_the_session_the_benchmark_makes(
    township: Township, name: str, who: str, path: str
) -> None:
    from django.conf import settings
    from django.test import Client

    user = tasks._user(who, tasks.Role.LEADER)
    assert user.username == "leader"
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = tasks._session(user)
    r = client.get(path)
    assert r.status_code == 200
    assert r.wsgi_request.user.pk == user.pk
    assert Client().get(path).status_code == 302  # without the session: to the login page


def test_the_demo_pages_open_for_every_role_that_may_see_them(township: Township) -> None:
    result = tasks.pages({"requests": 1})
    assert result["baseline"]["page"] == "/healthz"
    assert {(row["status"]) for row in result["pages"]} == {200}
    opened = {(row["role"], row["page"]) for row in result["pages"]}
    assert {page for role, page in opened if role == "dispatcher"} == set(tasks.DEMO_PAGES)
    # a grid worker does not work the hotline desk: those pages are skipped (403), not measured
    assert ("grid_worker", "/hotline/") not in opened
    assert ("grid_worker", "/metrics/") in opened
    assert {row["role"] for row in result["pages"]} == set(tasks.DEMO_ROLES)
