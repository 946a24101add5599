"""Job pages: scoped list and detail, the polling progress partial, the cancel button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.jobs.models import Job, JobStatus
from wenming.jobs.tests.helpers import start_count_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_job(world, django_capture_on_commit_callbacks):
    return start_count_job(
        django_capture_on_commit_callbacks, user=world.unit_a_admin, organisation=world.unit_a, run=False, n=3
    )


def test_it_polls_every_second_while_the_job_is_unfinished(world, login, client, queued_job):
    login(world.unit_a_admin)
    Job.objects.filter(pk=queued_job.pk).update(status=JobStatus.RUNNING, progress=1, total=3)
    html = client.get(reverse("jobs:job_progress", args=[queued_job.pk])).content.decode()
    assert f'hx-get="{reverse("jobs:job_progress", args=[queued_job.pk])}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "1 / 3（33%）" in html
    assert 'data-testid="job-cancel"' in html
    detail = client.get(reverse("jobs:job_detail", args=[queued_job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in detail  # the detail page embeds the same partial


@pytest.mark.parametrize("status", [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED])
def test_it_stops_polling_once_the_job_has_finished(world, login, client, queued_job, status):
    login(world.unit_a_admin)
    Job.objects.filter(pk=queued_job.pk).update(status=status, message="结束说明")
    html = client.get(reverse("jobs:job_progress", args=[queued_job.pk])).content.decode()
    assert "hx-trigger" not in html and "hx-get" not in html
    assert "结束说明" in html
    assert 'data-testid="job-cancel"' not in html


def test_it_shows_the_job_to_its_starter_and_the_offices_above(world, login, client, queued_job):
    for user in (world.unit_a_admin, world.county_a_admin, world.city_admin, world.platform):
        login(user)
        assert client.get(reverse("jobs:job_detail", args=[queued_job.pk])).status_code == 200, user
        assert client.get(reverse("jobs:job_progress", args=[queued_job.pk])).status_code == 200, user


def test_it_hides_the_job_from_outsiders(world, login, client, queued_job):
    login(world.outsider)
    for name in ("jobs:job_detail", "jobs:job_progress"):
        assert client.get(reverse(name, args=[queued_job.pk])).status_code == 404
    assert client.post(reverse("jobs:job_cancel", args=[queued_job.pk])).status_code == 404
    listed = client.get(reverse("jobs:job_list")).content.decode()
    assert reverse("jobs:job_detail", args=[queued_job.pk]) not in listed
    assert Job.objects.get(pk=queued_job.pk).status == JobStatus.QUEUED


def test_it_keeps_a_personal_job_to_its_starter(world, login, client, django_capture_on_commit_callbacks):
    job = start_count_job(django_capture_on_commit_callbacks, user=world.unit_a_admin, run=False, n=1)
    login(world.county_a_admin)
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 404
    login(world.unit_a_admin)
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 200


def test_it_cancels_through_the_button_for_the_starter_only(world, login, client, queued_job):
    login(world.county_a_admin)  # sees the job, did not start it
    page = client.get(reverse("jobs:job_detail", args=[queued_job.pk])).content.decode()
    assert 'data-testid="job-cancel"' not in page
    assert client.post(reverse("jobs:job_cancel", args=[queued_job.pk])).status_code == 403
    login(world.unit_a_admin)
    response = client.post(reverse("jobs:job_cancel", args=[queued_job.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("jobs:job_detail", args=[queued_job.pk])
    assert "任务已取消" in response.content.decode()
    assert Job.objects.get(pk=queued_job.pk).status == JobStatus.CANCELLED


def test_it_lists_and_filters_jobs_in_scope(world, login, client, django_capture_on_commit_callbacks):
    done = start_count_job(
        django_capture_on_commit_callbacks, user=world.unit_a_admin, organisation=world.unit_a, n=1
    )
    waiting = start_count_job(
        django_capture_on_commit_callbacks, user=world.unit_a_admin, organisation=world.unit_a, run=False, n=1
    )
    other = start_count_job(
        django_capture_on_commit_callbacks, user=world.outsider, organisation=world.unit_b, run=False, n=1
    )
    login(world.unit_a_admin)
    html = client.get(reverse("jobs:job_list")).content.decode()
    assert reverse("jobs:job_detail", args=[done.pk]) in html
    assert reverse("jobs:job_detail", args=[waiting.pk]) in html
    assert reverse("jobs:job_detail", args=[other.pk]) not in html
    active = client.get(reverse("jobs:job_list"), {"status": "active", "mine": "1"}).content.decode()
    assert reverse("jobs:job_detail", args=[waiting.pk]) in active
    assert reverse("jobs:job_detail", args=[done.pk]) not in active


def test_it_pages_the_job_list_in_a_bounded_number_of_queries(
    world, login, client, django_assert_max_num_queries
):
    jobs = Job.objects.bulk_create(
        Job(
            kind="test",
            title=f"任务{i}",
            created_by=world.unit_a_admin,
            organisation=world.unit_a,
            region_code=world.unit_a.region_code,
        )
        for i in range(60)
    )
    login(world.unit_a_admin)
    client.get(reverse("jobs:job_list"))  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(reverse("jobs:job_list"))
    html = response.content.decode()
    shown = [j for j in jobs if f'href="{reverse("jobs:job_detail", args=[j.pk])}"' in html]
    assert len(shown) == 50
    assert "第 1 / 2 页" in html


def test_it_warns_when_no_worker_is_running_for_a_queued_job(world, login, client, queued_job):
    from django.utils import timezone

    from wenming.jobs.models import WorkerHeartbeat

    login(world.unit_a_admin)
    url = reverse("jobs:job_progress", args=[queued_job.pk])
    WorkerHeartbeat.objects.all().delete()
    assert 'data-testid="worker-missing"' in client.get(url).content.decode()
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w1", started_at=now, seen_at=now)
    assert 'data-testid="worker-missing"' not in client.get(url).content.decode()
