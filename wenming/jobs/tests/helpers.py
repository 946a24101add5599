from __future__ import annotations

from wenming.jobs.models import Job
from wenming.jobs.services import job_start


def start_count_job(
    django_capture_on_commit_callbacks, *, user, organisation=None, run: bool = True, **kwargs
) -> Job:
    """Start a count_items job through the real service; with ``run`` its on-commit enqueue fires
    (the ImmediateBackend of the test settings then runs it inline)."""
    from wenming.jobs.tests.tasks import count_items

    with django_capture_on_commit_callbacks(execute=run):
        job = job_start(
            kind="test.count",
            title="计数",
            user=user,
            organisation=organisation,
            task=count_items,
            task_kwargs=kwargs,
        )
    job.refresh_from_db()
    return job
