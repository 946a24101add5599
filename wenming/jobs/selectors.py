from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wenming.jobs.models import Job, JobStatus, WorkerHeartbeat
from wenming.orgs.access import scoped

#: The list filter for jobs still to finish (queued or running).
ACTIVE = "active"
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
#: How far back the home page looks for failed jobs.
RECENT_FAILURE_DAYS = 7


def worker_heartbeat_age() -> float | None:
    """Seconds since the most recent heartbeat of any worker, or None if none ever ran."""
    last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if last is None:
        return None
    return (timezone.now() - last).total_seconds()


def job_list(*, user, mine: bool = False, status: str = "", days: int | None = None) -> QuerySet[Job]:
    """Jobs the user may see, newest first; ``status`` is a JobStatus value or ``"active"``."""
    qs = scoped(Job.objects.select_related("created_by", "organisation"), user)
    if mine:
        qs = qs.filter(created_by=user)
    if status == ACTIVE:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif status in JobStatus.values:
        qs = qs.filter(status=status)
    if days:
        qs = qs.filter(created_at__gte=timezone.now() - dt.timedelta(days=days))
    return qs.order_by("-created_at", "-pk")


def job_attention_counts(*, user) -> dict[str, int]:
    """For the home page, in one query: the user's own jobs still running, and those that failed
    in the last :data:`RECENT_FAILURE_DAYS` days (the same filters as the linked job lists)."""
    since = timezone.now() - dt.timedelta(days=RECENT_FAILURE_DAYS)
    return job_list(user=user, mine=True).aggregate(
        active=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
        failed=Count("pk", filter=Q(status=JobStatus.FAILED, created_at__gte=since)),
    )
