from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from zhizhi.core.errors import DomainError
from zhizhi.open311 import services
from zhizhi.open311.models import Open311Client, Open311Request, ServiceAttribute
from zhizhi.territory.models import Region


class IssueClientForm(forms.ModelForm):
    region = forms.ModelChoiceField(
        queryset=Region.objects.active(),
        required=False,
        label="可上报区域",
        help_text="留空：本镇（系统只有一个乡镇时）",
    )

    class Meta:
        model = Open311Client
        fields = ["name"]

    def clean_region(self) -> Region | None:
        region = self.cleaned_data.get("region")
        if region is None:
            try:
                services.default_region()
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from None
        return region


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "hint", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name",)
    readonly_fields = ("user", "hint", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = IssueClientForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["name", "region"]
        return ["name", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        region = form.cleaned_data.get("region")
        client, raw = services.issue_client(name=obj.name, region_code=region.code if region else None)
        obj.pk, obj.user, obj.key_hash, obj.hint = client.pk, client.user, client.key_hash, client.hint
        obj.created_at = client.created_at
        self.message_user(request, f"新的 Open311 API key（只显示这一次）：{raw}", level=messages.WARNING)

    @admin.action(description="吊销所选客户端的 API key")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Open311Client]) -> None:
        n = 0
        for client in queryset.filter(revoked_at__isnull=True):
            services.revoke_client(client.pk)
            n += 1
        self.message_user(request, f"已吊销 {n} 个客户端")


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ("case", "client", "created_at")
    list_filter = ("client",)
    readonly_fields = (
        "case",
        "client",
        "token",
        "email",
        "media_url",
        "device_id",
        "account_id",
        "address_id",
        "attributes",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ("code", "description", "category", "datatype", "required", "order", "is_active")
    list_filter = ("datatype", "required", "is_active")
    search_fields = ("code", "description")
    autocomplete_fields = ()
