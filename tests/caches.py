"""A cache that cannot be reached, for the tests of what an outage does."""

from __future__ import annotations

from typing import Any


class DownCache:
    """Refuses every call as a cache client does when its server is gone, and counts the calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            raise ConnectionError("cache down")

        return fail
