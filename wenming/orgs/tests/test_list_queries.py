"""List pages issue a bounded number of queries whatever the row count (50 rows a page)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.orgs import services
from wenming.orgs.models import OrgKind, Region, Role, UnitType
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db

# Session, user, scope, 2FA device, count, page, and the page's own prefetches: a fixed handful.
MAX_QUERIES = 14


def grow(world, start: int, n: int) -> None:
    """Units in county A (each with a department, a unit admin and a department lead) and towns."""
    with as_user(world.platform):
        for i in range(start, start + n):
            unit = services.organisation_create(
                kind=OrgKind.UNIT,
                name=f"规模单位{i:03d}",
                region=world.county_a,
                unit_type=UnitType.ENTERPRISE,
                supervisor=world.unit_a,
            )
            dept = services.department_create(organisation=unit, name="办公室")
            services.user_onboard(
                username=f"scale_admin_{i:03d}", display_name=f"管理员{i}", password=None, role=Role.UNIT_ADMIN, organisation=unit
            )
            services.user_onboard(
                username=f"scale_lead_{i:03d}",
                display_name=f"科长{i}",
                password=None,
                role=Role.DEPT_LEAD,
                organisation=unit,
                department=dept,
            )
    Region.objects.bulk_create(
        Region(code=f"990102{i:03d}000", prefix=f"990102{i:03d}", name=f"街道{i}", level=4, parent=world.county_a)
        for i in range(start + 1, start + n + 1)
    )


def queries_for(client, url: str) -> int:
    client.get(url)  # the first request of a session also writes the session: not the page's cost
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url,marker",
    [
        ("/orgs/", "规模单位"),
        ("/orgs/?kind=unit&unit_type=enterprise&active=1", "规模单位"),
        ("/orgs/users/", "scale_"),
        ("/orgs/users/?role=unit_admin&active=1", "scale_admin_"),
        ("/orgs/regions/", "街道"),
        ("/audit/", "规模单位"),
    ],
)
def test_list_pages_do_not_grow_with_the_rows(client, login, world, django_assert_max_num_queries, url, marker):
    login(world.county_a_admin)
    grow(world, 0, 3)
    few = queries_for(client, url)
    grow(world, 3, 60)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    body = response.content.decode()
    assert marker in body
    rows = body.count('data-testid="audit-entry"') if url.startswith("/audit/") else body.count("<tr>") - 1
    assert rows == 50  # a full page
    assert "第 1 / " in body  # paginated
    assert queries_for(client, url) == few, f"{url}: more queries for a full page than for a few rows"
