from __future__ import annotations

import pytest


@pytest.fixture
def vw(world):
    from wenming.volunteers.tests.helpers import build_vworld

    return build_vworld(world)


@pytest.fixture
def aw(world):
    from wenming.volunteers.tests.activity_helpers import build_aworld

    return build_aworld(world)
