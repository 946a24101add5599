"""Background jobs: start one, report its progress, let its starter cancel it.

A *job* is what a person sees (the :class:`~wenming.jobs.models.Job` row: status, progress bar,
message, result file); the work runs as a django-tasks task in a worker process
(``manage.py worker``). Other modules use four things from here::

    from wenming.jobs.services import JobError, job_progress, job_check_cancel, job_start, job_task

    @job_task()
    def import_volunteers(run, *, file_id: int) -> dict:
        rows = read_rows(file_id)
        for i, row in enumerate(rows, 1):
            job_check_cancel(run)                    # raises JobCancelled if the starter cancelled
            check(row)
            job_progress(run, done=i, total=len(rows), message="正在校验")
        with transaction.atomic():                   # all or nothing
            write(rows)
        return {"imported": len(rows)}               # stored as Job.result

    job = job_start(kind="volunteers.import", title="导入志愿者", user=request.user,
                    organisation=org, task=import_volunteers, task_kwargs={"file_id": f.pk})

The contract a job task must keep
---------------------------------
* **Cancellation is cooperative.** ``job_cancel`` only sets ``cancel_requested``; the task stops
  at its next :func:`job_check_cancel` (which raises :class:`JobCancelled`), and the job is then
  marked 已取消. A job that never calls it cannot be cancelled once running. Check between units
  of work (rows, files, pages) — the check is throttled, so calling it per row is cheap.
* **Leave no half-done work.** A cancelled or failed job must leave the data as it was, or as
  complete as a finished one. Do checking and slow reading first (cancellable, with progress),
  then make the writes in one ``transaction.atomic()`` block, so an exception — including
  :class:`JobCancelled` raised inside it — rolls them all back. Build result files in a
  temporary file and store them only at the end (:func:`job_attach_file`).
* **Progress is written outside transactions.** :func:`job_progress` updates the job row at most
  once per :data:`PROGRESS_WRITE_SECONDS`; inside a long ``atomic()`` block that update would be
  invisible until commit and would hold the job row's lock (the cancel button would wait for it),
  so report progress before and after such a block, not inside it.
* **Failures speak Chinese.** Raise :class:`JobError` with a message for the person
  (``raise JobError("第 3 行：身份证号校验位错误")``); any other exception is shown as a generic
  message with the job number, and its traceback goes only to the log.
* Task keyword arguments must be JSON-serialisable (ids, not objects): they are stored in the
  queue table until a worker picks them up, possibly on another machine.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_tasks import task as django_task

from wenming.audit.context import Actor, acting_as
from wenming.jobs.models import Job, JobStatus

if TYPE_CHECKING:
    from django_tasks import Task

    from wenming.files.models import StoredFile
    from wenming.orgs.models import Organisation

logger = logging.getLogger("wenming.jobs")

#: The job row is updated at most this often by job_progress (not one UPDATE per row of work).
PROGRESS_WRITE_SECONDS = 1.0
#: cancel_requested is read at most this often by job_check_cancel.
CANCEL_CHECK_SECONDS = 1.0

ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobCancelled(Exception):
    """Raised inside a running job when its starter asked to cancel it."""


class JobError(Exception):
    """A failure to show the person as it is (a Chinese message), e.g. a bad import file."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class JobNotRunnable(Exception):
    """The job cannot start: it was cancelled while queued, already ran, or no longer exists."""


@dataclass
class RunningJob:
    """The handle a task works with while its job runs (see :func:`job_running`)."""

    job: Job
    #: What the task returns; stored as Job.result when it succeeds (JSON-serialisable).
    result: dict[str, Any] = field(default_factory=dict)
    #: The message shown once the job has succeeded (e.g. "已导出 120 个组织").
    done_message: str = "已完成"
    _last_write: float = 0.0
    _last_cancel_check: float = 0.0

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params

    @property
    def user(self):
        return self.job.created_by


# --- Starting and cancelling (called from views and other services) ----------------------------


def job_start(
    *,
    kind: str,
    title: str,
    user,
    task: Task,
    task_kwargs: dict[str, Any] | None = None,
    organisation: Organisation | None = None,
    params: dict[str, Any] | None = None,
) -> Job:
    """Create the job row and enqueue ``task(job_id=…, **task_kwargs)`` once the transaction commits.

    Who sees the job: its starter always; with ``organisation``, also everyone whose scope covers
    that organisation (its unit, the offices above it). Without one the job is the starter's own —
    right for exports, whose content depends on the starter's scope.
    """
    task_kwargs = dict(task_kwargs or {})
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            title=title[:200],
            params=params or {},
            created_by=user,
            organisation=organisation,
            region_code=organisation.region_code if organisation is not None else "",
        )
        # Enqueue after commit: a worker must never pick up a task whose job row it cannot see yet.
        transaction.on_commit(functools.partial(_enqueue, job.pk, task, task_kwargs))
    return job


