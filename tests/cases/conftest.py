"""Named case states (`case_dispatched`, `case_in_progress`, …), each built through the services."""

from __future__ import annotations

import pytest

from tests.cases.factories import drive_to
from tests.township import Township
from zhizhi.cases.models import Case, Status


@pytest.fixture
def case_received(township: Township) -> Case:
    return drive_to(township, Status.RECEIVED)


@pytest.fixture
def case_dispatched(township: Township) -> Case:
    return drive_to(township, Status.DISPATCHED)


@pytest.fixture
def case_accepted(township: Township) -> Case:
    return drive_to(township, Status.ACCEPTED)


@pytest.fixture
def case_in_progress(township: Township) -> Case:
    return drive_to(township, Status.IN_PROGRESS)


@pytest.fixture
def case_suspended(township: Township) -> Case:
    return drive_to(township, Status.SUSPENDED)


@pytest.fixture
def case_returned(township: Township) -> Case:
    return drive_to(township, Status.RETURNED)


@pytest.fixture
def case_resolved(township: Township) -> Case:
    return drive_to(township, Status.RESOLVED)


@pytest.fixture
def case_closed(township: Township) -> Case:
    return drive_to(township, Status.CLOSED)
