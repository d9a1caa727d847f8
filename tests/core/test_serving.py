"""`core.serving.settle`: a server process freezes what the loaded application holds, so that its
full collections do not walk it again and again."""

from __future__ import annotations

import gc

from django.urls import get_resolver

from zhizhi.core.serving import settle


def tracked(obj: object) -> bool:
    """Whether the collector's generations (not its permanent one) hold `obj`."""
    return any(o is obj for o in gc.get_objects())


def test_settle_freezes_the_url_configuration_and_what_else_exists() -> None:
    resolver = get_resolver()
    gc.unfreeze()
    assert tracked(resolver)
    try:
        settle()
        assert not tracked(resolver)  # in the permanent generation: no collection walks it
        assert gc.get_freeze_count() > 1000
        assert resolver.reverse_dict  # the URLconf is loaded and its reverse map built
    finally:
        gc.unfreeze()
    assert tracked(resolver)
    assert gc.get_freeze_count() == 0
