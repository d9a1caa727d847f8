"""Petitions (信访) under 信访工作条例 (2022), and key-person plans (重点人员"一人一策").

A petition is a `cases.Case` of type "petition" plus its one-to-one `Petition` (what was asked, by
whom, how) with its `Petitioner` rows and its written answers (`Opinion`: the 处理意见书, the 复查意见
and the 复核意见). Its status, deadline (`due_at`) and timeline are the case's (see
`zhizhi.petitions.workflow`); each stage's time limit is an `SlaPolicy` row named by a
`PetitionClock` (see `zhizhi.petitions.clocks`). Writes go through `zhizhi.petitions.services`.

Key persons are a register, not cases: a `KeyPerson` with the responsible cadres and the plan, an
append-only `ContactLog`, and `KeyPersonEvent` audit rows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Form(models.TextChoices):
    """How the petition was made (信访形式, 第十八、十九条)."""

    VISIT = "visit", _("走访")
    LETTER = "letter", _("书信")
    ONLINE = "online", _("网络")
    PHONE = "phone", _("电话")


class Acceptance(models.TextChoices):
    ACCEPT = "accept", _("受理")
    NOT_ACCEPT = "not_accept", _("不予受理")
    REFER = "refer", _("转送有权处理机关")


class Decision(models.TextChoices):
    """处理意见 (第三十二条第二款)."""

    SUPPORT = "support", _("予以支持")
    EXPLAIN = "explain", _("解释说明")
    NOT_SUPPORT = "not_support", _("不予支持")


class Level(models.TextChoices):
    """Which written answer: the first reply, the review, the re-review."""

    REPLY = "reply", _("处理意见")
    REVIEW = "review", pgettext_lazy("petition", "复查意见")
    RE_REVIEW = "re_review", _("复核意见")


class Stage(models.TextChoices):
    """A statutory clock. Each is an SlaPolicy row (case type "petition") named by a PetitionClock."""

    ACCEPTANCE = "acceptance", _("受理告知")
    HANDLING = "handling", _("办理答复")
    EXTENSION = "extension", _("延长办理期限上限")
    REVIEW_REQUEST = "review_request", _("请求复查期限")
    REVIEW = "review", _("复查答复")
    RE_REVIEW_REQUEST = "re_review_request", _("请求复核期限")
    RE_REVIEW = "re_review", _("复核答复")


class PetitionClock(models.Model):
    """Which SLA policy is a stage's clock. Seeded by migration 0002; a province edits the policy's
    target and unit (or points the stage at another policy of case type "petition")."""

    stage = models.CharField(_("阶段"), max_length=24, choices=Stage.choices, unique=True)
    policy = models.ForeignKey(
        "cases.SlaPolicy",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"case_type": "petition"},
        verbose_name=_("时限规则"),
    )
    article = models.CharField(_("依据条款"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("信访时限")
        verbose_name_plural = _("信访时限")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.policy}"


class Petition(models.Model):
    """What a petition case carries beyond the engine's fields."""

    case = models.OneToOneField(
        "cases.Case",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="petition",
        verbose_name=_("工单"),
    )
    number = models.CharField(_("登记编号"), max_length=30, unique=True)
    form = models.CharField(_("信访形式"), max_length=10, choices=Form.choices)
    request = models.TextField(_("信访请求"))
    facts_and_reasons = models.TextField(_("事实和理由"))
    people_count = models.PositiveIntegerField(_("信访人数"), default=1)
    is_group = models.BooleanField(_("集体访"), default=False, db_index=True)
    repeat_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repeats",
        verbose_name=_("重复信访：原信访事项"),
    )
    # 新的事实和理由: registered although an earlier petition of the same petitioner was re-reviewed.
    new_facts = models.BooleanField(_("新的事实和理由"), default=False)
    new_facts_note = models.TextField(_("新的事实和理由说明"), blank=True)
    # 积案
    is_backlog = models.BooleanField(_("积案"), default=False, db_index=True)
    backlog_since = models.DateTimeField(_("列为积案时间"), null=True, blank=True)
    backlog_note = models.TextField(_("积案说明"), blank=True)
    # 受理 (第二十二、二十三条): the decision and the written notice, given together.
    acceptance = models.CharField(_("受理意见"), max_length=12, choices=Acceptance.choices, blank=True)
    decided_at = models.DateTimeField(_("告知时间"), null=True, blank=True)
    decided_on_time = models.BooleanField(_("按时告知"), null=True, blank=True)
    not_accepted_reason = models.TextField(_("不予受理理由"), blank=True)
    referred_to = models.CharField(_("转送机关"), max_length=200, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    # 延期 (第三十四条)
    extension_days = models.PositiveIntegerField(_("延长天数"), default=0)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    extended_at = models.DateTimeField(_("延期批准时间"), null=True, blank=True)
    extended_due_at = models.DateTimeField(_("延长后的办理期限"), null=True, blank=True)
    # 结案
    settled = models.BooleanField(_("息诉罢访"), null=True, blank=True)

    class Meta:
        verbose_name = _("信访事项")
        verbose_name_plural = _("信访事项")
        ordering = ["-case_id"]

    def __str__(self) -> str:
        return self.number

    def opinion(self, level: str) -> Opinion | None:
        return next((o for o in self.opinions.all() if o.level == level), None)


class Petitioner(models.Model):
    """One petitioner (信访人). Personal data: masked in every list (`petitions.queries`)."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="petitioners", verbose_name=_("信访事项")
    )
    sort = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True, db_index=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=300, blank=True)
    is_representative = models.BooleanField(_("代表"), default=False)

    class Meta:
        verbose_name = _("信访人")
        verbose_name_plural = _("信访人")
        ordering = ["petition_id", "sort", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id}#{self.sort}"


class Opinion(models.Model):
    """A written answer: the 处理意见书 (第三十二条), the 复查意见 (第三十五条) or the 复核意见
    (第三十六条). A review or re-review row is created when the petitioner asks for it and filled
    when it is answered."""

    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        related_name="opinions",
        verbose_name=_("信访事项"),
        db_index=False,
    )
    level = models.CharField(_("类别"), max_length=10, choices=Level.choices)
    requested_at = models.DateTimeField(_("请求/受理时间"))
    request = models.TextField(_("复查/复核请求"), blank=True)
    due_at = models.DateTimeField(_("答复期限"))
    decision = models.CharField(_("处理意见"), max_length=12, choices=Decision.choices, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    basis = models.TextField(_("依据"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    served_on = models.DateField(_("送达日期"), null=True, blank=True)
    on_time = models.BooleanField(_("按期答复"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("答复人"),
    )

    class Meta:
        verbose_name = _("答复意见")
        verbose_name_plural = _("答复意见")
        ordering = ["petition_id", "requested_at", "id"]
        constraints = [models.UniqueConstraint(fields=["petition", "level"], name="petition_opinion_level")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.level}"


# --- Key persons (重点人员"一人一策") ---------------------------------------------------------------


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class ContactMethod(models.TextChoices):
    VISIT = "visit", _("上门走访")
    PHONE = "phone", _("电话联系")
    MEETING = "meeting", _("约谈")
    VIDEO = "video", _("视频联系")
    OTHER = "other", _("其他")


class KeyPerson(models.Model):
    """A person under a key-person plan: who, where, why, how risky, who is responsible, the plan."""

    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=300, blank=True)
    region = models.ForeignKey("territory.Region", on_delete=models.PROTECT, verbose_name=_("所在区域"))
    region_path = models.CharField(max_length=255, editable=False, db_index=True)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices)
    reason = models.TextField(_("列管原因与主要诉求"))
    plan = models.TextField(_("稳控化解措施（一人一策）"))
    cadres = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="key_persons", verbose_name=_("包保责任人")
    )
    petitions = models.ManyToManyField(
        Petition, blank=True, related_name="key_persons", verbose_name=_("相关信访事项")
    )
    is_active = models.BooleanField(_("在管"), default=True)
    listed_at = models.DateTimeField(_("列管时间"), default=timezone.now)
    delisted_at = models.DateTimeField(_("撤销列管时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("重点人员")
        verbose_name_plural = _("重点人员")
        ordering = ["-listed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(is_active=True) & ~Q(id_number=""),
                name="key_person_active_id_number",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class ContactLog(models.Model):
    """One contact with a key person (走访/联系记录). Append-only."""

    person = models.ForeignKey(
        KeyPerson, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("重点人员")
    )
    contacted_at = models.DateTimeField(_("联系时间"))
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("联系人")
    )
    method = models.CharField(_("方式"), max_length=10, choices=ContactMethod.choices)
    content = models.TextField(_("情况"))
    follow_up = models.TextField(_("下步措施"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["person_id", "contacted_at", "id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.contacted_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("ContactLog is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("ContactLog is append-only")


class KeyPersonEvent(models.Model):
    """Audit row of a key-person write: who, when, what (field names only — no personal values)."""

    person = models.ForeignKey(
        KeyPerson, on_delete=models.CASCADE, related_name="events", verbose_name=_("重点人员")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    action = models.CharField(_("动作"), max_length=20)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("重点人员记录")
        verbose_name_plural = _("重点人员记录")
        ordering = ["person_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("KeyPersonEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("KeyPersonEvent is append-only")
