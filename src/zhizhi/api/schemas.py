"""API shapes. Output is built by `present.py` from model rows; these classes document it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    """Output shapes. `present.py` hands out plain dicts, which plain pydantic models validate
    directly; ninja's `Schema` would wrap every nested dict in its ORM attribute getter first
    (a third of the time of a 50-row list, docs/benchmarks.md)."""


class ErrorOut(Out):
    code: str
    message: str
    details: dict[str, Any] | None = None


class CaseIn(BaseModel):
    """A plain pydantic model, like the output shapes: ninja's `Schema` validates a model that
    forbids extra fields twice, the second time through its ORM attribute getter (docs/benchmarks.md,
    fix 43). Unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(..., description="grid_patrol | hotline | walk_in | online | inspection | transfer")
    category: str = Field(..., description="subclass code, e.g. street_vending")
    title: str
    case_type: str = "event"
    nature: str | None = Field(
        None, description="request nature code (hotline): consultation, help_request, …"
    )
    description: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    region: str | None = Field(None, description="region code; located from lon/lat when omitted")
    reporter_name: str = ""
    reporter_phone: str = ""
    priority: str = "normal"


class ActionIn(Schema):
    """The shared action fields, typed; a domain type's own fields pass through and the service
    refuses any field the action does not take (422 unknown_field)."""

    model_config = ConfigDict(extra="allow")

    department: str | None = None
    assignee: str | None = None
    reason: str | None = None
    note: str | None = None
    days: int | None = None
    resolution: str | None = None
    satisfaction: str | None = None
    reached: bool | None = None
    parent: int | None = None


class Ref(Out):
    code: str
    name: str


class RegionRef(Ref):
    level: str
    path: str


class CategoryRef(Ref):
    parent: Ref | None = None


class CaseSummaryOut(Out):
    id: int
    case_type: str
    channel: str
    category: CategoryRef
    nature: Ref | None
    title: str
    address: str
    region: RegionRef
    reporter_name: str
    reporter_phone: str
    priority: str
    department: Ref | None
    assignee: str | None
    status: str
    status_label: str
    received_at: datetime
    response_due_at: datetime | None
    due_at: datetime
    due_provisional: bool
    overdue: bool
    resolved_at: datetime | None
    resolved_on_time: bool | None
    satisfaction: str
    supervision_count: int


class EventOut(Out):
    id: int
    at: datetime
    actor: str | None
    action: str
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any]


class ActionRef(Out):
    name: str
    label: str
    required: list[str]
    optional: list[str]


class CaseDetailOut(CaseSummaryOut):
    description: str
    lon: float | None
    lat: float | None
    personal_data_revealed: bool
    clock_started_at: datetime
    paused_seconds: int
    paused_at: datetime | None
    extension_days: int
    extension_requested_days: int | None
    dispatched_at: datetime | None
    accepted_at: datetime | None
    started_at: datetime | None
    closed_at: datetime | None
    resolution: str
    visited_at: datetime | None
    visit_reached: bool | None
    return_count: int
    reopen_count: int
    parent_id: int | None
    sla_policy: str | None
    sla_target: int
    sla_unit: str
    events: list[EventOut]
    actions: list[ActionRef]


class DuplicateOut(Out):
    id: int
    title: str
    status: str
    received_at: datetime
    distance_m: float


class CaseCreatedOut(Out):
    case: CaseDetailOut
    duplicates: list[DuplicateOut]
    replayed: bool


class CasePageOut(Out):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[CaseSummaryOut]
