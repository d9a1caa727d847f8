from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from zhizhi.core.models import CalendarDay, CalendarYear

WEEKDAYS = "一二三四五六日"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "published", "source", "holiday_count", "workday_count", "updated_at")
    list_filter = ("published",)
    search_fields = ("year", "source")
    ordering = ("-year",)
    actions = ("publish", "unpublish")

    @admin.display(description=_("放假天数"))
    def holiday_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(year=obj.year, kind="holiday").count()

    @admin.display(description=_("调休上班天数"))
    def workday_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(year=obj.year, kind="workday").count()

    @admin.action(description=_("标记为已发布（按通知计算，期限不再待定）"))
    def publish(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        self._set_published(request, queryset, True)

    @admin.action(description=_("撤销发布（改按固定日期临时计算）"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        self._set_published(request, queryset, False)

    def _set_published(self, request: HttpRequest, queryset: QuerySet[CalendarYear], value: bool) -> None:
        # save() per row so the calendar cache receivers fire (a queryset update sends no signals)
        for year in queryset:
            year.published = value
            year.save(update_fields=["published", "updated_at"])
        self.message_user(request, _("已更新 %(n)d 个年度") % {"n": queryset.count()}, messages.SUCCESS)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "year")
    list_filter = ("kind", "year")
    search_fields = ("name", "date")
    date_hierarchy = "date"
    ordering = ("date",)

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return "周" + WEEKDAYS[obj.date.weekday()]
