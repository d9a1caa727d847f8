"""Region admin. Every save goes through `zhizhi.territory.services`, so paths stay consistent:
a changed parent or code is a `move_region` (the subtree's paths and derived codes follow)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from zhizhi.core.errors import ValidationFailed
from zhizhi.territory import services
from zhizhi.territory.models import Region

if TYPE_CHECKING:
    from zhizhi.accounts.models import User


class RegionAdminForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["parent", "level", "kind", "code", "name", "boundary", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        level = data.get("level") or (self.instance.level if self.instance.pk else None)
        parent = data.get("parent")
        if not level:
            return data
        checks = [
            (
                "code",
                lambda: services.check_placement(level=level, code=data.get("code") or "", parent=parent),
            ),
            ("name", lambda: services.clean_name(data.get("name") or "")),
            ("kind", lambda: services.clean_kind(data.get("kind") or "", level)),
            ("boundary", lambda: services.clean_boundary(data.get("boundary"))),
        ]
        if self.instance.pk and parent is not None and parent.path.startswith(self.instance.path):
            self.add_error("parent", "不能把区域移到它自己或它的下级之下")
        for name, check in checks:
            if name not in data or name in self.errors:
                continue
            try:
                check()
            except ValidationFailed as exc:
                field = "parent" if exc.code in {"level_order", "parent_required"} else name
                self.add_error(field, exc.message)
        return data


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionAdminForm
    list_display = ("code", "name", "level", "parent", "is_active")
    list_filter = ("level", "kind", "is_active")
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth", "center_lon", "center_lat", "updated_at")
    ordering = ("path",)
    list_per_page = 100

    def get_readonly_fields(self, request: HttpRequest, obj: Region | None = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        # The level fixes the code's shape and the children's levels: it is chosen once.
        return (*fields, "level") if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: Region, form: Any, change: bool) -> None:
        actor = cast("User", request.user) if request.user.is_authenticated else None
        if not change:
            created = services.create_region(
                actor=actor,
                parent=obj.parent,
                level=obj.level,
                code=obj.code,
                name=obj.name,
                kind=obj.kind,
                boundary=obj.boundary,
            )
            if not obj.is_active:
                services.set_active(actor=actor, region=created, active=False)
            obj.pk = created.pk
        else:
            self._save_change(actor, obj, form)
        obj.refresh_from_db()
        obj._state.adding = False

    def _save_change(self, actor: User | None, obj: Region, form: Any) -> None:
        old = Region.objects.get(pk=obj.pk)
        region = old
        if obj.parent_id != old.parent_id or obj.code != old.code:
            region = services.move_region(actor=actor, region=old, new_parent=obj.parent, new_code=obj.code)
        if obj.name != region.name or obj.kind != region.kind:
            region = services.update_region(actor=actor, region=region, name=obj.name, kind=obj.kind)
        if "boundary" in form.changed_data:
            region = services.set_boundary(actor=actor, region=region, boundary=obj.boundary)
        if obj.is_active != region.is_active:
            services.set_active(actor=actor, region=region, active=obj.is_active)
