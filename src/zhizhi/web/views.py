"""Minimal web pages: health check, login, and a home page pointing at the API and admin."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    ok = row is not None and row[0] == 1
    return JsonResponse({"status": "ok" if ok else "error", "database": connection.vendor}, status=200 if ok else 503)
