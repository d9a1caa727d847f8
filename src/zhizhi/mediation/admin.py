"""Admin. The stage clocks (which SLA policy times which stage) are data an admin edits; the targets
themselves are edited on the SLA policies. Everything else is read-only here, because every change
goes through `zhizhi.mediation.services` (disputes through the case workflow), and personal data is
masked in every list and left out of the forms (the workbench reveals it with an access log)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from zhizhi.core.admin_base import ReadOnly, ReadOnlyInline, StageClockAdmin
from zhizhi.core.identifiers import mask_ric
from zhizhi.core.personal import mask_name, mask_phone
from zhizhi.mediation.models import Agreement, Dispute, FollowUp, MediationClock, Party, Session

admin.site.register(MediationClock, StageClockAdmin)


class SessionInline(ReadOnlyInline):
    model = Session
    fields = ("number", "held_on", "place", "recorded_by")


class FollowUpInline(ReadOnlyInline):
    model = FollowUp
    fields = ("visited_on", "performance", "visited_by")


@admin.register(Dispute)
class DisputeAdmin(ReadOnly):
    list_display = (
        "number",
        "kind",
        "channel",
        "is_major",
        "committee",
        "outcome",
        "concluded_on_time",
        "status",
    )
    list_filter = ("kind", "channel", "is_major", "outcome")
    list_select_related = ("case",)
    search_fields = ("number",)
    inlines = (SessionInline, FollowUpInline)

    @admin.display(description=_("状态"))
    def status(self, obj: Dispute) -> str:
        from zhizhi.mediation.workflow import state_label

        return state_label(obj.case.status)


@admin.register(Party)
class PartyAdmin(ReadOnly):
    list_display = ("dispute", "sort", "role", "masked_name", "masked_id_number", "masked_phone")
    list_filter = ("role",)
    exclude = ("name", "id_number", "phone", "address")

    @admin.display(description=_("姓名"))
    def masked_name(self, obj: Party) -> str:
        return mask_name(obj.name)

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, obj: Party) -> str:
        return mask_ric(obj.id_number)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj: Party) -> str:
        return mask_phone(obj.phone)


@admin.register(Session)
class SessionAdmin(ReadOnly):
    list_display = ("dispute", "number", "held_on", "place", "recorded_by", "recorded_at")
    exclude = ("attendees",)  # names of the parties and others present


@admin.register(Agreement)
class AgreementAdmin(ReadOnly):
    list_display = (
        "dispute",
        "form",
        "effective_on",
        "performance_due",
        "judicial_due_at",
        "judicial_applied_on",
        "judicial_confirmed",
    )
    list_filter = ("form", "judicial_confirmed")


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnly):
    list_display = ("dispute", "visited_on", "performance", "visited_by", "recorded_at")
    list_filter = ("performance",)
