from django.contrib import admin

from zhizhi.hotline.models import Call, Decision, Meeting


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("received_at", "nature", "outcome", "case", "region", "operator")
    list_filter = ("outcome", "nature")
    date_hierarchy = "received_at"
    raw_id_fields = ("case", "region", "operator")
    # Personal data: searchable by the full number only, never listed.
    search_fields = ("=caller_phone", "summary")


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    raw_id_fields = ("owner", "done_by")


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("held_on", "title", "region", "created_by")
    date_hierarchy = "held_on"
    raw_id_fields = ("region", "created_by", "cases")
    inlines = [DecisionInline]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("text", "meeting", "owner_department", "due_on", "done_at")
    list_filter = ("owner_department",)
    raw_id_fields = ("meeting", "owner", "done_by")
