"""The case list (filters, sorting, pages, Excel export) and the case detail with its actions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, PersonalDataAccess, User
from zhizhi.cases import services, types
from zhizhi.cases.models import Case, CaseEvent, Category, Channel
from zhizhi.cases.queries import workbench_list
from zhizhi.core.errors import DomainError, NotFound, PermissionDenied
from zhizhi.safety.models import HazardDetail
from zhizhi.safety.workflow import HAZARD
from zhizhi.territory import queries as territory
from zhizhi.territory.models import Level
from zhizhi.web import attachments, dispute_card, exports, filters, present
from zhizhi.web.forms import ActionForm, AttachForm, RevealForm, add_domain_error, region_label
from zhizhi.web.models import CaseAttachment
from zhizhi.web.views.common import is_htmx, page, user_of
from zhizhi.web.views.petitions import petition_card

SORT_CHOICES = (
    ("-received", gettext_lazy("受理时间（新→旧）")),
    ("received", gettext_lazy("受理时间（旧→新）")),
    ("urgency", gettext_lazy("紧急程度（在办、超期优先）")),
    ("due", gettext_lazy("办结期限（早→晚）")),
    ("-due", gettext_lazy("办结期限（晚→早）")),
    ("-resolved", gettext_lazy("办结时间（新→旧）")),
    ("status", gettext_lazy("状态")),
    ("id", gettext_lazy("编号（小→大）")),
    ("-id", gettext_lazy("编号（大→小）")),
)
PER_PAGE_CHOICES = (20, 50, 100)
DEFAULT_PER_PAGE = 20
LIST_RELATED = ("category", "category__parent", "region", "department", "assignee")


# --- List -----------------------------------------------------------------------------------------


def _filter_options(user: User, case_type: str | None = None) -> dict[str, Any]:
    classes = list(Category.objects.filter(parent__isnull=True).order_by("sort", "code"))
    subs: dict[int, list[Category]] = {}
    for c in Category.objects.filter(parent__isnull=False).order_by("sort", "code"):
        subs.setdefault(c.parent_id or 0, []).append(c)
    levels = (Level.TOWN, Level.VILLAGE, Level.GRID, Level.MICRO_GRID)
    regions = (
        scope.visible_regions(user).filter(level__in=levels).order_by("path").only("code", "name", "depth")
    )
    return {
        "category_groups": [(c, subs.get(c.pk, [])) for c in classes],
        "channels": list(Channel.choices),
        "statuses": types.state_choices(case_type),
        "regions": [(r.code, region_label(r)) for r in regions],
        "case_types": [(t.code, _(t.name)) for t in types.REGISTRY.values()],
        "sort_choices": [(k, str(label)) for k, label in SORT_CHOICES],
    }


def _names(parsed: filters.Parsed) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {"department": {}, "user": {}}
    if "department" in parsed.params:
        out["department"] = dict(
            Department.objects.filter(code=parsed.params["department"]).values_list("code", "name")
        )
    names = {parsed.params.get("assignee"), parsed.params.get("created_by")} - {None}
    if names:
        out["user"] = {u.username: str(u) for u in User.objects.filter(username__in=names)}
    return out


def _per_page(request: HttpRequest) -> int:
    try:
        n = int(request.GET.get("per_page", DEFAULT_PER_PAGE))
    except ValueError:
        return DEFAULT_PER_PAGE
    return n if n in PER_PAGE_CHOICES else DEFAULT_PER_PAGE


@require_GET
@page
def case_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    parsed = filters.parse(request.GET)
    now = timezone.now()
    error = "；".join(parsed.errors)
    page_obj = None
    count = 0
    if not error:
        try:
            qs = workbench_list(user, parsed.filter, now=now)
            per_page = _per_page(request)
            paginator = Paginator(qs.select_related(*LIST_RELATED), per_page)
            page_obj = paginator.get_page(request.GET.get("page"))
            count = paginator.count
        except DomainError as exc:
            error = exc.message
    ctx = {
        "parsed": parsed,
        "params": parsed.params,
        "page_obj": page_obj,
        "rows": [(c, present.is_overdue(c, now)) for c in (page_obj.object_list if page_obj else [])],
        "count": count,
        "error": error,
        "chips": parsed.chips(_names(parsed)),
        "sort": parsed.params.get("sort", "-received"),
        "per_page": _per_page(request),
        "per_page_choices": PER_PAGE_CHOICES,
        "export_limit": settings.ZHIZHI_EXPORT_SYNC_LIMIT,
        "now": now,
    }
    status = 400 if error else 200
    if is_htmx(request) and request.headers.get("HX-Target") == "results":
        return render(request, "web/cases/_results.html", ctx, status=status)
    ctx.update(_filter_options(user, parsed.params.get("type")))
    return render(request, "web/cases/list.html", ctx, status=status)


@require_GET
@page
def case_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered list as .xlsx: streamed when small, a background job with progress when large."""
    user = user_of(request)
    parsed = filters.parse(request.GET)
    if parsed.errors:
        raise_invalid(parsed)
    params = {k: v for k, v in parsed.params.items() if k not in filters.PAGE_PARAMS}
    total = workbench_list(user, parsed.filter).count()
    if total > settings.ZHIZHI_EXPORT_SYNC_LIMIT:
        job = exports.start(user, params, total=total)
        return redirect("web:job", job_id=job.pk)
    tmp = exports.write_temp(user, params)
    response = FileResponse(tmp, as_attachment=True, filename=exports.file_name())
    response["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response["Cache-Control"] = "private, no-store"
    return response


def raise_invalid(parsed: filters.Parsed) -> None:
    from zhizhi.core.errors import ValidationFailed

    raise ValidationFailed("invalid_filter", "；".join(parsed.errors))


# --- Detail ---------------------------------------------------------------------------------------


def _load(user: User, case_id: int) -> Case:
    scope.get_case(user, case_id)  # NotFound outside scope
    return (
        scope.visible_cases(user)
        .select_related(*LIST_RELATED, "nature", "created_by", "sla_policy", "parent")
        .get(pk=case_id)
    )


def _detail_context(
    request: HttpRequest,
    case: Case,
    *,
    revealed: bool = False,
    bound: ActionForm | None = None,
    attach_form: AttachForm | None = None,
) -> dict[str, Any]:
    user = user_of(request)
    now = timezone.now()
    actions = services.available_actions(user, case, now)
    forms = []
    for a in actions:
        if bound is not None and bound.action.name == a.name:
            forms.append(bound)
        else:
            forms.append(ActionForm(action=a, case=case))
    events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"))
    dups = scope.seen_among(user, services.find_duplicates(case))
    can_merge = any(a.name == "merge" for a in actions)
    merged_children = list(scope.visible_cases(user).filter(parent=case).only("id", "title", "status"))
    return {
        "case": case,
        "now": now,
        "clock": present.clock(case, now),
        "overdue": present.is_overdue(case, now),
        "breadcrumb": list(territory.ancestors(case.region, include_self=True)),
        "action_forms": forms,
        "timeline": present.timeline(case, events),
        "duplicates": dups,
        "can_merge": can_merge,
        "merged_children": merged_children,
        "revealed": revealed,
        "can_reveal": scope.can_view_personal(user, case),
        "reveal_form": RevealForm(),
        "attachments": list(CaseAttachment.objects.filter(case=case).select_related("uploaded_by")),
        "can_attach": attachments.can_attach(user, case),
        "attach_form": attach_form or AttachForm(),
        "has_point": case.lon is not None and case.lat is not None,
        "hazard": _hazard_detail(case),
        "petition_card": petition_card(user, case),
        "dispute": dispute_card.card(user, case),
        "tile_url": settings.ZHIZHI_MAP_TILE_URL,
        "tile_attribution": settings.ZHIZHI_MAP_TILE_ATTRIBUTION,
    }


def _hazard_detail(case: Case) -> Any:
    """A hazard's own record (grade, organisation, rectification, plan), for the 隐患信息 card."""
    if case.case_type != HAZARD:
        return None
    return (
        HazardDetail.objects.select_related("organisation", "inspection", "inspection__inspector")
        .filter(case=case)
        .first()
    )


@require_GET
@page
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _load(user_of(request), case_id)
    return render(request, "web/cases/detail.html", _detail_context(request, case))


@require_POST
@page
def case_reveal(request: HttpRequest, case_id: int) -> HttpResponse:
    """Show the reporter's name, phone and address in full, once, and record who looked and why."""
    user = user_of(request)
    case = _load(user, case_id)
    if not scope.can_view_personal(user, case):
        raise PermissionDenied("forbidden_personal_data", _("当前角色无权查看个人信息"))
    form = RevealForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    with transaction.atomic():
        PersonalDataAccess.objects.create(
            user=user,
            object_type="case",
            object_id=str(case.pk),
            fields="reporter_name,reporter_phone,address",
            reason=reason[:200],
        )
    response = render(request, "web/cases/detail.html", _detail_context(request, case, revealed=True))
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@page
def case_act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """Take one workflow action through `services.transition`; errors come back on the form."""
    user = user_of(request)
    case = _load(user, case_id)
    workflow_action = types.get(case.case_type).workflow.actions.get(action)
    if workflow_action is None:
        raise Http404
    form = ActionForm(request.POST, action=workflow_action, case=case)
    allowed = any(a.name == action for a in services.available_actions(user, case))
    try:
        if allowed and not form.is_valid():
            return _detail_again(request, case, form, status=422)
        # Not allowed: let the service refuse it with its exact reason (role, handler, state…).
        payload = form.payload() if allowed else _raw_payload(form)
        services.transition(case.pk, action, actor=user, payload=payload)
    except NotFound:
        raise
    except DomainError as exc:
        form.is_valid()  # add_error needs a cleaned form
        add_domain_error(form, exc)
        return _detail_again(request, case, form, status=exc.status, error=exc.message)
    messages.success(
        request, _("已%(action)s：#%(id)s") % {"action": _(workflow_action.label), "id": case.pk}
    )
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    try:
        scope.get_case(user, case.pk)
    except NotFound:  # e.g. a handler who returned the case no longer sees it
        return redirect("web:home")
    return redirect(reverse("web:case_detail", args=[case.pk]) + "#timeline")


def _raw_payload(form: ActionForm) -> dict[str, Any]:
    prefix = f"{form.prefix}-"
    return {k[len(prefix) :]: v for k, v in form.data.items() if k.startswith(prefix) and v not in ("", None)}


def _detail_again(
    request: HttpRequest, case: Case, form: ActionForm, *, status: int, error: str = ""
) -> HttpResponse:
    fresh = _load(user_of(request), case.pk)
    ctx = _detail_context(request, fresh, bound=form)
    ctx["failed_action"] = form.action
    ctx["failed_form"] = form
    ctx["action_error"] = error or _("请检查“%(action)s”的填写") % {"action": form.action.label}
    return render(request, "web/cases/detail.html", ctx, status=status)


@require_POST
@page
def case_attach(request: HttpRequest, case_id: int) -> HttpResponse:
    user = user_of(request)
    case = _load(user, case_id)
    form = AttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachments.attach(actor=user, case_id=case.pk, files=form.cleaned_data["photos"])
        except NotFound:
            raise
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("照片已上传"))
            return redirect(reverse("web:case_detail", args=[case.pk]) + "#photos")
    ctx = _detail_context(request, _load(user, case.pk), attach_form=form)
    return render(request, "web/cases/detail.html", ctx, status=422)


@require_GET
@page
def attachment_file(request: HttpRequest, case_id: int, attachment_id: int) -> HttpResponseBase:
    """A photo, only to those who can see its case; served so that a browser never runs it."""
    case = scope.get_case(user_of(request), case_id)
    att = CaseAttachment.objects.filter(case=case, pk=attachment_id).first()
    if att is None:
        raise NotFound(_("附件不存在"))
    try:
        fh = att.file.open("rb")
    except OSError:
        raise NotFound(_("附件文件已丢失")) from None
    ext = attachments.TYPES.get(att.content_type, "")
    response = FileResponse(fh, content_type=att.content_type, filename=f"case-{case.pk}-{att.pk}{ext}")
    response["Content-Disposition"] = f'inline; filename="case-{case.pk}-{att.pk}{ext}"'
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
