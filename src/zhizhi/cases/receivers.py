"""Keep `Case.region_path` (a denormalised copy for subtree lists) in step with the territory."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery
from django.dispatch import receiver

from zhizhi.cases.models import Case
from zhizhi.territory.models import Region
from zhizhi.territory.services import subtree_moved


@receiver(subtree_moved, dispatch_uid="cases_rewrite_region_paths")
def rewrite_region_paths(sender: type[Region], *, old_path: str, **kwargs: Any) -> None:
    """Runs inside move_region's transaction (one UPDATE), so the move and the copies commit together."""
    Case.objects.filter(region_path__startswith=old_path).update(
        region_path=Subquery(Region.objects.filter(pk=OuterRef("region_id")).values("path")[:1])
    )
