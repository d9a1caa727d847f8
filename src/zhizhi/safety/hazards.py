"""The `hazard` case type: its effects, guards and registration with the engine.

Each effect is split in two: `APPLY[name](case, detail, actor, payload, now, data)` changes the case and its
`HazardDetail` in memory and returns (case fields, detail fields) changed — the demo builder plays
hazards' lives with it, without the database — and the engine effect registered below wraps it,
saving the detail's fields (the engine saves the case's and writes the event, in the same
transaction). Effects validate their payload before they change anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from zhizhi.accounts.models import Role
from zhizhi.accounts.scope import CREATE_ROLES
from zhizhi.cases import sla, types
from zhizhi.cases.types import CaseType
from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed
from zhizhi.safety.models import Grade, HazardDetail
from zhizhi.safety.workflow import HAZARD, HAZARD_DEPARTMENT, HAZARD_WORKFLOW

if TYPE_CHECKING:
    from zhizhi.accounts.models import User
    from zhizhi.cases.models import Case

Payload = dict[str, Any]
Changed = tuple[list[str], list[str]]
Apply = Callable[["Case", HazardDetail, "User", Payload, datetime, dict[str, Any]], Changed]

MAX_DEADLINE_DAYS = 366  # a rectification notice's deadline, from the notice
MAX_PLAN_DAYS = 5 * 366  # a governance plan's deadline, from the hazard's clock start
MAX_ATTACHMENTS = 20
MAX_FUNDS = Decimal("99999999.99")
CLOCK_FIELDS = [
    "clock_started_at",
    "sla_target",
    "sla_unit",
    "due_at",
    "due_provisional",
    "is_overdue",
    "is_due_soon",
]


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _date(value: Any, name: str) -> date:
    if isinstance(value, datetime):
        raise ValidationFailed("invalid_field", f"{name} 须为日期 YYYY-MM-DD", field=name)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed("invalid_field", f"{name} 须为日期 YYYY-MM-DD", field=name) from None


def _refresh_flags(case: Case, now: datetime) -> None:
    case.is_overdue = case.due_at < now
    case.is_due_soon = not case.is_overdue and case.due_at < now + timedelta(
        hours=settings.ZHIZHI_DUE_SOON_HOURS
    )


def _deadline_to(case: Case, deadline: date, now: datetime, data: dict[str, Any]) -> None:
    """Make `deadline` (a local date) the case's due date: the snapshot becomes N natural days
    from the clock start, so later recomputations (`sla.recompute_due`) keep it."""
    old = case.due_at
    case.sla_unit = "days"
    case.sla_target = (deadline - calendar.local_date(case.clock_started_at)).days
    sla.recompute_due(case)
    _refresh_flags(case, now)
    data.update(old_due_at=_iso(old), due_at=_iso(case.due_at))


# --- Effects ---------------------------------------------------------------------------------------


def apply_notify(
    case: Case, detail: HazardDetail, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> Changed:
    """整改通知: the rectification clock starts at the notice; its deadline is the notice's, or the
    grade's policy target counted from the notice."""
    deadline = _date(p["deadline"], "deadline") if p.get("deadline") else None
    today = calendar.local_date(now)
    if deadline is not None and not today <= deadline <= today + timedelta(days=MAX_DEADLINE_DAYS):
        raise ValidationFailed(
            "invalid_deadline", f"整改期限须在通知当日到 {MAX_DEADLINE_DAYS} 天内", field="deadline"
        )
    notice_no = str(p.get("notice_no") or "")
    if len(notice_no) > 60:
        raise ValidationFailed("too_long", "整改通知书编号不能超过 60 个字符", field="notice_no")
    case.clock_started_at = now
    if deadline is not None:
        _deadline_to(case, deadline, now, data)
    else:
        old = case.due_at
        sla.recompute_due(case)
        _refresh_flags(case, now)
        data.update(old_due_at=_iso(old), due_at=_iso(case.due_at))
    detail.notified_at, detail.notice_no = now, notice_no
    data.update(notice_no=notice_no)
    return list(CLOCK_FIELDS), ["notified_at", "notice_no"]


