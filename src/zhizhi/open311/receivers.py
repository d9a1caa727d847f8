"""Date what leaves no change time of its own in the service list (`models.ServiceListChange`), so
that the discovery's changeset moves and clients refresh their cached services and definitions."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from zhizhi.accounts.models import Department
from zhizhi.cases.models import Category, RequestNature, SlaPolicy
from zhizhi.open311.models import ServiceAttribute, ServiceListChange
from zhizhi.territory.models import Level, Region


def stamp(what: str) -> None:
    """The service list changed now (in the sender's transaction: rolled back with it)."""
    ServiceListChange.objects.update_or_create(
        pk=ServiceListChange.ROW, defaults={"at": timezone.now(), "what": what[:100]}
    )


def _deleted(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    if sender is Region and instance.level not in (Level.TOWN, Level.VILLAGE):
        return
    stamp(f"{sender.__name__} {instance.pk} deleted")


def _saved(sender: type[Any], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:  # a fixture being loaded is not an edit
        stamp(f"{sender.__name__} {instance.pk} saved")


DELETIONS_DATED: tuple[type[Any], ...] = (ServiceAttribute, Category, SlaPolicy, Region)
SAVES_DATED: tuple[type[Any], ...] = (Department, RequestNature)

for model in DELETIONS_DATED:
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"open311_deleted_{model.__name__}")
for model in SAVES_DATED:
    post_save.connect(_saved, sender=model, dispatch_uid=f"open311_saved_{model.__name__}")
