"""随手拍: a resident reports without an account, keeps a receipt code, and sees how the office
triaged it. Photos lose every bit of metadata before they are stored; the phone is protected;
the form is rate limited per address and per phone number; staff see reports of their region."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from PIL import Image

from conftest import login_client
from wenming.files.tests.samples import jpeg_with_gps, png_bytes, upload
from wenming.inspections import services
from wenming.inspections.models import Finding, PublicReport, PublicReportAttempt, ReportStatus, Status
from wenming.inspections.tests.helpers import category, point, take
from wenming.orgs import personal
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db

NEW = "/inspections/public/reports/new/"


def _post(client, world, *, photos=None, phone="", office=None, **extra):
    data = {
        "office": (office or world.county_a_office).pk,
        "location_text": "人民路公交站旁",
        "description": "站牌上贴满小广告",
        "phone": phone,
        "photos": photos if photos is not None else [upload(jpeg_with_gps(), name="IMG_0001.jpg")],
        **extra,
    }
    return client.post(NEW, data, **({"REMOTE_ADDR": extra.pop("ip")} if "ip" in extra else {}))


def _submitted(client, world, **kw) -> PublicReport:
    response = _post(client, world, **kw)
    assert response.status_code == 302, response.content.decode()[:2000]
    receipt = re.search(r"/public/reports/([0-9A-Z-]+)/", response["Location"]).group(1)
    return PublicReport.objects.get(code=receipt.replace("-", ""))


def _stored_image(report: PublicReport) -> tuple[bytes, Image.Image]:
    stored = report.photos.select_related("blob").get()
    with default_storage.open(stored.blob.storage_name, "rb") as fh:
        data = fh.read()
    return data, Image.open(io.BytesIO(data))


def test_a_resident_reports_without_an_account_and_gets_a_receipt(client, world):
    response = client.get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'capture="environment"' in html and "csrfmiddlewaretoken" in html
    assert world.county_a.name in html and "不清楚所在区县" in html  # the top office is the default
    report = _submitted(client, world, latitude="30.274085", longitude="120.155070")
    assert report.status == ReportStatus.PENDING and report.office == world.county_a_office
    assert report.region_code == world.county_a.code and str(report.latitude) == "30.274085"
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{10}", report.code)  # no 0/O, 1/I/L
    page = client.get(f"/inspections/public/reports/{report.receipt}/?new=1").content.decode()
    assert report.receipt in page and "待处理" in page and "请记下回执码" in page


def test_the_top_office_is_the_default_choice(world):
    offices = services.report_offices()
    assert offices[0] == world.city_office
    assert {world.county_a_office, world.county_b_office} <= set(offices)


def test_photo_metadata_is_removed_before_anything_is_stored(client, world):
    source = Image.open(io.BytesIO(jpeg_with_gps()))
    assert source.getexif().get_ifd(0x8825), "the sample must really carry GPS data"
    report = _submitted(client, world)
    data, image = _stored_image(report)
    assert not image.getexif(), "no EXIF at all may remain"
    assert b"TestCam" not in data and b"Exif" not in data
    assert image.size == (200, 400), "turned upright by its orientation tag before the tag is dropped"
    # The public photo is served from those cleaned bytes.
    stored = report.photos.get()
    served = client.get(f"/inspections/public/reports/{report.receipt}/photos/{stored.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == data


def test_bad_photos_are_refused(client, world):
    response = _post(client, world, photos=[upload(b"%PDF-1.4 not a photo", name="a.jpg")])
    assert response.status_code == 200 and "不是照片" in response.content.decode()
    response = _post(client, world, photos=[upload(b"\xff\xd8\xff\xe0" + b"\0" * 100, name="broken.jpg")])
    assert response.status_code == 200 and PublicReport.objects.count() == 0
    response = _post(client, world, photos=[upload(png_bytes(), name=f"{i}.png") for i in range(4)])
    assert "最多上传 3 张" in response.content.decode()
    response = _post(client, world, photos=[])
    assert response.status_code == 200 and PublicReport.objects.count() == 0


def test_the_phone_is_stored_protected_and_shown_masked(client, world, login):
    report = _submitted(client, world, phone="138 1234 5678")
    assert "13812345678" not in report.phone_enc
    assert personal.decrypt(report.phone_enc) == "13812345678"
    assert report.phone_hash == personal.phone_hash("13812345678")
    assert report.phone_masked == "138****5678"
    login(world.county_a_admin)
    page = client.get(f"/inspections/reports/{report.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert _post(client, world, phone="12345").status_code == 200  # not a mobile number: refused


def test_receipt_lookup_accepts_what_people_type_and_refuses_forged_codes(client, world):
    report = _submitted(client, world)
    typed = report.receipt.lower().replace("-", " ")
    response = client.get("/inspections/public/reports/status/", {"receipt": typed})
    assert response.status_code == 302 and response["Location"].endswith(f"/{report.receipt}/")
    forged = ("2" if report.code[0] != "2" else "3") + report.code[1:]
    assert client.get(f"/inspections/public/reports/{forged}/").status_code == 404
    assert client.get("/inspections/public/reports/NEW-CODE/").status_code == 404
    response = client.get("/inspections/public/reports/status/", {"receipt": forged})
    assert response.status_code == 200 and "未找到该回执码" in response.content.decode()


@override_settings(PUBLIC_REPORT_LIMITS={"per_ip": 2})
def test_it_is_rate_limited_per_address(client, world):
    _submitted(client, world)
    _submitted(client, world)
    response = _post(client, world)
    assert response.status_code == 429 and "过于频繁" in response.content.decode()
    assert PublicReport.objects.count() == 2
    # Another address is not affected.
    assert _post(client, world, ip="10.0.0.9").status_code == 302


@override_settings(PUBLIC_REPORT_LIMITS={"per_ip": 100, "per_phone": 1})
def test_it_is_rate_limited_per_phone_number(client, world):
    _submitted(client, world, phone="13812345678", ip="10.0.0.1")
    response = _post(client, world, phone="138-1234-5678", ip="10.0.0.2")  # same number, typed differently
    assert response.status_code == 429 and "手机号" in response.content.decode()
    assert _post(client, world, phone="13900001111", ip="10.0.0.3").status_code == 302
    assert _post(client, world, ip="10.0.0.4").status_code == 302  # no phone: only the address counts
    # The attempts table keeps hashes, never numbers.
    assert (
        not PublicReportAttempt.objects.filter(phone_hash__contains="138")
        .exclude(phone_hash__regex=r"^[0-9a-f]{32}$")
        .exists()
    )


def test_csrf_still_applies(world):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        NEW, {"office": world.county_a_office.pk, "location_text": "x", "description": "y"}
    )
    assert response.status_code == 403


def test_accepted_into_a_finding_the_reporter_follows_it(client, world, login):
    report = _submitted(client, world, latitude="30.1", longitude="120.2")
    the_point = point(world)
    staff = Client()
    login_client(staff, world.city_inspector)
    response = staff.post(
        f"/inspections/reports/{report.pk}/accept/",
        {"category": category().pk, "severity": "major", "point": the_point.pk, "location_text": ""},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    finding = report.finding
    assert report.status == ReportStatus.ACCEPTED and finding.responsible_unit == world.unit_a
    assert finding.point == the_point and str(finding.latitude) == "30.100000"
    assert finding.location_text == report.location_text and report.receipt in finding.description
    assert set(finding.events.get().files.all()) == set(report.photos.all())
    # The unit sees the (cleaned) photo on its finding.
    stored = report.photos.get()
    login_client(staff, world.unit_a_admin)
    assert staff.get(f"/inspections/findings/{finding.pk}/photos/{stored.pk}/").status_code == 200
    page = client.get(f"/inspections/public/reports/{report.receipt}/").content.decode()
    assert "已受理" in page and "挂账" in page and f"{finding.deadline:%Y-%m-%d}" in page
    for action in ("start", "request_closure", "begin_review", "verify"):
        finding = take(world, finding, action)
    page = client.get(f"/inspections/public/reports/{report.receipt}/").content.decode()
    assert "已销号" in page and "已整改到位" in page
    # It cannot be triaged again.
    login_client(staff, world.city_inspector)
    response = staff.post(f"/inspections/reports/{report.pk}/reject/", {"reason": "重复"}, follow=True)
    assert "不能重复处理" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and not report.reject_reason


def test_rejected_the_reporter_reads_the_reason(client, world, login):
    report = _submitted(client, world)
    login(world.county_a_admin)
    assert client.post(f"/inspections/reports/{report.pk}/reject/", {"reason": ""}).status_code == 400
    response = client.post(
        f"/inspections/reports/{report.pk}/reject/", {"reason": "该处属私人住宅区，不在受理范围"}
    )
    assert response.status_code == 302
    client.logout()
    page = client.get(f"/inspections/public/reports/{report.receipt}/").content.decode()
    assert "不予受理" in page and "该处属私人住宅区，不在受理范围" in page
    report.refresh_from_db()
    assert report.status == ReportStatus.REJECTED and report.finding is None
    assert not Finding.objects.exists()


def test_staff_see_the_reports_of_their_region(client, world, login):
    county = _submitted(client, world)
    top = _submitted(client, world, office=world.city_office)
    login(world.county_a_admin)
    page = client.get("/inspections/reports/").content.decode()
    assert county.receipt in page and top.receipt not in page  # a city-wide report is the city's
    assert client.get(f"/inspections/reports/{top.pk}/").status_code == 404
    login(world.city_admin)
    page = client.get("/inspections/reports/").content.decode()
    assert county.receipt in page and top.receipt in page
    login(world.county_b_admin)
    assert client.get(f"/inspections/reports/{county.pk}/").status_code == 404
    assert county.receipt not in client.get("/inspections/reports/").content.decode()
    login(world.unit_a_admin)  # units never see reports
    assert client.get(f"/inspections/reports/{county.pk}/").status_code == 404
    assert client.get("/inspections/reports/").status_code == 403
    with as_user(world.county_b_admin), pytest.raises(PermissionDenied):
        services.report_reject(report=county, user=world.county_b_admin, reason="x")


def test_pages_run_a_bounded_number_of_queries(client, world, login, django_assert_max_num_queries):
    reports = [_submitted(client, world, ip=f"10.0.1.{i}") for i in range(6)]
    with django_assert_max_num_queries(6):
        assert client.get(f"/inspections/public/reports/{reports[0].receipt}/").status_code == 200
    login(world.city_admin)
    with django_assert_max_num_queries(20):
        assert client.get("/inspections/reports/").status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(f"/inspections/reports/{reports[0].pk}/").status_code == 200
    assert Status.OPEN  # keep the import used


def test_staff_reveal_the_full_number_for_a_call_back_audited(client, world, login):
    from wenming.audit.models import AuditEntry

    report = _submitted(client, world, phone="13812345678")
    login(world.county_a_admin)
    assert 'data-testid="reveal-phone"' in client.get(f"/inspections/reports/{report.pk}/").content.decode()
    assert client.get(f"/inspections/reports/{report.pk}/phone/").status_code == 405  # never a link
    response = client.post(f"/inspections/reports/{report.pk}/phone/")
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.filter(action="view_sensitive", object_id=str(report.pk)).get()
    assert "13812345678" not in str(entry.changes) and "13812345678" not in entry.object_repr
    login(world.county_b_admin)
    assert client.post(f"/inspections/reports/{report.pk}/phone/").status_code == 404
    with as_user(world.unit_a_admin), pytest.raises(PermissionDenied):
        services.report_reveal_phone(report=report, user=world.unit_a_admin)
    silent = _submitted(client, world, ip="10.9.9.9")
    login(world.city_admin)
    assert (
        'data-testid="reveal-phone"' not in client.get(f"/inspections/reports/{silent.pk}/").content.decode()
    )
