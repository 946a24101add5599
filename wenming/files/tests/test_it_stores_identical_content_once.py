"""Identical bytes are stored once, however many uploads (and names) share them."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage

from wenming.files.models import Blob, StoredFile
from wenming.files.services import file_store
from wenming.files.tests import samples
from wenming.files.tests.samples import upload


@pytest.mark.django_db
def test_it_keeps_one_blob_for_two_uploads_of_the_same_bytes(world):
    data = samples.pdf_bytes() + "去重测试".encode()
    first = file_store(upload=upload(data, "方案.pdf"), organisation=world.unit_a, user=world.unit_a_admin)
    second = file_store(
        upload=upload(data, "方案（副本）.pdf"), organisation=world.unit_b, user=world.outsider
    )

    assert first.pk != second.pk
    assert first.blob_id == second.blob_id
    assert Blob.objects.filter(sha256=hashlib.sha256(data).hexdigest()).count() == 1
    assert StoredFile.objects.filter(blob=first.blob).count() == 2
    assert (first.original_name, second.original_name) == ("方案.pdf", "方案（副本）.pdf")


@pytest.mark.django_db
def test_it_records_the_sha256_and_size_and_names_the_content_by_it(world):
    data = samples.jpeg_bytes(color=(1, 99, 7))
    stored = file_store(upload=upload(data, "照片.jpg"), organisation=world.unit_a, user=world.unit_a_admin)
    digest = hashlib.sha256(data).hexdigest()
    assert (stored.blob.sha256, stored.blob.size) == (digest, len(data))
    assert digest in stored.blob.storage_name and "照片" not in stored.blob.storage_name
    with default_storage.open(stored.blob.storage_name, "rb") as fh:
        assert fh.read() == data


@pytest.mark.django_db
def test_it_stores_different_bytes_separately(world):
    a = file_store(
        upload=upload(b"first text\n", "a.txt"), organisation=world.unit_a, user=world.unit_a_admin
    )
    b = file_store(
        upload=upload(b"second text\n", "a.txt"), organisation=world.unit_a, user=world.unit_a_admin
    )
    assert a.blob_id != b.blob_id
