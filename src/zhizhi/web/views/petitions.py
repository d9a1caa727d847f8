"""信访 in the workbench: the petition list, the registration form, the petition card on the case
detail (petitioners masked, revealed with an access log; the stage clocks; the written answers and
their .docx documents), the figures with their drill-down lists, and the key persons (一人一策).

Petitions are cases: their workflow actions are the case detail's. Reads go through
`zhizhi.petitions.queries` (scope; personal data masked, revealed with a `PersonalDataAccess` row) and
`zhizhi.petitions.figures`; writes through `zhizhi.petitions.services`, the functions the CLI uses.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhizhi.accounts import scope
from zhizhi.accounts.models import Role, User
from zhizhi.cases.models import Case, CaseEvent
from zhizhi.core import calendar
from zhizhi.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from zhizhi.core.identifiers import mask_ric
from zhizhi.core.personal import mask_address, mask_name, mask_phone
from zhizhi.petitions import clocks, documents, figures, queries, services
from zhizhi.petitions.models import (
    ContactMethod,
    Form,
    KeyPerson,
    Level,
    Opinion,
    Petition,
    RiskLevel,
    Stage,
)
from zhizhi.petitions.workflow import OPEN_STATES, PETITION, STATE_LABELS, STATES
from zhizhi.territory.models import Level as RegionLevel
from zhizhi.web.forms import RevealForm, add_domain_error, category_choices, region_label
from zhizhi.web.views.common import date_param, figure_filter, page, param, user_of

PER_PAGE = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Roles of the petition workbench (list, figures): the office's oversight and the villages (属地);
# a handler only of the petition department (信访办). Grid workers and hotline operators register.
OFFICE_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.LEADER, Role.VILLAGE_CADRE})
LIST_PARAMS = ("status", "form", "group", "repeat", "backlog", "overdue", "from", "to")
DOCUMENT_LABELS = {
    "notice": gettext_lazy("受理告知书"),
    "extension": gettext_lazy("延期办理告知书"),
    "reply": gettext_lazy("处理意见书"),
    "review": gettext_lazy("复查意见书"),
    "re_review": gettext_lazy("复核意见书"),
}


# --- Who may use what -------------------------------------------------------------------------------


def is_petition_office(user: User) -> bool:
    code = getattr(settings, "ZHIZHI_PETITION_DEPARTMENT", services.DEFAULT_DEPARTMENT)
    return scope.role_of(user) == Role.HANDLER and user.departments.filter(code=code).exists()


def uses_petitions(user: User) -> bool:
    """The petition list and figures: office roles, the petition office's handlers, admins."""
    return scope.role_of(user) in OFFICE_ROLES or scope.sees_everything(user) or is_petition_office(user)


def may_register(user: User) -> bool:
    return scope.role_of(user) in scope.CREATE_ROLES


def uses_key_persons(user: User) -> bool:
    """Key persons: the roles that keep them, and every responsible cadre (包保责任人)."""
    return scope.role_of(user) in services.KEY_PERSON_ROLES or user.key_persons.exists()


