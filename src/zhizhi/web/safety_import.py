"""Register import (底数清单) from the browser: upload → check every row (a job) → confirm → write (a
job). Like the territory import (`web.imports`), both steps run in the background, so a file of
tens of thousands of rows shows its progress instead of a frozen page; `safety.importer` does the
mapping, the checking and the writing (one transaction, nothing unless the whole file is valid).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from zhizhi.accounts.models import User
from zhizhi.core.errors import DomainError, PermissionDenied, ValidationFailed
from zhizhi.safety import importer, services
from zhizhi.safety.models import OrgKind
from zhizhi.territory import importer as table_reader
from zhizhi.web import jobs
from zhizhi.web.models import Job, JobStatus

PREVIEW = "safety_register_preview"
APPLY = "safety_register_apply"
EXTENSIONS = (".xlsx", ".csv")
MAX_ERRORS_SHOWN = 500
MAX_ROWS_SHOWN = 200
FIELD_LABELS = {
    **importer.HEADERS_ZH,
    "region_id": importer.HEADERS_ZH["region"],
    "committee_id": importer.HEADERS_ZH["committee"],
}


def require(user: User) -> None:
    if not services.can_register(user):
        raise PermissionDenied("forbidden_role", "当前角色不能导入单位台账")


def upload(user: User, f: UploadedFile, *, kind: str = "", register: bool = False) -> Job:
    """Keep the uploaded file under ZHIZHI_IMPORT_DIR and start checking it."""
    require(user)
    name = Path(f.name or "upload").name
    ext = Path(name).suffix.lower()
    if ext not in EXTENSIONS:
        raise ValidationFailed("invalid_file_type", "请上传 .xlsx 或 .csv 文件", field="file")
    if (f.size or 0) > table_reader.MAX_BYTES:
        raise ValidationFailed(
            "import_too_large", f"文件超过 {table_reader.MAX_BYTES // 1024 // 1024} MB", field="file"
        )
    if kind and kind not in OrgKind.values:
        raise ValidationFailed("invalid_kind", f"未知的单位类型：{kind}", field="kind")
    folder = Path(settings.ZHIZHI_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{ext}"
    with path.open("wb") as out:
        for chunk in f.chunks():
            out.write(chunk)
    params = {"upload": str(path), "name": name[:100], "kind": kind, "register": bool(register)}
    return jobs.start(PREVIEW, user, params)


def _plan(job: Job) -> importer.ImportPlan:
    """The file checked as the user who uploaded it (their regions), reporting progress."""
    p = job.params
    try:
        return importer.preview(
            p["upload"],
            name=p.get("name"),
            kind=p.get("kind") or None,
            register=bool(p.get("register")),
            actor=job.user,
            progress=lambda done, total: jobs.progress(job, done, total),
        )
    except DomainError as exc:  # unreadable file, a role no longer allowed: said to the user
        raise jobs.JobFailed(exc.message) from exc


def _summary(row: importer.PlanRow) -> dict[str, Any]:
    v = row.values
    region = v.get("region")
    return {
        "row": row.row,
        "name": v.get("name", ""),
        "uscc": v.get("uscc", ""),
        "region": region.name if region is not None else "",
        "changes": [FIELD_LABELS.get(c, c) for c in row.changes],
    }


@jobs.runner(PREVIEW)
def run_preview(job: Job) -> dict[str, Any]:
    plan = _plan(job)
    errors = [[e.row, e.message] for e in plan.errors]
    return {
        "total": len(plan.rows),
        "done": len(plan.rows),
        "result": {
            "ok": plan.ok,
            "counts": plan.counts(),
            "errors": errors[:MAX_ERRORS_SHOWN],
            "more_errors": max(0, len(errors) - MAX_ERRORS_SHOWN),
            "warnings": plan.warnings[:20],
            "columns": [
                [importer.HEADERS_ZH[c], plan.columns[c]] for c in importer.COLUMNS if c in plan.columns
            ],
            "creates": [_summary(r) for r in plan.of("create")[:MAX_ROWS_SHOWN]],
            "updates": [_summary(r) for r in plan.of("update")[:MAX_ROWS_SHOWN]],
            "name": job.params.get("name", ""),
        },
    }


def confirm(user: User, preview: Job) -> Job:
    """Write a checked file (checked again: the register may have changed since)."""
    require(user)
    if preview.kind != PREVIEW or preview.user_id != user.pk or preview.status != JobStatus.DONE:
        raise ValidationFailed("invalid_job", "没有可导入的检查结果")
    if not preview.result.get("ok"):
        raise ValidationFailed("import_invalid", "文件有错误，未写入任何数据")
    return jobs.start(APPLY, user, {**preview.params, "preview": str(preview.pk)})


@jobs.runner(APPLY)
def run_apply(job: Job) -> dict[str, Any]:
    plan = _plan(job)
    if not plan.ok:
        raise jobs.JobFailed(
            f"文件或台账已有变化，重新检查发现 {len(plan.errors)} 处错误，未写入任何数据；请重新上传"
        )
    try:
        counts = importer.apply(plan, job.user)
    except DomainError as exc:  # a row failed while writing: nothing was written
        raise jobs.JobFailed(exc.message) from exc
    return {"total": len(plan.rows), "done": len(plan.rows), "result": {"counts": counts}}
