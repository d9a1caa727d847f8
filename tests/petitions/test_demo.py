"""The petitions part of `zhizhi demo`: the seed's figures at scale 1, the plan's counts at a smaller
scale, records that look like the services' (they are written by them), and a reset that rebuilds
the same rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.demo.conftest import SMALL, build_demo
from tests.demo.partial import town_with_staff
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.core import calendar
from zhizhi.core.identifiers import validate_ric
from zhizhi.core.personal import normalize_phone
from zhizhi.petitions import demo, figures
from zhizhi.petitions.models import Acceptance, ContactLog, KeyPerson, Level, Opinion, Petition, Petitioner
from zhizhi.petitions.workflow import CLOSED

pytestmark = pytest.mark.django_db

YEAR = 2023
START = datetime(YEAR, 1, 1, tzinfo=calendar.TZ)
END = datetime(YEAR + 1, 1, 1, tzinfo=calendar.TZ)


def _build(scale: float, seed: int = 7) -> tuple[dict[str, int], list[str]]:
    town = town_with_staff(seed=seed, year=YEAR)
    lines: list[str] = []
    result = demo.build_petitions(town=town, seed=seed, year=YEAR, scale=scale, stdout=lines.append)
    return result, lines


def _figures() -> dict[str, Any]:
    return figures.compute(figures.FigureFilter.build(year=YEAR))


def test_a_year_at_the_seeds_scale_has_the_seeds_figures_and_real_timelines() -> None:
    result, lines = _build(1.0)
    got = _figures()
    # The seed: 95 received, all answered on time, 7 group petitions, 4 backlog cases resolved.
    assert (got["received"], got["on_time_rate"], got["group"], got["backlog_resolved"]) == (95, 1.0, 7, 4)
    p = demo.plan(1.0)
    assert got["answered"] == got["answered_on_time"] == got["accepted"] == 95 - p.not_accepted - p.referred
    assert (got["backlog"], got["repeat"], got["reviews"], got["re_reviews"]) == (4, 6, 5, 1)
    in_year = Petition.objects.filter(case__received_at__gte=START, case__received_at__lt=END)
    assert in_year.count() == 95
    assert Petition.objects.count() == 95 + 3
    # Decided (accepted, not accepted or referred) within the 15 days, on time, all of them.
    assert set(in_year.values_list("decided_on_time", flat=True)) == {True}
    assert all(x.decided_at - x.case.received_at < timedelta(days=15) for x in in_year.select_related("case"))
    assert in_year.filter(acceptance=Acceptance.NOT_ACCEPT).count() == p.not_accepted == 2
    assert in_year.filter(acceptance=Acceptance.REFER).count() == p.referred == 3
    # Every reply within 60 days of acceptance, or within the approved extension.
    replies = Opinion.objects.filter(level=Level.REPLY, petition__in=in_year).select_related("petition")
    assert replies.count() == 90
    assert set(replies.values_list("on_time", flat=True)) == {True}
    for r in replies:
        limit = 60 + r.petition.extension_days
        assert calendar.local_date(r.answered_at) <= calendar.local_date(r.petition.accepted_at) + timedelta(
            limit
        )
    extended = in_year.filter(extension_days__gt=0)
    assert extended.count() == p.extended == 4
    assert all(
        r.answered_at > r.petition.accepted_at + timedelta(days=60)
        for r in replies
        if r.petition.extension_days
    )
    # Group petitions: visits of 5+ people with 1–5 representatives, closed with the petitioners settled.
    groups = in_year.filter(is_group=True)
    assert groups.count() == 7
    for g in groups:
        reps = g.petitioners.filter(is_representative=True).count()
        assert g.form == "visit"
        assert g.people_count >= 5
        assert 1 <= reps <= 5
        assert (g.case.status, g.settled) == (CLOSED, True)
    # Backlog: 3 registered before the year, all 4 closed in it, settled; 2 pledges in the notes.
    backlog = Petition.objects.filter(is_backlog=True).select_related("case")
    assert sorted(calendar.local_date(b.case.received_at).year for b in backlog) == [2021, 2021, 2022, 2023]
    assert {(b.case.status, b.settled, START <= b.case.closed_at < END) for b in backlog} == {
        (CLOSED, True, True)
    }
    closes = CaseEvent.objects.filter(case__petition__is_backlog=True, action="close")
    assert sum("息访承诺书" in e.note for e in closes) == result["petition_pledges"] == 2
    # Repeats: the same petitioner, after the earlier petition's reply.
    for r in in_year.filter(repeat_of__isnull=False).select_related("repeat_of"):
        assert set(r.petitioners.values_list("id_number", flat=True)) == set(
            r.repeat_of.petitioners.values_list("id_number", flat=True)
        )
        assert r.repeat_of.opinion(Level.REPLY).answered_at < r.case.received_at
    # Every step of the year's petitions lies in the year; the earlier backlog's start before it.
    assert (
        not CaseEvent.objects.filter(case__in=in_year.values("case"))
        .exclude(at__gte=START, at__lt=END)
        .exists()
    )
    assert not CaseEvent.objects.filter(case__petition__isnull=False, at__gte=END).exists()
    # Key persons: the 4 backlog petitioners and 2 group representatives, contacted by their cadres.
    assert KeyPerson.objects.count() == result["key_persons"] == p.key_persons == 6
    assert ContactLog.objects.count() == result["key_person_contacts"] > 6 * 3
    for log in ContactLog.objects.select_related("person"):
        assert log.cadre in log.person.cadres.all()
        assert log.contacted_at >= log.person.listed_at
    assert KeyPerson.objects.filter(is_active=False).count() == result["key_persons_delisted"] >= 3
    assert any(line.startswith("petitions: 95 in 2023 (7 group") for line in lines)


def test_the_plan_counts_at_a_smaller_scale_and_personal_data_is_plausible() -> None:
    result, _ = _build(0.3)
    p = demo.plan(0.3)
    assert (p.received, p.group, p.backlog, p.not_accepted, p.referred, p.extended, p.repeats) == (
        28,
        2,
        1,
        1,
        1,
        1,
        2,
    )
    got = _figures()
    assert got["received"] == p.received
    assert got["group"] == p.group
    assert got["backlog_resolved"] == got["backlog"] == p.backlog
    assert (got["repeat"], got["reviews"], got["re_reviews"]) == (p.repeats, p.reviews, p.re_reviews)
    assert got["on_time_rate"] == 1.0
    assert got["accepted"] == p.received - p.not_accepted - p.referred
    assert Petition.objects.filter(extension_days__gt=0).count() == p.extended
    assert CaseEvent.objects.filter(action="supervise", case__petition__isnull=False).count() == p.supervised
    assert Petition.objects.count() == result["petitions"] == p.received + p.earlier
    assert KeyPerson.objects.count() == p.key_persons
    assert result["petition_pledges"] == p.pledges
    # Like every demo case: in a micro-grid of the town, with the address of the village.
    mine = Case.objects.filter(case_type="petition")
    assert set(mine.values_list("region__level", flat=True)) == {"micro_grid"}
    assert all(a.startswith("舟山市普陀区六横镇") for a in mine.values_list("address", flat=True))
    # Personal data: plausible, valid, unique, and never in the timeline (events carry no personal data).
    people = list(Petitioner.objects.values_list("name", "id_number", "phone"))
    # one person per ID number; the same person twice only as the petitioner of a repeat petition
    assert len({(name, n, ph) for name, n, ph in people}) == len({n for _, n, _ in people})
    firsts = Petitioner.objects.filter(petition__repeat_of__isnull=True).values_list("id_number", flat=True)
    assert len(set(firsts)) == len(firsts) == len({n for _, n, _ in people})
    for name, id_number, phone in people:
        assert 2 <= len(name) <= 3
        assert validate_ric(id_number) == id_number
        assert normalize_phone(phone) == phone
    secrets = [v for _, id_number, phone in people for v in (id_number, phone)]
    timeline = list(CaseEvent.objects.values_list("note", "data"))
    assert len(timeline) > p.received * 3
    assert [s for s in secrets for note, data in timeline if s in note or s in str(data)] == []


def _rows() -> tuple[object, ...]:
    """The petition rows in insertion order, ids replaced by natural keys."""
    return (
        list(
            Petition.objects.order_by("case_id").values_list(
                "form", "request", "people_count", "is_group", "repeat_of__request", "is_backlog", "acceptance",
                "decided_at", "extension_days", "settled", "case__status", "case__received_at", "case__closed_at",
            )
        ),
        list(Petitioner.objects.order_by("petition_id", "sort").values_list("name", "id_number", "phone")),
        list(Opinion.objects.order_by("petition_id", "level").values_list("level", "decision", "answered_at")),
        list(KeyPerson.objects.order_by("id").values_list("name", "listed_at", "delisted_at", "is_active")),
        list(ContactLog.objects.order_by("id").values_list("contacted_at", "cadre__username", "content")),
    )  # fmt: skip


def test_the_demo_command_builds_them_and_a_reset_rebuilds_the_same_rows() -> None:
    first = build_demo()
    p = demo.plan(SMALL)
    assert Case.objects.filter(case_type="petition").count() == p.received + p.earlier
    assert _figures()["received"] == p.received
    assert first.build.counts["by_type"]["petition"] == p.received + p.earlier
    rows = _rows()
    again = build_demo("--reset")
    assert "'petitions': 3" in again.output
    assert "'key_persons': 1" in again.output
    assert _rows() == rows
    assert again.build.digest == first.build.digest
