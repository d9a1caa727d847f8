"""The only code that writes cases. One transaction per operation, one CaseEvent per change.

`create_case` registers a matter from any channel; `transition` takes one workflow action.
Both take a required keyword-only `actor`, validate everything before writing, and raise
`DomainError` subclasses (a machine-readable code and a message) on bad input.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases import reference, sla, types
from zhizhi.cases.models import (
    Case,
    CaseEvent,
    Channel,
    IdempotencyKey,
    Priority,
    Satisfaction,
    Status,
)
from zhizhi.cases.workflow import Action
from zhizhi.core import inputs, inserts, prepared
from zhizhi.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from zhizhi.core.personal import normalize_phone
from zhizhi.territory.models import Region

MAX_TITLE = 200
MAX_ADDRESS = 300
MAX_NAME = 50


@dataclass
class CaseInput:
    """What a caller supplies to register a case. Codes, not objects, so every edge can fill it."""

    channel: str
    category: str
    title: str
    case_type: str = "event"
    nature: str | None = None
    description: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    region: str | None = None  # region code; located from lon/lat when omitted
    reporter_name: str = ""
    reporter_phone: str = ""
    priority: str = Priority.NORMAL
    extra: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class CreateResult:
    case: Case
    duplicates: list[Case]
    replayed: bool = False
    # A new case's whole timeline (its `create` event), so that an answer need not read it back;
    # empty for a replay, whose case may have moved on since.
    events: tuple[CaseEvent, ...] = ()


_text = inputs.text


def _resolve_region(data: CaseInput) -> Region:
    from zhizhi.territory import locate

    if data.lon is not None or data.lat is not None:
        if data.lon is None or data.lat is None:
            raise ValidationFailed("invalid_coordinates", "经度和纬度须同时提供")
        if (
            not (-180 <= data.lon <= 180 and -90 <= data.lat <= 90)
            or math.isnan(data.lon)
            or math.isnan(data.lat)
        ):
            raise ValidationFailed("invalid_coordinates", "经纬度超出取值范围")
    if data.region:
        region = Region.objects.defer("boundary").filter(code=data.region, is_active=True).first()
        if region is None:
            raise ValidationFailed("unknown_region", f"区域代码不存在：{data.region}")
        if data.lon is not None and data.lat is not None and not locate.contains(region, data.lon, data.lat):
            raise ValidationFailed("coordinates_outside_region", "坐标不在所选区域内")
        return region
    if data.lon is None or data.lat is None:
        raise ValidationFailed("missing_location", "请提供坐标或选择区域")
    located = locate.locate(data.lon, data.lat)
    if located is None:
        raise ValidationFailed("outside_territory", "坐标不在本辖区范围内")
    return located


def _validate(data: CaseInput, actor: User) -> dict[str, Any]:
    case_type = types.get(data.case_type)
    if data.channel not in Channel.values:
        raise ValidationFailed("invalid_channel", f"未知的来源渠道：{data.channel}")
    if data.priority not in Priority.values:
        raise ValidationFailed("invalid_priority", f"未知的优先级：{data.priority}")
    category = reference.category(data.category)
    if category is None or (case_type.requires_category and category.parent_id is None):
        raise ValidationFailed("unknown_category", f"未知的事件小类：{data.category}")
    nature = None
    if data.nature:
        nature = reference.nature(data.nature)
        if nature is None:
            raise ValidationFailed("unknown_nature", f"未知的诉求性质：{data.nature}")
    fields = {
        "title": _text(data.title, name="title", label="标题", limit=MAX_TITLE, required=True),
        "description": _text(
            data.description, name="description", label="描述", limit=settings.ZHIZHI_MAX_DESCRIPTION
        ),
        "address": _text(data.address, name="address", label="地址", limit=MAX_ADDRESS),
        "reporter_name": _text(data.reporter_name, name="reporter_name", label="反映人", limit=MAX_NAME),
        "reporter_phone": normalize_phone(data.reporter_phone) if data.reporter_phone.strip() else "",
    }
    # Who may register this type: its `create_roles` within their regions, or the handlers of its
    # department (`CaseType.department`) within the department's area.
    if not scope.may_create(actor, case_type):
        raise PermissionDenied("forbidden_role", "当前角色不能登记工单")
    region = _resolve_region(data)
    if not scope.can_create_in(actor, region, case_type):
        raise PermissionDenied("forbidden_region", "无权在该区域登记工单")
    return {"case_type": case_type, "category": category, "nature": nature, "region": region, **fields}


def _new_event(
    case: Case, action: str, *, actor: User | None, at: datetime, from_status: str, **kw: Any
) -> CaseEvent:
    """An unsaved event of `case`, to its present status."""
    return CaseEvent(
        case=case, actor=actor, at=at, action=action, from_status=from_status, to_status=case.status, **kw
    )


def _event(
    case: Case, action: str, *, actor: User | None, at: datetime, from_status: str, **kw: Any
) -> CaseEvent:
    event = _new_event(case, action, actor=actor, at=at, from_status=from_status, **kw)
    inserts.insert(event)
    return event


def create_case(
    *, actor: User, data: CaseInput, idempotency_key: str | None = None, now: datetime | None = None
) -> CreateResult:
    now = now or timezone.now()
    fingerprint = data.fingerprint() if idempotency_key else ""
    if idempotency_key and len(idempotency_key) > 200:
        raise ValidationFailed("invalid_idempotency_key", "Idempotency-Key 不能超过 200 个字符")
    # A key is looked up only when its row already exists (the unique constraint says so below) or
    # the request is refused: a retry is rare, and a first request saves the lookup.
    try:
        v = _validate(data, actor)
    except DomainError:
        replay = _replay(actor, idempotency_key, fingerprint) if idempotency_key else None
        if replay is not None:
            return replay
        raise
    clock = sla.choose_clock(
        case_type=v["case_type"].code,
        category=v["category"],
        nature=v["nature"],
        priority=data.priority,
        start=now,
    )
    case = received_case(
        actor=actor,
        region=v["region"],
        clock=clock,
        now=now,
        case_type=v["case_type"].code,
        channel=data.channel,
        category=v["category"],
        nature=v["nature"],
        title=v["title"],
        description=v["description"],
        address=v["address"],
        lon=data.lon,
        lat=data.lat,
        reporter_name=v["reporter_name"],
        reporter_phone=v["reporter_phone"],
        priority=data.priority,
    )
    created = _new_event(
        case, "create", actor=actor, at=now, from_status="", data=create_event_data(case, clock)
    )
    rows: list[inserts.Link] = [(created, "case")]
    if idempotency_key:
        rows.append(
            (IdempotencyKey(user=actor, key=idempotency_key, body_hash=fingerprint, case=case), "case")
        )
    try:
        # the case, its first event and its key: all written or none (one statement on PostgreSQL)
        inserts.insert_together(case, *rows)
    except IntegrityError:
        # The key is taken, by an earlier request or a concurrent one that won the race: nothing was
        # written, and the request is answered as a replay.
        if idempotency_key:
            replay = _replay(actor, idempotency_key, fingerprint)
            if replay is not None:
                return replay
        raise
    return CreateResult(case=case, duplicates=find_duplicates(case), events=(created,))


def received_case(*, actor: User, region: Region, clock: sla.Clock, now: datetime, **fields: Any) -> Case:
    """An unsaved case as registered: received now, in `region`, on `clock`, in its type's initial
    state (`Workflow.initial`). The one shape of a new case row, for `create_case` and for bulk
    builders (the demo) alike."""
    case_type = fields.get("case_type") or "event"
    return Case(
        region=region,
        region_path=region.path,
        created_by=actor,
        status=types.get(case_type).workflow.initial,
        received_at=now,
        clock_started_at=now,
        sla_policy=clock.policy,
        sla_target=clock.target,
        sla_unit=clock.unit,
        response_due_at=clock.response_due_at,
        due_at=clock.due_at,
        due_provisional=clock.provisional,
        **fields,
    )


def create_event_data(case: Case, clock: sla.Clock) -> dict[str, Any]:
    return {"channel": case.channel, "category": case.category.code, "due_at": _iso(clock.due_at)}


def _replay(actor: User, key: str, fingerprint: str) -> CreateResult | None:
    found = IdempotencyKey.objects.select_related("case").filter(user=actor, key=key).first()
    if found is None:
        return None
    if found.body_hash != fingerprint:
        raise ValidationFailed(
            "idempotency_key_reused", "该 Idempotency-Key 已用于内容不同的请求", status=422
        )
    return CreateResult(case=found.case, duplicates=[], replayed=True)


# --- Duplicates ------------------------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


# What a duplicate suggestion shows (id, title, status, time), what deciding who may see it reads
# (`scope.can_see_case`) and the coordinates.
DUPLICATE_FIELDS = (
    "id",
    "lon",
    "lat",
    "title",
    "status",
    "case_type",
    "received_at",
    "region_path",
    "department_id",
    "assignee_id",
    "created_by_id",
)


def duplicate_candidates(case: Case, *, limit: int = 200) -> tuple[str, list[Any]]:
    """The query (SQL and parameters) of the earlier cases of the same category in the duplicate
    window, inside a box around the case's point, newest first: a bounding box on the same sphere as
    distance_m (with 1% to spare), so that it never cuts off a case the exact distance would keep.
    Every condition but the status and the id is a key column of the index `case_category_point`,
    in its order, so only the cases in the box are read from the table.

    Written out rather than built with the ORM: every create runs it, and compiling the queryset
    took 1.4 ms of Python where the query itself takes 0.3 (docs/benchmarks.md, fix 30)."""
    alias = Case.objects.db
    radius = settings.ZHIZHI_DUPLICATE_RADIUS_M
    lon, lat = float(case.lon or 0), float(case.lat or 0)
    dlat = math.degrees(radius / EARTH_RADIUS_M) * 1.01
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    since = case.received_at - timedelta(days=settings.ZHIZHI_DUPLICATE_WINDOW_DAYS)
    adapt = connections[alias].ops.adapt_datetimefield_value
    params = [
        case.category_id,
        adapt(since),
        adapt(case.received_at),
        lon - dlon,
        lon + dlon,
        lat - dlat,
        lat + dlat,
        case.pk or 0,
        Status.MERGED,
        limit,
    ]
    return _duplicates_sql(alias), params


@cache
def _duplicates_sql(alias: str) -> str:
    """The duplicate search's text on this database (names from the model), built once."""
    q = connections[alias].ops.quote_name
    column = {f.attname: q(f.column) for f in Case._meta.concrete_fields}
    return (
        f"SELECT {', '.join(column[name] for name in DUPLICATE_FIELDS)} "  # noqa: S608 - names from the model
        f"FROM {q(Case._meta.db_table)} WHERE {column['category_id']} = %s "
        f"AND {column['received_at']} >= %s AND {column['received_at']} <= %s "
        f"AND {column['lon']} BETWEEN %s AND %s AND {column['lat']} BETWEEN %s AND %s "
        f"AND {column['id']} <> %s AND {column['status']} <> %s "
        f"ORDER BY {column['received_at']} DESC, {column['id']} DESC LIMIT %s"
    )


