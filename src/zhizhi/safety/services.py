"""The only code that writes safety records. One transaction per operation; the actor is required.

- `save_organisation`: register or edit one organisation (the importer writes many, same rules).
- `create_campaign`, `assign_tasks`: inspection plans and special campaigns, tasks to inspectors.
- `record_inspection`: an inspection (or a patrol) with its checklist and findings, and every
  hazard found in it — each a case of type "hazard" registered through `cases.services.create_case`
  plus its `HazardDetail` — all in one transaction: nothing is half-written.
- `record_hazard`: one hazard on an organisation (inside or outside an inspection).
- `hazard_action`: one workflow action on a hazard (see below why not `transition` directly).
- `record_enforcement`: 停产停业 and its lifting, 立案, referral to the police.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases import services as case_services
from zhizhi.cases.models import Case, CaseEvent, Category, Priority
from zhizhi.core import calendar, inputs
from zhizhi.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from zhizhi.core.personal import normalize_phone
from zhizhi.safety import queries, uscc
from zhizhi.safety.models import (
    Campaign,
    CampaignKind,
    Committee,
    EnforcementAction,
    EnforcementKind,
    Grade,
    HazardDetail,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    InspectionTask,
    Organisation,
    OrgKind,
    OrgStatus,
    RiskLevel,
    Venue,
)
from zhizhi.safety.workflow import HAZARD, HAZARD_DEPARTMENT, HAZARD_WORKFLOW, state_label
from zhizhi.territory.models import Region

# Hazard categories: subclasses of these classes of the event taxonomy.
HAZARD_CATEGORY_CLASSES = ("safety_fire", "rental_housing")
DEFAULT_HAZARD_CATEGORY = "enterprise_hazard"

REGISTER_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.HANDLER})
PLANNING_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.LEADER})
INSPECTOR_ROLES = frozenset({Role.HANDLER, Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.DISPATCHER, Role.ADMIN})
ENFORCEMENT_ROLES = frozenset({Role.HANDLER, Role.LEADER, Role.ADMIN})
ENFORCEMENT_DEPARTMENTS = ("emergency", "enforcement")

MAX_NAME = 200
MAX_TEXT = 2000
MAX_CHECKLIST = 100
MAX_PHOTOS = 6
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
EARLIEST = date(2000, 1, 1)
MAX_DEADLINE_DAYS = 366  # a rectification deadline given on the spot, from the day found (as `notify`)


# --- Who may (the web shows a form only to those the service will not refuse) ----------------------


def can_register(actor: User) -> bool:
    """Register and edit organisations, import registers."""
    return scope.role_of(actor) in REGISTER_ROLES


def can_plan(actor: User) -> bool:
    """Create campaigns and assign their inspection tasks."""
    return scope.role_of(actor) in PLANNING_ROLES


def can_enforce(actor: User) -> bool:
    """Record enforcement: handlers of an enforcing department, leaders, admins."""
    role = scope.role_of(actor)
    if role not in ENFORCEMENT_ROLES:
        return False
    return role != Role.HANDLER or any(
        code in ENFORCEMENT_DEPARTMENTS for code in scope.department_areas(actor)
    )


def can_inspect_in(actor: User, region: Region) -> bool:
    """Record an inspection (with its hazards) in a region: whoever may register hazards there —
    a grid worker, cadre, dispatcher or admin of the region, or a safety inspector (a handler of
    the hazard's department) anywhere in the department's area."""
    return scope.can_create_in(actor, region, HAZARD)


_text = inputs.text


def _choice(value: Any, choices: Any, *, name: str, label: str, blank: bool = False) -> str:
    text = str(value or "").strip()
    if blank and not text:
        return ""
    if text not in choices.values:
        raise ValidationFailed(f"invalid_{name}", f"未知的{label}：{text or '（空）'}", field=name)
    return text


# --- Organisations ---------------------------------------------------------------------------------


@dataclass
class OrganisationInput:
    kind: str
    name: str
    region: str  # region code
    uscc: str = ""
    venue: str = ""
    legal_rep: str = ""
    phone: str = ""
    address: str = ""
    industry: str = ""
    committee: str = ""  # committee code
    risk_level: str = ""
    listed: bool = False
    lon: float | None = None
    lat: float | None = None


def clean_uscc(value: str, kind: str) -> str:
    """The normalised code; required for enterprises and individual businesses."""
    if not (value or "").strip():
        if kind in (OrgKind.ENTERPRISE, OrgKind.INDIVIDUAL_BUSINESS):
            raise ValidationFailed("missing_uscc", "企业和个体工商户须填写统一社会信用代码", field="uscc")
        return ""
    return uscc.validate(value)


def _committee(code: str) -> Committee | None:
    if not code:
        return None
    found = Committee.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise ValidationFailed("unknown_committee", f"专委会不存在：{code}", field="committee")
    return found


def _region(code: str) -> Region:
    region = Region.objects.filter(code=(code or "").strip(), is_active=True).first()
    if region is None:
        raise ValidationFailed("unknown_region", f"区域代码不存在或已停用：{code}", field="region")
    return region


def _may_see_region(actor: User, region: Region) -> bool:
    q = queries.scope_q(actor, "path")
    return q is None or Region.objects.filter(pk=region.pk).filter(q).exists()


def save_organisation(
    *, actor: User, data: OrganisationInput, organisation: Organisation | None = None
) -> Organisation:
    """Register a new organisation or edit one the actor can see. Status is not edited here
    (enforcement records change it)."""
    if not can_register(actor):
        raise PermissionDenied("forbidden_role", "当前角色不能维护单位台账")
    kind = _choice(data.kind, OrgKind, name="kind", label="单位类型")
    fields = {
        "kind": kind,
        "venue": _choice(data.venue, Venue, name="venue", label="场所类型", blank=True),
        "name": _text(data.name, name="name", label="名称", limit=MAX_NAME, required=True),
        "uscc": clean_uscc(data.uscc, kind),
        "legal_rep": _text(data.legal_rep, name="legal_rep", label="法定代表人/经营者", limit=50),
        "phone": normalize_phone(data.phone) if (data.phone or "").strip() else "",
        "address": _text(data.address, name="address", label="地址", limit=300),
        "industry": _text(data.industry, name="industry", label="行业", limit=100),
        "committee": _committee(data.committee),
        "risk_level": _choice(data.risk_level, RiskLevel, name="risk_level", label="风险等级", blank=True),
        "listed": bool(data.listed),
        "lon": data.lon,
        "lat": data.lat,
    }
    if (data.lon is None) != (data.lat is None) or (
        data.lon is not None
        and data.lat is not None
        and not (-180 <= data.lon <= 180 and -90 <= data.lat <= 90)
    ):
        raise ValidationFailed("invalid_coordinates", "经纬度须同时提供且在取值范围内", field="lon")
    region = _region(data.region)
    if not _may_see_region(actor, region):
        raise PermissionDenied("forbidden_region", "无权在该区域登记单位")
    with transaction.atomic():
        if organisation is not None:
            org = queries.visible_organisations(actor).select_for_update().filter(pk=organisation.pk).first()
            if org is None:
                raise NotFound("单位不存在或无权查看", code="organisation_not_found")
        else:
            org = Organisation(created_at=timezone.now())
        clash = Organisation.objects.exclude(pk=org.pk)
        if fields["uscc"] and clash.filter(uscc=fields["uscc"]).exists():
            raise Conflict("duplicate_uscc", f"统一社会信用代码 {fields['uscc']} 已登记", field="uscc")
        if (
            not fields["uscc"]
            and clash.filter(uscc="", kind=kind, name=fields["name"], region=region).exists()
        ):
            raise Conflict("duplicate_organisation", "同一区域已有同名同类型单位", field="name")
        for name, value in fields.items():
            setattr(org, name, value)
        org.region = region
        org.save()
    return org


# --- Campaigns and tasks ---------------------------------------------------------------------------


def create_campaign(
    *,
    actor: User,
    name: str,
    kind: str,
    region: str,
    starts_on: date,
    ends_on: date | None = None,
    committee: str = "",
    description: str = "",
) -> Campaign:
    if not can_plan(actor):
        raise PermissionDenied("forbidden_role", "当前角色不能制定检查计划")
    the_region = _region(region)
    if not _may_see_region(actor, the_region):
        raise PermissionDenied("forbidden_region", "无权在该区域制定检查计划")
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed("invalid_date_range", "结束日期不能早于开始日期", field="ends_on")
    if starts_on < EARLIEST:
        raise ValidationFailed("invalid_date", "开始日期不正确", field="starts_on")
    return Campaign.objects.create(
        name=_text(name, name="name", label="名称", limit=MAX_NAME, required=True),
        kind=_choice(kind, CampaignKind, name="kind", label="计划类型"),
        region=the_region,
        starts_on=starts_on,
        ends_on=ends_on,
        committee=_committee(committee),
        description=_text(description, name="description", label="说明", limit=MAX_TEXT),
        created_by=actor,
    )


def _inspector(value: User | str) -> User:
    user = value if isinstance(value, User) else User.objects.filter(username=value).first()
    if user is None or not user.is_active or scope.role_of(user) not in INSPECTOR_ROLES:
        name = value.username if isinstance(value, User) else value
        raise ValidationFailed("invalid_inspector", f"检查人不存在或不能检查：{name}", field="inspector")
    return user


def assign_tasks(
    *,
    actor: User,
    campaign: Campaign,
    organisations: Iterable[Organisation],
    inspector: User | str,
    due_on: date | None = None,
) -> list[InspectionTask]:
    """Assign the organisations of a campaign to an inspector. An organisation already tasked in
    the campaign keeps its task (so re-running an assignment is harmless)."""
    if not can_plan(actor):
        raise PermissionDenied("forbidden_role", "当前角色不能派发检查任务")
    person = _inspector(inspector)
    ids = sorted({o.pk for o in organisations})
    visible = set(queries.visible_organisations(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if missing := [pk for pk in ids if pk not in visible]:
        raise NotFound(f"单位不存在或无权查看：{missing[0]}", code="organisation_not_found")
    outside = Organisation.objects.filter(pk__in=ids).exclude(region_path__startswith=campaign.region.path)
    if first := outside.first():
        raise ValidationFailed("outside_campaign", f"单位“{first.name}”不在计划范围内", field="organisations")
    if due_on is not None and (
        due_on < campaign.starts_on or (campaign.ends_on and due_on > campaign.ends_on)
    ):
        raise ValidationFailed("invalid_due", "完成期限须在计划期间内", field="due_on")
    with transaction.atomic():
        taken = set(
            InspectionTask.objects.filter(campaign=campaign, organisation_id__in=ids).values_list(
                "organisation_id", flat=True
            )
        )
        return InspectionTask.objects.bulk_create(
            [
                InspectionTask(
                    campaign=campaign, organisation_id=pk, inspector=person, due_on=due_on, created_by=actor
                )
                for pk in ids
                if pk not in taken
            ]
        )


# --- Hazards ---------------------------------------------------------------------------------------


@dataclass
class HazardInput:
    description: str
    grade: str = Grade.GENERAL
    category: str = DEFAULT_HAZARD_CATEGORY
    legal_basis: str = ""
    title: str = ""
    # 整改期限 set on the spot: the rectification notice (`notify`) is issued with the hazard, by
    # the recorder, who must be a safety inspector (a handler of the hazard's department).
    deadline: date | None = None


def _hazard_category(code: str) -> Category:
    cat = Category.objects.select_related("parent").filter(code=code, is_active=True).first()
    if cat is None or cat.parent is None or cat.parent.code not in HAZARD_CATEGORY_CLASSES:
        raise ValidationFailed("invalid_hazard_category", f"不是隐患类别：{code}", field="category")
    return cat


def _check_hazard(data: HazardInput) -> dict[str, Any]:
    grade = _choice(data.grade, Grade, name="grade", label="隐患等级")
    description = _text(
        data.description,
        name="description",
        label="隐患描述",
        limit=settings.ZHIZHI_MAX_DESCRIPTION,
        required=True,
    )
    return {
        "grade": grade,
        "category": _hazard_category(data.category),
        "description": description,
        "legal_basis": _text(data.legal_basis, name="legal_basis", label="依据", limit=MAX_TEXT),
        "title": _text(data.title, name="title", label="标题", limit=MAX_NAME),
        "deadline": _hazard_deadline(data.deadline),
    }


def _hazard_deadline(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationFailed("invalid_date", "整改期限须为日期", field="deadline")
    return value


def _check_hazards(
    items: Sequence[HazardInput], *, actor: User, found_on: date, numbered: bool = True
) -> list[dict[str, Any]]:
    """Every hazard checked before anything is written; an error names the field and, `numbered`,
    the hazard (第 n 个隐患, and `hazard`: its index from 0)."""
    checked = []
    for n, item in enumerate(items):
        try:
            c = _check_hazard(item)
            deadline = c["deadline"]
            if deadline is not None:
                if not found_on <= deadline <= found_on + timedelta(days=MAX_DEADLINE_DAYS):
                    raise ValidationFailed(
                        "invalid_deadline",
                        f"整改期限须在检查当日到 {MAX_DEADLINE_DAYS} 天内",
                        field="deadline",
                    )
                if not _may_notify(actor):
                    raise PermissionDenied(
                        "forbidden_notice",
                        "只有安全检查员（应急管理部门的承办人）可以当场下达整改通知；不填整改期限即可登记隐患",
                        field="deadline",
                    )
        except DomainError as exc:
            if not numbered:
                raise
            details = {**exc.details, "hazard": n}
            raise type(exc)(
                exc.code, f"第 {n + 1} 个隐患：{exc.message}", status=exc.status, **details
            ) from None
        checked.append(c)
    return checked


def _may_notify(actor: User) -> bool:
    """The rectification notice (`notify`) is a handler's action on a hazard they handle: a handler
    of the hazard's department handles every hazard registered to it."""
    return scope.role_of(actor) == Role.HANDLER and HAZARD_DEPARTMENT in scope.department_areas(actor)


def hazard_title(org_name: str, description: str) -> str:
    summary = description.splitlines()[0] if description else ""
    title = f"{org_name}：{summary}"
    return title if len(title) <= MAX_NAME else title[: MAX_NAME - 1] + "…"


def _create_hazard(
    *,
    actor: User,
    org: Organisation,
    checked: dict[str, Any],
    inspection: Inspection | None,
    inspector: User | None,
    department: Department,
    now: datetime,
) -> Case:
    """create_case + the detail + one record event, inside the caller's transaction."""
    title = checked["title"] or hazard_title(org.name, checked["description"])
    data = case_services.CaseInput(
        case_type=HAZARD,
        channel="inspection",
        category=checked["category"].code,
        title=title,
        description=checked["description"],
        address=org.address,
        region=org.region.code,
        lon=org.lon if org.lon is not None and org.lat is not None else None,
        lat=org.lat if org.lon is not None and org.lat is not None else None,
        priority=Priority.URGENT if checked["grade"] == Grade.MAJOR else Priority.NORMAL,
    )
    case = case_services.create_case(actor=actor, data=data, now=now).case
    assignee = None
    if (
        inspector is not None
        and inspector.role == Role.HANDLER
        and department.pk in scope.department_ids(inspector)
    ):
        assignee = inspector
    # Hazards go straight to the safety department: dispatched when registered.
    case.department, case.assignee, case.dispatched_at = department, assignee, now
    case.save(update_fields=["department", "assignee", "dispatched_at", "updated_at"])
    HazardDetail.objects.create(
        case=case,
        grade=checked["grade"],
        organisation=org,
        inspection=inspection,
        legal_basis=checked["legal_basis"],
    )
    CaseEvent.objects.create(
        case=case,
        actor=actor,
        at=now,
        action="record_hazard",
        from_status=case.status,
        to_status=case.status,
        data=record_event_data(checked["grade"], org, department, assignee),
    )
    return case


def record_event_data(
    grade: str, org: Organisation, department: Department, assignee: User | None
) -> dict[str, Any]:
    """The `record_hazard` event's data: natural keys only (the inspection is on the detail)."""
    return {
        "grade": grade,
        "organisation": org.name,
        "uscc": org.uscc,
        "department": department.code,
        "assignee": assignee.username if assignee is not None else None,
    }


def _hazard_department() -> Department:
    dept = Department.objects.filter(code=HAZARD_DEPARTMENT, is_active=True).first()
    if dept is None:
        raise ValidationFailed("no_hazard_department", f"缺少承办隐患的部门：{HAZARD_DEPARTMENT}")
    return dept


def _visible_org(actor: User, org: Organisation | int) -> Organisation:
    pk = org if isinstance(org, int) else org.pk
    found = queries.visible_organisations(actor).select_related("region", "committee").filter(pk=pk).first()
    if found is None:
        raise NotFound("单位不存在或无权查看", code="organisation_not_found")
    return found


def record_hazard(
    *,
    actor: User,
    organisation: Organisation | int,
    data: HazardInput,
    inspector: User | str | None = None,
    now: datetime | None = None,
) -> Case:
    """One hazard on an organisation, outside an inspection record (e.g. reported by a grid worker)."""
    now = now or timezone.now()
    org = _visible_org(actor, organisation)
    checked = _check_hazards([data], actor=actor, found_on=calendar.local_date(now), numbered=False)[0]
    person = _inspector(inspector) if inspector else None
    with transaction.atomic():
        case = _create_hazard(
            actor=actor,
            org=org,
            checked=checked,
            inspection=None,
            inspector=person,
            department=_hazard_department(),
            now=now,
        )
        return _notify_on_the_spot(case, checked, actor=actor, now=now)


# --- Inspections -----------------------------------------------------------------------------------


@dataclass
class InspectionInput:
    inspector: User | str
    inspected_at: datetime
    organisation: Organisation | int | None = None  # None: a patrol of `region`
    region: str = ""  # a patrol's region code
    kind: str = InspectionKind.CHECK
    campaign: Campaign | int | None = None
    task: InspectionTask | int | None = None
    team: str = ""
    checklist: list[dict[str, Any]] = field(default_factory=list)
    findings: str = ""
    hazards: list[HazardInput] = field(default_factory=list)


@dataclass(frozen=True)
class InspectionResult:
    inspection: Inspection
    hazards: list[Case]


def clean_checklist(items: Any) -> list[dict[str, Any]]:
    if items in (None, ""):
        return []
    if not isinstance(items, list) or len(items) > MAX_CHECKLIST:
        raise ValidationFailed(
            "invalid_checklist", f"检查项须为列表，最多 {MAX_CHECKLIST} 项", field="checklist"
        )
    clean = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("passed"), bool):
            raise ValidationFailed(
                "invalid_checklist", f"第 {n} 个检查项须有内容和是否合格", field="checklist"
            )
        text = _text(item.get("item"), name="checklist", label=f"第 {n} 个检查项", limit=200, required=True)
        note = _text(item.get("note"), name="checklist", label=f"第 {n} 个检查项说明", limit=500)
        clean.append({"item": text, "passed": item["passed"], **({"note": note} if note else {})})
    return clean


