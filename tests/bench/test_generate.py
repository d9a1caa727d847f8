"""The generator at tiny sizes, on the tests' township (and whatever database the tests use)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction

from bench import generate as gen
from zhizhi.cases import sla
from zhizhi.cases.models import OPEN_STATUSES, Case, CaseEvent, Status
from zhizhi.core.calendar import TZ
from zhizhi.territory.models import Level

UNTIL = datetime(2024, 6, 1, tzinfo=TZ)


def _rows() -> tuple[list[tuple], list[tuple]]:
    cases = list(Case.objects.order_by("id").values_list())
    events = list(
        CaseEvent.objects.order_by("case_id", "at", "id").values_list(
            "case_id", "at", "actor_id", "action", "from_status", "to_status", "note", "data"
        )
    )
    return cases, events


@pytest.mark.django_db
def test_writes_n_cases_with_valid_keys_paths_and_clocks(township):
    result = gen.generate(400, seed=3, until=UNTIL, years=0.25)
    assert result.cases == Case.objects.count() == 400
    assert result.events == CaseEvent.objects.count() == 400  # events="create": one each
    connection.check_constraints(table_names=[Case._meta.db_table, CaseEvent._meta.db_table])

    leaves = {r.pk: r for r in township.micro_grids.values()}
    cases = list(Case.objects.select_related("region", "category", "nature", "sla_policy"))
    for case in cases:
        assert case.region_id in leaves  # the deepest level
        assert case.region.level == Level.MICRO_GRID
        assert case.region_path == case.region.path
        assert case.category.parent_id is not None
        assert UNTIL - timedelta(days=92) <= case.received_at < UNTIL
        running = case.status in OPEN_STATUSES and case.status != Status.SUSPENDED
        assert case.is_overdue == (running and case.due_at < UNTIL)
    # Ids increase with the time received.
    times = [c.received_at for c in sorted(cases, key=lambda c: c.pk)]
    assert times == sorted(times)
    # The deadlines are the engine's own.
    for case in cases[::37]:
        clock = sla.choose_clock(
            case_type=case.case_type,
            category=case.category,
            nature=case.nature,
            priority=case.priority,
            start=case.received_at,
        )
        assert (case.due_at, case.sla_policy_id) == (clock.due_at, clock.policy.pk)
    statuses = {c.status for c in cases}
    assert Status.CLOSED in statuses
    assert statuses & OPEN_STATUSES  # the newest cases are still open
    assert sum(result.by_status.values()) == 400


@pytest.mark.django_db
def test_lifecycle_events_end_in_the_case_status(township):
    result = gen.generate(150, seed=5, until=UNTIL, years=0.2, events="lifecycle")
    assert result.events == CaseEvent.objects.count() > 150
    last: dict[int, CaseEvent] = {}
    for e in CaseEvent.objects.order_by("case_id", "at", "id"):
        if e.case_id not in last:
            assert (e.action, e.from_status, e.to_status) == ("create", "", Status.RECEIVED)
        last[e.case_id] = e
    for case in Case.objects.all():
        assert last[case.pk].to_status == case.status
        if case.status == Status.CLOSED:
            assert case.closed_at == last[case.pk].at


@pytest.mark.django_db
def test_deterministic_by_seed(township):
    def once(seed: int) -> tuple[list[tuple], list[tuple]]:
        with transaction.atomic():
            gen.generate(120, seed=seed, until=UNTIL, years=0.2, events="lifecycle", run_analyze=False)
            rows = _rows()
            transaction.set_rollback(True)
        return rows

    first = once(11)
    assert once(11) == first
    assert once(12) != first


@pytest.mark.django_db
def test_plan_splits_exactly_into_blocks_of_consecutive_ids():
    blocks = gen.plan(1000, years=1, until=UNTIL, first_id=41)
    assert sum(b.n for b in blocks) == 1000
    assert blocks[0].first_id == 41
    for a, b in zip(blocks, blocks[1:], strict=False):
        assert b.first_id == a.first_id + a.n
        assert b.days[0] == a.days[-1] + timedelta(days=1)
    assert blocks[-1].days[-1] == UNTIL.date() - timedelta(days=1)
    assert gen.allocate([1, 1, 1], 10) == [4, 3, 3]
    assert gen.allocate([0, 2], 5) == [0, 5]
