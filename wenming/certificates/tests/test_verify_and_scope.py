"""The public verification page (valid, tampered, revoked, unknown; no personal data) and who may
see, download, issue and revoke."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.certificates import services
from wenming.certificates.models import Certificate
from wenming.certificates.tests.helpers import PERIOD, hours_world, issued
from wenming.volunteers.tests.helpers import ID_A, PHONE_A

VERIFY = "/certificates/verify/"


def _no_personal_data(html: str, cert: Certificate) -> None:
    for secret in (ID_A, PHONE_A, cert.volunteer.id_masked, cert.volunteer.number, cert.volunteer.name):
        assert secret not in html, secret
    assert "张*" in html or "张" not in cert.volunteer.name


@pytest.mark.django_db
def test_valid_certificate_is_confirmed_without_personal_data(client, world):
    cert = issued(world)
    r = client.get(VERIFY, {"s": cert.serial, "h": cert.content_hash})
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="verify-valid"' in html
    assert "东城区志愿者协会" in html and "5.00" in html
    _no_personal_data(html, cert)


@pytest.mark.django_db
def test_a_changed_hash_is_reported_as_tampered(client, world):
    cert = issued(world)
    wrong = ("0" if cert.content_hash[0] != "0" else "1") + cert.content_hash[1:]
    html = client.get(VERIFY, {"s": cert.serial, "h": wrong}).content.decode()
    assert 'data-testid="verify-tampered"' in html and 'data-testid="verify-valid"' not in html
    assert cert.content_hash not in html  # the real hash is not handed to a forger
    _no_personal_data(html, cert)


@pytest.mark.django_db
def test_content_changed_in_the_database_no_longer_verifies(client, world):
    cert = issued(world)
    content = {**cert.content, "service": {**cert.content["service"], "hours": "500.00"}}
    Certificate.objects.filter(pk=cert.pk).update(content=content)
    html = client.get(VERIFY, {"s": cert.serial, "h": cert.content_hash}).content.decode()
    assert 'data-testid="verify-tampered"' in html and 'data-testid="verify-valid"' not in html


@pytest.mark.django_db
def test_a_revoked_certificate_shows_the_reason(client, world):
    cert = issued(world)
    vw = hours_world(world)
    services.certificate_revoke(certificate=cert, reason="服务时长录入有误，已重新出具", user=vw.vorg_admin)
    html = client.get(VERIFY, {"s": cert.serial, "h": cert.content_hash}).content.decode()
    assert 'data-testid="verify-revoked"' in html and "服务时长录入有误，已重新出具" in html
    assert 'data-testid="verify-valid"' not in html
    _no_personal_data(html, cert)


@pytest.mark.django_db
def test_an_unknown_serial_is_not_found(client, world):
    html = client.get(VERIFY, {"s": "ZM202699990000XXXX", "h": "ab" * 32}).content.decode()
    assert 'data-testid="verify-unknown"' in html


@pytest.mark.django_db
def test_the_qr_code_points_at_the_public_page_with_serial_and_hash(world):
    import io

    from pypdf import PdfReader

    from wenming.certificates.views import verify
    from wenming.files.services import blob_open

    cert = issued(world)
    assert getattr(verify, "login_required", True) is False
    with blob_open(cert.file.blob) as fh:
        text = "".join(PdfReader(io.BytesIO(fh.read())).pages[0].extract_text().split())
    # the address encoded in the QR code is printed beside it
    assert f"http://testserver/certificates/verify/?s={cert.serial}&h={cert.content_hash}" in text


@pytest.mark.django_db
def test_downloads_are_for_the_volunteer_and_the_organisations_admins(client, login, world):
    cert = issued(world)
    vw = hours_world(world)
    url = reverse("certificates:certificate_download", args=[cert.pk])
    for user in (vw.vol_user, vw.vorg_admin):
        login(user)
        r = client.get(url)
        assert r.status_code == 200, user
        assert b"".join(r.streaming_content).startswith(b"%PDF")
    # the county office sees that it exists, but the PDF (personal data) is not theirs to fetch
    login(world.county_a_admin)
    assert client.get(reverse("certificates:certificate_detail", args=[cert.pk])).status_code == 200
    assert client.get(url).status_code == 404
    login(world.outsider)
    assert client.get(reverse("certificates:certificate_detail", args=[cert.pk])).status_code == 404
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_only_the_organisations_admins_issue_and_revoke(client, login, world):
    cert = issued(world)
    vw = hours_world(world)
    login(world.county_a_admin)
    assert client.get(reverse("certificates:certificate_issue")).status_code == 403
    r = client.post(reverse("certificates:certificate_revoke", args=[cert.pk]), {"reason": "x"})
    assert r.status_code == 403
    login(vw.vol_user)
    assert client.get(reverse("certificates:certificate_issue")).status_code == 403


@pytest.mark.django_db
def test_request_then_issue_through_the_pages(client, login, world):
    vw = hours_world(world)
    login(vw.vol_user)
    r = client.post(
        reverse("certificates:request_create"),
        {"org": vw.vorg_a.pk, "period_start": PERIOD[0], "period_end": PERIOD[1], "purpose": "升学"},
    )
    assert r.status_code == 302
    req = vw.volunteer_a.certificate_requests.get()
    login(vw.vorg_admin)
    page = client.get(reverse("certificates:certificate_list")).content.decode()
    assert 'data-testid="requests-to-handle"' in page
    r = client.post(
        reverse("certificates:certificate_issue"),
        {
            "org": vw.vorg_a.pk, "volunteer_number": vw.volunteer_a.number, "period_start": PERIOD[0],
            "period_end": PERIOD[1], "head": "王会长", "handler": "李经办", "contact": "0571-88886666", "request_id": req.pk,
        },
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    req.refresh_from_db()
    assert (
        req.status == "issued"
        and str(req.certificate.hours) == req.certificate.content["service"]["hours"] == "5.00"
    )
    from wenming.audit.models import AuditEntry

    assert AuditEntry.objects.filter(
        object_type="certificates.certificate", object_id=str(req.certificate_id)
    ).exists()


@pytest.mark.django_db
def test_pages_have_bounded_queries(client, login, world, django_assert_max_num_queries):
    cert = issued(world)
    vw = hours_world(world)
    for user in (vw.vorg_admin, vw.vol_user, world.county_a_admin):
        login(user)
        with django_assert_max_num_queries(16):
            assert client.get(reverse("certificates:certificate_list")).status_code == 200
        with django_assert_max_num_queries(14):
            assert client.get(reverse("certificates:certificate_detail", args=[cert.pk])).status_code == 200
    client.logout()
    with django_assert_max_num_queries(4):
        assert client.get(VERIFY, {"s": cert.serial, "h": cert.content_hash}).status_code == 200
