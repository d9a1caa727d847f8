"""人民调解 in the workbench: the dispute list, the registration form with its parties, the parties
revealed on the case detail's dispute card, the .docx documents, and the mediation figures, each
number a link to the disputes it counts.

Disputes are cases: their detail and workflow actions are the case pages (`/cases/<id>/`), which show
the dispute card (`web/dispute_card.py`). Reads go through `zhizhi.mediation.queries` (scope) and
`mediation.figures`; writes through `mediation.services.register_dispute`; documents through
`mediation.documents.build` — the same functions the API and the `zhizhi mediation` command use.
Parties are masked in lists; in full only through `queries.reveal_parties`, which logs the access.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases import types
from zhizhi.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from zhizhi.mediation import documents, figures, queries, services
from zhizhi.mediation.models import Dispute, DisputeKind, MediationChannel, PartyRole
from zhizhi.mediation.workflow import DISPUTE, OPEN_STATES, STATE_LABELS, STATES
from zhizhi.territory.models import Level
from zhizhi.web import dispute_card, present
from zhizhi.web.forms import DisputePartyForm, PartyForm, RevealForm, add_domain_error, region_label
from zhizhi.web.views.cases import _detail_context, _load
from zhizhi.web.views.common import date_param, figure_filter, page, param, user_of

PER_PAGE = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LIST_PARAMS = ("status", "kind", "channel", "major", "overdue", "from", "to")
# The figures page in groups (every code of `figures.FIGURES` once).
GROUPS = (
    (
        gettext_lazy("登记与调结"),
        ("registered", "mediated", "concluded", "concluded_on_time", "on_time_rate", "major"),
    ),
    (gettext_lazy("调解成功"), ("agreements", "written_agreements", "success_rate")),
    (
        gettext_lazy("调解方式"),
        (
            "mediated_on_site",
            "mediated_online",
            "mediated_shared_court",
            "agreed_on_site",
            "agreed_online",
            "agreed_shared_court",
        ),
    ),
)


# --- Who uses the pages -----------------------------------------------------------------------------


def _mediation_department(user: User) -> bool:
    code = getattr(settings, "ZHIZHI_MEDIATION_DEPARTMENT", services.DEFAULT_DEPARTMENT)
    return Department.objects.filter(pk__in=scope.department_ids(user), code=code).exists()


def may_use(user: User) -> bool:
    """The roles that may see disputes: those who register them, the leaders, the mediation
    department's handlers (the town's mediators) and admins. A handler of another department sees
    no dispute."""
    role = scope.role_of(user)
    if role in scope.CREATE_ROLES or role == Role.LEADER or scope.sees_everything(user):
        return True
    return role == Role.HANDLER and _mediation_department(user)


def _require(user: User) -> None:
    if not may_use(user):
        raise PermissionDenied("forbidden_role", _("当前角色不能查看矛盾纠纷调解"))


def may_register(user: User) -> bool:
    return scope.role_of(user) in types.get(DISPUTE).create_roles


# --- Parameters -----------------------------------------------------------------------------------


_get = param
_date = date_param


def _regions(user: User) -> list[tuple[str, str]]:
    regions = scope.visible_regions(user).filter(
        is_active=True, level__in=(Level.TOWN, Level.VILLAGE, Level.GRID)
    )
    return [(r.code, region_label(r)) for r in regions.order_by("path").only("code", "name", "depth")]


# --- Rows -----------------------------------------------------------------------------------------


def _rows(disputes: list[Dispute]) -> list[dict[str, Any]]:
    """List rows: each dispute masked (`queries.masked_dispute`), its mediators in one query."""
    through = Dispute.mediators.through.objects.filter(dispute_id__in=[d.pk for d in disputes])
    names: dict[int, list[str]] = {}
    for row in through.select_related("user").order_by("id"):
        names.setdefault(row.dispute_id, []).append(str(row.user))
    now = timezone.now()
    rows = []
    for d in disputes:
        rows.append(
            {
                "dispute": d,
                "case": d.case,
                "parties": dispute_card.labelled(queries.parties(d)),
                "mediators": names.get(d.pk, []),
                "overdue": present.is_overdue(d.case, now),
                "status_label": queries.state_label(d.case.status),
            }
        )
    return rows


def _listing(qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    return (
        qs.select_related("case", "case__region")
        .prefetch_related("parties")
        .order_by("-case__received_at", "-case_id")
    )


# --- The list ---------------------------------------------------------------------------------------


@require_GET
@page
def dispute_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require(user)
    qs = queries.disputes(user)
    data = request.GET
    params: dict[str, str] = {}
    status = _get(data, "status")
    if status in STATES:
        qs, params["status"] = qs.filter(case__status=status), status
    kind = _get(data, "kind")
    if kind in DisputeKind.values:
        qs, params["kind"] = qs.filter(kind=kind), kind
    channel = _get(data, "channel")
    if channel in MediationChannel.values:
        qs, params["channel"] = qs.filter(channel=channel), channel
    if _get(data, "major") == "1":
        qs, params["major"] = qs.filter(is_major=True), "1"
    if _get(data, "overdue") == "1":
        qs = qs.filter(case__status__in=OPEN_STATES, case__due_at__lt=timezone.now())
        params["overdue"] = "1"
    start, end = _date(data, "from"), _date(data, "to")
    if start and end and start > end:
        raise ValidationFailed("invalid_date_range", _("开始日期不能晚于结束日期"))
    if start:
        qs, params["from"] = qs.filter(case__received_at__date__gte=start), start.isoformat()
    if end:
        qs, params["to"] = qs.filter(case__received_at__date__lte=end), end.isoformat()
    page_obj = Paginator(_listing(qs), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/mediation/list.html",
        {
            "page_obj": page_obj,
            "rows": _rows(list(page_obj.object_list)),
            "count": page_obj.paginator.count,
            "params": params,
            "query": urlencode(params),
            "statuses": [(s, _(STATE_LABELS[s])) for s in STATES],
            "kinds": DisputeKind.choices,
            "channels": MediationChannel.choices,
            "can_register": may_register(user),
        },
    )


# --- Registration -----------------------------------------------------------------------------------


class DisputeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("纠纷类型"), choices=DisputeKind.choices)
    facts = forms.CharField(label=gettext_lazy("纠纷简要情况"), widget=forms.Textarea(attrs={"rows": 4}))
    channel = forms.ChoiceField(
        label=gettext_lazy("调解方式"), choices=MediationChannel.choices, initial=MediationChannel.ON_SITE
    )
    external_ref = forms.CharField(
        label=gettext_lazy("浙江解纷码或共享法庭编号"), max_length=services.MAX_EXTERNAL_REF, required=False
    )
    region = forms.ChoiceField(label=gettext_lazy("纠纷所在区域"))
    address = forms.CharField(label=gettext_lazy("纠纷发生地点"), max_length=300, required=False)
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=services.MAX_TITLE,
        required=False,
        help_text=gettext_lazy("不填则按纠纷类型和简要情况生成"),
    )
    major = forms.BooleanField(label=gettext_lazy("重大疑难纠纷"), required=False)
    major_note = forms.CharField(
        label=gettext_lazy("重大疑难说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = (Level.TOWN, Level.VILLAGE, Level.GRID, Level.MICRO_GRID)
        regions = scope.visible_regions(user).filter(is_active=True, level__in=levels).order_by("path")
        choices = [(r.code, region_label(r)) for r in regions if scope.can_create_in(user, r, DISPUTE)]
        self.fields["region"].choices = [("", _("—— 请选择 ——")), *choices]  # type: ignore[attr-defined]


PartyFormSet = forms.formset_factory(PartyForm, extra=2, max_num=services.MAX_PARTIES)
PARTY_FIELD = re.compile(r"^parties\[(\d+)\]\.(\w+)$")


def _party_forms(request: HttpRequest) -> Any:
    initial = [{"role": PartyRole.APPLICANT}, {"role": PartyRole.RESPONDENT}]
    return PartyFormSet(request.POST or None, prefix="p", initial=None if request.POST else initial)


def _show_error(form: DisputeForm, parties: Any, used: list[int], exc: DomainError) -> None:
    """A service error on its field: a party's (`parties[1].id_number`) on that row of the formset."""
    name = str((exc.details or {}).get("field") or "")
    found = PARTY_FIELD.match(name)
    if found and int(found.group(1)) < len(used):
        row = parties.forms[used[int(found.group(1))]]
        field = found.group(2)
        row.add_error(field if field in row.fields else None, exc.message)
        return
    add_domain_error(form, exc)


