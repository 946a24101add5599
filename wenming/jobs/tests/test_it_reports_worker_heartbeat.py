"""/healthz tells a load balancer and an operator whether the database answers and how long ago a
task worker last showed a sign of life."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.jobs.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_it_reports_no_worker_age_when_no_worker_ever_ran(client):
    WorkerHeartbeat.objects.all().delete()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "worker_heartbeat_age": None}


def test_it_reports_the_age_of_the_freshest_heartbeat(client):
    now = timezone.now()
    for worker_id, age in (("old-worker", 3600), ("fresh-worker", 42)):
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname="h",
            pid=1,
            started_at=now - dt.timedelta(hours=2),
            seen_at=now - dt.timedelta(seconds=age),
        )
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] is True
    assert isinstance(body["worker_heartbeat_age"], float)
    assert 42 <= body["worker_heartbeat_age"] < 52


def test_it_is_public(client):
    assert client.get("/healthz").status_code == 200  # anonymous, no redirect to the login page
