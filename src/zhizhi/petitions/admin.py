"""Admin. The stage clocks (which SLA policy times which stage) are data an admin edits; the targets
themselves are edited on the SLA policies. Everything else is read-only here, because every change
goes through `zhizhi.petitions.services` (petitions through the case workflow), and personal data is
masked in every list and left out of the forms (the workbench reveals it with an access log)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from zhizhi.core.admin_base import ReadOnly, ReadOnlyInline, StageClockAdmin
from zhizhi.core.identifiers import mask_ric
from zhizhi.core.personal import mask_name, mask_phone
from zhizhi.petitions.models import (
    ContactLog,
    KeyPerson,
    KeyPersonEvent,
    Opinion,
    Petition,
    PetitionClock,
    Petitioner,
)

admin.site.register(PetitionClock, StageClockAdmin)


class OpinionInline(ReadOnlyInline):
    model = Opinion
    fields = ("level", "requested_at", "due_at", "decision", "answered_at", "served_on", "on_time")


@admin.register(Petition)
class PetitionAdmin(ReadOnly):
    list_display = ("number", "form", "people_count", "is_group", "acceptance", "is_backlog", "status")
    list_filter = ("form", "is_group", "is_backlog", "acceptance")
    list_select_related = ("case",)
    search_fields = ("number",)
    inlines = (OpinionInline,)

    @admin.display(description=_("状态"))
    def status(self, obj: Petition) -> str:
        from zhizhi.petitions.workflow import state_label

        return state_label(obj.case.status)


@admin.register(Petitioner)
class PetitionerAdmin(ReadOnly):
    list_display = (
        "petition",
        "sort",
        "masked_name",
        "masked_id_number",
        "masked_phone",
        "is_representative",
    )
    exclude = ("name", "id_number", "phone", "address")

    @admin.display(description=_("姓名"))
    def masked_name(self, obj: Petitioner) -> str:
        return mask_name(obj.name)

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, obj: Petitioner) -> str:
        return mask_ric(obj.id_number)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj: Petitioner) -> str:
        return mask_phone(obj.phone)


@admin.register(Opinion)
class OpinionAdmin(ReadOnly):
    list_display = ("petition", "level", "requested_at", "due_at", "decision", "answered_at", "on_time")
    list_filter = ("level", "decision", "on_time")


@admin.register(KeyPerson)
class KeyPersonAdmin(ReadOnly):
    list_display = ("id", "masked_name", "masked_id_number", "region", "risk_level", "is_active", "listed_at")
    list_filter = ("risk_level", "is_active")
    exclude = ("name", "id_number", "phone", "address")

    @admin.display(description=_("姓名"))
    def masked_name(self, obj: KeyPerson) -> str:
        return mask_name(obj.name)

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, obj: KeyPerson) -> str:
        return mask_ric(obj.id_number)


@admin.register(ContactLog)
class ContactLogAdmin(ReadOnly):
    list_display = ("person", "contacted_at", "cadre", "method", "recorded_by")
    list_filter = ("method",)


@admin.register(KeyPersonEvent)
class KeyPersonEventAdmin(ReadOnly):
    list_display = ("person", "at", "actor", "action")
    list_filter = ("action",)
