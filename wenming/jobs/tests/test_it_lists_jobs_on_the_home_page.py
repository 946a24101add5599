"""The home page's 后台任务 card: the user's unfinished jobs and their failures of the last 7 days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.jobs.models import Job, JobStatus
from wenming.jobs.selectors import job_attention_counts

pytestmark = pytest.mark.django_db


def _job(user, status, *, age_days: float = 0, org=None) -> Job:
    job = Job.objects.create(
        kind="test",
        title=f"{status}任务",
        status=status,
        created_by=user,
        organisation=org,
        region_code=org.region_code if org else "",
    )
    if age_days:
        Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=age_days))
    return job


def test_it_shows_nothing_without_jobs(world, login, client):
    login(world.dept_lead_a)
    html = client.get(reverse("web:home")).content.decode()
    assert "我的进行中任务" not in html and "失败的任务" not in html


def test_it_counts_the_users_own_running_and_recently_failed_jobs(world, login, client):
    me = world.unit_a_admin
    running = [_job(me, JobStatus.RUNNING), _job(me, JobStatus.QUEUED)]
    failed = _job(me, JobStatus.FAILED, age_days=2)
    _job(me, JobStatus.FAILED, age_days=8)  # too old
    _job(me, JobStatus.SUCCEEDED)
    _job(world.dept_lead_a, JobStatus.RUNNING, org=world.unit_a)  # a colleague's: in scope, not mine

    assert job_attention_counts(user=me) == {"active": 2, "failed": 1}
    login(me)
    html = client.get(reverse("web:home")).content.decode()
    active_href = reverse("jobs:job_list") + "?mine=1&amp;status=active"
    failed_href = reverse("jobs:job_list") + "?mine=1&amp;status=failed&amp;days=7"
    assert active_href in html and failed_href in html
    assert "我的进行中任务" in html and "近 7 天失败的任务" in html

    # Each card links to exactly the jobs it counts.
    listed = client.get(reverse("jobs:job_list"), {"mine": 1, "status": "active"}).content.decode()
    assert sorted(
        j.pk for j in Job.objects.all() if reverse("jobs:job_detail", args=[j.pk]) + '"' in listed
    ) == sorted(j.pk for j in running)
    listed = client.get(reverse("jobs:job_list"), {"mine": 1, "status": "failed", "days": 7}).content.decode()
    assert [j.pk for j in Job.objects.all() if reverse("jobs:job_detail", args=[j.pk]) + '"' in listed] == [
        failed.pk
    ]
