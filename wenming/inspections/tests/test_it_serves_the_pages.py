"""The pages: the phone form records a finding, the ledger filters, the detail page acts."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import login_client
from wenming.inspections import services
from wenming.inspections.models import Finding, Status
from wenming.inspections.tests.helpers import category, new_finding, photo, png_photo, point

pytestmark = pytest.mark.django_db


def test_phone_form_has_the_camera_input_and_no_inline_script(client, world):
    point(world)
    login_client(client, world.city_inspector)
    response = client.get("/inspections/findings/new/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'accept="image/*"' in body and 'capture="environment"' in body and "multiple" in body
    assert "inspections/finding_form.js" in body
    assert "<script>" not in body  # CSP: script-src 'self', no inline code
    assert 'data-unit="东城区执法局"' in body  # the point's 包保单位 travels with the option


def test_recording_a_finding_from_the_form(client, world):
    p = point(world)
    cat = category()
    login_client(client, world.city_inspector)
    response = client.post(
        "/inspections/findings/new/",
        {
            "point": p.pk,
            "category": cat.pk,
            "severity": "major",
            "location_text": "站台东侧广告栏",
            "latitude": "30.123456",
            "longitude": "120.654321",
            "description": "站台立柱上有小广告",
            "photos": [photo(), png_photo()],
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.latest("id")
    assert response["Location"] == f"/inspections/findings/{finding.pk}/"
    assert finding.responsible_unit_id == world.unit_a.pk  # from the point's 包保 assignment
    assert finding.office_id == world.city_office.pk and finding.region_code == world.county_a.code
    assert str(finding.latitude) == "30.123456"
    assert finding.deadline == services.local_today() + dt.timedelta(days=cat.days_major)
    assert finding.events.get().files.count() == 2
    detail = client.get(response["Location"]).content.decode()
    assert "站台东侧广告栏" in detail and detail.count('data-testid="event-photo"') == 2


def test_form_errors_are_in_chinese(client, world):
    login_client(client, world.city_inspector)
    response = client.post("/inspections/findings/new/", {"category": category().pk, "severity": "minor"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "未选择点位时，请选择责任单位" in body and "请填写位置描述" in body


def test_a_finding_without_a_point_names_its_unit(client, world):
    login_client(client, world.county_a_admin)
    response = client.post(
        "/inspections/findings/new/",
        {
            "responsible_unit": world.unit_a.pk,
            "location_text": "朝阳路 18 号门前",
            "category": category().pk,
            "severity": "severe",
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.latest("id")
    assert finding.point is None and finding.office_id == world.county_a_office.pk


def test_detail_page_shows_the_buttons_the_user_may_use(client, world):
    finding = new_finding(world, status=Status.RECTIFYING)
    login_client(client, world.unit_a_admin)
    body = client.get(f"/inspections/findings/{finding.pk}/").content.decode()
    assert 'data-testid="action-request_closure"' in body and 'data-testid="action-reassign"' not in body
    login_client(client, world.city_inspector)
    body = client.get(f"/inspections/findings/{finding.pk}/").content.decode()
    assert 'data-testid="action-reassign"' in body and 'data-testid="action-request_closure"' not in body


def test_the_full_flow_through_the_pages(client, world):
    finding = new_finding(world)
    url = f"/inspections/findings/{finding.pk}/act/"
    login_client(client, world.unit_a_admin)
    assert client.post(url, {"action": "start"}).status_code == 302
    # Asking for closure without a photo: refused with a message, nothing changes.
    response = client.post(url, {"action": "request_closure", "reason": "已清理"}, follow=True)
    assert "整改后的照片" in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).status == Status.RECTIFYING
    client.post(url, {"action": "request_closure", "reason": "已清理", "photos": [png_photo()]})
    login_client(client, world.city_inspector)
    client.post(url, {"action": "begin_review"})
    response = client.post(url, {"action": "verify"}, follow=True)
    assert "已复核通过，销号" in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).status == Status.CLOSED
    # An illegal step through the page: a clear message, no change.
    response = client.post(url, {"action": "start"}, follow=True)
    assert "不能执行“开始整改”" in response.content.decode()


@pytest.mark.parametrize(
    "query,expected",
    [
        ("status=rectifying", {"rectifying"}),
        ("overdue=1", {"overdue"}),
        ("todo=review", {"closure_requested"}),
    ],
)
def test_ledger_filters(client, world, query, expected):
    rect = new_finding(world, status=Status.RECTIFYING)
    req = new_finding(world, status=Status.CLOSURE_REQUESTED)
    late = new_finding(world)
    Finding.objects.filter(pk=late.pk).update(deadline=services.local_today() - dt.timedelta(days=1))
    ids = {"rectifying": rect.pk, "closure_requested": req.pk, "overdue": late.pk}
    login_client(client, world.city_inspector)
    body = client.get(f"/inspections/findings/?{query}").content.decode()
    for key, pk in ids.items():
        assert (f'href="/inspections/findings/{pk}/"' in body) == (key in expected), (query, key)


def test_ledger_filters_by_unit_and_category(client, world):
    a = new_finding(world, category=category("蜘蛛网"))
    b = new_finding(world, category=category("卫生死角"))
    login_client(client, world.city_inspector)
    body = client.get(
        f"/inspections/findings/?category={a.category_id}&unit={world.unit_a.pk}"
    ).content.decode()
    assert (
        f'href="/inspections/findings/{a.pk}/"' in body
        and f'href="/inspections/findings/{b.pk}/"' not in body
    )


def test_home_attention_for_unit_and_inspector(client, world):
    rect = new_finding(world, status=Status.RECTIFYING)
    req = new_finding(world, status=Status.CLOSURE_REQUESTED)
    login_client(client, world.unit_a_admin)
    body = client.get("/").content.decode()
    assert "待整改的问题" in body and "?todo=unit" in body
    listing = client.get("/inspections/findings/?todo=unit").content.decode()
    assert f'href="/inspections/findings/{rect.pk}/"' in listing
    assert f'href="/inspections/findings/{req.pk}/"' not in listing
    login_client(client, world.city_inspector)
    body = client.get("/").content.decode()
    assert "待复核的问题" in body and "?todo=review" in body


def test_points_pages(client, world):
    p = point(world)
    new_finding(world, point=p)
    login_client(client, world.unit_a_admin)
    assert p.name in client.get("/inspections/points/").content.decode()
    body = client.get(f"/inspections/points/{p.pk}/").content.decode()
    assert "东城区执法局" in body and "该点位的问题（共 1 个）" in body
    login_client(client, world.outsider)
    assert client.get(f"/inspections/points/{p.pk}/").status_code == 404
    assert p.name not in client.get("/inspections/points/").content.decode()
