"""Photos on cases: checked by content (not by name or declared type) and size, stored under
MEDIA_ROOT with a random name, written in one transaction with a timeline event.

`report(...)` registers a case and attaches its photos atomically (the grid worker's phone form);
`attach(...)` adds photos to an existing case.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.cases import services
from zhizhi.cases.models import Case, CaseEvent, Status
from zhizhi.core.errors import PermissionDenied, ValidationFailed
from zhizhi.web.models import CaseAttachment

MAX_FILES = 6
# Content type → extension, decided from the file's first bytes.
TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
# Cases in these states take no more photos.
CLOSED_STATES = frozenset({Status.CLOSED, Status.MERGED})


def sniff(head: bytes) -> str | None:
    """The image type the bytes really are (JPEG, PNG or WebP), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    content_type: str
    size: int
    name: str


def _display_name(name: str) -> str:
    """The uploaded name for display only: no path, no control characters, at most 100 chars."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return base.strip()[:100]


def check(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    """Validate every file before anything is written. Raises ValidationFailed (field 'photos')."""
    if len(files) > MAX_FILES:
        raise ValidationFailed("too_many_files", f"最多上传 {MAX_FILES} 张照片", field="photos")
    limit = settings.ZHIZHI_UPLOAD_MAX_BYTES
    out = []
    for f in files:
        size = f.size or 0
        if size == 0:
            raise ValidationFailed("empty_file", "照片文件为空", field="photos")
        if size > limit:
            raise ValidationFailed(
                "file_too_large",
                f"照片“{_display_name(f.name or '')}”超过 {limit // (1024 * 1024)} MB",
                field="photos",
            )
        f.seek(0)
        head = f.read(16)
        f.seek(0)
        kind = sniff(head)
        if kind is None:
            raise ValidationFailed(
                "invalid_file_type",
                f"“{_display_name(f.name or '')}”不是 JPEG、PNG 或 WebP 图片",
                field="photos",
            )
        out.append(CheckedFile(upload=f, content_type=kind, size=size, name=_display_name(f.name or "")))
    return out


def can_attach(user: User, case: Case) -> bool:
    return scope.can_see_case(user, case) and case.status not in CLOSED_STATES


def _store(case: Case, actor: User, files: list[CheckedFile], now: datetime) -> list[CaseAttachment]:
    saved: list[CaseAttachment] = []
    try:
        for cf in files:
            att = CaseAttachment(
                case=case,
                content_type=cf.content_type,
                size=cf.size,
                original_name=cf.name,
                uploaded_by=actor,
                uploaded_at=now,
            )
            att.file.save(f"{uuid.uuid4().hex}{TYPES[cf.content_type]}", cf.upload, save=False)
            saved.append(att)
            att.save()
        CaseEvent.objects.create(
            case=case,
            actor=actor,
            at=now,
            action="attach",
            from_status=case.status,
            to_status=case.status,
            data={"attachments": [a.pk for a in saved]},
        )
    except BaseException:
        for att in saved:  # the rows roll back with the transaction; the files must go too
            att.file.delete(save=False)
        raise
    return saved


def attach(
    *, actor: User, case_id: int, files: Sequence[UploadedFile], now: datetime | None = None
) -> list[CaseAttachment]:
    """Add photos to a case the actor can see and that is still open to them."""
    now = now or timezone.now()
    checked = check(files)
    if not checked:
        raise ValidationFailed("missing_field", "请选择照片", field="photos")
    with transaction.atomic():
        case = scope.get_case(actor, case_id, for_update=True)
        if not can_attach(actor, case):
            raise PermissionDenied("forbidden_attach", "已归档或已合并的工单不能再上传照片")
        return _store(case, actor, checked, now)


def report(
    *,
    actor: User,
    data: services.CaseInput,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> services.CreateResult:
    """Register a case with its photos: both or neither."""
    now = now or timezone.now()
    checked = check(files)
    with transaction.atomic():
        result = services.create_case(actor=actor, data=data, now=now)
        if checked:
            _store(result.case, actor, checked, now)
    return result
