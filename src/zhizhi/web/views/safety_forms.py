"""安全生产 entry pages: new and edited organisations, the register import, enforcement records,
campaigns with their inspection tasks, and inspections with their checklist, photos and hazards.

Views parse, check and call one service of `zhizhi.safety.services` (or `safety.importer` through
`web.safety_import`'s jobs), each one transaction; a service's DomainError naming a field is shown on
that field. Scope is the services' and `safety.queries`': an organisation, campaign or job outside
the user's scope is a 404 before anything else; a role that may not write is a 403 (the forms are
not offered to it either); a refused write changes nothing.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from zhizhi.safety import queries, services
from zhizhi.safety.models import Campaign, Inspection, InspectionTask, Organisation, OrgKind, OrgStatus
from zhizhi.safety.workflow import HAZARD
from zhizhi.web import safety_import
from zhizhi.web.forms import add_domain_error
from zhizhi.web.models import Job
from zhizhi.web.safety_forms import (
    ALL_LEVELS,
    AssignForm,
    CampaignForm,
    ChecklistFormSet,
    EnforcementForm,
    HazardFormSet,
    InspectionForm,
    OrganisationForm,
    RegisterImportForm,
    add_service_error,
    region_choices,
    task_candidates,
)
from zhizhi.web.views.common import page, user_of

PER_PAGE = 50
MAX_ASSIGN = 5000  # organisations tasked at once with "all matching"


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied("forbidden_role", message)


def _status(request: HttpRequest, error: DomainError | None = None) -> int:
    if request.method != "POST":
        return 200
    return error.status if error is not None else 422


# --- Organisations ---------------------------------------------------------------------------------


def _org_form_page(
    request: HttpRequest, form: OrganisationForm, org: Organisation | None, status: int
) -> HttpResponse:
    return render(request, "web/safety/org_form.html", {"form": form, "org": org}, status=status)


@require_http_methods(["GET", "POST"])
@page
def organisation_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require(services.can_register(user), _("当前角色不能维护单位台账"))
    form = OrganisationForm(request.POST or None, user=user)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            org = services.save_organisation(actor=user, data=form.to_input())
        except NotFound:
            raise
        except DomainError as exc:
            error = exc
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已登记单位：%(name)s") % {"name": org.name})
            return redirect("web:safety_org", org_id=org.pk)
    return _org_form_page(request, form, None, _status(request, error))


@require_http_methods(["GET", "POST"])
@page
def organisation_edit(request: HttpRequest, org_id: int) -> HttpResponse:
    user = user_of(request)
    org = queries.get_organisation(user, org_id)  # 404 outside scope, before the role
    _require(services.can_register(user), _("当前角色不能维护单位台账"))
    form = OrganisationForm(request.POST or None, user=user, organisation=org)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.save_organisation(actor=user, data=form.to_input(), organisation=org)
        except NotFound:
            raise
        except DomainError as exc:
            error = exc
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已保存单位信息"))
            return redirect("web:safety_org", org_id=org.pk)
    return _org_form_page(request, form, org, _status(request, error))


# --- Register import -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@page
def register_import(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    safety_import.require(user)
    form = RegisterImportForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            job = safety_import.upload(
                user, d["file"], kind=d.get("kind") or "", register=d.get("register", False)
            )
        except DomainError as exc:
            error = exc
            add_domain_error(form, exc)
        else:
            return redirect("web:job", job_id=job.pk)
    ctx = {"form": form, "headers": list(safety_import.importer.HEADERS_ZH.values())}
    return render(request, "web/safety/import.html", ctx, status=_status(request, error))


@require_POST
@page
def register_import_apply(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    preview = Job.objects.filter(pk=job_id, user=user).first()
    if preview is None:  # someone else's job does not exist for you
        raise NotFound("任务不存在", code="job_not_found")
    job = safety_import.confirm(user, preview)
    return redirect("web:job", job_id=job.pk)


# --- Enforcement -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@page
def enforcement_new(request: HttpRequest, org_id: int) -> HttpResponse:
    user = user_of(request)
    org = queries.get_organisation(user, org_id)
    _require(services.can_enforce(user), _("只有应急管理或综合执法部门、领导和管理员可以登记执法记录"))
    form = EnforcementForm(request.POST or None, user=user, organisation=org)
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            record = services.record_enforcement(
                actor=user,
                organisation=org,
                kind=d["kind"],
                decided_on=d["decided_on"],
                reason=d["reason"],
                document_no=d.get("document_no", ""),
                persons_detained=d.get("persons_detained") or 0,
                hazard=d.get("hazard"),
                inspection=d.get("inspection"),
            )
        except NotFound:
            raise
        except DomainError as exc:
            error = exc
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已登记执法记录：%(kind)s") % {"kind": record.get_kind_display()})
            return redirect(reverse("web:safety_org", args=[org.pk]) + "#enforcements")
    ctx = {"form": form, "org": org}
    return render(request, "web/safety/enforcement_form.html", ctx, status=_status(request, error))


# --- Campaigns and tasks ---------------------------------------------------------------------------


@require_GET
@page
def campaigns(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    # One count per campaign each, as subqueries: COUNT(DISTINCT) over both joins multiplied every
    # campaign's tasks by its inspections first (1.8 s for the demo township's 40 campaigns).
    qs = (
        queries.visible_campaigns(user)
        .annotate(
            task_count=queries.count_per_row(InspectionTask, "campaign"),
            inspection_count=queries.count_per_row(Inspection, "campaign"),
        )
        .order_by("-starts_on", "-id")
    )
    page_obj = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    ctx = {
        "page_obj": page_obj,
        "count": page_obj.paginator.count,
        "can_plan": services.can_plan(user),
        "query": "",
    }
    return render(request, "web/safety/campaigns.html", ctx)


@require_http_methods(["GET", "POST"])
@page
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require(services.can_plan(user), _("当前角色不能制定检查计划"))
    form = CampaignForm(request.POST or None, user=user)
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = services.create_campaign(
                actor=user,
                name=d["name"],
                kind=d["kind"],
                region=d["region"],
                starts_on=d["starts_on"],
                ends_on=d.get("ends_on"),
                committee=d.get("committee", ""),
                description=d.get("description", ""),
            )
        except DomainError as exc:
            error = exc
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已创建：%(name)s") % {"name": campaign.name})
            return redirect("web:safety_campaign", campaign_id=campaign.pk)
    return render(request, "web/safety/campaign_form.html", {"form": form}, status=_status(request, error))


def _campaign(user: User, campaign_id: int) -> Campaign:
    found = queries.visible_campaigns(user).filter(pk=campaign_id).first()
    if found is None:
        raise NotFound(_("检查计划不存在或无权查看"), code="campaign_not_found")
    return found


CANDIDATE_PARAMS = ("q", "region", "kind", "listed")


def _candidates(user: User, campaign: Campaign, data: Any) -> tuple[QuerySet[Organisation], dict[str, str]]:
    """The organisations the assignment form offers, filtered like the organisation list."""
    params = {n: (data.get(n) or "").strip()[:100] for n in CANDIDATE_PARAMS if (data.get(n) or "").strip()}
    if params.get("listed") not in (None, "1", "0"):
        raise ValidationFailed("invalid_field", _("参数 %(name)s 须为 1 或 0") % {"name": "listed"})
    if params.get("kind") and params["kind"] not in OrgKind.values:
        raise ValidationFailed("invalid_kind", _("未知的单位类型：%(kind)s") % {"kind": params["kind"]})
    region = None
    if params.get("region"):
        region = scope.visible_regions(user).filter(code=params["region"]).first()
        if region is None:
            raise NotFound(_("区域不存在或无权查看"), code="region_not_found")
    f = queries.OrganisationFilter(
        region=region.code if region is not None else None,
        kind=params.get("kind") or None,
        listed=None if "listed" not in params else params["listed"] == "1",
        q=params.get("q") or None,
    )
    qs = queries.apply(task_candidates(user, campaign), f).select_related("region")
    return qs.order_by("region_path", "name", "id"), params


def _campaign_page(
    request: HttpRequest,
    campaign: Campaign,
    *,
    form: AssignForm | None = None,
    status: int = 200,
    data: Any = None,
) -> HttpResponse:
    user = user_of(request)
    mine = request.GET.get("mine") == "1"
    visible = queries.visible_organisations(user).values("pk")
    tasks = (
        InspectionTask.objects.filter(campaign=campaign, organisation__in=visible)
        .select_related("organisation", "organisation__region", "inspector")
        .annotate(done=Exists(Inspection.objects.filter(task=OuterRef("pk"))))
        .order_by("organisation__region_path", "organisation__name", "id")
    )
    total, done = tasks.count(), tasks.filter(done=True).count()
    if mine:
        tasks = tasks.filter(inspector=user)
    task_page = Paginator(tasks, PER_PAGE).get_page(request.GET.get("page"))
    ctx: dict[str, Any] = {
        "campaign": campaign,
        "task_page": task_page,
        "task_total": total,
        "task_done": done,
        "mine": mine,
        "can_plan": services.can_plan(user),
        "can_inspect": scope.may_create(user, HAZARD),
        "inspection_count": queries.visible_inspections(user).filter(campaign=campaign).count(),
    }
    if ctx["can_plan"]:
        candidates, params = _candidates(user, campaign, data if data is not None else request.GET)
        candidate_page = Paginator(candidates, PER_PAGE).get_page(request.GET.get("cpage"))
        ctx.update(
            form=form or AssignForm(),
            candidate_page=candidate_page,
            candidate_count=candidate_page.paginator.count,
            params=params,
            query=urlencode(params),
            region_options=_region_options_within(user, campaign),
            kinds=list(OrgKind.choices),
        )
    return render(request, "web/safety/campaign.html", ctx, status=status)


def _region_options_within(user: User, campaign: Campaign) -> list[tuple[str, str]]:
    regions = {
        r.code for r in scope.visible_regions(user).filter(path__startswith=campaign.region.path).only("code")
    }
    return [(code, label) for code, label in region_choices(user, ALL_LEVELS) if code in regions]


@require_GET
@page
def campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _campaign_page(request, _campaign(user_of(request), campaign_id))


@require_POST
@page
def campaign_assign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Assign the ticked organisations (or all that match the filter) to an inspector."""
    user = user_of(request)
    the_campaign = _campaign(user, campaign_id)
    _require(services.can_plan(user), _("当前角色不能派发检查任务"))
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _campaign_page(request, the_campaign, form=form, status=422, data=request.POST)
    d = form.cleaned_data
    if d.get("all_matching"):
        candidates, _params = _candidates(user, the_campaign, request.POST)
        ids = list(candidates.values_list("pk", flat=True)[: MAX_ASSIGN + 1])
        if len(ids) > MAX_ASSIGN:
            add_service_error(
                form,
                ValidationFailed(
                    "too_many",
                    _("一次最多派发 %(n)s 家，请缩小范围") % {"n": MAX_ASSIGN},
                    field="organisations",
                ),
            )
            return _campaign_page(request, the_campaign, form=form, status=422, data=request.POST)
    else:
        ids = d["organisations"]
    try:
        created = services.assign_tasks(
            actor=user,
            campaign=the_campaign,
            organisations=[Organisation(pk=pk) for pk in ids],
            inspector=d["inspector"],
            due_on=d.get("due_on"),
        )
    except NotFound:
        raise
    except DomainError as exc:
        add_service_error(form, exc)
        return _campaign_page(request, the_campaign, form=form, status=exc.status, data=request.POST)
    messages.success(
        request,
        _("已派发 %(n)s 项检查任务（已有任务的单位保持不变）") % {"n": len(created)},
    )
    return redirect("web:safety_campaign", campaign_id=the_campaign.pk)


