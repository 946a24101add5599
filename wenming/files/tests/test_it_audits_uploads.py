"""Every stored upload leaves an audit entry: who, from where, which content."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from wenming.audit.models import Action, AuditEntry
from wenming.audit.services import audit_verify
from wenming.files.services import file_store
from wenming.files.sniff import UploadRefused
from wenming.files.tests import samples
from wenming.files.tests.samples import upload


@pytest.mark.django_db
def test_it_records_the_upload_with_its_checksum(world):
    data = samples.pdf_bytes() + b"% audit\n"
    stored = file_store(
        upload=upload(data, "审计.pdf"),
        organisation=world.unit_a,
        user=world.unit_a_admin,
        purpose="测评材料",
    )
    entry = AuditEntry.objects.get(object_type="files.storedfile", object_id=str(stored.pk))
    assert entry.action == Action.CREATE
    assert (entry.region_code, entry.org_id) == (world.unit_a.region_code, world.unit_a.pk)
    assert entry.changes["sha256"] == [None, hashlib.sha256(data).hexdigest()]
    assert entry.changes["original_name"] == [None, "审计.pdf"]
    assert entry.changes["purpose"] == [None, "测评材料"]
    assert audit_verify()[1] is None


@pytest.mark.django_db
def test_it_names_the_uploader_and_address_when_uploaded_from_the_page(client, login, world):
    login(world.unit_a_admin)
    response = client.post(
        reverse("files:file_upload"),
        {
            "organisation": world.unit_a.pk,
            "files": [upload(samples.pdf_bytes() + b"% page\n", "页面上传.pdf")],
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(object_type="files.storedfile").latest("seq")
    assert (entry.actor_id, entry.ip, entry.object_repr) == (
        world.unit_a_admin.pk,
        "10.1.2.3",
        "页面上传.pdf",
    )


@pytest.mark.django_db
def test_it_writes_nothing_for_a_refused_upload(world):
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    with pytest.raises(UploadRefused):
        file_store(
            upload=upload(samples.exe_bytes(), "a.pdf"), organisation=world.unit_a, user=world.unit_a_admin
        )
    assert AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() == last
