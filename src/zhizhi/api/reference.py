"""Reference data (read-only): who am I, regions, departments, categories, natures, SLA policies,
and the working-day calendar."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, User
from zhizhi.cases.models import Category, RequestNature, SlaPolicy
from zhizhi.core import calendar
from zhizhi.core.errors import NotFound, ValidationFailed
from zhizhi.territory.models import Level, Region

router = Router()


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    regions: list[str]
    departments: list[str]


class RegionOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent: str | None
    path: str
    center_lon: float | None
    center_lat: float | None


class RegionDetailOut(RegionOut):
    boundary: dict[str, Any] | None
    children: list[RegionOut]


class DepartmentOut(Schema):
    code: str
    name: str


class CategoryOut(Schema):
    code: str
    name: str
    department: str | None
    accepts_public_reports: bool
    children: list[CategoryOut] = []


class NatureOut(Schema):
    code: str
    name: str


class SlaPolicyOut(Schema):
    id: int
    name: str
    case_type: str
    category: str | None
    nature: str | None
    priority: str
    target: int
    unit: str
    response_target: int | None
    response_unit: str
    pausing_states: list[str]


class DueOut(Schema):
    start: datetime
    amount: int
    unit: str
    due_at: datetime
    provisional: bool


def _region(r: Region, parent_code: str | None) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "kind": r.kind,
        "parent": parent_code,
        "path": r.path,
        "center_lon": r.center_lon,
        "center_lat": r.center_lat,
    }


def _parent_code(path: str) -> str | None:
    parts = path.strip("/").split("/")
    return parts[-2] if len(parts) > 1 else None


@router.get("/me", response=MeOut, summary="The authenticated user and their scope")
def me(request: HttpRequest) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": scope.role_of(user),
        "regions": list(user.regions.values_list("code", flat=True)),
        "departments": list(user.departments.values_list("code", flat=True)),
    }


@router.get("/regions", response=list[RegionOut], summary="Regions visible to me")
def regions(
    request: HttpRequest, level: str | None = None, parent: str | None = None, under: str | None = None
) -> list[dict[str, Any]]:
    qs: QuerySet[Region] = scope.visible_regions(request.auth).filter(is_active=True)  # type: ignore[attr-defined]
    if level:
        if level not in Level.values:
            raise ValidationFailed("invalid_level", f"未知的层级：{level}")
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=parent)
    if under:
        root = Region.objects.filter(code=under).first()
        if root is None:
            raise ValidationFailed("unknown_region", f"区域代码不存在：{under}")
        qs = qs.filter(path__startswith=root.path)
    return [_region(r, _parent_code(r.path)) for r in qs.order_by("path")]


@router.get("/regions/{code}", response=RegionDetailOut, summary="One region with its boundary and children")
def region(request: HttpRequest, code: str) -> dict[str, Any]:
    visible = scope.visible_regions(request.auth)  # type: ignore[attr-defined]
    r = visible.filter(code=code).first()
    if r is None:
        raise NotFound("区域不存在或无权查看", code="region_not_found")
    out = _region(r, _parent_code(r.path))
    out["boundary"] = r.boundary
    out["children"] = [_region(c, r.code) for c in visible.filter(parent=r).order_by("code")]
    return out


@router.get("/departments", response=list[DepartmentOut], summary="Departments")
def departments(request: HttpRequest) -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("code")


@router.get("/categories", response=list[CategoryOut], summary="The two-level event taxonomy")
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    rows = list(Category.objects.filter(is_active=True).select_related("department").order_by("sort", "code"))
    children: dict[int, list[dict[str, Any]]] = {}
    for c in rows:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(
                {
                    "code": c.code,
                    "name": c.name,
                    "department": c.department.code if c.department else None,
                    "accepts_public_reports": c.accepts_public_reports,
                    "children": [],
                }
            )
    return [
        {
            "code": c.code,
            "name": c.name,
            "department": c.department.code if c.department else None,
            "accepts_public_reports": c.accepts_public_reports,
            "children": children.get(c.pk, []),
        }
        for c in rows
        if c.parent_id is None
    ]


@router.get("/natures", response=list[NatureOut], summary="Request natures (诉求性质)")
def natures(request: HttpRequest) -> QuerySet[RequestNature]:
    return RequestNature.objects.order_by("sort", "code")


@router.get("/sla-policies", response=list[SlaPolicyOut], summary="SLA policies (时限规则)")
def sla_policies(request: HttpRequest) -> list[dict[str, Any]]:
    qs = (
        SlaPolicy.objects.filter(is_active=True)
        .select_related("category", "nature")
        .order_by("case_type", "id")
    )
    return [
        {
            "id": p.pk,
            "name": p.name,
            "case_type": p.case_type,
            "category": p.category.code if p.category else None,
            "nature": p.nature.code if p.nature else None,
            "priority": p.priority,
            "target": p.target,
            "unit": p.unit,
            "response_target": p.response_target,
            "response_unit": p.response_unit,
            "pausing_states": list(p.pausing_states or []),
        }
        for p in qs
    ]


@router.get("/calendar/add", response=DueOut, summary="Add days, working days or hours to a time")
def calendar_add(request: HttpRequest, start: datetime, amount: int, unit: str) -> dict[str, Any]:
    """The same computation the case engine uses. A `start` without an offset is Asia/Shanghai time."""
    if timezone.is_naive(start):
        start = timezone.make_aware(start, timezone.get_default_timezone())
    due = calendar.add(start, amount, unit)
    local = timezone.get_default_timezone()
    return {
        "start": start.astimezone(local),
        "amount": amount,
        "unit": unit,
        "due_at": due.at.astimezone(local),
        "provisional": due.provisional,
    }
