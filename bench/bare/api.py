"""The bare endpoint: django-ninja with the API's own authentication, one INSERT, a small answer."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import NinjaAPI, Schema, Status
from pydantic import ConfigDict

from bench.bare.models import Ping
from zhizhi.api.auth import AUTH

api = NinjaAPI(title="bench", version="1", auth=AUTH, urls_namespace="bench", docs_url=None)


class PingIn(Schema):
    """Reads the same JSON body as a case create, keeps only the title."""

    model_config = ConfigDict(extra="ignore")
    title: str = ""


@api.post("/ping", response={201: dict})
def ping(request: HttpRequest, payload: PingIn) -> Any:
    with transaction.atomic():
        row = Ping.objects.create(
            user=request.auth,  # type: ignore[attr-defined]
            key=(request.headers.get("Idempotency-Key") or "")[:200],
            title=payload.title[:200],
        )
    return Status(201, {"id": row.pk})


@api.get("/ping", response={200: dict})
def last_ping(request: HttpRequest) -> Any:
    """The floor under a list request: same stack and auth, one trivial indexed query."""
    return {"last": Ping.objects.order_by("-id").values_list("id", flat=True).first()}
