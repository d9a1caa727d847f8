"""The `petition` case type: its effects, guards and registration with the engine.

Each effect reads the case's `Petition`, validates its payload before it changes anything, changes
the case (in memory: the engine saves the fields returned and writes the event) and saves the
petition's own rows, inside the engine's transaction. Clock restarts are `clocks.restart` and are
recorded in the event's data (`data["clock"]`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from zhizhi.cases import types
from zhizhi.cases.types import CaseType
from zhizhi.core import calendar, inputs
from zhizhi.core.errors import Conflict, ValidationFailed
from zhizhi.petitions import clocks
from zhizhi.petitions.models import Acceptance, Decision, Level, Opinion, Petition, Stage
from zhizhi.petitions.workflow import ANSWERED, PETITION, PETITION_WORKFLOW, RE_REVIEWED

if TYPE_CHECKING:
    from zhizhi.accounts.models import User
    from zhizhi.cases.models import Case

Payload = dict[str, Any]
Apply = Callable[["Case", Petition, "User", Payload, datetime, dict[str, Any]], list[str]]

MAX_AUTHORITY = 200


def _has_petition(case: Case) -> Petition | None:
    return Petition.objects.filter(pk=case.pk).first()


def petition_of(case: Case) -> Petition:
    """The case's petition record. A petition case registered without one (e.g. through the generic
    case API rather than `petitions.services.register_petition`) cannot take petition actions."""
    petition = _has_petition(case)
    if petition is None:
        raise Conflict("no_petition_record", "该工单没有信访登记信息，请通过信访登记办理", case=case.pk)
    return petition


_date = inputs.day


_bool = inputs.flag


def _text(p: Payload, name: str) -> str:
    value = p[name]
    if not isinstance(value, str):
        raise ValidationFailed("invalid_field", f"{name} 须为文字", field=name)
    return value


# --- Acceptance (第二十二、二十三条) --------------------------------------------------------------


def _decided(case: Case, petition: Petition, decision: str, now: datetime, data: dict[str, Any]) -> list[str]:
    """The acceptance decision and its written notice: on time when within the acceptance clock."""
    petition.acceptance, petition.decided_at = decision, now
    petition.decided_on_time = now <= case.due_at
    data.update(
        decision=decision, on_time=petition.decided_on_time, acceptance_due_at=clocks.iso(case.due_at)
    )
    return ["acceptance", "decided_at", "decided_on_time"]


def apply_accept(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    """受理: the written notice goes out now; the handling clock (60 days) starts from acceptance."""
    fields = _decided(case, petition, Acceptance.ACCEPT, now, data)
    petition.accepted_at = now
    petition.save(update_fields=[*fields, "accepted_at"])
    case.started_at = now
    return ["started_at", *clocks.restart(case, Stage.HANDLING, now, data)]


def _conclude(case: Case, actor: User, text: str, now: datetime) -> list[str]:
    """A terminal acceptance decision ends the matter here (不予受理 / 转送)."""
    case.resolution, case.resolved_at, case.closed_at = text, now, now
    case.resolved_on_time = now <= case.due_at
    case.is_due_soon = False
    if case.assignee_id is None:
        case.assignee = actor
    return ["resolution", "resolved_at", "closed_at", "resolved_on_time", "is_due_soon", "assignee"]


def apply_not_accept(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    reason = _text(p, "reason")
    fields = _decided(case, petition, Acceptance.NOT_ACCEPT, now, data)
    petition.not_accepted_reason = reason
    petition.save(update_fields=[*fields, "not_accepted_reason"])
    return _conclude(case, actor, reason, now)


def apply_refer(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    authority = _text(p, "authority")
    if len(authority) > MAX_AUTHORITY:
        raise ValidationFailed("too_long", f"转送机关不能超过 {MAX_AUTHORITY} 个字符", field="authority")
    fields = _decided(case, petition, Acceptance.REFER, now, data)
    petition.referred_to = authority
    petition.save(update_fields=[*fields, "referred_to"])
    data.update(authority=authority)
    return _conclude(case, actor, f"转送{authority}", now)


# --- Extension (第三十四条) -----------------------------------------------------------------------


def apply_extend(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    """One extension, approved by the head of the office (the leader), of at most the extension
    policy's target; its reason is told to the petitioner (recorded, and in the extension notice)."""
    try:
        days = int(p["days"])
    except (TypeError, ValueError):
        raise ValidationFailed("invalid_field", "延长天数须为整数", field="days") from None
    limit = clocks.max_extension()
    if not 1 <= days <= limit:
        raise ValidationFailed("extension_too_long", f"延长办理期限须在 1 到 {limit} 日之间", field="days")
    reason = _text(p, "reason")
    fields = clocks.extend(case, days, now, data)
    petition.extension_days, petition.extension_reason, petition.extended_at = days, reason, now
    petition.extended_due_at = case.due_at
    petition.save(update_fields=["extension_days", "extension_reason", "extended_at", "extended_due_at"])
    data.update(days=days, reason=reason)
    return fields


