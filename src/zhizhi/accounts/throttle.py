"""Login throttling: after too many failures for a username (or from an address) within a window,
further attempts are refused until the window passes, whatever the password.

The counts live in the cache (Redis in production, shared by the server's processes). When it
cannot be reached, `is_locked` raises `Unavailable` and the login is refused with a message that
says so: without the counts nothing would stop a password being guessed (the same choice as
django-ratelimit's default). Counting a failure or clearing the count after a success does not
fail the request. Each kind of outage is logged once a minute (`core.logs.report_outage`)."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

from zhizhi.core.logs import report_outage

logger = logging.getLogger(__name__)

MAX_FAILURES = getattr(settings, "ZHIZHI_LOGIN_MAX_FAILURES", 5)
WINDOW_SECONDS = getattr(settings, "ZHIZHI_LOGIN_WINDOW_SECONDS", 15 * 60)


def _keys(username: str, address: str) -> list[str]:
    user = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:u:{user}", f"login-fail:a:{address}"]


class Unavailable(Exception):  # noqa: N818 - read as `throttle.Unavailable`
    """The failure counts cannot be read: the cache is down."""


def is_locked(username: str, address: str) -> bool:
    user_key, addr_key = _keys(username, address)
    try:
        counts = cache.get_many([user_key, addr_key])
    except Exception as exc:
        report_outage(logger, "login throttle: cache unavailable; logins refused")
        raise Unavailable from exc
    return counts.get(user_key, 0) >= MAX_FAILURES or counts.get(addr_key, 0) >= MAX_FAILURES * 4


def record_failure(username: str, address: str) -> None:
    try:
        for key in _keys(username, address):
            if cache.add(key, 1, WINDOW_SECONDS):
                continue
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, WINDOW_SECONDS)
    except Exception:
        report_outage(logger, "login throttle: cache unavailable; a failed login was not counted")


def reset(username: str, address: str) -> None:
    try:
        cache.delete(_keys(username, address)[0])
    except Exception:
        report_outage(logger, "login throttle: cache unavailable; a count was not cleared")
