"""保障热线 in the workbench: the calls (answered on the spot or opened as cases), a call answered on
the spot, the joint analysis meetings with their decisions, and the hotline figures, each number a
link to the records it counts.

Reads go through `zhizhi.hotline.queries` (scope) and `zhizhi.hotline.figures`; writes through
`zhizhi.hotline.services`, the same functions the API calls. A call's caller is masked in lists; its
detail shows the caller to the roles whose work needs it (as a case's reporter).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from zhizhi.accounts import scope
from zhizhi.accounts.models import Department, User
from zhizhi.cases.models import Case, RequestNature
from zhizhi.core import calendar
from zhizhi.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from zhizhi.hotline import figures, queries, services
from zhizhi.hotline.models import Call, Decision, Meeting, Outcome
from zhizhi.territory.models import Level
from zhizhi.web.forms import add_domain_error, region_label
from zhizhi.web.views.common import date_param, page, user_of

PER_PAGE = 50


def _require_desk(user: User) -> None:
    if scope.role_of(user) not in queries.DESK_ROLES and not scope.sees_everything(user):
        raise PermissionDenied("forbidden_role", _("当前角色不能使用热线工作台"))


def _region_choices(user: User) -> list[tuple[str, str]]:
    regions = scope.visible_regions(user).filter(
        is_active=True, level__in=(Level.TOWN, Level.VILLAGE, Level.GRID)
    )
    return [(r.code, region_label(r)) for r in regions.order_by("path").only("code", "name", "depth")]


def _date_param(request: HttpRequest, name: str) -> date | None:
    return date_param(request.GET, name)


# --- Calls -------------------------------------------------------------------------------------------


@page
def calls(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require_desk(user)
    qs = queries.visible_calls(user).select_related("nature", "operator", "region", "case")
    params: dict[str, str] = {}
    outcome = request.GET.get("outcome") or ""
    if outcome in Outcome.values:
        qs, params["outcome"] = qs.filter(outcome=outcome), outcome
    nature = request.GET.get("nature") or ""
    if nature:
        qs, params["nature"] = qs.filter(nature__code=nature), nature
    start, end = _date_param(request, "from"), _date_param(request, "to")
    if start:
        qs, params["from"] = qs.filter(received_at__date__gte=start), start.isoformat()
    if end:
        qs, params["to"] = qs.filter(received_at__date__lte=end), end.isoformat()
    page_obj = Paginator(qs.order_by("-received_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/hotline/calls.html",
        {
            "page_obj": page_obj,
            "count": page_obj.paginator.count,
            "params": params,
            "query": urlencode(params),
            "outcomes": Outcome.choices,
            "natures": list(RequestNature.objects.values_list("code", "name")),
        },
    )


@page
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    call, reveal = queries.open_call(user_of(request), call_id)
    response = render(request, "web/hotline/call.html", {"call": call, "reveal": reveal})
    if reveal:
        response["Cache-Control"] = "private, no-store"
    return response


class AnsweredCallForm(forms.Form):
    caller_phone = forms.CharField(label=gettext_lazy("来电号码"), max_length=20, required=False)
    caller_name = forms.CharField(label=gettext_lazy("来电人"), max_length=50, required=False)
    nature = forms.ChoiceField(label=gettext_lazy("诉求性质"))
    summary = forms.CharField(label=gettext_lazy("来电内容"), widget=forms.Textarea(attrs={"rows": 3}))
    answer = forms.CharField(label=gettext_lazy("答复内容"), widget=forms.Textarea(attrs={"rows": 3}))
    region = forms.ChoiceField(label=gettext_lazy("涉及区域"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        natures = RequestNature.objects.filter(code__in=services.ANSWERABLE_NATURES).order_by("sort")
        self.fields["nature"].choices = list(natures.values_list("code", "name"))  # type: ignore[attr-defined]
        self.fields["region"].choices = [("", _("全镇（不限区域）")), *_region_choices(user)]  # type: ignore[attr-defined]
        self.fields["caller_phone"].widget.attrs.update(
            {"autocomplete": "off", "inputmode": "tel", "autofocus": True}
        )


@require_http_methods(["GET", "POST"])
@page
def call_new(request: HttpRequest) -> HttpResponse:
    """A call answered on the spot (咨询, 表扬). A call that needs handling goes to the hotline case form."""
    user = user_of(request)
    if scope.role_of(user) not in services.CALL_ROLES:
        raise PermissionDenied("forbidden_role", _("当前角色不能登记来电"))
    form = AnsweredCallForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            data = services.CallInput(
                nature=form.cleaned_data["nature"],
                summary=form.cleaned_data["summary"],
                caller_phone=form.cleaned_data["caller_phone"],
                caller_name=form.cleaned_data["caller_name"],
                answer=form.cleaned_data["answer"],
                region=form.cleaned_data["region"] or None,
            )
            try:
                call = services.record_call(actor=user, data=data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("已登记来电 #%(id)s（当场答复）") % {"id": call.pk})
                return redirect(reverse("web:hotline_call", args=[call.pk]))
        return render(request, "web/hotline/call_new.html", {"form": form}, status=422)
    return render(request, "web/hotline/call_new.html", {"form": form})


# --- Meetings ----------------------------------------------------------------------------------------


@page
def meetings(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    qs = queries.visible_meetings(user).select_related("region").prefetch_related("decisions")
    year = request.GET.get("year") or ""
    if year.isascii() and year.isdigit() and calendar.FIRST_DAY.year <= int(year) <= calendar.LAST_DAY.year:
        qs = qs.filter(held_on__year=int(year))
    page_obj = Paginator(qs.order_by("-held_on", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        (m, sum(1 for d in m.decisions.all()), sum(1 for d in m.decisions.all() if d.done_at is not None))
        for m in page_obj.object_list
    ]
    return render(
        request,
        "web/hotline/meetings.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "year": year,
            "query": urlencode({"year": year} if year else {}),
            "can_hold": scope.role_of(user) in services.MEETING_ROLES,
        },
    )


@page
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = user_of(request)
    meeting = queries.get_meeting(user, meeting_id)
    decisions = list(meeting.decisions.select_related("owner_department", "owner", "done_by"))
    mine = set(queries.visible_decisions(user).filter(meeting=meeting).values_list("pk", flat=True))
    cases = scope.visible_cases(user).filter(pk__in=meeting.cases.values("pk")).select_related("category")
    today = timezone.localdate()
    return render(
        request,
        "web/hotline/meeting.html",
        {
            "meeting": meeting,
            "decisions": [
                (d, d.pk in mine and d.done_at is None, d.done_at is None and d.due_on < today)
                for d in decisions
            ],
            "cases": list(cases),
            "hidden_cases": meeting.cases.count() - len(cases),
        },
    )


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=gettext_lazy("议题"), max_length=200)
    region = forms.ChoiceField(label=gettext_lazy("区域"))
    place = forms.CharField(label=gettext_lazy("地点"), max_length=100, required=False)
    chair = forms.CharField(label=gettext_lazy("主持人"), max_length=50, required=False)
    attendees = forms.CharField(
        label=gettext_lazy("参会人员"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("每行一人或一个单位"),
    )
    summary = forms.CharField(
        label=gettext_lazy("研判情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    case_ids = forms.CharField(
        label=gettext_lazy("研判工单编号"), required=False, help_text=gettext_lazy("多个编号用逗号或空格分隔")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(user)  # type: ignore[attr-defined]

    def clean_case_ids(self) -> list[int]:
        raw = (self.cleaned_data.get("case_ids") or "").replace("，", ",").replace(",", " ").split()
        try:
            return [int(x.lstrip("#")) for x in raw]
        except ValueError:
            raise forms.ValidationError(_("工单编号须为数字")) from None


class DecisionForm(forms.Form):
    """One decision row; a row with neither text nor deadline is a blank extra row and is skipped."""

    text = forms.CharField(label=gettext_lazy("议定事项"), max_length=1000, required=False)
    department = forms.ChoiceField(label=gettext_lazy("责任部门"))
    due_on = forms.DateField(
        label=gettext_lazy("完成时限"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        depts = Department.objects.filter(is_active=True).order_by("code").values_list("code", "name")
        self.fields["department"].choices = list(depts)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("text") and not data.get("due_on") and not self.errors:
            return {}
        for name in ("text", "due_on"):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("请填写%(label)s") % {"label": self.fields[name].label})
        return data


DecisionFormSet = forms.formset_factory(DecisionForm, extra=3, max_num=20)


@require_http_methods(["GET", "POST"])
@page
def meeting_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if scope.role_of(user) not in services.MEETING_ROLES:
        raise PermissionDenied("forbidden_role", _("当前角色不能登记会商研判"))
    form = MeetingForm(request.POST or None, user=user)
    decisions = DecisionFormSet(request.POST or None, prefix="d")
    if request.method == "POST":
        if form.is_valid() and decisions.is_valid():
            rows = [
                services.DecisionInput(d["text"], d["department"], d["due_on"])
                for d in decisions.cleaned_data
                if d  # a blank extra row
            ]
            try:
                meeting = services.hold_meeting(
                    actor=user,
                    decisions=rows,
                    **form.cleaned_data,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("已登记会商研判"))
                return redirect(reverse("web:hotline_meeting", args=[meeting.pk]))
        return render(
            request, "web/hotline/meeting_new.html", {"form": form, "decisions": decisions}, status=422
        )
    return render(request, "web/hotline/meeting_new.html", {"form": form, "decisions": decisions})


@require_POST
@page
def decision_complete(request: HttpRequest, decision_id: int) -> HttpResponse:
    user = user_of(request)
    decision = queries.visible_decisions(user).filter(pk=decision_id).first()
    if decision is None:
        raise NotFound(_("议定事项不存在或无权查看"), code="decision_not_found")
    try:
        services.complete_decision(actor=user, decision_id=decision_id, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("议定事项已办结"))
    return redirect(reverse("web:hotline_meeting", args=[decision.meeting_id]))


# --- Figures -----------------------------------------------------------------------------------------


def _figure_filter(request: HttpRequest, user: User) -> tuple[figures.FigureFilter, dict[str, str]]:
    today = timezone.localdate()
    region = request.GET.get("region") or ""
    if region and not scope.visible_regions(user).filter(code=region).exists():
        raise NotFound(_("区域不存在或无权查看"), code="region_not_found")
    if not region and not scope.sees_everything(user):
        first = scope.region_paths(user)[:1]
        if not first:
            raise PermissionDenied("forbidden_role", _("当前账号没有可统计的区域"))
        region = (
            scope.visible_regions(user).filter(path=first[0]).values_list("code", flat=True).first() or ""
        )
    start = _date_param(request, "from") or date(today.year, 1, 1)
    end = _date_param(request, "to") or today
    if start > end:
        raise ValidationFailed("invalid_date_range", _("开始日期不能晚于结束日期"))
    f = figures.FigureFilter.build(region=region or None, start=start, end=end)
    return f, {"region": region, "from": start.isoformat(), "to": end.isoformat()}


@page
def figures_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    _require_desk(user)
    f, params = _figure_filter(request, user)
    rows = [
        {
            "code": v.code,
            "label": _(v.figure.label),
            "unit": _(v.figure.unit),
            "part": v.numerator,
            "whole": v.denominator,
            "rate": v.value if v.figure.is_rate else None,
        }
        for v in figures.evaluate_all(f, user)
    ]
    return render(
        request,
        "web/hotline/figures.html",
        {"rows": rows, "params": params, "query": urlencode(params), "regions": _region_choices(user)},
    )


@page
def figure_drill(request: HttpRequest, code: str) -> HttpResponse:
    user = user_of(request)
    _require_desk(user)
    fig = figures.figure(code)
    part = "denominator" if request.GET.get("part") == "denominator" and fig.denominator else "numerator"
    f, params = _figure_filter(request, user)
    qs = figures.drill_denominator(code, f, user) if part == "denominator" else figures.drill(code, f, user)
    kind = {Call: "calls", Case: "cases", Meeting: "meetings", Decision: "decisions"}[qs.model]
    related = {
        "calls": ("nature", "operator", "region", "case"),
        "cases": ("category", "region"),
        "meetings": ("region",),
        "decisions": ("meeting", "owner_department"),
    }[kind]
    page_obj = Paginator(qs.select_related(*related).order_by("-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/hotline/drill.html",
        {
            "figure": fig,
            "label": _(fig.label),
            "part": part,
            "kind": kind,
            "page_obj": page_obj,
            "count": page_obj.paginator.count,
            "query": urlencode({**params, "part": part}),
            "back": urlencode(params),
            "today": timezone.localdate(),
        },
    )
