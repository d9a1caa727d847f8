"""What the workbench's templates show about a case: the SLA clock, timeline lines, urgency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhizhi.accounts.models import Department, User
from zhizhi.cases import types
from zhizhi.cases.models import Case, CaseEvent, Satisfaction, SlaUnit, Status

SYSTEM_EVENTS = {
    "create": gettext_lazy("登记"),
    "sla_breach": gettext_lazy("超期"),
    "due_recomputed": gettext_lazy("期限重算"),
    "attach": gettext_lazy("上传照片"),
    # A domain's record written with its case, in the same transaction
    "record_hazard": gettext_lazy("登记隐患信息"),
    "register_petition": gettext_lazy("登记信访事项"),
    "register_dispute": gettext_lazy("登记纠纷信息"),
}


@dataclass(frozen=True)
class Clock:
    """The SLA clock of one case, as of `now`."""

    state: str  # running | due_soon | overdue | paused | on_time | late | stopped
    due_at: datetime
    response_due_at: datetime | None
    provisional: bool
    seconds_left: int  # negative: overdue by
    paused_seconds: int  # total, the current pause included
    paused_since: datetime | None
    target: int
    unit_label: str
    extension_days: int
    extension_requested_days: int | None
    elapsed_percent: int  # of the time from clock start to due, for the progress bar
    policy: str

    @property
    def overdue_seconds(self) -> int:
        return max(0, -self.seconds_left)


def clock(case: Case, now: datetime | None = None) -> Clock:
    from django.conf import settings

    now = now or timezone.now()
    paused = case.paused_seconds
    if case.status == Status.SUSPENDED and case.paused_at:
        paused += max(0, int((now - case.paused_at).total_seconds()))
    seconds_left = int((case.due_at - now).total_seconds())
    if case.status in types.open_states():
        if case.status not in types.running_states():
            state = "paused"
        elif seconds_left < 0:
            state = "overdue"
        elif seconds_left < settings.ZHIZHI_DUE_SOON_HOURS * 3600:
            state = "due_soon"
        else:
            state = "running"
    elif case.resolved_at is not None:
        state = "on_time" if case.resolved_on_time else "late"
        seconds_left = int((case.due_at - case.resolved_at).total_seconds())
    else:
        state = "stopped"
    span = (case.due_at - case.clock_started_at).total_seconds()
    ref = case.resolved_at if case.resolved_at and state in ("on_time", "late") else now
    used = (ref - case.clock_started_at).total_seconds() - paused
    percent = 100 if span <= 0 else int(max(0, min(100, used * 100 / span)))
    return Clock(
        state=state,
        due_at=case.due_at,
        response_due_at=case.response_due_at,
        provisional=case.due_provisional,
        seconds_left=seconds_left,
        paused_seconds=paused,
        paused_since=case.paused_at if case.status == Status.SUSPENDED else None,
        target=case.sla_target,
        unit_label=str(SlaUnit(case.sla_unit).label) if case.sla_unit in SlaUnit.values else case.sla_unit,
        extension_days=case.extension_days,
        extension_requested_days=case.extension_requested_days,
        elapsed_percent=percent,
        policy=case.sla_policy.name if case.sla_policy_id and case.sla_policy else "",
    )


def is_overdue(case: Case, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return case.status in types.running_states() and case.due_at < now


def action_label(case_type: str, name: str) -> str:
    if name in SYSTEM_EVENTS:
        return str(SYSTEM_EVENTS[name])
    try:
        action = types.get(case_type).workflow.actions.get(name)
    except Exception:  # an unregistered type: show the raw name
        action = None
    return _(action.label) if action else name


def _when(value: Any) -> str:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M") if parsed else str(value)


@dataclass(frozen=True)
class TimelineLine:
    event: CaseEvent
    label: str
    from_label: str
    to_label: str
    details: list[str]

    @property
    def changes_status(self) -> bool:
        return bool(self.event.from_status) and self.event.from_status != self.event.to_status


def timeline(case: Case, events: list[CaseEvent]) -> list[TimelineLine]:
    dept_codes = {e.data.get("department") for e in events if isinstance(e.data, dict)} - {None}
    depts = dict(Department.objects.filter(code__in=dept_codes).values_list("code", "name"))
    usernames = {e.data.get("assignee") for e in events if isinstance(e.data, dict)} - {None}
    people = {u.username: str(u) for u in User.objects.filter(username__in=usernames)}
    lines = []
    for e in events:
        d = e.data if isinstance(e.data, dict) else {}
        details: list[str] = []
        if d.get("department") and e.action in ("dispatch", "reopen"):
            details.append(_("承办部门") + "：" + str(depts.get(d["department"]) or d["department"]))
        if d.get("assignee"):
            details.append(_("承办人") + "：" + str(people.get(d["assignee"]) or d["assignee"]))
        if d.get("days") and "extension" in e.action:
            details.append(_("延期 %(n)s 个工作日") % {"n": d["days"]})
        if "reached" in d:
            details.append(_("联系上") if d["reached"] else _("未联系上"))
        if d.get("satisfaction") in Satisfaction.values:
            details.append(str(Satisfaction(d["satisfaction"]).label))
        if d.get("parent"):
            details.append(_("合并至 #%(id)s") % {"id": d["parent"]})
        if d.get("due_at") and e.action != "create":
            details.append(_("新期限") + "：" + _when(d["due_at"]))
        if d.get("new_due_at"):
            details.append(_("新期限") + "：" + _when(d["new_due_at"]))
        if e.action in ("resolve", "self_resolve") and d.get("on_time") is not None:
            details.append(_("按时办结") if d["on_time"] else _("超期办结"))
        if d.get("attachments"):
            details.append(_("%(n)s 张照片") % {"n": len(d["attachments"])})
        lines.append(
            TimelineLine(
                event=e,
                label=action_label(case.case_type, e.action),
                from_label=types.status_label(case.case_type, e.from_status),
                to_label=types.status_label(case.case_type, e.to_status),
                details=details,
            )
        )
    return lines
