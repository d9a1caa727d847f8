"""Who is at the other end of a request: the client's address, through the site's proxy."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address. Behind the site's proxy (`ZHIZHI_BEHIND_PROXY`) it is the last
    address in X-Forwarded-For — the one the proxy itself appended; the ones before it are what the
    client claimed and are not trusted. Otherwise, and when the header is missing, REMOTE_ADDR."""
    if settings.ZHIZHI_BEHIND_PROXY:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if hops:
            return hops[-1]
    return str(request.META.get("REMOTE_ADDR", ""))
