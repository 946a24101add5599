from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from wenming.files.scoping import owner_scoped
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
    qs = owner_scoped(Job.objects.select_related("created_by", "organisation"), user)
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


def schedule_overview(*, now=None) -> list[dict]:
    """Every registered schedule with its latest run and next slot (two queries whatever the count)."""
    from wenming.jobs.models import ScheduledRun
    from wenming.jobs.schedule import discover

    now = now or timezone.now()
    schedules = sorted(discover().values(), key=lambda s: s.name)
    names = [s.name for s in schedules]
    # Latest run per name: the newest slot of each name (grouped, over the (name, -slot) index),
    # then those rows — two queries however many runs have accumulated.
    newest = ScheduledRun.objects.filter(name__in=names).values("name").annotate(slot=Max("slot"))
    match = Q(pk__in=[])
    for row in newest:
        match |= Q(name=row["name"], slot=row["slot"])
    latest: dict[str, ScheduledRun] = {run.name: run for run in ScheduledRun.objects.filter(match)}
    failures = dict(
        ScheduledRun.objects.filter(name__in=names, status="failed", slot__gte=now - dt.timedelta(days=7))
        .values_list("name")
        .annotate(n=Count("pk"))
    )
    return [
        {
            "schedule": s,
            "last": latest.get(s.name),
            "next": s.next_slot(now),
            "failures_7d": failures.get(s.name, 0),
        }
        for s in schedules
    ]


def schedule_runs(*, user, name: str = "") -> QuerySet:
    from wenming.jobs.models import ScheduledRun

    qs = scoped(ScheduledRun.objects.all(), user)
    return qs.filter(name=name) if name else qs
