"""SLA: which policy applies to a case, when it is due, and the sweep that marks breaches.

The policy is chosen when the case is received and snapshotted on the case (target and unit),
so editing a policy does not move the deadlines of cases already running. `due_at` is always

    calendar.add(clock_started_at, target, unit)  → + extension working days  → + paused time

and is recomputed by every transition that changes one of those inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhizhi.cases import reference, types
from zhizhi.cases.models import (
    Case,
    CaseEvent,
    Category,
    RequestNature,
    SlaPolicy,
    SlaUnit,
    Status,
)
from zhizhi.core import calendar
from zhizhi.core.errors import ValidationFailed

DEFAULT_RESPONSE_TARGET = 1  # taxonomy.yaml rules.sign_within_wd
DEFAULT_RESPONSE_UNIT = SlaUnit.WORKING_DAYS


@dataclass(frozen=True)
class Clock:
    policy: SlaPolicy | None
    target: int
    unit: str
    response_due_at: datetime
    due_at: datetime
    provisional: bool


def matching_policies(
    case_type: str, category: Category, nature: RequestNature | None, priority: str
) -> list[SlaPolicy]:
    """The active policies of `case_type` that apply: each of category (the subclass or its class),
    nature and priority either matches or is left blank. By id."""
    natures = {None, nature.pk if nature is not None else None}
    return [
        p
        for p in reference.policies_for(case_type, category)
        if p.nature_id in natures and p.priority in ("", priority)
    ]


def _specificity(p: SlaPolicy) -> int:
    return (p.category_id is not None) + (p.nature_id is not None) + bool(p.priority)


def due_for(
    start: datetime, target: int, unit: str, *, extension_days: int = 0, paused_seconds: int = 0
) -> calendar.Due:
    base = calendar.add(start, target, unit)
    at, provisional = base.at, base.provisional
    if extension_days:
        ext = calendar.add(at, extension_days, SlaUnit.WORKING_DAYS)
        at, provisional = ext.at, provisional or ext.provisional
    return calendar.Due(at=at + timedelta(seconds=paused_seconds), provisional=provisional)


def choose_clock(
    *, case_type: str, category: Category, nature: RequestNature | None, priority: str, start: datetime
) -> Clock:
    """The earliest deadline among all matching policies ("the shorter of the two")."""
    policies = matching_policies(case_type, category, nature, priority)
    if not policies:
        raise ValidationFailed("no_sla_policy", f"没有适用于“{category}”的时限规则，请管理员配置")
    # A catch-all policy (no category, nature or priority) applies only when nothing specific does.
    specific = [p for p in policies if _specificity(p) > 0]
    policies = specific or policies
    candidates = [(calendar.add(start, p.target, p.unit), -_specificity(p), p.pk, p) for p in policies]
    due, _, _, policy = min(candidates, key=lambda c: (c[0].at, c[1], c[2]))
    responses = [
        calendar.add(start, p.response_target, p.response_unit) for p in policies if p.response_target
    ]
    if not responses:
        responses = [calendar.add(start, DEFAULT_RESPONSE_TARGET, DEFAULT_RESPONSE_UNIT)]
    response = min(responses, key=lambda d: d.at)
    return Clock(
        policy=policy,
        target=policy.target,
        unit=policy.unit,
        response_due_at=min(response.at, due.at),
        due_at=due.at,
        provisional=due.provisional,
    )


def recompute_due(case: Case) -> None:
    """Set case.due_at from its snapshot (start, target, unit, extension, pauses). Caller saves."""
    due = due_for(
        case.clock_started_at,
        case.sla_target,
        case.sla_unit,
        extension_days=case.extension_days,
        paused_seconds=case.paused_seconds,
    )
    case.due_at = due.at
    case.due_provisional = due.provisional


def response_due(case: Case, start: datetime) -> datetime:
    """When a case whose clock (re)starts at `start` must be signed for: its policy's response limit
    (or the default), never after its resolution deadline. Call after `recompute_due`."""
    policy = case.sla_policy
    if policy is not None and policy.response_target:
        target, unit = policy.response_target, policy.response_unit
    else:
        target, unit = DEFAULT_RESPONSE_TARGET, DEFAULT_RESPONSE_UNIT
    return min(calendar.add(start, target, unit).at, case.due_at)


def recompute_provisional() -> int:
    """After a holiday notice is entered: recompute every open case whose deadline was provisional."""
    count = 0
    with transaction.atomic():
        open_now = sorted(types.open_states())
        for case in Case.objects.select_for_update().filter(due_provisional=True, status__in=open_now):
            old = case.due_at
            recompute_due(case)
            case.save(update_fields=["due_at", "due_provisional", "updated_at"])
            if case.due_at != old:
                CaseEvent.objects.create(
                    case=case,
                    action="due_recomputed",
                    from_status=case.status,
                    to_status=case.status,
                    data={
                        "old_due_at": timezone.localtime(old).isoformat(),
                        "new_due_at": timezone.localtime(case.due_at).isoformat(),
                    },
                )
            count += 1
    return count


@dataclass(frozen=True)
class SweepResult:
    newly_overdue: int
    cleared_overdue: int
    due_soon: int
    cleared_due_soon: int
    response_breached: int


def sweep(now: datetime | None = None) -> SweepResult:
    """Mark breaches and due-soon cases. Idempotent: a second run at the same time changes nothing.

    Every registered workflow's open states are swept (a hazard in `rectifying` as well as an event
    in `in_progress`). A case newly past its deadline gets one `sla_breach` event; cases in a paused
    state (suspended) are not swept (their clock is paused; resuming moves the deadline).
    """
    now = now or timezone.now()
    soon = now + timedelta(hours=settings.ZHIZHI_DUE_SOON_HOURS)
    open_states = sorted(types.open_states())
    running = Case.objects.filter(status__in=sorted(types.running_states()))
    with transaction.atomic():
        breached_ids = list(running.filter(is_overdue=False, due_at__lt=now).values_list("id", flat=True))
        newly = Case.objects.filter(id__in=breached_ids).update(is_overdue=True, is_due_soon=False)
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(case_id=cid, at=now, action="sla_breach", from_status=st, to_status=st)
                for cid, st in Case.objects.filter(id__in=breached_ids).values_list("id", "status")
            ],
            batch_size=1000,
        )
        cleared = Case.objects.filter(is_overdue=True, due_at__gte=now, status__in=open_states).update(
            is_overdue=False
        )
        due_soon = running.filter(is_due_soon=False, due_at__gte=now, due_at__lt=soon).update(
            is_due_soon=True
        )
        cleared_soon = (
            Case.objects.filter(is_due_soon=True)
            .filter(Q(due_at__gte=soon) | Q(due_at__lt=now) | ~Q(status__in=open_states))
            .update(is_due_soon=False)
        )
        response = Case.objects.filter(
            status=Status.DISPATCHED, response_breached=False, response_due_at__lt=now
        ).update(response_breached=True)
    return SweepResult(newly, cleared, due_soon, cleared_soon, response)
