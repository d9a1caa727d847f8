"""The territory import page (admins): upload, preview as a job, confirm, write as a job."""

from __future__ import annotations

import uuid

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from zhizhi.core.errors import DomainError, NotFound
from zhizhi.web import imports
from zhizhi.web.forms import add_domain_error
from zhizhi.web.models import Job
from zhizhi.web.views.common import page, user_of


class UploadForm(forms.Form):
    file = forms.FileField(label=_("区域表（.xlsx 或 .csv）"))


@require_http_methods(["GET", "POST"])
@page
def territory_import(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    imports.require(user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.upload(user, form.cleaned_data["file"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("web:job", job_id=job.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "web/territory_import.html", {"form": form}, status=status)


@require_POST
@page
def territory_import_apply(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    user = user_of(request)
    preview = Job.objects.filter(pk=job_id, user=user).first()
    if preview is None:
        raise NotFound("任务不存在", code="job_not_found")
    job = imports.confirm(user, preview)
    return redirect("web:job", job_id=job.pk)
