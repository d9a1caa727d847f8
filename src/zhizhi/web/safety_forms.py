"""安全生产 entry forms: organisations, register import, enforcement, campaigns and tasks, inspections
with their checklist and hazards.

Forms only parse and present; `zhizhi.safety.services` validates again and decides (a service's
DomainError naming a field is shown on that field). Choices come from the same scope functions the
services use, so a form never offers what the service would refuse for scope.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhizhi.accounts import scope
from zhizhi.accounts.models import Role, User
from zhizhi.cases.models import Case, Category
from zhizhi.core.errors import DomainError
from zhizhi.safety import queries, services
from zhizhi.safety.models import (
    CampaignKind,
    Committee,
    EnforcementKind,
    Grade,
    Inspection,
    InspectionTask,
    Organisation,
    OrgKind,
    RiskLevel,
    Venue,
)
from zhizhi.territory.models import Level
from zhizhi.web.forms import PhotosField, add_domain_error, region_label

BLANK = "——"
MAX_HAZARD_ROWS = 20
MAX_CHECKLIST_ROWS = services.MAX_CHECKLIST


def _select(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101
    return field


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def committee_choices() -> list[tuple[str, str]]:
    return [("", BLANK), *Committee.objects.filter(is_active=True).values_list("code", "name")]


def region_choices(user: User, levels: tuple[str, ...]) -> list[tuple[str, str]]:
    """Active regions within the user's safety scope (`safety.queries.scope_q`: where the services
    let them register organisations and plan campaigns)."""
    regions = scope.visible_regions(user).filter(is_active=True, level__in=levels).order_by("path")
    q = queries.scope_q(user, "path")
    if q is not None:
        regions = regions.filter(q)
    return [(r.code, region_label(r)) for r in regions.only("code", "name", "depth")]


ALL_LEVELS = (Level.TOWN, Level.VILLAGE, Level.GRID, Level.MICRO_GRID)
AREA_LEVELS = (Level.TOWN, Level.VILLAGE, Level.GRID)


def inspectable_regions(user: User) -> list[tuple[str, str]]:
    """The regions the user may record inspections (and patrols) in."""
    regions = scope.visible_regions(user).filter(is_active=True, level__in=ALL_LEVELS).order_by("path")
    return [(r.code, region_label(r)) for r in regions if services.can_inspect_in(user, r)]


def inspector_choices() -> list[tuple[str, Any]]:
    """Who may inspect (services.INSPECTOR_ROLES), the safety inspectors first, then by role."""
    people = (
        User.objects.filter(is_active=True, role__in=services.INSPECTOR_ROLES)
        .prefetch_related("departments")
        .order_by("username")
    )
    inspectors: list[tuple[str, str]] = []
    groups: dict[str, list[tuple[str, str]]] = {}
    for u in people:
        label = f"{u}（{u.username}）" if str(u) != u.username else u.username
        if u.role == Role.HANDLER and any(d.code == services.HAZARD_DEPARTMENT for d in u.departments.all()):
            inspectors.append((u.username, label))
        else:
            groups.setdefault(str(Role(u.role).label), []).append((u.username, label))
    out: list[tuple[str, Any]] = [("", BLANK)]
    if inspectors:
        out.append((str(_("安全检查员")), inspectors))
    return out + sorted(groups.items())


def add_service_error(form: forms.Form, exc: DomainError) -> None:
    """A service error on the field it names (`add_domain_error`), on a bound form."""
    form.is_valid()
    add_domain_error(form, exc)


# --- Organisations ---------------------------------------------------------------------------------

PERSONAL_FIELDS = ("legal_rep", "phone", "address")


class OrganisationForm(forms.Form):
    """New or edit. Personal data is shown masked on an edit (as everywhere outside a logged reveal);
    a masked value sent back unchanged keeps the stored one — the rule of the register import."""

    kind = forms.ChoiceField(label=_("单位类型"), choices=OrgKind.choices)
    name = forms.CharField(label=_("名称"), max_length=services.MAX_NAME)
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        required=False,
        help_text=_("18 位；企业和个体工商户必填"),
    )
    venue = forms.ChoiceField(label=_("场所类型"), required=False)
    region = forms.ChoiceField(label=_("所在区域"))
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    legal_rep = forms.CharField(label=_("法定代表人/经营者"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    industry = forms.CharField(label=_("行业"), max_length=100, required=False)
    committee = forms.ChoiceField(label=_("专委会"), required=False)
    risk_level = forms.ChoiceField(label=_("风险等级"), required=False)
    listed = forms.BooleanField(label=_("列入底数清单"), required=False)
    lon = forms.FloatField(label=_("经度"), required=False)
    lat = forms.FloatField(label=_("纬度"), required=False)

    def __init__(
        self, *args: Any, user: User, organisation: Organisation | None = None, **kwargs: Any
    ) -> None:
        self.organisation = organisation
        self.masked = queries.personal(organisation) if organisation is not None else {}
        if organisation is not None and "initial" not in kwargs:
            o = organisation
            kwargs["initial"] = {
                "kind": o.kind, "name": o.name, "uscc": o.uscc, "venue": o.venue, "region": o.region.code,
                "industry": o.industry, "committee": o.committee.code if o.committee else "",
                "risk_level": o.risk_level, "listed": o.listed, "lon": o.lon, "lat": o.lat, **self.masked,
            }  # fmt: skip
        super().__init__(*args, **kwargs)
        _select(self, "venue").choices = [("", BLANK), *Venue.choices]
        _select(self, "region").choices = [("", BLANK), *region_choices(user, ALL_LEVELS)]
        _select(self, "committee").choices = committee_choices()
        _select(self, "risk_level").choices = [("", BLANK), *RiskLevel.choices]
        self.fields["uscc"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel"})

    def _personal(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if self.organisation is not None and "*" in value and value == self.masked.get(name):
            return str(getattr(self.organisation, name))  # unchanged: keep the stored value
        return value

    def to_input(self) -> services.OrganisationInput:
        d = self.cleaned_data
        return services.OrganisationInput(
            kind=d["kind"],
            name=d["name"],
            region=d["region"],
            uscc=d.get("uscc", ""),
            venue=d.get("venue", ""),
            legal_rep=self._personal("legal_rep"),
            phone=self._personal("phone"),
            address=self._personal("address"),
            industry=d.get("industry", ""),
            committee=d.get("committee", ""),
            risk_level=d.get("risk_level", ""),
            listed=bool(d.get("listed")),
            lon=d.get("lon"),
            lat=d.get("lat"),
        )


class RegisterImportForm(forms.Form):
    file = forms.FileField(label=_("单位清单（.xlsx 或 .csv）"))
    kind = forms.ChoiceField(label=_("文件中没有“类型”列时，单位类型为"), required=False)
    register = forms.BooleanField(label=_("文件中的单位全部列入底数清单"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "kind").choices = [("", _("（按文件中的“类型”列）")), *OrgKind.choices]
        self.fields["file"].widget.attrs.update({"accept": ".xlsx,.csv"})


# --- Enforcement -----------------------------------------------------------------------------------


class EnforcementForm(forms.Form):
    kind = forms.ChoiceField(label=_("执法类型"), choices=EnforcementKind.choices, widget=forms.RadioSelect)
    decided_on = forms.DateField(label=_("决定日期"), widget=_date_input())
    document_no = forms.CharField(label=_("文书编号"), max_length=60, required=False)
    reason = forms.CharField(
        label=_("事由"), max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    persons_detained = forms.IntegerField(
        label=_("行政拘留人数（仅移送公安）"), min_value=0, max_value=100, initial=0, required=False
    )
    hazard = forms.TypedChoiceField(label=_("相关隐患"), coerce=int, empty_value=None, required=False)
    inspection = forms.TypedChoiceField(label=_("相关检查"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, user: User, organisation: Organisation, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"decided_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        hazards = (
            queries.visible_hazards(user)
            .filter(hazard__organisation=organisation)
            .order_by("-received_at", "-id")[:100]
        )
        inspections = (
            queries.visible_inspections(user)
            .filter(organisation=organisation)
            .order_by("-inspected_at", "-id")
        )[:100]
        _select(self, "hazard").choices = [("", BLANK), *[(c.pk, f"#{c.pk} {c.title}") for c in hazards]]
        _select(self, "inspection").choices = [
            ("", BLANK),
            *[
                (i.pk, f"{timezone.localtime(i.inspected_at):%Y-%m-%d %H:%M} {i.inspector}")
                for i in inspections
            ],
        ]


# --- Campaigns and tasks ---------------------------------------------------------------------------


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=services.MAX_NAME)
    kind = forms.ChoiceField(label=_("类型"), choices=CampaignKind.choices)
    committee = forms.ChoiceField(label=_("专委会（不选则不限）"), required=False)
    region = forms.ChoiceField(label=_("范围"))
    starts_on = forms.DateField(
        label=_("开始日期"), widget=_date_input(), help_text=_("事故后紧急排查：从事故后开始排查的日期")
    )
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=_date_input())
    description = forms.CharField(
        label=_("说明"),
        max_length=services.MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "committee").choices = committee_choices()
        _select(self, "region").choices = [("", BLANK), *region_choices(user, AREA_LEVELS)]


class IdListField(forms.Field):
    """Several ids from checkboxes of one name (`request.POST.getlist`)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("单位编号不正确"), code="invalid") from None