def home_url_name(user: User) -> str:
    """Where the nav's 信访 entry leads this user ("" = no entry)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if uses_petitions(user):
        return "web:petition_list"
    if may_register(user):
        return "web:petition_new"
    if uses_key_persons(user):
        return "web:petition_key_persons"
    return ""


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied("forbidden_role", message)


# --- Parameters -------------------------------------------------------------------------------------


_get = param
_date = date_param


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Any:
    return Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))


def _region_options(user: User) -> list[tuple[str, str]]:
    levels = (RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.GRID)
    regions = scope.visible_regions(user).filter(is_active=True, level__in=levels).order_by("path")
    return [(r.code, region_label(r)) for r in regions.only("code", "name", "depth")]


# --- Rows -------------------------------------------------------------------------------------------


def _first_petitioner(petition: Petition) -> str:
    """The first representative (or petitioner), masked, and the number of people."""
    people = sorted(petition.petitioners.all(), key=lambda p: (not p.is_representative, p.sort, p.pk))
    name = mask_name(people[0].name) if people else "—"
    if petition.people_count > 1:
        return _("%(name)s 等 %(n)s 人") % {"name": name, "n": petition.people_count}
    return name


def _rows(cases: list[Case], now: datetime) -> list[dict[str, Any]]:
    rows = []
    for case in cases:
        petition = case.petition
        running = case.status in OPEN_STATES
        rows.append(
            {
                "case": case,
                "petition": petition,
                "petitioner": _first_petitioner(petition),
                "due_at": case.due_at if running else None,
                "overdue": running and case.due_at is not None and case.due_at < now,
            }
        )
    return rows


def _petition_cases(qs: QuerySet[Case]) -> QuerySet[Case]:
    return (
        qs.filter(petition__isnull=False)
        .select_related("petition", "region")
        .prefetch_related("petition__petitioners")
    )


# --- List -------------------------------------------------------------------------------------------


def _filtered(user: User, data: QueryDict, now: datetime) -> tuple[QuerySet[Case], dict[str, str]]:
    qs = queries.visible_petitions(user)
    params: dict[str, str] = {}
    status = _get(data, "status")
    if status in STATES:
        qs, params["status"] = qs.filter(status=status), status
    form = _get(data, "form")
    if form in Form.values:
        qs, params["form"] = qs.filter(petition__form=form), form
    for name, field in (("group", "petition__is_group"), ("backlog", "petition__is_backlog")):
        if _get(data, name) == "1":
            qs, params[name] = qs.filter(**{field: True}), "1"
    if _get(data, "repeat") == "1":
        qs, params["repeat"] = qs.filter(petition__repeat_of__isnull=False), "1"
    if _get(data, "overdue") == "1":
        qs, params["overdue"] = qs.filter(status__in=OPEN_STATES, due_at__lt=now), "1"
    start, end = _date(data, "from"), _date(data, "to")
    if start:
        qs, params["from"] = qs.filter(received_at__gte=_day_start(start)), start.isoformat()
    if end:
        qs, params["to"] = qs.filter(received_at__lt=_day_start(end + timedelta(days=1))), end.isoformat()
    return qs, params


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=calendar.TZ)


@require_GET
@page
def petition_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require(uses_petitions(user), _("当前角色不能使用信访工作台"))
    now = timezone.now()
    qs, params = _filtered(user, request.GET, now)
    page_obj = _page(request, _petition_cases(qs).order_by("-received_at", "-id"))
    return render(
        request,
        "web/petitions/list.html",
        {
            "page_obj": page_obj,
            "rows": _rows(list(page_obj.object_list), now),
            "count": page_obj.paginator.count,
            "params": params,
            "query": urlencode(params),
            "statuses": [(s, _(STATE_LABELS[s])) for s in STATES],
            "forms": Form.choices,
            "can_register": may_register(user),
        },
    )


# --- Registration -----------------------------------------------------------------------------------


class PetitionForm(forms.Form):
    form = forms.ChoiceField(label=gettext_lazy("信访形式"), choices=Form.choices, initial=Form.VISIT)
    category = forms.ChoiceField(label=gettext_lazy("事项类别"))
    region = forms.ChoiceField(label=gettext_lazy("事项所属区域（属地）"))
    request = forms.CharField(label=gettext_lazy("信访请求"), widget=forms.Textarea(attrs={"rows": 3}))
    facts_and_reasons = forms.CharField(
        label=gettext_lazy("事实和理由"), widget=forms.Textarea(attrs={"rows": 4})
    )
    people_count = forms.IntegerField(
        label=gettext_lazy("信访人数"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("不填为登记的信访人数；5 人及以上为集体访，走访须推选代表（不超过 5 人）"),
    )
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=services.MAX_TITLE,
        required=False,
        help_text=gettext_lazy("不填按信访请求生成"),
    )
    address = forms.CharField(
        label=gettext_lazy("事项发生地点"), max_length=services.MAX_ADDRESS, required=False
    )
    repeat_of = forms.IntegerField(
        label=gettext_lazy("重复信访：原信访事项（工单编号）"), required=False, min_value=1
    )
    backlog = forms.BooleanField(label=gettext_lazy("列为积案"), required=False)
    new_facts = forms.BooleanField(
        label=gettext_lazy("有新的事实和理由（此前信访事项已复核）"), required=False
    )
    new_facts_note = forms.CharField(
        label=gettext_lazy("新的事实和理由说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    OVERRIDE = ("new_facts", "new_facts_note")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = (RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.GRID, RegionLevel.MICRO_GRID)
        regions = scope.visible_regions(user).filter(is_active=True, level__in=levels).order_by("path")
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [("", "—— 请选择 ——")] + [
            (r.code, region_label(r)) for r in regions if scope.can_create_in(user, r, PETITION)
        ]
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)  # noqa: S101
        category.choices = category_choices()

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.OVERRIDE]

    def override_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.OVERRIDE]


class PetitionerForm(forms.Form):
    """One petitioner row; a row left blank is skipped."""

    name = forms.CharField(label=gettext_lazy("姓名"), max_length=services.MAX_NAME, required=False)
    id_number = forms.CharField(label=gettext_lazy("身份证号码"), max_length=30, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)
    address = forms.CharField(label=gettext_lazy("住址"), max_length=services.MAX_ADDRESS, required=False)
    is_representative = forms.BooleanField(label=gettext_lazy("代表"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("id_number", "phone"):
            self.fields[name].widget.attrs.update({"autocomplete": "off"})

    def is_blank(self) -> bool:
        d = self.cleaned_data
        return not any((d.get(n) or "").strip() for n in ("name", "id_number", "phone", "address"))


DEFAULT_ROWS = 3


def _petitioner_formset(data: QueryDict | None, rows: int) -> Any:
    factory = forms.formset_factory(
        PetitionerForm, extra=rows, max_num=services.MAX_PETITIONERS, validate_max=True
    )
    return factory(data, prefix="p")


def _rows_param(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("rows", DEFAULT_ROWS)), services.MAX_PETITIONERS))
    except ValueError:
        return DEFAULT_ROWS


def _show_petitioner_error(exc: DomainError, formset: Any, positions: list[int]) -> bool:
    """A service error on `petitioners[i].field` shown on that row's field; True when shown."""
    name = str(exc.details.get("field") or "")
    if not name.startswith("petitioners["):
        return False
    try:
        index, _sep, field = name[len("petitioners[") :].partition("].")
        form = formset.forms[positions[int(index)]]
    except (ValueError, IndexError):
        return False
    form.add_error(field if field in form.fields else None, exc.message)
    return True


