from django.contrib import admin

from zhizhi.cases.models import Case, CaseEvent, Category, IdempotencyKey, RequestNature, SlaPolicy


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "department", "accepts_public_reports", "is_active", "sort")
    list_filter = ("parent", "department", "is_active")
    search_fields = ("code", "name")


@admin.register(RequestNature)
class RequestNatureAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "case_type", "category", "nature", "priority", "target", "unit", "is_active")
    list_filter = ("case_type", "unit", "priority", "is_active")
    search_fields = ("name",)


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "actor", "action", "from_status", "to_status", "note", "data")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only here: every change to a case goes through the workflow services."""

    list_display = ("id", "title", "category", "channel", "status", "region", "received_at", "due_at")
    list_filter = ("status", "channel", "case_type", "priority", "is_overdue")
    search_fields = ("title",)
    date_hierarchy = "received_at"
    list_select_related = ("category", "category__parent", "region")
    inlines = [CaseEventInline]
    exclude = ("reporter_name", "reporter_phone")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ("case", "at", "actor", "action", "from_status", "to_status")
    list_filter = ("action",)
    raw_id_fields = ("case",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("key", "user", "case", "created_at")
    raw_id_fields = ("case",)
