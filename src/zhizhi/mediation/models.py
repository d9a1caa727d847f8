"""People's mediation (人民调解) of disputes under 人民调解法.

A dispute is a `cases.Case` of type "dispute" plus its one-to-one `Dispute` (what the dispute is, how
it came, who mediates it, how the mediation ended) with its `Party` rows, its `Session` records
(调解记录, 第二十七条), its `Agreement` (调解协议, 第二十八、二十九条, with the judicial confirmation of
第三十三条) and its `FollowUp` visits on performance (第三十一条). Its status, deadline (`due_at`) and
timeline are the case's (see `zhizhi.mediation.workflow`); each time limit is an `SlaPolicy` row named
by a `MediationClock` (see `zhizhi.mediation.clocks`). Writes go through `zhizhi.mediation.services`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DisputeKind(models.TextChoices):
    """纠纷类型 (the usual categories of people's mediation statistics)."""

    NEIGHBOUR = "neighbour", _("邻里纠纷")
    FAMILY = "family", _("婚姻家庭纠纷")
    LAND = "land", _("土地/宅基地/山林纠纷")
    LABOUR = "labour", _("劳动/劳务纠纷")
    DEBT = "debt", _("债权债务纠纷")
    DAMAGES = "damages", _("损害赔偿纠纷")
    CONTRACT = "contract", _("合同纠纷")
    FISHERY = "fishery", _("海域/养殖/渔事纠纷")
    OTHER = "other", _("其他纠纷")


class MediationChannel(models.TextChoices):
    """How the mediation is carried out (线上+线下调处)."""

    ON_SITE = "on_site", _("现场调解")
    ONLINE = "online", _("线上调解（浙江解纷码）")
    SHARED_COURT = "shared_court", _("共享法庭")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")


class Outcome(models.TextChoices):
    """How the mediation ended (调结)."""

    AGREEMENT = "agreement", _("达成调解协议")
    FAILED = "failed", _("调解不成")
    REFERRED = "referred", _("移交")


class ReferralKind(models.TextChoices):
    COURT = "court", _("人民法院")
    ARBITRATION = "arbitration", _("仲裁机构")
    OTHER = "other", _("其他机关、单位")


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("书面调解协议")
    ORAL = "oral", _("口头调解协议")


class Performance(models.TextChoices):
    PERFORMED = "performed", _("履行完毕")
    PARTLY = "partly", _("部分履行")
    NOT_PERFORMED = "not_performed", _("未履行")


class Stage(models.TextChoices):
    """A time limit. Each is an SlaPolicy row (case type "dispute") named by a MediationClock."""

    ACCEPTANCE = "acceptance", _("受理")
    CONCLUSION = "conclusion", _("调结")
    EXTENSION = "extension", _("延长调解期限上限")
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("申请司法确认期限")


class MediationClock(models.Model):
    """Which SLA policy is a stage's clock. Seeded by migration 0002; a province edits the policy's
    target and unit (or points the stage at another policy of case type "dispute")."""

    stage = models.CharField(_("阶段"), max_length=24, choices=Stage.choices, unique=True)
    policy = models.ForeignKey(
        "cases.SlaPolicy",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"case_type": "dispute"},
        verbose_name=_("时限规则"),
    )
    article = models.CharField(_("依据条款"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("调解时限")
        verbose_name_plural = _("调解时限")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.policy}"


class Dispute(models.Model):
    """What a dispute case carries beyond the engine's fields."""

    case = models.OneToOneField(
        "cases.Case",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="dispute",
        verbose_name=_("工单"),
    )
    number = models.CharField(_("登记编号"), max_length=30, unique=True)
    kind = models.CharField(_("纠纷类型"), max_length=16, choices=DisputeKind.choices)
    channel = models.CharField(_("调解方式"), max_length=16, choices=MediationChannel.choices, db_index=True)
    external_ref = models.CharField(_("平台或法院编号"), max_length=60, blank=True)
    facts = models.TextField(_("纠纷简要情况"))
    # 重大疑难纠纷
    is_major = models.BooleanField(_("重大疑难"), default=False, db_index=True)
    major_since = models.DateTimeField(_("列为重大疑难时间"), null=True, blank=True)
    major_note = models.TextField(_("重大疑难说明"), blank=True)
    # 受理 (第十七条): the decision on the application, on the acceptance clock.
    decided_at = models.DateTimeField(_("受理决定时间"), null=True, blank=True)
    decided_on_time = models.BooleanField(_("按时受理"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True, db_index=True)
    not_accepted_reason = models.TextField(_("不予受理理由"), blank=True)
    committee = models.CharField(_("人民调解委员会"), max_length=100, blank=True)
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mediated_disputes", verbose_name=_("人民调解员")
    )
    # 延长调解期限 (once)
    extension_days = models.PositiveIntegerField(_("延长天数"), default=0)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    extended_at = models.DateTimeField(_("延期时间"), null=True, blank=True)
    extended_due_at = models.DateTimeField(_("延长后的调解期限"), null=True, blank=True)
    # 调结: agreement, failure (终止调解, 第二十六条) or referral.
    outcome = models.CharField(
        _("调解结果"), max_length=12, choices=Outcome.choices, blank=True, db_index=True
    )
    concluded_at = models.DateTimeField(_("调结时间"), null=True, blank=True)
    concluded_on_time = models.BooleanField(_("按期调结"), null=True, blank=True)
    failure_reason = models.TextField(_("调解不成原因"), blank=True)
    termination_notice = models.TextField(_("终止调解告知"), blank=True)
    refer_to = models.CharField(_("移交去向"), max_length=12, choices=ReferralKind.choices, blank=True)
    referred_to = models.CharField(_("移交机关、单位"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("纠纷")
        verbose_name_plural = _("纠纷")
        ordering = ["-case_id"]

    def __str__(self) -> str:
        return self.number


class Party(models.Model):
    """One party (当事人). Personal data: masked in every list (`mediation.queries`)."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="parties", verbose_name=_("纠纷")
    )
    sort = models.PositiveSmallIntegerField(_("序号"), default=0)
    role = models.CharField(_("身份"), max_length=12, choices=PartyRole.choices)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True, db_index=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["dispute_id", "sort", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id}#{self.sort}"


class Session(models.Model):
    """One mediation session (调解记录, 第二十七条: 人民调解员应当记录调解情况). Append-only."""

    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.CASCADE,
        related_name="sessions",
        verbose_name=_("纠纷"),
        db_index=False,
    )
    number = models.PositiveSmallIntegerField(_("次序"))
    held_on = models.DateField(_("调解日期"))
    place = models.CharField(_("调解地点"), max_length=200)
    attendees = models.TextField(_("参加人员"))
    notes = models.TextField(_("调解情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["dispute_id", "number"]
        constraints = [models.UniqueConstraint(fields=["dispute", "number"], name="mediation_session_number")]

    def __str__(self) -> str:
        return f"{self.dispute_id} #{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("Session is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Session is append-only")


class Agreement(models.Model):
    """The mediation agreement (调解协议): written (调解协议书, 第二十九条) or oral (第二十八、三十条),
    and the parties' application for judicial confirmation (司法确认, 第三十三条)."""

    dispute = models.OneToOneField(
        Dispute, primary_key=True, on_delete=models.CASCADE, related_name="agreement", verbose_name=_("纠纷")
    )
    form = models.CharField(_("协议形式"), max_length=10, choices=AgreementForm.choices)
    facts = models.TextField(_("纠纷的主要事实、争议事项"), blank=True)
    responsibilities = models.TextField(_("各方当事人的责任"), blank=True)
    terms = models.TextField(_("协议内容"))
    performance_manner = models.TextField(_("履行方式"), blank=True)
    performance_due = models.DateField(_("履行期限"), null=True, blank=True)
    effective_on = models.DateField(_("生效日期"))
    reached_at = models.DateTimeField(_("登记时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    # 司法确认 (第三十三条): the 30 days count from the effective date; written agreements only.
    judicial_due_at = models.DateTimeField(_("申请司法确认期限"), null=True, blank=True)
    judicial_applied_on = models.DateField(_("申请司法确认日期"), null=True, blank=True)
    judicial_court = models.CharField(_("受理法院"), max_length=200, blank=True)
    judicial_decided_on = models.DateField(_("裁定日期"), null=True, blank=True)
    judicial_confirmed = models.BooleanField(_("确认有效"), null=True, blank=True)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        ordering = ["-dispute_id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.form}"


class FollowUp(models.Model):
    """A follow-up visit on the performance of the agreement (回访, 第三十一条). Append-only."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("纠纷")
    )
    visited_on = models.DateField(_("回访日期"))
    performance = models.CharField(_("履行情况"), max_length=16, choices=Performance.choices)
    note = models.TextField(_("回访情况"), blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("回访人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("履行回访")
        verbose_name_plural = _("履行回访")
        ordering = ["dispute_id", "visited_on", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.visited_on:%Y-%m-%d} {self.performance}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("FollowUp is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("FollowUp is append-only")
