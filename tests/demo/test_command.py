"""`zhizhi demo` and `zhizhi demo_logins`: modes, refusals, determinism."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.demo.conftest import SEED, SMALL, Built, build_demo
from zhizhi.accounts.models import User
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.demo.builder import summary
from zhizhi.demo.builder.territory import TOWN_CODE
from zhizhi.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, demo_accounts
from zhizhi.demo.models import DemoBuild
from zhizhi.mediation.models import Dispute
from zhizhi.petitions.models import Petition
from zhizhi.safety.models import HazardDetail
from zhizhi.territory.models import Region

pytestmark = pytest.mark.django_db(transaction=False)


def _state() -> tuple[int, int, int, int, int]:
    return (
        Region.objects.count(),
        User.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        DemoBuild.objects.count(),
    )


def test_same_seed_same_rows_other_seed_other_rows(db) -> None:
    first = build_demo()
    assert first.build.digest == summary.digest(f"/{TOWN_CODE}/")
    again = build_demo("--reset")
    assert again.build.digest == first.build.digest
    assert again.build.counts == first.build.counts
    other = build_demo("--reset", seed=SEED + 1)
    assert other.build.digest != first.build.digest
    assert DemoBuild.objects.count() == 1


def test_if_empty_is_a_no_op_on_a_built_database(demo: Built) -> None:
    before = _state()
    out = StringIO()
    call_command("demo", "--if-empty", scale=SMALL, stdout=out)
    assert out.getvalue().count("\n") == 1
    assert "nothing to do" in out.getvalue()
    assert _state() == before


def test_without_a_mode_it_refuses_when_data_exists(demo: Built) -> None:
    before = _state()
    with pytest.raises(CommandError, match="already holds data"):
        call_command("demo", scale=SMALL, stdout=StringIO())
    assert _state() == before


def test_if_empty_builds_an_empty_database(db) -> None:
    out = StringIO()
    call_command("demo", "--if-empty", seed=SEED, scale=SMALL, stdout=out)
    counts = DemoBuild.objects.get().counts
    # the summary's case figures are the events'; the safety app's hazards are counted beside them
    events = Case.objects.filter(case_type="event").count()
    hazards = Case.objects.filter(case_type="hazard").count()
    assert counts["cases"] == events == round(23280 * SMALL)
    petitions = Case.objects.filter(case_type="petition").count()
    disputes = Case.objects.filter(case_type="dispute").count()
    assert counts["by_type"] == {
        "event": events,
        "hazard": hazards,
        "petition": petitions,
        "dispute": disputes,
    }
    assert hazards == HazardDetail.objects.count() > 0
    assert petitions == Petition.objects.count() > 0
    assert disputes == Dispute.objects.count() > 0
    assert Case.objects.count() == events + hazards + petitions + disputes
    assert f"other case types: dispute {disputes}, hazard {hazards}, petition {petitions}" in out.getvalue()
    assert "on-time rate" in out.getvalue()


def test_reset_refuses_to_build_over_foreign_territory(db) -> None:
    Region.objects.create(level="town", code="330903101000", name="沈家门街道")
    with pytest.raises(CommandError, match="not demo data"):
        call_command("demo", "--reset", scale=SMALL, stdout=StringIO())
    assert Region.objects.count() == 1
    assert not DemoBuild.objects.exists()


def test_taken_demo_username_is_reported_and_nothing_is_written(db) -> None:
    User.objects.create_user(username="admin", password="x-long-password")
    with pytest.raises(CommandError, match="admin"):
        call_command("demo", scale=SMALL, stdout=StringIO())
    assert (Region.objects.count(), Case.objects.count(), DemoBuild.objects.count()) == (0, 0, 0)


def test_demo_logins_lists_accounts_and_password_only_after_a_build(db) -> None:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert DEMO_PASSWORD not in out.getvalue()
    build_demo()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert [line.split()[0] for line in text.splitlines()[:-1]] == [u for u, _ in DEMO_LOGINS]
    assert text.splitlines()[-1] == f"password: {DEMO_PASSWORD}"


def test_no_demo_accounts_are_listed_without_a_build(db) -> None:
    assert demo_accounts() == []


def test_a_refused_reset_keeps_the_previous_demo(demo: Built) -> None:
    before = _state()
    User.objects.create_user(username="stranger", password="x-long-password")
    Region.objects.create(level="town", code="330903101000", name="沈家门街道")
    with pytest.raises(CommandError, match="not demo data"):
        call_command("demo", "--reset", scale=SMALL, stdout=StringIO())
    assert _state() == (before[0] + 1, before[1] + 1, *before[2:])
