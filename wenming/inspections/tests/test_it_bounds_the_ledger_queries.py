"""The ledger list and the overdue list issue a bounded number of queries whatever the row count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import login_client
from wenming.inspections import services
from wenming.inspections.models import Finding, Status
from wenming.inspections.tests.helpers import category, new_finding, point

pytestmark = pytest.mark.django_db

MAX_QUERIES = 14


def grow(world, n: int) -> None:
    """n findings on n points, some overdue (through the services: events, audit and all)."""
    cats = [category(name) for name in ("牛皮癣", "蜘蛛网", "乱停乱放")]
    created = [
        new_finding(
            world, point=point(world, name=f"规模点位{Finding.objects.count()}-{i}"), category=cats[i % 3]
        )
        for i in range(n)
    ]
    Finding.objects.filter(pk__in=[f.pk for f in created[::2]]).update(
        deadline=services.local_today() - dt.timedelta(days=3), status=Status.RECTIFYING
    )


def count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/inspections/findings/",
        "/inspections/findings/?overdue=1",
        "/inspections/findings/?status=rectifying",
        "/inspections/points/",
    ],
)
def test_ledger_does_not_grow_with_the_rows(client, world, url):
    login_client(client, world.county_a_admin)
    grow(world, 3)
    few = count(client, url)
    grow(world, 110)
    many = count(client, url)
    body = client.get(url).content.decode()
    if "/findings/" in url:
        assert 'rel="next"' in body and 'rel="prev"' not in body  # paged by key
    else:
        assert "第 1 / " in body  # paginated
    assert body.count("<tr>") - 1 == 50
    assert many == few and many <= MAX_QUERIES, (few, many)


def test_detail_page_does_not_grow_with_the_history(client, world):
    finding = new_finding(world, status=Status.CLOSED)
    login_client(client, world.city_inspector)
    url = f"/inspections/findings/{finding.pk}/"
    few = count(client, url)
    for _ in range(3):
        from wenming.inspections.tests.helpers import take

        finding = take(world, finding, "reopen", reason="反弹")
        finding = take(world, finding, "close_unfixed", reason="暂缓")
    assert count(client, url) == few <= MAX_QUERIES
