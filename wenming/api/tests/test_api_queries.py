"""List endpoints issue the same number of queries whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.api.tests.helpers import bearer
from wenming.audit.context import SYSTEM, acting_as
from wenming.orgs import services
from wenming.orgs.models import OrgKind, UnitType

pytestmark = pytest.mark.django_db


def _add_units(world, start: int, count: int) -> None:
    with acting_as(SYSTEM):
        for i in range(start, start + count):
            unit = services.organisation_create(
                kind=OrgKind.UNIT,
                name=f"东城区测试单位{i:03d}",
                region=world.county_a,
                unit_type=UnitType.ENTERPRISE,
                supervisor=world.unit_a,
            )
            services.department_create(organisation=unit, name="办公室")


def _count(client, url, headers) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


@pytest.mark.parametrize("url", ["/api/v1/organisations", "/api/v1/regions", "/api/v1/me"])
def test_queries_do_not_grow_with_rows(client, world, url):
    headers = bearer(world.city_admin)
    client.get(url, headers=headers)  # records the token's first use
    _add_units(world, 0, 2)
    few, small = _count(client, url, headers)
    _add_units(world, 2, 40)
    many, large = _count(client, url, headers)
    assert few == many, f"{url}: {few} queries for the small world, {many} for the large one"
    assert many <= 6, f"{url}: {many} queries"
    if url == "/api/v1/organisations":
        assert large["count"] == small["count"] + 40
        assert len(large["items"]) == 47 and all(i["member_count"] >= 0 for i in large["items"])


def test_department_list_queries_are_bounded(client, world):
    headers = bearer(world.unit_a_admin)
    url = f"/api/v1/organisations/{world.unit_a.pk}/departments"
    client.get(url, headers=headers)
    few, _ = _count(client, url, headers)
    with acting_as(SYSTEM):
        for i in range(30):
            services.department_create(organisation=world.unit_a, name=f"科室{i}")
    many, body = _count(client, url, headers)
    assert few == many and body["count"] == 31