def _campaign(value: Campaign | int | None) -> Campaign | None:
    if value is None:
        return None
    pk = value.pk if isinstance(value, Campaign) else value
    found = Campaign.objects.select_related("region").filter(pk=pk).first()
    if found is None:
        raise ValidationFailed("unknown_campaign", f"检查计划不存在：{pk}", field="campaign")
    return found


def _in_campaign(campaign: Campaign, region_path: str, day: date) -> None:
    if not region_path.startswith(campaign.region.path):
        raise ValidationFailed("outside_campaign", f"不在“{campaign.name}”的范围内", field="campaign")
    if day < campaign.starts_on or (campaign.ends_on is not None and day > campaign.ends_on):
        raise ValidationFailed("outside_campaign", f"检查日期不在“{campaign.name}”的期间内", field="campaign")


def record_inspection(
    *,
    actor: User,
    data: InspectionInput,
    photos: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> InspectionResult:
    """Record an inspection (or a patrol), register every hazard found in it and attach its photos
    (`attach_photos`), atomically.

    The actor records (登记); `inspector` is who inspected (a safety inspector — a handler of the
    `emergency` department — becomes each hazard's assignee). Hazards are registered with
    `create_case`, so the actor must be allowed to register hazards in the organisation's region:
    a grid worker, cadre, dispatcher or admin there, or a safety inspector anywhere in their
    department's area (`CaseType.department`). A hazard given its 整改期限 is notified at once.
    """
    now = now or timezone.now()
    kind = _choice(data.kind, InspectionKind, name="kind", label="检查类型")
    if not data.inspected_at or timezone.is_naive(data.inspected_at):
        raise ValidationFailed("invalid_time", "检查时间须为带时区的时间", field="inspected_at")
    if data.inspected_at > now + timedelta(minutes=5) or calendar.local_date(data.inspected_at) < EARLIEST:
        raise ValidationFailed("invalid_time", "检查时间不能晚于现在", field="inspected_at")
    org: Organisation | None = None
    if kind == InspectionKind.CHECK:
        if data.organisation is None:
            raise ValidationFailed("missing_field", "单位检查须选择单位", field="organisation")
        org = _visible_org(actor, data.organisation)
        if org.status == OrgStatus.CLOSED:
            raise ValidationFailed(
                "organisation_closed", f"“{org.name}”已关闭，不能登记检查", field="organisation"
            )
        region = org.region
    else:
        if data.organisation is not None or data.hazards:
            raise ValidationFailed(
                "invalid_patrol", "巡查记录不关联单位；发现隐患请登记单位检查", field="organisation"
            )
        region = _region(data.region)
    if not scope.may_create(actor, HAZARD):
        raise PermissionDenied("forbidden_role", "当前角色不能登记检查记录")
    if not can_inspect_in(actor, region):
        raise PermissionDenied("forbidden_region", "无权在该区域登记检查记录")
    inspector = _inspector(data.inspector)
    campaign = _campaign(data.campaign)
    task: InspectionTask | None = None
    if data.task is not None:
        pk = data.task.pk if isinstance(data.task, InspectionTask) else data.task
        task = InspectionTask.objects.select_related("campaign__region").filter(pk=pk).first()
        if task is None or org is None or task.organisation_id != org.pk:
            raise ValidationFailed("invalid_task", "检查任务不存在或不是该单位的任务", field="task")
        if campaign is not None and campaign.pk != task.campaign_id:
            raise ValidationFailed("invalid_task", "检查任务不属于所选计划", field="task")
        campaign = task.campaign
    if campaign is not None:
        _in_campaign(campaign, region.path, calendar.local_date(data.inspected_at))
    checklist = clean_checklist(data.checklist)
    findings = _text(data.findings, name="findings", label="检查情况", limit=settings.ZHIZHI_MAX_DESCRIPTION)
    team = _text(data.team, name="team", label="同行人员", limit=200)
    checked = _check_hazards(data.hazards, actor=actor, found_on=calendar.local_date(data.inspected_at))
    department = _hazard_department() if checked else None
    with transaction.atomic():
        inspection = Inspection.objects.create(
            kind=kind,
            organisation=org,
            campaign=campaign,
            task=task,
            region=region,
            region_path=region.path,
            inspector=inspector,
            team=team,
            inspected_at=data.inspected_at,
            checklist=checklist,
            findings=findings,
            recorded_by=actor,
            recorded_at=now,
        )
        hazards = []
        for c in checked:
            if org is None or department is None:  # a patrol has no hazards (checked above)
                raise ValidationFailed("invalid_patrol", "巡查记录不关联单位")
            case = _create_hazard(
                actor=actor,
                org=org,
                checked=c,
                inspection=inspection,
                inspector=inspector,
                department=department,
                now=data.inspected_at,
            )
            hazards.append(_notify_on_the_spot(case, c, actor=actor, now=data.inspected_at))
        if photos:
            attach_photos(actor=actor, inspection=inspection, files=photos)
    return InspectionResult(inspection=inspection, hazards=hazards)


def _notify_on_the_spot(case: Case, checked: dict[str, Any], *, actor: User, now: datetime) -> Case:
    """A hazard given its 整改期限 when found: the rectification notice, issued at once (the
    workflow's `notify`, in the caller's transaction)."""
    if checked["deadline"] is None:
        return case
    return hazard_action(case.pk, "notify", actor=actor, payload={"deadline": checked["deadline"]}, now=now)


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def attach_photos(
    *, actor: User, inspection: Inspection | int, files: Sequence[UploadedFile]
) -> list[InspectionPhoto]:
    """Photos of an inspection, by its recorder or inspector (or an admin); all checked first."""
    pk = inspection.pk if isinstance(inspection, Inspection) else inspection
    found = queries.visible_inspections(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("检查记录不存在或无权查看", code="inspection_not_found")
    if actor.pk not in (found.recorded_by_id, found.inspector_id) and scope.role_of(actor) != Role.ADMIN:
        raise PermissionDenied("forbidden", "只有检查人或登记人可以上传照片")
    if len(files) + found.photos.count() > MAX_PHOTOS:
        raise ValidationFailed("too_many_files", f"每条检查记录最多 {MAX_PHOTOS} 张照片", field="photos")
    limit = settings.ZHIZHI_UPLOAD_MAX_BYTES
    checked = []
    for f in files:
        size = f.size or 0
        f.seek(0)
        kind = _sniff(f.read(16))
        f.seek(0)
        if size == 0 or size > limit or kind is None:
            raise ValidationFailed(
                "invalid_photo", "照片须为不超过 10 MB 的 JPEG/PNG/WebP 图片", field="photos"
            )
        checked.append((f, kind, size))
    with transaction.atomic():
        photos = []
        for f, kind, size in checked:
            photo = InspectionPhoto(
                inspection=found,
                content_type=kind,
                size=size,
                original_name=(f.name or "").replace("\\", "/").rsplit("/", 1)[-1][:100],
                uploaded_by=actor,
            )
            photo.file.save(uuid.uuid4().hex + PHOTO_TYPES[kind], f, save=False)
            photo.save()
            photos.append(photo)
    return photos


# --- Hazard actions --------------------------------------------------------------------------------


def hazard_action(
    case_id: int,
    action: str,
    *,
    actor: User,
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Case:
    """One workflow action on a hazard, through `cases.services.transition`.

    Checked here first, in the same order and the same transaction (the row locked): scope (404),
    role and handler (403) and the source state (409, worded for a hazard: 隐患当前状态为…). The
    engine itself refuses the same way (`cases.types.status_label` knows the hazard's states);
    this wrapper also refuses a case that is not a hazard.
    """
    with transaction.atomic():
        case = scope.get_case(actor, case_id, for_update=True)
        if case.case_type != HAZARD:
            raise NotFound("隐患不存在或无权查看", code="hazard_not_found")
        act = HAZARD_WORKFLOW.actions.get(action)
        if act is None:
            raise ValidationFailed("unknown_action", f"未知的操作：{action}", status=404)
        scope.check_action(actor, case, act)
        if case.status not in act.sources:
            raise Conflict(
                "invalid_transition",
                f"隐患当前状态为“{state_label(case.status, translate=False)}”，不能执行“{act.label}”",
                status_now=case.status,
            )
        return case_services.transition(case_id, action, actor=actor, payload=payload, now=now)


# --- Enforcement -----------------------------------------------------------------------------------


def record_enforcement(
    *,
    actor: User,
    organisation: Organisation | int,
    kind: str,
    decided_on: date,
    reason: str,
    document_no: str = "",
    persons_detained: int = 0,
    hazard: Case | int | None = None,
    inspection: Inspection | int | None = None,
    now: datetime | None = None,
) -> EnforcementAction:
    """An enforcement record; 停产停业 suspends the organisation and its lifting reopens it."""
    now = now or timezone.now()
    role = scope.role_of(actor)
    if role not in ENFORCEMENT_ROLES:
        raise PermissionDenied("forbidden_role", "当前角色不能登记执法记录")
    if not can_enforce(actor):
        raise PermissionDenied("forbidden_department", "只有应急管理或综合执法部门可以登记执法记录")
    kind = _choice(kind, EnforcementKind, name="kind", label="执法类型")
    reason = _text(reason, name="reason", label="事由", limit=MAX_TEXT, required=True)
    document_no = _text(document_no, name="document_no", label="文书编号", limit=60)
    if not isinstance(decided_on, date) or isinstance(decided_on, datetime):
        raise ValidationFailed("invalid_date", "决定日期须为日期", field="decided_on")
    if decided_on > calendar.local_date(now) or decided_on < EARLIEST:
        raise ValidationFailed("invalid_date", "决定日期不能晚于今天", field="decided_on")
    if (
        not isinstance(persons_detained, int)
        or isinstance(persons_detained, bool)
        or not 0 <= persons_detained <= 100
    ):
        raise ValidationFailed("invalid_field", "行政拘留人数须为 0 到 100 的整数", field="persons_detained")
    if persons_detained and kind != EnforcementKind.POLICE_REFERRAL:
        raise ValidationFailed(
            "invalid_field", "只有移送公安的记录填写行政拘留人数", field="persons_detained"
        )
    with transaction.atomic():
        pk = organisation if isinstance(organisation, int) else organisation.pk
        org = queries.visible_organisations(actor).select_for_update().filter(pk=pk).first()
        if org is None:
            raise NotFound("单位不存在或无权查看", code="organisation_not_found")
        hazard_case = None
        if hazard is not None:
            hazard_pk = hazard if isinstance(hazard, int) else hazard.pk
            hazard_case = (
                queries.visible_hazards(actor).filter(pk=hazard_pk, hazard__organisation=org).first()
            )
            if hazard_case is None:
                raise ValidationFailed("invalid_hazard", "相关隐患不存在或不属于该单位", field="hazard")
        found_inspection = None
        if inspection is not None:
            insp_pk = inspection if isinstance(inspection, int) else inspection.pk
            found_inspection = Inspection.objects.filter(pk=insp_pk, organisation=org).first()
            if found_inspection is None:
                raise ValidationFailed(
                    "invalid_inspection", "相关检查不存在或不是该单位的检查", field="inspection"
                )
        if kind == EnforcementKind.SUSPENSION_ORDER:
            if org.status != OrgStatus.OPEN:
                raise Conflict(
                    "invalid_status", f"“{org.name}”当前为{org.get_status_display()}，不能责令停产停业"
                )
            org.status = OrgStatus.SUSPENDED
        elif kind == EnforcementKind.SUSPENSION_LIFTED:
            if org.status != OrgStatus.SUSPENDED:
                raise Conflict("invalid_status", f"“{org.name}”未处于停产停业状态")
            org.status = OrgStatus.OPEN
        record = EnforcementAction.objects.create(
            organisation=org,
            kind=kind,
            decided_on=decided_on,
            document_no=document_no,
            reason=reason,
            persons_detained=persons_detained,
            hazard=hazard_case,
            inspection=found_inspection,
            recorded_by=actor,
            recorded_at=now,
        )
        if kind in (EnforcementKind.SUSPENSION_ORDER, EnforcementKind.SUSPENSION_LIFTED):
            org.save(update_fields=["status", "updated_at"])
    return record
