"""The mediation part of `zhizhi demo`: the seed's figures at scale 1, the plan's counts at a smaller
scale, records that look like the services' (they are written by them), and a reset that rebuilds
the same rows."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.demo.conftest import SMALL, build_demo
from tests.demo.partial import town_with_staff
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.core import calendar
from zhizhi.core.identifiers import validate_ric
from zhizhi.core.personal import normalize_phone
from zhizhi.mediation import demo, figures
from zhizhi.mediation.models import (
    Agreement,
    AgreementForm,
    Dispute,
    FollowUp,
    MediationChannel,
    Outcome,
    Party,
    Session,
)
from zhizhi.mediation.workflow import AGREED, CLOSED, MEDIATING

pytestmark = pytest.mark.django_db

YEAR = 2023
START = datetime(YEAR, 1, 1, tzinfo=calendar.TZ)
END = datetime(YEAR + 1, 1, 1, tzinfo=calendar.TZ)


def _build(scale: float, seed: int = 7) -> tuple[dict[str, int], list[str]]:
    town = town_with_staff(seed=seed, year=YEAR)
    lines: list[str] = []
    result = demo.build_disputes(town=town, seed=seed, year=YEAR, scale=scale, stdout=lines.append)
    return result, lines


def _figures() -> dict[str, Any]:
    return figures.compute(figures.FigureFilter.build(year=YEAR))


def test_a_year_at_the_seeds_scale_has_the_seeds_figures_and_real_timelines() -> None:
    result, lines = _build(1.0)
    got = _figures()
    # The seed: 392 mediated, 16 major, 15 resolved through the shared court, 3 through the online code.
    seed = {
        "mediated": 392, "major": 16, "mediated_shared_court": 15, "agreed_shared_court": 15,
        "mediated_online": 3, "agreed_online": 3,
    }  # fmt: skip
    assert {k: got[k] for k in seed} == seed
    p = demo.plan(1.0)
    assert got["registered"] == p.registered == 392 + 4 + 3
    assert (got["agreements"], got["written_agreements"], got["on_time_rate"]) == (
        p.agreements,
        p.written,
        1.0,
    )
    assert got["concluded"] == 392 - p.open
    mediated = Dispute.objects.filter(accepted_at__gte=START, accepted_at__lt=END).select_related("case")
    assert dict(Counter(mediated.values_list("kind", flat=True))) == p.kinds
    assert p.kinds["neighbour"] == 90
    assert p.kinds["fishery"] == 30
    assert Counter(mediated.values_list("outcome", flat=True)) == {
        Outcome.AGREEMENT: p.agreements, Outcome.FAILED: p.failed, Outcome.REFERRED: p.referred, "": p.open,
    }  # fmt: skip
    assert mediated.filter(outcome="").exclude(case__status=MEDIATING).count() == 0
    for d in mediated.filter(outcome=Outcome.FAILED):
        assert d.failure_reason
        assert d.termination_notice
    # Major disputes: half registered as such, half flagged by a leader; all of them written if agreed.
    majors = mediated.filter(is_major=True)
    flagged = CaseEvent.objects.filter(action="flag_major", case__dispute__in=majors)
    assert flagged.count() == 8
    assert {e.actor.role for e in flagged} == {"leader"}
    assert not majors.filter(outcome=Outcome.AGREEMENT, agreement__form=AgreementForm.ORAL).exists()
    # Every shared-court agreement is a written one the court confirmed.
    shared = Agreement.objects.filter(dispute__channel=MediationChannel.SHARED_COURT)
    assert shared.count() == 15
    assert set(shared.values_list("form", "judicial_confirmed")) == {(AgreementForm.WRITTEN, True)}
    assert Agreement.objects.filter(judicial_confirmed=True).count() == p.judicial == 23
    assert result["judicial_confirmations"] == 23
    # Timelines: accepted within the acceptance clock, concluded within the limit (or the extension),
    # sessions between acceptance and conclusion, follow-ups before closing, all inside the year.
    assert set(mediated.values_list("decided_on_time", flat=True)) == {True}
    assert set(mediated.exclude(outcome="").values_list("concluded_on_time", flat=True)) == {True}
    assert Dispute.objects.filter(extension_days__gt=0).count() == result["dispute_extensions"] > 0
    for s in Session.objects.select_related("dispute"):
        assert calendar.local_date(s.dispute.accepted_at) <= s.held_on
        if s.dispute.concluded_at:
            assert s.held_on <= calendar.local_date(s.dispute.concluded_at)
    assert Session.objects.count() == result["dispute_sessions"]
    assert not mediated.filter(sessions__isnull=True).exists()
    closed = mediated.filter(case__status=CLOSED)
    assert closed.count() == result["disputes_closed"] > 300
    assert not closed.filter(follow_ups__isnull=True).exists()
    assert FollowUp.objects.count() == result["dispute_follow_ups"]
    assert mediated.filter(case__status=AGREED).count() == p.agreements - result["disputes_closed"]
    assert (
        not CaseEvent.objects.filter(case__dispute__isnull=False).exclude(at__gte=START, at__lt=END).exists()
    )
    assert any(line.startswith("mediation: 399 disputes, 392 mediated (16 major") for line in lines)


def test_the_plan_counts_at_a_smaller_scale_and_personal_data_is_plausible() -> None:
    result, _ = _build(0.3)
    p = demo.plan(0.3)
    assert (p.mediated, p.major, p.shared_court, p.online, p.failed, p.referred, p.open) == (
        118,
        5,
        4,
        1,
        3,
        2,
        1,
    )
    assert (p.not_accepted, p.referred_before) == (1, 1)
    got = _figures()
    assert (got["registered"], got["mediated"], got["major"]) == (p.registered, p.mediated, p.major)
    assert (got["agreed_shared_court"], got["agreed_online"]) == (p.shared_court, p.online)
    assert (got["agreements"], got["written_agreements"]) == (p.agreements, p.written)
    assert Dispute.objects.filter(outcome=Outcome.FAILED).count() == p.failed
    assert Dispute.objects.filter(outcome=Outcome.REFERRED).count() == p.referred + p.referred_before
    assert Case.objects.filter(case_type="dispute", status="not_accepted").count() == p.not_accepted
    assert Agreement.objects.filter(judicial_confirmed=True).count() == p.judicial
    assert result["disputes"] == p.registered
    # Like every demo case: in a micro-grid of the town, with the address of the village.
    mine = Case.objects.filter(case_type="dispute")
    assert set(mine.values_list("region__level", flat=True)) == {"micro_grid"}
    assert all(a.startswith("舟山市普陀区六横镇") for a in mine.values_list("address", flat=True))
    # Personal data: plausible, valid, one person per ID number, and never in the timeline.
    parties = list(Party.objects.values_list("name", "id_number", "phone", "address"))
    assert len({n for _, n, _, _ in parties}) == len(parties)
    for name, id_number, phone, address in parties:
        assert 2 <= len(name) <= 3
        assert validate_ric(id_number) == id_number
        assert normalize_phone(phone) == phone
        assert address.startswith("舟山市普陀区六横镇")
    secrets = [v for _, n, ph, _ in parties for v in (n, ph)]
    timeline = list(CaseEvent.objects.values_list("note", "data"))
    assert len(timeline) > p.mediated * 4
    assert [s for s in secrets for note, data in timeline if s in note or s in str(data)] == []
    # A written agreement states every item of 第二十九条; a follow-up comes after the agreement.
    for a in Agreement.objects.filter(form=AgreementForm.WRITTEN):
        assert all([a.facts, a.responsibilities, a.terms, a.performance_manner, a.performance_due])
        assert a.judicial_due_at == calendar.end_of_day(a.effective_on + timedelta(days=30))
    for f in FollowUp.objects.select_related("dispute__agreement"):
        assert f.visited_on >= f.dispute.agreement.effective_on


def _rows() -> tuple[object, ...]:
    """The mediation rows in insertion order, ids replaced by natural keys."""
    return (
        list(
            Dispute.objects.order_by("case_id").values_list(
                "kind", "channel", "external_ref", "facts", "is_major", "accepted_at", "committee", "outcome",
                "concluded_at", "extension_days", "case__status",
            )
        ),
        list(Party.objects.order_by("dispute_id", "sort").values_list("role", "name", "id_number", "phone")),
        list(Session.objects.order_by("dispute_id", "number").values_list("held_on", "place", "notes")),
        list(Agreement.objects.order_by("dispute_id").values_list("form", "terms", "judicial_confirmed")),
        list(FollowUp.objects.order_by("dispute_id", "id").values_list("visited_on", "performance")),
    )  # fmt: skip


def test_the_demo_command_builds_them_and_a_reset_rebuilds_the_same_rows() -> None:
    first = build_demo()
    p = demo.plan(SMALL)
    assert Case.objects.filter(case_type="dispute").count() == p.registered == 8
    assert _figures()["mediated"] == p.mediated
    assert first.build.counts["by_type"]["dispute"] == p.registered
    rows = _rows()
    again = build_demo("--reset")
    assert "'disputes': 8" in again.output
    assert _rows() == rows
    assert again.build.digest == first.build.digest
