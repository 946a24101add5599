"""督查通报: the figures for a period, stored with the bulletin and written into a .docx."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from docx import Document

from conftest import login_client
from wenming.inspections import services
from wenming.inspections.models import Finding, FindingEvent, InspectionPoint, Status
from wenming.inspections.tests.helpers import category, new_finding, point, take
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def shift(finding, days: int) -> None:
    """Move a finding's dates back by whole days (its history as if recorded earlier)."""
    delta = dt.timedelta(days=days)
    f = Finding.objects.get(pk=finding.pk)
    Finding.objects.filter(pk=f.pk).update(
        created_at=f.created_at - delta,
        deadline=f.deadline - delta,
        closed_at=f.closed_at - delta if f.closed_at else None,
    )
    FindingEvent.objects.filter(finding=f).update(created_at=timezone.now() - delta)


def build(world):
    today = services.local_today()
    cat_a, cat_b = category("牛皮癣"), category("路面破损")
    fixed = new_finding(world, status=Status.CLOSED, category=cat_a)  # closed the same day: 0 days
    unfixed = take(world, new_finding(world, category=cat_b), "close_unfixed", reason="无法整改")
    late = new_finding(world, status=Status.RECTIFYING, category=cat_b)
    shift(late, 20)  # deadline long passed: overdue at the end of the period
    b_point = point(world, name="西湖区站点", unit=world.unit_b)
    InspectionPoint.objects.filter(pk=b_point.pk).update(
        region=world.county_b, region_code=world.county_b.code
    )
    elsewhere = new_finding(world, point=InspectionPoint.objects.get(pk=b_point.pk))
    old = new_finding(world, category=cat_a)
    shift(old, 60)  # before the period
    return today, {"fixed": fixed, "unfixed": unfixed, "late": late, "elsewhere": elsewhere, "old": old}


def issue(user, start, end):
    with as_user(user):
        return services.bulletin_issue(user=user, start=start, end=end)


def test_figures_count_the_period_in_the_office_region(world):
    today, made = build(world)
    bulletin = issue(world.county_a_admin, today - dt.timedelta(days=30), today)
    f = bulletin.figures["findings"]
    # In 东城区 and recorded within the 30 days: fixed, unfixed, late (elsewhere is 西湖区, old is earlier).
    assert (f["found"], f["closed"], f["fixed"]) == (3, 2, 1)
    assert f["closure_rate"] == "66.7%"
    assert f["avg_days"] == "0.0"
    assert bulletin.figures["overdue_units"] == [["东城区执法局", 2]]  # late, and old (overdue since)
    assert bulletin.figures["categories"] == [["路面破损", 2, 1, "50.0%"], ["牛皮癣", 1, 1, "100.0%"]]
    assert bulletin.figures["units"] == [["东城区执法局", 3, 2, "66.7%"]]
    city = issue(world.city_admin, today - dt.timedelta(days=30), today)
    assert city.figures["findings"]["found"] == 4 and city.seq == 1  # the city sees both counties


def test_the_document_says_what_the_figures_say(world):
    today, _ = build(world)
    bulletin = issue(world.county_a_admin, today - dt.timedelta(days=30), today)
    with default_storage.open(bulletin.document.blob.storage_name, "rb") as fh:
        doc = Document(io.BytesIO(fh.read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert bulletin.number in text and "东城区文明办" in text
    assert (
        "本期共发现问题 3 个" in text
        and "已销号 2 个（其中整改到位 1 个）" in text
        and "销号率 66.7%" in text
    )
    assert "予以通报：东城区执法局（2 个）" in text
    tables = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert ["责任单位", "发现问题", "已销号", "销号率"] in tables and [
        "东城区执法局",
        "3",
        "2",
        "66.7%",
    ] in tables
    s = doc.sections[0]
    assert (round(s.top_margin.mm), round(s.left_margin.mm), round(s.page_width.mm)) == (37, 28, 210)
    second = issue(world.county_a_admin, today - dt.timedelta(days=7), today)
    assert second.seq == bulletin.seq + 1


def test_bad_periods_and_roles_are_refused(world):
    today = services.local_today()
    with pytest.raises(ValidationError, match="不能早于"):
        issue(world.county_a_admin, today, today - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="不能晚于今天"):
        issue(world.county_a_admin, today, today + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        issue(world.city_inspector, today, today)
    with pytest.raises(PermissionDenied):
        issue(world.unit_a_admin, today, today)


def test_pages(client, world):
    today, _ = build(world)
    login_client(client, world.county_a_admin)
    response = client.post(
        "/inspections/bulletins/issue/",
        {"start": (today - dt.timedelta(days=30)).isoformat(), "end": today.isoformat()},
    )
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert 'data-testid="found">3<' in body and "66.7%" in body and "东城区执法局（2 个）" in body
    assert client.get(response["Location"] + "download/").status_code == 200
    login_client(client, world.county_b_admin)
    assert client.get(response["Location"]).status_code == 404
    login_client(client, world.unit_a_admin)
    assert client.get("/inspections/bulletins/").status_code == 403
    assert client.get(response["Location"]).status_code == 404
