"""Workbench forms: login (throttled), the two intake forms, and one small form per workflow action.

Forms only parse and present; the services validate again and decide. A service's DomainError
that names a field is shown on that field (`add_domain_error`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhizhi.accounts import scope, throttle
from zhizhi.accounts.models import Department, Role, User
from zhizhi.cases import services, types
from zhizhi.cases.models import Case, Category, Channel, Priority, RequestNature, Satisfaction
from zhizhi.cases.workflow import Action
from zhizhi.core.clients import client_address
from zhizhi.core.errors import DomainError
from zhizhi.mediation import services as mediation_services
from zhizhi.mediation.casetype import eligible_mediators
from zhizhi.mediation.models import AgreementForm, PartyRole, Performance, ReferralKind
from zhizhi.petitions.models import Decision as PetitionDecision
from zhizhi.territory.models import Level, Region


class ThrottledLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("登录失败次数过多，请 15 分钟后再试"),
        "unavailable": _("登录服务暂时不可用，请稍后再试"),
    }

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "") or ""
        address = client_address(self.request) if self.request else ""
        try:
            locked = throttle.is_locked(username, address)
        except throttle.Unavailable:
            raise forms.ValidationError(self.error_messages["unavailable"], code="unavailable") from None
        if locked:
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(username, address)
            raise
        throttle.reset(username, address)
        return cleaned


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service error on the field it names, or on the form."""
    name = exc.details.get("field") if exc.details else None
    form.add_error(name if name in form.fields else None, exc.message)


class PartyForm(forms.Form):
    """One party; a row with no name, ID number, phone or address is a blank extra row (skipped)."""

    role = forms.ChoiceField(label=_("身份"), choices=PartyRole.choices)
    name = forms.CharField(label=_("姓名"), max_length=mediation_services.MAX_NAME, required=False)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=mediation_services.MAX_ADDRESS, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "id_number", "phone", "address"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def is_blank(self) -> bool:
        d = self.cleaned_data
        return not any((d.get(n) or "").strip() for n in ("name", "id_number", "phone", "address"))


class DisputePartyForm(PartyForm):
    """One party added to a dispute, or corrected, on its case page (`mediation.services.save_party`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True

    def add_service_error(self, exc: DomainError) -> None:
        """A service error on its field: `parties[2].id_number` names this form's `id_number`."""
        name = str((exc.details or {}).get("field") or "").rsplit(".", 1)[-1]
        self.add_error(name if name in self.fields else None, exc.message)

    def as_input(self) -> Any:
        d = self.cleaned_data
        return mediation_services.PartyInput(
            name=d["name"], role=d["role"], id_number=d["id_number"], phone=d["phone"], address=d["address"]
        )


# --- Choices ----------------------------------------------------------------------------------------


def category_choices() -> list[tuple[str, Any]]:
    """Subclasses grouped by class, for a <select> with <optgroup>s."""
    groups: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    classes = Category.objects.filter(parent__isnull=True, is_active=True).order_by("sort", "code")
    for c in classes:
        groups[c.pk] = (c.name, [])
    for sub in Category.objects.filter(parent__in=classes, is_active=True).order_by("sort", "code"):
        groups[sub.parent_id][1].append((sub.code, sub.name))  # type: ignore[index]
    return [("", "—— 请选择 ——"), *[(name, subs) for name, subs in groups.values() if subs]]


def region_label(r: Region) -> str:
    indent = "\u3000" * max(0, r.depth - 1)
    return f"{indent}{r.name}"


def creatable_regions(user: User) -> list[Region]:
    levels = (Level.TOWN, Level.VILLAGE, Level.GRID, Level.MICRO_GRID)
    regions = scope.visible_regions(user).filter(is_active=True, level__in=levels).order_by("path")
    return [r for r in regions if scope.can_create_in(user, r)]


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101
    return field


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one <input type=file multiple>; contents are checked by the service."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            if self.required:
                raise forms.ValidationError(_("请选择照片"))
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(f, initial) for f in files]


# --- Intake ---------------------------------------------------------------------------------------


