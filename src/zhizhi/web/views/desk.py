"""工作台 — my desk: what needs me now, most urgent first, one click to act."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zhizhi.accounts import scope
from zhizhi.accounts.models import Role, User
from zhizhi.cases import services, types
from zhizhi.cases.models import Case
from zhizhi.cases.queries import status_counts, workbench_list
from zhizhi.cases.workflow import Action
from zhizhi.web import filters, present
from zhizhi.web.views.common import page, user_of

ROWS_PER_QUEUE = 8
RELATED = ("category", "category__parent", "region", "department", "assignee")


@dataclass
class Row:
    case: Case
    overdue: bool
    due_soon: bool
    action: Action | None  # the first action this user may take now
    one_click: bool  # the action needs no input: a button posts it directly


@dataclass
class Queue:
    key: str
    title: str
    params: dict[str, str]
    count: int = 0
    rows: list[Row] = field(default_factory=list)

    @property
    def query(self) -> str:
        return urlencode(self.params)


def _queues(user: User) -> list[tuple[str, str, dict[str, str]]]:
    """(key, title, list parameters) of the queues that make sense for this user."""
    role = scope.role_of(user)
    open_ = {"open": "1", "sort": "due"}
    out: list[tuple[str, str, dict[str, str]]] = []
    if role in (Role.HANDLER, Role.VILLAGE_CADRE):
        out.append(("mine", _("指派给我"), {**open_, "assignee": user.username}))
    for d in user.departments.all():
        if role == Role.HANDLER:
            out.append(
                (
                    f"sign-{d.code}",
                    _("%(d)s · 待签收") % {"d": d.name},
                    {"status": "dispatched", "department": d.code, "sort": "due"},
                )
            )
        out.append((f"dept-{d.code}", _("%(d)s · 在办") % {"d": d.name}, {**open_, "department": d.code}))
    if role in (Role.DISPATCHER, Role.ADMIN):
        # Events only: other types (a hazard in 发现登记) share `received` but are never dispatched.
        to_dispatch = {"type": "event", "status": "received,returned", "sort": "due"}
        out.append(("to-dispatch", _("待派单（含退回）"), to_dispatch))
        out.append(
            ("to-close", _("已办结待回访/归档"), {"type": "event", "status": "resolved", "sort": "resolved"})
        )
    if role == Role.HOTLINE_OPERATOR:
        out.append(("to-visit", _("待回访"), {"status": "resolved", "visited": "0", "sort": "resolved"}))
        out.append(("my-intake", _("我登记的在办工单"), {**open_, "created_by": user.username}))
    if role == Role.GRID_WORKER:
        out.append(("my-reports", _("我上报的在办工单"), {**open_, "created_by": user.username}))
    if role in (Role.LEADER, Role.DISPATCHER):
        out.append(("overdue", _("当前超期"), {"overdue": "1", "sort": "due"}))
        out.append(("supervised", _("督办中"), {**open_, "supervised": "1"}))
    if role in (Role.GRID_WORKER, Role.VILLAGE_CADRE):
        for r in user.regions.all():
            out.append((f"region-{r.code}", _("%(r)s · 在办") % {"r": r.name}, {**open_, "region": r.code}))
    return out


def _row(user: User, case: Case, now: datetime) -> Row:
    actions = services.available_actions(user, case, now)
    first = actions[0] if actions else None
    return Row(
        case=case,
        overdue=present.is_overdue(case, now),
        due_soon=case.status in types.running_states()
        and now <= case.due_at < now + timedelta(hours=settings.ZHIZHI_DUE_SOON_HOURS),
        action=first,
        one_click=first is not None and not first.required,
    )


@require_GET
@page
def home(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    now = timezone.now()
    queues = []
    for key, title, params in _queues(user):
        f = filters.parse(params).filter
        qs = workbench_list(user, f, now=now)
        q = Queue(key=key, title=title, params=params, count=qs.count())
        q.rows = [_row(user, c, now) for c in qs.select_related(*RELATED)[:ROWS_PER_QUEUE]]
        queues.append(q)
    counts = status_counts(user)
    overdue_f = filters.parse({"overdue": "1"}).filter
    due_soon_f = filters.parse({"due_soon": "1"}).filter
    ctx = {
        "queues": queues,
        "counts": [(s, label, counts[s]) for s, label in types.state_choices()],
        "open_total": sum(n for s, n in counts.items() if s in types.open_states()),
        "overdue": workbench_list(user, overdue_f, now=now).count(),
        "due_soon": workbench_list(user, due_soon_f, now=now).count(),
        "regions": user.regions.all(),
        "departments": user.departments.all(),
        "role": scope.role_of(user),
        "role_label": str(Role(scope.role_of(user)).label),
        "can_create": scope.role_of(user) in scope.CREATE_ROLES,
        "now": now,
    }
    return render(request, "web/desk.html", ctx)
