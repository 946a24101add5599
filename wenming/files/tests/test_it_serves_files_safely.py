"""Files are served through a view: nosniff, a locked-down policy, and only safe images inline."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from wenming.files.services import file_store
from wenming.files.tests import samples
from wenming.files.tests.samples import upload


def _store(world, data: bytes, name: str):
    return file_store(upload=upload(data, name), organisation=world.unit_a, user=world.unit_a_admin)


def _get(client, stored):
    response = client.get(reverse("files:file_download", args=[stored.pk]))
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "name", "mime"),
    [
        (samples.png_bytes, "图.png", "image/png"),
        (samples.jpeg_bytes, "照片.jpg", "image/jpeg"),
        (samples.webp_bytes, "a.webp", "image/webp"),
    ],
)
def test_it_shows_safe_images_inline(client, login, world, make, name, mime):
    data = make()
    stored = _store(world, data, name)
    login(world.unit_a_admin)
    response, body = _get(client, stored)
    assert body == data
    assert response["Content-Type"] == mime
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "name"),
    [
        (samples.pdf_bytes, "通知.pdf"),
        (samples.docx_bytes, "方案.docx"),
        (samples.xlsx_bytes, "台账.xlsx"),
        (lambda: b"<html><script>alert(1)</script></html>\n", "page.html"),
        (samples.mp3_bytes, "录音.mp3"),
    ],
)
def test_it_sends_everything_else_as_an_attachment(client, login, world, make, name):
    data = make()
    stored = _store(world, data, name)
    login(world.unit_a_admin)
    response, body = _get(client, stored)
    assert body == data
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_uses_rfc5987_for_chinese_names_and_the_detected_extension(client, login, world):
    # HTML text uploaded as "page.html" is plain text: it is served as text/plain, saved as .txt.
    stored = _store(world, b"<b>hi</b>\n", "测评 材料.html")
    login(world.unit_a_admin)
    response, _ = _get(client, stored)
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("测评 材料.html.txt")


@pytest.mark.django_db
def test_it_serves_a_png_named_pdf_as_an_inline_png(client, login, world):
    stored = _store(world, samples.png_bytes(), "通知.pdf")
    login(world.unit_a_admin)
    response, _ = _get(client, stored)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline; filename*=utf-8''" + quote("通知.pdf.png")


@pytest.mark.django_db
def test_it_refuses_anything_but_get(client, login, world):
    stored = _store(world, samples.pdf_bytes(), "a.pdf")
    login(world.unit_a_admin)
    assert client.post(reverse("files:file_download", args=[stored.pk])).status_code == 405
