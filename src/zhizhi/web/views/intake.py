"""New cases: the hotline desk's form (with the caller's earlier cases) and the grid worker's phone
form (GPS or a tap on the map, photos)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zhizhi.accounts import scope
from zhizhi.accounts.models import Role, User
from zhizhi.cases import services
from zhizhi.cases.models import Channel
from zhizhi.cases.queries import WorkbenchFilter, workbench_list
from zhizhi.core.errors import DomainError, PermissionDenied, ValidationFailed
from zhizhi.core.personal import normalize_phone
from zhizhi.hotline import services as hotline_services
from zhizhi.web import attachments
from zhizhi.web.forms import FieldReportForm, HotlineForm, LookupForm, add_domain_error, creatable_regions
from zhizhi.web.views.common import is_htmx, page, user_of

HISTORY_LIMIT = 20


def _require_create(user: User) -> None:
    if scope.role_of(user) not in scope.CREATE_ROLES or not creatable_regions(user):
        raise PermissionDenied("forbidden_role", _("当前角色不能登记工单"))


@page
def new_case(request: HttpRequest) -> HttpResponse:
    """Where "新建" leads: the form that fits the role (grid workers: the phone form)."""
    user = user_of(request)
    _require_create(user)
    role = scope.role_of(user)
    if role == Role.GRID_WORKER:
        return redirect("web:case_new_field")
    if role == Role.HOTLINE_OPERATOR:
        return redirect("web:case_new_hotline")
    return render(request, "web/intake/choose.html", {})


def caller_history(user: User, raw_phone: str) -> dict[str, Any]:
    """The caller's earlier cases that this user may see, newest first."""
    try:
        phone = normalize_phone(raw_phone)
    except ValidationFailed as exc:
        return {"history_error": exc.message, "history": [], "history_count": 0, "looked_up": True}
    qs = workbench_list(user, WorkbenchFilter(phone=phone)).select_related("category", "region")
    return {
        "history": list(qs[:HISTORY_LIMIT]),
        "history_count": qs.count(),
        "looked_up": True,
        "history_error": "",
    }


@require_http_methods(["GET", "POST"])
@page
def hotline(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require_create(user)
    form = HotlineForm(request.POST or None, user=user)
    ctx: dict[str, Any] = {"form": form}
    if request.method == "POST":
        if form.is_valid():
            try:
                result = _register(user, form)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return _created(request, result)
        if request.POST.get("reporter_phone"):
            ctx.update(caller_history(user, request.POST["reporter_phone"]))
        return render(request, "web/intake/hotline.html", ctx, status=422)
    return render(request, "web/intake/hotline.html", ctx)


def _register(user: User, form: HotlineForm) -> services.CreateResult:
    """A hotline call is recorded as a call opened as a case (zhizhi.hotline), in one transaction;
    a walk-in at the desk is a case only."""
    channel = form.cleaned_data["channel"]
    data = form.case_input(channel)
    if channel != Channel.HOTLINE:
        return services.create_case(actor=user, data=data)
    if not data.nature:
        raise ValidationFailed("missing_field", _("热线来电请选择诉求性质"), field="nature")
    call = hotline_services.record_call(
        actor=user,
        data=hotline_services.CallInput(
            nature=data.nature,
            summary=data.description or data.title,
            caller_phone=data.reporter_phone,
            caller_name=data.reporter_name,
            case=data,
        ),
    )
    assert call.case is not None  # noqa: S101  (a call opened as a case)
    return services.CreateResult(case=call.case, duplicates=services.find_duplicates(call.case))


@require_POST
@page
def caller_lookup(request: HttpRequest) -> HttpResponse:
    """The caller's earlier cases. POST, so that phone numbers stay out of URLs and access logs.
    htmx gets the history fragment; without JavaScript the whole form comes back, filled in."""
    user = user_of(request)
    _require_create(user)
    lookup = LookupForm(request.POST)
    phone = request.POST.get("reporter_phone", "") if lookup.is_valid() else ""
    ctx: dict[str, Any] = caller_history(user, phone) if phone else {"looked_up": False}
    if is_htmx(request):
        return render(request, "web/intake/_caller_history.html", ctx)
    ctx["form"] = HotlineForm(initial=request.POST.dict(), user=user)
    return render(request, "web/intake/hotline.html", ctx)


@require_http_methods(["GET", "POST"])
@page
def field_report(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require_create(user)
    form = FieldReportForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            result = attachments.report(
                actor=user,
                data=form.case_input(Channel.GRID_PATROL),
                files=form.cleaned_data.get("photos") or [],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _created(request, result)
    regions = scope.visible_regions(user).filter(level__in=("grid", "micro_grid"))
    ctx = {
        "form": form,
        "tile_url": settings.ZHIZHI_MAP_TILE_URL,
        "tile_attribution": settings.ZHIZHI_MAP_TILE_ATTRIBUTION,
        "max_upload_mb": settings.ZHIZHI_UPLOAD_MAX_BYTES // (1024 * 1024),
        "has_regions": regions.exists(),
    }
    return render(request, "web/intake/field.html", ctx, status=422 if request.method == "POST" else 200)


def _created(request: HttpRequest, result: services.CreateResult) -> HttpResponse:
    case = result.case
    messages.success(request, _("已登记工单 #%(id)s") % {"id": case.pk})
    user = user_of(request)
    visible = len(scope.seen_among(user, result.duplicates))
    if visible:
        messages.warning(request, _("附近 7 天内有 %(n)s 件同类工单，请核对是否重复") % {"n": visible})
    return redirect(reverse("web:case_detail", args=[case.pk]))