@require_http_methods(["GET", "POST"])
@page
def petition_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require(may_register(user), _("当前角色不能登记信访事项"))
    form = PetitionForm(request.POST or None, user=user)
    formset = _petitioner_formset(request.POST or None, _rows_param(request))
    ctx: dict[str, Any] = {"form": form, "formset": formset, "more_rows": _rows_param(request) + 5}
    if request.method != "POST":
        return render(request, "web/petitions/new.html", ctx)
    if form.is_valid() and formset.is_valid():
        positions = [i for i, f in enumerate(formset.forms) if not f.is_blank()]
        d = form.cleaned_data
        data = services.PetitionInput(
            form=d["form"],
            request=d["request"],
            facts_and_reasons=d["facts_and_reasons"],
            category=d["category"],
            region=d["region"],
            petitioners=[
                services.PetitionerInput(
                    name=formset.forms[i].cleaned_data["name"],
                    id_number=formset.forms[i].cleaned_data["id_number"],
                    phone=formset.forms[i].cleaned_data["phone"],
                    address=formset.forms[i].cleaned_data["address"],
                    is_representative=formset.forms[i].cleaned_data["is_representative"],
                )
                for i in positions
            ],
            people_count=d["people_count"],
            title=d["title"],
            address=d["address"],
            repeat_of=d["repeat_of"],
            backlog=d["backlog"],
            new_facts=d["new_facts"],
            new_facts_note=d["new_facts_note"],
        )
        try:
            result = services.register_petition(actor=user, data=data)
        except NotFound:
            raise
        except DomainError as exc:
            if exc.code == "already_rereviewed":
                ctx["rereviewed"] = _rereviewed(user, exc)
            elif str((exc.details or {}).get("field")) == "petitioners":
                ctx["petitioners_error"] = exc.message
            elif not _show_petitioner_error(exc, formset, positions):
                add_domain_error(form, exc)
            return render(request, "web/petitions/new.html", ctx, status=exc.status)
        messages.success(request, _("已登记信访事项 %(number)s") % {"number": result.petition.number})
        if result.earlier:
            numbers = "、".join(c.petition.number for c in result.earlier if hasattr(c, "petition"))
            messages.info(request, _("该信访人此前的信访事项：%(numbers)s") % {"numbers": numbers})
        return redirect(reverse("web:case_detail", args=[result.case.pk]))
    return render(request, "web/petitions/new.html", ctx, status=422)


