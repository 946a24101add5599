"""Bytes written by an upload whose transaction rolled back are deleted by the nightly sweep once
they are a day old; files a Blob names, and young orphans, stay."""

from __future__ import annotations

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from wenming.files import services
from wenming.files.models import Blob
from wenming.jobs.schedule import discover

pytestmark = pytest.mark.django_db(transaction=True)

DAY = 24 * 3600


def _age(name: str, seconds: float) -> None:
    path = default_storage.path(name)
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_it_deletes_old_orphans_only(world):
    kept = services.file_store(
        upload=SimpleUploadedFile("记录.txt", b"kept content\n"),
        organisation=world.unit_a,
        user=world.unit_a_admin,
    ).blob
    with pytest.raises(RuntimeError):  # an upload whose transaction rolls back leaves its bytes
        with transaction.atomic():
            lost = services.file_store(
                upload=SimpleUploadedFile("作废.txt", b"rolled back content\n"),
                organisation=world.unit_a,
                user=world.unit_a_admin,
            ).blob.storage_name
            raise RuntimeError
    assert default_storage.exists(lost) and not Blob.objects.filter(storage_name=lost).exists()
    young = "blobs/zz/zz/young-orphan.txt"
    default_storage.save(young, ContentFile(b"young"))
    for name in (kept.storage_name, lost):
        _age(name, 2 * DAY)
    assert services.blob_sweep_orphans() == 1
    assert not default_storage.exists(lost)
    assert default_storage.exists(kept.storage_name) and default_storage.exists(young)
    default_storage.delete(young)


def test_a_reused_orphan_is_renewed_so_the_sweep_keeps_it(world):
    """An old orphan whose bytes are uploaded again is reused (same name) with a fresh time
    stamp, so a sweep running while that upload's transaction is still open (its row not yet
    visible to the sweep) finds a young file and leaves it."""
    from django.utils import timezone

    content = b"uploaded twice\n"
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            name = services.file_store(
                upload=SimpleUploadedFile("一.txt", content),
                organisation=world.unit_a,
                user=world.unit_a_admin,
            ).blob.storage_name
            raise RuntimeError
    _age(name, 2 * DAY)
    assert default_storage.get_modified_time(name) < timezone.now() - services.ORPHAN_AGE
    again = services.file_store(
        upload=SimpleUploadedFile("二.txt", content), organisation=world.unit_a, user=world.unit_a_admin
    ).blob
    assert again.storage_name == name
    assert default_storage.get_modified_time(name) > timezone.now() - services.ORPHAN_AGE
    services.blob_sweep_orphans()
    assert default_storage.exists(name)


def test_the_sweep_is_scheduled():
    job = discover()["files.orphans"]
    assert job.title == "清理未入库的上传文件"
