"""The hotline desk over the API: calls (answered on the spot or opened as cases), caller history,
joint analysis meetings and their decisions, and the hotline figures. See docs/hotline.md."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.api.cases import check_page
from zhizhi.api.schemas import ErrorOut, Out
from zhizhi.cases.services import CaseInput
from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed
from zhizhi.core.personal import mask_name, mask_phone
from zhizhi.hotline import figures, queries, services
from zhizhi.hotline.models import Call, Decision, Meeting

router = Router()
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


# --- Schemas ---------------------------------------------------------------------------------------


class CallCaseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(..., description="subclass code, e.g. street_lighting")
    title: str
    description: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    region: str | None = None
    priority: str = "normal"


class CallIn(Schema):
    model_config = ConfigDict(extra="forbid")

    nature: str = Field(
        ..., description="consultation | help_request | complaint | report | suggestion | praise"
    )
    summary: str = Field(..., description="what the caller asked")
    caller_phone: str = ""
    caller_name: str = ""
    answer: str = Field("", description="answered on the spot: what the operator said (consultation, praise)")
    case: CallCaseIn | None = Field(None, description="opened as a case (every other nature)")
    region: str | None = Field(None, description="for an answered call: the region the question is about")


class CallOut(Out):
    id: int
    received_at: str
    operator: str
    caller_phone: str
    caller_name: str
    personal_data_revealed: bool
    nature: str
    summary: str
    outcome: str
    answer: str
    case_id: int | None
    region: str | None


class CallPageOut(Out):
    count: int
    page: int
    page_size: int
    results: list[CallOut]


class LookupIn(Schema):
    caller_phone: str


class DecisionIn(Schema):
    text: str
    department: str
    due_on: date
    owner: str | None = None


class MeetingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    held_on: date
    title: str
    attendees: str
    region: str
    decisions: list[DecisionIn] = []
    case_ids: list[int] = []
    place: str = ""
    chair: str = ""
    summary: str = ""


class DecisionOut(Out):
    id: int
    text: str
    department: str
    owner: str | None
    due_on: date
    done_at: str | None
    done_note: str


class MeetingOut(Out):
    id: int
    held_on: date
    title: str
    place: str
    chair: str
    attendees: str
    summary: str
    region: str
    case_ids: list[int]
    decisions: list[DecisionOut]


class CompleteIn(Schema):
    note: str


class FigureOut(Out):
    code: str
    label: str
    unit: str
    value: float | None
    numerator: int
    denominator: int | None


# --- Presenters ------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _call(call: Call, *, reveal: bool) -> dict[str, Any]:
    return {
        "id": call.pk,
        "received_at": _iso(call.received_at),
        "operator": call.operator.username,
        "caller_phone": call.caller_phone if reveal else mask_phone(call.caller_phone),
        "caller_name": call.caller_name if reveal else mask_name(call.caller_name),
        "personal_data_revealed": reveal,
        "nature": call.nature.code,
        "summary": call.summary,
        "outcome": call.outcome,
        "answer": call.answer,
        "case_id": call.case_id,
        "region": call.region.code if call.region else None,
    }


def _decision(d: Decision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "text": d.text,
        "department": d.owner_department.code,
        "owner": d.owner.username if d.owner else None,
        "due_on": d.due_on,
        "done_at": _iso(d.done_at),
        "done_note": d.done_note,
    }


def _meeting(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "held_on": m.held_on,
        "title": m.title,
        "place": m.place,
        "chair": m.chair,
        "attendees": m.attendees,
        "summary": m.summary,
        "region": m.region.code,
        "case_ids": sorted(m.cases.values_list("pk", flat=True)),
        "decisions": [_decision(d) for d in m.decisions.select_related("owner_department", "owner")],
    }


# --- Endpoints -------------------------------------------------------------------------------------

CALL_RELATED = ("nature", "operator", "region")


@router.post("/calls", response={201: CallOut, **ERRORS}, summary="Record a call")
def record_call(request: HttpRequest, payload: CallIn) -> Status:
    user = _user(request)
    case = None
    if payload.case is not None:
        # Channel, nature and reporter come from the call (services.record_call sets them).
        case = CaseInput(channel="hotline", **payload.case.model_dump())
    data = services.CallInput(
        nature=payload.nature,
        summary=payload.summary,
        caller_phone=payload.caller_phone,
        caller_name=payload.caller_name,
        answer=payload.answer,
        case=case,
        region=payload.region,
    )
    call = services.record_call(actor=user, data=data)
    fresh = Call.objects.select_related(*CALL_RELATED).get(pk=call.pk)
    return Status(201, _call(fresh, reveal=queries.may_see_callers(user)))  # what they just typed


@router.get("/calls", response={200: CallPageOut, **ERRORS}, summary="Calls I may see, newest first")
def list_calls(
    request: HttpRequest,
    outcome: str | None = None,
    nature: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    user = _user(request)
    check_page(page, page_size)
    qs = queries.visible_calls(user)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if nature:
        qs = qs.filter(nature__code=nature)
    start = (page - 1) * page_size
    rows = qs.select_related(*CALL_RELATED).order_by("-received_at", "-id")[start : start + page_size]
    # Lists mask the caller's name and number: a detail shows them to the roles whose work needs them.
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "results": [_call(c, reveal=False) for c in rows],
    }


@router.post(
    "/calls/lookup",
    response={200: list[CallOut], **ERRORS},
    summary="A caller's earlier calls (POST, to keep numbers out of URLs and logs)",
)
def lookup(request: HttpRequest, payload: LookupIn) -> list[dict[str, Any]]:
    user = _user(request)
    history = list(queries.caller_history(user, payload.caller_phone).select_related(*CALL_RELATED)[:50])
    reveal = queries.may_see_callers(user)
    if reveal:
        queries.saw_callers(user, history, "来电号码查询")
    return [_call(c, reveal=reveal) for c in history]


@router.get("/calls/{call_id}", response={200: CallOut, **ERRORS}, summary="One call")
def get_call(request: HttpRequest, call_id: int) -> dict[str, Any]:
    call, reveal = queries.open_call(_user(request), call_id)
    return _call(call, reveal=reveal)


@router.post("/meetings", response={201: MeetingOut, **ERRORS}, summary="Record a joint analysis meeting")
def hold_meeting(request: HttpRequest, payload: MeetingIn) -> Status:
    user = _user(request)
    meeting = services.hold_meeting(
        actor=user,
        held_on=payload.held_on,
        title=payload.title,
        attendees=payload.attendees,
        region=payload.region,
        decisions=[
            services.DecisionInput(d.text, d.department, d.due_on, d.owner) for d in payload.decisions
        ],
        case_ids=payload.case_ids,
        place=payload.place,
        chair=payload.chair,
        summary=payload.summary,
    )
    return Status(201, _meeting(queries.get_meeting(user, meeting.pk)))


@router.get("/meetings", response={200: list[MeetingOut], **ERRORS}, summary="Meetings I may see")
def list_meetings(request: HttpRequest, year: int | None = None) -> list[dict[str, Any]]:
    qs = queries.visible_meetings(_user(request)).select_related("region")
    if year is not None:
        qs = qs.filter(held_on__year=calendar.supported_year(year))
    return [_meeting(m) for m in qs.order_by("-held_on", "-id")[:200]]


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS}, summary="One meeting")
def get_meeting(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    return _meeting(queries.get_meeting(_user(request), meeting_id))


@router.post("/decisions/{decision_id}/complete", response={200: DecisionOut, **ERRORS}, summary="Mark done")
def complete_decision(request: HttpRequest, decision_id: int, payload: CompleteIn) -> dict[str, Any]:
    decision = services.complete_decision(actor=_user(request), decision_id=decision_id, note=payload.note)
    return _decision(Decision.objects.select_related("owner_department", "owner").get(pk=decision.pk))


class FiguresQuery(Schema):
    year: int | None = None
    region: str | None = None


@router.get("/figures", response={200: list[FigureOut], **ERRORS}, summary="Hotline figures")
def hotline_figures(request: HttpRequest, q: Query[FiguresQuery]) -> list[dict[str, Any]]:
    user = _user(request)
    if q.region:
        if not scope.visible_regions(user).filter(code=q.region).exists():
            raise ValidationFailed("unknown_region", f"区域代码不存在：{q.region}")
    elif not scope.sees_everything(user):
        # Without a region: the user's own first region subtree (a grid worker's figures are the grid's).
        paths = scope.region_paths(user)
        if not paths:
            raise ValidationFailed("region_required", "请指定区域")
    f = figures.FigureFilter.build(region=q.region or _first_region_code(user), year=q.year)
    return [
        {
            "code": v.code,
            "label": gettext(v.figure.label),
            "unit": v.figure.unit,
            "value": v.value,
            "numerator": v.numerator,
            "denominator": v.denominator,
        }
        for v in figures.evaluate_all(f, user)
    ]


def _first_region_code(user: User) -> str | None:
    if scope.sees_everything(user):
        return None
    from zhizhi.territory.models import Region

    path = scope.region_paths(user)[0]
    return Region.objects.filter(path=path).values_list("code", flat=True).first()
