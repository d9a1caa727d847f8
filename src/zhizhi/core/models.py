"""The working-day calendar as data (see DESIGN.md, "Working-day calendar (a trap)").

`CalendarYear` records which years' State Council holiday notices (国务院办公厅关于某年部分节假日安排的通知)
have been entered; `CalendarDay` holds the exceptions to "Monday–Friday": statutory days off and
adjusted working days (调休上班). The computation lives in `zhizhi.core.calendar`, which keeps the
whole table in memory.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    published = models.BooleanField(
        _("已发布"),
        default=False,
        help_text=_(
            "该年放假安排通知已完整录入；未发布的年份按“周一至周五减固定日期法定节假日”临时计算，期限标记为待定"
        ),
    )
    source = models.TextField(_("来源"), blank=True, help_text=_("如通知文号：国办发明电〔2025〕7号"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}{'' if self.published else '（未发布）'}"


class CalendarDay(models.Model):
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DayKind.choices)
    name = models.CharField(
        _("名称"), max_length=100, help_text=_("节日名称，如“春节”；调休上班日填所属节日")
    )
    year = models.PositiveSmallIntegerField(_("年份"), db_index=True, editable=False)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.year = self.date.year
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "date" in update_fields:
            kwargs["update_fields"] = {*update_fields, "year"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.date is not None and self.kind == DayKind.WORKDAY and self.date.weekday() < 5:
            raise ValidationError({"kind": _("调休上班日必须是周六或周日")})
