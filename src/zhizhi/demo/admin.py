from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from zhizhi.demo.models import DemoBuild


@admin.register(DemoBuild)
class DemoBuildAdmin(admin.ModelAdmin):
    list_display = ("built_at", "year", "seed", "scale", "town_code", "seconds", "digest")
    readonly_fields = ("seed", "year", "scale", "town_code", "built_at", "seconds", "counts", "digest")
    exclude = ("users",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DemoBuild | None = None) -> bool:
        return False
