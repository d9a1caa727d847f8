"""Version tokens in the shared cache, read at most once per request.

Each server process keeps snapshots of what rarely changes — the reference data
(`cases.reference`) and the territory's index (`territory.locate`) — tagged with the token of the
version they were built from, a value in `django.core.cache`. A write replaces the token, and a
process that reads a different one rebuilds. A create read the reference token two or three times
and the territory's once: with several server processes the cache is Redis (`REDIS_URL`), and
each read was a round trip, 0.3–0.5 ms of the server's CPU per create on the benchmark machine
(docs/benchmarks.md, fix 48).

Inside a request, the first read fetches every registered token at once (one `get_many`) and the
request keeps them until it ends: one round trip per request, and one version of each snapshot for
the whole request. A write within the request (`replace`) updates the request's own copy, so the
request sees its own change at once. Outside requests (commands, workers, tests that call services
directly) every read goes to the cache, as before.

`read` and `replace` raise what the cache raises; callers decide what an outage means for them.
When the cache fails inside a request, the request does not ask it again: its later reads raise
`Unavailable` at once. A cache that is down (or hangs until its socket times out) then costs each
request one attempt rather than three or four. Callers say so in the log with
`core.logs.report_outage` (one line a minute per message and process).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from django.core.cache import cache
from django.core.signals import request_finished, request_started

_KEYS: list[str] = []
_local = threading.local()


def register(key: str) -> str:
    """Declare a token that requests read together with the others; returns `key`."""
    if key not in _KEYS:
        _KEYS.append(key)
    return key


def _request_tokens() -> dict[str, str] | None:
    return getattr(_local, "tokens", None)


class Unavailable(Exception):  # noqa: N818 - read as `versions.Unavailable`
    """The cache failed earlier in this request, and is not asked again until the next one."""


def read(key: str) -> str:
    """The token of `key`: the request's copy, or the cache's. A token that is missing (evicted,
    cleared) is started afresh, which makes every process rebuild."""
    tokens = _request_tokens()
    if tokens is not None:
        if key in tokens:
            return tokens[key]
        if getattr(_local, "failed", False):
            raise Unavailable(key)
    try:
        if tokens is not None and key in _KEYS:
            found: dict[str, Any] = cache.get_many(_KEYS)
        else:
            found = {key: cache.get(key)}
        token = found.get(key)
        if token is None:
            cache.add(key, uuid.uuid4().hex, None)
            token = cache.get(key)
    except Exception:
        if tokens is not None:
            _local.failed = True
        raise
    if tokens is not None:
        for name, value in found.items():
            if value is not None:
                tokens.setdefault(name, str(value))
        tokens[key] = str(token or "")
    return str(token or "")


def replace(key: str) -> None:
    """A new token for `key`: every process, this request included, rebuilds at its next read."""
    token = uuid.uuid4().hex
    cache.set(key, token, None)
    tokens = _request_tokens()
    if tokens is not None:
        tokens[key] = token


def _begin(**kwargs: Any) -> None:
    _local.tokens = {}
    _local.failed = False


def _end(**kwargs: Any) -> None:
    _local.tokens = None
    _local.failed = False


request_started.connect(_begin, dispatch_uid="zhizhi.core.versions.begin")
request_finished.connect(_end, dispatch_uid="zhizhi.core.versions.end")
