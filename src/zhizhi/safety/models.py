"""Workplace safety (安全生产): registers of organisations, inspections, hazards and enforcement.

A hazard (隐患) is a `cases.Case` of type "hazard" plus its one-to-one `HazardDetail`; its status,
deadline and timeline are the case's (see `zhizhi.safety.workflow`). Everything else here is a
register (organisations, committees, campaigns) or a record (inspections, enforcement actions).
Writes go through `zhizhi.safety.services`; reads of organisations through `safety.queries`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Committee(models.Model):
    """A sector safety committee (安委会专业委员会, 专委会) responsible for a group of organisations."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    description = models.CharField(_("职责范围"), max_length=300, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("专委会")
        verbose_name_plural = _("专委会")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class OrgKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    OTHER = "other", _("其他单位/场所")


class Venue(models.TextChoices):
    """What kind of place it is (场所类型), beside its legal form (`OrgKind`)."""

    SHOP = "shop", _("沿街店铺")
    RESTAURANT = "restaurant", _("餐饮场所")
    RENTAL_HOUSING = "rental_housing", _("出租房/群租房")
    ENTERTAINMENT = "entertainment", _("娱乐场所")
    COMMERCIAL_COMPLEX = "commercial_complex", _("大型商业综合体")
    HOTEL = "hotel", _("宾馆/民宿")
    MARKET = "market", _("农贸市场")
    SCHOOL = "school", _("学校/幼儿园")
    RELIGIOUS_SITE = "religious_site", _("宗教活动场所")
    ELDERLY_CARE = "elderly_care", _("养老机构")
    WORKSHOP = "workshop", _("厂房/车间")
    WAREHOUSE = "warehouse", _("仓库/物流")
    CONSTRUCTION_SITE = "construction_site", _("建筑工地")
    GAS_SUPPLY = "gas_supply", _("燃气供应点")
    DOCK = "dock", _("码头/船厂")


class RiskLevel(models.TextChoices):
    """安全风险分级 (红橙黄蓝)."""

    LOW = "low", _("低风险（蓝）")
    GENERAL = "general", _("一般风险（黄）")
    HIGHER = "higher", _("较大风险（橙）")
    MAJOR = "major", _("重大风险（红）")


class OrgStatus(models.TextChoices):
    OPEN = "open", _("正常经营")
    SUSPENDED = "suspended", _("停产停业")
    CLOSED = "closed", _("已关闭")


