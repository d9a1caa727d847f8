"""Case endpoints: create (idempotent), list, detail with timeline, one POST per workflow action."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import math
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from zhizhi.accounts import scope
from zhizhi.accounts.models import PersonalDataAccess, User
from zhizhi.api import present
from zhizhi.api.schemas import (
    ActionIn,
    CaseCreatedOut,
    CaseDetailOut,
    CaseIn,
    CasePageOut,
    DuplicateOut,
    ErrorOut,
)
from zhizhi.cases import queries, search, services, types
from zhizhi.core.errors import ValidationFailed
from zhizhi.core.inputs import MAX_PAGE

router = Router()
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
MAX_PAGE_SIZE = 200


def check_page(page: int, page_size: int) -> None:
    """422 `invalid_page` for a page or a page size out of range."""
    if not 1 <= page <= MAX_PAGE or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            "invalid_page", f"page 须在 1 到 {MAX_PAGE} 之间，page_size 须在 1 到 {MAX_PAGE_SIZE} 之间"
        )


# Counting every matching row costs a scan of the whole scope (half a second at a million cases):
# the list counts up to COUNT_LIMIT and then says so ("count_exact": false, i.e. "1,000+"); exact
# figures are the dashboard's (metrics), which count with aggregates.
COUNT_LIMIT = 1_000


class CaseListOut(CasePageOut):
    count_exact: bool = Field(
        description=f"false when more than {COUNT_LIMIT} cases match: `count` is then {COUNT_LIMIT}"
    )
    next: str | None = Field(
        None,
        description="cursor of the next page (pass it as `after`); null on the last page. "
        "A cursor page costs the same at any depth, and rows registered meanwhile do not shift it.",
    )


def _broad(user: User, f: queries.CaseFilter) -> bool:
    """Most of all cases, before the text: the user sees a whole territory and nothing narrows it."""
    return scope.sees_a_whole_territory(user) and not (f.region or f.department or f.assignee)


def _cursor(received_at: datetime, pk: int) -> str:
    raw = f"{received_at.isoformat()}~{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str) -> Q:
    """Cases after the one the cursor names, in the list's order (newest first, id breaks ties)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, pk_text = raw.split("~")
        at, pk = datetime.fromisoformat(at_text), int(pk_text)
        if at.tzinfo is None:
            raise ValueError(raw)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationFailed("invalid_cursor", "after 不是本接口返回的 next 游标", field="after") from None
    # (received_at, id) < (at, pk), written so that the (received_at, id) index bounds the scan
    return Q(received_at__lte=at) & (Q(received_at__lt=at) | Q(pk__lt=pk))


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


class CaseListQuery(Schema):
    type: str | None = None
    status: str | None = None
    category: str | None = None
    region: str | None = None
    channel: str | None = None
    department: str | None = None
    assignee: str | None = None
    overdue: bool | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str | None = None
    page: int = 1
    page_size: int = 50
    after: str | None = None


@router.post("", response={201: CaseCreatedOut, 200: CaseCreatedOut, **ERRORS}, summary="Register a case")
def create_case(request: HttpRequest, payload: CaseIn) -> Status:
    """Send an `Idempotency-Key` header to make retries safe: a replay returns the same case (200)."""
    user = _user(request)
    key = request.headers.get("Idempotency-Key") or None
    result = services.create_case(
        actor=user, data=services.CaseInput(**payload.model_dump()), idempotency_key=key
    )
    # Suggest only cases the user may see: the others' existence must not leak (as on /duplicates).
    body = {
        "case": present.detail(
            result.case, user, reveal=scope.can_view_personal(user, result.case), events=result.events
        ),
        "duplicates": [present.duplicate(c) for c in scope.seen_among(user, result.duplicates)],
        "replayed": result.replayed,
    }
    return Status(200 if result.replayed else 201, body)


