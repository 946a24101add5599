"""manage.py worker — the task worker (django-tasks-db's db_worker) plus a heartbeat for /healthz.

Jobs are claimed with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL (an exclusive transaction on
SQLite), so any number of workers on any number of machines never run the same job twice.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from wenming.jobs.models import WorkerHeartbeat


def _beat(worker_id: str, started, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            WorkerHeartbeat.objects.update_or_create(
                worker_id=worker_id,
                defaults={"hostname": socket.gethostname()[:200], "pid": os.getpid(), "started_at": started, "seen_at": timezone.now()},
            )
        except Exception:  # noqa: BLE001 - a missed beat must not kill the worker
            pass
        finally:
            close_old_connections()
        stop.wait(settings.WORKER_HEARTBEAT_SECONDS)


class Command(DBWorkerCommand):
    help = "运行后台任务工作进程（可多开，多台机器共用同一数据库）"

    def handle(self, *args, **options):
        worker_id = options.get("worker_id") or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        options["worker_id"] = worker_id[:64]
        stop = threading.Event()
        beat = threading.Thread(target=_beat, args=(options["worker_id"], timezone.now(), stop), daemon=True)
        beat.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
