"""Service definitions: the attributes a client may send with `attribute[code]=value`.

Every service has the built-in attributes below, which map onto the case's own fields
(`CaseInput.title`, `.nature`, `.priority`, `.region`); an admin may add questions of any
GeoReport datatype (`ServiceAttribute`), for one service or for all. `clean()` checks what a
client sent against the definition: missing required answers, values outside a list, malformed
numbers and dates are all a `ValidationFailed` (HTTP 400); codes it does not ask are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Q

from zhizhi.cases.models import Category, Priority, RequestNature
from zhizhi.cases.services import MAX_TITLE
from zhizhi.core.errors import ValidationFailed
from zhizhi.open311.models import LIST_DATATYPES, Datatype, ServiceAttribute
from zhizhi.territory.models import Level, Region

# Request natures (诉求性质) a member of the public may choose; 表扬 (praise) is not a report.
PUBLIC_NATURES = ("consultation", "help_request", "complaint", "report", "suggestion")
BUILTIN_CODES = frozenset({"title", "nature", "priority", "region"})
MAX_STRING = 200
MAX_TEXT = 2000


@dataclass(frozen=True)
class Value:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    description: str
    datatype_description: str = ""
    variable: bool = True
    values: tuple[Value, ...] = ()
    max_length: int = MAX_STRING
    builtin: bool = False

    def value_names(self) -> dict[str, str]:
        return {v.key: v.name for v in self.values}


def _builtin() -> list[Attribute]:
    natures = {n.code: n.name for n in RequestNature.objects.filter(code__in=PUBLIC_NATURES)}
    regions = Region.objects.active().at_level(Level.VILLAGE).select_related("parent").order_by("path")
    return [
        Attribute(
            code="title",
            datatype=Datatype.STRING,
            required=False,
            description="标题：一句话概括问题（不填则取描述的第一行）",
            datatype_description=f"不超过 {MAX_TITLE} 个字符",
            max_length=MAX_TITLE,
            builtin=True,
        ),
        Attribute(
            code="nature",
            datatype=Datatype.SINGLEVALUELIST,
            required=False,
            description="诉求性质：咨询、求助、投诉、举报或建议（影响办理时限）",
            values=tuple(Value(code, natures[code]) for code in PUBLIC_NATURES if code in natures),
            builtin=True,
        ),
        Attribute(
            code="priority",
            datatype=Datatype.SINGLEVALUELIST,
            required=False,
            description="紧急程度：危及人身财产安全的选“紧急”（24 小时内办结）",
            values=tuple(Value(str(v), str(label)) for v, label in Priority.choices),
            builtin=True,
        ),
        Attribute(
            code="region",
            datatype=Datatype.SINGLEVALUELIST,
            required=False,
            description="所在村（社区）：不提供 lat/long 时据此安置；不选则按地址中的村名，或由调度员按地址派单",
            datatype_description="村（社区）的 12 位统计用区划代码",
            values=tuple(Value(r.code, f"{r.parent.name}{r.name}" if r.parent else r.name) for r in regions),
            builtin=True,
        ),
    ]


def _custom(row: ServiceAttribute) -> Attribute:
    return Attribute(
        code=row.code,
        datatype=row.datatype,
        required=row.required and row.variable,
        description=row.description,
        datatype_description=row.datatype_description,
        variable=row.variable,
        values=tuple(Value(str(v["key"]), str(v["name"])) for v in row.values or []),
        max_length=MAX_TEXT if row.datatype == Datatype.TEXT else MAX_STRING,
    )


def definition(category: Category) -> list[Attribute]:
    """The service's attributes in presentation order (built-in first, then the admin's)."""
    rows = ServiceAttribute.objects.filter(Q(category__isnull=True) | Q(category=category), is_active=True)
    custom = [_custom(r) for r in rows.order_by("order", "code", "id") if r.code not in BUILTIN_CODES]
    return _builtin() + custom


Answer = str | list[str]


def _one(attr: Attribute, values: list[str]) -> str:
    if len(values) > 1:
        raise ValidationFailed(
            "invalid_attribute", f"attribute[{attr.code}] 只能填写一个值", field=f"attribute[{attr.code}]"
        )
    return values[0]


def _check(attr: Attribute, values: list[str]) -> Answer:
    name = f"attribute[{attr.code}]"
    if attr.datatype == Datatype.MULTIVALUELIST:
        keys = attr.value_names()
        bad = [v for v in values if v not in keys]
        if bad:
            raise ValidationFailed(
                "invalid_attribute",
                f"{name} 的取值无效：{', '.join(bad)}（可选：{', '.join(keys)}）",
                field=name,
            )
        return list(dict.fromkeys(values))
    value = _one(attr, values)
    if attr.datatype == Datatype.SINGLEVALUELIST:
        keys = attr.value_names()
        if value not in keys:
            shown = ", ".join(list(keys)[:20]) + ("…" if len(keys) > 20 else "")
            raise ValidationFailed(
                "invalid_attribute", f"{name} 的取值无效：{value}（可选：{shown}）", field=name
            )
        return value
    if attr.datatype == Datatype.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValidationFailed("invalid_attribute", f"{name} 须为数字", field=name) from None
        if not number.is_finite() or not math.isfinite(float(number)):
            raise ValidationFailed("invalid_attribute", f"{name} 须为有限的数字", field=name)
        return value
    if attr.datatype == Datatype.DATETIME:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(
                "invalid_attribute",
                f"{name} 须为 ISO 8601 日期时间，如 2024-03-04T09:00:00+08:00",
                field=name,
            ) from None
        return value
    if attr.datatype == Datatype.STRING and ("\n" in value or "\r" in value):
        raise ValidationFailed("invalid_attribute", f"{name} 不能包含换行", field=name)
    if len(value) > attr.max_length:
        raise ValidationFailed(
            "too_long", f"{name} 不能超过 {attr.max_length} 个字符（当前 {len(value)}）", field=name
        )
    return value


def clean(attrs: list[Attribute], submitted: Mapping[str, list[str]]) -> dict[str, Answer]:
    """The answers, checked against the definition. Empty values count as not sent. Codes the
    definition does not ask (a question removed or made informational since the client cached the
    definition, as FixMyStreet does) are ignored: a resident's report is not refused for answering
    a question the town no longer asks, and a queued report would otherwise fail on every retry."""
    answers: dict[str, Answer] = {}
    for attr in attrs:
        if not attr.variable:
            continue
        values = [v.strip() for v in submitted.get(attr.code, []) if v.strip()]
        if not values:
            if attr.required:
                raise ValidationFailed(
                    "missing_attribute",
                    f"请填写 attribute[{attr.code}]（{attr.description}）",
                    field=f"attribute[{attr.code}]",
                )
            continue
        answers[attr.code] = _check(attr, values)
    return answers


def describe(attrs: list[Attribute], answers: Mapping[str, Answer]) -> str:
    """The answers to the admin's extra questions, as lines for the case description."""
    lines = []
    for attr in attrs:
        if attr.builtin or attr.code not in answers:
            continue
        answer = answers[attr.code]
        names = attr.value_names()
        shown = (
            "、".join(names.get(v, v) for v in answer)
            if isinstance(answer, list)
            else names.get(answer, answer)
            if attr.datatype in LIST_DATATYPES
            else answer
        )
        lines.append(f"{attr.description}：{shown}")
    return "\n".join(lines)