@router.get("", response={200: CaseListOut, **ERRORS}, summary="List cases in my scope")
def list_cases(request: HttpRequest, filters: Query[CaseListQuery]) -> dict[str, Any]:
    user = _user(request)
    check_page(filters.page, filters.page_size)
    f = queries.CaseFilter(
        case_type=filters.type,
        status=filters.status,
        category=filters.category,
        region=filters.region,
        channel=filters.channel,
        department=filters.department,
        assignee=filters.assignee,
        overdue=filters.overdue,
        received_from=filters.received_from,
        received_to=filters.received_to,
        q=filters.q,
    )
    qs = queries.list_for(user, f)
    if filters.after and filters.page != 1:
        raise ValidationFailed("invalid_page", "after 与 page 不能同时使用", field="page")
    start = 0 if filters.after else (filters.page - 1) * filters.page_size
    end = start + filters.page_size + 1  # one more id tells whether a page follows
    broad = _broad(user, f)
    text = queries.search_text(f)
    if text and not broad and not filters.after and end <= COUNT_LIMIT + 1:
        # A search in a narrow list (a grid, a department) goes through the pair index, which reads
        # every match anyway: the first 1,001 ids in order give the count and the page in one query.
        top = list(qs.values_list("pk", flat=True)[: COUNT_LIMIT + 1])
        counted, ids = len(top), top[start:end]
    else:
        counted = -1
        if text and broad and not text.isdigit() and search.common(text):
            # A word in one case of twenty or more, in a list of most cases: its first 1,001 matches
            # are among the newest few thousand rows, where the index would read every match first.
            every = queries.list_for(user, dataclasses.replace(f, q=None))
            hits = search.count_recent(every, text, limit=COUNT_LIMIT + 1)
            if hits > COUNT_LIMIT:
                counted = hits
        if counted < 0:
            counted = qs.order_by()[: COUNT_LIMIT + 1].count()  # unordered: any plan that stops early
        if text and counted > COUNT_LIMIT and broad:
            # A common word in a broad list: walking the newest cases meets a page of matches within
            # a few thousand rows, where the pair index would fetch and sort every match. In a narrow
            # list the walk would pass everyone else's rows: there the index is cheaper.
            qs = queries.list_for(user, dataclasses.replace(f, q_narrow=False))
        if filters.after:
            qs = qs.filter(_after(filters.after))
        # The page's ids first, without the joins (a deep page then skips index entries, not joined
        # rows), then those rows with what a summary shows.
        ids = list(qs.values_list("pk", flat=True)[start:end])
    count = min(counted, COUNT_LIMIT)
    more, ids = len(ids) > filters.page_size, ids[: filters.page_size]
    rows = present.summaries(ids) if ids else []
    return {
        "count": count,
        "count_exact": counted <= COUNT_LIMIT,
        "page": filters.page,
        "page_size": filters.page_size,
        "pages": max(1, math.ceil(count / filters.page_size)),
        "next": _cursor(rows[-1]["received_at"], rows[-1]["id"]) if more else None,
        "results": rows,
    }


@router.get("/{case_id}", response={200: CaseDetailOut, **ERRORS}, summary="A case with its timeline")
def get_case(request: HttpRequest, case_id: int, reveal: bool = False, reason: str = "") -> dict[str, Any]:
    """`reveal=true` returns the reporter's name, phone and address in full, if your role may see
    them; each such read is recorded (who, what, when, why)."""
    user = _user(request)
    case = scope.get_case(user, case_id)
    case = present.with_related(scope.visible_cases(user)).select_related("sla_policy").get(pk=case.pk)
    show = False
    if reveal:
        if not scope.can_view_personal(user, case):
            from zhizhi.core.errors import PermissionDenied

            raise PermissionDenied("forbidden_personal_data", "当前角色无权查看个人信息")
        with transaction.atomic():
            PersonalDataAccess.objects.create(
                user=user,
                object_type="case",
                object_id=str(case.pk),
                fields="reporter_name,reporter_phone,address",
                reason=reason[:200],
            )
        show = True
    return present.detail(case, user, reveal=show)


@router.get(
    "/{case_id}/duplicates", response={200: list[DuplicateOut], **ERRORS}, summary="Possible duplicates"
)
def get_duplicates(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    user = _user(request)
    case = scope.get_case(user, case_id)
    return [present.duplicate(c) for c in scope.seen_among(user, services.find_duplicates(case))]


def _action_payload(request: HttpRequest, payload: ActionIn) -> dict[str, Any]:
    """The typed shared fields, plus any other field of the JSON body (a domain type's own fields,
    or a mistake that the service refuses with unknown_field)."""
    fields = payload.model_dump(exclude_none=True)
    try:
        raw = json.loads(request.body or b"{}")
    except ValueError:
        raw = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            if key not in ActionIn.model_fields and value is not None:
                fields[key] = value
    return fields


def _make_action_view(name: str) -> Any:
    def view(request: HttpRequest, case_id: int, payload: ActionIn) -> dict[str, Any]:
        user = _user(request)
        case = services.transition(case_id, name, actor=user, payload=_action_payload(request, payload))
        fresh = (
            present.with_related(scope.visible_cases(user))
            .select_related("sla_policy")
            .filter(pk=case.pk)
            .first()
        )
        if fresh is None:  # e.g. a handler who returned a case no longer sees it
            return {"id": case_id, "status": case.status}
        return present.detail(fresh, user)

    return view


def _register_action_routes() -> None:
    """One POST per action name across every registered case type (an action a case's own type
    does not have is refused by the service with 404 unknown_action)."""
    seen: dict[str, list[str]] = {}
    for ct in types.REGISTRY.values():
        for action in ct.workflow.actions.values():
            fields = ", ".join(f"`{f}` ({ct.workflow.field_help(f)})" for f in action.required) or "nothing"
            line = f"**{ct.code}**: required {fields}"
            if action.optional:
                line += "; optional " + ", ".join(f"`{f}`" for f in action.optional)
            line += f"; from {', '.join(sorted(action.sources))}; roles {', '.join(sorted(action.roles))}."
            seen.setdefault(action.name, []).append(line)
    for name, lines in seen.items():
        label = next(
            ct.workflow.actions[name].label for ct in types.REGISTRY.values() if name in ct.workflow.actions
        )
        router.post(
            f"/{{case_id}}/{name}",
            response={200: dict, **ERRORS},
            summary=f"{label} ({name})",
            description="\n\n".join(lines),
            operation_id=f"case_{name}",
        )(_make_action_view(name))


_register_action_routes()