@require_http_methods(["GET", "POST"])
@page
def dispute_new(request: HttpRequest) -> HttpResponse:
    """Register a dispute with its parties (`services.register_dispute`: all or nothing)."""
    user = user_of(request)
    if not may_register(user):
        raise PermissionDenied("forbidden_role", _("当前角色不能登记纠纷"))
    form = DisputeForm(request.POST or None, user=user)
    parties = _party_forms(request)
    ctx = {"form": form, "parties": parties}
    if request.method != "POST":
        return render(request, "web/mediation/new.html", ctx)
    if form.is_valid() and parties.is_valid():
        used = [i for i, p in enumerate(parties.forms) if not p.is_blank()]
        d = form.cleaned_data
        data = services.DisputeInput(
            kind=d["kind"],
            facts=d["facts"],
            region=d["region"],
            channel=d["channel"],
            parties=[
                services.PartyInput(
                    name=p.cleaned_data["name"],
                    role=p.cleaned_data["role"],
                    id_number=p.cleaned_data["id_number"],
                    phone=p.cleaned_data["phone"],
                    address=p.cleaned_data["address"],
                )
                for p in (parties.forms[i] for i in used)
            ],
            title=d["title"],
            address=d["address"],
            external_ref=d["external_ref"],
            major=d["major"],
            major_note=d["major_note"],
        )
        try:
            result = services.register_dispute(actor=user, data=data)
        except NotFound:
            raise
        except DomainError as exc:
            _show_error(form, parties, used, exc)
        else:
            messages.success(request, _("已登记纠纷 %(number)s") % {"number": result.dispute.number})
            return redirect(reverse("web:case_detail", args=[result.case.pk]))
    return render(request, "web/mediation/new.html", ctx, status=422)


