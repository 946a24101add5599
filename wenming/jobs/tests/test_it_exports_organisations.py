"""导出组织名录: the demo export job, checked by opening the xlsx it produced."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from python_calamine import CalamineWorkbook

from wenming.audit.context import SYSTEM, acting_as
from wenming.audit.models import Action, AuditEntry
from wenming.jobs import services
from wenming.jobs.models import Job, JobStatus
from wenming.jobs.tasks import ORG_EXPORT_HEADERS
from wenming.orgs import services as org_services
from wenming.orgs.access import scoped
from wenming.orgs.models import Organisation, OrgKind, UnitType

pytestmark = pytest.mark.django_db


def _sheet_rows(job: Job) -> list[list]:
    with default_storage.open(job.result_file.blob.storage_name, "rb") as fh:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    assert workbook.sheet_names == ["组织名录"]
    return workbook.get_sheet_by_index(0).to_python()


@pytest.fixture
def planted(world):
    """A unit in county A whose names a user typed as formulas."""
    with acting_as(SYSTEM):
        org = org_services.organisation_create(
            kind=OrgKind.UNIT,
            name='=HYPERLINK("http://evil.example","点我")',
            region=world.county_a,
            unit_type=UnitType.ENTERPRISE,
        )
    Organisation.objects.filter(pk=org.pk).update(short_name="@SUM(1+1)", credit_code="-2+3")
    org.refresh_from_db()
    return org


def test_it_exports_the_organisations_in_the_starters_scope(
    world, login, client, planted, django_capture_on_commit_callbacks
):
    login(world.county_a_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("jobs:organisation_export"))
    job = Job.objects.get(kind="orgs.export", created_by=world.county_a_admin)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result_file is not None and job.result_file.uploaded_by == world.county_a_admin
    assert job.result_file.blob.sha256 and job.result_file.original_name == "组织名录.xlsx"

    rows = _sheet_rows(job)
    assert rows[0] == ORG_EXPORT_HEADERS
    names = [r[0] for r in rows[1:]]
    expected = list(
        scoped(Organisation, world.county_a_admin)
        .order_by("region_code", "kind", "name")
        .values_list("name", flat=True)
    )
    assert len(names) == len(expected) == job.total == job.progress
    assert job.message == f"已导出 {len(expected)} 个组织"
    # Only county A: its office, unit A and the planted unit — nothing of county B or the city.
    assert world.unit_a.name in names and world.county_a_office.name in names
    assert world.unit_b.name not in names and world.county_b_office.name not in names
    assert world.city_office.name not in names

    planted_row = next(r for r in rows[1:] if r[5] == planted.region_code and "HYPERLINK" in r[0])
    assert planted_row[0] == "'" + planted.name  # shown as text, never run as a formula
    assert planted_row[1] == "'@SUM(1+1)"
    assert planted_row[7] == "'-2+3"
    unit_a_row = next(r for r in rows[1:] if r[0] == world.unit_a.name)
    assert unit_a_row[2:6] == ["创建单位", "机关", world.county_a.name, world.unit_a.region_code]


def test_it_exports_only_the_unit_itself_for_a_unit_admin(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.organisation_export_start(user=world.unit_a_admin)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert [r[0] for r in _sheet_rows(job)[1:]] == [world.unit_a.name]


def test_it_audits_the_export_and_keeps_it_to_the_starter(
    world, login, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.organisation_export_start(user=world.unit_a_admin)
    entry = AuditEntry.objects.filter(
        action=Action.EXPORT, object_type="jobs.job", object_id=str(job.pk)
    ).get()
    assert entry.object_repr == "组织名录" and entry.org_id == world.unit_a.pk
    job.refresh_from_db()
    assert job.organisation_id is None and job.result_file.organisation_id is None
    login(world.county_a_admin)  # an office above sees the unit, but not the unit admin's own export
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 404


def test_it_offers_the_export_button_on_the_job_list(world, login, client):
    login(world.unit_a_admin)
    html = client.get(reverse("jobs:job_list")).content.decode()
    assert f'action="{reverse("jobs:organisation_export")}"' in html and "导出组织名录" in html
    assert client.get(reverse("jobs:organisation_export")).status_code == 405


def test_it_stores_the_file_through_the_files_service_for_the_starter_only(
    world, login, client, django_capture_on_commit_callbacks
):
    from wenming.files.services import blob_storage_name

    with django_capture_on_commit_callbacks(execute=True):
        job = services.organisation_export_start(user=world.county_a_admin)
    job.refresh_from_db()
    stored = job.result_file
    assert stored.blob.storage_name == blob_storage_name(stored.blob.sha256, "xlsx")
    assert (stored.uploaded_by, stored.organisation, stored.purpose) == (world.county_a_admin, None, "导出")
    upload_entry = AuditEntry.objects.get(
        action=Action.CREATE, object_type="files.storedfile", object_id=str(stored.pk)
    )
    assert upload_entry.actor_id == world.county_a_admin.pk  # the task ran as its starter

    download = reverse("files:file_download", args=[stored.pk])
    login(world.county_a_admin)
    assert f'href="{download}"' in client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    login(world.city_admin)  # sees county A, but not county A's admin's own export
    assert client.get(download).status_code == 404


def test_it_fails_in_chinese_when_the_file_is_refused(world, settings, django_capture_on_commit_callbacks):
    settings.FILE_MAX_BYTES = {**settings.FILE_MAX_BYTES, "document": 1024}
    with django_capture_on_commit_callbacks(execute=True):
        job = services.organisation_export_start(user=world.county_a_admin)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message.startswith("导出文件无法保存：文件过大")
    assert job.result_file is None


def test_it_stores_nothing_and_leaves_no_temporary_files_when_cancelled(
    world, planted, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    import tempfile

    from wenming.files.models import StoredFile
    from wenming.jobs import tasks

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the writer keeps its row data
    checks = []

    def starter_cancels_after_two_rows(run):
        checks.append(1)
        if len(checks) > 2:
            raise services.JobCancelled

    monkeypatch.setattr(tasks, "job_check_cancel", starter_cancels_after_two_rows)
    files_before = StoredFile.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.organisation_export_start(user=world.county_a_admin)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.progress == 2
    assert job.result_file is None and StoredFile.objects.count() == files_before
    assert list(tmp_path.iterdir()) == []