class AssignForm(forms.Form):
    inspector = forms.ChoiceField(label=_("检查人"))
    due_on = forms.DateField(label=_("完成期限"), required=False, widget=_date_input())
    organisations = IdListField(label=_("单位"), required=False)
    all_matching = forms.BooleanField(label=_("全部符合条件的单位"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "inspector").choices = inspector_choices()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("organisations") and not cleaned.get("all_matching"):
            self.add_error("organisations", _("请勾选要派发的单位"))
        return cleaned


# --- Inspections -----------------------------------------------------------------------------------

PASS_CHOICES = [("1", _("合格")), ("0", _("不合格"))]


class ChecklistItemForm(forms.Form):
    item = forms.CharField(label=_("检查项"), max_length=200, required=False)
    passed = forms.ChoiceField(
        label=_("结果"), choices=PASS_CHOICES, required=False, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("item") and (cleaned.get("passed") or cleaned.get("note")):
            self.add_error("item", _("请填写检查项"))
        elif cleaned.get("item") and not cleaned.get("passed"):
            self.add_error("passed", _("请选择合格或不合格"))
        return cleaned

    def entry(self) -> dict[str, Any] | None:
        d = self.cleaned_data
        if not d.get("item"):
            return None
        return {"item": d["item"], "passed": d["passed"] == "1", "note": d.get("note", "")}


def hazard_category_choices() -> list[tuple[str, Any]]:
    classes = Category.objects.filter(code__in=services.HAZARD_CATEGORY_CLASSES, is_active=True).order_by(
        "sort", "code"
    )
    groups = []
    for c in classes:
        subs = Category.objects.filter(parent=c, is_active=True).order_by("sort", "code")
        groups.append((c.name, list(subs.values_list("code", "name"))))
    return [(name, subs) for name, subs in groups if subs]


class HazardForm(forms.Form):
    """One hazard found in the inspection: a `hazard` case through `services.record_inspection`."""

    grade = forms.ChoiceField(label=_("隐患等级"), choices=Grade.choices, initial=Grade.GENERAL)
    category = forms.ChoiceField(label=_("隐患类别"), initial=services.DEFAULT_HAZARD_CATEGORY)
    description = forms.CharField(label=_("隐患描述"), widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label=_("依据"), max_length=services.MAX_TEXT, required=False)
    deadline = forms.DateField(
        label=_("整改期限（当场下达整改通知；可不填）"), required=False, widget=_date_input()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "category").choices = hazard_category_choices()

    def entry(self) -> services.HazardInput:
        d = self.cleaned_data
        return services.HazardInput(
            description=d["description"],
            grade=d["grade"],
            category=d["category"],
            legal_basis=d.get("legal_basis", ""),
            deadline=d.get("deadline"),
        )


ChecklistFormSet = forms.formset_factory(
    ChecklistItemForm, extra=6, max_num=MAX_CHECKLIST_ROWS, validate_max=True, absolute_max=MAX_CHECKLIST_ROWS
)
HazardFormSet = forms.formset_factory(
    HazardForm, extra=3, max_num=MAX_HAZARD_ROWS, validate_max=True, absolute_max=MAX_HAZARD_ROWS
)


def _local_now() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)


class InspectionForm(forms.Form):
    """A check of one organisation (`organisation` given) or a patrol of a region."""

    inspector = forms.ChoiceField(label=_("检查人"))
    inspected_at = forms.DateTimeField(
        label=_("检查时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    region = forms.ChoiceField(label=_("巡查区域"))
    task = forms.TypedChoiceField(label=_("检查任务"), coerce=int, empty_value=None, required=False)
    campaign = forms.TypedChoiceField(label=_("计划/专项行动"), coerce=int, empty_value=None, required=False)
    team = forms.CharField(label=_("同行人员"), max_length=200, required=False)
    findings = forms.CharField(label=_("检查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("现场照片"), required=False)

    def __init__(
        self, *args: Any, user: User, organisation: Organisation | None = None, **kwargs: Any
    ) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("inspected_at", _local_now())
        if scope.role_of(user) in services.INSPECTOR_ROLES:
            initial.setdefault("inspector", user.username)
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        _select(self, "inspector").choices = inspector_choices()
        campaigns = queries.visible_campaigns(user).order_by("-starts_on", "-id")
        if organisation is not None:
            del self.fields["region"]
            paths = [p for p in _ancestor_paths(organisation.region.path)]
            campaigns = campaigns.filter(region__path__in=paths)
            tasks = (
                InspectionTask.objects.filter(organisation=organisation, campaign__in=campaigns)
                .select_related("campaign", "inspector")
                .order_by("-campaign__starts_on", "-id")
            )
            _select(self, "task").choices = [
                ("", BLANK),
                *[(t.pk, f"{t.campaign.name} · {t.inspector}") for t in tasks],
            ]
        else:
            del self.fields["task"]
            _select(self, "region").choices = [("", BLANK), *inspectable_regions(user)]
        _select(self, "campaign").choices = [("", BLANK), *[(c.pk, c.name) for c in campaigns[:200]]]
        self.fields["photos"].widget.attrs.update({"accept": "image/jpeg,image/png,image/webp"})

    def to_input(
        self, checklist: list[dict[str, Any]], hazards: list[services.HazardInput]
    ) -> services.InspectionInput:
        d = self.cleaned_data
        if self.organisation is not None:
            return services.InspectionInput(
                inspector=d["inspector"],
                inspected_at=d["inspected_at"],
                organisation=self.organisation,
                campaign=d.get("campaign"),
                task=d.get("task"),
                team=d.get("team", ""),
                checklist=checklist,
                findings=d.get("findings", ""),
                hazards=hazards,
            )
        return services.InspectionInput(
            inspector=d["inspector"],
            inspected_at=d["inspected_at"],
            kind="patrol",
            region=d["region"],
            campaign=d.get("campaign"),
            team=d.get("team", ""),
            checklist=checklist,
            findings=d.get("findings", ""),
        )


def _ancestor_paths(path: str) -> list[str]:
    """'/a/b/c/' → ['/a/', '/a/b/', '/a/b/c/'] (the region and its ancestors)."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def task_candidates(user: User, campaign: Any) -> Any:
    """Organisations the user may task in a campaign: visible, open or suspended, in its area and
    committee, not yet tasked in it."""
    qs = (
        queries.visible_organisations(user)
        .filter(region_path__startswith=campaign.region.path)
        .exclude(status="closed")
        .exclude(tasks__campaign=campaign)
    )
    if campaign.committee_id is not None:
        qs = qs.filter(committee_id=campaign.committee_id)
    return qs


def hazard_rows(user: User, inspection: Inspection) -> list[Case]:
    return list(
        queries.visible_hazards(user)
        .filter(hazard__inspection=inspection)
        .select_related("hazard")
        .order_by("id")
    )
