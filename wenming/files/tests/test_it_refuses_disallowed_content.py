"""Content that is not an allowed kind is refused, with a clear message, before anything is stored."""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings

from wenming.files.models import Blob, StoredFile
from wenming.files.services import file_store
from wenming.files.sniff import UploadRefused
from wenming.files.tests import samples
from wenming.files.tests.samples import upload


def _stored_paths() -> set[str]:
    root = django_settings.MEDIA_ROOT
    return {os.path.join(d, f) for d, _, files in os.walk(root) for f in files}


REFUSED = [
    ("setup.exe", samples.exe_bytes, "检测到 exe"),
    ("report.pdf", samples.exe_bytes, "检测到 exe"),  # a renamed program is still a program
    ("tool", samples.elf_bytes, "检测到 elf"),
    ("材料.zip", lambda: samples.zip_bytes({"a.txt": "x", "b.txt": "y"}), "zip 压缩包"),
    (
        "材料.docx",
        lambda: samples.zip_bytes({"word/document.xml": "<w/>"}),
        "zip 压缩包",
    ),  # no package manifest
    ("宏.docx", lambda: samples.docx_bytes(macros=True), "含宏"),
    ("slides.doc", lambda: samples.ole_bytes("PowerPoint Document"), "ppt"),
    ("music.mp3", lambda: samples.isobmff_bytes(b"M4A "), "m4a"),
    ("data.txt", lambda: bytes(range(256)) * 4, "检测到"),
    ("empty.txt", lambda: b"", "文件为空"),
    ("anim.png", lambda: samples.image_bytes("GIF"), "检测到 gif"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "make", "message"), REFUSED)
def test_it_refuses_content_that_is_not_an_allowed_kind(world, name, make, message):
    before = _stored_paths()
    blobs, files = Blob.objects.count(), StoredFile.objects.count()
    with pytest.raises(UploadRefused) as excinfo:
        file_store(upload=upload(make(), name), organisation=world.unit_a, user=world.unit_a_admin)
    text = excinfo.value.messages[0]
    assert message in text
    if "文件为空" not in text:
        assert text.startswith("文件类型不允许：") and "允许的类型：PDF" in text
    assert (Blob.objects.count(), StoredFile.objects.count()) == (blobs, files)
    assert _stored_paths() == before


@pytest.mark.django_db
def test_it_follows_the_configured_list_of_allowed_kinds(world, settings):
    settings.FILE_ALLOWED_KINDS = ["pdf", "jpg"]
    with pytest.raises(UploadRefused) as excinfo:
        file_store(
            upload=upload(samples.png_bytes(), "a.png"), organisation=world.unit_a, user=world.unit_a_admin
        )
    assert excinfo.value.messages == ["文件类型不允许：检测到 png；允许的类型：PDF、JPG"]
    stored = file_store(
        upload=upload(samples.jpeg_bytes(), "a.jpg"), organisation=world.unit_a, user=world.unit_a_admin
    )
    assert stored.blob.ext == "jpg"
