from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Ping(models.Model):
    """One row per bare request: the baseline for "create a case over HTTP"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"ping {self.pk}"


class Dataset(models.Model):
    """What the generator wrote into this database (so a later run can reuse it)."""

    name = models.CharField(max_length=50, unique=True)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
