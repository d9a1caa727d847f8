"""The one place that answers "what may this user see and do".

Every list, detail and action of cases — in the web, the API and the CLI — goes through these
functions, so one test matrix proves that nobody sees or acts on what is not theirs. An object
outside a user's scope is reported as not found, so that its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q, QuerySet

from zhizhi.accounts.models import Role, User
from zhizhi.core.errors import NotFound, PermissionDenied
from zhizhi.core.prepared import prepared

if TYPE_CHECKING:
    from zhizhi.cases.models import Case
    from zhizhi.cases.types import CaseType
    from zhizhi.cases.workflow import Action
    from zhizhi.territory.models import Region

# Roles whose work needs a reporter's name and phone in full (on a case they can see).
PERSONAL_DATA_ROLES = frozenset(
    {Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.DISPATCHER, Role.HANDLER, Role.HOTLINE_OPERATOR, Role.ADMIN}
)
# Roles that register new cases (within their regions): the default of `CaseType.create_roles`.
CREATE_ROLES = frozenset(
    {Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.DISPATCHER, Role.HOTLINE_OPERATOR, Role.ADMIN}
)


def role_of(user: User) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def _load_memberships(user: User) -> None:
    """The user's region paths and department ids, in one query (each request reads both, and the
    ORM would make it three compiled queries with the token's), kept on the user object."""
    through_r = User.regions.through._meta.db_table
    through_d = User.departments.through._meta.db_table
    region = User.regions.field.related_model._meta.db_table  # type: ignore[union-attr]
    sql = (
        f"SELECT r.path, NULL FROM {region} r JOIN {through_r} ur ON ur.region_id = r.id "  # noqa: S608
        f"WHERE ur.user_id = %s UNION ALL SELECT NULL, ud.department_id FROM {through_d} ud "
        "WHERE ud.user_id = %s"
    )
    using = user._state.db or DEFAULT_DB_ALIAS
    with prepared(using), connections[using].cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk])
        rows = cursor.fetchall()
    remember_memberships(
        user, [path for path, _ in rows if path is not None], [d for _, d in rows if d is not None]
    )


def remember_memberships(user: User, region_paths: Iterable[str], department_ids: Iterable[int]) -> None:
    """Keep on `user` the memberships read with it (the API's token check reads them in its own
    query), so that this request asks for them no more."""
    user._zz_region_paths = sorted(region_paths)  # type: ignore[attr-defined]
    user._zz_department_ids = frozenset(department_ids)  # type: ignore[attr-defined]


def region_paths(user: User) -> list[str]:
    cached = getattr(user, "_zz_region_paths", None)
    if cached is None:
        _load_memberships(user)
        cached = user._zz_region_paths  # type: ignore[attr-defined]
    return cached


def department_ids(user: User) -> frozenset[int]:
    cached = getattr(user, "_zz_department_ids", None)
    if cached is None:
        _load_memberships(user)
        cached = user._zz_department_ids  # type: ignore[attr-defined]
    return cached


def sees_everything(user: User) -> bool:
    """A superuser, or an admin with no region restriction."""
    return bool(user.is_superuser or (user.role == Role.ADMIN and not region_paths(user)))


def sees_a_whole_territory(user: User) -> bool:
    """Sees everything, or a whole deployment's territory (a root region, e.g. a town's dispatcher):
    most of the cases there are, for a query planner."""
    return sees_everything(user) or any(p.count("/") == 2 for p in region_paths(user))


