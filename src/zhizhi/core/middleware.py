"""Security headers that Django 5.2 does not set by itself, and the refusal of NUL characters."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


def content_security_policy() -> str:
    """Scripts and styles only from this site (no inline scripts anywhere); inline `style`
    attributes are allowed for progress bars and chart sizes; images may come from the
    configured map tile server."""
    img = ["'self'", "data:", "blob:"]
    tiles = getattr(settings, "ZHIZHI_MAP_TILE_URL", "")
    if tiles:
        parts = urlsplit(tiles.replace("{s}", "a"))
        if parts.scheme and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
            img.append(f"{parts.scheme}://{host}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {' '.join(img)}",
            "connect-src 'self'",
            "font-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Sends the Content-Security-Policy outside DEBUG (the API docs page at /api/v1/docs loads
    its own assets from a CDN-free bundle, so it is covered by 'self' too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not settings.DEBUG and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


# A JSON string escape of NUL: `\u0000` after an even number of backslashes (`\\u0000` is the
# six characters "\u0000", which are allowed).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
NUL_MESSAGE = "请求中含有不允许的字符（NUL）"


class RejectNulMiddleware:
    """A NUL character anywhere a request carries text (query, form fields, a JSON body, a header)
    is a 400 `invalid_characters` before any view runs. PostgreSQL cannot store NUL in text and
    refuses a query that compares with one: every filter, form and API field would otherwise be a
    500 on the production database. Django's forms refuse NUL already; this covers everything else.
    Open311 has its own answer (it strips control characters, GeoReport v2 errors) and is left to it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/open311/") and _carries_nul(request):
            if request.path.startswith("/api/"):
                body = json.dumps({"code": "invalid_characters", "message": NUL_MESSAGE}, ensure_ascii=False)
                return HttpResponse(body, status=400, content_type="application/json; charset=utf-8")
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _carries_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, vs in request.GET.lists() for v in vs):
        return True
    if any("\x00" in str(v) for k, v in request.META.items() if k.startswith("HTTP_")):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    if (request.content_type or "").endswith("json"):
        return bool(_JSON_NUL.search(request.body))
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return any("\x00" in k or "\x00" in v for k, vs in request.POST.lists() for v in vs)
    return False
