from __future__ import annotations

import pytest

from wenming.orgs.backends import ProfileModelBackend

pytestmark = pytest.mark.django_db


def test_it_loads_the_profile_with_the_user(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = ProfileModelBackend().get_user(world.unit_a_admin.pk)
        assert user.profile.display_name == "unit_a_admin"


def test_it_refuses_inactive_and_unknown_users(world):
    world.outsider.is_active = False
    world.outsider.save(update_fields=["is_active"])
    assert ProfileModelBackend().get_user(world.outsider.pk) is None
    assert ProfileModelBackend().get_user(10**9) is None
