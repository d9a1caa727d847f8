from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from zhizhi.demo.models import DemoBuild
from zhizhi.territory import locate

SMALL = 0.02  # ~466 cases; the territory and staff are always full size
SEED = 7
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Built:
    build: DemoBuild
    output: str


def build_demo(*args: str, seed: int = SEED, scale: float = SMALL) -> Built:
    out = StringIO()
    call_command("demo", *args, seed=seed, scale=scale, stdout=out)
    return Built(build=DemoBuild.objects.get(), output=out.getvalue())


@pytest.fixture(autouse=True)
def _fresh_locate_index() -> Iterator[None]:
    # The locate index is per process: never let one test's (rolled back) territory leak into another.
    locate.reset()
    yield
    locate.reset()


@pytest.fixture
def demo(db) -> Built:
    return build_demo()


@pytest.fixture(scope="module")
def shared_demo(django_db_setup, django_db_blocker) -> Iterator[Built]:
    """One small build for a whole module, rolled back when the module is done. Every test of a
    module that uses it must use it (they all run inside its transaction)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        built = build_demo()
        yield built
        transaction.set_rollback(True)
    locate.reset()
