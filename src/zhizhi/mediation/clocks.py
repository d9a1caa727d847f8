"""The time limits of a mediation, as data.

Each `Stage` names one `SlaPolicy` row of case type "dispute" through `MediationClock` (seeded by
migration 0002; a province edits the policies):

    acceptance             3 working days  decide on the application, from registration (a house default:
                                           人民调解法第二十一条 asks for mediation 及时、就地, without a number)
    conclusion             30 days         conclude the mediation, from acceptance (司法部《人民调解工作若干
                                           规定》第三十三条: 一般在一个月内调结 — "one month" read as 30 days)
    extension              30 days         the longest (single) extension of the conclusion limit
    judicial_confirmation  30 days         the parties may apply to a court, from the agreement's effective
                                           date (人民调解法第三十三条)

A stage that runs on the case (acceptance, conclusion) *restarts* the case's clock: `clock_started_at`
= now and the stage's policy snapshotted (`sla_policy`, `sla_target`, `sla_unit`), then `due_at`
recomputed by `cases.sla.recompute_due` — so the engine's SLA sweep, due-soon flags and overdue lists
work unchanged. The judicial-confirmation window belongs to the parties: its end is stored on the
agreement (`judicial_due_at`) and checked when an application is recorded.

Natural days: "N days from T" ends at 23:59:59 (Asia/Shanghai) of T's local date + N (the day of T
is not counted, 民法典第二百零一条); a public holiday does not move it — as the petition clocks.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from zhizhi.cases import sla
from zhizhi.cases.models import SlaPolicy
from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed
from zhizhi.mediation.models import MediationClock, Stage

if TYPE_CHECKING:
    from zhizhi.cases.models import Case

CLOCK_FIELDS = [
    "clock_started_at",
    "sla_policy",
    "sla_target",
    "sla_unit",
    "extension_days",
    "extension_requested_days",
    "paused_seconds",
    "paused_at",
    "due_at",
    "due_provisional",
    "is_overdue",
    "is_due_soon",
]


def policy(stage: str) -> SlaPolicy:
    """The active policy of a stage; 422 `no_mediation_clock` when an admin removed or disabled it."""
    found = MediationClock.objects.select_related("policy").filter(stage=stage).first()
    if found is None or not found.policy.is_active:
        label = Stage(stage).label if stage in Stage.values else stage
        raise ValidationFailed("no_mediation_clock", f"没有启用的调解时限规则：{label}（请管理员配置）")
    return found.policy


def iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def refresh_flags(case: Case, now: datetime) -> None:
    case.is_overdue = case.due_at < now
    case.is_due_soon = not case.is_overdue and case.due_at < now + timedelta(
        hours=settings.ZHIZHI_DUE_SOON_HOURS
    )


def restart(case: Case, stage: str, now: datetime, data: dict[str, Any]) -> list[str]:
    """Start the stage's clock at `now` on the case (in memory) and record it in the event data."""
    p = policy(stage)
    old = case.due_at
    case.clock_started_at = now
    case.sla_policy, case.sla_target, case.sla_unit = p, p.target, p.unit
    case.extension_days, case.extension_requested_days = 0, None
    case.paused_seconds, case.paused_at = 0, None
    sla.recompute_due(case)
    refresh_flags(case, now)
    data["clock"] = {
        "stage": stage,
        "policy": p.name,
        "target": p.target,
        "unit": p.unit,
        "started_at": iso(now),
        "old_due_at": iso(old),
        "due_at": iso(case.due_at),
    }
    return list(CLOCK_FIELDS)


def extend(case: Case, days: int, now: datetime, data: dict[str, Any]) -> list[str]:
    """Move the running deadline by `days` of the extension policy's unit. The snapshot becomes N
    natural days from the clock start, so a later recomputation (`sla.recompute_due`) keeps it."""
    p = policy(Stage.EXTENSION)
    old = case.due_at
    new_due = calendar.add(case.due_at, days, p.unit).at
    case.sla_unit = "days"
    case.sla_target = (calendar.local_date(new_due) - calendar.local_date(case.clock_started_at)).days
    sla.recompute_due(case)
    refresh_flags(case, now)
    data["clock"] = {
        "stage": Stage.EXTENSION.value,
        "policy": p.name,
        "days": days,
        "unit": p.unit,
        "old_due_at": iso(old),
        "due_at": iso(case.due_at),
    }
    return ["sla_target", "sla_unit", "due_at", "due_provisional", "is_overdue", "is_due_soon"]


def max_extension() -> int:
    return policy(Stage.EXTENSION).target


def window_end(start: date, stage: str) -> datetime:
    """The last moment of a window that counts from a day (the agreement's effective date)."""
    p = policy(stage)
    return calendar.add(datetime.combine(start, time(12), tzinfo=calendar.TZ), p.target, p.unit).at
