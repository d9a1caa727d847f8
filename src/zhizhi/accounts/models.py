"""Staff, departments, roles and API tokens.

A user has one role and a scope: region subtrees and/or departments. What a user may see and do
is answered only by `zhizhi.accounts.scope`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from functools import cache

from django.contrib.auth.models import AbstractUser
from django.db import connection, connections, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhizhi.core.prepared import rows


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    VILLAGE_CADRE = "village_cadre", _("村社干部")
    DISPATCHER = "dispatcher", _("调度员")
    HANDLER = "handler", _("承办人")
    HOTLINE_OPERATOR = "hotline_operator", _("热线话务员")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("管理员")


class Department(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        "territory.Region", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所属区域")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.GRID_WORKER)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    regions = models.ManyToManyField(
        "territory.Region", blank=True, related_name="staff", verbose_name=_("负责区域")
    )
    departments = models.ManyToManyField(
        Department, blank=True, related_name="staff", verbose_name=_("所属部门")
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.display_name or self.username


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 is stored; the raw token is shown once."""

    PREFIX = "zz_"

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("人员")
    )
    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("末四位"), max_length=8, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} (…{self.hint})"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=_hash_token(raw), hint=raw[-4:])
        return token, raw

    @classmethod
    def lookup(cls, raw: str, *, used_since: datetime) -> User | None:
        """The active user holding this unrevoked token, or None. One query written out and prepared
        once per connection (`core.prepared`): every API request runs it, and compiling the
        token-and-user join, then planning it, cost more than running it. The user carries
        `token_id`, `token_used_since` (whether the token was last used at or after `used_since`,
        compared in SQL, so that SQLite's text times need no converting) and, where the database
        can gather them in the same query (PostgreSQL, SQLite), `memberships`: the paths of the
        user's regions and the ids of their departments, which `scope` would otherwise read in a
        query of its own on nearly every request. The user's columns are named, not `u.*`, so that a
        column added by a later migration does not change the prepared statement's result."""
        sql, attnames, gathered = _lookup_statement(connection.alias)
        found = rows(
            User,
            sql,
            [connection.ops.adapt_datetimefield_value(used_since), _hash_token(raw), True],
            attnames,
            using=connection.alias,
        )
        if not found:
            return None
        found_user, (token_id, used, *memberships) = found[0]
        found_user.token_id, found_user.token_used_since = token_id, bool(used)  # type: ignore[attr-defined]
        if gathered == "array":
            paths, departments = memberships
            found_user.memberships = (list(paths), list(departments))  # type: ignore[attr-defined]
        elif gathered == "json":
            paths, departments = (json.loads(m) for m in memberships)
            found_user.memberships = (paths, departments)  # type: ignore[attr-defined]
        return found_user


@cache
def _lookup_statement(alias: str) -> tuple[str, tuple[str, ...], str]:
    """The token check's text on this database (names from the models), the user's fields it reads,
    in order, and how it gathers the user's memberships ("array" on PostgreSQL, "json" on SQLite,
    "" where it does not): built once."""
    conn = connections[alias]
    q = conn.ops.quote_name
    fields = User._meta.concrete_fields
    columns = ", ".join(f"u.{q(f.column)}" for f in fields)
    through_r, through_d = q(User.regions.through._meta.db_table), q(User.departments.through._meta.db_table)
    region = q(User.regions.field.related_model._meta.db_table)  # type: ignore[union-attr]
    lists = (  # (what, from where) of each list the query gathers for the user
        ("r.path", f"FROM {region} r JOIN {through_r} ur ON ur.region_id = r.id WHERE ur.user_id = u.id"),
        ("ud.department_id", f"FROM {through_d} ud WHERE ud.user_id = u.id"),
    )
    gathered = {"postgresql": "array", "sqlite": "json"}.get(conn.vendor, "")
    memberships = "".join(
        f", ARRAY(SELECT {what} {rest})"
        if gathered == "array"
        else f", (SELECT json_group_array({what}) {rest})"
        for what, rest in (lists if gathered else ())
    )
    sql = (
        f"SELECT {columns}, t.id, "  # noqa: S608 - names from the models
        f"CASE WHEN t.last_used_at >= %s THEN 1 ELSE 0 END{memberships} "
        f"FROM {q(ApiToken._meta.db_table)} t JOIN {q(User._meta.db_table)} u ON u.id = t.user_id "
        "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s"
    )
    return sql, tuple(f.attname for f in fields), gathered


class PersonalDataAccess(models.Model):
    """Who saw which record's personal data in full, when, and why."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, verbose_name=_("人员"))
    object_type = models.CharField(_("对象类型"), max_length=50)
    object_id = models.CharField(_("对象"), max_length=40)
    fields = models.CharField(_("字段"), max_length=200)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.object_type}:{self.object_id} {self.at:%Y-%m-%d %H:%M}"
