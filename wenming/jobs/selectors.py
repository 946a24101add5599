from __future__ import annotations

from django.utils import timezone

from wenming.jobs.models import WorkerHeartbeat


def worker_heartbeat_age() -> float | None:
    """Seconds since the most recent heartbeat of any worker, or None if none ever ran."""
    last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if last is None:
        return None
    return (timezone.now() - last).total_seconds()
