"""`zhizhi demo --reset` deletes the safety demo, and the same seed rebuilds the same safety rows."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from zhizhi.safety.models import HazardDetail, Inspection, Organisation

pytestmark = pytest.mark.django_db

SEED = 11


def safety_digest() -> tuple[object, ...]:
    """The safety rows in insertion order, ids replaced by natural keys."""
    return (
        list(
            Organisation.objects.order_by("id").values_list(
                "uscc", "name", "region__code", "listed", "status"
            )
        ),
        list(
            Inspection.objects.order_by("id").values_list(
                "organisation__name", "inspected_at", "inspector__username"
            )
        ),
        list(HazardDetail.objects.order_by("pk").values_list("organisation__name", "grade", "verified_at")),
    )


def test_same_seed_same_safety_rows_after_a_reset() -> None:
    from zhizhi.demo.builder import summary

    call_command("demo", seed=SEED, scale=0.02, stdout=StringIO())
    first = summary.digest("/330903107000/"), safety_digest()
    out = StringIO()
    call_command("demo", "--reset", seed=SEED, scale=0.02, stdout=out)
    assert "safety_organisations" in out.getvalue()
    assert (summary.digest("/330903107000/"), safety_digest()) == first
