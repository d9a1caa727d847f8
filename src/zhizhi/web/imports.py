"""Territory import from the browser, with a preview: upload → check every row (a job) → confirm →
write (a job). Both steps run in the background, so a large file shows progress instead of a
frozen page; `territory.importer` does the checking and the writing (one transaction)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.core.errors import PermissionDenied, ValidationFailed
from zhizhi.territory import importer
from zhizhi.web import jobs
from zhizhi.web.models import Job, JobStatus

PREVIEW = "territory_preview"
APPLY = "territory_apply"
EXTENSIONS = (".xlsx", ".csv")
MAX_ERRORS_SHOWN = 100


def may_import(user: User) -> bool:
    """Admins who see the whole territory (a superuser, or an admin with no region limit)."""
    return scope.role_of(user) == "admin" and scope.sees_everything(user)


def require(user: User) -> None:
    if not may_import(user):
        raise PermissionDenied("forbidden_role", "只有管理员可以导入区域")


def upload(user: User, f: UploadedFile) -> Job:
    """Keep the uploaded file under ZHIZHI_IMPORT_DIR and start checking it."""
    require(user)
    name = Path(f.name or "upload").name
    ext = Path(name).suffix.lower()
    if ext not in EXTENSIONS:
        raise ValidationFailed("invalid_file_type", "请上传 .xlsx 或 .csv 文件", field="file")
    if (f.size or 0) > importer.MAX_BYTES:
        raise ValidationFailed(
            "import_too_large", f"文件超过 {importer.MAX_BYTES // 1024 // 1024} MB", field="file"
        )
    folder = Path(settings.ZHIZHI_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{ext}"
    with path.open("wb") as out:
        for chunk in f.chunks():
            out.write(chunk)
    return jobs.start(PREVIEW, user, {"upload": str(path), "name": name[:100]})


def _plan(job: Job) -> importer.ImportPlan:
    return importer.preview(job.params["upload"], name=job.params.get("name"))


@jobs.runner(PREVIEW)
def run_preview(job: Job) -> dict[str, Any]:
    plan = _plan(job)
    errors = [str(e) for e in plan.errors]
    return {
        "total": len(plan.rows),
        "done": len(plan.rows),
        "result": {
            "ok": plan.ok,
            "counts": plan.counts(),
            "errors": errors[:MAX_ERRORS_SHOWN],
            "more_errors": max(0, len(errors) - MAX_ERRORS_SHOWN),
            "warnings": plan.warnings[:20],
            "name": job.params.get("name", ""),
        },
    }


def confirm(user: User, preview: Job) -> Job:
    """Write a checked file (checked again: the territory may have changed since)."""
    require(user)
    if preview.kind != PREVIEW or preview.user_id != user.pk or preview.status != JobStatus.DONE:
        raise ValidationFailed("invalid_job", "没有可导入的检查结果")
    if not preview.result.get("ok"):
        raise ValidationFailed("import_invalid", "文件有错误，未写入任何数据")
    return jobs.start(APPLY, user, {**preview.params, "preview": str(preview.pk)})


@jobs.runner(APPLY)
def run_apply(job: Job) -> dict[str, Any]:
    plan = _plan(job)
    try:
        counts = importer.apply(plan, job.user)
    except ValidationFailed as exc:  # a row failed while writing: nothing was written
        raise jobs.JobFailed(exc.message) from exc
    return {"total": len(plan.rows), "done": len(plan.rows), "result": {"counts": counts}}
