"""KPI definitions — the one place that says what each figure counts.

A KPI is a numerator and, for a rate, a denominator; each is a set of
`cases.queries.WorkbenchFilter` field values. A figure is the KPI evaluated on a base queryset
(a user's visible cases on the dashboard; all cases of a territory in the annual report) for a
region subtree and a period:

* **region** — a region code; the figure counts cases filed anywhere in its subtree.
* **period** — local (Asia/Shanghai) dates, both ends included, on the date the case was
  *received*: a KPI is about the cohort of cases received in the period ("of the cases received
  in March, how many were resolved on time"). KPIs with ``uses_period=False`` describe the present
  (what is overdue now) and ignore the period.

`querystring()` turns a KPI part + region + period into the parameters of the workbench case
list (`/cases/?…`). The list applies the same filter through the same function
(`queries.apply_workbench`) to the same base (the user's visible cases), so the list a figure
links to always counts exactly the figure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zhizhi.cases.models import Case, Satisfaction
from zhizhi.cases.queries import WorkbenchFilter, apply_workbench, count_each

Part = Literal["numerator", "denominator"]

# URL parameter for each filter field whose name differs (the API calls case_type "type").
PARAM_NAMES: dict[str, str] = {"case_type": "type"}


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("period start after end")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start.isoformat()} ~ {self.end.isoformat()}"


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str | Promise  # Chinese msgid (translated lazily), as on the dashboard and in the report
    numerator: Mapping[str, Any]
    denominator: Mapping[str, Any] | None = None  # None: a count, not a rate
    uses_period: bool = True
    definition: str | Promise = ""  # one sentence: what is counted
    numerator_label: str | Promise = ""
    denominator_label: str | Promise = ""
    higher_is_better: bool = True

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None

    def part(self, part: Part) -> Mapping[str, Any]:
        if part == "numerator":
            return self.numerator
        if self.denominator is None:
            raise ValueError(f"{self.key} is a count: it has no denominator")
        return self.denominator


_SATISFIED = f"{Satisfaction.SATISFIED},{Satisfaction.BASICALLY_SATISFIED}"

KPIS: tuple[Kpi, ...] = (
    Kpi(
        key="intake",
        label=_("受理量"),
        numerator={},
        definition=_("期间内受理的工单数"),
    ),
    Kpi(
        key="open",
        label=_("在办"),
        numerator={"open": True},
        definition=_("期间内受理、目前仍在办理中的工单数"),
        higher_is_better=False,
    ),
    Kpi(
        key="resolved",
        label=_("办结量"),
        numerator={"resolved": True},
        definition=_("期间内受理、已办结（含已归档）的工单数"),
    ),
    Kpi(
        key="on_time_rate",
        label=_("按时办结率"),
        numerator={"resolved": True, "on_time": True},
        denominator={"resolved": True},
        definition=_("在办结期限内办结的工单 ÷ 已办结的工单（期间内受理）"),
        numerator_label=_("按时办结"),
        denominator_label=_("已办结"),
    ),
    Kpi(
        key="satisfaction_rate",
        label=_("满意率"),
        numerator={"visit_reached": True, "satisfaction": _SATISFIED},
        denominator={"visit_reached": True},
        definition=_("回访满意与基本满意 ÷ 回访联系上的工单（期间内受理）"),
        numerator_label=_("满意+基本满意"),
        denominator_label=_("回访联系上"),
    ),
    Kpi(
        key="return_rate",
        label=_("退单率"),
        numerator={"returned": True},
        denominator={"dispatched": True},
        definition=_("被承办单位退回过的工单 ÷ 已派单的工单（期间内受理）"),
        numerator_label=_("退单"),
        denominator_label=_("已派单"),
        higher_is_better=False,
    ),
    Kpi(
        key="reopened",
        label=_("重办件数"),
        numerator={"reopened": True},
        definition=_("回访不满意后重办过的工单数（期间内受理）"),
        higher_is_better=False,
    ),
    Kpi(
        key="supervised",
        label=_("督办件数"),
        numerator={"supervised": True},
        definition=_("被督办过的工单数（期间内受理）"),
        higher_is_better=False,
    ),
    Kpi(
        key="overdue",
        label=_("当前超期"),
        numerator={"overdue": True},
        uses_period=False,
        definition=_("此刻仍在办理且已过办结期限的工单数（不限受理期间，挂起的不计）"),
        higher_is_better=False,
    ),
)
BY_KEY: dict[str, Kpi] = {k.key: k for k in KPIS}
FILTER_FIELDS = frozenset(f.name for f in dataclasses.fields(WorkbenchFilter))
for _k in KPIS:  # a typo in a definition fails at import, not on a dashboard
    for _part in (_k.numerator, _k.denominator or {}):
        _unknown = set(_part) - FILTER_FIELDS
        if _unknown:
            raise ValueError(f"KPI {_k.key}: unknown filter fields {sorted(_unknown)}")


def case_filter(
    criteria: Mapping[str, Any],
    *,
    region: str | None = None,
    period: Period | None = None,
    uses_period: bool = True,
    **extra: Any,
) -> WorkbenchFilter:
    """The list filter for some criteria within a region subtree and a period."""
    values: dict[str, Any] = {**criteria, **extra}
    if region:
        values["region"] = region
    if period is not None and uses_period:
        values.setdefault("received_from", period.start)
        values.setdefault("received_to", period.end)
    return WorkbenchFilter(**values)


def filter_for(
    kpi: Kpi,
    part: Part = "numerator",
    *,
    region: str | None = None,
    period: Period | None = None,
    **extra: Any,
) -> WorkbenchFilter:
    return case_filter(kpi.part(part), region=region, period=period, uses_period=kpi.uses_period, **extra)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def to_params(f: WorkbenchFilter) -> dict[str, str]:
    """The case-list URL parameters that reproduce this filter (empty fields left out)."""
    out: dict[str, str] = {}
    for fld in dataclasses.fields(f):
        value = getattr(f, fld.name)
        if value is None or value == "":
            continue
        out[PARAM_NAMES.get(fld.name, fld.name)] = _param(value)
    return out


def encode(f: WorkbenchFilter) -> str:
    return urlencode(to_params(f))


def querystring(
    kpi: Kpi,
    part: Part = "numerator",
    *,
    region: str | None = None,
    period: Period | None = None,
    **extra: Any,
) -> str:
    """The case-list querystring (without "?") of a KPI's numerator or denominator."""
    return encode(filter_for(kpi, part, region=region, period=period, **extra))


