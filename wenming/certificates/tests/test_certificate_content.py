"""The PDF carries the four required parts, the masked ID only, and only the issuer's hours."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from wenming.certificates.services import content_hash
from wenming.certificates.tests.helpers import issued
from wenming.files.services import blob_open
from wenming.volunteers.tests.helpers import ID_A, PHONE_A


def _pdf_text(cert) -> str:
    with blob_open(cert.file.blob) as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    assert len(reader.pages) == 1
    return "".join(reader.pages[0].extract_text().split())


@pytest.mark.django_db
def test_it_has_the_four_parts_in_chinese(world):
    cert = issued(world)
    text = _pdf_text(cert)
    # identity
    assert "志愿服务证明" in text
    assert "张志愿" in text
    assert cert.volunteer.id_masked in text
    assert cert.volunteer.number in text
    # service: hours and content over the period
    assert "2025年1月1日至2025年6月30日" in text
    assert "累计服务时长5.00小时" in text
    assert "敬老院助老服务" in text and "社区垃圾分类宣传" in text
    # issuer: name, head, handler, contact
    assert "东城区志愿者协会" in text and "王会长" in text and "李经办" in text and "0571-88886666" in text
    # serial and date, hash
    assert cert.serial in text and "2025年7月15日" in text
    assert cert.content_hash[:32] in text and cert.content_hash[32:] in text


@pytest.mark.django_db
def test_it_shows_the_masked_id_only(world):
    cert = issued(world)
    text = _pdf_text(cert)
    assert ID_A not in text and PHONE_A not in text
    assert ID_A not in str(cert.content) and PHONE_A not in str(cert.content)
    assert "*" in cert.volunteer.id_masked and cert.volunteer.id_masked in text


@pytest.mark.django_db
def test_hours_are_the_issuers_own_within_the_period(world):
    cert = issued(world)
    # 3.00 − 0.50 (correction) + 2.50; not the 4 h after the period, not vorg_b's 7 h
    assert cert.hours == Decimal("5.00")
    items = {i["content"]: i for i in cert.content["service"]["items"]}
    assert items["敬老院助老服务"]["hours"] == "2.50" and items["敬老院助老服务"]["times"] == 1
    assert set(items) == {"敬老院助老服务", "社区垃圾分类宣传"}
    assert "西湖区环保活动" not in _pdf_text(cert)
    assert cert.content["service"]["times"] == 2


@pytest.mark.django_db
def test_the_hash_is_over_the_canonical_content(world):
    cert = issued(world)
    assert content_hash(cert.content) == cert.content_hash
    changed = {**cert.content, "service": {**cert.content["service"], "hours": "50.00"}}
    assert content_hash(changed) != cert.content_hash


@pytest.mark.django_db
def test_it_refuses_a_period_without_the_issuers_hours(world):
    import datetime as dt

    from django.core.exceptions import ValidationError

    from wenming.certificates import services
    from wenming.certificates.tests.helpers import hours_world

    vw = hours_world(world)
    with pytest.raises(ValidationError):
        services.certificate_issue(
            org=vw.vorg_a, volunteer=vw.volunteer_a, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31),
            head="王会长", handler="李经办", contact="0571", user=vw.vorg_admin, verify_url="http://x/",
        )  # fmt: skip
