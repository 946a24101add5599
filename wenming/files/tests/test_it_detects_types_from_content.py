"""The type comes from the bytes: the name and the client's content type are ignored."""

from __future__ import annotations

import pytest

from wenming.files import sniff
from wenming.files.models import FileKind
from wenming.files.services import file_store
from wenming.files.tests import samples
from wenming.files.tests.samples import upload

CASES = [
    ("png", samples.png_bytes, FileKind.IMAGE, "image/png"),
    ("jpg", samples.jpeg_bytes, FileKind.IMAGE, "image/jpeg"),
    ("webp", samples.webp_bytes, FileKind.IMAGE, "image/webp"),
    ("docx", samples.docx_bytes, FileKind.DOCUMENT, sniff.KNOWN["docx"].mime),
    ("xlsx", samples.xlsx_bytes, FileKind.DOCUMENT, sniff.KNOWN["xlsx"].mime),
    ("pdf", samples.pdf_bytes, FileKind.DOCUMENT, "application/pdf"),
    ("doc", lambda: samples.ole_bytes("WordDocument"), FileKind.DOCUMENT, "application/msword"),
    ("xls", lambda: samples.ole_bytes("Workbook"), FileKind.DOCUMENT, "application/vnd.ms-excel"),
    ("mp3", samples.mp3_bytes, FileKind.MEDIA, "audio/mpeg"),
    ("mp3", lambda: samples.mp3_bytes(id3=True), FileKind.MEDIA, "audio/mpeg"),
    ("mp4", lambda: samples.isobmff_bytes(b"isom", (b"isom", b"iso2", b"avc1")), FileKind.MEDIA, "video/mp4"),
    ("mp4", lambda: samples.isobmff_bytes(b"xxxx", (b"mp42",)), FileKind.MEDIA, "video/mp4"),
    ("mov", lambda: samples.isobmff_bytes(b"qt  "), FileKind.MEDIA, "video/quicktime"),
    ("txt", lambda: "创建工作台账\n第一行\t说明\r\n".encode(), FileKind.DOCUMENT, "text/plain"),
    ("txt", lambda: "\ufeff带 BOM 的文本\n".encode(), FileKind.DOCUMENT, "text/plain"),
    ("txt", lambda: "文明创建测评标准（国标编码）\n".encode("gb18030"), FileKind.DOCUMENT, "text/plain"),
]


@pytest.mark.parametrize(("ext", "make", "kind", "mime"), CASES)
def test_it_detects_each_allowed_type(ext, make, kind, mime):
    found = sniff.detect_bytes(make())
    assert (found.ext, found.kind, found.mime) == (ext, kind, mime)


def test_it_reads_legacy_office_stream_names_not_just_the_container_magic():
    # Same OLE2 container, different application inside: only Word and Excel are allowed.
    assert sniff.detect_bytes(samples.ole_bytes("WordDocument")).ext == "doc"
    with pytest.raises(sniff.UploadRefused, match="ppt"):
        sniff.detect_bytes(samples.ole_bytes("PowerPoint Document"))


def test_it_checks_text_beyond_the_first_block():
    # A text-looking start does not make a text file: the rest is decoded too.
    data = "正文".encode() * 10_000 + b"\x00\x01\x02binary"
    assert len(data) > sniff.HEAD_BYTES
    with pytest.raises(sniff.UploadRefused, match="二进制"):
        sniff.detect_bytes(data)


def test_it_accepts_a_multibyte_character_split_across_chunk_boundaries():
    # 3-byte UTF-8 characters straddle every 8 KB and 64 KB boundary in this file.
    data = ("文" * 50_000).encode()
    assert sniff.detect_bytes(data).ext == "txt"


@pytest.mark.django_db
def test_it_stores_a_png_named_pdf_as_a_png(world):
    stored = file_store(
        upload=upload(samples.png_bytes(), "通知.pdf", content_type="application/pdf"),
        organisation=world.unit_a,
        user=world.unit_a_admin,
    )
    assert (stored.blob.ext, stored.blob.mime, stored.blob.kind) == ("png", "image/png", FileKind.IMAGE)
    assert stored.original_name == "通知.pdf"  # kept for display


@pytest.mark.django_db
def test_it_stores_a_pdf_named_jpg_as_a_pdf(world):
    stored = file_store(
        upload=upload(samples.pdf_bytes(), "photo.jpg", content_type="image/jpeg"),
        organisation=world.unit_a,
        user=world.unit_a_admin,
    )
    assert stored.blob.ext == "pdf" and stored.blob.kind == FileKind.DOCUMENT