class _CaseForm(forms.Form):
    category = forms.ChoiceField(label=_("事件类型"))
    title = forms.CharField(label=_("标题"), max_length=services.MAX_TITLE)
    description = forms.CharField(label=_("描述"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=_("地址"), max_length=services.MAX_ADDRESS, required=False)
    region = forms.ChoiceField(label=_("所属区域"), required=False)
    lon = forms.FloatField(label=_("经度"), required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(label=_("纬度"), required=False, widget=forms.HiddenInput)
    priority = forms.ChoiceField(label=_("优先级"), choices=Priority.choices, initial=Priority.NORMAL)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.region_choices = [(r.code, region_label(r)) for r in creatable_regions(user)]
        _choice(self, "category").choices = category_choices()
        _choice(self, "region").choices = [("", _("按定位自动判断")), *self.region_choices]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("lon") is None) != (cleaned.get("lat") is None):
            raise forms.ValidationError(_("经度和纬度须同时提供"))
        if not cleaned.get("region") and cleaned.get("lon") is None:
            self.add_error("region", _("请选择所属区域，或在地图上定位"))
        return cleaned

    def case_input(self, channel: str) -> services.CaseInput:
        d = self.cleaned_data
        return services.CaseInput(
            channel=channel,
            category=d["category"],
            nature=d.get("nature") or None,
            title=d["title"],
            description=d.get("description", ""),
            address=d.get("address", ""),
            lon=d.get("lon"),
            lat=d.get("lat"),
            region=d.get("region") or None,
            reporter_name=d.get("reporter_name", ""),
            reporter_phone=d.get("reporter_phone", ""),
            priority=d.get("priority") or Priority.NORMAL,
        )


HOTLINE_CHANNELS = (Channel.HOTLINE, Channel.WALK_IN, Channel.ONLINE, Channel.TRANSFER)


class HotlineForm(_CaseForm):
    """The hotline desk's form: caller first (their earlier cases are looked up), then the matter."""

    field_order = [
        "reporter_phone",
        "reporter_name",
        "channel",
        "nature",
        "category",
        "title",
        "description",
        "region",
        "address",
        "priority",
    ]
    reporter_phone = forms.CharField(label=_("来电号码"), max_length=20)
    reporter_name = forms.CharField(label=_("来电人"), max_length=services.MAX_NAME, required=False)
    channel = forms.ChoiceField(
        label=_("来源"), choices=[(c.value, c.label) for c in HOTLINE_CHANNELS], initial=Channel.HOTLINE
    )
    nature = forms.ChoiceField(label=_("诉求性质"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        _choice(self, "nature").choices = [("", "——"), *RequestNature.objects.values_list("code", "name")]
        _choice(self, "region").choices = [("", "—— 请选择 ——"), *self.region_choices]
        for name, attrs in {
            "reporter_phone": {"autocomplete": "off", "inputmode": "tel", "autofocus": True},
            "title": {"placeholder": _("一句话概括诉求")},
        }.items():
            self.fields[name].widget.attrs.update(attrs)


class FieldReportForm(_CaseForm):
    """The grid worker's phone form: what, where (GPS or a tap on the map), photos."""

    field_order = ["category", "title", "description", "photos", "address", "region", "priority"]
    photos = PhotosField(label=_("现场照片"), required=False)
    reporter_name = forms.CharField(label=_("反映人"), max_length=services.MAX_NAME, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["photos"].widget.attrs.update(
            {"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        )
        self.fields["title"].widget.attrs.update({"placeholder": _("如：菜场门口占道经营")})


class LookupForm(forms.Form):
    reporter_phone = forms.CharField(label=_("来电号码"), max_length=20)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("查看事由"), max_length=200, required=False)


class AttachForm(forms.Form):
    photos = PhotosField(label=_("照片"), required=True)


# --- Workflow actions -----------------------------------------------------------------------------

FIELD_LABELS = {
    "department": _("承办部门"),
    "assignee": _("承办人（可不选）"),
    "reason": _("理由"),
    "note": _("备注"),
    "days": _("延期工作日数"),
    "resolution": _("办理结果"),
    "satisfaction": _("满意度"),
    "reached": _("是否联系上反映人"),
    "parent": _("合并到工单编号"),
    # the hazard workflow's fields (safety/workflow.py)
    "deadline": _("整改期限（不填则按隐患等级的时限）"),
    "notice_no": _("整改通知书编号"),
    "evidence": _("整改情况"),
    "attachments": _("佐证材料（每行一项）"),
    "result": _("复查/验收意见"),
    "goals": _("治理目标和任务"),
    "measures": _("方法和措施"),
    "funds": _("经费（万元）"),
    "people": _("负责治理的机构和人员"),
    "plan_deadline": _("治理时限"),
    "contingency": _("安全措施和应急预案"),
    # the petition workflow's fields (petitions/workflow.py)
    "authority": _("有权处理的机关、单位"),
    "decision": _("处理意见"),
    "opinion": _("意见（书面答复内容）"),
    "basis": _("依据（法律、法规、政策）"),
    "served_on": _("送达日期（不填为今天）"),
    "request": _("复查/复核请求"),
    "settled": _("信访人是否息诉罢访"),
    # the dispute workflow's fields (mediation/workflow.py)
    "mediators": _("人民调解员（主持一名，可另选协助；都不选则由本人主持）"),
    "refer_to": _("移交去向"),
    "held_on": _("调解日期"),
    "place": _("调解地点"),
    "attendees": _("参加人员"),
    "notes": _("调解情况"),
    "form": _("协议形式"),
    "facts": _("纠纷的主要事实、争议事项（书面协议必填）"),
    "responsibilities": _("各方当事人的责任（书面协议必填）"),
    "terms": _("调解协议的内容"),
    "performance_manner": _("履行方式（书面协议必填）"),
    "performance_due": _("履行期限（书面协议必填）"),
    "effective_on": _("生效日期（不填为今天）"),
    "notice": _("终止调解告知（不填为默认告知）"),
    "performance": _("履行情况"),
    "visited_on": _("回访日期（不填为今天）"),
    "applied_on": _("申请司法确认日期（不填为今天）"),
    "court": _("受理法院"),
    "confirmed": _("人民法院裁定"),
    "decided_on": _("裁定日期（不填为今天）"),
}
TEXT_FIELDS = frozenset({"reason", "note", "resolution", "evidence", "result", "goals", "measures", "people",
                         "contingency", "opinion", "basis", "request", "attendees", "notes", "facts",
                         "responsibilities", "terms", "performance_manner", "notice"})  # fmt: skip
DATE_FIELDS = frozenset({"deadline", "plan_deadline", "served_on", "held_on", "performance_due", "effective_on",
                         "visited_on", "applied_on", "decided_on"})  # fmt: skip
# Fields with a fixed set of values, shown as a <select>: name → choices (a blank first when optional).
CHOICE_FIELDS: dict[str, list[tuple[str, Any]]] = {
    "decision": [("", "—— 请选择 ——"), *PetitionDecision.choices],
    "settled": [("", "——"), ("true", _("已息诉罢访")), ("false", _("未息诉罢访"))],
    "form": [("", "—— 请选择 ——"), *AgreementForm.choices],
    "refer_to": [("", "—— 请选择 ——"), *ReferralKind.choices],
    "performance": [("", "—— 请选择 ——"), *Performance.choices],
    "confirmed": [("", "—— 请选择 ——"), ("true", _("裁定确认调解协议有效")), ("false", _("裁定不予确认"))],
}


class LinesField(forms.CharField):
    """Text with one item per line → a list of the non-empty lines."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class MediatorsWidget(forms.MultiWidget):
    """The presiding mediator (a select) and the others (a multiple select)."""

    input_type = "select"  # styled as a select by the action form

    def decompress(self, value: Any) -> list[Any]:
        return [value[0], list(value[1:])] if value else ["", []]


class MediatorsField(forms.MultiValueField):
    """人民调解员 (第十九条) as the service takes them: a list of usernames, the presiding one first.
    Choices: those `casetype.eligible_mediators` allows for the dispute; none chosen → the acting user."""

    def __init__(self, *, label: Any, required: bool, case: Case) -> None:
        people = [(u.username, str(u)) for u in eligible_mediators(case)]
        presiding = [("", _("—— 本人主持 ——")), *people]
        super().__init__(
            fields=(
                forms.ChoiceField(choices=presiding, required=False),
                forms.MultipleChoiceField(choices=people, required=False),
            ),
            widget=MediatorsWidget(
                widgets=[
                    forms.Select(choices=presiding, attrs={"aria-label": _("主持调解员")}),
                    forms.SelectMultiple(
                        choices=people, attrs={"aria-label": _("协助调解员（可多选）"), "size": 4}
                    ),
                ]
            ),
            label=label,
            required=required,
            require_all_fields=False,
        )

    def compress(self, data_list: list[Any]) -> list[str]:
        presiding = data_list[0] if data_list else ""
        others = data_list[1] if len(data_list) > 1 else []
        if others and not presiding:
            raise forms.ValidationError(_("请先选择主持调解员"), code="no_presiding")
        return list(dict.fromkeys([presiding, *others])) if presiding else []


def _department_choices() -> list[tuple[str, str]]:
    return list(Department.objects.filter(is_active=True).order_by("code").values_list("code", "name"))


def _assignee_choices() -> list[tuple[str, Any]]:
    people = (
        User.objects.filter(is_active=True)
        .filter(Q(role=Role.HANDLER) | Q(role=Role.VILLAGE_CADRE))
        .prefetch_related("departments")
        .order_by("role", "username")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for u in people:
        depts = [d.name for d in u.departments.all()] or [str(Role(u.role).label)]
        for d in depts[:1]:
            groups.setdefault(d, []).append((u.username, str(u)))
    return [("", "——"), *sorted(groups.items())]


def _field(name: str, required: bool, case: Case) -> forms.Field:
    label = FIELD_LABELS.get(name) or types.get(case.case_type).workflow.field_help(name) or name
    if name == "department":
        dept = case.category.department or (case.category.parent.department if case.category.parent else None)
        return forms.ChoiceField(
            label=label,
            required=required,
            choices=[("", "—— 请选择 ——"), *_department_choices()],
            initial=dept.code if dept else "",
        )
    if name == "assignee":
        return forms.ChoiceField(label=label, required=required, choices=_assignee_choices())
    if name == "mediators":
        return MediatorsField(label=label, required=required, case=case)
    if name in TEXT_FIELDS:
        return forms.CharField(
            label=label, required=required, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
        )
    if name in DATE_FIELDS:
        return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))
    if name in CHOICE_FIELDS:
        return forms.ChoiceField(label=label, required=required, choices=CHOICE_FIELDS[name])
    if name == "attachments":
        return LinesField(label=label, required=required, max_length=4000)
    if name == "funds":
        return forms.DecimalField(
            label=label, required=required, min_value=0, max_digits=10, decimal_places=2
        )
    if name == "days" and types.get(case.case_type).max_extension_days == 0:
        # A type with stage clocks (petitions, mediation) extends in natural days; its service checks the limit.
        return forms.IntegerField(label=_("延长天数（自然日）"), required=required, min_value=1)
    if name == "days":
        limit = max(1, types.get(case.case_type).max_extension_days - case.extension_days)
        return forms.IntegerField(
            label=label, required=required, min_value=1, max_value=limit, initial=min(5, limit)
        )
    if name == "satisfaction":
        return forms.ChoiceField(
            label=label,
            required=required,
            choices=[("", _("未联系上时不填")), *Satisfaction.choices],
            widget=forms.RadioSelect,
        )
    if name == "reached":
        return forms.ChoiceField(
            label=label,
            required=required,
            choices=[("true", _("联系上")), ("false", _("未联系上"))],
            widget=forms.RadioSelect,
            initial="true",
        )
    if name == "parent":
        return forms.IntegerField(label=label, required=required, min_value=1)
    return forms.CharField(label=label, required=required, max_length=2000)


class ActionForm(forms.Form):
    """The fields one action takes (required first, then optional), built from the workflow table."""

    def __init__(self, *args: Any, action: Action, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", action.name)
        super().__init__(*args, **kwargs)
        self.action = action
        for name in action.required:
            self.fields[name] = _field(name, True, case)
        for name in action.optional:
            self.fields[name] = _field(name, False, case)

    def payload(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    @property
    def needs_input(self) -> bool:
        return bool(self.action.required)
