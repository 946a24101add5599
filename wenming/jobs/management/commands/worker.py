"""manage.py worker — the task worker (django-tasks-db's db_worker) plus a heartbeat for /healthz.

Jobs are claimed with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL (an exclusive transaction on
SQLite), so any number of workers on any number of machines never run the same job twice
(wenming/jobs/tests/test_it_runs_each_job_once_with_two_workers.py shows it with two processes).

Beside the heartbeat, each worker now and then marks failed the jobs left 进行中 by a worker that
stopped beating (see jobs.services.job_fail_orphans), and forgets heartbeats of long-gone workers.
A third thread runs the scheduler of 定时任务 (wenming/jobs/schedule.py) unless SCHEDULER_ENABLED=0.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from wenming.jobs.models import WorkerHeartbeat

logger = logging.getLogger("wenming.jobs")

#: How often a worker looks for jobs orphaned by a dead worker.
ORPHAN_CHECK_SECONDS = 60
#: A worker silent for this many heartbeat intervals (at least two minutes) is taken as dead.
DEAD_AFTER_BEATS = 12
#: Heartbeat rows of workers silent this long are deleted (they only clutter /healthz's query).
FORGET_AFTER = dt.timedelta(days=7)


def _beat(worker_id: str, started, stop: threading.Event) -> None:
    from wenming.jobs.services import job_fail_orphans

    interval = settings.WORKER_HEARTBEAT_SECONDS
    dead_after = max(120, DEAD_AFTER_BEATS * interval)
    next_orphan_check = time.monotonic() + min(ORPHAN_CHECK_SECONDS, dead_after)
    while not stop.is_set():
        try:
            WorkerHeartbeat.objects.update_or_create(
                worker_id=worker_id,
                defaults={
                    "hostname": socket.gethostname()[:200],
                    "pid": os.getpid(),
                    "started_at": started,
                    "seen_at": timezone.now(),
                },
            )
            if time.monotonic() >= next_orphan_check:
                next_orphan_check = time.monotonic() + ORPHAN_CHECK_SECONDS
                job_fail_orphans(stale_after_seconds=dead_after)
                WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - FORGET_AFTER).delete()
        except Exception:  # noqa: BLE001 - a missed beat must not kill the worker
            logger.warning("worker %s: heartbeat failed", worker_id, exc_info=True)
        finally:
            close_old_connections()
        stop.wait(interval)


class Command(DBWorkerCommand):
    help = "运行后台任务工作进程（可多开，多台机器共用同一数据库）"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # A worker id that says where it runs (it is recorded on every task it claims).
        parser.set_defaults(worker_id=f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}")

    def handle(self, *args, **options):
        worker_id = options["worker_id"][:64]
        options["worker_id"] = worker_id
        stop = threading.Event()
        beat = threading.Thread(
            target=_beat, args=(worker_id, timezone.now(), stop), daemon=True, name="heartbeat"
        )
        beat.start()
        scheduler = None
        if settings.SCHEDULER_ENABLED:
            from wenming.jobs.schedule import scheduler_loop

            scheduler = threading.Thread(
                target=scheduler_loop,
                args=(worker_id, stop, settings.SCHEDULER_CHECK_SECONDS),
                daemon=True,
                name="scheduler",
            )
            scheduler.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
            beat.join(timeout=5)
            if scheduler is not None:
                scheduler.join(timeout=5)