class Organisation(models.Model):
    """An enterprise, individual business or venue under workplace-safety supervision.

    `listed` marks the organisations on the district's register list (底数清单): the denominator of
    register coverage. An organisation found in the field but not on the list is recorded too, and
    counts as inspected, but never raises coverage. `status` changes only through enforcement
    records (停产停业 and its lifting) or an import (open/closed).
    """

    kind = models.CharField(_("类型"), max_length=24, choices=OrgKind.choices)
    venue = models.CharField(_("场所类型"), max_length=24, choices=Venue.choices, blank=True)
    name = models.CharField(_("名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    legal_rep = models.CharField(_("法定代表人/经营者"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区域")
    )
    region_path = models.CharField(max_length=255, editable=False)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    industry = models.CharField(_("行业"), max_length=100, blank=True)
    committee = models.ForeignKey(
        Committee,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("专委会"),
        db_index=False,
    )
    risk_level = models.CharField(_("风险等级"), max_length=16, choices=RiskLevel.choices, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=OrgStatus.choices, default=OrgStatus.OPEN)
    listed = models.BooleanField(_("列入底数清单"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("生产经营单位")
        verbose_name_plural = _("生产经营单位")
        ordering = ["region_path", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="safety_org_uscc_unique"),
            models.UniqueConstraint(
                fields=["kind", "name", "region"], condition=Q(uscc=""), name="safety_org_natural_key"
            ),
        ]
        indexes = [
            # Subtree filters are `region_path LIKE '/…/%'`: on PostgreSQL only a pattern_ops index
            # serves a prefix LIKE under a non-C collation (other databases ignore opclasses).
            models.Index(
                fields=["region_path"], name="safety_org_region_path", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["committee", "listed"], name="safety_org_committee_listed"),
            models.Index(fields=["kind", "status"], name="safety_org_kind_status"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.region_id is not None:
            self.region_path = self.region.path
        super().save(*args, **kwargs)

    @property
    def is_suspended(self) -> bool:
        return self.status == OrgStatus.SUSPENDED


class CampaignKind(models.TextChoices):
    PLAN = "plan", _("检查计划")
    CAMPAIGN = "campaign", _("专项行动")
    POST_ACCIDENT = "post_accident", _("事故后紧急排查")


class Campaign(models.Model):
    """An inspection plan or special campaign (专项行动), by committee, region and period."""

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=CampaignKind.choices)
    committee = models.ForeignKey(
        Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("专委会")
    )
    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("范围"),
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("检查计划/专项行动")
        verbose_name_plural = _("检查计划/专项行动")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name


class InspectionTask(models.Model):
    """One organisation to inspect within a campaign, assigned to an inspector. Done when an
    inspection names it (`inspections`)."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("计划"),
        db_index=False,
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("单位")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人")
    )
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("派发人")
    )
    created_at = models.DateTimeField(_("派发时间"), default=timezone.now)

    class Meta:
        verbose_name = _("检查任务")
        verbose_name_plural = _("检查任务")
        ordering = ["campaign_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organisation"], name="safety_task_once_per_campaign")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.organisation_id}"


class InspectionKind(models.TextChoices):
    CHECK = "check", _("单位检查")
    PATROL = "patrol", _("巡查")


class Inspection(models.Model):
    """An inspection of one organisation (检查, 家次) or a patrol of an area (巡查)."""

    kind = models.CharField(
        _("类型"), max_length=10, choices=InspectionKind.choices, default=InspectionKind.CHECK
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("单位"),
        db_index=False,
    )
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("计划/专项行动"),
        db_index=False,
    )
    task = models.ForeignKey(
        InspectionTask,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("任务"),
    )
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    region_path = models.CharField(max_length=255, editable=False)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人")
    )
    team = models.CharField(_("同行人员"), max_length=200, blank=True)
    inspected_at = models.DateTimeField(_("检查时间"))
    checklist = models.JSONField(_("检查项"), default=list, blank=True)
    findings = models.TextField(_("检查情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")
        ordering = ["-inspected_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "inspected_at"], name="safety_insp_org_at"),
            models.Index(fields=["campaign", "inspected_at"], name="safety_insp_campaign_at"),
            models.Index(
                fields=["region_path"], name="safety_insp_region_path", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["kind", "inspected_at"], name="safety_insp_kind_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.inspected_at:%Y-%m-%d}"

    @property
    def failed_items(self) -> int:
        return sum(1 for item in self.checklist or [] if not item.get("passed"))


class InspectionPhoto(models.Model):
    """A photo taken in an inspection; stored under MEDIA_ROOT with a random name."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="photos", verbose_name=_("检查记录")
    )
    file = models.FileField(_("文件"), upload_to="safety/inspections/%Y/%m/", max_length=200)
    content_type = models.CharField(_("类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小(字节)"))
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")
        ordering = ["inspection_id", "id"]

    def __str__(self) -> str:
        return f"{self.inspection_id}: {self.original_name or self.file.name}"


class Grade(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    MAJOR = "major", _("重大隐患")


class HazardDetail(models.Model):
    """What a hazard case carries beyond the engine's fields. Its status, deadline (due_at) and
    timeline are the case's; the stamps here are domain data written by the workflow's effects."""

    case = models.OneToOneField(
        "cases.Case",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="hazard",
        verbose_name=_("工单"),
    )
    grade = models.CharField(_("隐患等级"), max_length=10, choices=Grade.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="hazards",
        verbose_name=_("责任单位"),
        db_index=False,
    )
    inspection = models.ForeignKey(
        Inspection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
        verbose_name=_("检查记录"),
    )
    legal_basis = models.TextField(_("依据"), blank=True)
    # 整改通知
    notice_no = models.CharField(_("整改通知书编号"), max_length=60, blank=True)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    # 整改 and 复查
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    evidence = models.TextField(_("整改情况"), blank=True)
    evidence_files = models.JSONField(_("整改佐证材料"), default=list, blank=True)
    reinspected_at = models.DateTimeField(_("复查时间"), null=True, blank=True)
    reinspection_result = models.TextField(_("复查意见"), blank=True)
    reinspection_failures = models.PositiveSmallIntegerField(_("复查不合格次数"), default=0)
    verified_at = models.DateTimeField(_("复查合格时间"), null=True, blank=True)
    # 重大隐患: 挂牌督办, 治理方案, 验收
    listed_at = models.DateTimeField(_("挂牌督办时间"), null=True, blank=True)
    listing_note = models.TextField(_("督办要求"), blank=True)
    plan_goals = models.TextField(_("治理目标和任务"), blank=True)
    plan_measures = models.TextField(_("方法和措施"), blank=True)
    plan_funds = models.DecimalField(_("经费(万元)"), max_digits=12, decimal_places=2, null=True, blank=True)
    plan_people = models.TextField(_("负责治理的机构和人员"), blank=True)
    plan_deadline = models.DateField(_("治理时限"), null=True, blank=True)
    plan_contingency = models.TextField(_("安全措施和应急预案"), blank=True)
    plan_filed_at = models.DateTimeField(_("方案报备时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("验收销号时间"), null=True, blank=True)
    acceptance_result = models.TextField(_("验收意见"), blank=True)

    class Meta:
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        indexes = [
            models.Index(fields=["organisation", "grade"], name="safety_hazard_org_grade"),
            models.Index(fields=["verified_at"], name="safety_hazard_verified"),
        ]

    def __str__(self) -> str:
        return f"隐患 #{self.case_id}"

    @property
    def is_major(self) -> bool:
        return self.grade == Grade.MAJOR

    @property
    def is_listed(self) -> bool:
        """Under listed supervision (挂牌) and not yet accepted (摘牌)."""
        return self.listed_at is not None and self.accepted_at is None


class EnforcementKind(models.TextChoices):
    SUSPENSION_ORDER = "suspension_order", _("责令停产停业")
    SUSPENSION_LIFTED = "suspension_lifted", _("恢复生产经营")
    CASE_FILED = "case_filed", _("立案查处")
    POLICE_REFERRAL = "police_referral", _("移送公安")


class EnforcementAction(models.Model):
    """An enforcement record on an organisation. Append-only: a mistake is corrected by a new record."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="enforcements", verbose_name=_("单位")
    )
    kind = models.CharField(_("类型"), max_length=24, choices=EnforcementKind.choices)
    decided_on = models.DateField(_("决定日期"))
    document_no = models.CharField(_("文书编号"), max_length=60, blank=True)
    reason = models.TextField(_("事由"))
    persons_detained = models.PositiveSmallIntegerField(_("行政拘留人数"), default=0)
    hazard = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("相关隐患"),
    )
    inspection = models.ForeignKey(
        Inspection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enforcements",
        verbose_name=_("相关检查"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("执法记录")
        verbose_name_plural = _("执法记录")
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["kind", "decided_on"], name="safety_enf_kind_on")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.organisation_id} {self.decided_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("EnforcementAction is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("EnforcementAction is append-only")
