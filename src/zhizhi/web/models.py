"""The workbench's own records: photos attached to cases, and background jobs with progress."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaseAttachment(models.Model):
    """A photo attached to a case. Stored under MEDIA_ROOT with a random name; served only through
    the workbench after a scope check (never as a public media URL)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="attachments", verbose_name=_("工单")
    )
    file = models.FileField(_("文件"), upload_to="attachments/%Y/%m/", max_length=200)
    content_type = models.CharField(_("类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小(字节)"))
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工单附件")
        verbose_name_plural = _("工单附件")
        ordering = ["case_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.original_name or self.file.name}"


class JobStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Job(models.Model):
    """A long operation (a large export, a territory import) run in the background, with its
    progress. The page that started it polls `/jobs/<id>/`; what it produced (a file, a plan, a
    result) is shown there to the user who started it, and to nobody else."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类型"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("发起人"),
        db_index=False,
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    file_path = models.CharField(_("文件"), max_length=300, blank=True)
    file_name = models.CharField(_("下载文件名"), max_length=200, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"], name="web_job_user_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(99, int(self.done * 100 / self.total)) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
