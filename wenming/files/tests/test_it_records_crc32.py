"""Uploads record the CRC-32 beside the SHA-256; blobs stored before that get it lazily."""

from __future__ import annotations

import zlib

import pytest

from wenming.files.models import Blob
from wenming.files.services import blob_crc32, blob_open, file_store
from wenming.files.tests import samples
from wenming.files.tests.helpers import make_stored_file
from wenming.files.tests.samples import upload


@pytest.mark.django_db
def test_it_records_the_crc32_at_upload(world):
    data = samples.pdf_bytes() + "校验".encode()
    stored = file_store(upload=upload(data, "方案.pdf"), organisation=world.unit_a, user=world.unit_a_admin)
    assert stored.blob.crc32 == zlib.crc32(data)
    assert Blob.objects.get(pk=stored.blob_id).crc32 == zlib.crc32(data)


@pytest.mark.django_db
def test_an_older_blob_gets_its_crc32_lazily_or_from_a_new_upload_of_the_same_bytes(world):
    content = "旧文件，没有记录 CRC-32\n".encode()
    old = make_stored_file(owner=world.unit_a_admin, organisation=world.unit_a, content=content)
    assert old.blob.crc32 is None
    assert blob_crc32(old.blob) == zlib.crc32(content)
    assert Blob.objects.get(pk=old.blob_id).crc32 == zlib.crc32(content)
    with blob_open(old.blob) as fh:
        assert fh.read() == content

    other = make_stored_file(owner=world.unit_a_admin, organisation=world.unit_a, content=b"plain text two\n")
    Blob.objects.filter(pk=other.blob_id).update(crc32=None)
    again = file_store(
        upload=upload(b"plain text two\n", "b.txt"), organisation=world.unit_a, user=world.unit_a_admin
    )
    assert again.blob_id == other.blob_id
    assert Blob.objects.get(pk=other.blob_id).crc32 == zlib.crc32(b"plain text two\n")
