"""Template helpers for the workbench: durations, badges, querystrings, assets, masking."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django import template
from django.http import QueryDict
from django.utils.translation import gettext as _

from zhizhi.core.personal import mask_address, mask_name, mask_phone

register = template.Library()

VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"
# Each front-end library and the file whose presence says it was built (`make assets`).
VENDOR_FILES = {
    "bootstrap": "bootstrap/bootstrap.min.css",
    "htmx": "htmx/htmx.min.js",
    "echarts": "echarts/echarts.min.js",
    "leaflet": "leaflet/leaflet.js",
    "markercluster": "leaflet.markercluster/leaflet.markercluster.js",
}


@lru_cache(maxsize=1)
def _manifest_mtime_key(mtime: float) -> dict[str, bool]:
    return {name: (VENDOR_DIR / rel).is_file() for name, rel in VENDOR_FILES.items()}


def vendor_available() -> dict[str, bool]:
    """Which libraries `make assets` has put in place (re-checked when the manifest changes)."""
    manifest = VENDOR_DIR / "manifest.json"
    try:
        mtime = manifest.stat().st_mtime
    except OSError:
        return dict.fromkeys(VENDOR_FILES, False)
    return _manifest_mtime_key(mtime)


@register.simple_tag
def vendor() -> dict[str, bool]:
    """{% vendor as assets %} … {% if assets.echarts %}"""
    return vendor_available()


STATUS_COLORS = {
    "received": "secondary",
    "dispatched": "info",
    "accepted": "primary",
    "in_progress": "primary",
    "suspended": "warning",
    "returned": "danger",
    "resolved": "success",
    "closed": "dark",
    "merged": "light",
    # the hazard workflow's own states (safety/workflow.py)
    "notified": "info",
    "rectifying": "primary",
    "rectified": "warning",
    "reinspected": "success",
}


@register.filter
def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, "secondary")


@register.filter
def status_label(case: Any) -> str:
    """{{ case|status_label }}: the status as its case type's workflow labels it (translated)."""
    from zhizhi.cases import types

    return types.status_label(getattr(case, "case_type", "event"), case.status)


def _seconds(value: Any) -> int:
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@register.filter
def duration(value: Any) -> str:
    """3 天 4 小时 / 5 小时 20 分钟 / 12 分钟 (from seconds or a timedelta; sign ignored)."""
    s = abs(_seconds(value))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)s 天 %(h)s 小时") % {"d": days, "h": hours} if hours else _("%(d)s 天") % {"d": days}
    if hours:
        return (
            _("%(h)s 小时 %(m)s 分钟") % {"h": hours, "m": minutes}
            if minutes
            else _("%(h)s 小时") % {"h": hours}
        )
    return _("%(m)s 分钟") % {"m": max(minutes, 0 if s == 0 else 1)}


@register.simple_tag
def query(params: Any, **changes: Any) -> str:
    """A querystring from a dict or QueryDict with some keys changed; a None/"" value removes it."""
    if isinstance(params, QueryDict):
        values: dict[str, Any] = {k: params.get(k) for k in params}
    else:
        values = dict(params or {})
    for k, v in changes.items():
        if v is None or v == "":
            values.pop(k, None)
        else:
            values[k] = v
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def masked_name(value: str) -> str:
    return mask_name(value or "")


@register.filter
def masked_address(value: str) -> str:
    return mask_address(value or "")


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def add_class(bound_field: Any, css: str) -> Any:
    """Render a form field's widget with extra CSS classes (and aria-invalid when it has errors)."""
    attrs = dict(bound_field.field.widget.attrs)
    attrs["class"] = (attrs.get("class", "") + " " + css).strip()
    if getattr(bound_field, "errors", None):
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def can_create(user: Any) -> bool:
    """Whether the user's role registers cases (the nav shows 登记 only then)."""
    from zhizhi.accounts import scope

    return bool(getattr(user, "is_authenticated", False)) and scope.role_of(user) in scope.CREATE_ROLES


@register.filter
def uses_hotline(user: Any) -> bool:
    """Whether the nav shows 热线: the hotline desk's roles (operator, dispatcher, leader, admin)."""
    from zhizhi.accounts import scope
    from zhizhi.hotline.queries import DESK_ROLES

    return bool(getattr(user, "is_authenticated", False)) and (
        scope.role_of(user) in DESK_ROLES or scope.sees_everything(user)
    )


@register.filter
def uses_mediation(user: Any) -> bool:
    """Whether the nav shows 调解: the roles that may see disputes (`views.mediation.may_use`)."""
    from zhizhi.web.views.mediation import may_use

    return bool(getattr(user, "is_authenticated", False)) and may_use(user)
