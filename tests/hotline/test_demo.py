"""The hotline part of `zhizhi demo`: a call behind every hotline case, the year's meetings."""

from __future__ import annotations

from datetime import date

import pytest

from tests.demo.conftest import SMALL, Built, build_demo
from zhizhi.cases.models import Case, Channel
from zhizhi.hotline import figures
from zhizhi.hotline.models import Call, Decision, Meeting, Outcome


@pytest.fixture
def demo(db) -> Built:
    return build_demo()


def test_every_hotline_case_has_its_call_and_the_meetings_are_the_seeds(demo: Built) -> None:
    hotline_cases = Case.objects.filter(channel=Channel.HOTLINE)
    calls = Call.objects.all()
    assert calls.count() == hotline_cases.count() == round(11268 * SMALL)
    assert set(calls.values_list("case_id", flat=True)) == set(hotline_cases.values_list("pk", flat=True))
    assert set(calls.values_list("outcome", flat=True)) == {Outcome.CASE}
    # Each call is its case's: time, caller, region
    mismatched = [
        c.pk
        for c in calls.select_related("case")
        if (c.received_at, c.caller_phone, c.region_id)
        != (c.case.received_at, c.case.reporter_phone, c.case.region_id)
    ]
    assert mismatched == []
    # 15 meetings × 0.02 → at least one; every decision due by the year's end is done
    assert Meeting.objects.count() == max(1, round(15 * SMALL)) == 1
    assert Decision.objects.filter(due_on__lte=date(2023, 12, 31), done_at__isnull=True).count() == 0
    f = figures.FigureFilter.build(year=2023)
    assert figures.figure("calls_received").parts(f) == (round(11268 * SMALL), None)
    assert "hotline: 225 calls" in demo.output


def test_reset_removes_the_hotline_records(demo: Built) -> None:
    build_demo("--reset")
    assert Call.objects.count() == round(11268 * SMALL)
    assert Meeting.objects.count() == 1
