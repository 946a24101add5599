"""A worker killed mid-job (kill -9, out of memory, machine gone) leaves its job 进行中 for ever;
the other workers notice the silent heartbeat and mark the job failed, so nobody waits for it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.jobs.models import Job, JobStatus, WorkerHeartbeat
from wenming.jobs.services import job_fail_orphans

pytestmark = pytest.mark.django_db


def _running_job_on(worker_id: str, settings) -> Job:
    from django_tasks_db.models import DBTaskResult

    from wenming.jobs.tests.tasks import tick

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    job = Job.objects.create(kind="test", title="长任务", status=JobStatus.RUNNING, started_at=timezone.now())
    result = tick.enqueue(job_id=job.pk)
    DBTaskResult.objects.filter(id=result.id).update(status="RUNNING", worker_ids=[worker_id])
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
    return job


def _beat(worker_id: str, seconds_ago: int) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        started_at=now - dt.timedelta(hours=1),
        seen_at=now - dt.timedelta(seconds=seconds_ago),
    )


def test_it_fails_the_jobs_of_a_silent_worker_only(settings):
    _beat("dead", 600)
    _beat("alive", 3)
    orphan = _running_job_on("dead", settings)
    healthy = _running_job_on("alive", settings)
    unknown = _running_job_on("never-beat", settings)  # a plain db_worker: cannot be judged

    assert job_fail_orphans(stale_after_seconds=120) == 1
    orphan.refresh_from_db()
    assert orphan.status == JobStatus.FAILED and orphan.finished_at is not None
    assert orphan.message == "执行任务的工作进程已中断，任务未完成，请重新发起"
    assert Job.objects.get(pk=healthy.pk).status == JobStatus.RUNNING
    assert Job.objects.get(pk=unknown.pk).status == JobStatus.RUNNING
    assert job_fail_orphans(stale_after_seconds=120) == 0
