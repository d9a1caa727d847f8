"""Background jobs: run a long operation in a thread, record its progress on a `Job` row.

`start(kind, user, params)` creates the row and runs the kind's runner — in a daemon thread, or
inline when `ZHIZHI_JOBS_INLINE` is set (tests; or a deployment whose worker calls `run`). A runner
gets the job, reports with `progress(job, done, total)` and returns the result fields to store. An
exception marks the job failed with the exception's type only (messages of database or file errors
can quote row values, which must not reach logs or pages) — except `JobFailed`, whose message is
written for the user.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from zhizhi.accounts.models import User
from zhizhi.web.models import Job, JobStatus

logger = logging.getLogger(__name__)

Runner = Callable[[Job], dict[str, Any]]


class JobFailed(Exception):
    """A failure whose message is meant for the user (no personal data in it)."""


RUNNERS: dict[str, Runner] = {}
KEEP = timedelta(days=1)


def runner(kind: str) -> Callable[[Runner], Runner]:
    def register(fn: Runner) -> Runner:
        RUNNERS[kind] = fn
        return fn

    return register


def start(kind: str, user: User, params: dict[str, Any], *, total: int = 0, file_name: str = "") -> Job:
    if kind not in RUNNERS:
        raise ValueError(f"unknown job kind {kind!r}")
    cleanup()
    job = Job.objects.create(kind=kind, user=user, params=params, total=total, file_name=file_name)
    if getattr(settings, "ZHIZHI_JOBS_INLINE", False):
        run(job.pk)
        job.refresh_from_db()
    else:
        # Not read back: the thread owns the row from here (a read racing the thread's first write
        # is "table is locked" on SQLite's shared-cache test database), and the caller shows the
        # job's page, which polls it.
        threading.Thread(target=_in_thread, args=(job.pk,), name=f"job-{job.pk}", daemon=True).start()
    return job


def _in_thread(job_id: Any) -> None:
    close_old_connections()
    try:
        run(job_id)
    finally:
        connection.close()


def progress(job: Job, done: int, total: int | None = None) -> None:
    fields: dict[str, Any] = {"done": done, "updated_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job.pk).update(**fields)


def run(job_id: Any) -> None:
    """Run one job to the end; never raises."""
    job = Job.objects.select_related("user").get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, updated_at=timezone.now())
    try:
        fields = RUNNERS[job.kind](job)
        now = timezone.now()
        Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=now, updated_at=now, **fields)
    except Exception as exc:
        logger.error("job %s (%s) failed: %s", job.pk, job.kind, type(exc).__name__)
        now = timezone.now()
        message = str(exc) if isinstance(exc, JobFailed) else ""
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            error=(message or f"任务失败（{type(exc).__name__}），请重试或联系管理员")[:500],
            finished_at=now,
            updated_at=now,
        )


def cleanup() -> None:
    """Forget jobs older than a day and delete their files (best effort)."""
    cutoff = timezone.now() - KEEP
    old = Job.objects.filter(created_at__lt=cutoff)
    for path, params in old.values_list("file_path", "params"):
        for p in (path, (params or {}).get("upload", "")):
            if p:
                Path(p).unlink(missing_ok=True)
    old.delete()
