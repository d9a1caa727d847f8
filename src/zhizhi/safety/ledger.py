"""The hazard ledger (隐患台账) and the "never inspected" list, as rows and as .xlsx.

Both read through `figures`, so the ledger of a region and year lists exactly the hazards that
`hazards_found` counts, and the never-inspected list exactly the organisations `never_inspected`
counts. Neither contains personal data (legal representatives and phones are not columns).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from zhizhi.accounts.models import User
from zhizhi.cases.models import Case
from zhizhi.safety import figures
from zhizhi.safety.importer import KIND_LABELS, write_xlsx
from zhizhi.safety.models import InspectionKind, Organisation
from zhizhi.safety.workflow import state_label

LEDGER_HEADER = [
    "编号", "发现时间", "单位名称", "统一社会信用代码", "单位类型", "单位状态", "区域", "区域代码", "专委会",
    "隐患类别", "隐患等级", "隐患描述", "依据", "检查时间", "检查人", "计划/专项行动", "整改通知书编号",
    "整改期限", "状态", "整改完成时间", "复查时间", "复查意见", "复查合格时间", "是否超期", "挂牌督办",
    "治理时限", "销号时间",
]  # fmt: skip
NEVER_INSPECTED_HEADER = [
    "统一社会信用代码", "名称", "类型", "场所类型", "区域", "区域代码", "专委会", "风险等级", "状态", "最近一次检查",
]  # fmt: skip


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: the local (Asia/Shanghai) wall-clock time.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def overdue_label(case: Case, at: datetime) -> str:
    detail = case.hazard
    if detail.verified_at is not None and detail.verified_at <= at:
        return "否" if case.resolved_on_time else "逾期整改"
    return "是" if case.due_at < at else "否"


def ledger_cases(f: figures.FigureFilter, user: User | None = None) -> Any:
    return (
        figures.drill("hazards_found", f, user)
        .select_related(
            "category",
            "region",
            "hazard",
            "hazard__organisation",
            "hazard__organisation__committee",
            "hazard__inspection",
            "hazard__inspection__inspector",
            "hazard__inspection__campaign",
        )
        .order_by("received_at", "id")
    )


def ledger_rows(f: figures.FigureFilter, user: User | None = None) -> Iterator[list[Any]]:
    """The header, then one row per hazard found in the filter's period."""
    yield list(LEDGER_HEADER)
    at = f.moment()
    for case in ledger_cases(f, user).iterator(chunk_size=1000):
        d = case.hazard
        org = d.organisation
        insp = d.inspection
        yield [
            case.pk,
            _local(case.received_at),
            org.name,
            org.uscc,
            KIND_LABELS[org.kind],
            org.get_status_display(),
            case.region.name,
            case.region.code,
            org.committee.name if org.committee else "",
            case.category.name,
            d.get_grade_display(),
            case.description,
            d.legal_basis,
            _local(insp.inspected_at) if insp else None,
            str(insp.inspector) if insp else "",
            insp.campaign.name if insp and insp.campaign else "",
            d.notice_no,
            _local(case.due_at),
            state_label(case.status),
            _local(d.rectified_at),
            _local(d.reinspected_at),
            d.reinspection_result,
            _local(d.verified_at),
            overdue_label(case, at),
            "是" if d.listed_at else "",
            d.plan_deadline,
            _local(case.closed_at),
        ]


def export_ledger(path: str | os.PathLike[str], f: figures.FigureFilter, user: User | None = None) -> int:
    return write_xlsx(path, "隐患台账", ledger_rows(f, user))


def never_inspected(f: figures.FigureFilter, user: User | None = None) -> Any:
    """Listed organisations with no check in the period, with the date of their last check ever."""
    return (
        figures.drill("never_inspected", f, user)
        .select_related("region", "committee")
        .annotate(
            last_checked=Max("inspections__inspected_at", filter=Q(inspections__kind=InspectionKind.CHECK))
        )
        .order_by("region_path", "name", "id")
    )


def never_inspected_rows(f: figures.FigureFilter, user: User | None = None) -> Iterator[list[Any]]:
    yield list(NEVER_INSPECTED_HEADER)
    org: Organisation
    for org in never_inspected(f, user).iterator(chunk_size=1000):
        last = getattr(org, "last_checked", None)
        yield [
            org.uscc,
            org.name,
            KIND_LABELS[org.kind],
            org.get_venue_display() if org.venue else "",
            org.region.name,
            org.region.code,
            org.committee.name if org.committee else "",
            org.get_risk_level_display() if org.risk_level else "",
            org.get_status_display(),
            timezone.localtime(last).date().isoformat() if last else "从未检查",
        ]
