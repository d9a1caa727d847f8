from __future__ import annotations

import pytest

from tests.mediation.helpers import add_mediators
from tests.township import Township


@pytest.fixture
def t(township: Township) -> Township:
    """The test township plus the town's mediators `tj` (陈明) and `tj2` (刘芳), handlers of the
    department peace_law (综治/平安法治)."""
    add_mediators(township)
    return township
