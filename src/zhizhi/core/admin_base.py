"""Admin classes the domain apps share: records that change only through their services (read-only
in the admin), and the seeded tables that name each statutory clock's SLA policy."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StageClockAdmin(admin.ModelAdmin):
    """A stage → SLA policy table (one seeded row per stage): the policy's limit is edited on the
    policy, the row itself is neither added nor deleted."""

    list_display = ("stage", "policy", "target", "unit", "article")

    @admin.display(description=_("时限"))
    def target(self, obj: Any) -> int:
        return int(obj.policy.target)

    @admin.display(description=_("单位"))
    def unit(self, obj: Any) -> str:
        return str(obj.policy.get_unit_display())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row per stage, seeded

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
