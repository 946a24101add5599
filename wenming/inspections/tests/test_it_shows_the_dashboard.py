"""The dashboard: every figure links to the ledger filter that lists exactly its records."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import login_client
from wenming.inspections import services
from wenming.inspections.models import Finding, InspectionPoint, Status
from wenming.inspections.tests.helpers import category, new_finding, point

pytestmark = pytest.mark.django_db


def build(world, suffix: str = ""):
    new_finding(world)
    new_finding(world, status=Status.RECTIFYING, category=category("蜘蛛网"))
    new_finding(world, status=Status.CLOSURE_REQUESTED)
    new_finding(world, status=Status.CLOSED, category=category("蜘蛛网"))
    late = new_finding(world, status=Status.RECTIFYING)
    Finding.objects.filter(pk=late.pk).update(deadline=services.local_today() - dt.timedelta(days=1))
    b_point = point(world, name=f"西湖站{suffix}", unit=world.unit_b)
    InspectionPoint.objects.filter(pk=b_point.pk).update(
        region=world.county_b, region_code=world.county_b.code
    )
    new_finding(world, point=InspectionPoint.objects.get(pk=b_point.pk))


def rows_listed(client, href: str) -> int:
    body = client.get(html.unescape(href)).content.decode()
    return len(set(re.findall(r'href="/inspections/findings/(\d+)/"', body)))


def test_every_figure_is_the_size_of_its_list(client, world):
    build(world)
    login_client(client, world.city_inspector)
    body = client.get("/inspections/dashboard/").content.decode()
    links = re.findall(r'<a(?: class="[^"]*")? href="(/inspections/findings/\?[^"]+)">(\d+)</a>', body)
    links += [
        (h, n)
        for h, n in re.findall(
            r'href="(/inspections/findings/\?[^"]+)"><div class="card-body"><div class="subheader">[^<]*</div><div class="h1 mb-0">(\d+)</div>',
            body,
        )
    ]
    assert len(links) > 30
    for href, figure in links:
        assert rows_listed(client, href) == int(figure), (href, figure)
    # The whole city: open = 挂账 2 (one in 西湖区) + 整改中 2, review 1, overdue 1, closed 1.
    assert selectors_totals(body) == ["4", "1", "1", "1"]
    assert "东城区" in body and "西湖区" in body


def selectors_totals(body: str) -> list[str]:
    section = body.split('data-testid="totals"', 1)[1].split("平均整改用时", 1)[0]
    return re.findall(r'<div class="h1 mb-0">(\d+)</div>', section)


def test_the_totals_for_a_county_office(client, world):
    build(world)
    login_client(client, world.county_a_admin)
    body = client.get("/inspections/dashboard/").content.decode()
    # 东城区 only: open = 挂账 1 + 整改中 2, review 1, overdue 1, closed 1.
    assert selectors_totals(body) == ["3", "1", "1", "1"]
    assert "西湖区" not in body


def test_the_dashboard_query_count_is_fixed(client, world):
    build(world)
    login_client(client, world.city_inspector)
    client.get("/inspections/dashboard/")
    with CaptureQueriesContext(connection) as few:
        client.get("/inspections/dashboard/")
    for i in range(2):
        build(world, suffix=str(i))
    with CaptureQueriesContext(connection) as many:
        client.get("/inspections/dashboard/")
    assert len(many.captured_queries) == len(few.captured_queries) <= 16


def test_the_monthly_trend_counts_overdue_and_every_point_links_to_its_records(client, world):
    import json

    from django.utils import timezone

    today = services.local_today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    key = last_month.strftime("%Y-%m")

    def at(day, hour=12):
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    still_open = new_finding(world)
    closed_late = new_finding(world, status=Status.CLOSED)
    closed_on_the_day = new_finding(world, status=Status.CLOSED)
    Finding.objects.filter(pk=still_open.pk).update(deadline=last_month)
    Finding.objects.filter(pk=closed_late.pk).update(
        deadline=last_month, closed_at=at(last_month + dt.timedelta(days=1), 1)
    )
    Finding.objects.filter(pk=closed_on_the_day.pk).update(deadline=last_month, closed_at=at(last_month, 23))
    login_client(client, world.city_inspector)
    body = client.get("/inspections/dashboard/").content.decode()
    row = body.split('data-testid="trend"', 1)[1]
    href = f"/inspections/findings/?overdue_month={key}"
    assert f'href="{href}">2</a>' in row
    assert rows_listed(client, href) == 2
    listed = client.get(href).content.decode()
    assert (
        f"/inspections/findings/{still_open.pk}/" in listed
        and f"/inspections/findings/{closed_late.pk}/" in listed
    )
    assert f"/inspections/findings/{closed_on_the_day.pk}/" not in listed
    # The chart's data: a JSON script tag (no inline script), each point with the link of its list.
    data = json.loads(
        html.unescape(
            re.search(
                r'<script type="application/json" id="insp-trend-data">(.*?)</script>', body, re.S
            ).group(1)
        )
    )
    assert [s["name"] for s in data["series"]] == ["发现", "销号", "逾期"]
    late = dict(zip(data["months"], data["series"][2]["data"], strict=True))[key]
    assert late == {"value": 2, "href": href}
    for series in data["series"]:
        for item in series["data"]:
            assert rows_listed(client, item["href"]) == item["value"], item
    assert 'src="/static/inspections/trend.js"' in body and "<script>" not in body
    assert "较上月" in row
