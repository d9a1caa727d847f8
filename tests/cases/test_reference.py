"""The per-process snapshot of categories, natures and SLA policies that intake reads."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.factories import at, create, eod
from tests.township import Township
from zhizhi.cases import reference
from zhizhi.cases.models import Category, SlaPolicy
from zhizhi.core.errors import DomainError

MON = at("2024-03-04 09:00")  # Mon 4 – Fri 8 March 2024 are all working days


def test_a_second_create_reads_no_reference_table(township: Township) -> None:
    create(township, now=MON)  # builds the snapshot
    with CaptureQueriesContext(connection) as captured:
        create(township, now=MON)
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "cases_slapolicy" not in tables
    assert "cases_category" not in tables
    assert "cases_requestnature" not in tables


def test_a_policy_saved_after_the_snapshot_is_used_by_the_next_create(township: Township) -> None:
    first = create(township, now=MON, category="street_vending")
    assert (first.sla_policy.name, first.sla_target) == ("分类·占道经营/游商", 1)
    # An admin lengthens the policy through a save (the admin site): the signal replaces the version
    policy = SlaPolicy.objects.get(name="分类·占道经营/游商")
    policy.target = 3
    policy.save()
    second = create(township, now=MON, category="street_vending")
    assert (second.sla_policy.name, second.sla_target, second.due_at) == (
        "分类·占道经营/游商",
        3,
        eod("2024-03-07"),
    )


def test_a_deactivated_category_is_refused_after_a_bulk_update_and_changed(township: Township) -> None:
    create(township, now=MON, category="street_vending")
    Category.objects.filter(code="street_vending").update(is_active=False)
    reference.changed()  # bulk writes bypass signals: the writer says so
    with pytest.raises(DomainError) as exc:
        create(township, now=MON, category="street_vending")
    assert (exc.value.code, exc.value.status) == ("unknown_category", 422)


def test_a_snapshot_is_rebuilt_after_the_recheck_interval(township: Township, monkeypatch) -> None:
    snap = reference.snapshot()
    assert reference.snapshot() is snap
    monkeypatch.setattr(reference, "RECHECK_SECONDS", 0.0)
    assert reference.snapshot() is not snap


def test_a_replaced_version_token_rebuilds_the_snapshot(township: Township) -> None:
    from django.core.cache import cache

    snap = reference.snapshot()
    cache.set(reference.VERSION_KEY, "another process wrote", None)
    rebuilt = reference.snapshot()
    assert (rebuilt is not snap, rebuilt.version) == (True, "another process wrote")
