"""Turn case rows into API dicts. Personal data is masked unless the caller may and asked to reveal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from zhizhi.accounts.models import User
from zhizhi.cases import types
from zhizhi.cases.models import Case, CaseEvent, Status
from zhizhi.cases.services import available_actions
from zhizhi.core.personal import mask_address, mask_name, mask_phone

SUMMARY_RELATED = ("category", "category__parent", "nature", "region", "department", "assignee")


# What `summary` reads, and nothing else: a list page builds fifty of these.
SUMMARY_ONLY = (
    *("id", "case_type", "channel", "title", "address", "reporter_name", "reporter_phone", "priority"),
    *("status", "received_at", "response_due_at", "due_at", "due_provisional", "resolved_at"),
    *("resolved_on_time", "satisfaction", "supervision_count"),
    *("category__code", "category__name", "category__parent__code", "category__parent__name"),
    *("nature__code", "nature__name", "department__code", "department__name", "assignee__username"),
    *("region__code", "region__name", "region__level", "region__path"),
)


def with_related(qs: QuerySet[Case]) -> QuerySet[Case]:
    # Not the region's boundary: a GeoJSON polygon (kilobytes for a real one) parsed for every row.
    return qs.select_related(*SUMMARY_RELATED).defer("region__boundary")


def for_summary(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Rows for `summary` only (a list): the columns it reads. Anything else would be a query per row."""
    return qs.select_related(*SUMMARY_RELATED).only(*SUMMARY_ONLY)


def _t(value: datetime | None) -> datetime | None:
    """Every time the API returns is in Asia/Shanghai (+08:00), however it was read."""
    return timezone.localtime(value) if value is not None else None


def _ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def summary(case: Case, *, reveal: bool = False) -> dict[str, Any]:
    now = timezone.now()
    cat = case.category
    return {
        "id": case.pk,
        "case_type": case.case_type,
        "channel": case.channel,
        "category": {"code": cat.code, "name": cat.name, "parent": _ref(cat.parent)},
        "nature": _ref(case.nature),
        "title": case.title,
        "address": case.address if reveal else mask_address(case.address),
        "region": {
            "code": case.region.code,
            "name": case.region.name,
            "level": case.region.level,
            "path": case.region.path,
        },
        "reporter_name": case.reporter_name if reveal else mask_name(case.reporter_name),
        "reporter_phone": case.reporter_phone if reveal else mask_phone(case.reporter_phone),
        "priority": case.priority,
        "department": _ref(case.department),
        "assignee": case.assignee.username if case.assignee else None,
        "status": case.status,
        "status_label": types.status_label(case.case_type, case.status),
        "received_at": _t(case.received_at),
        "response_due_at": _t(case.response_due_at),
        "due_at": _t(case.due_at),
        "due_provisional": case.due_provisional,
        "overdue": case.is_open and case.status != Status.SUSPENDED and case.due_at < now,
        "resolved_at": _t(case.resolved_at),
        "resolved_on_time": case.resolved_on_time,
        "satisfaction": case.satisfaction,
        "supervision_count": case.supervision_count,
    }


def event(e: CaseEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": _t(e.at),
        "actor": e.actor.username if e.actor else None,
        "action": e.action,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "note": e.note,
        "data": e.data,
    }


def detail(case: Case, user: User, *, reveal: bool = False) -> dict[str, Any]:
    out = summary(case, reveal=reveal)
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")
    out.update(
        description=case.description,
        lon=case.lon,
        lat=case.lat,
        personal_data_revealed=reveal,
        clock_started_at=_t(case.clock_started_at),
        paused_seconds=case.paused_seconds,
        paused_at=_t(case.paused_at),
        extension_days=case.extension_days,
        extension_requested_days=case.extension_requested_days,
        dispatched_at=_t(case.dispatched_at),
        accepted_at=_t(case.accepted_at),
        started_at=_t(case.started_at),
        closed_at=_t(case.closed_at),
        resolution=case.resolution,
        visited_at=_t(case.visited_at),
        visit_reached=case.visit_reached,
        return_count=case.return_count,
        reopen_count=case.reopen_count,
        parent_id=case.parent_id,
        sla_policy=case.sla_policy.name if case.sla_policy else None,
        sla_target=case.sla_target,
        sla_unit=case.sla_unit,
        events=[event(e) for e in events],
        actions=[
            {"name": a.name, "label": a.label, "required": list(a.required), "optional": list(a.optional)}
            for a in available_actions(user, case)
        ],
    )
    return out


def duplicate(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "title": case.title,
        "status": case.status,
        "received_at": _t(case.received_at),
        "distance_m": getattr(case, "distance_m", 0.0),
    }
