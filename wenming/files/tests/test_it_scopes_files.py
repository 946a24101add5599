"""Files are seen by their owner, their unit and the offices over it — and nobody else."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from wenming.files.services import file_store
from wenming.files.tests import samples
from wenming.files.tests.samples import upload


@pytest.fixture
def unit_a_file(world):
    return file_store(
        upload=upload(samples.pdf_bytes(), "东城区执法局材料.pdf"),
        organisation=world.unit_a,
        user=world.dept_lead_a,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("dept_lead_a", 200),  # the uploader
        ("unit_a_admin", 200),  # the unit
        ("county_a_admin", 200),  # the unit's office
        ("city_admin", 200),  # the office above it
        ("platform", 200),
        ("outsider", 404),  # another unit in another county
        ("county_b_admin", 404),  # another county's office
    ],
)
def test_it_lets_only_the_scope_download(client, login, world, unit_a_file, persona, status):
    login(getattr(world, persona))
    assert client.get(reverse("files:file_download", args=[unit_a_file.pk])).status_code == status
    assert client.get(reverse("files:file_thumbnail", args=[unit_a_file.pk])).status_code == 404


@pytest.mark.django_db
def test_it_lists_only_files_in_scope_and_searches_by_name(client, login, world, unit_a_file):
    other = file_store(
        upload=upload(b"unit b notes\n", "西湖区医院记录.txt"), organisation=world.unit_b, user=world.outsider
    )

    login(world.county_a_admin)
    page = client.get(reverse("files:file_list")).content.decode()
    assert "东城区执法局材料.pdf" in page and "西湖区医院记录.txt" not in page

    login(world.outsider)
    page = client.get(reverse("files:file_list")).content.decode()
    assert "西湖区医院记录.txt" in page and "东城区执法局材料.pdf" not in page
    assert reverse("files:file_download", args=[other.pk]) in page

    login(world.city_admin)
    page = client.get(reverse("files:file_list"), {"q": "医院"}).content.decode()
    assert "西湖区医院记录.txt" in page and "东城区执法局材料.pdf" not in page


@pytest.mark.django_db
def test_it_pages_the_list_by_fifty(client, login, world):
    for i in range(51):
        file_store(
            upload=upload(f"note {i}\n".encode(), f"分页{i:02d}.txt"),
            organisation=world.unit_a,
            user=world.unit_a_admin,
        )
    login(world.unit_a_admin)
    first = client.get(reverse("files:file_list"), {"q": "分页"}).content.decode()
    second = client.get(reverse("files:file_list"), {"q": "分页", "page": 2}).content.decode()
    assert len(re.findall(r"分页\d\d\.txt", first)) == 50
    assert re.findall(r"分页\d\d\.txt", second) == ["分页00.txt"]
    assert "共 51 条" in first


@pytest.mark.django_db
def test_it_refuses_to_file_an_upload_under_another_scope(world):
    with pytest.raises(PermissionDenied):
        file_store(upload=upload(b"x\n", "a.txt"), organisation=world.unit_a, user=world.outsider)
    # An office acts for units in its subtree (e.g. an inspector's photo filed under the unit).
    stored = file_store(upload=upload(b"x\n", "a.txt"), organisation=world.unit_a, user=world.county_a_admin)
    assert stored.region_code == world.unit_a.region_code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("unit_a_admin", 200),
        ("platform", 200),
        ("dept_lead_a", 404),
        ("county_a_admin", 404),
        ("city_admin", 404),
    ],
)
def test_it_shows_a_private_file_to_its_owner_alone(client, login, world, persona, status):
    private = file_store(
        upload=upload(samples.pdf_bytes(), "导出.pdf"),
        organisation=None,
        user=world.unit_a_admin,
        private=True,
    )
    assert private.organisation is None and private.uploaded_by == world.unit_a_admin
    login(getattr(world, persona))
    assert client.get(reverse("files:file_download", args=[private.pk])).status_code == status


@pytest.mark.django_db
def test_it_refuses_a_private_file_with_an_organisation(world):
    with pytest.raises(ValueError):
        file_store(
            upload=upload(samples.pdf_bytes(), "x.pdf"),
            organisation=world.unit_a,
            user=world.unit_a_admin,
            private=True,
        )