# --- Answers (第三十二、三十五、三十六条) ---------------------------------------------------------


def _answer(
    case: Case, petition: Petition, level: str, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    decision = str(p["decision"])
    if decision not in Decision.values:
        raise ValidationFailed(
            "invalid_decision", "处理意见须为 support（予以支持）、explain（解释说明）或 not_support（不予支持）",
            field="decision",
        )  # fmt: skip
    opinion, basis = _text(p, "opinion"), _text(p, "basis")
    today = calendar.local_date(now)
    served_on = _date(p["served_on"], "served_on") if p.get("served_on") else today
    if not calendar.local_date(case.clock_started_at) <= served_on <= today:
        raise ValidationFailed(
            "invalid_served_on", "送达日期不能晚于今天，也不能早于本阶段开始", field="served_on"
        )
    row = petition.opinion(level) if level != Level.REPLY else None
    if row is None:
        row = Opinion(petition=petition, level=level, requested_at=case.clock_started_at)
    row.due_at = case.due_at
    row.decision, row.opinion, row.basis = decision, opinion, basis
    row.answered_at, row.served_on, row.answered_by = now, served_on, actor
    row.on_time = now <= case.due_at
    row.save()
    case.resolution, case.resolved_at, case.resolved_on_time = opinion, now, row.on_time
    case.is_due_soon = False
    if case.assignee_id is None:
        case.assignee = actor
    data.update(level=level, decision=decision, on_time=row.on_time, served_on=served_on.isoformat())
    return ["resolution", "resolved_at", "resolved_on_time", "is_due_soon", "assignee"]


def apply_reply(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    return _answer(case, petition, Level.REPLY, actor, p, now, data)


def apply_answer_review(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    return _answer(case, petition, Level.REVIEW, actor, p, now, data)


def apply_answer_re_review(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    return _answer(case, petition, Level.RE_REVIEW, actor, p, now, data)


def _request(
    case: Case, petition: Petition, level: str, stage: str, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    """The petitioner asks for review / re-review: the case is open again on the stage's clock."""
    request = _text(p, "request")
    data.update(
        level=level,
        previous_resolved_at=clocks.iso(case.resolved_at),
        previous_on_time=case.resolved_on_time,
    )
    fields = clocks.restart(case, stage, now, data)
    Opinion.objects.create(
        petition=petition, level=level, requested_at=now, request=request, due_at=case.due_at
    )
    case.resolution, case.resolved_at, case.resolved_on_time = "", None, None
    return [*fields, "resolution", "resolved_at", "resolved_on_time"]


def apply_request_review(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    return _request(case, petition, Level.REVIEW, Stage.REVIEW, p, now, data)


def apply_request_re_review(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    return _request(case, petition, Level.RE_REVIEW, Stage.RE_REVIEW, p, now, data)


# --- Closing, backlog ------------------------------------------------------------------------------


def _window_open(case: Case, petition: Petition, now: datetime) -> bool:
    """Whether the petitioner may still ask for the next level (never after re-review)."""
    if case.status == RE_REVIEWED:
        return False
    check = GUARD_CHECKS["review_window" if case.status == ANSWERED else "re_review_window"]
    return check(case, now)


def apply_close(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    """结案. Before the petitioner's 30 days to ask for review have run out, only when the petitioner
    has settled (息诉罢访, `settled=true`)."""
    settled = _bool(p["settled"], "settled") if "settled" in p else None
    if _window_open(case, petition, now) and not settled:
        raise Conflict(
            "review_window_open",
            "信访人仍可在收到答复之日起 30 日内请求复查（复核）：期满后再结案，或确认信访人已息诉罢访（settled=true）",
        )
    petition.settled = settled
    petition.save(update_fields=["settled"])
    case.closed_at = now
    data.update(settled=settled, backlog=petition.is_backlog)
    return ["closed_at"]


def apply_flag_backlog(
    case: Case, petition: Petition, actor: User, p: Payload, now: datetime, data: dict[str, Any]
) -> list[str]:
    petition.is_backlog, petition.backlog_since, petition.backlog_note = True, now, _text(p, "note")
    petition.save(update_fields=["is_backlog", "backlog_since", "backlog_note"])
    return []


APPLY: dict[str, Apply] = {
    "accept": apply_accept,
    "not_accept": apply_not_accept,
    "refer": apply_refer,
    "extend": apply_extend,
    "reply": apply_reply,
    "request_review": apply_request_review,
    "answer_review": apply_answer_review,
    "request_re_review": apply_request_re_review,
    "answer_re_review": apply_answer_re_review,
    "close": apply_close,
    "flag_backlog": apply_flag_backlog,
}


def _effect(apply: Apply) -> types.Effect:
    def effect(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
        return apply(case, petition_of(case), actor, p, now, data)

    effect.__name__ = apply.__name__.replace("apply_", "")
    return effect


# `supervise` is the engine's own effect (services.EFFECTS).
EFFECTS: dict[str, types.Effect] = {name: _effect(fn) for name, fn in APPLY.items()}


# --- Guards ----------------------------------------------------------------------------------------


def _within(case: Case, level: str, stage: str, now: datetime) -> bool:
    petition = _has_petition(case)
    row = petition.opinion(level) if petition is not None else None
    if row is None or row.served_on is None:
        return False
    return now <= clocks.window_end(row.served_on, stage)


GUARD_CHECKS: dict[str, types.Guard] = {
    "not_extended": lambda case, now: (p := _has_petition(case)) is not None and p.extension_days == 0,
    "review_window": lambda case, now: _within(case, Level.REPLY, Stage.REVIEW_REQUEST, now),
    "re_review_window": lambda case, now: _within(case, Level.REVIEW, Stage.RE_REVIEW_REQUEST, now),
    "not_backlog": lambda case, now: (p := _has_petition(case)) is not None and not p.is_backlog,
}

GUARD_MESSAGES = {
    "not_extended": "办理期限只能延长一次，已延长过",
    "before_due": "办理期限已届满，不能再延长",
    "review_window": "已超过收到处理意见书之日起 30 日的复查请求期限（《信访工作条例》第三十五条）",
    "re_review_window": "已超过收到复查意见之日起 30 日的复核请求期限（《信访工作条例》第三十六条）",
    "not_backlog": "该信访事项已列为积案",
}

PETITION_TYPE = types.register(
    CaseType(
        code=PETITION,
        name=gettext_noop("信访事项"),
        workflow=PETITION_WORKFLOW,
        max_extension_days=0,  # the engine's working-day extension is not used: see `extend`
        requires_category=False,  # the subject may be a class of the taxonomy
        effects=EFFECTS,
        guard_checks=GUARD_CHECKS,
        guard_messages=GUARD_MESSAGES,
    )
)