def apply_start(
    case: Case, detail: HazardDetail, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> Changed:
    case.started_at = case.started_at or now
    return ["started_at"], []


def _attachments(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationFailed("invalid_field", "attachments 须为文件引用的列表", field="attachments")
    if len(value) > MAX_ATTACHMENTS or any(len(v) > 200 for v in value):
        raise ValidationFailed(
            "invalid_field", f"佐证材料最多 {MAX_ATTACHMENTS} 项，每项不超过 200 个字符", field="attachments"
        )
    return [v.strip() for v in value]


def apply_submit(
    case: Case, detail: HazardDetail, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> Changed:
    files = _attachments(p.get("attachments"))
    detail.rectified_at, detail.evidence, detail.evidence_files = now, p["evidence"], files
    data.update(evidence=p["evidence"], attachments=files, before_due=now <= case.due_at)
    return [], ["rectified_at", "evidence", "evidence_files"]


def apply_pass(
    case: Case, detail: HazardDetail, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> Changed:
    """复查合格: the hazard is fixed. The case is 办结 as of when the organisation finished the
    rectification that passed (rectified_at), so `resolved_on_time` is `resolved_at <= due_at` as
    for every case; `verified_at` records when the re-inspection confirmed it."""
    rectified_at = detail.rectified_at or now
    detail.reinspected_at, detail.reinspection_result, detail.verified_at = now, p["result"], now
    case.resolved_at = rectified_at
    case.resolved_on_time = rectified_at <= case.due_at
    case.resolution = detail.evidence
    case.is_due_soon = False
    if case.assignee_id is None:
        case.assignee = actor
    data.update(result=p["result"], on_time=case.resolved_on_time, rectified_at=_iso(rectified_at))
    return (
        ["resolved_at", "resolved_on_time", "resolution", "is_due_soon", "assignee"],
        ["reinspected_at", "reinspection_result", "verified_at"],
    )


def apply_fail(
    case: Case, detail: HazardDetail, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> Changed:
    """复查不合格: back to rectification; the claimed completion no longer stands."""
    detail.reinspected_at, detail.reinspection_result = now, p["result"]
    detail.reinspection_failures += 1
    data.update(
        result=p["result"], failures=detail.reinspection_failures, rectified_at=_iso(detail.rectified_at)
    )
    detail.rectified_at = None
    return [], ["reinspected_at", "reinspection_result", "reinspection_failures", "rectified_at"]


def apply_close(
    case: Case, detail: HazardDetail, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> Changed:
    case.closed_at = now
    return ["closed_at"], []


def apply_acceptance(
    case: Case, detail: HazardDetail, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> Changed:
    """验收销号 of a major hazard: closes it and ends listed supervision (摘牌)."""
    case.closed_at = now
    detail.accepted_at, detail.acceptance_result = now, p["result"]
    data.update(result=p["result"], delisted=detail.listed_at is not None)
    return ["closed_at"], ["accepted_at", "acceptance_result"]


def apply_list(
    case: Case, detail: HazardDetail, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> Changed:
    """挂牌督办: a flag and a supervision on the case; the timeline records who listed it."""
    detail.listed_at, detail.listing_note = now, p["note"]
    case.supervision_count += 1
    return ["supervision_count"], ["listed_at", "listing_note"]


def _funds(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed("invalid_field", "funds 须为金额（万元）", field="funds") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_FUNDS:
        raise ValidationFailed(
            "invalid_field", "funds 须为 0 到 99999999.99 之间的金额（万元）", field="funds"
        )
    return amount.quantize(Decimal("0.01"))


def apply_plan(
    case: Case, detail: HazardDetail, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> Changed:
    """治理方案 (安全生产事故隐患排查治理暂行规定 第十五条: goals, measures, funds, people, deadline,
    contingency). Its deadline becomes the hazard's due date; filing again revises the plan."""
    funds = _funds(p["funds"])
    deadline = _date(p["plan_deadline"], "plan_deadline")
    start = calendar.local_date(case.clock_started_at)
    if not max(start, calendar.local_date(now)) <= deadline <= start + timedelta(days=MAX_PLAN_DAYS):
        raise ValidationFailed(
            "invalid_deadline", "治理时限须不早于今天，且不超过五年", field="plan_deadline"
        )
    for name in ("goals", "measures", "people", "contingency"):
        if not isinstance(p[name], str):
            raise ValidationFailed("invalid_field", f"{name} 须为文字", field=name)
    revision = detail.plan_filed_at is not None
    detail.plan_goals, detail.plan_measures, detail.plan_people = p["goals"], p["measures"], p["people"]
    detail.plan_funds, detail.plan_deadline, detail.plan_contingency = funds, deadline, p["contingency"]
    detail.plan_filed_at = now
    _deadline_to(case, deadline, now, data)
    data.update(plan_deadline=deadline.isoformat(), funds=str(funds), revision=revision)
    return list(CLOCK_FIELDS), [
        "plan_goals", "plan_measures", "plan_people", "plan_funds", "plan_deadline", "plan_contingency",
        "plan_filed_at",
    ]  # fmt: skip


APPLY: dict[str, Apply] = {
    "notify": apply_notify,
    "start_rectification": apply_start,
    "submit_rectification": apply_submit,
    "reinspect_pass": apply_pass,
    "reinspect_fail": apply_fail,
    "close": apply_close,
    "acceptance": apply_acceptance,
    "list_supervision": apply_list,
    "file_plan": apply_plan,
}


def _effect(apply: Apply) -> types.Effect:
    def effect(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
        detail = case.hazard
        case_fields, detail_fields = apply(case, detail, actor, p, now, data)
        if detail_fields:
            detail.save(update_fields=detail_fields)
        return case_fields

    effect.__name__ = apply.__name__.replace("apply_", "")
    return effect


EFFECTS: dict[str, types.Effect] = {name: _effect(fn) for name, fn in APPLY.items()}


# --- Guards ----------------------------------------------------------------------------------------


def _detail(case: Case) -> HazardDetail:
    return case.hazard


GUARD_CHECKS: dict[str, types.Guard] = {
    "major": lambda case, now: _detail(case).grade == Grade.MAJOR,
    "general": lambda case, now: _detail(case).grade == Grade.GENERAL,
    "not_listed": lambda case, now: _detail(case).listed_at is None,
    "plan_ready": lambda case, now: (
        _detail(case).grade == Grade.GENERAL or _detail(case).plan_filed_at is not None
    ),
}

GUARD_MESSAGES = {
    "major": "只有重大隐患可以执行此操作",
    "general": "重大隐患须由镇里验收销号",
    "not_listed": "该隐患已挂牌督办",
    "plan_ready": "重大隐患须先报备治理方案，再开始整改",
}

HAZARD_CREATE_ROLES = frozenset(CREATE_ROLES - {Role.HOTLINE_OPERATOR})

HAZARD_TYPE = types.register(
    CaseType(
        code=HAZARD,
        name=gettext_noop("安全隐患"),
        workflow=HAZARD_WORKFLOW,
        effects=EFFECTS,
        guard_checks=GUARD_CHECKS,
        guard_messages=GUARD_MESSAGES,
        department=HAZARD_DEPARTMENT,  # safety inspectors register the hazards they find, anywhere
        # Hazards are found on inspections: by the region's grid workers, cadres, dispatchers and admins
        # (and the inspectors above). A caller's report of a danger is an event on the hotline, which an
        # inspection then checks; the hotline operator does not record hazards.
        create_roles=HAZARD_CREATE_ROLES,
    )
)