# --- Inspections -----------------------------------------------------------------------------------


def _inspection_page(
    request: HttpRequest,
    *,
    org: Organisation | None,
    form: InspectionForm,
    checklist: Any,
    hazards: Any,
    status: int,
    error: str = "",
) -> HttpResponse:
    ctx = {"org": org, "form": form, "checklist": checklist, "hazards": hazards, "error": error}
    return render(request, "web/safety/inspection_form.html", ctx, status=status)


def _record(
    request: HttpRequest, user: User, org: Organisation | None, initial: dict[str, Any]
) -> HttpResponse:
    post = request.method == "POST"
    form = InspectionForm(
        request.POST if post else None,
        request.FILES if post else None,
        user=user,
        organisation=org,
        initial=initial,
    )
    checklist = ChecklistFormSet(request.POST if post else None, prefix="checklist")
    hazards = HazardFormSet(request.POST if post else None, prefix="hazards") if org is not None else None
    if not post:
        return _inspection_page(request, org=org, form=form, checklist=checklist, hazards=hazards, status=200)
    valid = [form.is_valid(), checklist.is_valid(), hazards.is_valid() if hazards is not None else True]
    if not all(valid):
        return _inspection_page(
            request, org=org, form=form, checklist=checklist, hazards=hazards, status=422,
            error=_("请检查表单中标出的错误"),
        )  # fmt: skip
    entered = [f for f in hazards.forms if f.has_changed()] if hazards is not None else []
    items = [e for f in checklist.forms if f.has_changed() and (e := f.entry()) is not None]
    data = form.to_input(items, [f.entry() for f in entered])
    try:
        result = services.record_inspection(
            actor=user, data=data, photos=form.cleaned_data.get("photos") or []
        )
    except NotFound:
        raise
    except DomainError as exc:
        n = exc.details.get("hazard")
        if isinstance(n, int) and 0 <= n < len(entered):
            add_service_error(entered[n], exc)
        elif exc.details.get("field") in form.fields:
            add_service_error(form, exc)
        return _inspection_page(
            request, org=org, form=form, checklist=checklist, hazards=hazards, status=exc.status,
            error=exc.message,
        )  # fmt: skip
    found = len(result.hazards)
    if found:
        messages.success(request, _("已登记检查记录，发现隐患 %(n)s 处") % {"n": found})
    else:
        messages.success(request, _("已登记检查记录"))
    return redirect("web:safety_inspection", inspection_id=result.inspection.pk)


