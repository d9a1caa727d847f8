"""Admin: committees are reference data an admin edits; everything else is read-only here, because
every change goes through `zhizhi.safety.services` (hazards through the case workflow)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zhizhi.safety.models import Campaign, Committee, EnforcementAction, Inspection, Organisation


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "description", "sort", "is_active")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnly):
    list_display = ("name", "uscc", "kind", "venue", "committee", "status", "listed", "region")
    list_filter = ("kind", "status", "listed", "committee", "risk_level")
    search_fields = ("name", "uscc")
    exclude = ("legal_rep", "phone")  # personal data: through the workbench, with an access log


@admin.register(Campaign)
class CampaignAdmin(ReadOnly):
    list_display = ("name", "kind", "committee", "starts_on", "ends_on")


@admin.register(Inspection)
class InspectionAdmin(ReadOnly):
    list_display = ("id", "kind", "organisation", "campaign", "inspector", "inspected_at")
    list_filter = ("kind", "campaign")
    date_hierarchy = "inspected_at"


@admin.register(EnforcementAction)
class EnforcementActionAdmin(ReadOnly):
    list_display = ("organisation", "kind", "decided_on", "document_no", "persons_detained")
    list_filter = ("kind",)