def find_duplicates(case: Case, *, limit: int = 5) -> list[Case]:
    """Earlier cases of the same category within 200 m and 7 days (suggestions, not merges), nearest
    first, in one query: the candidates come with the few fields a suggestion shows (the others are
    deferred)."""
    if case.lon is None or case.lat is None:
        return []
    radius = settings.ZHIZHI_DUPLICATE_RADIUS_M
    scored = []
    sql, params = duplicate_candidates(case)
    for other, _ in prepared.rows(Case, sql, params, DUPLICATE_FIELDS, using=Case.objects.db):
        d = distance_m(case.lon, case.lat, float(other.lon or 0), float(other.lat or 0))
        if d <= radius:
            other.distance_m = round(d, 1)  # type: ignore[attr-defined]
            scored.append((d, other.pk, other))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [other for _, _, other in scored[:limit]]


# --- Transitions -----------------------------------------------------------------------------------

Payload = dict[str, Any]


GUARD_CHECKS: dict[str, types.Guard] = {
    "extension_pending": lambda case, now: case.extension_requested_days is not None,
    "no_extension_pending": lambda case, now: case.extension_requested_days is None,
    "before_due": lambda case, now: now <= case.due_at,
    "unsatisfied": lambda case, now: case.satisfaction == Satisfaction.UNSATISFIED,
    "not_unsatisfied": lambda case, now: case.satisfaction != Satisfaction.UNSATISFIED,
}