def _enqueue(job_id: int, task: Task, task_kwargs: dict[str, Any]) -> None:
    try:
        result = task.enqueue(job_id=job_id, **task_kwargs)
    except Exception:  # the queue is unreachable or the task is invalid: say so on the job
        logger.exception("job %s: could not enqueue %s", job_id, getattr(task, "module_path", task))
        Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, message="任务未能加入队列，请稍后重试", finished_at=timezone.now()
        )
        return
    Job.objects.filter(pk=job_id).update(task_result_id=str(result.id)[:64])


def job_cancel(*, job: Job, user) -> Job:
    """Ask a job to stop. Only its starter may. A queued job is cancelled at once; a running
    one at its next :func:`job_check_cancel`. A finished job is left as it is."""
    if job.created_by_id is None or job.created_by_id != user.pk:
        raise PermissionDenied("只有任务发起人可以取消任务")
    now = timezone.now()
    # Conditional UPDATEs: if a worker claims the job at the same moment, exactly one wins.
    Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED, cancel_requested=True, message="已取消（未开始执行）", finished_at=now
    )
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True, message="正在取消…")
    job.refresh_from_db()
    return job


# --- Inside the task ----------------------------------------------------------------------------


@contextmanager
def job_running(job_id: int) -> Iterator[RunningJob]:
    """Run the body as job ``job_id``: claim it, then record how it ended.

    - enter: the job goes from 排队中 to 进行中, or :class:`JobNotRunnable` is raised (it was
      cancelled while queued, or is not queued any more);
    - the body finishes: 已完成, with ``run.result`` stored;
    - :class:`JobCancelled`: 已取消 (the exception is swallowed — cancelling is not a failure);
    - :class:`JobError`: 失败, its message shown; any other exception: 失败 with a generic
      message, traceback logged. Both are re-raised so the task result records the failure.

    The body runs as the starter for the audit trail. Do not open this inside ``atomic()``.
    """
    job = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        raise JobNotRunnable(f"job {job_id} does not exist")
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, message="正在执行"
    )
    if not claimed:
        job.refresh_from_db(fields=["status"])
        raise JobNotRunnable(f"job {job_id} is {job.status}, not queued")
    job.status, job.started_at, job.message = JobStatus.RUNNING, now, "正在执行"
    run = RunningJob(job=job)
    user = job.created_by
    actor = (
        Actor(user_id=user.pk, label=user.get_username(), ip=None)
        if user is not None
        else Actor(None, "后台任务", None)
    )
    try:
        with acting_as(actor):
            yield run
    except JobCancelled:
        _finish(job, status=JobStatus.CANCELLED, message="已取消")
        logger.info("job %s cancelled by request", job_id)
    except JobError as exc:
        _finish(job, status=JobStatus.FAILED, message=exc.message[:500])
        logger.warning("job %s failed: %s", job_id, exc.message)
        raise
    except (KeyboardInterrupt, SystemExit):
        # The worker was stopped hard (a second Ctrl+C / SIGTERM) in the middle of the job.
        _finish(job, status=JobStatus.FAILED, message="任务被中断（工作进程已停止），请重新发起")
        logger.warning("job %s interrupted by worker shutdown", job_id)
        raise
    except BaseException:
        _finish(job, status=JobStatus.FAILED, message=f"任务执行出错，请联系管理员（任务编号 {job_id}）")
        logger.exception("job %s (%s) failed", job_id, job.kind)
        raise
    else:
        done = job.total if job.total else job.progress
        _finish(
            job,
            status=JobStatus.SUCCEEDED,
            message=run.done_message[:500],
            progress=done,
            result=run.result or {},
            result_file_id=job.result_file_id,
        )


def _finish(job: Job, *, status: str, message: str, **fields: Any) -> None:
    # The last progress reported may not have been written yet (throttled): write it now, so a
    # failed or cancelled job shows where it stopped.
    values = {
        "status": status,
        "message": message,
        "finished_at": timezone.now(),
        "progress": job.progress,
        "total": job.total,
        **fields,
    }
    try:
        Job.objects.filter(pk=job.pk).update(**values)
    except Exception:  # noqa: BLE001 - recording the outcome must not hide the task's own error
        logger.exception("job %s: could not record status %s", job.pk, status)
        return
    for name, value in values.items():
        setattr(job, name, value)


def job_progress(
    run: RunningJob, *, done: int, total: int | None = None, message: str | None = None, force: bool = False
) -> None:
    """Report progress. Cheap to call per row: the row is written at most once per
    :data:`PROGRESS_WRITE_SECONDS`, and always when ``done`` reaches ``total`` or ``force`` is set
    (use it when a phase begins, e.g. ``message="正在写入数据库"``)."""
    job = run.job
    job.progress = max(0, int(done))
    if total is not None:
        job.total = max(0, int(total))
    if message is not None:
        job.message = message[:500]
    now = time.monotonic()
    reached_end = bool(job.total) and job.progress >= job.total
    if not (force or reached_end or now - run._last_write >= PROGRESS_WRITE_SECONDS):
        return
    run._last_write = now
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        progress=job.progress, total=job.total, message=job.message
    )


