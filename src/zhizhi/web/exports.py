"""Excel exports of the case list: exactly the filtered list, personal data masked.

Up to `ZHIZHI_EXPORT_SYNC_LIMIT` rows the workbook is written to a temporary file and streamed
back in the response. Larger exports become a background `Job` (`web.jobs`) that writes
`<ZHIZHI_EXPORT_DIR>/<job id>.xlsx` and records its progress; the page polls the job and offers
the download when it is done. The thread re-reads the list as the user who asked for it, so the
export can never contain more than that user's list.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from zhizhi.accounts.models import User
from zhizhi.cases import types
from zhizhi.cases.models import Case, Channel, Priority, Satisfaction
from zhizhi.cases.queries import workbench_list
from zhizhi.core.personal import mask_address, mask_name, mask_phone
from zhizhi.web import filters, jobs
from zhizhi.web.models import Job

KIND = "cases_xlsx"
PROGRESS_EVERY = 500

RELATED = ("category", "category__parent", "nature", "region", "department", "assignee")


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: write the local (Asia/Shanghai) wall-clock time.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


COLUMNS: list[tuple[str, int, Callable[[Case, datetime], Any]]] = [
    ("编号", 8, lambda c, now: c.pk),
    ("标题", 40, lambda c, now: c.title),
    ("状态", 8, lambda c, now: types.status_label(c.case_type, c.status)),
    ("来源", 8, lambda c, now: str(Channel(c.channel).label)),
    ("大类", 14, lambda c, now: c.category.parent.name if c.category.parent else c.category.name),
    ("小类", 18, lambda c, now: c.category.name),
    ("诉求性质", 8, lambda c, now: c.nature.name if c.nature else ""),
    ("区域", 18, lambda c, now: c.region.name),
    ("区域代码", 18, lambda c, now: c.region.code),
    ("地址", 24, lambda c, now: mask_address(c.address)),
    ("反映人", 8, lambda c, now: mask_name(c.reporter_name)),
    ("联系电话", 14, lambda c, now: mask_phone(c.reporter_phone)),
    ("优先级", 6, lambda c, now: str(Priority(c.priority).label)),
    ("承办部门", 16, lambda c, now: c.department.name if c.department else ""),
    ("承办人", 10, lambda c, now: str(c.assignee) if c.assignee else ""),
    ("受理时间", 18, lambda c, now: _local(c.received_at)),
    ("办结期限", 18, lambda c, now: _local(c.due_at)),
    (
        "超期",
        6,
        lambda c, now: _yes_no(c.status in types.running_states() and c.due_at < now),
    ),
    ("办结时间", 18, lambda c, now: _local(c.resolved_at)),
    ("按时办结", 8, lambda c, now: _yes_no(c.resolved_on_time) if c.resolved_at else ""),
    ("回访联系上", 8, lambda c, now: _yes_no(c.visit_reached)),
    ("满意度", 10, lambda c, now: str(Satisfaction(c.satisfaction).label) if c.satisfaction else ""),
    ("督办次数", 8, lambda c, now: c.supervision_count),
    ("退单次数", 8, lambda c, now: c.return_count),
    ("重办次数", 8, lambda c, now: c.reopen_count),
]
DATE_FORMAT = "yyyy-mm-dd hh:mm"


def cases_for(user: User, params: dict[str, str]) -> QuerySet[Case]:
    """The list an export writes: the same parse and the same query as the list page."""
    parsed = filters.parse(params)
    if parsed.errors:
        from zhizhi.core.errors import ValidationFailed

        raise ValidationFailed("invalid_filter", "；".join(parsed.errors))
    return workbench_list(user, parsed.filter)


def write(
    out: str | Path | IO[bytes],
    cases: Iterable[Case],
    *,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> int:
    """Write the cases to an .xlsx (write-only workbook: constant memory). Returns the row count."""
    now = now or timezone.now()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工单")
    for i, (_, width, _) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title, _, _ in COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    n = 0
    for case in cases:
        row = []
        for _, _, get in COLUMNS:
            value = get(case, now)
            if isinstance(value, datetime):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = DATE_FORMAT
                row.append(cell)
            else:
                row.append(value)
        ws.append(row)
        n += 1
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
    wb.save(out)
    return n


def iter_cases(qs: QuerySet[Case]) -> Iterable[Case]:
    return qs.select_related(*RELATED).iterator(chunk_size=2000)


def write_temp(user: User, params: dict[str, str]) -> IO[bytes]:
    """A small export, written to an anonymous temporary file (rewound, ready to stream)."""
    tmp = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    write(tmp, iter_cases(cases_for(user, params)))
    tmp.seek(0)
    return tmp


def file_name(now: datetime | None = None) -> str:
    return f"工单导出-{timezone.localtime(now or timezone.now()):%Y%m%d-%H%M}.xlsx"


# --- Background exports -----------------------------------------------------------------------------


def start(user: User, params: dict[str, str], *, total: int) -> Job:
    return jobs.start(KIND, user, params, total=total, file_name=file_name())


@jobs.runner(KIND)
def run(job: Job) -> dict[str, Any]:
    """Write the export of a job's list (as its user) to ZHIZHI_EXPORT_DIR/<job id>.xlsx."""
    out_dir = Path(settings.ZHIZHI_EXPORT_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{job.pk}.xlsx"
    qs = cases_for(job.user, job.params)
    jobs.progress(job, 0, qs.count())
    try:
        n = write(path, iter_cases(qs), progress=lambda done: jobs.progress(job, done))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return {"done": n, "total": n, "file_path": str(path)}
