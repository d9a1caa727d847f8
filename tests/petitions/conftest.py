from __future__ import annotations

import pytest

from tests.petitions.helpers import add_office
from tests.township import Township


@pytest.fixture
def t(township: Township) -> Township:
    """The test township plus the petition office's handler `xf` (department peace_law)."""
    add_office(township)
    return township
