"""`GET /healthz`: 200 when the application can round-trip its database, 503 otherwise."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
    except DatabaseError:
        row = None
    ok = row is not None and row[0] == 1
    return JsonResponse(
        {"status": "ok" if ok else "error", "database": connection.vendor}, status=200 if ok else 503
    )
