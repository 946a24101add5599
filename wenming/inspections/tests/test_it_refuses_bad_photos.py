"""Photos go through the files service: oversized images and non-images are refused before
anything is stored, and the finding is not written either."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from wenming.files.models import StoredFile
from wenming.files.tests.samples import pdf_bytes, upload
from wenming.inspections.models import Finding, Status
from wenming.inspections.tests.helpers import new_finding, photo, png_photo, take

pytestmark = pytest.mark.django_db


def test_a_photo_is_stored_and_attached_to_the_first_event(world):
    finding = new_finding(world, photos=[photo(), png_photo()])
    event = finding.events.get()
    assert event.action == "create" and event.files.count() == 2
    assert set(event.files.values_list("organisation_id", flat=True)) == {world.unit_a.pk}


def test_an_oversized_photo_is_refused(world, settings):
    settings.FILE_MAX_BYTES = {**settings.FILE_MAX_BYTES, "image": 200}
    findings, files = Finding.objects.count(), StoredFile.objects.count()
    with pytest.raises(ValidationError, match="过大"):
        new_finding(world, photos=[photo(size=(400, 300))])
    assert Finding.objects.count() == findings and StoredFile.objects.count() == files


def test_a_non_image_sent_as_a_photo_is_refused(world):
    files = StoredFile.objects.count()
    with pytest.raises(ValidationError, match="不是照片"):
        new_finding(world, photos=[upload(pdf_bytes(), name="照片.jpg")])
    finding = new_finding(world, status=Status.RECTIFYING)
    with pytest.raises(ValidationError, match="不是照片"):
        take(
            world, finding, "request_closure", reason="已整改", photos=[upload(pdf_bytes(), name="after.png")]
        )
    assert Finding.objects.get(pk=finding.pk).status == Status.RECTIFYING
    assert StoredFile.objects.count() == files


def test_a_broken_image_is_refused(world):
    with pytest.raises(ValidationError, match="损坏"):
        new_finding(world, photos=[upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="坏图.png")])


def test_photos_follow_the_finding_not_the_unit_that_filed_them(client, world):
    from conftest import login_client
    from wenming.files.tests.helpers import make_stored_file

    finding = new_finding(world, photos=[photo()])
    stored = finding.events.get().files.get()
    url = f"/inspections/findings/{finding.pk}/photos/{stored.pk}/"
    login_client(client, world.unit_a_admin)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "sandbox" in response["Content-Security-Policy"]
    other = make_stored_file(owner=world.unit_a_admin, organisation=world.unit_a)
    assert client.get(f"/inspections/findings/{finding.pk}/photos/{other.pk}/").status_code == 404

    take(world, finding, "reassign", new_unit=world.unit_b, reason="非本单位责任")
    assert client.get(url).status_code == 404  # unit A no longer sees the finding
    login_client(client, world.outsider)  # unit B's admin: the finding is now theirs
    assert client.get(url).status_code == 200
    assert client.get(f"/files/{stored.pk}/").status_code == 404  # the file itself stays unit A's
