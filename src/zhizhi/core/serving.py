"""What a server process does once the application is loaded, before its first request."""

from __future__ import annotations

import gc

from django.urls import get_resolver


def settle() -> None:
    """Load the URL configuration (and with it the API's routers and schemas), then move every
    object that exists now into the garbage collector's permanent generation (`gc.freeze()`).

    Otherwise each of a worker's full collections walks the whole loaded application — Django, the
    models, the API's schemas — holding the interpreter for 59–109 ms, in which none of the worker's
    requests moves; under load that came about once every half-minute in each worker
    (docs/benchmarks.md, fix 44). Objects made afterwards are collected as before; the frozen ones
    live as long as the process, as they would have anyway."""
    resolver = get_resolver()
    _ = resolver.url_patterns, resolver.reverse_dict  # imports the URLconf and fills its caches
    gc.freeze()
