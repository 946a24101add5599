"""Each kind has its own size limit, checked against the detected kind (not the name)."""

from __future__ import annotations

import pytest

from wenming.files.models import Blob
from wenming.files.services import _hash_stream, file_store
from wenming.files.sniff import UploadRefused
from wenming.files.tests import samples
from wenming.files.tests.samples import upload


@pytest.fixture
def small_limits(settings):
    settings.FILE_MAX_BYTES = {"document": 2000, "image": 1024 * 1024, "media": 3000}
    return settings.FILE_MAX_BYTES


@pytest.mark.django_db
def test_it_refuses_a_document_over_the_document_limit(world, small_limits):
    data = samples.pdf_bytes() + b"%" + b"x" * 2000 + b"\n"
    with pytest.raises(UploadRefused) as excinfo:
        file_store(upload=upload(data, "大文件.pdf"), organisation=world.unit_a, user=world.unit_a_admin)
    assert excinfo.value.messages == ["文件过大：文档不能超过 2000 字节"]
    assert not Blob.objects.filter(size=len(data)).exists()


@pytest.mark.django_db
def test_it_applies_the_limit_of_the_detected_kind_not_of_the_name(world, small_limits):
    # An uncompressed PNG named .pdf: over the document limit, under the image one — it is an image.
    data = samples.image_bytes("PNG", size=(300, 300), color=(1, 2, 3), compress_level=0)
    assert small_limits["document"] < len(data) < small_limits["image"]
    stored = file_store(upload=upload(data, "伪装.pdf"), organisation=world.unit_a, user=world.unit_a_admin)
    assert stored.blob.kind == "image" and stored.blob.size == len(data)


@pytest.mark.django_db
def test_it_states_the_limit_of_the_detected_kind(world, settings):
    settings.FILE_MAX_BYTES = {"document": 50 * 1024 * 1024, "image": 1024 * 1024, "media": 1024}
    with pytest.raises(UploadRefused) as excinfo:
        file_store(
            upload=upload(samples.mp3_bytes() * 2, "a.mp3"),
            organisation=world.unit_a,
            user=world.unit_a_admin,
        )
    assert excinfo.value.messages == ["文件过大：音视频不能超过 1024 字节"]

    big_png = samples.image_bytes("PNG", size=(700, 700), compress_level=0)
    assert len(big_png) > 1024 * 1024
    with pytest.raises(UploadRefused) as excinfo:
        file_store(upload=upload(big_png, "a.png"), organisation=world.unit_a, user=world.unit_a_admin)
    assert excinfo.value.messages == ["文件过大：图片不能超过 1 MB"]


def test_it_stops_reading_as_soon_as_the_stream_passes_the_limit():
    """The declared size can lie (or be missing); the streamed count is what is enforced."""

    class Endless:
        def __init__(self):
            self.read_bytes = 0

        def seek(self, _pos):
            pass

        def read(self, n):
            self.read_bytes += n
            return b"a" * n

    stream = Endless()
    with pytest.raises(UploadRefused, match="文件过大"):
        _hash_stream(stream, limit=200_000, kind="document", text=True)
    assert stream.read_bytes <= 200_000 + 64 * 1024


@pytest.mark.django_db
def test_it_refuses_a_declared_size_beyond_every_limit_before_reading(world, small_limits):
    class Huge:
        name = "huge.mp4"
        size = 10**12

        def read(self, n=-1):
            raise AssertionError("must not be read")

        def seek(self, pos):
            raise AssertionError("must not be read")

    with pytest.raises(UploadRefused, match="文件过大：不能超过"):
        file_store(upload=Huge(), organisation=world.unit_a, user=world.unit_a_admin)
