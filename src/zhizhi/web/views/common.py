"""What every workbench view shares: the signed-in user, domain errors turned into pages, and the
query parameters of lists and figure pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhizhi.accounts import scope
from zhizhi.accounts.models import User
from zhizhi.core import calendar
from zhizhi.core.errors import DomainError, NotFound, ValidationFailed
from zhizhi.metrics.period import FigureFilter

View = Callable[..., HttpResponseBase]


def user_of(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required lets only real users through
        raise Http404
    return user


def page(view: View) -> View:
    """Login required; a NotFound becomes the 404 page (existence is not revealed), any other
    DomainError an error page with its status and message."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except DomainError as exc:
            return error_page(request, exc)

    return login_required(wrapper)


def error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "web/error.html", {"error": exc}, status=exc.status)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Query parameters of lists and figure pages -----------------------------------------------------


def param(data: QueryDict, name: str, limit: int = 100) -> str:
    return (data.get(name) or "").strip()[:limit]


def date_param(data: QueryDict, name: str) -> date | None:
    """A YYYY-MM-DD parameter (None when absent); 422 `invalid_date` otherwise."""
    raw = param(data, name)
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            "invalid_date", _("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": raw[:20]}
        ) from None
    return calendar.supported(day, name)


def figure_filter(
    user: User, data: QueryDict, records: QuerySet[Any], *, when: str = "received_at"
) -> tuple[FigureFilter, dict[str, str]]:
    """A figure page's filter: `region` (one the user may see, else 404; none: all the user sees),
    `from`/`to` (default: the calendar year of the newest of `records`, this year when there is
    none). The period is always spelled out in the links, so a drill-down counts the same period."""
    region = param(data, "region")
    if region and not scope.visible_regions(user).filter(code=region).exists():
        raise NotFound(_("区域不存在或无权查看"), code="region_not_found")
    start, end = date_param(data, "from"), date_param(data, "to")
    if start is None or end is None:
        latest = records.aggregate(m=Max(when))["m"]
        given = start or end
        year = (
            given.year if given else timezone.localtime(latest).year if latest else timezone.localdate().year
        )
        start, end = start or date(year, 1, 1), end or date(year, 12, 31)
    f = FigureFilter.build(region=region or None, start=start, end=end)
    params = {"region": region} if region else {}
    return f, {**params, "from": start.isoformat(), "to": end.isoformat()}