def _guard_ok(name: str, case: Case, now: datetime) -> bool:
    check = types.get(case.case_type).guard_checks.get(name) or GUARD_CHECKS[name]
    return check(case, now)


def _guard_message(case: Case, name: str) -> str:
    return types.get(case.case_type).guard_messages.get(name) or GUARD_MESSAGES.get(name, name)


GUARD_MESSAGES = {
    "extension_pending": "没有待审批的延期申请",
    "no_extension_pending": "已有延期申请待审批",
    "before_due": "已超过办结期限，不能再申请延期",
    "unsatisfied": "只有回访不满意的工单可以重办",
    "not_unsatisfied": "回访不满意的工单须重办，不能直接归档",
}


def _as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "1", "yes", "on"}:
        return True
    if isinstance(value, str) and value.lower() in {"false", "0", "no", "off"}:
        return False
    raise ValidationFailed("invalid_field", f"{name} 须为 true 或 false", field=name)


def _clean_payload(action: Action, payload: Payload) -> Payload:
    allowed = set(action.required) | set(action.optional)
    unknown = sorted(k for k, v in payload.items() if k not in allowed and v not in (None, ""))
    if unknown:
        raise ValidationFailed("unknown_field", f"“{action.label}”不接受字段：{', '.join(unknown)}")
    for name in action.required:
        value = payload.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValidationFailed("missing_field", f"“{action.label}”须填写 {name}", field=name)
    clean: Payload = {}
    for name in allowed:
        value = payload.get(name)
        if isinstance(value, str):
            value = value.strip()
            limit = settings.ZHIZHI_MAX_DESCRIPTION
            if len(value) > limit:
                raise ValidationFailed("too_long", f"{name} 不能超过 {limit} 个字符", field=name)
        if value not in (None, ""):
            clean[name] = value
    return clean


