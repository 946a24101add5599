"""Dashboard, drill-down, ranking and exports: who may look, every figure equals its list, masked
output, bounded queries."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse

from wenming.certificates.tests.helpers import hours_world, issued
from wenming.volunteers.tests.helpers import CLEAR_VALUES
from wenming.vstats import selectors

PERIOD = {"start": "2025-01-01", "end": "2025-12-31"}


def _xlsx_text(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml"))


@pytest.mark.django_db
def test_offices_see_their_subtree_others_do_not(client, login, world):
    hours_world(world)
    login(world.county_a_admin)
    assert client.get(reverse("vstats:dashboard"), {"region": "990102000000", **PERIOD}).status_code == 200
    assert client.get(reverse("vstats:dashboard"), {"region": "990103000000", **PERIOD}).status_code == 404
    login(world.city_admin)
    assert client.get(reverse("vstats:dashboard"), {"region": "990103000000", **PERIOD}).status_code == 200
    for user in (
        world.unit_a_admin,
        world.outsider,
        hours_world(world).vorg_admin,
        hours_world(world).vol_user,
    ):
        login(user)
        assert client.get(reverse("vstats:dashboard")).status_code == 403, user


@pytest.mark.django_db
def test_every_figure_equals_the_rows_its_link_lists(client, login, world):
    vw = hours_world(world)
    login(world.city_admin)
    page = client.get(reverse("vstats:dashboard"), {"region": "990100000000", **PERIOD}).content.decode()
    figures = selectors.region_figures(prefix="9901", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    assert figures["hours"] == sum(r.hours for r in vw.vorg_a.service_records.filter(date__year=2025)) + sum(
        r.hours for r in vw.vorg_b.service_records.filter(date__year=2025)
    )
    assert f">{figures['hours']}<" in page and f">{figures['participations']}<" in page
    for kind, start, key in (
        ("volunteers", None, "volunteers_total"),
        ("orgs", None, "orgs_total"),
        ("teams", None, "teams_total"),
        ("projects", None, "projects_total"),
        ("activities", dt.date(2025, 1, 1), "activities"),
        ("records", dt.date(2025, 1, 1), "participations"),
    ):
        qs = selectors.drill(
            user=world.city_admin, kind=kind, prefix="9901", start=start, end=dt.date(2025, 12, 31)
        )
        if kind == "records":
            qs = qs.exclude(source="correction")
        assert qs.count() == figures[key], kind
        params = {"what": kind, "region": "990100000000", "end": "2025-12-31"}
        if start:
            params["start"] = "2025-01-01"
        assert client.get(reverse("vstats:drill"), params).status_code == 200


@pytest.mark.django_db
def test_ranking_and_exports_are_masked(client, login, world):
    issued(world)
    login(world.city_admin)
    r = client.get(reverse("vstats:ranking"), {"region": "990100000000", **PERIOD})
    html = r.content.decode()
    assert "张志愿" in html
    for clear in CLEAR_VALUES:
        assert clear not in html
    text = _xlsx_text(
        client.get(reverse("vstats:ranking"), {"region": "990100000000", "format": "xlsx", **PERIOD})
    )
    assert "张志愿" in text
    for element in ("volunteers", "teams", "projects", "service", "certificates"):
        resp = client.get(reverse("vstats:export"), {"region": "990100000000", "element": element, **PERIOD})
        assert resp.status_code == 200, element
        text = _xlsx_text(resp)
        for clear in CLEAR_VALUES:
            assert clear not in text, (element, clear)
    today = dt.date.today().isoformat()  # registered today: "as of the end of the period" must reach today
    vol_text = _xlsx_text(
        client.get(
            reverse("vstats:export"), {"region": "990100000000", "element": "volunteers", "end": today}
        )
    )
    assert "张志愿" in vol_text and "*" in vol_text


@pytest.mark.django_db
def test_ranking_orders_by_hours_within_the_region(world):
    vw = hours_world(world)
    rows = selectors.ranking(
        user=world.city_admin, prefix="990102", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)
    )
    assert rows[0]["volunteer"] == vw.volunteer_a
    # vorg_a's lines only (the 7 h by 西湖区's organisation are outside 东城区)
    assert str(rows[0]["hours"]) == "9.00"


@pytest.mark.django_db
def test_pages_have_bounded_queries(client, login, world, django_assert_max_num_queries):
    hours_world(world)
    login(world.city_admin)
    # The first request after signing in stamps the session (one UPDATE in a savepoint); the
    # bound is for a page view, not for that one-off write.
    client.get(reverse("vstats:dashboard"), {"region": "990100000000", **PERIOD})
    with django_assert_max_num_queries(14):
        assert (
            client.get(reverse("vstats:dashboard"), {"region": "990100000000", **PERIOD}).status_code == 200
        )
    for kind in selectors.DRILL_KINDS:
        with django_assert_max_num_queries(14):
            assert (
                client.get(
                    reverse("vstats:drill"), {"what": kind, "region": "990100000000", **PERIOD}
                ).status_code
                == 200
            )
    with django_assert_max_num_queries(14):
        assert client.get(reverse("vstats:ranking"), {"region": "990100000000", **PERIOD}).status_code == 200
