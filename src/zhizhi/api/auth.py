"""API authentication: per-user bearer tokens for clients, the session (with CSRF) for the web."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from zhizhi.accounts import scope
from zhizhi.accounts.models import ApiToken

TOUCH_EVERY = timedelta(minutes=5)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        now = timezone.now()
        user = ApiToken.lookup(token, used_since=now - TOUCH_EVERY)
        if user is None:
            return None
        memberships = getattr(user, "memberships", None)
        if memberships is not None:
            scope.remember_memberships(user, *memberships)
        if not user.token_used_since:  # type: ignore[attr-defined]
            ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)  # type: ignore[attr-defined]
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Django's session cookie; unsafe methods must carry the CSRF token (ninja checks it)."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        # No session cookie: nothing to authenticate and no CSRF to check, so a client with a
        # missing or revoked bearer token gets 401 unauthenticated rather than a CSRF 403.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


AUTH = [TokenAuth(), SessionAuth(csrf=True)]