Effect = types.Effect


def record_only(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    """The effect of an action that only changes the status and writes its event."""
    return []


def _dispatch(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    dept = Department.objects.filter(code=p["department"], is_active=True).first()
    if dept is None:
        raise ValidationFailed("unknown_department", f"部门不存在：{p['department']}", field="department")
    assignee = None
    if p.get("assignee"):
        assignee = User.objects.filter(username=p["assignee"], is_active=True).first()
        if assignee is None or assignee.role not in (Role.HANDLER, Role.VILLAGE_CADRE):
            raise ValidationFailed(
                "invalid_assignee", f"承办人不存在或不能承办：{p['assignee']}", field="assignee"
            )
        if assignee.role == Role.HANDLER and not assignee.departments.filter(pk=dept.pk).exists():
            raise ValidationFailed("invalid_assignee", "承办人不属于所派部门", field="assignee")
    case.department, case.assignee, case.dispatched_at = dept, assignee, now
    data.update(department=dept.code, assignee=assignee.username if assignee else None)
    return ["department", "assignee", "dispatched_at"]


def _accept(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    case.accepted_at = now
    fields = ["accepted_at"]
    if case.assignee_id is None:
        case.assignee = actor
        fields.append("assignee")
    if case.response_due_at is not None and now > case.response_due_at:
        case.response_breached = True
        fields.append("response_breached")
    return fields


def _return(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    data.update(department=case.department.code if case.department else None)
    case.return_count += 1
    case.department, case.assignee = None, None
    return ["return_count", "department", "assignee"]


def _start(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    case.started_at = now
    return ["started_at"]


def _suspend(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    case.paused_at = now
    return ["paused_at"]


def _resume(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    paused = max(0, int((now - (case.paused_at or now)).total_seconds()))
    case.paused_seconds += paused
    case.paused_at = None
    old = case.due_at
    sla.recompute_due(case)
    _refresh_flags(case, now)
    data.update(paused_seconds=paused, old_due_at=_iso(old), due_at=_iso(case.due_at))
    return ["paused_seconds", "paused_at", "due_at", "due_provisional", "is_overdue", "is_due_soon"]


def _refresh_flags(case: Case, now: datetime) -> None:
    """The sweep's flags for a running case whose deadline just moved."""
    case.is_overdue = case.due_at < now
    case.is_due_soon = not case.is_overdue and case.due_at < now + timedelta(
        hours=settings.ZHIZHI_DUE_SOON_HOURS
    )


def _request_extension(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    try:
        days = int(p["days"])
    except (TypeError, ValueError):
        raise ValidationFailed("invalid_field", "延期天数须为整数", field="days") from None
    limit = types.get(case.case_type).max_extension_days - case.extension_days
    if days < 1 or days > limit:
        raise ValidationFailed(
            "extension_too_long", f"延期天数须在 1 到 {limit} 个工作日之间（累计不超过上限）", field="days"
        )
    case.extension_requested_days = days
    data.update(days=days)
    return ["extension_requested_days"]


def _approve_extension(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    old = case.due_at
    case.extension_days += case.extension_requested_days or 0
    data.update(days=case.extension_requested_days, old_due_at=_iso(old))
    case.extension_requested_days = None
    sla.recompute_due(case)
    _refresh_flags(case, now)
    data.update(due_at=_iso(case.due_at))
    return [
        "extension_days",
        "extension_requested_days",
        "due_at",
        "due_provisional",
        "is_overdue",
        "is_due_soon",
    ]


def _deny_extension(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    data.update(days=case.extension_requested_days)
    case.extension_requested_days = None
    return ["extension_requested_days"]


def _supervise(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    case.supervision_count += 1
    return ["supervision_count"]


def _resolve(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    case.resolution = p["resolution"]
    case.resolved_at = now
    case.resolved_on_time = now <= case.due_at
    case.is_due_soon = False
    if case.extension_requested_days is not None:  # moot once the work is done
        data.update(extension_request_dropped=case.extension_requested_days)
        case.extension_requested_days = None
    if case.assignee_id is None:
        case.assignee = actor
    data.update(on_time=case.resolved_on_time)
    return [
        "resolution",
        "resolved_at",
        "resolved_on_time",
        "is_due_soon",
        "assignee",
        "extension_requested_days",
    ]


def _return_visit(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    reached = _as_bool(p["reached"], "reached")
    satisfaction = p.get("satisfaction", "")
    if reached and satisfaction not in Satisfaction.values:
        raise ValidationFailed(
            "invalid_satisfaction", "联系上时须选择满意度：满意/基本满意/不满意", field="satisfaction"
        )
    if not reached and satisfaction:
        raise ValidationFailed("invalid_satisfaction", "未联系上不能记录满意度", field="satisfaction")
    case.visited_at, case.visit_reached, case.satisfaction = now, reached, satisfaction
    data.update(reached=reached, satisfaction=satisfaction)
    return ["visited_at", "visit_reached", "satisfaction"]


def _close(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    case.closed_at = now
    return ["closed_at"]


def _reopen(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    data.update(previous_resolution=case.resolution, previous_resolved_at=_iso(case.resolved_at))
    case.reopen_count += 1
    case.clock_started_at = now
    case.dispatched_at = now
    case.extension_days, case.extension_requested_days, case.paused_seconds = 0, None, 0
    case.resolution, case.resolved_at, case.resolved_on_time, case.closed_at = "", None, None, None
    case.visited_at, case.visit_reached, case.satisfaction = None, None, ""
    case.is_overdue = case.is_due_soon = False
    sla.recompute_due(case)
    # The case is back in 'dispatched': the time to sign for it runs from now, not from receipt.
    case.response_due_at = sla.response_due(case, now)
    data.update(due_at=_iso(case.due_at))
    return [
        "reopen_count", "clock_started_at", "dispatched_at", "extension_days", "extension_requested_days",
        "paused_seconds", "resolution", "resolved_at", "resolved_on_time", "closed_at", "visited_at",
        "visit_reached", "satisfaction", "is_overdue", "is_due_soon", "due_at", "due_provisional",
        "response_due_at",
    ]  # fmt: skip


def _merge(case: Case, actor: User, p: Payload, now: datetime, data: dict[str, Any]) -> list[str]:
    try:
        parent_id = int(p["parent"])
    except (TypeError, ValueError):
        raise ValidationFailed("invalid_field", "parent 须为工单编号", field="parent") from None
    if parent_id == case.pk:
        raise ValidationFailed("invalid_parent", "不能合并到自身", field="parent")
    try:
        parent = scope.get_case(actor, parent_id)
    except NotFound:
        raise ValidationFailed("invalid_parent", f"目标工单不存在：{parent_id}", field="parent") from None
    if parent.status == Status.MERGED or parent.case_type != case.case_type:
        raise ValidationFailed("invalid_parent", "目标工单已被合并或类型不同", field="parent")
    case.parent = parent
    data.update(parent=parent.pk)
    return ["parent"]


def _iso(value: datetime | None) -> str | None:
    """Event data times, always in Asia/Shanghai, whether computed now or read back from the database."""
    return timezone.localtime(value).isoformat() if value else None


EFFECTS: dict[str, Effect] = {
    "dispatch": _dispatch,
    "accept": _accept,
    "return": _return,
    "start": _start,
    "suspend": _suspend,
    "resume": _resume,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "deny_extension": _deny_extension,
    "supervise": _supervise,
    "resolve": _resolve,
    "self_resolve": _resolve,
    "return_visit": _return_visit,
    "close": _close,
    "close_unsatisfied": _close,
    "reopen": _reopen,
    "merge": _merge,
}


def available_actions(user: User, case: Case, now: datetime | None = None) -> list[Action]:
    """Actions this user may take on this case now (status, role, handler, guards)."""
    now = now or timezone.now()
    workflow = types.get(case.case_type).workflow
    return [
        a
        for a in workflow.allowed_in(case.status)
        if scope.action_denial(user, case, a) is None and all(_guard_ok(g, case, now) for g in a.guards)
    ]


def transition(
    case_id: int,
    action_name: str,
    *,
    actor: User,
    payload: Payload | None = None,
    now: datetime | None = None,
) -> Case:
    """Take one workflow action on a case, atomically: check, change, stamp, write the event."""
    now = now or timezone.now()
    payload = dict(payload or {})
    with transaction.atomic():
        case = scope.get_case(actor, case_id, for_update=True)
        workflow = types.get(case.case_type).workflow
        action = workflow.actions.get(action_name)
        if action is None:
            raise ValidationFailed("unknown_action", f"未知的操作：{action_name}", status=404)
        scope.check_action(actor, case, action)
        if case.status not in action.sources:
            raise Conflict(
                "invalid_transition",
                f"工单当前状态为“{types.status_label(case.case_type, case.status, translate=False)}”，"
                f"不能执行“{action.label}”",
                status_now=case.status,
            )
        for g in action.guards:
            if not _guard_ok(g, case, now):
                raise Conflict("guard_failed", _guard_message(case, g), guard=g)
        clean = _clean_payload(action, payload)
        data: dict[str, Any] = {}
        case_type = types.get(case.case_type)
        effect = case_type.effects.get(action.name) or EFFECTS[action.name]
        changed = effect(case, actor, clean, now, data)
        from_status = case.status
        case.status = action.next_status(from_status)
        case.save(update_fields=sorted({*changed, "status", "updated_at"}))
        note = clean.get("reason") or clean.get("note") or clean.get("resolution") or ""
        _event(case, action.name, actor=actor, at=now, from_status=from_status, note=note, data=data)
    return case
