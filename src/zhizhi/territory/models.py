"""The territory tree: (province → city → county →) town → village/community → grid → micro-grid.

Every node carries a materialised `path` of its ancestors' codes ("/330903107000/330903107201/"),
so "everything under this village" is a single indexed prefix query.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县/区")
    TOWN = "town", _("乡镇/街道")
    VILLAGE = "village", _("村/社区")
    GRID = "grid", _("网格")
    MICRO_GRID = "micro_grid", _("微网格")


LEVEL_ORDER = [c.value for c in Level]
# Levels whose codes are 12-digit statistical codes (统计用区划代码); grids and micro-grids derive theirs.
STAT_CODE_LEVELS = {Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWN, Level.VILLAGE}


class VillageKind(models.TextChoices):
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")


class RegionQuerySet(models.QuerySet["Region"]):
    def active(self) -> RegionQuerySet:
        return self.filter(is_active=True)

    def at_level(self, level: str) -> RegionQuerySet:
        return self.filter(level=level)

    def under(self, path: str) -> RegionQuerySet:
        """The subtree whose root has this path (the root included)."""
        return self.filter(path__startswith=path)


class Region(models.Model):
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=VillageKind.choices, blank=True)
    code = models.CharField(
        _("区划代码"),
        max_length=20,
        unique=True,
        help_text=_("12 位统计用区划代码（镇、村级）；网格、微网格为上级代码加两位序号"),
    )
    name = models.CharField(_("名称"), max_length=100)
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("深度"), default=0, editable=False)
    boundary = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)
    center_lon = models.FloatField(_("中心经度"), null=True, blank=True)
    center_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "path"], name="region_level_path")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Writes go through `zhizhi.territory.services`; moving a node must rewrite its subtree
        # (services.move_region), which a plain save() does not do.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"parent", "code", "path"} & set(update_fields):
            self.path = self.build_path()
            self.depth = self.path.count("/") - 2
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "path", "depth"}
        super().save(*args, **kwargs)

    def build_path(self) -> str:
        prefix = self.parent.path if self.parent_id and self.parent else "/"
        return f"{prefix}{self.code}/"

    def subtree(self) -> models.QuerySet[Region]:
        return Region.objects.filter(path__startswith=self.path)


@receiver(post_save, sender=Region, dispatch_uid="territory_region_saved")
@receiver(post_delete, sender=Region, dispatch_uid="territory_region_deleted")
def _territory_changed(sender: type[Region], **kwargs: Any) -> None:
    """Bump the territory version so every process rebuilds its `locate` index (cache only)."""
    from zhizhi.territory.locate import territory_changed

    territory_changed()
