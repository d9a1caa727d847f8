"""The hotline desk (保障热线 / 12345): every call, whether answered on the spot or opened as a case,
and the joint analysis meetings (会商研判) whose decisions are tracked to done.

A call that becomes a case points at it; the case carries the clock (the request nature's limit:
consultation 3, help request 5, complaint 7 working days), the extension rule and the return visit,
on the engine like every other case. The call keeps what the engine does not: that the call came,
who took it, what was asked and, for a consultation, the answer given.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("当场答复")
    CASE = "case", _("转为工单")


class Call(models.Model):
    received_at = models.DateTimeField(_("来电时间"), default=timezone.now, db_index=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("接线员")
    )
    caller_phone = models.CharField(_("来电号码"), max_length=20, blank=True, db_index=True)  # personal data
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)  # personal data
    nature = models.ForeignKey(
        "cases.RequestNature", on_delete=models.PROTECT, related_name="+", verbose_name=_("诉求性质")
    )
    summary = models.TextField(_("来电内容"))
    outcome = models.CharField(_("处理方式"), max_length=16, choices=Outcome.choices)
    answer = models.TextField(_("答复内容"), blank=True)
    case = models.OneToOneField(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_call",
        verbose_name=_("工单"),
    )
    # Where the matter is: the case's region when a case was opened, else what the operator chose
    # (a consultation about a village's matter); empty for a town-wide question.
    region = models.ForeignKey(
        "territory.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("区域"),
    )
    region_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("来电")
        verbose_name_plural = _("来电")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="call_case_iff_outcome_case",
                condition=(
                    models.Q(outcome="case", case__isnull=False)
                    | models.Q(outcome="answered", case__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.received_at):%Y-%m-%d %H:%M} {self.get_outcome_display()}"


class Meeting(models.Model):
    """A joint analysis meeting (会商研判): the cases discussed and the decisions taken."""

    held_on = models.DateField(_("会议日期"), db_index=True)
    title = models.CharField(_("议题"), max_length=200)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    chair = models.CharField(_("主持人"), max_length=50, blank=True)
    attendees = models.TextField(_("参会人员"), help_text=_("每行一人或一个单位"))
    summary = models.TextField(_("研判情况"), blank=True)
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="+", verbose_name=_("研判工单"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("会商研判")
        verbose_name_plural = _("会商研判")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class Decision(models.Model):
    """One decision of a meeting, with its owner and deadline, tracked to done."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("会议")
    )
    text = models.TextField(_("议定事项"))
    owner_department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任部门")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人"),
    )
    due_on = models.DateField(_("完成时限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("完成情况"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
