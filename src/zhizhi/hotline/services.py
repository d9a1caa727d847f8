"""Hotline writes. One transaction per operation; a call that opens a case creates it through
`cases.services.create_case` in the same transaction (channel hotline, the call's nature)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases import reference
from zhizhi.cases import services as case_services
from zhizhi.cases.models import Case, Channel
from zhizhi.core import inputs
from zhizhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhizhi.core.personal import normalize_phone
from zhizhi.hotline import queries
from zhizhi.hotline.models import Call, Decision, Meeting, Outcome
from zhizhi.territory.models import Region

CALL_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.DISPATCHER, Role.ADMIN})
MEETING_ROLES = frozenset({Role.DISPATCHER, Role.LEADER, Role.ADMIN})
# Natures an operator may close on the call itself; every other nature becomes a case with its clock.
ANSWERABLE_NATURES = frozenset({"consultation", "praise"})
MAX_SUMMARY = 2000


def _text(value: str, *, field: str, label: str, limit: int, required: bool = True) -> str:
    return inputs.text(value, name=field, label=label, limit=limit, required=required)


def _region(actor: User, code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.defer("boundary").filter(code=code, is_active=True).first()
    if region is None:
        raise ValidationFailed("unknown_region", f"区域代码不存在：{code}", field="region")
    if not scope.in_regions(actor, region.path):
        raise PermissionDenied("forbidden_region", "无权在该区域登记")
    return region


@dataclass(frozen=True)
class CallInput:
    nature: str
    summary: str
    caller_phone: str = ""
    caller_name: str = ""
    answer: str = ""  # answered on the spot: what the operator told the caller
    case: case_services.CaseInput | None = None  # opened as a case
    region: str | None = None  # for an answered call: the village or grid the question is about


def record_call(*, actor: User, data: CallInput, now: datetime | None = None) -> Call:
    """Record a call: answered on the spot (a consultation, or thanks) or opened as a case."""
    now = now or timezone.now()
    if scope.role_of(actor) not in CALL_ROLES:
        raise PermissionDenied("forbidden_role", "当前角色不能登记来电")
    nature = reference.nature(data.nature)
    if nature is None:
        raise ValidationFailed("unknown_nature", f"未知的诉求性质：{data.nature}", field="nature")
    summary = _text(data.summary, field="summary", label="来电内容", limit=MAX_SUMMARY)
    phone = normalize_phone(data.caller_phone) if data.caller_phone.strip() else ""
    name = _text(
        data.caller_name, field="caller_name", label="来电人", limit=case_services.MAX_NAME, required=False
    )
    answer = (data.answer or "").strip()
    if bool(answer) == (data.case is not None):
        raise ValidationFailed("answer_or_case", "来电须当场答复（填写答复内容）或转为工单，二者选一")
    if data.case is None:  # answered on the spot
        if nature.code not in ANSWERABLE_NATURES:
            raise ValidationFailed(
                "case_required", f"“{nature.name}”类来电须转为工单办理，不能当场答复", field="answer"
            )
        _text(answer, field="answer", label="答复内容", limit=MAX_SUMMARY)
        region = _region(actor, data.region)
        with transaction.atomic():
            return Call.objects.create(
                received_at=now,
                operator=actor,
                caller_phone=phone,
                caller_name=name,
                nature=nature,
                summary=summary,
                outcome=Outcome.ANSWERED,
                answer=answer,
                region=region,
                region_path=region.path if region else "",
            )
    case_input = replace(
        data.case,
        channel=Channel.HOTLINE,
        nature=nature.code,
        reporter_phone=phone,
        reporter_name=name,
        description=data.case.description or summary,
    )
    with transaction.atomic():
        case = case_services.create_case(actor=actor, data=case_input, now=now).case
        return Call.objects.create(
            received_at=now,
            operator=actor,
            caller_phone=phone,
            caller_name=name,
            nature=nature,
            summary=summary,
            outcome=Outcome.CASE,
            case=case,
            region=case.region,
            region_path=case.region_path,
        )


@dataclass(frozen=True)
class DecisionInput:
    text: str
    department: str  # department code
    due_on: date
    owner: str | None = None  # username


def _decision(meeting: Meeting, d: DecisionInput, *, index: int) -> Decision:
    field = f"decisions[{index}]"
    text = _text(d.text, field=field, label="议定事项", limit=1000)
    dept = Department.objects.filter(code=d.department, is_active=True).first()
    if dept is None:
        raise ValidationFailed("unknown_department", f"未知的部门：{d.department}", field=field)
    owner = None
    if d.owner:
        owner = User.objects.filter(username=d.owner, is_active=True).first()
        if owner is None:
            raise ValidationFailed("unknown_user", f"未知的用户：{d.owner}", field=field)
    if d.due_on < meeting.held_on:
        raise ValidationFailed("due_before_meeting", "完成时限不能早于会议日期", field=field)
    return Decision(meeting=meeting, text=text, owner_department=dept, owner=owner, due_on=d.due_on)


def hold_meeting(
    *,
    actor: User,
    held_on: date,
    title: str,
    attendees: str,
    region: str,
    decisions: list[DecisionInput],
    case_ids: list[int] | None = None,
    place: str = "",
    chair: str = "",
    summary: str = "",
) -> Meeting:
    """Record a joint analysis meeting with the cases it discussed and its decisions."""
    if scope.role_of(actor) not in MEETING_ROLES:
        raise PermissionDenied("forbidden_role", "当前角色不能登记会商研判")
    where = _region(actor, region)
    if where is None:
        raise ValidationFailed("missing_field", "请选择区域", field="region")
    if held_on > timezone.localdate():
        raise ValidationFailed("future_date", "会议日期不能晚于今天", field="held_on")
    ids = sorted(set(case_ids or []))
    found = set(scope.visible_cases(actor).filter(pk__in=ids).values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationFailed(
            "unknown_case", f"工单不存在或无权查看：{', '.join(map(str, missing))}", field="case_ids"
        )
    with transaction.atomic():
        meeting = Meeting(
            held_on=held_on,
            title=_text(title, field="title", label="议题", limit=200),
            place=_text(place, field="place", label="地点", limit=100, required=False),
            chair=_text(chair, field="chair", label="主持人", limit=50, required=False),
            attendees=_text(attendees, field="attendees", label="参会人员", limit=2000),
            summary=_text(summary, field="summary", label="研判情况", limit=5000, required=False),
            region=where,
            region_path=where.path,
            created_by=actor,
        )
        meeting.save()
        rows = [_decision(meeting, d, index=i) for i, d in enumerate(decisions)]
        Decision.objects.bulk_create(rows)
        if ids:
            meeting.cases.set(Case.objects.filter(pk__in=ids))
    return meeting


def complete_decision(*, actor: User, decision_id: int, note: str, now: datetime | None = None) -> Decision:
    """Mark a decision done, with what was done. The owner, a member of the owner department, or
    the roles that hold meetings may; done once."""
    now = now or timezone.now()
    with transaction.atomic():
        decision = queries.visible_decisions(actor).select_for_update().filter(pk=decision_id).first()
        if decision is None:
            raise NotFound("议定事项不存在或无权查看", code="decision_not_found")
        may = (
            decision.owner_id == actor.pk
            or decision.owner_department_id in scope.department_ids(actor)
            or scope.role_of(actor) in MEETING_ROLES
        )
        if not may:
            raise PermissionDenied("forbidden_role", "无权办结该议定事项")
        if decision.done_at is not None:
            raise Conflict("already_done", "该议定事项已办结")
        decision.done_note = _text(note, field="note", label="完成情况", limit=2000)
        decision.done_at = now
        decision.done_by = actor
        decision.save(update_fields=["done_note", "done_at", "done_by"])
    return decision
