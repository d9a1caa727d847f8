"""Calling /api/v1 as a given user (bearer token), and counting what a request wrote."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from zhizhi.accounts.models import ApiToken, User
from zhizhi.cases.models import Case, CaseEvent, IdempotencyKey

BASE = "/api/v1"


class Api:
    """A JSON client for one user, authenticated with a freshly issued API token."""

    def __init__(self, user: User, *, client: Client | None = None) -> None:
        _, raw = ApiToken.issue(user, "tests")
        self.user = user
        self.raw_token = raw
        self.client = client or Client(enforce_csrf_checks=True)
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(BASE + path, params or {}, headers=self.headers)

    def post(
        self, path: str, body: Any = None, *, headers: dict[str, str] | None = None, raw: str | None = None
    ):
        data = raw if raw is not None else json.dumps(body if body is not None else {}, ensure_ascii=False)
        return self.client.post(
            BASE + path, data, content_type="application/json", headers={**self.headers, **(headers or {})}
        )

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(
            BASE + path,
            json.dumps(body, ensure_ascii=False),
            content_type="application/json",
            headers=self.headers,
        )


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["results"]]


def written() -> tuple[int, int, int]:
    """(cases, case events, idempotency keys): equal before and after a refused request."""
    return Case.objects.count(), CaseEvent.objects.count(), IdempotencyKey.objects.count()
