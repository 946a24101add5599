from __future__ import annotations

import pytest


@pytest.fixture
def vw(world):
    from wenming.volunteers.tests.helpers import build_vworld

    return build_vworld(world)


@pytest.fixture
def settings_personal_key(settings):
    """The checks hash ID numbers: a key, without a database."""
    settings.PERSONAL_DATA_KEY = settings.PERSONAL_DATA_KEY or "test-key"
    return settings
