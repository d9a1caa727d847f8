"""Background jobs (large exports): a progress page that polls, then the download."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from zhizhi.core.errors import NotFound
from zhizhi.web.models import Job, JobStatus
from zhizhi.web.views.common import is_htmx, page, user_of

STALLED_AFTER = timedelta(minutes=10)


def _job(request: HttpRequest, job_id: uuid.UUID) -> Job:
    job = Job.objects.filter(pk=job_id, user=user_of(request)).first()
    if job is None:  # someone else's job does not exist for you
        raise NotFound("任务不存在", code="job_not_found")
    return job


def _stalled(job: Job) -> bool:
    return not job.finished and job.updated_at < timezone.now() - STALLED_AFTER


@require_GET
@page
def job(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    j = _job(request, job_id)
    ctx = {"job": j, "stalled": _stalled(j)}
    template = "web/jobs/_progress.html" if is_htmx(request) else "web/jobs/job.html"
    return render(request, template, ctx)


@require_GET
@page
def job_download(request: HttpRequest, job_id: uuid.UUID) -> HttpResponseBase:
    j = _job(request, job_id)
    if j.status != JobStatus.DONE or not j.file_path or not Path(j.file_path).is_file():
        raise NotFound("文件不存在或已过期", code="file_not_found")
    fh = Path(j.file_path).open("rb")  # noqa: SIM115  (FileResponse closes it)
    response = FileResponse(fh, as_attachment=True, filename=j.file_name or "export.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response
