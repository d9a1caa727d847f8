"""The case engine's records: categories, request natures, SLA policies, cases and their timeline."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    SUSPENDED = "suspended", _("已挂起")
    RETURNED = "returned", _("已退回")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已归档")
    MERGED = "merged", _("已合并")


# The base workflow's open and done states. A type may have states of its own: code that must hold
# for every registered type uses `cases.types.open_states()` / `running_states()` instead.
OPEN_STATUSES = frozenset(
    {
        Status.RECEIVED,
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.SUSPENDED,
        Status.RETURNED,
    }
)
DONE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


class Channel(models.TextChoices):
    GRID_PATROL = "grid_patrol", _("网格巡查")
    HOTLINE = "hotline", _("热线")
    WALK_IN = "walk_in", _("来访")
    ONLINE = "online", _("网上")
    INSPECTION = "inspection", _("检查")
    TRANSFER = "transfer", _("上级转办")


class Priority(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class SlaUnit(models.TextChoices):
    DAYS = "days", _("自然日")
    WORKING_DAYS = "working_days", _("工作日")
    HOURS = "hours", _("小时")


class Category(models.Model):
    """Two-level event taxonomy: a class (parent is null) and its subclasses."""

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("大类"),
    )
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("责任部门")
    )
    accepts_public_reports = models.BooleanField(_("接受群众上报"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    # When the row last changed: the Open311 discovery's changeset follows it, so that clients
    # refresh their service lists (rows that predate the field carry the release date).
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("事件分类")
        verbose_name_plural = _("事件分类")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name}/{self.name}" if self.parent_id and self.parent else self.name

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None


class RequestNature(models.Model):
    """诉求性质 (consultation, help request, complaint, ...), stored apart from the category."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求性质")
        verbose_name_plural = _("诉求性质")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """A time limit that applies to every case matching all of its non-empty fields.

    A case's resolution due time is the earliest of the limits of all matching policies, so a
    category limit and a request-nature limit combine as "the shorter of the two".
    """

    name = models.CharField(_("名称"), max_length=100)
    case_type = models.CharField(_("工单类型"), max_length=40, default="event")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("分类"), related_name="+"
    )
    nature = models.ForeignKey(
        RequestNature,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name=_("诉求性质"),
        related_name="+",
    )
    priority = models.CharField(_("优先级"), max_length=16, choices=Priority.choices, blank=True)
    target = models.PositiveIntegerField(_("办理时限"))
    unit = models.CharField(_("单位"), max_length=16, choices=SlaUnit.choices, default=SlaUnit.WORKING_DAYS)
    response_target = models.PositiveIntegerField(_("签收时限"), null=True, blank=True)
    response_unit = models.CharField(
        _("签收时限单位"), max_length=16, choices=SlaUnit.choices, default=SlaUnit.WORKING_DAYS
    )
    pausing_states = models.JSONField(_("暂停计时状态"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)  # as Category.updated_at

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["case_type", "name"]

    def __str__(self) -> str:
        return f"{self.name}: {self.target} {self.get_unit_display()}"


class Case(models.Model):
    case_type = models.CharField(_("工单类型"), max_length=40, default="event")
    channel = models.CharField(_("来源"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        verbose_name=_("分类"),
        related_name="cases",
        db_index=False,
    )
    nature = models.ForeignKey(
        RequestNature, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("诉求性质")
    )
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"), blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    region = models.ForeignKey("territory.Region", on_delete=models.PROTECT, verbose_name=_("区域"))
    region_path = models.CharField(max_length=255, editable=False)
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    priority = models.CharField(_("优先级"), max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("承办部门"),
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        verbose_name=_("承办人"),
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_cases",
        verbose_name=_("登记人"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
        verbose_name=_("合并至"),
    )

    # Clock. received_at is when the matter was received; clock_started_at restarts on reopen.
    received_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    clock_started_at = models.DateTimeField(_("计时起点"), default=timezone.now)
    sla_policy = models.ForeignKey(
        SlaPolicy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("时限规则"),
    )
    sla_target = models.PositiveIntegerField(_("办理时限"), default=5)
    sla_unit = models.CharField(
        _("时限单位"), max_length=16, choices=SlaUnit.choices, default=SlaUnit.WORKING_DAYS
    )
    response_due_at = models.DateTimeField(_("签收期限"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结期限"))
    due_provisional = models.BooleanField(_("期限待定"), default=False)
    paused_seconds = models.PositiveIntegerField(_("暂停时长(秒)"), default=0)
    paused_at = models.DateTimeField(_("暂停开始"), null=True, blank=True)
    extension_days = models.PositiveIntegerField(_("已延期(工作日)"), default=0)
    extension_requested_days = models.PositiveIntegerField(_("申请延期(工作日)"), null=True, blank=True)
    is_overdue = models.BooleanField(_("已超期"), default=False)
    is_due_soon = models.BooleanField(_("即将到期"), default=False)
    response_breached = models.BooleanField(_("签收超时"), default=False)

    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始办理"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    resolved_on_time = models.BooleanField(_("按时办结"), null=True, blank=True)

    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    visit_reached = models.BooleanField(_("回访联系上"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=24, choices=Satisfaction.choices, blank=True)

    supervision_count = models.PositiveIntegerField(_("督办次数"), default=0)
    return_count = models.PositiveIntegerField(_("退回次数"), default=0)
    reopen_count = models.PositiveIntegerField(_("重办次数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-received_at", "-id"]
        # The foreign keys that a composite index below leads with (category, department, assignee)
        # have no index of their own: it would serve no query the composite does not, and every
        # insert would write it (tests/core/test_indexes.py).
        indexes = [
            # Open and overdue lists filter by status and due date, then by the user's scope: on
            # PostgreSQL the scope's columns ride along (INCLUDE), so those rows are filtered and
            # ordered from the index alone (docs/benchmarks.md; other databases ignore INCLUDE).
            models.Index(
                fields=["status", "due_at"],
                name="case_status_due_scope",
                include=["region_path", "assignee", "created_by", "received_at", "id"],
            ),
            # Subtree filters are `region_path LIKE '/…/%'`: on PostgreSQL only a pattern_ops index
            # serves a prefix LIKE under a non-C collation (other databases ignore opclasses).
            models.Index(
                fields=["region_path", "status"],
                name="case_region_path_status",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["received_at", "id"], name="case_received"),
            models.Index(fields=["department", "status"], name="case_dept_status"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            # A category's cases by date (its lists), and the duplicate search of each create: the
            # same category, the last days, a box around the point — compared in the index, so that
            # only the cases in the box are read from the table (docs/benchmarks.md, fix 24).
            models.Index(fields=["category", "received_at", "lon", "lat"], name="case_category_point"),
            models.Index(fields=["channel", "received_at"], name="case_channel_received"),
            # Looked up by equality only: declared here rather than with db_index=True, which on
            # PostgreSQL adds a second, LIKE-prefix index to a text field that no query uses.
            models.Index(fields=["case_type"], name="case_type"),
            models.Index(fields=["reporter_phone"], name="case_reporter_phone"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        """In one of its workflow's open states (the union over the registered workflows)."""
        from zhizhi.cases.types import open_states

        return self.status in open_states()


class CaseEvent(models.Model):
    """One line of a case's timeline. Append-only: written in the transaction of the change."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("工单"), db_index=False
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("操作人")
    )
    action = models.CharField(_("动作"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")
        ordering = ["case_id", "at", "id"]
        indexes = [models.Index(fields=["case", "at", "id"], name="caseevent_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_status}->{self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("CaseEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("CaseEvent is append-only")


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key for a create: a replay returns the same case, never a second one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.key} → {self.case_id}"