@require_http_methods(["GET", "POST"])
@page
def inspection_new(request: HttpRequest, org_id: int) -> HttpResponse:
    """A check of one organisation, with its checklist, photos and the hazards found."""
    user = user_of(request)
    org = queries.get_organisation(user, org_id)
    _require(services.can_inspect_in(user, org.region), _("无权在该区域登记检查记录"))
    initial: dict[str, Any] = {}
    task_id = request.GET.get("task", "")
    if task_id.isdigit():
        task = InspectionTask.objects.filter(pk=int(task_id), organisation=org).first()
        if task is not None:
            initial.update(task=task.pk, campaign=task.campaign_id, inspector=task.inspector.username)
    return _record(request, user, org, initial)


@require_http_methods(["GET", "POST"])
@page
def patrol_new(request: HttpRequest) -> HttpResponse:
    """A patrol of an area (巡查): no organisation, no hazards."""
    user = user_of(request)
    _require(scope.may_create(user, HAZARD), _("当前角色不能登记检查记录"))
    return _record(request, user, None, {})


def org_actions(user: User, org: Organisation) -> dict[str, bool]:
    """What the organisation page offers this user (the forms above)."""
    return {
        "can_edit": services.can_register(user),
        "can_inspect": org.status != OrgStatus.CLOSED and services.can_inspect_in(user, org.region),
        "can_enforce": services.can_enforce(user),
    }
