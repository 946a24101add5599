"""A volunteer-organisation admin (no orgs membership: an empty orgs scope) sees the jobs they
started and the files they own — the result files their jobs attached included — and nobody
else's. Before the fix ``orgs.access.scoped`` answered "nothing" for an empty scope, so these
pages were 404 for the very person who started the export."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.files.services import file_store
from wenming.files.tests import samples
from wenming.files.tests.samples import upload
from wenming.jobs.models import Job, JobStatus


@pytest.fixture
def own_job(vw, world):
    stored = file_store(upload=upload(samples.pdf_bytes(), "志愿者名单.pdf"), organisation=None,
                        user=vw.vorg_admin, private=True)  # fmt: skip
    job = Job.objects.create(kind="volimport.export.volunteers", title="导出志愿者名单", created_by=vw.vorg_admin,
                             status=JobStatus.SUCCEEDED, result_file=stored)  # fmt: skip
    other = Job.objects.create(kind="test.count", title="别人的任务", created_by=world.county_b_admin)
    return job, stored, other


@pytest.mark.django_db
def test_a_volunteer_org_admin_sees_their_own_job_and_its_file(client, login, vw, own_job):
    job, stored, other = own_job
    login(vw.vorg_admin)
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 200
    assert client.get(reverse("jobs:job_progress", args=[job.pk])).status_code == 200
    listing = client.get(reverse("jobs:job_list")).content.decode()
    assert "导出志愿者名单" in listing and "别人的任务" not in listing
    assert (
        reverse("files:file_download", args=[stored.pk])
        in client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    )
    assert client.get(reverse("files:file_download", args=[stored.pk])).status_code == 200
    assert "志愿者名单.pdf" in client.get(reverse("files:file_list")).content.decode()
    # Someone else's job stays out of reach.
    assert client.get(reverse("jobs:job_detail", args=[other.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["vol_user", "applicant_user"])
def test_others_without_memberships_do_not_see_it(client, login, vw, own_job, persona):
    job, stored, _ = own_job
    if persona == "applicant_user":
        from wenming.orgs import services as org_services

        user = org_services.user_create(
            username="nobody_x", display_name="无关用户", password="Test#Passw0rd"
        )
    else:
        user = vw.vol_user
    login(user)
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("files:file_download", args=[stored.pk])).status_code == 404
    assert "志愿者名单.pdf" not in client.get(reverse("files:file_list")).content.decode()
    assert "导出志愿者名单" not in client.get(reverse("jobs:job_list")).content.decode()
