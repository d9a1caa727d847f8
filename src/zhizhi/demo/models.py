"""A record of each demo build: what was generated, from which seed, and whom it created.

The login page lists the demo accounts only while a `DemoBuild` exists, and `zhizhi demo --reset`
uses `users` and `town_code` to delete exactly what the build created.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DemoBuild(models.Model):
    seed = models.BigIntegerField(_("随机种子"))
    year = models.PositiveSmallIntegerField(_("年份"))
    scale = models.FloatField(_("规模"))
    town_code = models.CharField(_("乡镇代码"), max_length=20)
    # Wall-clock metadata about the build itself; the generated records never read the clock.
    built_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    seconds = models.FloatField(_("耗时(秒)"), default=0)
    counts = models.JSONField(_("数量"), default=dict, blank=True)
    digest = models.CharField(_("数据摘要"), max_length=64, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("演示人员")
    )

    class Meta:
        verbose_name = _("演示数据")
        verbose_name_plural = _("演示数据")
        ordering = ["-built_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} seed={self.seed} scale={self.scale:g}"
