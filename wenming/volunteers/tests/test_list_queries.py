"""Volunteer pages issue a bounded number of queries whatever the row count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.orgs.personal import make_mainland_id
from wenming.volunteers import services

pytestmark = pytest.mark.django_db
MAX_QUERIES = 14


def grow(vw, start: int, n: int) -> None:
    for i in range(start, start + n):
        v = services.volunteer_register(
            name=f"规模{i:03d}", id_type="mainland", id_number=make_mainland_id("990102", dt.date(1980, 1, 1) + dt.timedelta(days=i), i),
            phone=f"137{i:08d}", residence=vw.community_a, political_status="cpc", home_org=vw.vorg_a,
        )
        services.membership_add_approved(volunteer=v, team=vw.team_a, user=vw.vorg_admin)


def queries_for(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/volunteers/", "/volunteers/?political_status=cpc&region=990102", "/volunteers/orgs/", "/volunteers/dual-report/"])
@pytest.mark.parametrize("persona", ["county_a_admin", "vorg_admin"])
def test_query_count_does_not_grow_with_rows(client, world, vw, login, url, persona):
    login(getattr(vw, persona, None) or getattr(world, persona))
    grow(vw, 0, 3)
    few = queries_for(client, url)
    grow(vw, 3, 60)
    many = queries_for(client, url)
    assert many == few, (few, many)
    assert many <= MAX_QUERIES, many


def test_team_page_query_count_is_flat(client, world, vw, login):
    login(vw.vorg_admin)
    url = f"/volunteers/teams/{vw.team_a.pk}/"
    grow(vw, 0, 3)
    few = queries_for(client, url)
    grow(vw, 3, 40)
    assert queries_for(client, url) == few <= MAX_QUERIES


@pytest.mark.parametrize("persona", ["vorg_admin", "vol_user"])
def test_other_pages_are_flat_too(client, world, vw, login, persona):
    login(getattr(vw, persona))
    urls = ["/volunteers/me/", "/volunteers/applications/", f"/volunteers/{vw.volunteer_a.pk}/"]
    if persona == "vorg_admin":
        urls += [f"/volunteers/orgs/{vw.vorg_a.pk}/", "/volunteers/new/"]
    grow(vw, 0, 3)
    few = {url: queries_for(client, url) for url in urls}
    grow(vw, 3, 40)
    for url in urls:
        assert queries_for(client, url) == few[url] <= MAX_QUERIES, (url, few[url])
