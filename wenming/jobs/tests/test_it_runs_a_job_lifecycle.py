"""A job's life: queued → running → succeeded / failed / cancelled, as the starter sees it."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.jobs import services
from wenming.jobs.models import Job, JobStatus
from wenming.jobs.tests.helpers import start_count_job
from wenming.orgs.models import Department

pytestmark = pytest.mark.django_db


def test_it_runs_to_success_with_progress_and_result(world, django_capture_on_commit_callbacks):
    job = start_count_job(
        django_capture_on_commit_callbacks, user=world.unit_a_admin, organisation=world.unit_a, n=5
    )
    assert job.status == JobStatus.SUCCEEDED
    assert (job.progress, job.total, job.percent) == (5, 5, 100)
    assert job.result == {"counted": 5}
    assert job.message == "已计数 5 项"
    assert job.task_result_id
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert job.region_code == world.unit_a.region_code


def test_it_enqueues_only_after_commit(world, django_capture_on_commit_callbacks):
    job = start_count_job(django_capture_on_commit_callbacks, user=world.unit_a_admin, run=False, n=3)
    assert job.status == JobStatus.QUEUED
    assert job.task_result_id == ""


def test_it_shows_a_generic_chinese_message_for_a_bug_and_logs_the_traceback(
    world, django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.ERROR, logger="wenming.jobs"):
        job = start_count_job(django_capture_on_commit_callbacks, user=world.unit_a_admin, n=5, fail_at=3)
    assert job.status == JobStatus.FAILED
    assert job.message == f"任务执行出错，请联系管理员（任务编号 {job.pk}）"
    assert "boom" not in job.message and "Traceback" not in job.message
    logged = "\n".join(
        r.getMessage() + (r.exc_text or "") for r in caplog.records if r.name == "wenming.jobs"
    )
    assert "boom at item 3" in logged and "Traceback" in logged
    assert job.finished_at is not None


def test_it_shows_a_job_error_message_as_it_is(world, django_capture_on_commit_callbacks):
    job = start_count_job(
        django_capture_on_commit_callbacks,
        user=world.unit_a_admin,
        n=5,
        fail_at=2,
        user_error="第 2 行：区划代码不存在",
    )
    assert job.status == JobStatus.FAILED
    assert job.message == "第 2 行：区划代码不存在"


def test_it_stops_a_running_job_at_the_next_check(world, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(services, "CANCEL_CHECK_SECONDS", 0)
    job = start_count_job(django_capture_on_commit_callbacks, user=world.unit_a_admin, n=10, cancel_at=4)
    assert job.status == JobStatus.CANCELLED
    assert job.message == "已取消"
    assert job.cancel_requested
    assert job.progress == 3  # items 1–3 were done; the check before item 4 stopped it


def test_it_leaves_no_half_done_writes_when_cancelled(world, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(services, "CANCEL_CHECK_SECONDS", 0)
    before = Department.objects.filter(organisation=world.unit_a).count()
    job = start_count_job(
        django_capture_on_commit_callbacks,
        user=world.unit_a_admin,
        n=10,
        cancel_at=6,
        department_org_id=world.unit_a.pk,
    )
    assert job.status == JobStatus.CANCELLED
    assert Department.objects.filter(organisation=world.unit_a).count() == before


def test_it_cancels_a_queued_job_at_once_and_the_worker_skips_it(world, django_capture_on_commit_callbacks):
    from wenming.jobs.tests.tasks import count_items

    job = start_count_job(django_capture_on_commit_callbacks, user=world.unit_a_admin, run=False, n=3)
    job = services.job_cancel(job=job, user=world.unit_a_admin)
    assert job.status == JobStatus.CANCELLED and job.finished_at is not None
    # The queue still delivers the task later: it must not run the job.
    assert count_items.call(job_id=job.pk) == {"job_id": job.pk, "skipped": True}
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.progress == 0


def test_it_lets_only_the_starter_cancel(world, django_capture_on_commit_callbacks):
    from django.core.exceptions import PermissionDenied

    job = start_count_job(
        django_capture_on_commit_callbacks, user=world.unit_a_admin, organisation=world.unit_a, run=False, n=3
    )
    with pytest.raises(PermissionDenied):
        services.job_cancel(job=job, user=world.county_a_admin)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and not job.cancel_requested


def test_it_leaves_a_finished_job_alone_when_cancelled(world, django_capture_on_commit_callbacks):
    job = start_count_job(django_capture_on_commit_callbacks, user=world.unit_a_admin, n=2)
    job = services.job_cancel(job=job, user=world.unit_a_admin)
    assert job.status == JobStatus.SUCCEEDED and not job.cancel_requested


def test_it_throttles_progress_writes(world, django_capture_on_commit_callbacks):
    job = start_count_job(django_capture_on_commit_callbacks, user=world.unit_a_admin, run=False, n=500)
    from wenming.jobs.tests.tasks import count_items

    with CaptureQueriesContext(connection) as queries:
        count_items.call(job_id=job.pk, n=500)
    job_updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "jobs_job"')]
    # claim, the final progress (done == total), the finish — and at most a couple of timed writes,
    # never one per item.
    assert 3 <= len(job_updates) <= 6, job_updates
    job.refresh_from_db()
    assert (job.status, job.progress, job.total) == (JobStatus.SUCCEEDED, 500, 500)


def test_it_marks_the_job_failed_when_the_queue_refuses_it(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    from wenming.jobs.tests.tasks import count_items

    def refuse(*args, **kwargs):
        raise RuntimeError("queue down")

    monkeypatch.setattr(type(count_items), "enqueue", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(
            kind="test.count", title="计数", user=world.unit_a_admin, task=count_items, task_kwargs={"n": 1}
        )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "任务未能加入队列，请稍后重试"


def test_it_attributes_audit_entries_written_by_the_task_to_the_starter(
    world, django_capture_on_commit_callbacks
):
    from wenming.audit.models import AuditEntry

    job = start_count_job(django_capture_on_commit_callbacks, user=world.unit_a_admin, run=False, n=1)
    from wenming.audit.models import Action
    from wenming.audit.services import audit_record
    from wenming.jobs.services import job_running

    with job_running(job.pk):
        entry = audit_record(action=Action.UPDATE, obj=world.unit_a, changes={"note": "by job"})
    assert entry.actor_id == world.unit_a_admin.pk
    assert AuditEntry.objects.filter(pk=entry.pk, actor_label="unit_a_admin").exists()
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
