"""Images are decoded before they are accepted: corrupt files and decompression bombs are refused."""

from __future__ import annotations

import struct
import zlib

import pytest
from PIL import Image

from wenming.files.models import StoredFile
from wenming.files.services import file_store
from wenming.files.sniff import UploadRefused
from wenming.files.tests import samples
from wenming.files.tests.samples import upload


def _store(world, data: bytes, name: str):
    return file_store(upload=upload(data, name), organisation=world.unit_a, user=world.unit_a_admin)


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: the classic decompression bomb shape."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.django_db
def test_it_refuses_a_truncated_jpeg(world):
    data = samples.jpeg_bytes(size=(300, 300))
    count = StoredFile.objects.count()
    with pytest.raises(UploadRefused) as excinfo:
        _store(world, data[: len(data) // 2], "半张.jpg")
    assert excinfo.value.messages == ["图片已损坏或无法识别"]
    assert StoredFile.objects.count() == count


@pytest.mark.django_db
def test_it_refuses_a_png_with_damaged_data(world):
    data = bytearray(samples.png_bytes(size=(50, 50)))
    idat = data.index(b"IDAT")
    data[idat + 8] ^= 0xFF  # flips a compressed byte: the chunk checksum no longer matches
    with pytest.raises(UploadRefused, match="图片已损坏"):
        _store(world, bytes(data), "坏.png")


@pytest.mark.django_db
def test_it_refuses_images_with_more_pixels_than_pillow_allows(world, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    # Just over the limit (Pillow itself would only warn) and far over it (Pillow raises).
    for width, height in ((1001, 1000), (30_000, 30_000)):
        with pytest.raises(UploadRefused) as excinfo:
            _store(world, _png_claiming(width, height), "bomb.png")
        assert "像素过多" in excinfo.value.messages[0]


@pytest.mark.django_db
def test_it_accepts_an_image_just_under_the_pixel_limit(world, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)
    assert _store(world, samples.png_bytes(size=(100, 100)), "ok.png").blob.ext == "png"
