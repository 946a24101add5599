"""Tasks used only by the jobs tests (importable by name, so real worker processes can run them)."""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import F
from django_tasks import task

from wenming.jobs.models import Job
from wenming.jobs.services import JobError, RunningJob, job_cancel, job_check_cancel, job_progress, job_task


@job_task()
def count_items(
    run: RunningJob,
    *,
    n: int,
    fail_at: int | None = None,
    user_error: str = "",
    cancel_at: int | None = None,
    department_org_id: int | None = None,
) -> dict:
    """Count to ``n`` with progress. Optionally: fail at an item (a bug, or a JobError with a
    message), have the starter cancel at an item, or write one department per item inside one
    transaction (to show that a cancelled job leaves no half-done work)."""

    def body() -> None:
        for i in range(1, n + 1):
            if cancel_at == i:
                # As if the starter pressed "取消任务" in another request.
                job_cancel(job=Job.objects.get(pk=run.job.pk), user=run.user)
            job_check_cancel(run)
            if fail_at == i:
                if user_error:
                    raise JobError(user_error)
                raise ValueError(f"boom at item {i}")
            if department_org_id is not None:
                from wenming.orgs.models import Department

                Department.objects.create(organisation_id=department_org_id, name=f"临时部门{i}")
            else:  # progress is not reported inside a transaction (see the contract in services)
                job_progress(run, done=i, total=n, message="正在计数")

    if department_org_id is not None:
        with transaction.atomic():
            body()
    else:
        body()
    run.done_message = f"已计数 {n} 项"
    return {"counted": n}


@task()
def tick(*, job_id: int) -> int:
    """One unit of work for the two-worker test: bump the job's counter by one, atomically, in the
    database (so a task run twice shows as 2). Deliberately not guarded by job_running, whose own
    claim would hide a double delivery by the queue."""
    Job.objects.filter(pk=job_id).update(progress=F("progress") + 1)
    time.sleep(0.02)  # long enough that both workers are busy at the same time
    return job_id
