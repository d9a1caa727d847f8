from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from zhizhi.accounts.models import ApiToken, Department, PersonalDataAccess, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "departments")
    search_fields = ("username", "display_name")
    filter_horizontal = ("regions", "departments", "groups", "user_permissions")
    autocomplete_fields = ()
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("基层智治", {"fields": ("role", "display_name", "phone", "regions", "departments")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "is_active")
    search_fields = ("code", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "hint", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("key_hash", "hint", "created_at", "last_used_at")
    actions = ["revoke"]

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        from django.utils import timezone

        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())

    def save_model(self, request, obj, form, change):
        if not change:
            token, raw = ApiToken.issue(obj.user, obj.name)
            obj.pk = token.pk
            self.message_user(request, f"新令牌（只显示这一次）：{raw}")
            return
        super().save_model(request, obj, form, change)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "object_type", "object_id", "fields", "reason")
    list_filter = ("object_type",)
    readonly_fields = ("at", "user", "object_type", "object_id", "fields", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