def path_q(paths: Iterable[str], field: str) -> Q:
    """Rows whose materialised path `field` lies in any of these region subtrees (none: no row)."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def in_regions(user: User, path: str) -> bool:
    return sees_everything(user) or any(path.startswith(p) for p in region_paths(user))


# --- Regions -------------------------------------------------------------------------------------


def visible_regions(user: User) -> QuerySet[Region]:
    from zhizhi.territory.models import Region

    if not user.is_authenticated or not user.is_active:
        return Region.objects.none()
    if sees_everything(user) or user.role in (
        Role.LEADER,
        Role.DISPATCHER,
        Role.HOTLINE_OPERATOR,
        Role.HANDLER,
    ):
        # Reference data: the tree itself is not personal; town-wide roles need all of it to route.
        return Region.objects.all()
    return Region.objects.filter(path_q(region_paths(user), "path"))


def _case_type(case_type: CaseType | str) -> CaseType:
    from zhizhi.cases import types

    return types.get(case_type) if isinstance(case_type, str) else case_type


def department_areas(user: User) -> dict[str, str | None]:
    """The user's active departments: code → the department's region path (None: no region, the
    whole territory)."""
    cached = getattr(user, "_zz_department_areas", None)
    if cached is None:
        from zhizhi.accounts.models import Department

        depts = Department.objects.filter(pk__in=department_ids(user), is_active=True).select_related(
            "region"
        )
        cached = {d.code: (d.region.path if d.region is not None else None) for d in depts}
        user._zz_department_areas = cached  # type: ignore[attr-defined]
    return cached


def creates_by_department(user: User, case_type: CaseType | str) -> bool:
    """A handler of the department that handles this case type (`CaseType.department`)."""
    ct = _case_type(case_type)
    return bool(ct.department) and role_of(user) == Role.HANDLER and ct.department in department_areas(user)


def may_create(user: User, case_type: CaseType | str = "event") -> bool:
    """May this user register cases of this type anywhere at all (the role check)."""
    ct = _case_type(case_type)
    return role_of(user) in ct.create_roles or creates_by_department(user, ct)


def can_create_in(user: User, region: Region, case_type: CaseType | str = "event") -> bool:
    """May this user register a case of this type in this region: a role of the type's
    `create_roles` within the user's regions, or a handler of the type's department within the
    department's area (anywhere, when the department has no region)."""
    ct = _case_type(case_type)
    if role_of(user) in ct.create_roles and in_regions(user, region.path):
        return True
    if not creates_by_department(user, ct):
        return False
    area = department_areas(user)[ct.department]
    return area is None or region.path.startswith(area)


# --- Cases ---------------------------------------------------------------------------------------


def cases_q(user: User, via: str = "") -> Q:
    """The cases `user` may see, as a condition on case rows — or, with `via` (e.g. "case__"), on
    rows that point to a case, through the join (a row without a case matches only for a user who
    sees everything)."""
    if sees_everything(user):
        return Q()
    q = path_q(region_paths(user), f"{via}region_path")
    depts = department_ids(user)
    if depts:
        q |= Q(**{f"{via}department_id__in": depts})
    q |= Q(**{f"{via}assignee_id": user.pk}) | Q(**{f"{via}created_by_id": user.pk})
    return q


def visible_cases(user: User) -> QuerySet[Case]:
    from zhizhi.cases.models import Case

    return restrict_cases(Case.objects.all(), user)


def restrict_cases(qs: QuerySet[Case], user: User) -> QuerySet[Case]:
    """`qs` limited to the cases `user` may see: `visible_cases` as a condition on `qs`'s own rows.
    Prefer it to `pk__in=visible_cases(user)`: SQLite crosses such a subquery's list with the other
    `IN` lists of a query (a hotline figure on the demo township took 28 s that way, 0.1 s this way)."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    return qs.filter(cases_q(user))


def can_see_case(user: User, case: Case) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if sees_everything(user) or in_regions(user, case.region_path):
        return True
    return (
        case.department_id in department_ids(user)
        or case.assignee_id == user.pk
        or case.created_by_id == user.pk
    )


def seen_among(user: User, cases: Iterable[Case]) -> list[Case]:
    """Those of these loaded cases the user may see, in order (duplicate suggestions: the others'
    existence must not leak), without a query."""
    return [case for case in cases if can_see_case(user, case)]


def get_case(user: User, pk: int, *, for_update: bool = False) -> Case:
    """The case if the user may see it; NotFound otherwise (existence is not revealed)."""
    qs = visible_cases(user)
    if for_update:
        qs = qs.select_for_update()
    case = qs.filter(pk=pk).first()
    if case is None:
        raise NotFound("工单不存在或无权查看", code="case_not_found")
    return case


def is_handler_of(user: User, case: Case) -> bool:
    if case.assignee_id is not None and case.assignee_id == user.pk:
        return True
    if case.department_id is not None and case.department_id in department_ids(user):
        return case.assignee_id is None or user.role == Role.HANDLER
    # A village cadre handles what happens in their own village (属地).
    return user.role == Role.VILLAGE_CADRE and in_regions(user, case.region_path) and case.assignee_id is None


def action_denial(user: User, case: Case, action: Action) -> str | None:
    """Why this user may not take this action on this case (which they can see), or None."""
    if role_of(user) not in action.roles:
        return "role"
    if action.handler_only and not is_handler_of(user, case):
        return "not_handler"
    return None


def check_action(user: User, case: Case, action: Action) -> None:
    if not can_see_case(user, case):
        raise NotFound("工单不存在或无权查看", code="case_not_found")
    reason = action_denial(user, case, action)
    if reason == "role":
        raise PermissionDenied("forbidden_role", f"当前角色无权执行“{action.label}”")
    if reason == "not_handler":
        raise PermissionDenied("not_handler", f"只有本工单的承办人可以执行“{action.label}”")


def can_view_personal(user: User, case: Case) -> bool:
    return role_of(user) in PERSONAL_DATA_ROLES and can_see_case(user, case)
