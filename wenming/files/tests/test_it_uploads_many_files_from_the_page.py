"""The upload page takes several files at once and reports each one's fate."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.files.models import StoredFile
from wenming.files.tests import samples
from wenming.files.tests.samples import upload


@pytest.mark.django_db
def test_it_stores_the_good_files_and_explains_the_bad_ones(client, login, world):
    login(world.unit_a_admin)
    response = client.post(
        reverse("files:file_upload"),
        {
            "organisation": world.unit_a.pk,
            "purpose": "测评材料",
            "files": [
                upload(samples.pdf_bytes(), "方案.pdf"),
                upload(samples.exe_bytes(), "病毒.pdf"),
                upload(samples.png_bytes(), "现场.png"),
            ],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "文件类型不允许：检测到 exe" in page and "病毒.pdf" in page
    assert page.count("已上传") == 2
    new = StoredFile.objects.filter(purpose="测评材料")
    assert sorted(f.original_name for f in new) == ["方案.pdf", "现场.png"]
    assert {(f.organisation_id, f.uploaded_by_id, f.purpose) for f in new} == {
        (world.unit_a.pk, world.unit_a_admin.pk, "测评材料")
    }


@pytest.mark.django_db
def test_it_redirects_to_the_list_when_every_file_is_stored(client, login, world):
    login(world.dept_lead_a)
    response = client.post(
        reverse("files:file_upload"),
        {"organisation": world.unit_a.pk, "files": [upload(b"one\n", "1.txt"), upload(b"two\n", "2.txt")]},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("files:file_list")
    assert "已上传 2 个文件" in response.content.decode()


@pytest.mark.django_db
def test_it_streams_large_uploads_from_a_temporary_file(client, login, world, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # anything larger is spooled to disk by Django
    data = ("大文件内容\n" * 2000).encode()
    login(world.unit_a_admin)
    response = client.post(
        reverse("files:file_upload"), {"organisation": world.unit_a.pk, "files": [upload(data, "大.txt")]}
    )
    assert response.status_code == 302
    assert StoredFile.objects.get(original_name="大.txt").blob.size == len(data)


@pytest.mark.django_db
def test_it_offers_a_unit_user_only_their_unit(client, login, world):
    login(world.unit_a_admin)
    page = client.get(reverse("files:file_upload")).content.decode()
    assert (
        world.unit_a.name in page and world.unit_b.name not in page and world.county_a_office.name not in page
    )


@pytest.mark.django_db
def test_it_refuses_an_organisation_outside_the_choices(client, login, world):
    login(world.unit_a_admin)
    response = client.post(
        reverse("files:file_upload"), {"organisation": world.unit_b.pk, "files": [upload(b"x\n", "x.txt")]}
    )
    assert response.status_code == 200
    assert not StoredFile.objects.filter(original_name="x.txt").exists()
    assert "is-invalid" in response.content.decode()


@pytest.mark.django_db
def test_it_asks_for_at_least_one_file(client, login, world):
    login(world.unit_a_admin)
    response = client.post(reverse("files:file_upload"), {"organisation": world.unit_a.pk})
    assert "请选择要上传的文件" in response.content.decode()


@pytest.mark.django_db
def test_it_lets_a_platform_admin_upload_without_an_organisation(client, login, world):
    login(world.platform)
    response = client.post(reverse("files:file_upload"), {"files": [upload(b"platform note\n", "平台.txt")]})
    assert response.status_code == 302
    stored = StoredFile.objects.get(original_name="平台.txt")
    assert stored.organisation is None and stored.region_code == ""
