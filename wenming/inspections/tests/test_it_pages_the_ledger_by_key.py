"""The ledger pages by key (no OFFSET): next/previous walk every row once, filters stay in the links,
and the count stops at a cap with honest wording."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import login_client
from wenming.inspections import selectors, services
from wenming.inspections.models import Finding, Status
from wenming.inspections.tests.helpers import category, new_finding

pytestmark = pytest.mark.django_db


def ids(body: str) -> list[int]:
    return [int(x) for x in re.findall(r'href="/inspections/findings/(\d+)/"', body)]


def link(body: str, rel: str) -> str | None:
    m = re.search(r'href="\?([^"]+)" rel="' + rel + '"', body)
    return "/inspections/findings/?" + html.unescape(m.group(1)) if m else None


def make(world, n: int, **kw) -> list[Finding]:
    made = [new_finding(world, **kw) for _ in range(n)]
    # Ties on created_at (bulk loads, clock granularity): the id breaks them.
    same = timezone.now() - dt.timedelta(days=1)
    Finding.objects.filter(pk__in=[f.pk for f in made[: n // 2]]).update(created_at=same)
    return made


def test_next_and_previous_walk_every_row_once_in_order(client, world, monkeypatch):
    monkeypatch.setattr("wenming.inspections.views.PAGE_SIZE", 4)
    make(world, 11)
    login_client(client, world.county_a_admin)
    expected = list(Finding.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    url, seen, pages = "/inspections/findings/", [], []
    while url:
        body = client.get(url).content.decode()
        pages.append((url, ids(body)))
        seen += ids(body)
        url = link(body, "next")
    assert seen == expected and len(pages) == 3
    # Back from the last page: the same pages in reverse.
    body = client.get(pages[-1][0]).content.decode()
    for _url, page_ids in reversed(pages[:-1]):
        prev = link(body, "prev")
        body = client.get(prev).content.decode()
        assert ids(body) == page_ids
    assert link(body, "prev") is None and "第一页" not in body


def test_the_overdue_list_pages_by_deadline_and_keeps_its_filters(client, world, monkeypatch):
    monkeypatch.setattr("wenming.inspections.views.PAGE_SIZE", 3)
    spider = category("蜘蛛网")
    made = make(world, 7, category=spider) + make(world, 2)
    today = services.local_today()
    for i, f in enumerate(made):
        Finding.objects.filter(pk=f.pk).update(
            deadline=today - dt.timedelta(days=1 + i % 3), status=Status.RECTIFYING
        )
    login_client(client, world.county_a_admin)
    url = f"/inspections/findings/?overdue=1&category={spider.pk}"
    expected = list(
        Finding.objects.filter(category=spider).order_by("deadline", "id").values_list("pk", flat=True)
    )
    seen = []
    while url:
        assert "overdue=1" in url and f"category={spider.pk}" in url
        body = client.get(url).content.decode()
        seen += ids(body)
        url = link(body, "next")
    assert seen == expected


def test_the_count_is_capped_with_honest_wording(client, world, monkeypatch):
    monkeypatch.setattr(selectors, "LEDGER_COUNT_CAP", 5)
    make(world, 6)
    login_client(client, world.county_a_admin)
    body = client.get("/inspections/findings/").content.decode()
    assert "超过 5 条" in body and "共 6 条" not in body
    monkeypatch.setattr(selectors, "LEDGER_COUNT_CAP", 6)
    body = client.get("/inspections/findings/").content.decode()
    assert "共 6 条" in body and "超过" not in body


def test_a_deep_page_costs_what_the_first_costs(client, world, monkeypatch):
    monkeypatch.setattr("wenming.inspections.views.PAGE_SIZE", 2)
    make(world, 7)
    login_client(client, world.county_a_admin)
    url = "/inspections/findings/"
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        body = client.get(url).content.decode()
    for _ in range(2):
        body = client.get(link(body, "next")).content.decode()
    with CaptureQueriesContext(connection) as deep:
        client.get(link(body, "next"))
    assert len(deep.captured_queries) == len(first.captured_queries)
    assert not any("OFFSET" in q["sql"].upper() for q in deep.captured_queries)


@pytest.mark.parametrize(
    "cursor", ["after=junk", "after=9.x", "before=2026-13-40.5", "after=99999999999999999999999.1"]
)
def test_a_malformed_cursor_is_the_first_page(client, world, cursor):
    make(world, 2)
    login_client(client, world.county_a_admin)
    response = client.get(f"/inspections/findings/?{cursor}")
    assert response.status_code == 200 and len(ids(response.content.decode())) == 2


def test_the_unit_filter_keeps_the_chosen_unit_and_escapes_names(client, world):
    from wenming.orgs.models import Organisation

    Organisation.objects.filter(pk=world.unit_a.pk).update(name="东城<执法>局")
    login_client(client, world.county_a_admin)
    body = client.get(f"/inspections/findings/?unit={world.unit_a.pk}").content.decode()
    assert f'<option value="{world.unit_a.pk}" selected>东城&lt;执法&gt;局</option>' in body
