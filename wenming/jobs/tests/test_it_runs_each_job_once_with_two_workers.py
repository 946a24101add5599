"""Two real worker processes against one PostgreSQL database: every task runs exactly once, and
both workers take part. (django-tasks-db claims a task with SELECT … FOR UPDATE SKIP LOCKED.)"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from wenming.jobs.models import Job, WorkerHeartbeat

TASKS = 200
TIMEOUT_SECONDS = 120
ROOT = Path(settings.BASE_DIR)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: workers in other processes cannot share SQLite's in-memory test database",
    ),
]


def _test_database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(worker_id: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wenming.settings",
        "DATABASE_URL": _test_database_url(),  # the test database, which this test has committed to
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "DB_CONN_MAX_AGE": "0",
    }
    env.pop("TEST_DATABASE_NAME", None)
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "worker",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
            "--worker-id",
            worker_id,
            "--verbosity",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.django_db(transaction=True)
def test_it_runs_every_task_exactly_once_across_two_workers(settings):
    from django_tasks_db.models import DBTaskResult

    from wenming.jobs.tests.tasks import tick

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    jobs = Job.objects.bulk_create(Job(kind="test.tick", title=f"计数 {i}") for i in range(TASKS))
    results = [tick.enqueue(job_id=job.pk) for job in jobs]  # autocommit: visible to the workers
    assert DBTaskResult.objects.ready().count() == TASKS

    with tempfile.TemporaryDirectory() as tmp:
        logs = [Path(tmp) / "worker-a.log", Path(tmp) / "worker-b.log"]
        workers = [_start_worker("worker-a", logs[0]), _start_worker("worker-b", logs[1])]
        deadline = time.monotonic() + TIMEOUT_SECONDS
        try:
            for proc in workers:
                proc.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            for proc in workers:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        output = "\n".join(p.read_text(errors="replace") for p in logs)
    assert [p.returncode for p in workers] == [0, 0], output

    # Each job's counter was bumped by exactly one task run: none skipped, none run twice.
    counts = Counter(Job.objects.filter(pk__in=[j.pk for j in jobs]).values_list("progress", flat=True))
    assert counts == Counter({1: TASKS}), f"progress values: {dict(counts)}"

    rows = list(DBTaskResult.objects.filter(id__in=[r.id for r in results]))
    assert len(rows) == TASKS
    assert {row.status for row in rows} == {"SUCCESSFUL"}
    assert all(len(row.worker_ids) == 1 for row in rows), "a task was claimed more than once"
    per_worker = Counter(row.worker_ids[0] for row in rows)
    assert set(per_worker) == {"worker-a", "worker-b"}, f"work split: {dict(per_worker)}"
    assert sum(per_worker.values()) == TASKS

    # Both workers reported heartbeats, which /healthz reads.
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) >= {"worker-a", "worker-b"}