@dataclass(frozen=True)
class Figure:
    kpi: Kpi
    numerator: int
    denominator: int | None
    numerator_query: str
    denominator_query: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        if self.denominator is None or self.denominator == 0:
            return None
        return self.numerator / self.denominator

    @property
    def percent(self) -> str:
        """'96.4%', or '—' for a rate with nothing to divide by, or the count itself."""
        if not self.kpi.is_rate:
            return str(self.numerator)
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


def count(
    base: QuerySet[Case], f: WorkbenchFilter, *, now: datetime | None = None
) -> int:  # the same function the list uses
    return apply_workbench(base, f, now=now).count()


def evaluate_all(
    base: QuerySet[Case],
    *,
    region: str | None = None,
    period: Period | None = None,
    keys: Iterable[str] | None = None,
    now: datetime | None = None,
) -> list[Figure]:
    """The figures of `keys` (all KPIs) on `base`: each part equals `count` of its filter (the list's
    count), counted in one pass over the cases per period — the KPIs of the period share one scan,
    those about the present (overdue) another (`cases.queries.count_each`)."""
    chosen = [BY_KEY[k] for k in keys] if keys is not None else list(KPIS)
    now = now or timezone.now()
    parts = [
        (
            kpi,
            filter_for(kpi, "numerator", region=region, period=period),
            filter_for(kpi, "denominator", region=region, period=period) if kpi.is_rate else None,
        )
        for kpi in chosen
    ]
    by_period: dict[tuple[date | None, date | None], list[WorkbenchFilter]] = {}
    for _kpi, num, den in parts:
        for f in (num, den):
            if f is not None:
                by_period.setdefault((f.received_from, f.received_to), []).append(f)
    counted: dict[int, int] = {}  # by id() of each filter above
    for filters in by_period.values():
        counted.update(zip(map(id, filters), count_each(base, filters, now=now), strict=True))
    return [
        Figure(
            kpi=kpi,
            numerator=counted[id(num)],
            denominator=counted[id(den)] if den is not None else None,
            numerator_query=encode(num),
            denominator_query=encode(den) if den is not None else None,
        )
        for kpi, num, den in parts
    ]
