"""Every role's home page issues a bounded number of queries, whatever the data behind it."""

from __future__ import annotations

import pytest

from wenming.orgs.tests.test_list_queries import grow, queries_for

pytestmark = pytest.mark.django_db

# Session, user, scope, 2FA device, profile, the attention providers and the charts: a fixed handful
# (11 for a unit admin: the campaigns' progress chart is its own grouped query).
MAX_HOME_QUERIES = 11


@pytest.mark.parametrize("persona", ["platform", "city_admin", "county_a_admin", "city_inspector", "unit_a_admin", "dept_lead_a"])
def test_home_does_not_grow_with_the_data(client, login, world, django_assert_max_num_queries, persona):
    login(getattr(world, persona))
    few = queries_for(client, "/")
    grow(world, 0, 40)
    with django_assert_max_num_queries(MAX_HOME_QUERIES):
        assert client.get("/").status_code == 200
    assert queries_for(client, "/") == few