def _rereviewed(user: User, exc: DomainError) -> dict[str, Any]:
    """The "not accepted again" refusal: the earlier numbers, linked where the user may see them."""
    numbers = [str(n) for n in (exc.details or {}).get("earlier", [])]
    visible = dict(
        Petition.objects.filter(number__in=numbers, case__in=queries.visible_petitions(user)).values_list(
            "number", "case_id"
        )
    )
    return {"message": exc.message, "earlier": [(n, visible.get(n)) for n in numbers]}


# --- The card on the case detail --------------------------------------------------------------------


def _deadline(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _limit(stage: str) -> str:
    try:
        return documents.span(clocks.policy(stage))
    except ValidationFailed:
        return "—"


def _stage(
    stage: str, start: datetime | None, due: datetime | None, done: datetime | None, on_time: bool | None,
    now: datetime, *, window: bool = False, note: str = "",
) -> dict[str, Any]:  # fmt: skip
    if done is not None:
        state = "on_time" if on_time is not False else "late"
    elif due is not None and due < now:
        state = "expired" if window else "overdue"
    else:
        state = "running"
    return {
        "label": Stage(stage).label,
        "limit": _limit(stage),
        "start": start,
        "due": due,
        "done": done,
        "state": state,
        "window": window,
        "note": note,
    }


def stage_clocks(case: Case, petition: Petition, now: datetime) -> list[dict[str, Any]]:
    """The statutory clocks as they ran on this petition: acceptance, handling (with the extension),
    the review window and review, the re-review window and re-review."""
    opinions = {o.level: o for o in petition.opinions.all()}
    registered = CaseEvent.objects.filter(case=case, action="register_petition").first()
    clock = (registered.data or {}).get("clock", {}) if registered else {}
    acceptance_due = case.due_at if case.status == "registered" else _deadline(clock.get("due_at"))
    rows = [
        _stage(Stage.ACCEPTANCE, case.received_at, acceptance_due, petition.decided_at,
               petition.decided_on_time, now),
    ]  # fmt: skip
    if petition.accepted_at is None:
        return rows
    reply = opinions.get(Level.REPLY)
    handling_due = reply.due_at if reply else case.due_at if case.status == "handling" else None
    note = ""
    if petition.extension_days:
        note = _("延长 %(days)s 日（%(reason)s）") % {
            "days": petition.extension_days,
            "reason": petition.extension_reason,
        }
    rows.append(
        _stage(Stage.HANDLING, petition.accepted_at, handling_due, reply.answered_at if reply else None,
               reply.on_time if reply else None, now, note=note)
    )  # fmt: skip
    for answered, level, window_stage, stage in (
        (reply, Level.REVIEW, Stage.REVIEW_REQUEST, Stage.REVIEW),
        (opinions.get(Level.REVIEW), Level.RE_REVIEW, Stage.RE_REVIEW_REQUEST, Stage.RE_REVIEW),
    ):
        if answered is None or answered.answered_at is None or answered.served_on is None:
            break
        row = opinions.get(level)
        try:
            window_end: datetime | None = clocks.window_end(answered.served_on, window_stage)
        except ValidationFailed:
            window_end = None
        start = _day_start(answered.served_on)
        requested = row.requested_at if row else None
        if row is None and case.status in ("closed",):
            rows.append(_stage(window_stage, start, window_end, None, None, now, window=True))
            rows[-1]["state"] = "closed"
            break
        rows.append(_stage(window_stage, start, window_end, requested, True, now, window=True))
        if row is None:
            break
        rows.append(_stage(stage, row.requested_at, row.due_at, row.answered_at, row.on_time, now))
    return rows


def petition_card(user: User, case: Case) -> dict[str, Any] | None:
    """What the 信访信息 card on a petition case's detail shows (None for other cases)."""
    if case.case_type != PETITION:
        return None
    petition = (
        Petition.objects.select_related("repeat_of")
        .prefetch_related("petitioners", "opinions", "opinions__answered_by")
        .filter(case=case)
        .first()
    )
    if petition is None:
        return None
    now = timezone.now()
    personal = queries.can_view_personal(user, case)
    opinions = sorted(petition.opinions.all(), key=lambda o: list(Level.values).index(o.level))
    repeat_visible = (
        petition.repeat_of is not None
        and queries.visible_petitions(user).filter(pk=petition.repeat_of.case_id).exists()
    )
    return {
        "petition": petition,
        "petitioners": [queries.masked_petitioner(p) for p in petition.petitioners.all()],
        "opinions": opinions,
        "stages": stage_clocks(case, petition, now),
        "documents": [(kind, DOCUMENT_LABELS[kind]) for kind in available_documents(petition)] if personal else [],
        "can_reveal": personal,
        "repeat_visible": repeat_visible,
    }  # fmt: skip


def available_documents(petition: Petition) -> list[str]:
    kinds = []
    if petition.acceptance and petition.decided_at is not None:
        kinds.append("notice")
    if petition.extension_days and petition.extended_at is not None:
        kinds.append("extension")
    answered: dict[str, Opinion] = {o.level: o for o in petition.opinions.all() if o.answered_at is not None}
    kinds += [level for level in Level.values if level in answered]
    return kinds


@require_POST
@page
def petition_reveal(request: HttpRequest, case_id: int) -> HttpResponse:
    """The petitioners in full, once, for a role that may see them; the access is recorded."""
    user = user_of(request)
    form = RevealForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    people = queries.reveal_petitioners(user, case_id, reason=reason or _("查看信访人信息"))
    petition = queries.get_petition(user, case_id)
    response = render(request, "web/petitions/petitioners.html", {"petition": petition, "people": people})
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@page
def petition_document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    """One written document as .docx (checked and logged by `documents.build`)."""
    if kind not in documents.KINDS:
        raise Http404
    filename, content = documents.build(actor=user_of(request), case_id=case_id, kind=kind)
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Figures ----------------------------------------------------------------------------------------


def _figure_filter(user: User, data: QueryDict) -> tuple[figures.FigureFilter, dict[str, str]]:
    return figure_filter(user, data, queries.visible_petitions(user))


@require_GET
@page
def figures_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require(uses_petitions(user), _("当前角色不能查看信访统计"))
    f, params = _figure_filter(user, request.GET)
    values = figures.evaluate_all(f, user)
    return render(
        request,
        "web/petitions/figures.html",
        {
            "values": [(v, _(v.figure.label), _(v.figure.unit)) for v in values],
            "params": params,
            "query": urlencode(params),
            "regions": _region_options(user),
            "as_of": f.moment(),
        },
    )


@require_GET
@page
def figure_drill(request: HttpRequest, code: str) -> HttpResponse:
    """The petitions behind one figure (or a rate's denominator), for this user: their count is the
    number on the figures page."""
    user = user_of(request)
    _require(uses_petitions(user), _("当前角色不能查看信访统计"))
    figure = figures.FIGURES.get(code)
    if figure is None:
        raise Http404
    f, params = _figure_filter(user, request.GET)
    part = "denominator" if request.GET.get("part") == "denominator" and figure.is_rate else "numerator"
    qs = figures.drill_denominator(code, f, user) if part == "denominator" else figures.drill(code, f, user)
    page_obj = _page(request, _petition_cases(qs).order_by("-received_at", "-id"))
    return render(
        request,
        "web/petitions/drill.html",
        {
            "figure": figure,
            "label": _(figure.label),
            "part": part,
            "page_obj": page_obj,
            "rows": _rows(list(page_obj.object_list), timezone.now()),
            "count": page_obj.paginator.count,
            "query": urlencode({**params, "part": part}),
            "back": urlencode(params),
        },
    )


# --- Key persons ------------------------------------------------------------------------------------


def _masked_person(person: KeyPerson) -> dict[str, Any]:
    return {**queries.masked_key_person(person), "risk": person.get_risk_level_display()}


@require_GET
@page
def key_persons(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require(uses_key_persons(user), _("当前角色不能查看重点人员"))
    qs = queries.visible_key_persons(user)
    params: dict[str, str] = {}
    state = _get(request.GET, "state") or "active"
    if state in ("active", "delisted"):
        qs = qs.filter(is_active=state == "active")
        params["state"] = state
    risk = _get(request.GET, "risk")
    if risk in RiskLevel.values:
        qs, params["risk"] = qs.filter(risk_level=risk), risk
    region = _get(request.GET, "region")
    if region:
        found = scope.visible_regions(user).filter(code=region).first()
        if found is None:
            raise NotFound(_("区域不存在或无权查看"), code="region_not_found")
        qs, params["region"] = qs.filter(region_path__startswith=found.path), region
    page_obj = _page(request, qs.prefetch_related("cadres").order_by("-listed_at", "-id"))
    rows = [(p, _masked_person(p), list(p.cadres.all())) for p in page_obj.object_list]
    return render(
        request,
        "web/petitions/key_persons.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "count": page_obj.paginator.count,
            "params": params,
            "query": urlencode(params),
            "risks": RiskLevel.choices,
            "regions": _region_options(user),
            "can_create": scope.role_of(user) in services.KEY_PERSON_ROLES,
        },
    )


def _cadre_choices() -> list[tuple[str, str]]:
    people = User.objects.filter(is_active=True).exclude(role=Role.ADMIN).order_by("role", "username")
    return [(u.username, f"{u}（{Role(u.role).label}）") for u in people]


class KeyPersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=services.MAX_NAME, required=False)
    id_number = forms.CharField(label=gettext_lazy("身份证号码"), max_length=30, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)
    address = forms.CharField(label=gettext_lazy("住址"), max_length=services.MAX_ADDRESS, required=False)
    region = forms.ChoiceField(label=gettext_lazy("所在区域"))
    risk_level = forms.ChoiceField(label=gettext_lazy("风险等级"), choices=RiskLevel.choices)
    reason = forms.CharField(
        label=gettext_lazy("列管原因与主要诉求"), widget=forms.Textarea(attrs={"rows": 3})
    )
    plan = forms.CharField(
        label=gettext_lazy("稳控化解措施（一人一策）"), widget=forms.Textarea(attrs={"rows": 3})
    )
    cadres = forms.MultipleChoiceField(
        label=gettext_lazy("包保责任人"), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    petitions = forms.CharField(
        label=gettext_lazy("相关信访事项（工单编号）"),
        required=False,
        help_text=gettext_lazy("多个编号用逗号或空格分隔"),
    )
    PERSONAL = ("name", "id_number", "phone", "address")
    CLEARABLE = ("id_number", "phone", "address")  # the name is required

    def __init__(self, *args: Any, user: User, person: KeyPerson | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = (RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.GRID, RegionLevel.MICRO_GRID)
        regions = scope.visible_regions(user).filter(is_active=True, level__in=levels).order_by("path")
        for name, choices in (
            ("region", [(r.code, region_label(r)) for r in regions]),
            ("cadres", _cadre_choices()),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101
            field.choices = choices
        if person is None:
            self.fields["name"].required = True
            return
        # Editing: the personal data is not shown (it would be an unlogged reveal); blank keeps it.
        shown = {
            "name": mask_name(person.name),
            "id_number": mask_ric(person.id_number),
            "phone": mask_phone(person.phone),
            "address": mask_address(person.address),
        }
        for name in self.PERSONAL:
            self.fields[name].help_text = _("当前：%(value)s（留空则不变）") % {"value": shown[name] or "—"}
        # An optional item on record can be removed on purpose: blank alone keeps it.
        fields = list(self.fields.items())
        self.fields.clear()
        for name, f in fields:
            self.fields[name] = f
            if name in self.CLEARABLE and getattr(person, name):
                self.fields[f"clear_{name}"] = forms.BooleanField(
                    label=_("删除现有%(item)s") % {"item": f.label}, required=False
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.CLEARABLE:
            if cleaned.get(f"clear_{name}") and (cleaned.get(name) or "").strip():
                self.add_error(name, _("填写新的内容，或勾选删除，二者选一"))
        return cleaned

    def clean_petitions(self) -> list[int]:
        raw = (self.cleaned_data.get("petitions") or "").replace("，", ",").replace(",", " ").split()
        try:
            return [int(x.lstrip("#")) for x in raw]
        except ValueError:
            raise forms.ValidationError(_("工单编号须为数字")) from None


def _key_person_input(form: KeyPersonForm, person: KeyPerson | None) -> services.KeyPersonInput:
    d = form.cleaned_data
    personal = {name: d.get(name) or "" for name in KeyPersonForm.PERSONAL}
    if person is not None:  # blank keeps what is on record; a ticked 删除 clears it
        personal = {
            name: "" if d.get(f"clear_{name}") else value or getattr(person, name)
            for name, value in personal.items()
        }
    return services.KeyPersonInput(
        region=d["region"],
        risk_level=d["risk_level"],
        reason=d["reason"],
        plan=d["plan"],
        cadres=list(d["cadres"]),
        petitions=list(d["petitions"]),
        **personal,
    )


def _save_key_person(request: HttpRequest, person: KeyPerson | None) -> HttpResponse:
    user = user_of(request)
    _require(scope.role_of(user) in services.KEY_PERSON_ROLES, _("当前角色不能维护重点人员"))
    initial = None
    if person is not None:
        initial = {
            "region": person.region.code,
            "risk_level": person.risk_level,
            "reason": person.reason,
            "plan": person.plan,
            "cadres": [u.username for u in person.cadres.all()],
            "petitions": " ".join(str(p.case_id) for p in person.petitions.all()),
        }
    form = KeyPersonForm(request.POST or None, user=user, person=person, initial=initial)
    ctx = {"form": form, "person": person}
    if request.method != "POST":
        return render(request, "web/petitions/key_person_form.html", ctx)
    if form.is_valid():
        try:
            saved = services.save_key_person(
                actor=user,
                data=_key_person_input(form, person),
                person_id=person.pk if person else None,
            )
        except NotFound:
            raise
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(request, "web/petitions/key_person_form.html", ctx, status=exc.status)
        messages.success(request, _("已保存重点人员"))
        return redirect(reverse("web:petition_key_person", args=[saved.pk]))
    return render(request, "web/petitions/key_person_form.html", ctx, status=422)


@require_http_methods(["GET", "POST"])
@page
def key_person_new(request: HttpRequest) -> HttpResponse:
    return _save_key_person(request, None)


@require_http_methods(["GET", "POST"])
@page
def key_person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    return _save_key_person(request, queries.get_key_person(user_of(request), person_id))


class ContactForm(forms.Form):
    contacted_at = forms.DateTimeField(
        label=gettext_lazy("联系时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    method = forms.ChoiceField(label=gettext_lazy("方式"), choices=ContactMethod.choices)
    cadre = forms.ChoiceField(label=gettext_lazy("联系人（包保责任人）"), required=False)
    content = forms.CharField(label=gettext_lazy("情况"), widget=forms.Textarea(attrs={"rows": 3}))
    follow_up = forms.CharField(
        label=gettext_lazy("下步措施"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, person: KeyPerson, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cadres = list(person.cadres.all())
        field = self.fields["cadre"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        mine = any(u.pk == user.pk for u in cadres)
        field.choices = ([("", _("本人"))] if mine else []) + [(u.username, str(u)) for u in cadres]
        self.fields["contacted_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


def _key_person_context(
    request: HttpRequest,
    person: KeyPerson,
    *,
    revealed: dict[str, Any] | None = None,
    contact_form: ContactForm | None = None,
    delist_error: str = "",
) -> dict[str, Any]:
    user = user_of(request)
    role = scope.role_of(user)
    cadres = list(person.cadres.all())
    is_cadre = any(u.pk == user.pk for u in cadres)
    petitions = (
        queries.visible_petitions(user)
        .filter(pk__in=person.petitions.values("case_id"))
        .select_related("petition")
        .order_by("-received_at")
    )
    return {
        "person": person,
        "shown": revealed or _masked_person(person),
        "revealed": revealed is not None,
        "cadres": cadres,
        "petitions": list(petitions),
        "contacts": list(person.contacts.select_related("cadre", "recorded_by").order_by("-contacted_at", "-id")),
        "events": list(person.events.select_related("actor").order_by("-at", "-id")[:20]),
        "can_reveal": role in scope.PERSONAL_DATA_ROLES and not revealed,
        "can_edit": person.is_active and role in services.KEY_PERSON_ROLES,
        "can_delist": person.is_active and role in services.KEY_PERSON_ROLES - {Role.VILLAGE_CADRE},
        "can_contact": person.is_active and (is_cadre or role in services.CONTACT_ROLES),
        "contact_form": contact_form or ContactForm(person=person, user=user),
        "reveal_form": RevealForm(),
        "delist_error": delist_error,
    }  # fmt: skip


@require_GET
@page
def key_person(request: HttpRequest, person_id: int) -> HttpResponse:
    person = queries.get_key_person(user_of(request), person_id)
    return render(request, "web/petitions/key_person.html", _key_person_context(request, person))


@require_POST
@page
def key_person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    user = user_of(request)
    form = RevealForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    full = queries.reveal_key_person(user, person_id, reason=reason or _("查看重点人员信息"))
    full["risk"] = RiskLevel(full["risk_level"]).label
    person = queries.get_key_person(user, person_id)
    response = render(
        request, "web/petitions/key_person.html", _key_person_context(request, person, revealed=full)
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@page
def key_person_contact(request: HttpRequest, person_id: int) -> HttpResponse:
    user = user_of(request)
    person = queries.get_key_person(user, person_id)
    form = ContactForm(request.POST, person=person, user=user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.log_contact(
                actor=user,
                person_id=person.pk,
                contacted_at=d["contacted_at"],
                method=d["method"],
                content=d["content"],
                follow_up=d["follow_up"],
                cadre=d["cadre"] or None,
            )
        except NotFound:
            raise
        except DomainError as exc:
            add_domain_error(form, exc)
            ctx = _key_person_context(request, person, contact_form=form)
            return render(request, "web/petitions/key_person.html", ctx, status=exc.status)
        messages.success(request, _("已登记联系记录"))
        return redirect(reverse("web:petition_key_person", args=[person.pk]) + "#contacts")
    ctx = _key_person_context(request, person, contact_form=form)
    return render(request, "web/petitions/key_person.html", ctx, status=422)


@require_POST
@page
def key_person_delist(request: HttpRequest, person_id: int) -> HttpResponse:
    user = user_of(request)
    person = queries.get_key_person(user, person_id)
    try:
        services.delist_key_person(actor=user, person_id=person.pk, reason=request.POST.get("reason", ""))
    except NotFound:
        raise
    except PermissionDenied:
        raise
    except DomainError as exc:
        ctx = _key_person_context(request, person, delist_error=exc.message)
        return render(request, "web/petitions/key_person.html", ctx, status=exc.status)
    messages.success(request, _("已撤销列管"))
    return redirect(reverse("web:petition_key_person", args=[person.pk]))