def job_check_cancel(run: RunningJob, *, force: bool = False) -> None:
    """Raise :class:`JobCancelled` if the starter asked to cancel (read at most once per
    :data:`CANCEL_CHECK_SECONDS`, or now with ``force``)."""
    now = time.monotonic()
    if not force and now - run._last_cancel_check < CANCEL_CHECK_SECONDS:
        return
    run._last_cancel_check = now
    if Job.objects.filter(pk=run.job.pk, cancel_requested=True).exists():
        run.job.cancel_requested = True
        raise JobCancelled


def job_attach_file(run: RunningJob, *, stored_file: StoredFile) -> None:
    """Link the job's result file (shown as a download link when the job has finished)."""
    run.job.result_file = stored_file
    run.job.result_file_id = stored_file.pk


def job_task(func: Callable | None = None, **task_options: Any):
    """Make a job task: ``@job_task()`` over ``def work(run: RunningJob, **kwargs) -> dict | None``.

    The result is a django-tasks task taking ``job_id`` plus the function's keyword arguments;
    pass it to :func:`job_start`. It runs the function inside :func:`job_running`, stores its
    return value as the job's result, and quietly skips a job that was cancelled before a worker
    reached it. ``task_options`` go to django-tasks' ``@task`` (priority, queue_name …).
    """

    def wrap(work: Callable) -> Task:
        @functools.wraps(work)  # keeps the module path, so workers import the task by its name
        def run_job(*, job_id: int, **kwargs: Any) -> dict[str, Any]:
            try:
                with job_running(job_id) as run:
                    returned = work(run, **kwargs)
                    if returned is not None:
                        run.result = returned
            except JobNotRunnable as exc:
                logger.info("skipped: %s", exc)
                return {"job_id": job_id, "skipped": True}
            job = run.job
            return {"job_id": job_id, "status": job.status}

        return django_task(**task_options)(run_job)

    return wrap(func) if func is not None else wrap


def job_fail_orphans(*, stale_after_seconds: float) -> int:
    """Mark 失败 the running jobs whose worker has stopped (killed, out of memory, machine gone).

    A worker records a heartbeat every few seconds; a job still 进行中 on a worker whose last
    heartbeat is older than ``stale_after_seconds`` will never finish. Workers that never
    recorded a heartbeat (a plain ``db_worker``) are left alone: their jobs cannot be judged.
    Returns how many jobs were marked. Called by every ``manage.py worker`` now and then.
    """
    from django_tasks_db.models import DBTaskResult

    from wenming.jobs.models import WorkerHeartbeat

    running = dict(
        Job.objects.filter(status=JobStatus.RUNNING)
        .exclude(task_result_id="")
        .values_list("task_result_id", "pk")
    )
    if not running:
        return 0
    worker_of: dict[str, str] = {}
    for result_id, worker_ids in DBTaskResult.objects.filter(id__in=_uuids(running)).values_list(
        "id", "worker_ids"
    ):
        if worker_ids:
            worker_of[str(result_id)] = worker_ids[-1]
    cutoff = timezone.now() - dt.timedelta(seconds=stale_after_seconds)
    dead = set(
        WorkerHeartbeat.objects.filter(worker_id__in=set(worker_of.values()), seen_at__lt=cutoff).values_list(
            "worker_id", flat=True
        )
    )
    orphans = [running[rid] for rid, worker in worker_of.items() if worker in dead]
    if not orphans:
        return 0
    marked = Job.objects.filter(pk__in=orphans, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED,
        message="执行任务的工作进程已中断，任务未完成，请重新发起",
        finished_at=timezone.now(),
    )
    logger.warning("marked %s job(s) failed whose worker stopped: %s", marked, orphans)
    return marked


def _uuids(ids) -> list:
    import uuid

    out = []
    for value in ids:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:  # not a database-backend result id (e.g. the ImmediateBackend's)
            continue
    return out


# --- Jobs this app offers ---------------------------------------------------------------------


def organisation_export_start(*, user) -> Job:
    """Start 导出组织名录 for ``user`` (the organisations in their scope, as xlsx), audited as an export.

    The job and its file are the starter's own: what it contains depends on the starter's scope.
    """
    from wenming.audit.models import Action
    from wenming.audit.services import audit_record
    from wenming.jobs.tasks import export_organisations
    from wenming.orgs.models import Membership

    home = (
        Membership.objects.filter(user=user, organisation__isnull=False)
        .select_related("organisation")
        .first()
    )
    with transaction.atomic():
        job = job_start(kind="orgs.export", title="导出组织名录", user=user, task=export_organisations)
        audit_record(
            action=Action.EXPORT,
            obj=job,
            object_repr="组织名录",
            region_code=home.organisation.region_code if home else "",
            org_id=home.organisation_id if home else None,
        )
    return job
