"""Image uploads get a small, upright, metadata-free thumbnail from a background task."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from wenming.files.models import StoredFile
from wenming.files.services import THUMBNAIL_PX, file_store
from wenming.files.tasks import make_thumbnail
from wenming.files.tests import samples
from wenming.files.tests.samples import upload


def _open(blob) -> Image.Image:
    with default_storage.open(blob.storage_name, "rb") as fh:
        return Image.open(io.BytesIO(fh.read()))


@pytest.mark.django_db
def test_it_strips_gps_and_applies_the_orientation(world, django_capture_on_commit_callbacks):
    photo = samples.jpeg_with_gps(size=(800, 400), orientation=6)  # stored landscape, shown portrait
    source = Image.open(io.BytesIO(photo))
    assert source.getexif().get_ifd(0x8825), "the sample must really carry GPS data"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stored = file_store(
            upload=upload(photo, "现场照片.jpg"), organisation=world.unit_a, user=world.unit_a_admin
        )
    assert len(callbacks) == 1

    stored.refresh_from_db()
    thumb = _open(stored.thumbnail)
    assert thumb.format == "WEBP"
    assert thumb.size == (THUMBNAIL_PX // 2, THUMBNAIL_PX)  # rotated upright, long side 320
    assert not thumb.getexif()
    assert "exif" not in thumb.info and "xmp" not in thumb.info
    with default_storage.open(stored.thumbnail.storage_name, "rb") as fh:
        raw = fh.read()
    assert b"Exif" not in raw and b"TestCam" not in raw
    # The original is kept byte for byte (it is evidence); only the thumbnail is cleaned.
    with default_storage.open(stored.blob.storage_name, "rb") as fh:
        assert fh.read() == photo


@pytest.mark.django_db
def test_it_enqueues_only_after_the_upload_commits(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stored = file_store(
            upload=upload(samples.png_bytes(), "图.png"), organisation=world.unit_a, user=world.unit_a_admin
        )
    stored.refresh_from_db()
    assert stored.thumbnail_id is None and len(callbacks) == 1
    callbacks[0]()
    stored.refresh_from_db()
    assert stored.thumbnail is not None and stored.thumbnail.kind == "image"


@pytest.mark.django_db
def test_it_makes_no_thumbnail_for_documents(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stored = file_store(
            upload=upload(samples.pdf_bytes(), "a.pdf"), organisation=world.unit_a, user=world.unit_a_admin
        )
    assert callbacks == []
    assert make_thumbnail.call(stored.pk) is False


@pytest.mark.django_db
def test_it_shares_a_thumbnail_between_identical_images(world, django_capture_on_commit_callbacks):
    data = samples.png_bytes(color=(5, 6, 7))
    with django_capture_on_commit_callbacks(execute=True):
        a = file_store(upload=upload(data, "a.png"), organisation=world.unit_a, user=world.unit_a_admin)
        b = file_store(upload=upload(data, "b.png"), organisation=world.unit_a, user=world.dept_lead_a)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.thumbnail_id is not None and a.thumbnail_id == b.thumbnail_id


@pytest.mark.django_db
def test_it_serves_the_thumbnail_once_made(client, login, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stored = file_store(
            upload=upload(samples.jpeg_bytes(size=(900, 600)), "p.jpg"),
            organisation=world.unit_a,
            user=world.unit_a_admin,
        )
    login(world.unit_a_admin)
    url = reverse("files:file_thumbnail", args=[stored.pk])
    assert client.get(url).status_code == 404  # not made yet
    callbacks[0]()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (THUMBNAIL_PX, 213)
    login(world.outsider)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_it_queues_a_task_row_with_the_database_backend(world, settings, django_capture_on_commit_callbacks):
    """With the production backend the committed upload leaves a task row for a worker."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with django_capture_on_commit_callbacks(execute=True):
        stored = file_store(
            upload=upload(samples.png_bytes(color=(9, 9, 9)), "q.png"),
            organisation=world.unit_a,
            user=world.unit_a_admin,
        )
    row = DBTaskResult.objects.get(task_path="wenming.files.tasks.make_thumbnail")
    assert row.args_kwargs["args"] == [stored.pk]
    assert StoredFile.objects.get(pk=stored.pk).thumbnail_id is None  # the worker has not run yet

    # What a worker does with the row: import the task from its path and call it. (The real
    # db_worker closes database connections, which would end this test's transaction.)
    assert row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"]) is True
    assert StoredFile.objects.get(pk=stored.pk).thumbnail_id is not None
