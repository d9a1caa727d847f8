"""Login throttling: after too many failures for a username (or from an address) within a window,
further attempts are refused until the window passes, whatever the password."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

MAX_FAILURES = getattr(settings, "ZHIZHI_LOGIN_MAX_FAILURES", 5)
WINDOW_SECONDS = getattr(settings, "ZHIZHI_LOGIN_WINDOW_SECONDS", 15 * 60)


def _keys(username: str, address: str) -> list[str]:
    user = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:u:{user}", f"login-fail:a:{address}"]


def is_locked(username: str, address: str) -> bool:
    counts = cache.get_many(_keys(username, address))
    user_key, addr_key = _keys(username, address)
    return counts.get(user_key, 0) >= MAX_FAILURES or counts.get(addr_key, 0) >= MAX_FAILURES * 4


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        if cache.add(key, 1, WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS)


def reset(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])
