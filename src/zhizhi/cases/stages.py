"""Stage clocks: case types whose stages each run on their own SLA policy (petitions: acceptance 15
days, reply 60, review 30 …; mediation: acceptance, conclusion, judicial confirmation).

A domain keeps a small model mapping each stage to one `SlaPolicy` row (seeded by its migrations,
edited by an admin) and makes one `StageClocks` over it. Starting a stage *restarts* the case's
clock — `clock_started_at` = now, the stage's policy snapshotted (`sla_policy`, `sla_target`,
`sla_unit`), `due_at` recomputed by `sla.recompute_due` — so the engine's sweep, due-soon flags and
overdue lists work unchanged, and the event data records the change. (A stage field on `SlaPolicy`
itself would make the mapping models unnecessary: docs/petitions.md, proposal 1.)
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from zhizhi.cases import sla
from zhizhi.cases.models import SlaPolicy
from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed

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


def iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def refresh_flags(case: Case, now: datetime) -> None:
    case.is_overdue = case.due_at < now
    case.is_due_soon = not case.is_overdue and case.due_at < now + timedelta(
        hours=settings.ZHIZHI_DUE_SOON_HOURS
    )


class StageClocks:
    def __init__(
        self, model: type[Model], labels: dict[str, str], *, extension: str, code: str, domain: str
    ) -> None:
        self.model = model  # a domain's stage → policy model: `stage` (a code), `policy` (SlaPolicy)
        self.labels = labels  # stage → its label, for the error message
        self.extension = extension  # the stage whose policy bounds an extension
        self.code = code  # the error code when a stage has no active policy
        self.domain = domain  # 信访, 调解: in the error message

    def policy(self, stage: str) -> SlaPolicy:
        """The active policy of a stage; 422 `self.code` when an admin removed or disabled it."""
        found: Any = self.model._default_manager.select_related("policy").filter(stage=stage).first()
        if found is None or not found.policy.is_active:
            label = self.labels.get(stage, stage)
            raise ValidationFailed(self.code, f"没有启用的{self.domain}时限规则：{label}（请管理员配置）")
        policy: SlaPolicy = found.policy
        return policy

    def restart(self, case: Case, stage: str, now: datetime, data: dict[str, Any]) -> list[str]:
        """Start the stage's clock at `now` on the case (in memory); record it in the event data."""
        p = self.policy(stage)
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

    def extend(self, case: Case, days: int, now: datetime, data: dict[str, Any]) -> list[str]:
        """Move the running deadline by `days` of the extension policy's unit. The snapshot becomes
        N natural days from the clock start, so a later recomputation (`sla.recompute_due`) keeps it."""
        p = self.policy(self.extension)
        old = case.due_at
        new_due = calendar.add(case.due_at, days, p.unit).at
        case.sla_unit = "days"
        case.sla_target = (calendar.local_date(new_due) - calendar.local_date(case.clock_started_at)).days
        sla.recompute_due(case)
        refresh_flags(case, now)
        data["clock"] = {
            "stage": self.extension,
            "policy": p.name,
            "days": days,
            "unit": p.unit,
            "old_due_at": iso(old),
            "due_at": iso(case.due_at),
        }
        return ["sla_target", "sla_unit", "due_at", "due_provisional", "is_overdue", "is_due_soon"]

    def max_extension(self) -> int:
        return self.policy(self.extension).target

    def window_end(self, start: date, stage: str) -> datetime:
        """The last moment of a window that counts from a day (a served reply, an agreement's
        effective date): the stage's policy counted from that day."""
        p = self.policy(stage)
        return calendar.add(datetime.combine(start, time(12), tzinfo=calendar.TZ), p.target, p.unit).at
