"""What every workbench view shares: the signed-in user, and domain errors turned into pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from zhizhi.accounts.models import User
from zhizhi.core.errors import DomainError, NotFound

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
