"""What a build produced: counts and rates (from the database), a digest, and a printable table."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases.models import (
    Case,
    CaseEvent,
    Category,
    Channel,
    RequestNature,
    Satisfaction,
    SlaPolicy,
    Status,
)
from zhizhi.territory.models import Level, Region


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def counts(town_path: str, user_ids: Iterable[int]) -> dict[str, Any]:
    regions = dict(
        Region.objects.filter(path__startswith=town_path)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    users = dict(
        User.objects.filter(pk__in=list(user_ids))
        .values_list("role")
        .annotate(n=Count("id"))
        .values_list("role", "n")
    )
    every_type = Case.objects.filter(region_path__startswith=town_path)
    by_type = dict(every_type.values_list("case_type").annotate(n=Count("id")).values_list("case_type", "n"))
    # The seed's case figures (volume, channels, on-time and satisfaction rates) are about events;
    # the other types (the safety app's hazards) have their own figures and are only counted here.
    cases = every_type.filter(case_type="event")
    by_channel = dict(cases.values_list("channel").annotate(n=Count("id")).values_list("channel", "n"))
    by_status = dict(cases.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    agg = cases.aggregate(
        total=Count("id"),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        on_time=Count("id", filter=Q(resolved_at__isnull=False, resolved_on_time=True)),
        visits=Count("id", filter=Q(visited_at__isnull=False)),
        reached=Count("id", filter=Q(visit_reached=True)),
        satisfied=Count(
            "id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED])
        ),
        hotline_resolved=Count("id", filter=Q(channel=Channel.HOTLINE, resolved_at__isnull=False)),
        hotline_on_time=Count(
            "id", filter=Q(channel=Channel.HOTLINE, resolved_at__isnull=False, resolved_on_time=True)
        ),
        hotline_reached=Count("id", filter=Q(channel=Channel.HOTLINE, visit_reached=True)),
        hotline_satisfied=Count(
            "id",
            filter=Q(
                channel=Channel.HOTLINE,
                satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED],
            ),
        ),
        anti_fraud_grid=Count("id", filter=Q(channel=Channel.GRID_PATROL, category__code="telecom_fraud")),
        supervised=Count("id", filter=Q(supervision_count__gt=0)),
        returned=Count("id", filter=Q(return_count__gt=0)),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
        overdue=Count("id", filter=Q(is_overdue=True)),
    )
    open_statuses = [s for s in Status.values if s not in (Status.RESOLVED, Status.CLOSED, Status.MERGED)]
    return {
        "regions": {level: regions.get(level, 0) for level in Level.values if regions.get(level)},
        "users": {role: users.get(role, 0) for role in Role.values},
        "cases": agg["total"],
        "by_type": dict(sorted(by_type.items())),
        "events": CaseEvent.objects.filter(
            case__region_path__startswith=town_path, case__case_type="event"
        ).count(),
        "by_channel": {ch: by_channel.get(ch, 0) for ch in Channel.values},
        "by_status": {st: by_status.get(st, 0) for st in Status.values},
        "open": sum(by_status.get(s, 0) for s in open_statuses),
        "resolved": agg["resolved"],
        "on_time": agg["on_time"],
        "on_time_rate": _rate(agg["on_time"], agg["resolved"]),
        "visits": agg["visits"],
        "visits_reached": agg["reached"],
        "satisfied": agg["satisfied"],
        "satisfaction_rate": _rate(agg["satisfied"], agg["reached"]),
        "hotline_on_time_rate": _rate(agg["hotline_on_time"], agg["hotline_resolved"]),
        "hotline_satisfaction_rate": _rate(agg["hotline_satisfied"], agg["hotline_reached"]),
        "anti_fraud_grid_events": agg["anti_fraud_grid"],
        "self_resolved": CaseEvent.objects.filter(
            action="self_resolve", case__region_path__startswith=town_path, case__case_type="event"
        ).count(),
        "supervised": agg["supervised"],
        "returned": agg["returned"],
        "reopened": agg["reopened"],
        "overdue_open": agg["overdue"],
    }


CASE_FIELDS = (
    "case_type", "channel", "category_id", "nature_id", "title", "description", "address", "lon", "lat",
    "region_id", "region_path", "reporter_name", "reporter_phone", "priority", "department_id",
    "assignee_id", "created_by_id", "status", "parent_id", "received_at", "clock_started_at",
    "sla_policy_id", "sla_target", "sla_unit", "response_due_at", "due_at", "due_provisional",
    "paused_seconds", "paused_at", "extension_days", "extension_requested_days", "is_overdue", "is_due_soon",
    "response_breached", "dispatched_at", "accepted_at", "started_at", "resolved_at", "closed_at", "resolution",
    "resolved_on_time", "visited_at", "visit_reached", "satisfaction", "supervision_count", "return_count",
    "reopen_count",
)  # fmt: skip
EVENT_FIELDS = ("case_id", "at", "actor_id", "action", "from_status", "to_status", "note", "data")
# A registration number that embeds the case id (petitions XF2023-000123, disputes TJ2023-000456).
NUMBER = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}\d{4}-)(\d{6,})(?![0-9])")


def digest(town_path: str) -> str:
    """SHA-256 of every generated case and event, with ids replaced by natural keys (codes,
    usernames, policy names) or by offsets from the first case id (also inside the registration
    numbers events carry), so that two builds from one seed compare equal in any database."""
    h = hashlib.sha256()
    cases = Case.objects.filter(region_path__startswith=town_path).order_by("id")
    first = cases.values_list("id", flat=True).first() or 0
    keys: dict[str, dict[Any, Any]] = {
        "category_id": dict(Category.objects.values_list("id", "code")),
        "nature_id": dict(RequestNature.objects.values_list("id", "code")),
        "region_id": dict(Region.objects.filter(path__startswith=town_path).values_list("id", "code")),
        "department_id": dict(Department.objects.values_list("id", "code")),
        "sla_policy_id": dict(SlaPolicy.objects.values_list("id", "name")),
    }
    users = dict(User.objects.values_list("id", "username"))
    keys.update(assignee_id=users, created_by_id=users)
    natural = [(i, keys[f]) for i, f in enumerate(CASE_FIELDS) if f in keys]
    parent_at = CASE_FIELDS.index("parent_id")

    def norm(values: list[Any]) -> list[Any]:
        return [v.isoformat() if isinstance(v, datetime) else v for v in values]

    for row in cases.values_list(*CASE_FIELDS).iterator(chunk_size=2000):
        values = norm(list(row))
        for i, names in natural:
            values[i] = names.get(values[i])
        if values[parent_at] is not None:
            values[parent_at] -= first
        h.update(json.dumps(values, ensure_ascii=False).encode())
    events = CaseEvent.objects.filter(case__region_path__startswith=town_path).order_by("case_id", "at", "id")
    for row in events.values_list(*EVENT_FIELDS).iterator(chunk_size=5000):
        values = norm(list(row))
        values[0] -= first
        values[2] = users.get(values[2])
        data = dict(values[-1] or {})
        if data.get("parent") is not None:
            data["parent"] -= first
        values[-1] = data
        text = json.dumps(values, ensure_ascii=False, sort_keys=True)
        text = NUMBER.sub(lambda m: f"{m[1]}+{int(m[2]) - first}", text)
        h.update(text.encode())
    return h.hexdigest()


def table(c: dict[str, Any], seconds: float, digest_hex: str) -> str:
    """The summary printed at the end of `zhizhi demo`."""
    level_labels = {lv.value: str(lv.label) for lv in Level}
    role_labels = {r.value: str(r.label) for r in Role}
    channel_labels = {ch.value: str(ch.label) for ch in Channel}
    status_labels = {s.value: str(s.label) for s in Status}

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x * 100:.2f}%"

    lines = ["", "区域 regions"]
    lines += [f"  {level_labels[k]:<8}{k:<12}{v:>8}" for k, v in c["regions"].items()]
    lines += ["人员 users"]
    lines += [f"  {role_labels[k]:<8}{k:<18}{v:>6}" for k, v in c["users"].items()]
    lines += [f"工单 cases {c['cases']:>10}    events {c['events']}"]
    others = {k: v for k, v in c.get("by_type", {}).items() if k != "event"}
    if others:
        lines += ["  other case types: " + ", ".join(f"{k} {v}" for k, v in others.items())]
    lines += [f"  {channel_labels[k]:<8}{k:<14}{v:>8}" for k, v in c["by_channel"].items()]
    lines += ["状态 status"]
    lines += [f"  {status_labels[k]:<8}{k:<14}{v:>8}" for k, v in c["by_status"].items() if v]
    lines += [
        f"按时办结率 on-time rate     {pct(c['on_time_rate'])}  ({c['on_time']}/{c['resolved']})",
        f"满意率 satisfaction rate    {pct(c['satisfaction_rate'])}  ({c['satisfied']}/{c['visits_reached']}"
        f", {c['visits']} visits)",
        f"热线 hotline on-time {pct(c['hotline_on_time_rate'])}, satisfaction {pct(c['hotline_satisfaction_rate'])}",
        f"网格反诈事件 anti-fraud grid events {c['anti_fraud_grid_events']}; open at year end {c['open']}",
        f"digest {digest_hex}",
        f"built in {seconds:.1f} s",
    ]
    return "\n".join(lines)
