"""Open311 GeoReport v2: the clients that may post requests, what they sent, and extra questions.

A client is an outside application (a citizen app, a WeChat mini-program, a partner platform). It
holds one API key, stored as a SHA-256 hash and shown once, and a dedicated service account: the
`User` its cases are created as (see `services.issue_client`). What a client sent beyond the
case's own fields (email, media URL, device id, answers to extra questions) lives in one
`Open311Request` row per case, which the public GET endpoints never read personal data from.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Open311ClientQuerySet(models.QuerySet["Open311Client"]):
    def active(self) -> Open311ClientQuerySet:
        return self.filter(revoked_at__isnull=True)


class Open311Client(models.Model):
    """An application allowed to POST service requests. Only the key's SHA-256 is stored."""

    PREFIX = "o311_"

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("末四位"), max_length=8, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="open311_client",
        verbose_name=_("服务账号"),
        help_text=_("该客户端提交的工单以此账号登记"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = Open311ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} (…{self.hint})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class Open311Request(models.Model):
    """What an Open311 client sent with a case, beyond the case's own fields. Personal data here
    (email, device and account ids) is never exposed by the public endpoints."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="open311", verbose_name=_("工单")
    )
    client = models.ForeignKey(
        Open311Client, on_delete=models.PROTECT, related_name="requests", verbose_name=_("客户端")
    )
    token = models.CharField(_("令牌"), max_length=40, unique=True, editable=False)
    email = models.EmailField(_("电子邮箱"), blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=1000, blank=True)
    device_id = models.CharField(_("设备标识"), max_length=100, blank=True)
    account_id = models.CharField(_("账号标识"), max_length=100, blank=True)
    address_id = models.CharField(_("地址编号"), max_length=100, blank=True)
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Open311 请求")
        verbose_name_plural = _("Open311 请求")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.client_id}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_hex(16)


class Datatype(models.TextChoices):
    STRING = "string", _("单行文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文本")
    SINGLEVALUELIST = "singlevaluelist", _("单选")
    MULTIVALUELIST = "multivaluelist", _("多选")


LIST_DATATYPES = frozenset({Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST})


class ServiceAttribute(models.Model):
    """An extra question in a service definition, edited by an admin: for one service (category)
    or, with no category, for every service. Answers are kept on the `Open311Request` and added
    to the case description so that the handler sees them. The built-in attributes (title,
    nature, priority, region) are defined in code and map onto the case's own fields."""

    category = models.ForeignKey(
        "cases.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="open311_attributes",
        verbose_name=_("分类"),
        help_text=_("留空：适用于所有服务"),
    )
    code = models.SlugField(_("代码"), max_length=50)
    variable = models.BooleanField(_("需要填写"), default=True, help_text=_("不勾选：仅作说明"))
    datatype = models.CharField(_("类型"), max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(_("必填"), default=False)
    datatype_description = models.CharField(_("填写说明"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=100)
    description = models.CharField(_("问题"), max_length=500)
    values = models.JSONField(
        _("选项"), default=list, blank=True, help_text=_('单选/多选的选项：[{"key": "...", "name": "..."}]')
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Open311 附加问题")
        verbose_name_plural = _("Open311 附加问题")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code"],
                condition=Q(category__isnull=False),
                name="open311_attribute_category_code",
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(category__isnull=True), name="open311_attribute_global_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.description}"

    def clean(self) -> None:
        from zhizhi.open311.attributes import BUILTIN_CODES

        errors: dict[str, Any] = {}
        if self.code in BUILTIN_CODES:
            errors["code"] = f"“{self.code}”是内置属性，请换一个代码"
        else:
            # One code, one question per service: a global code may not repeat a category's one.
            clash = ServiceAttribute.objects.filter(code=self.code).exclude(pk=self.pk)
            clash = clash if self.category_id is None else clash.filter(category__isnull=True)
            if clash.exists():
                errors["code"] = f"代码“{self.code}”已被其他问题使用"
        values = self.values or []
        well_formed = isinstance(values, list) and all(
            isinstance(v, dict) and str(v.get("key", "")).strip() and str(v.get("name", "")).strip()
            for v in values
        )
        if not well_formed:
            errors["values"] = '选项须为 [{"key": "...", "name": "..."}] 的列表'
        elif self.datatype in LIST_DATATYPES and not values:
            errors["values"] = "单选/多选须至少有一个选项"
        elif len({str(v["key"]) for v in values}) != len(values):
            errors["values"] = "选项的 key 不能重复"
        if self.required and not self.variable:
            errors["required"] = "仅作说明的问题不能必填"
        if errors:
            raise ValidationError(errors)


class ServiceListChange(models.Model):
    """When something the service list and the definitions are made of last changed without leaving
    a change time of its own: a deletion (of an extra question, a category, an SLA policy, the town
    or a village: nothing is left to date), or a department or request nature saved (their names
    show in services, and they have no `updated_at`). One row (`ROW`), written by
    `open311.receivers`; the discovery's changeset reads it beside the other rows' `updated_at`."""

    ROW = 1

    at = models.DateTimeField(_("时间"))
    what = models.CharField(_("变更"), max_length=100)

    class Meta:
        verbose_name = _("Open311 服务目录变更")
        verbose_name_plural = _("Open311 服务目录变更")

    def __str__(self) -> str:
        return f"{self.what} @ {self.at:%Y-%m-%d %H:%M}"