# --- Parties in full, documents ----------------------------------------------------------------------


@require_POST
@page
def dispute_reveal(request: HttpRequest, case_id: int) -> HttpResponse:
    """The parties in full on the case page, once: `queries.reveal_parties` checks the role and the
    scope and records who looked and why."""
    user = user_of(request)
    case = _load(user, case_id)
    form = RevealForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    full = queries.reveal_parties(user, case.pk, reason=reason)
    ctx = _detail_context(request, case)
    ctx["dispute"] = dispute_card.card(user, case, revealed=full)
    response = render(request, "web/cases/detail.html", ctx)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@page
def dispute_party(request: HttpRequest, case_id: int, party_id: int | None = None) -> HttpResponse:
    """Add a party (`party_id` None) or correct one from the case page (`services.save_party`: the
    role, the state and both sides are checked there). A refused entry comes back on its form (422)."""
    user = user_of(request)
    case = _load(user, case_id)
    if party_id is not None and not queries.get_dispute(user, case.pk).parties.filter(pk=party_id).exists():
        raise NotFound(_("本纠纷没有这名当事人"), code="party_not_found")
    form = DisputePartyForm(request.POST, prefix="party" if party_id is None else f"party-{party_id}")
    if form.is_valid():
        try:
            services.save_party(actor=user, case_id=case.pk, party_id=party_id, data=form.as_input())
        except ValidationFailed as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("已添加当事人") if party_id is None else _("已更正当事人信息"))
            return redirect(reverse("web:case_detail", args=[case.pk]) + "#dispute")
    ctx = _detail_context(request, case)
    card = ctx["dispute"]
    if party_id is None:
        card.add_form = form
    else:  # the masked card, with the correction as entered: what the user typed, not the record
        for p in card.parties:
            if p["id"] == party_id:
                p["edit_form"], p["edit_open"] = form, True
    return render(request, "web/cases/detail.html", ctx, status=422)


@require_GET
@page
def dispute_document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    """人民调解协议书 / 终止调解告知书 as .docx (`documents.build`: scope, role, access log)."""
    if kind not in documents.KINDS:
        raise NotFound(_("文书不存在"), code="document_not_found")
    filename, content = documents.build(actor=user_of(request), case_id=case_id, kind=kind)
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Figures ----------------------------------------------------------------------------------------


def _figure_filter(user: User, data: QueryDict) -> tuple[figures.FigureFilter, dict[str, str]]:
    return figure_filter(user, data, queries.visible_disputes(user))


@require_GET
@page
def figures_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require(user)
    f, params = _figure_filter(user, request.GET)
    values = {v.code: v for v in figures.evaluate_all(f, user)}
    groups = [(title, [values[c] for c in codes]) for title, codes in GROUPS]
    return render(
        request,
        "web/mediation/figures.html",
        {
            "groups": groups,
            "params": params,
            "query": urlencode(params),
            "regions": _regions(user),
            "as_of": f.moment(),
        },
    )


@require_GET
@page
def figure_drill(request: HttpRequest, code: str) -> HttpResponse:
    """The disputes behind one figure (or a rate's denominator), for this user: their count is the
    number on the figures page."""
    user = user_of(request)
    _require(user)
    f, params = _figure_filter(user, request.GET)
    value = figures.evaluate(code, f, user)
    part = "denominator" if request.GET.get("part") == "denominator" else "numerator"
    cases = (
        figures.drill_denominator(code, f, user) if part == "denominator" else figures.drill(code, f, user)
    )
    qs = _listing(Dispute.objects.filter(case__in=cases))
    page_obj = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = {**params, "part": part} if part == "denominator" else params
    return render(
        request,
        "web/mediation/drill.html",
        {
            "value": value,
            "part": part,
            "page_obj": page_obj,
            "rows": _rows(list(page_obj.object_list)),
            "count": page_obj.paginator.count,
            "query": urlencode(query),
            "back": urlencode(params),
            "as_of": f.moment(),
        },
    )
